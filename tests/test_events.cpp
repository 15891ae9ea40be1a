// Whole gateway messages through dgw::decode / dgw::encode, against references the code
// under test did not produce: the JSON fixtures themselves (tests/fixtures/events), and
// the same payloads as Erlang's term_to_binary writes them (tests/fixtures/events_etf,
// made by tools/fixtures_to_etf.py and re-made here to prove they are Erlang's bytes).
// erl comes from DGW_ERL (set by CTest) or PATH; without it the suite fails, not skips:
// CI installs erlang-base, so a missing erl is a broken environment.
#include "test_etf_util.hpp"
#include "test_event_fixtures.hpp"

#include <dgw/describe.hpp>
#include <dgw/etf/json.hpp>
#include <dgw/etf/writer.hpp>
#include <dgw/gateway.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
namespace json = boost::json;
using dgw::codec_errc;
using dgw::decode_error;
using dgw::Encoding;
using dgw::EventType;
using dgw::GatewayMessage;

namespace {

const fs::path fixtures_dir = fs::path(DGW_FIXTURES) / "events";
const fs::path etf_fixtures_dir = fs::path(DGW_FIXTURES) / "events_etf";

using dgw_test::read_file;

using fixture = dgw_test::event_fixture;
const std::vector<fixture>& fixtures() { return dgw_test::event_fixtures(); }
const fixture& fixture_named(const std::string& name) { return dgw_test::event_fixture_named(name); }
using dgw_test::etf_of;
using dgw_test::first_diff;

std::string etf_fixture(const std::string& name) { return read_file(etf_fixtures_dir / (name + ".etf")); }

/// Decodes or fails the test case, naming what failed.
GatewayMessage must_decode(std::string_view bytes, Encoding enc, const std::string& what,
                           const dgw::decode_options& opt = {}) {
    GatewayMessage m;
    decode_error err;
    const bool ok = dgw::decode(bytes, enc, m, err, opt);
    BOOST_REQUIRE_MESSAGE(ok, what << " (" << dgw::to_string(enc) << "): " << err.message());
    return m;
}

std::string encode(const GatewayMessage& m, Encoding enc, dgw::codec::etf_style style = {true, true}) {
    std::string out;
    decode_error err;
    BOOST_REQUIRE_MESSAGE(dgw::encode(m, enc, out, err, style), err.message());
    return out;
}

json::value as_json(const GatewayMessage& m) { return json::parse(encode(m, Encoding::Json)); }


std::string quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

/// A gateway envelope in ETF with `t` as an atom, keys in Erlang's order (d, op, s, t).
std::string etf_envelope(const json::value& d, std::int64_t op, std::optional<std::int64_t> s,
                         std::optional<std::string> t) {
    const std::string dterm = etf_of(d);
    std::string out;
    dgw::etf::writer w(out, dgw::etf::writer_options{true});
    w.version();
    w.begin_map(4);
    w.key("d");
    out.append(dterm, 1, std::string::npos); // without its version byte
    w.key("op");
    w.int64(op);
    w.key("s");
    if (s) w.int64(*s);
    else w.null();
    w.key("t");
    if (t) w.atom(*t);
    else w.null();
    return out;
}

json::value generic(std::string_view etf) {
    decode_error err;
    json::value v = dgw::etf::to_json(etf, err);
    BOOST_REQUIRE_MESSAGE(!err, "etf::to_json: " << err.message());
    return v;
}

/// What a fixture looks like after decode -> encode. The same JSON, except for
/// GUILD_MEMBERS_CHUNK.int_not_found: integer ids are accepted on input, but a Snowflake
/// is written as Discord writes ids in JSON, a string. Exactly that, nothing else, changes.
json::value expected_after_round_trip(const fixture& f) {
    json::value expected = f.value;
    if (f.name == "GUILD_MEMBERS_CHUNK.int_not_found") {
        for (auto& id : expected.at("d").at("not_found").as_array())
            id = json::string(std::to_string(id.to_number<std::uint64_t>()));
        BOOST_TEST(expected != f.value);
    }
    return expected;
}

/// The event name a fixture's file name announces ("GUILD_CREATE.unavailable" -> GUILD_CREATE).
std::string name_prefix(const std::string& stem) { return stem.substr(0, stem.find('.')); }

} // namespace

BOOST_AUTO_TEST_SUITE(events)

// ---------------------------------------------------------------------------------------
// Every fixture decodes, into the type its "t" names; together they cover every event.

BOOST_AUTO_TEST_CASE(json_fixtures_decode_to_the_event_their_t_names) {
    BOOST_TEST(dgw::event_type_count == 79u);
    BOOST_TEST_REQUIRE(fixtures().size() >= 79u);
    dgw::event_set covered;
    for (const auto& f : fixtures()) {
        BOOST_TEST_CONTEXT(f.name) {
            const std::string t(f.value.at("t").as_string());
            BOOST_TEST(name_prefix(f.name) == t); // files are named after their event
            GatewayMessage m = must_decode(f.text, Encoding::Json, f.name);
            BOOST_TEST(m.op == 0);
            BOOST_TEST(dgw::to_string(m.type) == t);
            BOOST_TEST(m.t == t);
            BOOST_TEST((m.s == f.value.at("s").to_number<std::int64_t>()));
            // The variant's alternative is the event's own struct, not the raw fallback.
            BOOST_TEST(m.event.index() == static_cast<std::size_t>(m.type));
            BOOST_TEST(m.event.index() != 0u);
            BOOST_TEST(!m.hello.has_value());
            BOOST_TEST(!m.resumable.has_value());
            covered.insert(m.type);
        }
    }
    for (std::size_t i = 1; i <= 79; ++i)
        BOOST_TEST(covered.contains(static_cast<EventType>(i)),
                   "no fixture for event " << i << " " << dgw::to_string(static_cast<EventType>(i)));
    BOOST_TEST(covered.size() == 79u);
    BOOST_TEST(!covered.contains(EventType::Unknown));
    BOOST_TEST((covered == dgw::event_set::all()));
}

