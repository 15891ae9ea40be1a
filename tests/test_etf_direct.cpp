// The typed ETF decoder reads Discord's usual forms straight from the bytes and hands
// everything else to the general etf::reader (codec/etf_front.cpp). These tests hold the
// two paths to the same answers: on Erlang's own output (the fixtures), on hand-made
// messages in each form the direct path gives up on, and on broken input, where the
// error (code, offset, path) must be the reader's. The fallback counter shows which path
// actually ran, so a direct path that silently gave up everywhere would fail here.
#include "test_etf_util.hpp"

#include <dgw/codec/decode.hpp>
#include <dgw/gateway.hpp>

#include <boost/test/unit_test.hpp>

#include <zlib.h>

#include <filesystem>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using dgw::decode_error;
using dgw::Encoding;
using dgw::GatewayMessage;
using etf_test::bytes;

namespace {

struct outcome {
    bool ok = false;
    GatewayMessage msg;
    decode_error err;
    std::uint64_t fallbacks = 0; // reader fallbacks this decode caused
};

outcome run(std::string_view in, bool direct) {
    outcome o;
    dgw::decode_options opt;
    opt.keep_raw = true;
    opt.limits.etf_direct = direct;
    const std::uint64_t before = dgw::codec::etf_reader_fallbacks();
    o.ok = dgw::decode(in, Encoding::Etf, o.msg, o.err, opt);
    o.fallbacks = dgw::codec::etf_reader_fallbacks() - before;
    return o;
}

/// Decodes `in` both ways and requires the same result; returns the direct outcome.
outcome same_both_ways(std::string_view in, const std::string& what) {
    outcome direct = run(in, true);
    const outcome reader = run(in, false);
    BOOST_TEST_CONTEXT(what) {
        BOOST_TEST(reader.fallbacks == 0u);
        BOOST_TEST(direct.ok == reader.ok);
        if (direct.ok && reader.ok) {
            BOOST_TEST((direct.msg == reader.msg));
        } else if (!direct.ok && !reader.ok) {
            BOOST_TEST(direct.err.code == reader.err.code);
            BOOST_TEST(direct.err.offset == reader.err.offset);
            BOOST_TEST(direct.err.path == reader.err.path);
            BOOST_TEST(direct.err.detail == reader.err.detail);
        }
    }
    return direct;
}

// A TYPING_START envelope as Erlang lays it out (keys sorted, t last) around `d`.
std::string typing_start(const std::string& d) {
    return bytes("83 74 00000004 64 0001 \"d\"") + d +
           bytes("64 0002 \"op\" 61 00 64 0001 \"s\" 61 07 64 0001 \"t\" 64 000C \"TYPING_START\"");
}

// d's fields; `channel` and `extra` vary per case. user_id 2, timestamp 1631823751.
std::string typing_d(const std::string& channel, const std::string& extra = {}, std::uint32_t extra_pairs = 0) {
    const std::uint32_t n = 3 + extra_pairs;
    std::string d = bytes("74") + std::string{char(n >> 24), char(n >> 16), char(n >> 8), char(n)};
    d += bytes("64 000A \"channel_id\"") + channel;
    d += bytes("64 0009 \"timestamp\" 62 61 43 A7 87");
    d += bytes("64 0007 \"user_id\" 61 02");
    return d + extra;
}

const std::string channel_big = bytes("6E 08 00 01 00 00 00 00 00 00 01"); // 2^56 + 1 as SMALL_BIG

const dgw::events::TypingStart& typing(const outcome& o) {
    const auto* ts = std::get_if<dgw::events::TypingStart>(&o.msg.event);
    BOOST_REQUIRE_MESSAGE(ts != nullptr, "not a TYPING_START: " << o.err.message());
    return *ts;
}

} // namespace

BOOST_AUTO_TEST_SUITE(etf_direct)

BOOST_AUTO_TEST_CASE(erlang_fixtures_decode_the_same_without_the_reader) {
    std::vector<std::pair<std::string, std::string>> inputs;
    for (const auto& e : fs::directory_iterator(fs::path(DGW_FIXTURES) / "events_etf"))
        if (e.path().extension() == ".etf") inputs.emplace_back(e.path().filename().string(), etf_test::read_file(e.path().string()));
    const auto sample = etf_test::sample_messages();
    for (std::size_t i = 0; i < sample.size(); ++i) inputs.emplace_back("gateway_sample #" + std::to_string(i), sample[i]);
    BOOST_REQUIRE_GT(inputs.size(), 80u);
    for (const auto& [name, in] : inputs) {
        const outcome o = same_both_ways(in, name);
        BOOST_TEST_CONTEXT(name) {
            BOOST_TEST(o.ok);
            BOOST_TEST(o.fallbacks == 0u); // Erlang's forms are all direct-path forms
        }
    }
}

