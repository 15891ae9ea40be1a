// shard_options::observe_wire, the wire observer behind `dgw connect --capture`, and
// redact_token, which keeps the token out of what it sees. A local gateway (the same as
// test_shard.cpp's) plays two connections of one session: Hello, Identify, READY, a dispatch,
// a close with 4000; then Hello, Resume, RESUMED and the user's shutdown. The observer must
// see every websocket message in order, both ways, received ones exactly as sent
// (compressed: a decompressor reset at each first_of_connection reads them), close frames,
// and Identify and Resume with [REDACTED] where the token was, in JSON and in ETF.

#include "gateway_peer.hpp"

#include <dgw/compress/decompressor.hpp>
#include <dgw/log.hpp>

namespace {

using namespace gateway_peer;

// A token no other string in the test contains, longer than the placeholder.
const std::string distinctive = "MTA5ODc2NTQzMjEwOTg3NjU0.Gx1yZz.distinctive-wire-token_0123456789";

json::object decode_any(std::string_view bytes, bool etf) {
    if (!etf) return json::parse(bytes).as_object();
    dgw::decode_error err;
    json::value v = dgw::etf::to_json(bytes, err);
    BOOST_REQUIRE_MESSAGE(!err, err.message());
    return v.as_object();
}

struct observed {
    dgw::capture_direction dir;
    dgw::wire_frame frame;
    std::string bytes;
    bool first;
    std::uint32_t shard;
};

void observe_session(dgw::Encoding enc, dgw::transport_compression comp) {
    const bool etf = enc == dgw::Encoding::Etf;
    session t;
    auto opt = t.options(enc, comp);
    opt.client.identify.token = distinctive;
    opt.client.identify.shard_id = 1;
    opt.client.identify.shard_count = 2;
    std::vector<observed> seen;
    opt.observe_wire = [&](const dgw::wire_message& m) {
        seen.push_back({m.direction, m.frame, std::string(m.bytes), m.first_of_connection, m.shard_id});
    };
    dgw::shard* shard_ptr = nullptr;
    t.handlers.on<dgw::events::Resumed>([&](const dgw::events::Resumed&) { shard_ptr->shutdown(); });
    dgw::shard sh(t.io, opt, t.handlers);
    shard_ptr = &sh;
    json::object ready = ready_for("wire-session", t.base());
    json::object msg = fixture_d("MESSAGE_CREATE");
    std::string identify_token, resume_token;
    auto script = [&]() -> awaitable<void> {
        {
            auto c = co_await accept(t.acc);
            auto id = co_await c->open_session(ready);
            identify_token = str(id.at("d").at("token"));
            co_await c->dispatch("MESSAGE_CREATE", 2, msg);
            co_await c->close(4000, "restart");
        }
        {
            auto c = co_await accept(t.acc);
            co_await c->send(hello(45000));
            auto r = co_await c->expect(6);
            resume_token = str(r.at("d").at("token"));
            co_await c->dispatch("RESUMED", 3, {});
            auto end = co_await c->recv();
            BOOST_CHECK(!end);
        }
    };
    t.run(sh, script());
    // The gateway got the real token; the observer never did.
    BOOST_TEST(identify_token == distinctive);
    BOOST_TEST(resume_token == distinctive);

    std::unique_ptr<dgw::compress::decompressor> dec;
    if (comp != dgw::transport_compression::none)
        dec = dgw::compress::make_decompressor(comp == dgw::transport_compression::zstd_stream
                                                   ? dgw::compress::transport::zstd_stream
                                                   : dgw::compress::transport::zlib_stream);
    std::vector<std::string> trail; // "r10", "s2", "rclose4000", ...: the session as observed
    int firsts = 0;
    for (const auto& m : seen) {
        BOOST_TEST(m.bytes.find(distinctive) == std::string::npos);
        BOOST_TEST(m.shard == 1u);
        if (m.first) {
            ++firsts;
            BOOST_TEST((m.dir == dgw::capture_direction::received)); // the gateway's Hello opens each connection
            if (dec) dec->reset();
        }
        const char* side = m.dir == dgw::capture_direction::received ? "r" : "s";
        if (m.frame == dgw::wire_frame::close) {
            BOOST_REQUIRE(m.bytes.size() >= 2);
            const int code = static_cast<unsigned char>(m.bytes[0]) << 8 | static_cast<unsigned char>(m.bytes[1]);
            trail.push_back(std::string(side) + "close" + std::to_string(code));
            continue;
        }
        std::string plain = m.bytes;
        if (m.dir == dgw::capture_direction::received && dec) {
            BOOST_TEST((m.frame == dgw::wire_frame::binary));
            const auto r = dec->feed(m.bytes);
            BOOST_REQUIRE(r.has_message());
            plain = std::string(r.message);
        } else {
            BOOST_TEST((m.frame == (etf ? dgw::wire_frame::binary : dgw::wire_frame::text)));
        }
        const json::object o = decode_any(plain, etf);
        const int op = o.at("op").to_number<int>();
        trail.push_back(side + std::to_string(op));
        if (op == 2 || op == 6) BOOST_TEST(str(o.at("d").at("token")) == std::string(dgw::redacted_token));
    }
    BOOST_TEST(firsts == 2);
    // The gateway's answer to our close may or may not be read before the socket goes.
    if (!trail.empty() && trail.back() == "rclose1000") trail.pop_back();
    const std::vector<std::string> want{"r10", "s2", "r0", "r0", "rclose4000", "r10", "s6", "r0", "sclose1000"};
    BOOST_TEST(trail == want, boost::test_tools::per_element());
}

std::string identify_bytes(dgw::Encoding enc) {
    dgw::identify_params p;
    p.token = distinctive;
    p.intents = dgw::Intents::Guilds;
    return dgw::encode_frame(dgw::identify_command(p), enc).bytes;
}

} // namespace

