// The client's wire seams: the inbound envelope decoder, the outbound payload builders and
// serializer, and the gateway URL helper.
#include "test_client_harness.hpp"

#include <dgw/gateway.hpp>
#include <dgw/gateway_url.hpp>
#include <dgw/detail/inbound.hpp>
#include <dgw/log.hpp>
#include <dgw/outbound.hpp>
#include <dgw/protocol_error.hpp>

#include <boost/system/system_error.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

namespace bdata = boost::unit_test::data;
using namespace dgw;
using namespace dgw::test;

namespace {

inbound decode_ok(const boost::json::value& v, Encoding enc, std::string& storage) {
    storage = wire(v, enc);
    inbound msg;
    decode_error err;
    BOOST_TEST_REQUIRE(decode_inbound(storage, enc, msg, err), err.message());
    return msg;
}

} // namespace

BOOST_AUTO_TEST_SUITE(client_wire)

BOOST_DATA_TEST_CASE(inbound_envelopes, bdata::make(encodings), enc_name) {
    auto enc = parse_encoding(enc_name);
    std::string buf;

    auto h = decode_ok(hello(41250), enc, buf);
    BOOST_TEST(h.message->op == 10);
    BOOST_TEST(h.heartbeat_interval == 41250);
    BOOST_TEST(!h.message->s.has_value());
    BOOST_TEST(h.message->t.empty());

    auto r = decode_ok(ready(1, "abc"), enc, buf);
    BOOST_TEST(r.message->op == 0);
    BOOST_TEST(*r.message->s == 1);
    BOOST_TEST(r.message->t == "READY");
    BOOST_TEST(r.session_id == "abc");
    BOOST_TEST(r.resume_gateway_url == resume_base);
    BOOST_TEST((r.message->type == EventType::Ready));
    BOOST_TEST_REQUIRE(std::holds_alternative<events::Ready>(r.message->event));
    BOOST_TEST(std::get<events::Ready>(r.message->event).session_id == "abc");
    BOOST_TEST(!r.event_error);

    BOOST_TEST(decode_ok(invalid_session(true), enc, buf).resumable);
    BOOST_TEST(!decode_ok(invalid_session(false), enc, buf).resumable);
    BOOST_TEST(!decode_ok({{"op", 9}}, enc, buf).resumable);
    BOOST_TEST(!decode_ok({{"op", 9}, {"d", nullptr}}, enc, buf).resumable);

    // op 11 as documented: no d, s or t at all; and an s on a non-dispatch is not a sequence.
    auto a = decode_ok({{"op", 11}}, enc, buf);
    BOOST_TEST(a.message->op == 11);
    BOOST_TEST(!decode_ok({{"op", 11}, {"s", 5}}, enc, buf).message->s.has_value());

    // Large sequence numbers (SMALL_BIG_EXT in ETF) and unknown opcodes survive.
    auto big = decode_ok(dispatch("X", 3000000000LL), enc, buf);
    BOOST_TEST(*big.message->s == 3000000000LL);
    BOOST_TEST(decode_ok({{"op", 99}, {"d", nullptr}}, enc, buf).message->op == 99);
}

BOOST_DATA_TEST_CASE(a_ready_that_does_not_fit_still_gives_its_session, bdata::make(encodings), enc_name) {
    // Discord changing one READY field's type fails READY's typed decode, not the session:
    // session_id and resume_gateway_url are read on their own.
    auto enc = parse_encoding(enc_name);
    std::string buf;
    auto r = ready(1, "abc");
    r.as_object()["d"].as_object()["v"] = "ten"; // v is an int
    r.as_object()["d"].as_object()["guilds"] = 42;
    auto in = decode_ok(r, enc, buf);
    BOOST_TEST(static_cast<bool>(in.event_error));
    BOOST_TEST(in.session_id == "abc");
    BOOST_TEST(in.resume_gateway_url == resume_base);
    // A session_id that is not a string gives nothing (the client then cannot resume).
    r.as_object()["d"].as_object()["session_id"] = 7;
    auto bad = decode_ok(r, enc, buf);
    BOOST_TEST(bad.session_id.empty());
}