BOOST_AUTO_TEST_CASE(usual_forms_take_the_direct_path) {
    const outcome o = same_both_ways(typing_start(typing_d(channel_big)), "baseline");
    BOOST_REQUIRE(o.ok);
    BOOST_TEST(o.fallbacks == 0u);
    BOOST_TEST(typing(o).channel_id.value == (std::uint64_t{1} << 56) + 1);
    BOOST_TEST(typing(o).user_id.value == 2u);
    BOOST_TEST(typing(o).timestamp == 1631823751);

    // OTP 26 atoms (SMALL_ATOM_UTF8_EXT) and binary keys are direct forms too.
    std::string d = bytes("74 00000003 77 0A \"channel_id\" 61 05 6D 00000009 \"timestamp\" 61 09 77 07 \"user_id\" 61 02");
    const outcome o26 = same_both_ways(typing_start(d), "OTP 26 atoms");
    BOOST_REQUIRE(o26.ok);
    BOOST_TEST(o26.fallbacks == 0u);
    BOOST_TEST(typing(o26).channel_id.value == 5u);
    BOOST_TEST(typing(o26).timestamp == 9);

    // Booleans in both atom forms, read by the typed fast path.
    for (const bool otp26 : {false, true}) {
        const std::string t = otp26 ? bytes("77 04 \"true\"") : bytes("64 0004 \"true\"");
        const std::string f = otp26 ? bytes("77 05 \"false\"") : bytes("64 0005 \"false\"");
        const std::string msg = typing_start(typing_d(
            channel_big,
            bytes("64 0006 \"member\" 74 00000004 64 0004 \"deaf\"") + t +
                bytes("64 0009 \"joined_at\" 6D 00000014 \"2021-09-16T20:22:31Z\" 64 0004 \"mute\"") + f +
                bytes("64 0005 \"roles\" 6A"),
            1));
        const outcome b = same_both_ways(msg, otp26 ? "OTP 26 booleans" : "OTP 25 booleans");
        BOOST_REQUIRE_MESSAGE(b.ok, b.err.message());
        BOOST_TEST(b.fallbacks == 0u);
        BOOST_REQUIRE(typing(b).member.has_value());
        BOOST_TEST(typing(b).member->deaf);
        BOOST_TEST(!typing(b).member->mute);
        BOOST_TEST(typing(b).member->joined_at.has_value());
    }
}

BOOST_AUTO_TEST_CASE(unusual_forms_fall_back_to_the_reader_and_agree) {
    struct form {
        const char* what;
        std::string msg;
        std::uint64_t channel; // expected channel_id
    };
    const std::vector<form> forms = {
        // 2^56 + 1 as LARGE_BIG, and as SMALL_BIG with a zero high byte (9 bytes)
        {"LARGE_BIG", typing_start(typing_d(bytes("6F 00000008 00 01 00 00 00 00 00 00 01"))), (1ull << 56) + 1},
        {"9-byte SMALL_BIG", typing_start(typing_d(bytes("6E 09 00 01 00 00 00 00 00 00 01 00"))), (1ull << 56) + 1},
        // an unknown field whose key is a Latin-1 atom ("caf\xe9") and one with an integer key
        {"Latin-1 atom key", typing_start(typing_d(channel_big, bytes("64 0004 \"caf\" E9 61 01"), 1)), (1ull << 56) + 1},
        {"integer key", typing_start(typing_d(channel_big, bytes("61 05 61 01"), 1)), (1ull << 56) + 1},
        // member.roles as an improper list [3 | 4]: the tail is one more element
        {"improper list",
         typing_start(typing_d(channel_big,
                               bytes("64 0006 \"member\" 74 00000004 64 0004 \"deaf\" 64 0005 \"false\""
                                     "64 0009 \"joined_at\" 6D 00000014 \"2021-09-16T20:22:31Z\""
                                     "64 0004 \"mute\" 64 0005 \"false\""
                                     "64 0005 \"roles\" 6C 00000001 61 03 61 04"),
                               1)),
         (1ull << 56) + 1},
        // a float written as FLOAT_EXT text (minor_version 0) for the integer timestamp
        {"FLOAT_EXT", typing_start(bytes("74 00000003 64 000A \"channel_id\" 61 05 64 0009 \"timestamp\" 63") +
                                   std::string("1.00000000000000000000e+01") + std::string(5, '\0') +
                                   bytes("64 0007 \"user_id\" 61 02")),
         5},
    };
    for (const auto& f : forms) {
        const outcome o = same_both_ways(f.msg, f.what);
        BOOST_TEST_CONTEXT(f.what) {
            BOOST_REQUIRE_MESSAGE(o.ok, o.err.message());
            BOOST_TEST(o.fallbacks == 1u);
            BOOST_TEST(typing(o).channel_id.value == f.channel);
            BOOST_TEST(typing(o).user_id.value == 2u);
        }
    }
    const outcome improper = run(forms[4].msg, true);
    BOOST_REQUIRE(typing(improper).member.has_value());
    BOOST_TEST(typing(improper).member->roles.size() == 2u);
    BOOST_TEST(run(forms[5].msg, true).ok);
    BOOST_TEST(typing(run(forms[5].msg, true)).timestamp == 10);
}

