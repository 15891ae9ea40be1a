// The typed decoder reads JSON with its own reader (codec/json_front.cpp), not Boost.JSON.
// Boost.JSON is the reference here: for every input in these tables, dgw::decode accepts
// the text exactly when boost::json::parse does, and the values it keeps are the values
// Boost.JSON reads. Inputs sit in `d` of an unknown event (kept raw, so the whole value
// is read) and in typed fields (so the fast paths for strings and numbers are used).
#include <dgw/gateway.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

using dgw::codec_errc;
using dgw::decode_error;
using dgw::Encoding;
using dgw::GatewayMessage;

namespace {

bool boost_accepts(const std::string& text) {
    boost::system::error_code ec;
    (void)boost::json::parse(text, ec);
    return !ec;
}

// `value` as d of an event this build does not know: the reader must read all of it.
std::string unknown_event(const std::string& value) {
    return R"({"t":"SOME_FUTURE_EVENT","s":1,"op":0,"d":)" + value + "}";
}

const std::vector<std::string> values = {
    // numbers
    "0", "-0", "1", "-1", "01", "-01", "1.", ".5", "1.5", "-1.5e3", "1e", "1e+", "1E-2", "+1", "-", "1.0e400",
    "-1e400", "1e-400", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
    "-9223372036854775809", "18446744073709551615", "18446744073709551616", "123456789012345678901234567890",
    "0x10", "1_000", "Infinity", "NaN",
    // literals
    "true", "false", "null", "tru", "nul", "True", "nulll",
    // strings
    R"("")", R"("abc")", R"("a\"b")", R"("a\\b")", R"("\/")", R"("\b\f\n\r\t")", R"("\u0041")", R"("\u00e9")",
    R"("\ud83d\ude00")", R"("\ud83d")", R"("\ude00")", R"("\ud83d\u0041")", R"("\u12")", R"("\u12G4")",
    R"("\x41")", R"("\a")", "\"tab\there\"", "\"nl\nhere\"", "\"\x01\"", "\"caf\xc3\xa9\"", "\"\xc3\"",
    "\"\xc3\x28\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"", "\"\xf0\x9f\x98\x80\"",
    "\"\xff\"", "\"0123456789abcdef0123456789abcdef\"", "\"long string with an escape at the end\\n\"",
    "\"unterminated", "\"unterminated\\", "\"a\\u00",
    // containers
    "[]", "{}", "[1,2,3]", "[1,2,]", "[,1]", "[1 2]", "{\"a\":1}", "{\"a\":1,}", "{\"a\" 1}", "{a:1}",
    "{\"a\":1,\"a\":2}", "{\"a\":{\"b\":[{\"c\":null}]}}", "[[[[[]]]]]", "{\"a\":[1,{\"b\":\"c\"}],\"d\":true}",
    "[1,2", "{\"a\":1", "{\"a\":", "{\"a\"", "{", "[", " [ 1 , 2 ] ", "{ \"a\" : 1 }", "{\"\\u0061\":1}",
    // trailing data
    "1 2", "[] []", "{}x",
};

} // namespace

BOOST_AUTO_TEST_SUITE(json_reader)

BOOST_AUTO_TEST_CASE(accepts_exactly_what_boost_json_accepts) {
    for (const std::string& v : values) {
        const std::string text = unknown_event(v);
        GatewayMessage m;
        decode_error err;
        const bool ours = dgw::decode(text, Encoding::Json, m, err);
        // One deliberate difference: Boost.JSON reads numbers beyond the double range as
        // infinity; we refuse them (number_out_of_range), since JSON has no infinity and
        // re-encoding could not reproduce it.
        if (v == "1.0e400" || v == "-1e400") {
            BOOST_TEST(!ours);
            BOOST_TEST(err.code == make_error_code(codec_errc::number_out_of_range));
            continue;
        }
        BOOST_TEST(ours == boost_accepts(text), "d = " << v << ": dgw says " << (ours ? "ok" : err.message()));
        if (!ours) {
            BOOST_TEST(!err.message().empty());
            BOOST_TEST(err.offset <= text.size(), v);
        }
    }
}