BOOST_AUTO_TEST_SUITE(shard_wire)

BOOST_AUTO_TEST_CASE(observer_sees_json_zstd_session_token_redacted) {
    observe_session(dgw::Encoding::Json, dgw::transport_compression::zstd_stream);
}

BOOST_AUTO_TEST_CASE(observer_sees_etf_zlib_session_token_redacted) {
    observe_session(dgw::Encoding::Etf, dgw::transport_compression::zlib_stream);
}

BOOST_AUTO_TEST_CASE(observer_sees_etf_plain_session_token_redacted) {
    observe_session(dgw::Encoding::Etf, dgw::transport_compression::none);
}

// Identify in both encodings: the placeholder replaces the token and the message still
// decodes, the ETF binary's length prefix fixed up (the placeholder is shorter).
BOOST_AUTO_TEST_CASE(redact_token_keeps_identify_decodable) {
    for (auto enc : {dgw::Encoding::Json, dgw::Encoding::Etf}) {
        std::string bytes = identify_bytes(enc);
        const std::size_t before = bytes.size();
        BOOST_REQUIRE(bytes.find(distinctive) != std::string::npos);
        BOOST_TEST(dgw::redact_token(bytes, distinctive, enc));
        BOOST_TEST(bytes.find(distinctive) == std::string::npos);
        BOOST_TEST(bytes.size() == before - distinctive.size() + dgw::redacted_token.size());
        const json::object o = decode_any(bytes, enc == dgw::Encoding::Etf);
        BOOST_TEST(str(o.at("d").at("token")) == std::string(dgw::redacted_token));
        BOOST_TEST(o.at("d").at("intents").to_number<int>() == 1);
        BOOST_TEST(!dgw::redact_token(bytes, distinctive, enc)); // nothing left to find
    }
}

// The token inside a longer ETF string (a binary whose content is more than the token) is
// masked in place, so the term stays valid; a STRING_EXT holding exactly the token is
// replaced with its u16 length fixed; an empty token changes nothing.
BOOST_AUTO_TEST_CASE(redact_token_etf_edge_cases) {
    const std::string tok = "tok.SECRET.1234";
    auto be32 = [](std::size_t n) {
        return std::string{char(n >> 24), char(n >> 16 & 0xFF), char(n >> 8 & 0xFF), char(n & 0xFF)};
    };
    const std::string inner = "says " + tok + " aloud";
    std::string term = "\x83m" + be32(inner.size()) + inner;
    BOOST_TEST(dgw::redact_token(term, tok, dgw::Encoding::Etf));
    BOOST_TEST(term.find(tok) == std::string::npos);
    dgw::decode_error err;
    json::value v = dgw::etf::to_json(term, err);
    BOOST_REQUIRE(!err);
    BOOST_TEST(std::string(v.as_string()) == "says " + std::string(tok.size(), '*') + " aloud");

    std::string str_ext = std::string("\x83k\x00", 3) + char(tok.size()) + tok;
    BOOST_TEST(dgw::redact_token(str_ext, tok, dgw::Encoding::Etf));
    BOOST_TEST(str_ext == std::string("\x83k\x00", 3) + char(dgw::redacted_token.size()) + std::string(dgw::redacted_token));

    std::string json_text = R"({"op":6,"d":{"token":")" + tok + R"(","seq":3}})";
    BOOST_TEST(dgw::redact_token(json_text, tok, dgw::Encoding::Json));
    BOOST_TEST(json_text == R"({"op":6,"d":{"token":"[REDACTED]","seq":3}})");
    std::string same = json_text;
    BOOST_TEST(!dgw::redact_token(same, "", dgw::Encoding::Json));
    BOOST_TEST(same == json_text);
}

BOOST_AUTO_TEST_SUITE_END()