// ---------------------------------------------------------------------------------------
// ETF fixtures: Erlang's bytes, decoding to the same structs as the JSON.

BOOST_AUTO_TEST_CASE(etf_fixtures_are_erlangs_output) {
    const std::string erl = etf_test::find_erl();
    BOOST_REQUIRE_MESSAGE(!erl.empty(), "erl not found (DGW_ERL unset and no erl on PATH): install erlang-base");
    const fs::path tmp = fs::temp_directory_path() / ("dgw_events_etf_" + std::to_string(::getpid()));
    fs::remove_all(tmp);
    fs::create_directories(tmp);
    const fs::path log = tmp / "log.txt";
    const fs::path out = tmp / "out";
    const std::string cmd = "/usr/bin/python3 " + quote(std::string(DGW_SOURCE_DIR) + "/tools/fixtures_to_etf.py") +
                            " --fixtures " + quote(fixtures_dir.string()) + " --out " + quote(out.string()) +
                            " --erl " + quote(erl) + " > " + quote(log.string()) + " 2>&1";
    const int rc = std::system(cmd.c_str());
    BOOST_REQUIRE_MESSAGE(rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0,
                          "fixtures_to_etf.py failed (" << rc << "):\n" << read_file(log));

    std::vector<std::string> made, checked_in;
    for (const auto& e : fs::directory_iterator(out)) made.push_back(e.path().filename().string());
    for (const auto& e : fs::directory_iterator(etf_fixtures_dir)) checked_in.push_back(e.path().filename().string());
    std::sort(made.begin(), made.end());
    std::sort(checked_in.begin(), checked_in.end());
    BOOST_TEST(made == checked_in);
    BOOST_TEST(made.size() == fixtures().size());
    for (const auto& n : made)
        if (fs::exists(etf_fixtures_dir / n))
            BOOST_TEST(read_file(out / n) == read_file(etf_fixtures_dir / n),
                       n << " differs from Erlang's term_to_binary: rerun tools/fixtures_to_etf.py");
    fs::remove_all(tmp);
}

BOOST_AUTO_TEST_CASE(etf_fixtures_use_discord_conventions) {
    // Independent of dgw's codec: the generic reader shows atom keys and integer ids.
    const std::string etf = etf_fixture("MESSAGE_CREATE");
    dgw::etf::reader r(etf);
    dgw::etf::token t;
    BOOST_REQUIRE(r.next(t));
    BOOST_TEST((t.kind == dgw::etf::token_kind::map_begin));
    BOOST_REQUIRE(r.next(t));
    BOOST_TEST((t.kind == dgw::etf::token_kind::key));
    BOOST_TEST(t.atom);
    const json::value v = generic(etf);
    BOOST_TEST(v.at("d").at("id").is_number());
    BOOST_TEST(v.at("d").at("id") == json::value(1284936051227463720ull));
    BOOST_TEST(v.at("d").at("nonce").is_string());          // not an id: stays a binary
    BOOST_TEST(v.at("d").at("member").at("roles").at(0).is_number());
    BOOST_TEST(v.at("t") == json::value("MESSAGE_CREATE"));
    // Digit keys of snowflake-keyed maps stay binaries and still decode.
    const json::value ic = generic(etf_fixture("INTERACTION_CREATE"));
    BOOST_TEST(ic.at("d").at("data").at("resolved").at("users").as_object().contains("290926444748734465"));
}

BOOST_AUTO_TEST_CASE(etf_fixtures_decode_equal_to_json) {
    for (const auto& f : fixtures()) {
        BOOST_TEST_CONTEXT(f.name) {
            BOOST_REQUIRE_MESSAGE(fs::exists(etf_fixtures_dir / (f.name + ".etf")),
                                  "missing ETF fixture: run tools/fixtures_to_etf.py");
            const GatewayMessage mj = must_decode(f.text, Encoding::Json, f.name);
            GatewayMessage me;
            decode_error err;
            const bool ok = dgw::decode(etf_fixture(f.name), Encoding::Etf, me, err);
            BOOST_TEST(ok, "ETF decode failed: " << err.message());
            if (!ok) continue;
            BOOST_TEST((me.type == mj.type));
            BOOST_TEST((me == mj), "ETF and JSON decode differ at " << first_diff(as_json(me), as_json(mj)));
        }
    }
}

// ---------------------------------------------------------------------------------------
// Round trips.

BOOST_AUTO_TEST_CASE(json_round_trip_is_identity) {
    for (const auto& f : fixtures()) {
        BOOST_TEST_CONTEXT(f.name) {
            const GatewayMessage m1 = must_decode(f.text, Encoding::Json, f.name);
            const std::string text = encode(m1, Encoding::Json);
            const GatewayMessage m2 = must_decode(text, Encoding::Json, f.name + " re-encoded");
            BOOST_TEST((m1 == m2));
            // And the text is the fixture: every known field, absent stays absent, null null.
            const json::value back = json::parse(text), expected = expected_after_round_trip(f);
            BOOST_TEST(back == expected, first_diff(back, expected));
        }
    }
}