namespace {
// version byte + COMPRESSED header + zlib of `term` (without its version byte)
std::string compressed(std::string_view term) {
    uLongf zn = compressBound(static_cast<uLong>(term.size()));
    std::string z(zn, '\0');
    BOOST_REQUIRE(compress(reinterpret_cast<Bytef*>(z.data()), &zn, reinterpret_cast<const Bytef*>(term.data()),
                           static_cast<uLong>(term.size())) == Z_OK);
    z.resize(zn);
    const auto n = static_cast<std::uint32_t>(term.size());
    return bytes("83 50") + std::string{char(n >> 24), char(n >> 16), char(n >> 8), char(n)} + z;
}
} // namespace

BOOST_AUTO_TEST_CASE(compressed_messages_decode_like_the_plain_message) {
    // What term_to_binary(Msg, [compressed]) gives: Erlang's sorted envelope (d first,
    // t last) inside zlib, so t is read from the inflated message's tail.
    const std::string plain = typing_start(typing_d(channel_big));
    const outcome o = same_both_ways(compressed(plain.substr(1)), "COMPRESSED");
    BOOST_REQUIRE_MESSAGE(o.ok, o.err.message());
    BOOST_TEST(o.fallbacks == 0u);
    BOOST_TEST((o.msg == run(plain, true).msg));

    // Unknown events keep d raw, as for a plain message.
    std::string unknown = plain;
    unknown.replace(unknown.size() - 12, 12, "TYPING_STOPS");
    const outcome u = same_both_ways(compressed(unknown.substr(1)), "COMPRESSED unknown event");
    BOOST_REQUIRE_MESSAGE(u.ok, u.err.message());
    const auto* raw = std::get_if<dgw::RawEvent>(&u.msg.event);
    BOOST_REQUIRE(raw != nullptr);
    BOOST_TEST(raw->data == std::string(1, char(131)) + typing_d(channel_big));

    // An error inside is reported at its offset in the inflated term, and says so.
    std::string bad = plain;
    const std::size_t at = bad.find("user_id") + 7; // the SMALL_INTEGER_EXT tag of user_id's value
    bad[at] = char(0x6D);                            // now a BINARY_EXT running past the end
    const outcome b = same_both_ways(compressed(bad.substr(1)), "COMPRESSED with an error");
    BOOST_TEST(!b.ok);
    BOOST_TEST(b.err.offset == at - 1);
    BOOST_TEST(b.err.detail.find("inflated COMPRESSED") != std::string::npos);

    // COMPRESSED inside COMPRESSED is refused, as binary_to_term refuses it.
    const outcome n = same_both_ways(compressed(compressed(plain.substr(1)).substr(1)), "nested COMPRESSED");
    BOOST_TEST(!n.ok);
    BOOST_TEST((n.err.code == dgw::etf_errc::unknown_tag));
}

BOOST_AUTO_TEST_CASE(small_integer_lists_are_read_directly) {
    // member.roles as STRING_EXT [3, 4] (what Erlang writes for a list of bytes)
    const std::string msg = typing_start(
        typing_d(channel_big,
                 bytes("64 0006 \"member\" 74 00000004 64 0004 \"deaf\" 64 0005 \"false\""
                       "64 0009 \"joined_at\" 6D 00000014 \"2021-09-16T20:22:31Z\" 64 0004 \"mute\" 64 0004 \"true\""
                       "64 0005 \"roles\" 6B 0002 03 04"),
                 1));
    const outcome o = same_both_ways(msg, "STRING_EXT roles");
    BOOST_REQUIRE_MESSAGE(o.ok, o.err.message());
    BOOST_TEST(o.fallbacks == 0u);
    BOOST_REQUIRE(typing(o).member.has_value());
    BOOST_TEST(typing(o).member->mute);
    BOOST_REQUIRE(typing(o).member->roles.size() == 2u);
    BOOST_TEST(typing(o).member->roles[1].value == 4u);
}

BOOST_AUTO_TEST_CASE(broken_input_reports_the_readers_error) {
    const std::string good = typing_start(typing_d(channel_big));
    // every truncation, and a corrupted byte at every position
    for (std::size_t n = 0; n < good.size(); ++n) same_both_ways(good.substr(0, n), "truncated to " + std::to_string(n));
    for (std::size_t i = 0; i < good.size(); ++i)
        for (const unsigned char b : {0x00, 0x6D, 0x74, 0xE9, 0xFF}) {
            std::string bad = good;
            bad[i] = static_cast<char>(b);
            same_both_ways(bad, "byte " + std::to_string(i) + " = " + std::to_string(b));
        }
    // invalid UTF-8 in a string field, and a type mismatch: the reader's words and offsets
    const std::string bad_utf8 = typing_start(typing_d(channel_big, bytes("64 0006 \"member\" 74 00000001 64 0004 \"nick\" 6D 00000002 C3 28"), 1));
    const outcome u = same_both_ways(bad_utf8, "invalid UTF-8");
    BOOST_TEST(!u.ok);
    BOOST_TEST((u.err.code == dgw::etf_errc::invalid_utf8));
    const outcome m = same_both_ways(typing_start(typing_d(bytes("6D 00000001 \"x\""))), "mismatch");
    BOOST_TEST(!m.ok);
    BOOST_TEST(m.err.path == "d.channel_id");
}

BOOST_AUTO_TEST_SUITE_END()
