// Decoding into storage that already holds a value (dgw::decode into a used GatewayMessage,
// decode_json/decode_etf into a used struct) must give exactly what decoding into new
// storage gives. The reference is the fresh decode, whose own correctness the events suite
// checks against the documented fixtures and Erlang. Inputs: the event fixtures, and
// variants of them with fields removed, nulled and arrays shortened (so that the earlier
// value has fields the next message lacks).

#include "test_event_fixtures.hpp"

#include <dgw/gateway.hpp>
#include <dgw/describe.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace json = boost::json;
using dgw::decode_error;
using dgw::Encoding;
using dgw::GatewayMessage;

namespace {

using dgw_test::event_fixtures;

std::string bytes_of(const json::value& v, Encoding enc) {
    return enc == Encoding::Json ? json::serialize(v) : dgw_test::etf_of(v);
}

GatewayMessage fresh_decode(std::string_view bytes, Encoding enc, bool& ok, decode_error& err) {
    GatewayMessage m;
    ok = dgw::decode(bytes, enc, m, err);
    return m;
}

std::string encode_json(const GatewayMessage& m) {
    std::string out;
    decode_error err;
    BOOST_REQUIRE_MESSAGE(dgw::encode(m, Encoding::Json, out, err), err.message());
    return out;
}

// Every object and array in `v` (depth first), as pointers into it.
void containers(json::value& v, std::vector<json::value*>& out) {
    if (v.is_object()) {
        out.push_back(&v);
        for (auto& kv : v.as_object()) containers(kv.value(), out);
    } else if (v.is_array()) {
        out.push_back(&v);
        for (auto& e : v.as_array()) containers(e, out);
    }
}

/// Variants of a message's d: for containers spread over the whole payload (at most
/// `limit` of them), one field removed, one field null, or the array cut to one element
/// and to none.
std::vector<json::value> variants(const json::value& msg, std::size_t limit) {
    std::vector<json::value> out;
    if (!msg.is_object() || !msg.as_object().contains("d")) return out;
    json::value probe = msg;
    std::vector<json::value*> all;
    containers(probe.as_object()["d"], all);
    const std::size_t step = std::max<std::size_t>(1, all.size() / limit);
    for (std::size_t i = 0; i < all.size(); i += step) {
        // Address the i-th container again in a copy.
        auto with_copy = [&](auto&& change) {
            json::value copy = msg;
            std::vector<json::value*> cs;
            containers(copy.as_object()["d"], cs);
            if (change(*cs[i])) out.push_back(std::move(copy));
        };
        if (all[i]->is_object()) {
            const auto& o = all[i]->as_object();
            if (o.empty()) continue;
            const std::string first(o.begin()->key()), last(std::prev(o.end())->key());
            with_copy([&](json::value& c) { return c.as_object().erase(first) == 1; });
            with_copy([&](json::value& c) {
                c.as_object()[last] = nullptr;
                return true;
            });
        } else {
            const auto n = all[i]->as_array().size();
            if (n > 1) with_copy([](json::value& c) { c.as_array().resize(1); return true; });
            if (n > 0) with_copy([](json::value& c) { c.as_array().clear(); return true; });
        }
    }
    return out;
}

/// Decodes `seq` one after another into one GatewayMessage and checks each result against
/// a fresh decode (same success, same error, same message).
void check_sequence(const std::vector<std::string>& seq, Encoding enc, const std::string& what) {
    GatewayMessage reused;
    for (std::size_t i = 0; i < seq.size(); ++i) {
        decode_error e1, e2;
        bool ok1 = false;
        const GatewayMessage want = fresh_decode(seq[i], enc, ok1, e1);
        const bool ok2 = dgw::decode(seq[i], enc, reused, e2);
        BOOST_TEST_REQUIRE(ok1 == ok2, what << " #" << i << ": fresh " << ok1 << ", reused " << ok2);
        if (!ok1) {
            BOOST_TEST(e1.message() == e2.message(), what << " #" << i);
            continue;
        }
        if (!(reused == want))
            BOOST_ERROR(what << " #" << i << " (" << dgw::to_string(enc) << "): decoded over an earlier message, got\n  "
                             << encode_json(reused) << "\nwant\n  " << encode_json(want));
    }
}

} // namespace

BOOST_AUTO_TEST_SUITE(recycle)

// Each fixture, then variants of it with parts missing, then the fixture again: every
// later decode lands on storage the earlier one filled.
BOOST_AUTO_TEST_CASE(decoding_over_a_message_equals_decoding_fresh) {
    const auto& fx = event_fixtures();
    BOOST_TEST_REQUIRE(fx.size() >= 79u);
    std::size_t checked = 0;
    for (Encoding enc : {Encoding::Json, Encoding::Etf}) {
        for (const auto& f : fx) {
            std::vector<std::string> seq{bytes_of(f.value, enc)};
            for (const json::value& v : variants(f.value, 24)) {
                seq.push_back(bytes_of(v, enc));
                seq.push_back(seq.front());
            }
            check_sequence(seq, enc, f.name);
            checked += seq.size();
        }
    }
    BOOST_TEST_MESSAGE(checked << " decodes compared");
    BOOST_TEST(checked > 2000u);
}