BOOST_AUTO_TEST_CASE(kept_values_match_boost_json) {
    // The raw copy of d is compact JSON: parsed again by Boost.JSON it equals the input's d.
    for (const std::string& v : values) {
        const std::string text = unknown_event(v);
        if (!boost_accepts(text) || v == "1.0e400" || v == "-1e400") continue;
        GatewayMessage m;
        decode_error err;
        BOOST_REQUIRE_MESSAGE(dgw::decode(text, Encoding::Json, m, err), v << ": " << err.message());
        const auto& raw = std::get<dgw::RawEvent>(m.event);
        const boost::json::value want = boost::json::parse(text).as_object().at("d");
        BOOST_TEST(boost::json::parse(raw.data) == want, "d = " << v << " kept as " << raw.data);
    }
}

BOOST_AUTO_TEST_CASE(typed_strings_decode_escapes_and_utf8) {
    // TYPING_START has no strings; CHANNEL_PINS_UPDATE's last_pin_timestamp is text; use a
    // MESSAGE_DELETE-like event with a string field: GUILD_ROLE_DELETE has only ids, so
    // take USER_UPDATE (username is a plain string field).
    const std::vector<std::string> names = {
        "plain", "caf\xc3\xa9", R"(a\"b)", R"(\u00e9t\u00e9)", R"(\ud83d\ude00!)", R"(line\nbreak)",
        "exactly8", "sixteen-chars-xx", "seventeen-chars-x", "ends-with-escape\\\\",
    };
    for (const std::string& n : names) {
        const std::string text = R"({"t":"USER_UPDATE","s":1,"op":0,"d":{"id":"1","username":")" + n +
                                 R"(","discriminator":"0","global_name":null,"avatar":null}})";
        GatewayMessage m;
        decode_error err;
        BOOST_REQUIRE_MESSAGE(dgw::decode(text, Encoding::Json, m, err), n << ": " << err.message());
        const auto& u = std::get<dgw::events::UserUpdate>(m.event);
        const std::string want(boost::json::parse(text).at("d").at("username").as_string());
        BOOST_TEST(u.username == want, n);
    }
}

BOOST_AUTO_TEST_CASE(special_bytes_at_every_position_of_the_block_scan) {
    // The string scanner tests 16 and 8 bytes at a time; put an escape, a multi-byte
    // character, a raw control character and a bad UTF-8 byte at every position of
    // strings up to 40 bytes, and compare with Boost.JSON.
    const std::vector<std::string> specials = {"\\n", "\\u00e9", "\xc3\xa9", "\xf0\x9f\x98\x80", "\x01", "\xff", "\\\""};
    int checked = 0;
    for (std::size_t len = 0; len <= 40; ++len) {
        for (std::size_t at = 0; at <= len; ++at) {
            for (const std::string& sp : specials) {
                const std::string name = std::string(at, 'a') + sp + std::string(len - at, 'b');
                const std::string text = R"({"t":"USER_UPDATE","s":1,"op":0,"d":{"id":"1","username":")" + name +
                                         R"(","discriminator":"0","global_name":null,"avatar":null}})";
                GatewayMessage m;
                decode_error err;
                const bool ours = dgw::decode(text, Encoding::Json, m, err);
                BOOST_TEST_REQUIRE(ours == boost_accepts(text), len << "/" << at << ": " << err.message());
                if (ours) {
                    const std::string want(boost::json::parse(text).at("d").at("username").as_string());
                    BOOST_TEST_REQUIRE(std::get<dgw::events::UserUpdate>(m.event).username == want);
                }
                ++checked;
            }
        }
    }
    BOOST_TEST(checked == 41 * 42 / 2 * 7);
}