BOOST_DATA_TEST_CASE(inbound_reuses_the_storage_it_is_given, bdata::make(encodings), enc_name) {
    auto enc = parse_encoding(enc_name);
    std::string bytes = wire(ack(), enc);
    inbound msg;
    decode_error err;
    BOOST_TEST_REQUIRE(decode_inbound(bytes, enc, msg, err));
    const GatewayMessage* first = msg.message.get();
    BOOST_TEST_REQUIRE(decode_inbound(bytes, enc, msg, err));
    BOOST_TEST(msg.message.get() == first);
}

BOOST_DATA_TEST_CASE(inbound_errors, bdata::make(encodings), enc_name) {
    auto enc = parse_encoding(enc_name);
    auto fails = [&](const std::string& bytes, codec_errc expected) {
        inbound msg;
        decode_error err;
        bool ok = decode_inbound(bytes, enc, msg, err);
        BOOST_TEST(!ok);
        if (expected != codec_errc{}) BOOST_TEST((err.code == expected), err.message());
    };
    fails(wire({{"d", nullptr}}, enc), codec_errc::missing_field);
    // The generated envelope decoder is strict about the envelope's own fields: a
    // mistyped op, s or t makes the whole message malformed (Discord never sends one).
    fails(wire({{"op", "ten"}}, enc), codec_errc::type_mismatch);
    fails(wire({{"op", 0}, {"t", "X"}, {"s", "5"}, {"d", nullptr}}, enc), codec_errc::type_mismatch);
    fails(wire(boost::json::array{1, 2}, enc), codec_errc::not_an_object);
    fails(wire({{"op", 10}, {"d", {{"_trace", boost::json::array{}}}}}, enc), codec_errc::missing_field);
    fails(wire({{"op", 10}, {"d", {{"heartbeat_interval", 0}}}}, enc), codec_errc::missing_field);
    fails(wire({{"op", 10}, {"d", {{"heartbeat_interval", "41250"}}}}, enc), codec_errc::type_mismatch);
    fails(std::string("\x83\x74\x00"), codec_errc{});
    fails(std::string("{\"op\":"), codec_errc{});
}

BOOST_AUTO_TEST_CASE(heartbeat_payload_is_null_before_any_dispatch) {
    commands::Heartbeat beat;
    BOOST_TEST(encode_frame(beat, Encoding::Json).bytes == R"({"op":1,"d":null})");
    beat.d = 0;
    BOOST_TEST(encode_frame(beat, Encoding::Json).bytes == R"({"op":1,"d":0})");
}

