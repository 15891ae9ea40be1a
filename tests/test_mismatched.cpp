// decode_options::keep_mismatched (codec::decode_limits::mismatched): a value of the wrong
// type for its field does not fail the event. The field is left as if absent, the value is
// kept as received among its object's unknown fields (so encoding writes it back), and the
// message lists where each one was. References: the input itself (compared as JSON values),
// the strict decode's own error for the same value, and the reader-only ETF path.
#include "test_event_fixtures.hpp"

#include <dgw/codec/typed.hpp>
#include <dgw/gateway.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace json = boost::json;
using dgw::codec_errc;
using dgw::decode_error;
using dgw::Encoding;
using dgw::GatewayMessage;
using dgw_test::etf_of;
using dgw_test::must_decode;
using dgw_test::must_encode;

namespace {

dgw::decode_options lenient(bool direct = true) {
    dgw::decode_options o;
    o.keep_mismatched = true;
    o.limits.etf_direct = direct;
    return o;
}

// A MESSAGE_CREATE with five values of the wrong type, at several depths: a string field
// holding a number, a snowflake holding a boolean (inside the author), an array whose
// element is not an object, a null where the schema allows none, and a wrong value inside
// the second of two mentions (only that mention's field is set aside).
const char* const mismatched_message = R"({"t":"MESSAGE_CREATE","s":7,"op":0,"d":{
  "id":"1100000000000000001","channel_id":"1100000000000000002",
  "author":{"id":true,"username":"ada","discriminator":"0","global_name":null,"avatar":null},
  "content":12,"timestamp":"2026-12-07T08:00:00.000000+00:00","edited_timestamp":null,"tts":false,
  "mention_everyone":false,
  "mentions":[{"id":"1100000000000000005","username":"bob","discriminator":"0","global_name":null,"avatar":null},
              {"id":"1100000000000000006","username":["not","a","name"],"discriminator":"0","global_name":null,"avatar":null}],
  "mention_roles":[true,"2"],"attachments":[],"embeds":[],"pinned":false,"type":0,"webhook_id":null}})";

const std::vector<std::string> expected_paths{"d.author.id", "d.content", "d.mention_roles[0]",
                                              "d.mentions[1].username", "d.webhook_id"};

std::vector<std::string> paths_of(const GatewayMessage& m) {
    std::vector<std::string> p;
    for (const decode_error& e : m.mismatched) p.push_back(e.path);
    std::sort(p.begin(), p.end());
    return p;
}


} // namespace

BOOST_AUTO_TEST_SUITE(mismatched)

BOOST_AUTO_TEST_CASE(each_wrong_value_is_set_aside_reported_and_written_back) {
    const json::value in = json::parse(mismatched_message);
    const std::string etf = etf_of(in);
    struct form {
        const char* name;
        std::string bytes;
        Encoding enc;
        bool direct;
    };
    for (const form& f : {form{"json", mismatched_message, Encoding::Json, true},
                          form{"etf direct", etf, Encoding::Etf, true}, form{"etf reader", etf, Encoding::Etf, false}}) {
        BOOST_TEST_CONTEXT(f.name) {
            const GatewayMessage m = must_decode(f.bytes, f.enc, lenient(f.direct));
            BOOST_TEST(paths_of(m) == expected_paths, boost::test_tools::per_element());
            for (const decode_error& e : m.mismatched) {
                BOOST_TEST((e.code == codec_errc::type_mismatch || e.code == codec_errc::invalid_snowflake),
                           e.message());
                BOOST_TEST(e.offset < f.bytes.size());
            }
            const auto& mc = std::get<dgw::events::MessageCreate>(m.event);
            // Set aside: as if absent (required fields recorded as missing), the rest decoded.
            BOOST_TEST(mc.content.empty());
            BOOST_TEST(dgw::missing(mc, "content"));
            BOOST_TEST(dgw::missing(mc, "mention_roles"));
            BOOST_TEST(mc.mention_roles.empty());
            BOOST_TEST(dgw::missing(mc.author, "id"));
            BOOST_TEST(mc.author.username == "ada");
            BOOST_TEST(!mc.webhook_id);
            BOOST_REQUIRE(mc.mentions.size() == 2u);
            BOOST_TEST(mc.mentions[0].username == "bob");
            BOOST_TEST(mc.mentions[1].username.empty());
            BOOST_TEST(mc.mentions[1].id.value == 1100000000000000006u);
            std::vector<std::string> kept;
            for (const auto u : mc.unknown_) kept.emplace_back(u.key);
            std::sort(kept.begin(), kept.end());
            BOOST_TEST(kept == (std::vector<std::string>{"content", "mention_roles", "webhook_id"}),
                       boost::test_tools::per_element());
            BOOST_TEST(mc.author.unknown_.size() == 1u);
            BOOST_TEST(mc.mentions[1].unknown_.size() == 1u);
            // Lossless: both encodings write back exactly what came (JSON compared as values).
            const json::value back = json::parse(must_encode(m, Encoding::Json));
            BOOST_TEST(dgw_test::first_diff(back, in) == "");
            const GatewayMessage again = must_decode(must_encode(m, Encoding::Etf), Encoding::Etf, lenient());
            BOOST_TEST(paths_of(again) == expected_paths, boost::test_tools::per_element());
            BOOST_TEST(dgw_test::first_diff(json::parse(must_encode(again, Encoding::Json)), in) == "");
        }
    }
}