BOOST_AUTO_TEST_CASE(any_key_order_decodes_the_same) {
    // The decoder learns each type's key order to skip the generated lookup; a message in
    // another order must still decode fully (the guess is checked, then the lookup runs).
    const std::vector<std::string> orders = {
        R"({"id":"5","username":"u","discriminator":"0","global_name":"G","avatar":null,"bot":true})",
        R"({"bot":true,"avatar":null,"global_name":"G","discriminator":"0","username":"u","id":"5"})",
        R"({"global_name":"G","id":"5","bot":true,"username":"u","avatar":null,"discriminator":"0"})",
        R"({"id":"5","unknown":[1,{"x":2}],"username":"u","discriminator":"0","global_name":"G","avatar":null,"bot":true})",
    };
    for (int round = 0; round < 3; ++round) {
        for (const std::string& d : orders) {
            const std::string text = R"({"t":"USER_UPDATE","s":1,"op":0,"d":)" + d + "}";
            GatewayMessage m;
            decode_error err;
            BOOST_REQUIRE_MESSAGE(dgw::decode(text, Encoding::Json, m, err), d << ": " << err.message());
            const auto& u = std::get<dgw::events::UserUpdate>(m.event);
            BOOST_TEST(u.id.value == 5u, d);
            BOOST_TEST(u.username == "u", d);
            BOOST_TEST(u.discriminator == "0", d);
            BOOST_TEST((u.global_name && *u.global_name == "G"), d);
            BOOST_TEST(!u.avatar.has_value(), d);
            BOOST_TEST((u.bot && *u.bot), d);
            BOOST_TEST(u.missing_ == 0u, d);
        }
    }
}

BOOST_AUTO_TEST_CASE(truncation_right_after_a_value_reads_nothing_past_the_end) {
    // Each prefix sits in a heap block of exactly its size, so ASan (CI's sanitizer run)
    // sees any read past the end; std::string's spare capacity would hide it. The full
    // message is decoded first so the key order is learned and the expected-key fast
    // path runs at every cut (the fuzzer found it reading one byte past the end there).
    const std::string full =
        R"({"t":"USER_UPDATE","s":1,"op":0,"d":{"id":"5","username":"u","discriminator":"0","bot":true}})";
    GatewayMessage m;
    decode_error err;
    BOOST_REQUIRE(dgw::decode(full, Encoding::Json, m, err));
    for (std::size_t n = 0; n < full.size(); ++n) {
        std::unique_ptr<char[]> block(new char[n == 0 ? 1 : n]);
        std::memcpy(block.get(), full.data(), n);
        BOOST_TEST(!dgw::decode(std::string_view(block.get(), n), Encoding::Json, m, err), n);
        BOOST_TEST((err.code == codec_errc::truncated), n);
    }
}

BOOST_AUTO_TEST_CASE(errors_say_what_and_where) {
    struct row {
        std::string text;
        dgw::codec_errc code;
        std::size_t offset;
    };
    const std::vector<row> rows = {
        {R"({"op":0,"t":"X","d":[1,2,]})", codec_errc::syntax, 25},
        {R"({"op":0,"t":"X","d":"a)" "\x01" R"("})", codec_errc::syntax, 22},
        {R"({"op":0,"t":"X","d":")" "\xc3\x28" R"("})", codec_errc::invalid_utf8, 21},
        {R"({"op":0,"t":"X","d":"\ud800"})", codec_errc::invalid_utf8, 21},
        {R"({"op":0,"t":"X","d":1e999})", codec_errc::number_out_of_range, 20},
        {R"({"op":0,"t":"X","d":{}} x)", codec_errc::trailing_data, 24},
        {R"({"op":0,"t":"X","d":{})", codec_errc::truncated, 22},
    };
    for (const row& r : rows) {
        GatewayMessage m;
        decode_error err;
        BOOST_TEST(!dgw::decode(r.text, Encoding::Json, m, err), r.text);
        BOOST_TEST(err.code == make_error_code(r.code), r.text << ": " << err.message());
        BOOST_TEST(err.offset == r.offset, r.text << ": " << err.message());
    }
}

BOOST_AUTO_TEST_CASE(depth_limit_applies_to_skipped_and_kept_values) {
    const std::string deep = std::string(600, '[') + std::string(600, ']');
    for (const char* t : {"X", "TYPING_START"}) {
        // unknown event: d is kept (read in full); TYPING_START: d is a type mismatch or
        // skipped field, read by the skipper
        const std::string text = std::string(R"({"op":0,"t":")") + t + R"(","d":{"x":)" + deep + "}}";
        GatewayMessage m;
        decode_error err;
        BOOST_TEST(!dgw::decode(text, Encoding::Json, m, err), t);
        BOOST_TEST(err.code == make_error_code(codec_errc::too_deep), t << ": " << err.message());
    }
}

BOOST_AUTO_TEST_SUITE_END()