BOOST_AUTO_TEST_CASE(heartbeat_etf_bytes_match_the_notes) {
    // GATEWAY_NOTES §7.3: {"op":1,"d":null} with binary keys; key order is free, so
    // compare after decoding and check each key is a BINARY_EXT.
    auto f = encode_frame(commands::Heartbeat{}, Encoding::Etf);
    BOOST_TEST(f.binary);
    BOOST_TEST(etf_key_checker(f.bytes).ok());
    BOOST_TEST(f.bytes.find(std::string("\x6D\x00\x00\x00\x02op", 7)) != std::string::npos);
    BOOST_TEST(f.bytes.find(std::string("\x6D\x00\x00\x00\x01" "d", 6)) != std::string::npos);
    BOOST_TEST(f.bytes.find("nil") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(identify_and_resume_payloads) {
    identify_params p;
    p.token = "t";
    p.intents = Intents::MessageContent;
    auto identify = [&] { return boost::json::parse(encode_frame(identify_command(p), Encoding::Json).bytes); };
    auto id = identify().as_object();
    BOOST_TEST(id.at("op").as_int64() == 2);
    BOOST_TEST(id.at("d") == boost::json::parse(R"({"token":"t","properties":{"os":"linux","browser":"dgw",)"
                                                R"("device":"dgw"},"shard":[0,1],"intents":32768})"));
    p.compress = true;
    p.large_threshold = 250;
    p.presence.emplace();
    p.presence->status = "idle";
    BOOST_TEST(identify().at("d").at("compress").as_bool());
    BOOST_TEST(identify().at("d").at("large_threshold").as_int64() == 250);
    BOOST_TEST(identify().at("d").at("presence") ==
               boost::json::parse(R"({"since":null,"activities":[],"status":"idle","afk":false})"));

    commands::Resume rs;
    rs.token = "t";
    rs.session_id = "s";
    rs.seq = 42;
    BOOST_TEST(encode_frame(rs, Encoding::Json).bytes == R"({"op":6,"d":{"token":"t","session_id":"s","seq":42}})");
}

BOOST_DATA_TEST_CASE(a_session_without_a_sequence_number_identifies_again, bdata::make(encodings), enc_name) {
    // Resume's seq is an integer (the docs, the schema): a READY that came with a null s
    // leaves nothing to resume from, so the next connection identifies instead of sending null.
    harness h(parse_encoding(enc_name));
    h.feed(hello());
    auto r = ready(1);
    r.as_object()["s"] = nullptr;
    h.feed(r);
    h.feed(reconnect_op());
    BOOST_TEST(!h.c.resumes());
    h.reconnect_client();
    h.feed(hello());
    BOOST_TEST_REQUIRE(!h.sent.empty());
    BOOST_TEST((h.sent.back().op == Opcode::Identify));
}

BOOST_AUTO_TEST_CASE(user_commands_are_the_five_send_opcodes) {
    // The opcode list and the type trait both come from the schema's `sender`.
    static_assert(commands::user_command<commands::UpdatePresence>);
    static_assert(commands::user_command<commands::UpdateVoiceState>);
    static_assert(commands::user_command<commands::RequestGuildMembers>);
    static_assert(commands::user_command<commands::RequestSoundboardSounds>);
    static_assert(commands::user_command<commands::RequestChannelInfo>);
    static_assert(!commands::user_command<commands::Identify>);
    static_assert(!commands::user_command<commands::Resume>);
    static_assert(!commands::user_command<commands::Heartbeat>);
    static_assert(!commands::user_command<commands::UpdatePresenceActivity>);
    for (int op : {3, 4, 8, 31, 43}) BOOST_TEST(is_user_command(static_cast<Opcode>(op)));
    for (int op : {0, 1, 2, 6, 7, 9, 10, 11, 5, 44}) BOOST_TEST(!is_user_command(static_cast<Opcode>(op)));
}

// The exact URLs the client connects to, pinned byte for byte: the query must not change
// whatever builds it (hand-written before 0.2's Boost.URL).
BOOST_AUTO_TEST_CASE(gateway_urls_pinned_for_every_encoding_and_compression) {
    const std::string base = "wss://gateway.discord.gg";
    struct row {
        Encoding enc;
        transport_compression comp;
        const char* url;
    };
    const row rows[] = {
        {Encoding::Json, transport_compression::none, "wss://gateway.discord.gg/?v=10&encoding=json"},
        {Encoding::Json, transport_compression::zlib_stream,
         "wss://gateway.discord.gg/?v=10&encoding=json&compress=zlib-stream"},
        {Encoding::Json, transport_compression::zstd_stream,
         "wss://gateway.discord.gg/?v=10&encoding=json&compress=zstd-stream"},
        {Encoding::Etf, transport_compression::none, "wss://gateway.discord.gg/?v=10&encoding=etf"},
        {Encoding::Etf, transport_compression::zlib_stream,
         "wss://gateway.discord.gg/?v=10&encoding=etf&compress=zlib-stream"},
        {Encoding::Etf, transport_compression::zstd_stream,
         "wss://gateway.discord.gg/?v=10&encoding=etf&compress=zstd-stream"},
    };
    for (const row& r : rows) {
        const gateway_query q{10, r.enc, r.comp};
        BOOST_TEST(gateway_url(base, q) == r.url);
        BOOST_TEST(gateway_url(base + "/", q) == r.url); // a trailing slash changes nothing
    }
}

BOOST_AUTO_TEST_CASE(resume_gateway_urls_pinned) {
    const gateway_query etf{10, Encoding::Etf, transport_compression::zlib_stream};
    const gateway_query zstd{10, Encoding::Json, transport_compression::zstd_stream};
    // READY's resume_gateway_url, with and without trailing slash.
    BOOST_TEST(gateway_url("wss://gateway-us-east1-b.discord.gg", etf) ==
               "wss://gateway-us-east1-b.discord.gg/?v=10&encoding=etf&compress=zlib-stream");
    BOOST_TEST(gateway_url("wss://gateway-us-east1-b.discord.gg/", zstd) ==
               "wss://gateway-us-east1-b.discord.gg/?v=10&encoding=json&compress=zstd-stream");
    // A query already present is replaced, never doubled, with or without a path before it;
    // a fragment is dropped.
    BOOST_TEST(gateway_url("wss://g.example/?v=6&encoding=json", etf) ==
               "wss://g.example/?v=10&encoding=etf&compress=zlib-stream");
    BOOST_TEST(gateway_url("wss://g.example?v=6", etf) == "wss://g.example/?v=10&encoding=etf&compress=zlib-stream");
    BOOST_TEST(gateway_url("wss://g.example/#x", etf) == "wss://g.example/?v=10&encoding=etf&compress=zlib-stream");
    // A path, a port and an IPv6 literal are kept as written.
    BOOST_TEST(gateway_url("wss://g.example/path", zstd) == "wss://g.example/path?v=10&encoding=json&compress=zstd-stream");
    BOOST_TEST(gateway_url("ws://127.0.0.1:8080", gateway_query{}) == "ws://127.0.0.1:8080/?v=10&encoding=json");
    BOOST_TEST(gateway_url("ws://[::1]:8080/gw/", gateway_query{}) == "ws://[::1]:8080/gw/?v=10&encoding=json");
}

BOOST_AUTO_TEST_CASE(bad_gateway_urls_are_refused_with_the_reason) {
    auto refusal = [](std::string_view base) -> std::string {
        try {
            gateway_url(base, gateway_query{});
        } catch (const boost::system::system_error& e) {
            BOOST_TEST((e.code() == protocol_errc::invalid_config));
            return e.what();
        }
        return "accepted";
    };
    BOOST_TEST(refusal("gateway.discord.gg").find("\"gateway.discord.gg\" is not a URL") != std::string::npos,
               refusal("gateway.discord.gg"));
    BOOST_TEST(refusal("https://discord.com/api").find("is not ws:// or wss://") != std::string::npos);
    BOOST_TEST(refusal("wss://").find("has no host") != std::string::npos, refusal("wss://"));
    BOOST_TEST(refusal("wss://gate way.example").find("is not a URL") != std::string::npos);
    BOOST_TEST(refusal("wss://g.example:99x/").find("is not a URL") != std::string::npos, refusal("wss://g.example:99x/"));
    BOOST_TEST(refusal("wss://g.example:x").find("is not a URL") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(mask_secret_keeps_length) {
    std::string s = "a SECRET b SECRETSECRET c";
    mask_secret(s, "SECRET");
    BOOST_TEST(s == "a ****** b ************ c");
    std::string t = "unchanged";
    mask_secret(t, "");
    BOOST_TEST(t == "unchanged");
}

BOOST_AUTO_TEST_CASE(protocol_error_messages) {
    boost::system::error_code ec = protocol_errc::payload_too_large;
    BOOST_TEST(std::string(ec.category().name()) == "dgw.protocol");
    BOOST_TEST(ec.message().find("4096") != std::string::npos);
    for (int e = 1; e <= static_cast<int>(protocol_errc::shutdown); ++e)
        BOOST_TEST(make_error_code(static_cast<protocol_errc>(e)).message() != "unknown protocol error");
}

BOOST_AUTO_TEST_SUITE_END()