// Where each report points: the same place the strict decode names for that value alone.
BOOST_AUTO_TEST_CASE(a_report_is_the_strict_decodes_error) {
    const char* text = R"({"t":"MESSAGE_CREATE","s":1,"op":0,"d":{"id":"1","channel_id":"2","content":12}})";
    GatewayMessage m;
    decode_error strict;
    BOOST_TEST(!dgw::decode(text, Encoding::Json, m, strict));
    BOOST_TEST(strict.path == "d.content");
    const GatewayMessage kept = must_decode(text, Encoding::Json, lenient());
    BOOST_REQUIRE(kept.mismatched.size() == 1u);
    BOOST_TEST((kept.mismatched[0] == strict), kept.mismatched[0].message() << " vs " << strict.message());
    BOOST_TEST(std::string_view(text).substr(kept.mismatched[0].offset, 2) == "12");
}

// A `d` that comes before `t` is decoded after the envelope, on its own bytes: the reported
// offsets still point into the message.
BOOST_AUTO_TEST_CASE(offsets_point_into_the_message_whatever_the_key_order) {
    json::object d{{"id", "1"}, {"channel_id", "2"}, {"content", 12}};
    json::object t_first{{"t", "MESSAGE_CREATE"}, {"s", 1}, {"op", 0}, {"d", d}};
    json::object d_first{{"d", d}, {"t", "MESSAGE_CREATE"}, {"op", 0}, {"s", 1}};
    for (const auto& v : {t_first, d_first}) {
        const std::string text = json::serialize(v);
        const GatewayMessage j = must_decode(text, Encoding::Json, lenient());
        BOOST_REQUIRE(j.mismatched.size() == 1u);
        BOOST_TEST(text.substr(j.mismatched[0].offset, 2) == "12");
        const std::string etf = etf_of(v);
        for (const bool direct : {true, false}) {
            const GatewayMessage e = must_decode(etf, Encoding::Etf, lenient(direct));
            BOOST_REQUIRE(e.mismatched.size() == 1u);
            BOOST_TEST(e.mismatched[0].path == "d.content");
            BOOST_TEST(etf.substr(e.mismatched[0].offset, 2) == std::string("\x61\x0c", 2)); // SMALL_INTEGER_EXT 12
        }
    }
}

// Only the decoder's verdict on a well-formed value is set aside: broken input fails as before.
BOOST_AUTO_TEST_CASE(malformed_truncated_or_too_deep_input_still_fails) {
    decode_error err;
    GatewayMessage m;
    const std::string head = R"({"t":"MESSAGE_CREATE","s":1,"op":0,"d":{"id":"1","content":)";
    BOOST_TEST(!dgw::decode(head + "[1,}}", Encoding::Json, m, err, lenient()));
    BOOST_TEST((err.code == dgw::decode_condition::malformed));
    BOOST_TEST(!dgw::decode(head + "[1,2", Encoding::Json, m, err, lenient()));
    BOOST_TEST((err.code == dgw::decode_condition::truncated));
    const std::string deep = std::string(600, '[') + std::string(600, ']');
    BOOST_TEST(!dgw::decode(head + deep + "}}", Encoding::Json, m, err, lenient()));
    BOOST_TEST((err.code == dgw::decode_condition::too_deep));

    // ETF: text that is not UTF-8 in a field of another type is bad input, not a mismatch.
    json::value v = json::parse(R"({"t":"MESSAGE_CREATE","s":1,"op":0,"d":{"id":"1","flags":"MARK"}})");
    std::string etf = etf_of(v);
    const std::size_t at = etf.find("MARK");
    BOOST_REQUIRE(at != std::string::npos);
    etf[at] = static_cast<char>(0xFF);
    for (const bool direct : {true, false}) {
        BOOST_TEST(!dgw::decode(etf, Encoding::Etf, m, err, lenient(direct)));
        BOOST_TEST((err.code == dgw::decode_condition::invalid_utf8));
        BOOST_TEST(err.path == "d.flags");
    }
    // ...while valid text there is a mismatch like any other.
    etf[at] = 'M';
    const GatewayMessage ok = must_decode(etf, Encoding::Etf, lenient());
    BOOST_TEST(paths_of(ok) == std::vector<std::string>{"d.flags"});
}