BOOST_AUTO_TEST_CASE(etf_round_trip_is_identity_in_both_styles) {
    const dgw::codec::etf_style styles[] = {{false, false}, {true, true}};
    for (const auto& f : fixtures()) {
        BOOST_TEST_CONTEXT(f.name) {
            GatewayMessage m1;
            decode_error err;
            if (!dgw::decode(etf_fixture(f.name), Encoding::Etf, m1, err)) {
                BOOST_TEST(false, "Erlang ETF does not decode: " << err.message());
                continue;
            }
            for (const auto& st : styles) {
                BOOST_TEST_CONTEXT("style atom_keys=" << st.atom_keys << " snowflakes_as_int=" << st.snowflakes_as_int) {
                    const std::string bytes = encode(m1, Encoding::Etf, st);
                    const GatewayMessage m2 = must_decode(bytes, Encoding::Etf, f.name + " re-encoded");
                    BOOST_TEST((m1 == m2), first_diff(as_json(m1), as_json(m2)));
                }
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(json_to_etf_to_json_keeps_the_fixture) {
    const dgw::codec::etf_style styles[] = {{false, false}, {true, true}};
    for (const auto& f : fixtures()) {
        BOOST_TEST_CONTEXT(f.name) {
            const GatewayMessage mj = must_decode(f.text, Encoding::Json, f.name);
            const json::value expected = expected_after_round_trip(f);
            for (const auto& st : styles) {
                BOOST_TEST_CONTEXT("style atom_keys=" << st.atom_keys) {
                    const GatewayMessage me = must_decode(encode(mj, Encoding::Etf, st), Encoding::Etf, f.name + " as ETF");
                    BOOST_TEST((me == mj));
                    const json::value back = as_json(me);
                    BOOST_TEST(back == expected, first_diff(back, expected));
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Absent vs null.

BOOST_AUTO_TEST_CASE(nick_null_and_nick_absent_differ) {
    const fixture& f = fixture_named("GUILD_MEMBER_UPDATE");
    BOOST_REQUIRE(f.value.at("d").as_object().contains("nick"));
    BOOST_REQUIRE(f.value.at("d").at("nick").is_null());
    json::value without = f.value;
    without.at("d").as_object().erase("nick");
    const std::string without_text = json::serialize(without);

    for (Encoding enc : {Encoding::Json, Encoding::Etf}) {
        BOOST_TEST_CONTEXT(dgw::to_string(enc)) {
            const std::string with_bytes = enc == Encoding::Json ? f.text : etf_fixture(f.name);
            const std::string without_bytes =
                enc == Encoding::Json ? without_text : etf_envelope(without.at("d"), 0, 98, "GUILD_MEMBER_UPDATE");
            const GatewayMessage a = must_decode(with_bytes, enc, "nick: null");
            const GatewayMessage b = must_decode(without_bytes, enc, "no nick");
            const auto& ua = std::get<dgw::events::GuildMemberUpdate>(a.event);
            const auto& ub = std::get<dgw::events::GuildMemberUpdate>(b.event);
            BOOST_TEST(ua.nick.is_null());
            BOOST_TEST(!ua.nick.is_absent());
            BOOST_TEST(ub.nick.is_absent());
            BOOST_TEST(!ub.nick.is_null());
            BOOST_TEST(!(ua == ub));
            // Each re-encodes as it came, in JSON and through ETF.
            for (Encoding out : {Encoding::Json, Encoding::Etf}) {
                const GatewayMessage a2 = must_decode(encode(a, out), out, "re-encoded a");
                const GatewayMessage b2 = must_decode(encode(b, out), out, "re-encoded b");
                BOOST_TEST(as_json(a2).at("d").at("nick").is_null());
                BOOST_TEST(!as_json(b2).at("d").as_object().contains("nick"));
            }
            BOOST_TEST(as_json(a) == f.value, first_diff(as_json(a), f.value));
            BOOST_TEST(as_json(b) == without, first_diff(as_json(b), without));
        }
    }
    // A value is the third state.
    json::value named = f.value;
    named.at("d").at("nick") = "Bernd";
    const GatewayMessage c = must_decode(json::serialize(named), Encoding::Json, "nick value");
    const auto& uc = std::get<dgw::events::GuildMemberUpdate>(c.event);
    BOOST_TEST(uc.nick.has_value());
    BOOST_TEST(*uc.nick == "Bernd");
}

// ---------------------------------------------------------------------------------------
// Forward compatibility.

BOOST_AUTO_TEST_CASE(unknown_fields_at_any_depth_are_ignored) {
    const fixture& f = fixture_named("MESSAGE_CREATE");
    const json::value junk = {{"nested", {1, "x", nullptr, {{"a", {true, 2.5}}}}}, {"k", "v"}};
    json::value v = f.value;
    v.as_object()["future_top"] = junk;                                       // envelope
    v.at("d").as_object()["future_field"] = junk;                             // payload
    v.at("d").as_object()["future_scalar"] = 12345678901234567890ull;         // uint64 beyond int64
    v.at("d").at("author").as_object()["future"] = junk;                      // nested object
    v.at("d").at("embeds").at(0).at("footer").as_object()["future"] = {1, 2}; // in an array element
    v.at("d").at("components").at(0).at("components").at(1).as_object()["future"] = nullptr; // recursive type
    v.at("d").at("referenced_message").as_object()["future"] = "x";           // boxed recursion
    json::object reordered; // unknown key first, before anything the decoder knows
    reordered["aaa_future"] = junk;
    for (const auto& [k, x] : v.as_object()) reordered[k] = x;

    const GatewayMessage plain = must_decode(f.text, Encoding::Json, "plain");
    const GatewayMessage with = must_decode(json::serialize(reordered), Encoding::Json, "with unknown fields");
    BOOST_TEST((with == plain), first_diff(as_json(with), as_json(plain)));
    BOOST_TEST(as_json(with) == f.value); // nothing unknown comes back out

    // ETF: the same unknown keys (atoms), via the generic writer.
    const GatewayMessage plain_etf = must_decode(etf_envelope(f.value.at("d"), 0, 42, "MESSAGE_CREATE"), Encoding::Etf, "plain etf");
    const GatewayMessage with_etf = must_decode(etf_envelope(v.at("d"), 0, 42, "MESSAGE_CREATE"), Encoding::Etf, "etf with unknown fields");
    BOOST_TEST((with_etf == plain_etf));
    BOOST_TEST((with_etf == plain));
}

BOOST_AUTO_TEST_CASE(json_d_before_t_decodes_the_same) {
    // Discord writes t before d; another producer may not. Same result, in two passes.
    for (const char* name : {"MESSAGE_CREATE", "READY", "GUILD_MEMBERS_CHUNK.int_not_found"}) {
        const fixture& f = fixture_named(name);
        json::object o;
        o["d"] = f.value.at("d");
        o["s"] = f.value.at("s");
        o["op"] = f.value.at("op");
        o["t"] = f.value.at("t");
        const GatewayMessage a = must_decode(f.text, Encoding::Json, name);
        const GatewayMessage b = must_decode(json::serialize(o), Encoding::Json, std::string(name) + " d first");
        BOOST_TEST((a == b), name);
    }
}

BOOST_AUTO_TEST_CASE(etf_unknown_top_level_key_after_t) {
    // A future top-level key sorting after `t` (Erlang keeps small maps sorted) moves t
    // away from the message's tail, where the decoder guesses it. The header promises a
    // wrong or failed guess falls back to a second pass over d.
    const fixture& f = fixture_named("MESSAGE_CREATE");
    const GatewayMessage expected = must_decode(f.text, Encoding::Json, f.name);
    for (const json::value& extra : {json::value(1), json::value({{"t", "READY"}}), json::value({{"t", "MESSAGE_DELETE"}})}) {
        BOOST_TEST_CONTEXT("zz => " << json::serialize(extra)) {
            std::string out;
            dgw::etf::writer w(out, dgw::etf::writer_options{true});
            w.version();
            w.begin_map(5);
            w.key("d");
            out.append(etf_of(f.value.at("d")), 1, std::string::npos);
            w.key("op");
            w.int64(0);
            w.key("s");
            w.int64(42);
            w.key("t");
            w.atom("MESSAGE_CREATE");
            w.key("zz");
            if (extra.is_object()) {
                w.begin_map(1);
                w.key("t");
                w.atom(std::string(extra.at("t").as_string()));
            } else {
                w.int64(1);
            }
            GatewayMessage m;
            decode_error err;
            const bool ok = dgw::decode(out, Encoding::Etf, m, err);
            BOOST_TEST(ok, "BUG? decode fails when the tail looks like another event's t: " << err.message());
            if (ok) {
                BOOST_TEST((m.type == EventType::MessageCreate));
                BOOST_TEST((m.event == expected.event));
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(unknown_event_is_kept_raw) {
    const json::value d = {{"zeta", {1, "two", nullptr, {{"three", 3.5}}}}, {"alpha", {{"id", "81384788765712384"}, {"ok", true}}}};
    // JSON, with whitespace the raw data must not keep.
    const std::string text = "{ \"t\" : \"FUTURE_EVENT\", \"s\" : 7, \"op\" : 0, \"d\" : "
                             "{ \"zeta\" : [ 1, \"two\", null, { \"three\" : 3.5 } ],\n \"alpha\" : "
                             "{ \"id\" : \"81384788765712384\", \"ok\" : true } } }";
    const GatewayMessage mj = must_decode(text, Encoding::Json, "FUTURE_EVENT json");
    BOOST_TEST((mj.type == EventType::Unknown));
    BOOST_TEST(mj.op == 0);
    BOOST_TEST((mj.s == std::optional<std::int64_t>(7)));
    BOOST_TEST(mj.t == "FUTURE_EVENT");
    const auto* rj = std::get_if<dgw::RawEvent>(&mj.event);
    BOOST_REQUIRE(rj);
    BOOST_TEST(rj->name == "FUTURE_EVENT");
    BOOST_TEST((rj->encoding == Encoding::Json));
    BOOST_TEST(rj->data == R"({"zeta":[1,"two",null,{"three":3.5}],"alpha":{"id":"81384788765712384","ok":true}})");
    BOOST_TEST(json::parse(rj->data) == d);
    // Re-encoded as it came.
    const json::value back = as_json(mj);
    BOOST_TEST(back == json::parse(text), first_diff(back, json::parse(text)));

    // ETF: the raw data is a standalone term (version byte + d's bytes as received).
    const std::string etf = etf_envelope(d, 0, 7, "FUTURE_EVENT");
    const GatewayMessage me = must_decode(etf, Encoding::Etf, "FUTURE_EVENT etf");
    BOOST_TEST((me.type == EventType::Unknown));
    BOOST_TEST(me.t == "FUTURE_EVENT");
    BOOST_TEST((me.s == std::optional<std::int64_t>(7)));
    const auto* re = std::get_if<dgw::RawEvent>(&me.event);
    BOOST_REQUIRE(re);
    BOOST_TEST(re->name == "FUTURE_EVENT");
    BOOST_TEST((re->encoding == Encoding::Etf));
    BOOST_REQUIRE(!re->data.empty());
    BOOST_TEST(static_cast<unsigned char>(re->data[0]) == 131u);
    BOOST_TEST(re->data == etf_of(d));
    BOOST_TEST(etf.find(re->data.substr(1)) != std::string::npos);
    BOOST_TEST(generic(re->data) == d);
    // ETF round trip keeps the value; across encodings it survives as well.
    const json::value again = generic(encode(me, Encoding::Etf)), orig = generic(etf);
    BOOST_TEST(again == orig);
    BOOST_TEST(as_json(me).at("d") == d);
    const GatewayMessage cross = must_decode(encode(mj, Encoding::Etf), Encoding::Etf, "json raw -> etf");
    BOOST_TEST(generic(std::get<dgw::RawEvent>(cross.event).data) == d);
}

// A raw d that the other encoding cannot hold is an error naming d, never a null written
// in its place; the output is left as it was.
BOOST_AUTO_TEST_CASE(a_raw_d_that_cannot_be_converted_is_an_error) {
    GatewayMessage m;
    m.op = 0;
    m.t = "FUTURE_EVENT";
    auto& raw = m.event.emplace<dgw::RawEvent>();
    raw.name = "FUTURE_EVENT";
    raw.encoding = Encoding::Json;
    raw.data = R"({"a":[1,2)";
    std::string out = "kept";
    decode_error err;
    BOOST_TEST(!dgw::encode(m, Encoding::Etf, out, err));
    BOOST_TEST(out == "kept");
    BOOST_TEST(err.path == "d");
    BOOST_TEST(err.offset == raw.data.size()); // where the text ends too early
    BOOST_TEST(dgw::encode(m, Encoding::Json, out, err)); // as it came: nothing to convert
    BOOST_TEST(!err);

    raw.encoding = Encoding::Etf;
    raw.data = std::string("\x83\x6a\x6a", 3); // NIL, then a byte after the term
    out = "kept";
    BOOST_TEST(!dgw::encode(m, Encoding::Json, out, err));
    BOOST_TEST(out == "kept");
    BOOST_TEST(err.path == "d");
    BOOST_TEST((err.code == dgw::decode_condition::trailing_data));
    BOOST_TEST(err.offset == 2u);
}

BOOST_AUTO_TEST_CASE(unknown_enum_values_and_flag_bits_are_kept) {
    const fixture& f = fixture_named("CHANNEL_CREATE");
    const std::uint64_t flags = (std::uint64_t{1} << 40) | (std::uint64_t{1} << 4) | (std::uint64_t{1} << 2);
    json::value v = f.value;
    v.at("d").at("type") = 999;
    v.at("d").at("flags") = flags;
    v.at("d").at("permission_overwrites").at(0).at("deny") = "9223372036854775808"; // bit 63 of permissions
    const std::string text = json::serialize(v);

    const GatewayMessage m = must_decode(text, Encoding::Json, "channel type 999");
    const auto& ch = std::get<dgw::events::ChannelCreate>(m.event);
    BOOST_TEST(static_cast<std::int64_t>(ch.type) == 999);
    BOOST_REQUIRE(ch.flags.has_value());
    BOOST_TEST(static_cast<std::uint64_t>(*ch.flags) == flags);
    const json::value back = as_json(m);
    BOOST_TEST(back == v, first_diff(back, v));

    for (dgw::codec::etf_style st : {dgw::codec::etf_style{false, false}, dgw::codec::etf_style{true, true}}) {
        const GatewayMessage e = must_decode(encode(m, Encoding::Etf, st), Encoding::Etf, "via etf");
        BOOST_TEST((e == m));
        BOOST_TEST(as_json(e) == v);
    }
    // A string enum value nobody documents yet (embed type) survives as well.
    const fixture& mc = fixture_named("MESSAGE_CREATE");
    json::value w = mc.value;
    w.at("d").at("embeds").at(0).at("type") = "hologram";
    const GatewayMessage mm = must_decode(json::serialize(w), Encoding::Json, "embed type hologram");
    BOOST_TEST(as_json(mm) == w);
}

// Integers beyond +-(2^53-1) where the schema has no type (a RawEvent's d, `any` fields):
// JSON output writes them as strings by default, so an ETF message (snowflakes as integers)
// prints as its JSON twin (snowflakes as strings) does; big_integers::number writes
// numbers; ETF output keeps integers either way. Typed fields are not affected.
BOOST_AUTO_TEST_CASE(big_integers_without_a_schema_type) {
    const std::uint64_t id = 1576183625941254149ull;
    // An unknown event.
    const json::value d = {{"id", id}, {"n", 42}, {"safe", 9007199254740991ll}, {"neg", -9007199254740992ll}, {"f", 1.5}};
    const std::string text = R"({"t":"FUTURE_EVENT","s":7,"op":0,"d":{"id":"1576183625941254149","n":42,)"
                             R"("safe":9007199254740991,"neg":"-9007199254740992","f":1.5}})";
    const std::string bare = R"({"t":"FUTURE_EVENT","s":7,"op":0,"d":{"id":1576183625941254149,"n":42,)"
                             R"("safe":9007199254740991,"neg":-9007199254740992,"f":1.5}})";
    const GatewayMessage me = must_decode(etf_envelope(d, 0, 7, "FUTURE_EVENT"), Encoding::Etf, "etf");
    const GatewayMessage mj = must_decode(text, Encoding::Json, "json, strings");
    const GatewayMessage mb = must_decode(bare, Encoding::Json, "json, numbers");
    BOOST_TEST(encode(me, Encoding::Json) == text);
    BOOST_TEST(encode(mj, Encoding::Json) == text);
    BOOST_TEST(encode(mb, Encoding::Json) == text);
    auto as_numbers = [](const GatewayMessage& m) {
        std::string out;
        decode_error err;
        BOOST_TEST(dgw::encode(m, Encoding::Json, out, err, {true, true}, dgw::big_integers::number));
        return out;
    };
    BOOST_TEST(as_numbers(me) == bare);
    BOOST_TEST(as_numbers(mb) == bare);
    BOOST_TEST(as_numbers(mj) == text); // strings in the input stay strings
    // ETF output keeps the integers, whatever the JSON setting.
    BOOST_TEST(generic(encode(me, Encoding::Etf)).at("d") == d);

    // An `any` field: an audit log change's values.
    json::value v = fixture_named("GUILD_AUDIT_LOG_ENTRY_CREATE").value;
    json::value w = v;
    v.at("d").at("changes").as_array()[0] = {{"key", "owner_id"}, {"old_value", id - 1}, {"new_value", id}};
    w.at("d").at("changes").as_array()[0] = {
        {"key", "owner_id"}, {"old_value", std::to_string(id - 1)}, {"new_value", std::to_string(id)}};
    const GatewayMessage ae = must_decode(etf_envelope(v.at("d"), 0, 88, "GUILD_AUDIT_LOG_ENTRY_CREATE"), Encoding::Etf,
                                          "audit log etf");
    const GatewayMessage aj = must_decode(json::serialize(w), Encoding::Json, "audit log json");
    const auto& change = std::get<dgw::events::GuildAuditLogEntryCreate>(ae.event).changes->at(0);
    BOOST_TEST(change.new_value->text == "1576183625941254149"); // RawJson keeps the exact number
    BOOST_TEST(encode(ae, Encoding::Json) == encode(aj, Encoding::Json));
    BOOST_TEST(as_json(ae).at("d").at("changes").at(0).at("new_value") == json::value("1576183625941254149"));
    BOOST_TEST(dgw::encode_json(change) ==
               R"({"new_value":"1576183625941254149","old_value":"1576183625941254148","key":"owner_id"})");
    BOOST_TEST(dgw::encode_json(change, dgw::big_integers::number) ==
               R"({"new_value":1576183625941254149,"old_value":1576183625941254148,"key":"owner_id"})");
    const GatewayMessage again = must_decode(encode(ae, Encoding::Etf), Encoding::Etf, "audit log etf again");
    BOOST_TEST((again == ae));
    BOOST_TEST(generic(encode(ae, Encoding::Etf)).at("d").at("changes").at(0).at("new_value") == json::value(id));
}

BOOST_AUTO_TEST_CASE(unknown_opcode_keeps_d_raw) {
    const std::string text = R"({"op":99,"d":{"x":[1,2,{"y":null}]},"s":null,"t":null})";
    const GatewayMessage mj = must_decode(text, Encoding::Json, "op 99");
    BOOST_TEST(mj.op == 99);
    BOOST_TEST(!mj.s.has_value());
    BOOST_TEST(mj.t.empty());
    BOOST_TEST((mj.type == EventType::Unknown));
    const auto* rj = std::get_if<dgw::RawEvent>(&mj.event);
    BOOST_REQUIRE(rj);
    BOOST_TEST(rj->name.empty());
    BOOST_TEST(rj->data == R"({"x":[1,2,{"y":null}]})");
    BOOST_TEST(as_json(mj) == json::parse(text));

    const json::value d = json::parse(R"({"x":[1,2,{"y":null}]})");
    const GatewayMessage me = must_decode(etf_envelope(d, 99, std::nullopt, std::nullopt), Encoding::Etf, "op 99 etf");
    BOOST_TEST(me.op == 99);
    BOOST_TEST(!me.s.has_value());
    const auto* re = std::get_if<dgw::RawEvent>(&me.event);
    BOOST_REQUIRE(re);
    BOOST_TEST(generic(re->data) == d);
    BOOST_TEST(as_json(me) == json::parse(text));
}

// ---------------------------------------------------------------------------------------
// Errors.

namespace {

/// The fixture text with the value of the first `"key": ` after `anchor` replaced.
std::string replace_value(const std::string& text, const std::string& anchor, const std::string& key,
                          const std::string& value, std::size_t& value_pos) {
    std::size_t a = text.find(anchor);
    BOOST_REQUIRE(a != std::string::npos);
    std::size_t k = text.find("\"" + key + "\": ", a);
    BOOST_REQUIRE(k != std::string::npos);
    value_pos = k + key.size() + 4;
    std::size_t end = value_pos;
    if (text[end] == '"') end = text.find('"', end + 1) + 1;
    else while (end < text.size() && text[end] != ',' && text[end] != '\n' && text[end] != '}') ++end;
    return text.substr(0, value_pos) + value + text.substr(end);
}

void expect_error(const std::string& text, codec_errc code, const std::string& path, std::size_t value_pos,
                  std::size_t value_len) {
    GatewayMessage m;
    decode_error err;
    BOOST_TEST(!dgw::decode(text, Encoding::Json, m, err));
    BOOST_TEST(err.code == make_error_code(code), err.message());
    BOOST_TEST(err.path == path);
    // The offset points into (or just past) the offending value.
    BOOST_TEST(err.offset >= value_pos, err.message());
    BOOST_TEST(err.offset <= value_pos + value_len + 1, err.message());
    BOOST_TEST(!err.message().empty());
}

} // namespace

BOOST_AUTO_TEST_CASE(type_mismatch_names_path_and_offset) {
    const fixture& f = fixture_named("MESSAGE_CREATE");
    std::size_t pos = 0;
    std::string t = replace_value(f.text, "\"author\"", "id", "5.5", pos);
    expect_error(t, codec_errc::type_mismatch, "d.author.id", pos, 3);
    t = replace_value(f.text, "\"content\"", "content", "12", pos);
    expect_error(t, codec_errc::type_mismatch, "d.content", pos, 2);
    t = replace_value(f.text, "\"d\"", "id", "\"12ab\"", pos);
    expect_error(t, codec_errc::invalid_snowflake, "d.id", pos, 6);
    t = replace_value(f.text, "\"referenced_message\"", "tts", "\"no\"", pos);
    expect_error(t, codec_errc::type_mismatch, "d.referenced_message.tts", pos, 4);
    // Index of an array element in the path.
    json::value v = f.value;
    v.at("d").at("member").at("roles") = {"1103495211908845620", false};
    GatewayMessage m;
    decode_error err;
    BOOST_TEST(!dgw::decode(json::serialize(v), Encoding::Json, m, err));
    BOOST_TEST(err.code == make_error_code(codec_errc::type_mismatch));
    BOOST_TEST(err.path == "d.member.roles[1]");

    // ETF: same path; the offset is the offending term's tag in the input.
    v = f.value;
    v.at("d").at("content") = 12;
    const std::string etf = etf_envelope(v.at("d"), 0, 42, "MESSAGE_CREATE");
    BOOST_TEST(!dgw::decode(etf, Encoding::Etf, m, err));
    BOOST_TEST(err.code == make_error_code(codec_errc::type_mismatch), err.message());
    BOOST_TEST(err.path == "d.content");
    BOOST_REQUIRE(err.offset < etf.size());
    BOOST_TEST(static_cast<unsigned char>(etf[err.offset]) == 97u); // SMALL_INTEGER_EXT 12
    BOOST_TEST(static_cast<unsigned char>(etf[err.offset + 1]) == 12u);
    v.at("d").at("content") = f.value.at("d").at("content");
    v.at("d").at("author").at("id") = "x1";
    const std::string etf2 = etf_envelope(v.at("d"), 0, 42, "MESSAGE_CREATE");
    BOOST_TEST(!dgw::decode(etf2, Encoding::Etf, m, err));
    BOOST_TEST(err.code == make_error_code(codec_errc::invalid_snowflake), err.message());
    BOOST_TEST(err.path == "d.author.id");
    BOOST_TEST(etf2.compare(err.offset, 7, std::string("\x6d\x00\x00\x00\x02x1", 7)) == 0);
}

BOOST_AUTO_TEST_CASE(every_truncation_fails_cleanly_and_the_decoder_recovers) {
    for (const char* name : {"MESSAGE_CREATE", "INTERACTION_CREATE", "GUILD_CREATE"}) {
        BOOST_TEST_CONTEXT(name) {
            const fixture& f = fixture_named(name);
            const GatewayMessage ref = must_decode(f.text, Encoding::Json, name);
            const std::string etf = etf_fixture(name);
            const std::size_t json_complete = f.text.rfind('}') + 1; // a prefix this long is whole
            std::size_t json_fail = 0, etf_fail = 0;
            for (std::size_t n = 0; n < json_complete; ++n) {
                GatewayMessage m;
                decode_error err;
                const bool ok = dgw::decode(std::string_view(f.text).substr(0, n), Encoding::Json, m, err);
                json_fail += !ok && err.code;
                if (ok) BOOST_TEST(false, "JSON prefix of " << n << " bytes decoded");
                if (n % 251 == 0) // reuse after an error: the next decode is unaffected
                    BOOST_TEST((must_decode(f.text, Encoding::Json, name) == ref));
            }
            BOOST_TEST(json_fail == json_complete);
            for (std::size_t n = 0; n < etf.size(); ++n) {
                GatewayMessage m;
                decode_error err;
                const bool ok = dgw::decode(std::string_view(etf).substr(0, n), Encoding::Etf, m, err);
                etf_fail += !ok && err.code;
                if (ok) BOOST_TEST(false, "ETF prefix of " << n << " bytes decoded");
                if (!ok) BOOST_TEST(err.offset <= n, "offset " << err.offset << " past a " << n << "-byte prefix");
                if (n % 251 == 0) BOOST_TEST((must_decode(etf, Encoding::Etf, name) == ref));
            }
            BOOST_TEST(etf_fail == etf.size());
            // Reused into the same message object after a failure.
            GatewayMessage m;
            decode_error err;
            BOOST_TEST(!dgw::decode(std::string_view(etf).substr(0, etf.size() / 2), Encoding::Etf, m, err));
            BOOST_TEST(dgw::decode(etf, Encoding::Etf, m, err));
            BOOST_TEST((m == ref));
            BOOST_TEST(!dgw::decode(std::string_view(f.text).substr(0, f.text.size() / 2), Encoding::Json, m, err));
            BOOST_TEST(dgw::decode(f.text, Encoding::Json, m, err));
            BOOST_TEST((m == ref));
        }
    }
    // The typed single-value entry point recovers too.
    dgw::types::User u;
    decode_error err;
    BOOST_TEST(!dgw::decode_json(R"({"id":"1","username":)", u, err));
    BOOST_TEST(err.code == make_error_code(codec_errc::truncated));
    BOOST_TEST(dgw::decode_json(R"({"id":"81384788765712384","username":"x","discriminator":"0","global_name":null,"avatar":null})", u, err));
    BOOST_TEST(u.id.value == 81384788765712384ull);
    BOOST_TEST(u.username == "x");
}

// ---------------------------------------------------------------------------------------
// event_set filter.

BOOST_AUTO_TEST_CASE(event_set_filter_decodes_only_listed_events) {
    const dgw::event_set set{EventType::MessageCreate, EventType::Ready};
    for (bool keep_raw : {false, true}) {
        dgw::decode_options opt;
        opt.events = &set;
        opt.keep_raw = keep_raw;
        for (const auto& f : fixtures()) {
            for (Encoding enc : {Encoding::Json, Encoding::Etf}) {
                BOOST_TEST_CONTEXT(f.name << " " << dgw::to_string(enc) << " keep_raw=" << keep_raw) {
                    const std::string bytes = enc == Encoding::Json ? f.text : etf_fixture(f.name);
                    const GatewayMessage full = must_decode(bytes, enc, f.name);
                    const GatewayMessage m = must_decode(bytes, enc, f.name, opt);
                    BOOST_TEST((m.type == full.type)); // the type is known either way
                    BOOST_TEST((m.s == full.s));
                    BOOST_TEST(m.t == full.t);
                    if (set.contains(full.type)) {
                        BOOST_TEST((m == full));
                        continue;
                    }
                    const auto* r = std::get_if<dgw::RawEvent>(&m.event);
                    BOOST_REQUIRE(r);
                    BOOST_TEST(r->name == f.value.at("t").as_string());
                    BOOST_TEST((r->encoding == enc));
                    if (!keep_raw) {
                        BOOST_TEST(r->data.empty());
                    } else if (enc == Encoding::Json) {
                        BOOST_TEST(json::parse(r->data) == f.value.at("d"));
                    } else {
                        const json::value raw = generic(r->data), all = generic(bytes);
                        BOOST_TEST(raw == all.at("d"));
                    }
                }
            }
        }
    }
}

namespace {
/// TYPING_START (s 7) whose last pair, `x`, is a map ending in t = MESSAGE_CREATE: the
/// ETF decoder's guess of t from the message tail is wrong.
std::string typing_start_with_a_misleading_tail(json::object d) {
    json::object env;
    env["d"] = std::move(d);
    env["op"] = 0;
    env["s"] = 7;
    env["t"] = "TYPING_START";
    env["x"] = json::object{{"t", "MESSAGE_CREATE"}};
    std::string etf;
    dgw::etf::from_json(env, etf, dgw::etf::writer_options{.atom_keys = true});
    return etf;
}
} // namespace

BOOST_AUTO_TEST_CASE(keep_decoded_raw_keeps_d_as_received) {
    for (const bool direct : {true, false}) {
        dgw::decode_options opt;
        opt.keep_decoded_raw = true;
        opt.limits.etf_direct = direct;
        for (const auto& f : fixtures()) {
            for (Encoding enc : {Encoding::Json, Encoding::Etf}) {
                BOOST_TEST_CONTEXT(f.name << " " << dgw::to_string(enc) << " direct=" << direct) {
                    const std::string bytes = enc == Encoding::Json ? f.text : etf_fixture(f.name);
                    const GatewayMessage plain = must_decode(bytes, enc, f.name);
                    const GatewayMessage m = must_decode(bytes, enc, f.name, opt);
                    BOOST_TEST((m.event == plain.event)); // the struct is the same either way
                    BOOST_TEST(plain.raw.data.empty());
                    const bool decoded = m.op == 0 && !std::holds_alternative<dgw::RawEvent>(m.event);
                    if (!decoded || !f.value.as_object().contains("d") || f.value.at("d").is_null()) {
                        BOOST_TEST(m.raw.data.empty());
                        continue;
                    }
                    BOOST_TEST(m.raw.name == m.t);
                    BOOST_TEST((m.raw.encoding == enc));
                    if (enc == Encoding::Json) {
                        BOOST_TEST(json::parse(m.raw.data) == f.value.at("d"));
                    } else {
                        BOOST_TEST(generic(m.raw.data) == generic(bytes).at("d"));
                        // As received: the very bytes of the term, behind a version byte.
                        BOOST_TEST_REQUIRE(m.raw.data.size() > 1u);
                        BOOST_TEST(static_cast<unsigned char>(m.raw.data[0]) == 131u);
                        BOOST_TEST(bytes.find(m.raw.data.substr(1)) != std::string::npos);
                    }
                }
            }
        }
    }
    // d before t in JSON (the second pass) keeps it too.
    const fixture& f = fixture_named("MESSAGE_CREATE");
    json::object o;
    o["d"] = f.value.at("d");
    o["op"] = 0;
    o["t"] = "MESSAGE_CREATE";
    dgw::decode_options opt;
    opt.keep_decoded_raw = true;
    const GatewayMessage m = must_decode(json::serialize(o), Encoding::Json, "d first", opt);
    BOOST_TEST(json::parse(m.raw.data) == f.value.at("d"));
}

BOOST_AUTO_TEST_CASE(keep_decoded_raw_drops_the_copy_of_a_wrong_etf_guess) {
    // The tail says MESSAGE_CREATE (decoded and kept on the guess); the message is a
    // TYPING_START nobody selected: the copy taken on the guess must not stay behind.
    const std::string etf = typing_start_with_a_misleading_tail({{"channel_id", "1"}, {"user_id", "2"}});
    const dgw::event_set set{EventType::MessageCreate};
    dgw::decode_options opt;
    opt.events = &set;
    opt.keep_decoded_raw = true;
    const GatewayMessage m = must_decode(etf, Encoding::Etf, "wrong guess", opt);
    BOOST_TEST((m.type == EventType::TypingStart));
    const auto* r = std::get_if<dgw::RawEvent>(&m.event);
    BOOST_REQUIRE(r != nullptr);
    BOOST_TEST(r->data.empty());
    BOOST_TEST(m.raw.data.empty());
}

// ---------------------------------------------------------------------------------------
// Non-dispatch opcodes.

BOOST_AUTO_TEST_CASE(hello_invalid_session_and_other_ops) {
    for (Encoding enc : {Encoding::Json, Encoding::Etf}) {
        BOOST_TEST_CONTEXT(dgw::to_string(enc)) {
            auto msg = [&](std::int64_t op, const json::value& d) {
                if (enc == Encoding::Json)
                    return json::serialize(json::value{{"t", nullptr}, {"s", nullptr}, {"op", op}, {"d", d}});
                return etf_envelope(d, op, std::nullopt, std::nullopt);
            };
            GatewayMessage m = must_decode(msg(10, {{"heartbeat_interval", 41250}, {"_trace", {"[\"gateway-prd-1\"]"}}}), enc, "hello");
            BOOST_TEST(m.op == 10);
            BOOST_REQUIRE(m.hello.has_value());
            BOOST_TEST(m.hello->heartbeat_interval == 41250);
            BOOST_TEST(!m.s.has_value());
            BOOST_TEST(m.t.empty());
            BOOST_TEST(!m.resumable.has_value());
            BOOST_TEST(as_json(m).at("d").at("heartbeat_interval") == 41250);

            for (bool res : {true, false}) {
                m = must_decode(msg(9, res), enc, "invalid session");
                BOOST_TEST(m.op == 9);
                BOOST_REQUIRE(m.resumable.has_value());
                BOOST_TEST(*m.resumable == res);
                BOOST_TEST(!m.hello.has_value()); // reset from the previous message
                BOOST_TEST(as_json(m).at("d") == res);
            }
            for (std::int64_t op : {11, 7, 1}) {
                m = must_decode(msg(op, nullptr), enc, "op " + std::to_string(op));
                BOOST_TEST(m.op == op);
                BOOST_TEST(!m.hello.has_value());
                BOOST_TEST(!m.resumable.has_value());
                BOOST_TEST((m.type == EventType::Unknown));
                BOOST_TEST(std::holds_alternative<dgw::RawEvent>(m.event));
            }
            m = must_decode(msg(1, 251), enc, "heartbeat request with seq");
            BOOST_TEST(m.op == 1);
        }
    }
    // op 11 without d at all (some gateways omit it).
    const GatewayMessage ack = must_decode(R"({"op":11})", Encoding::Json, "bare ack");
    BOOST_TEST(ack.op == 11);
}

BOOST_AUTO_TEST_CASE(etf_wrong_tail_guess_of_t_still_decodes) {
    // The ETF decoder guesses t from the message tail (Erlang puts the t pair last). A
    // hand-made term whose last pair is a nested map ending in a `t` pair fools the guess:
    // here it says MESSAGE_CREATE while the message is a TYPING_START, whose integer
    // timestamp does not fit Message.timestamp. The decode must not fail on the guess.
    for (const bool fits_guess : {false, true}) {
        json::object d{{"channel_id", "1"}, {"user_id", "2"}};
        if (!fits_guess) d["timestamp"] = 1631823751; // MessageCreate.timestamp is ISO text
        const std::string etf = typing_start_with_a_misleading_tail(d);
        GatewayMessage m;
        decode_error err;
        const bool ok = dgw::decode(etf, Encoding::Etf, m, err);
        BOOST_REQUIRE_MESSAGE(ok, err.message());
        BOOST_TEST((m.type == EventType::TypingStart));
        BOOST_TEST((m.s == std::optional<std::int64_t>(7)));
        const auto* ts = std::get_if<dgw::events::TypingStart>(&m.event);
        BOOST_REQUIRE(ts != nullptr);
        BOOST_TEST(ts->channel_id.value == 1u);
        BOOST_TEST(ts->user_id.value == 2u);
    }
}

BOOST_AUTO_TEST_SUITE_END()