// Every fixture decoded over every other one (different types replace the event; the
// same type, e.g. GUILD_CREATE and GUILD_CREATE.unavailable, is decoded over).
BOOST_AUTO_TEST_CASE(any_fixture_over_any_other) {
    const auto& fx = event_fixtures();
    for (Encoding enc : {Encoding::Json, Encoding::Etf}) {
        std::vector<std::string> seq;
        for (const auto& a : fx)
            for (const auto& b : fx) {
                if (a.name.substr(0, a.name.find('.')) != b.name.substr(0, b.name.find('.')) && (&a - fx.data()) % 7 != 0)
                    continue; // all same-type pairs, and every type after every 7th fixture
                seq.push_back(bytes_of(a.value, enc));
                seq.push_back(bytes_of(b.value, enc));
            }
        check_sequence(seq, enc, "pairs");
    }
}

// A failed decode leaves partial data behind; the next message must not see it.
BOOST_AUTO_TEST_CASE(a_failed_decode_leaves_nothing_behind) {
    for (const auto& f : event_fixtures()) {
        for (Encoding enc : {Encoding::Json, Encoding::Etf}) {
            const std::string good = bytes_of(f.value, enc);
            std::vector<std::string> seq{good};
            for (std::size_t cut : {good.size() / 3, good.size() / 2, good.size() - 2}) {
                seq.push_back(good.substr(0, cut)); // fails part way through d
                seq.push_back(good);
            }
            check_sequence(seq, enc, f.name + " truncated");
        }
    }
}

// dgw::decode_json / decode_etf replace what the struct held: fields the input lacks do not
// survive from an earlier value, and arrays are not appended to.
BOOST_AUTO_TEST_CASE(typed_decode_replaces_a_used_struct) {
    const std::string full = R"({"user":{"id":"1","username":"first","global_name":"G","avatar":"a1"},)"
                             R"("nick":"n","roles":["1","2","3"],"joined_at":"2021-01-01T00:00:00.000000+00:00",)"
                             R"("deaf":false,"mute":true,"flags":0})";
    const std::string less = R"({"user":{"id":"2","username":"second"},"roles":["9"],)"
                             R"("joined_at":"2021-01-01T00:00:00.000000+00:00","deaf":false,"mute":true,"flags":0})";
    dgw::types::GuildMember want;
    decode_error err;
    BOOST_TEST_REQUIRE(dgw::decode_json(less, want, err), err.message());
    BOOST_TEST(want.user->username == "second");
    BOOST_TEST(!want.user->global_name.has_value());
    BOOST_TEST(want.roles.size() == 1u);
    BOOST_TEST(want.nick.is_absent());

    dgw::types::GuildMember used;
    BOOST_TEST_REQUIRE(dgw::decode_json(full, used, err), err.message());
    BOOST_TEST(used.nick.has_value());
    BOOST_TEST_REQUIRE(dgw::decode_json(less, used, err), err.message());
    BOOST_TEST((used == want)); // nick, avatar, global_name gone; roles [9], not [1,2,3,9]

    dgw::types::GuildMember used_etf;
    BOOST_TEST_REQUIRE(dgw::decode_json(full, used_etf, err), err.message());
    BOOST_TEST_REQUIRE(dgw::decode_etf(bytes_of(json::parse(less), Encoding::Etf), used_etf, err), err.message());
    BOOST_TEST((used_etf == want));
}

// A key repeated within one JSON object (Discord never sends one): what detail/codec/pull.hpp
// says happens, so that a change to it is a decision, not an accident.
BOOST_AUTO_TEST_CASE(repeated_keys_behave_as_documented) {
    const std::string in = R"({"user":{"id":"1","username":"first","global_name":"G"},"nick":"a",)"
                           R"("roles":["1","2"],"user":{"id":"2","username":"second"},"nick":"b","roles":["3"],)"
                           R"("joined_at":"2021-01-01T00:00:00.000000+00:00","deaf":false,"mute":true,"flags":0})";
    dgw::types::GuildMember m;
    decode_error err;
    BOOST_TEST_REQUIRE(dgw::decode_json(in, m, err), err.message());
    BOOST_TEST(m.user->username == "second"); // an optional member: the last value
    BOOST_TEST(!m.user->global_name.has_value());
    BOOST_TEST(*m.nick == "b");       // a scalar: the last value
    BOOST_TEST(m.roles.size() == 3u); // a required array: elements appended
}

BOOST_AUTO_TEST_SUITE_END()