// The direct ETF reader hands unusual forms to etf::reader, which decodes the message again:
// what the abandoned pass reported must not be reported twice.
BOOST_AUTO_TEST_CASE(an_etf_fallback_reports_each_value_once) {
    json::value v = json::parse(mismatched_message);
    v.at("d").at("author").as_object()["username"] = "MARK\xc3\xa9";
    std::string etf = etf_of(v);
    // The author's name as an ATOM_UTF8_EXT with a non-ASCII letter: etf::reader's job.
    const std::size_t at = etf.find("MARK");
    BOOST_REQUIRE(at != std::string::npos);
    BOOST_REQUIRE(static_cast<unsigned char>(etf[at - 5]) == 109);
    etf.replace(at - 5, 5, std::string{'\x76', '\x00', '\x06'});
    const auto before = dgw::codec::etf_reader_fallbacks();
    const GatewayMessage m = must_decode(etf, Encoding::Etf, lenient(true));
    BOOST_TEST(dgw::codec::etf_reader_fallbacks() == before + 1);
    BOOST_TEST(paths_of(m) == expected_paths, boost::test_tools::per_element());
    BOOST_TEST(m.mismatched.size() == expected_paths.size());
    const GatewayMessage r = must_decode(etf, Encoding::Etf, lenient(false));
    BOOST_TEST((r.mismatched == m.mismatched));
    BOOST_TEST(std::get<dgw::events::MessageCreate>(m.event).author.username == "MARK\xc3\xa9");
}

// With keep_unknown as well, unknown and mismatched values sit side by side and both go back.
BOOST_AUTO_TEST_CASE(with_unknown_fields_kept_too) {
    json::value in = json::parse(mismatched_message);
    in.at("d").as_object()["x_new"] = json::array{1, "two", nullptr};
    in.at("d").at("author").as_object()["x_clan"] = json::object{{"tag", "DGW"}};
    const std::string text = json::serialize(in);
    dgw::decode_options o = lenient();
    o.limits.keep_unknown = true;
    for (const Encoding enc : {Encoding::Json, Encoding::Etf}) {
        const std::string bytes = enc == Encoding::Json ? text : etf_of(in);
        const GatewayMessage m = must_decode(bytes, enc, o);
        BOOST_TEST(paths_of(m) == expected_paths, boost::test_tools::per_element());
        BOOST_TEST(std::get<dgw::events::MessageCreate>(m.event).author.unknown_.size() == 2u);
        BOOST_TEST(dgw_test::first_diff(json::parse(must_encode(m, Encoding::Json)), in) == "");
    }
}

// Discord: PRESENCE_UPDATE's fields are not validated, "expect any combination of fields and
// types". One odd value must not cost the handler the event.
BOOST_AUTO_TEST_CASE(presence_update_with_odd_types_still_arrives) {
    json::value v = dgw_test::event_fixture_named("PRESENCE_UPDATE").value;
    auto& d = v.at("d").as_object();
    d.at("user").as_object()["username"] = 42;
    d.at("activities").as_array().at(0).as_object()["created_at"] = "yesterday";
    for (const Encoding enc : {Encoding::Json, Encoding::Etf}) {
        const std::string bytes = enc == Encoding::Json ? json::serialize(v) : etf_of(v);
        GatewayMessage strict;
        decode_error err;
        BOOST_TEST(!dgw::decode(bytes, enc, strict, err));
        const GatewayMessage m = must_decode(bytes, enc, lenient());
        BOOST_TEST(paths_of(m) == (std::vector<std::string>{"d.activities[0].created_at", "d.user.username"}),
                   boost::test_tools::per_element());
        const auto& p = std::get<dgw::events::PresenceUpdate>(m.event);
        BOOST_TEST(p.activities.size() == 2u);
        BOOST_TEST(dgw_test::first_diff(json::parse(must_encode(m, Encoding::Json)), v) == "");
    }
}

// The single-value entry points take the list through decode_limits.
BOOST_AUTO_TEST_CASE(single_values_report_through_the_limits) {
    const char* text = R"({"id":"1","username":7,"discriminator":"0","global_name":null,"avatar":null})";
    std::vector<decode_error> found;
    dgw::codec::decode_limits lim;
    lim.mismatched = &found;
    dgw::types::User u;
    decode_error err;
    BOOST_REQUIRE_MESSAGE(dgw::decode_json(text, u, err, lim), err.message());
    BOOST_REQUIRE(found.size() == 1u);
    BOOST_TEST(found[0].path == "$.username");
    BOOST_TEST(u.unknown_.size() == 1u);
    BOOST_TEST(json::parse(dgw::encode_json(u)) == json::parse(text));
}

BOOST_AUTO_TEST_SUITE_END()
