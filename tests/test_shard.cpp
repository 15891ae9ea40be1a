// The shard over a real websocket: a local gateway (Boost.Beast server, C++20 coroutines on
// the same io_context) plays Discord's side of whole sessions, byte for byte on a TCP socket:
// Hello, Identify, READY, a dispatch, a resumable close, the Resume on resume_gateway_url with
// the right session and sequence, replayed dispatches, RESUMED, heartbeats answered, and the
// user's shutdown with 1000. Transport compression is produced the way the gateway does it
// (one zstd context flushed per message; one deflate stream with Z_SYNC_FLUSH).

#include <dgw/commands.hpp>
#include <dgw/etf/json.hpp>
#include <dgw/event_handlers.hpp>
#include <dgw/gateway.hpp>
#include <dgw/protocol_error.hpp>
#include <dgw/shard.hpp>
#include <dgw/shard_manager.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "test_tls_util.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace json = boost::json;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;
using namespace std::chrono_literals;

const std::string token = "shard-test-token.SECRET";

json::object fixture_d(const char* event) {
    std::ifstream f(std::string(DGW_FIXTURES) + "/events/" + event + ".json");
    const std::string text((std::istreambuf_iterator<char>(f)), {});
    return json::parse(text).as_object().at("d").as_object();
}

// Built outside the coroutines: GCC 12 miscompiles braced initialiser lists of string
// literals inside a coroutine body ("array used as initializer").
json::object envelope(const char* t, int s, json::object d) {
    return {{"op", 0}, {"s", s}, {"t", t}, {"d", std::move(d)}};
}
json::object hello(int interval_ms) { return {{"op", 10}, {"d", {{"heartbeat_interval", interval_ms}}}}; }
json::object heartbeat_ack() { return {{"op", 11}, {"d", nullptr}}; }
json::value presence() {
    return json::object{{"since", nullptr}, {"activities", json::array{}}, {"status", "idle"}, {"afk", false}};
}

/// Server side of one websocket connection (over TCP, or TLS over TCP), speaking the
/// encoding and compression the client asked for in its URL.
template <class Next>
struct basic_peer_conn {
    websocket::stream<Next> ws;
    std::string target;
    dgw::Encoding enc = dgw::Encoding::Json;
    dgw::transport_compression comp = dgw::transport_compression::none;
    ZSTD_CCtx* zstd = nullptr;
    std::optional<z_stream> zlib;
    int heartbeats = 0;
    std::vector<int> heartbeat_seq; // d of each heartbeat (-1 for null)

    template <class... A> explicit basic_peer_conn(A&&... a) : ws(std::forward<A>(a)...) {}
    basic_peer_conn(const basic_peer_conn&) = delete;
    ~basic_peer_conn() {
        if (zstd) ZSTD_freeCCtx(zstd);
        if (zlib) deflateEnd(&*zlib);
    }

    std::string compress(const std::string& in) {
        std::string out;
        if (comp == dgw::transport_compression::zstd_stream) {
            out.resize(ZSTD_compressBound(in.size()) + 64);
            ZSTD_inBuffer src{in.data(), in.size(), 0};
            ZSTD_outBuffer dst{out.data(), out.size(), 0};
            const std::size_t r = ZSTD_compressStream2(zstd, &dst, &src, ZSTD_e_flush);
            BOOST_REQUIRE(!ZSTD_isError(r) && r == 0);
            out.resize(dst.pos);
        } else {
            out.resize(in.size() + in.size() / 2 + 64);
            z_stream& z = *zlib;
            z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
            z.avail_in = static_cast<uInt>(in.size());
            z.next_out = reinterpret_cast<Bytef*>(out.data());
            z.avail_out = static_cast<uInt>(out.size());
            BOOST_REQUIRE_EQUAL(deflate(&z, Z_SYNC_FLUSH), Z_OK);
            out.resize(out.size() - z.avail_out);
        }
        return out;
    }

    awaitable<void> send(json::object msg) {
        std::string bytes;
        if (enc == dgw::Encoding::Json) bytes = json::serialize(msg);
        else dgw::etf::from_json(msg, bytes, {.atom_keys = true}); // as Discord writes ETF
        if (comp != dgw::transport_compression::none) bytes = compress(bytes);
        ws.binary(comp != dgw::transport_compression::none || enc == dgw::Encoding::Etf);
        co_await ws.async_write(asio::buffer(bytes), use_awaitable);
    }

    awaitable<void> dispatch(const char* t, int s, json::object d) {
        co_await send(envelope(t, s, std::move(d)));
    }

    boost::system::error_code ended; // why the last recv() returned nullopt

    /// The next message that is not a heartbeat (heartbeats are acknowledged on the way,
    /// and returned too when `heartbeats`), or nullopt once the connection ended: `ended`
    /// is websocket::error::closed when the client sent a close frame (ws.reason() has it).
    awaitable<std::optional<json::object>> recv(bool heartbeats_too = false) {
        for (;;) {
            beast::flat_buffer buf;
            auto [ec, n] = co_await ws.async_read(buf, asio::as_tuple(use_awaitable));
            if (ec) {
                ended = ec;
                co_return std::nullopt;
            }
            const std::string bytes = beast::buffers_to_string(buf.data());
            json::value v;
            if (enc == dgw::Encoding::Json) {
                BOOST_CHECK(ws.got_text());
                v = json::parse(bytes);
            } else {
                BOOST_CHECK(ws.got_binary());
                dgw::decode_error err;
                v = dgw::etf::to_json(bytes, err);
                BOOST_REQUIRE_MESSAGE(!err, err.message());
            }
            json::object o = v.as_object();
            if (o.at("op").to_number<int>() == 1) {
                ++heartbeats;
                heartbeat_seq.push_back(o.at("d").is_null() ? -1 : o.at("d").to_number<int>());
                co_await send(heartbeat_ack());
                if (heartbeats_too) co_return o;
                continue;
            }
            co_return o;
        }
    }

    /// Writes `bytes` as one websocket message, as they are (no encoding, no compression).
    awaitable<void> send_raw(std::string_view bytes, bool binary) {
        ws.binary(binary);
        co_await ws.async_write(asio::buffer(bytes.data(), bytes.size()), use_awaitable);
    }

    /// The start of a fresh session: Hello (interval `beat_ms`), the client's Identify
    /// (returned), then READY as s=1.
    awaitable<json::object> open_session(json::object ready, int beat_ms = 45000) {
        co_await send(hello(beat_ms));
        json::object id = co_await expect(2);
        co_await dispatch("READY", 1, std::move(ready));
        co_return id;
    }

    /// The next message, which must have opcode `op` (heartbeats are acknowledged on the
    /// way, or are the expected message when `heartbeats_too`).
    awaitable<json::object> expect(int op, bool heartbeats_too = false) {
        std::optional<json::object> m = co_await recv(heartbeats_too);
        BOOST_REQUIRE_MESSAGE(m, "the connection ended while op " << op << " was expected");
        BOOST_REQUIRE_EQUAL(m->at("op").to_number<int>(), op);
        co_return std::move(*m);
    }
};

using peer_conn = basic_peer_conn<beast::tcp_stream>;
using tls_peer_conn = basic_peer_conn<beast::ssl_stream<beast::tcp_stream>>;

/// Reads the websocket upgrade request, sets the connection up from the query the client
/// sent, and accepts.
template <class Conn> awaitable<void> upgrade(Conn& c0) {
    auto* c = &c0;
    beast::flat_buffer buf;
    beast::http::request<beast::http::string_body> req;
    co_await beast::http::async_read(c->ws.next_layer(), buf, req, use_awaitable);
    c->target = std::string(req.target());
    if (c->target.find("encoding=etf") != std::string::npos) c->enc = dgw::Encoding::Etf;
    if (c->target.find("compress=zstd-stream") != std::string::npos) {
        c->comp = dgw::transport_compression::zstd_stream;
        c->zstd = ZSTD_createCCtx();
    } else if (c->target.find("compress=zlib-stream") != std::string::npos) {
        c->comp = dgw::transport_compression::zlib_stream;
        c->zlib.emplace();
        *c->zlib = z_stream{};
        BOOST_REQUIRE_EQUAL(deflateInit(&*c->zlib, Z_DEFAULT_COMPRESSION), Z_OK);
    }
    co_await c->ws.async_accept(req, use_awaitable);
}

/// Accepts one plain websocket connection.
awaitable<std::unique_ptr<peer_conn>> accept(tcp::acceptor& acc) {
    tcp::socket s = co_await acc.async_accept(use_awaitable);
    auto c = std::make_unique<peer_conn>(std::move(s));
    co_await upgrade(*c);
    co_return c;
}

/// Accepts one websocket connection over TLS.
awaitable<std::unique_ptr<tls_peer_conn>> accept_tls(tcp::acceptor& acc, ssl::context& tls) {
    tcp::socket s = co_await acc.async_accept(use_awaitable);
    auto c = std::make_unique<tls_peer_conn>(beast::tcp_stream(std::move(s)), tls);
    co_await c->ws.next_layer().async_handshake(ssl::stream_base::server, use_awaitable);
    co_await upgrade(*c);
    co_return c;
}


std::string str(const json::value& v) { return std::string(v.as_string()); }

/// READY from the fixture, for session `id`, resuming at `resume_url`.
json::object ready_for(const std::string& id, const std::string& resume_url) {
    json::object r = fixture_d("READY");
    r["session_id"] = id;
    r["resume_gateway_url"] = resume_url;
    return r;
}

/// What a test's shard saw, and the harness around one io_context.
struct session {
    asio::io_context io;
    tcp::acceptor acc{io, {asio::ip::make_address("127.0.0.1"), 0}};
    dgw::event_handlers handlers;
    std::optional<dgw::stop> stopped;
    std::string server_error;
    bool server_done = false;
    bool timed_out = false;
    std::vector<std::string> logs;

    std::string base() const { return "ws://127.0.0.1:" + std::to_string(acc.local_endpoint().port()); }

    dgw::shard_options options(dgw::Encoding enc, dgw::transport_compression comp) {
        dgw::shard_options o;
        o.client.identify.token = token;
        o.client.identify.intents = 513;
        o.client.gateway_url = base();
        o.client.encoding = enc;
        o.client.compression = comp;
        o.client.await_identify_permit = false;
        o.client.jitter = [] { return 0.1; };
        o.client.log = [this](dgw::log_level, std::string_view line) { logs.emplace_back(line); };
        o.retry_min = 20ms;
        o.retry_max = 80ms;
        return o;
    }

    /// Runs the server script and the shard until both are done (or 20 s passed).
    std::function<void()> notify; // call when `stopped` or `server_done` changes

    /// Runs the server script and whatever `start` starts until the script is done and
    /// `stopped` is set (or 20 s passed); `abort` ends the client side if the script fails.
    template <class Script> void drive(std::function<void()> start, std::function<void()> abort, Script script) {
        asio::steady_timer guard(io, 20s);
        notify = [&] {
            if (server_done && stopped) guard.cancel();
        };
        asio::co_spawn(io, std::move(script), [&](std::exception_ptr e) {
            if (e) {
                try {
                    std::rethrow_exception(e);
                } catch (const std::exception& x) {
                    server_error = x.what();
                }
                abort(); // the script failed: end the client side too
            }
            server_done = true;
            notify();
        });
        guard.async_wait([&](boost::system::error_code ec) {
            if (ec) return;
            timed_out = true;
            io.stop();
        });
        start();
        io.run();
        BOOST_TEST(!timed_out);
        if (timed_out || !server_error.empty())
            for (const auto& l : logs) BOOST_TEST_MESSAGE("shard log: " << l);
        BOOST_TEST(server_error == "");
        for (const auto& l : logs) BOOST_TEST(l.find(token) == std::string::npos);
    }

    template <class Script> void run(dgw::shard& sh, Script script) {
        sh.on_stop([&](const dgw::stop& s) {
            stopped = s;
            notify();
        });
        drive([&] { sh.start(); }, [&] { sh.shutdown(); }, std::move(script));
    }
};

/// A session whose shard connects with wss:// to `host` (the certificate names localhost).
struct tls_session : session {
    std::string host;
    dgw_test::test_certificate cert;
    ssl::context server_tls = cert.server();
    ssl::context client_tls = cert.client();
    explicit tls_session(std::string h) : host(std::move(h)) {}
    dgw::shard_options tls_options(dgw::Encoding enc, dgw::transport_compression comp) {
        auto o = options(enc, comp);
        o.client.gateway_url = "wss://" + host + ":" + std::to_string(acc.local_endpoint().port());
        o.tls = &client_tls;
        return o;
    }
};

void full_session(dgw::Encoding enc, dgw::transport_compression comp) {
    session t;
    std::vector<std::string> contents;
    std::vector<std::int64_t> seqs;
    bool resumed_seen = false;
    dgw::shard* shard_ptr = nullptr;
    t.handlers.on<dgw::events::MessageCreate>([&](const dgw::events::MessageCreate& m, const dgw::dispatch_info& i) {
        contents.push_back(m.content);
        seqs.push_back(i.s.value_or(-1));
    });
    t.handlers.on<dgw::events::Resumed>([&](const dgw::events::Resumed&) {
        resumed_seen = true;
        shard_ptr->shutdown(); // after the replayed dispatch: the session is whole again
    });
    // A user command from a handler: it goes out after READY, through the client's limiter.
    t.handlers.on<dgw::events::Ready>([&](const dgw::events::Ready&) {
        if (enc == dgw::Encoding::Etf) {
            dgw::commands::UpdatePresence p; // the generated command, encoded as ETF
            p.status = "idle";
            shard_ptr->send(p);
        } else {
            shard_ptr->send(dgw::command{dgw::Opcode::PresenceUpdate, presence()});
        }
    });
    dgw::shard sh(t.io, t.options(enc, comp), t.handlers);
    shard_ptr = &sh;
    std::vector<std::string> refused;
    t.handlers.on_decode_error([&](const dgw::event_decode_failed& e) { refused.push_back("decode " + e.t + ": " + e.error.message()); });
    sh.on_command_refused([&](const dgw::command_refused& r) { refused.push_back(r.detail); });

    json::object msg = fixture_d("MESSAGE_CREATE");
    json::object ready = ready_for("session-one", t.base()); // the Resume must go here

    std::string identify_token, resume_session, first_target, second_target, presence_status;
    std::int64_t identify_intents = 0, resume_seq = -1;
    int close_code = 0, first_heartbeats = 0;
    std::vector<int> beats_before_ready, second_heartbeats;

    auto script = [&]() -> awaitable<void> {
        {
            auto c = co_await accept(t.acc);
            first_target = c->target;
            co_await c->send(hello(2000));
            auto id = co_await c->expect(2);
            identify_token = str(id.at("d").at("token"));
            identify_intents = id.at("d").at("intents").to_number<std::int64_t>();
            // The first heartbeat (200 ms after Hello; a shorter interval would leave the 120/60 s
            // budget no room for commands beside the heartbeats) comes before any dispatch: d is null.
            co_await c->expect(1, true);
            co_await c->dispatch("READY", 1, ready);
            msg["content"] = "before the resume";
            co_await c->dispatch("MESSAGE_CREATE", 2, msg);
            auto cmd = co_await c->expect(3);
            presence_status = str(cmd.at("d").at("status"));
            // A resumable close, as the gateway does when it restarts a node.
            co_await c->ws.async_close(websocket::close_reason(static_cast<websocket::close_code>(4000)), use_awaitable);
            first_heartbeats = c->heartbeats;
            beats_before_ready = c->heartbeat_seq;
        }
        {
            auto c = co_await accept(t.acc);
            second_target = c->target;
            co_await c->send(hello(2000));
            auto r = co_await c->expect(6);
            resume_session = str(r.at("d").at("session_id"));
            resume_seq = r.at("d").at("seq").to_number<std::int64_t>();
            msg["content"] = "replayed after the resume";
            co_await c->dispatch("MESSAGE_CREATE", 3, msg);
            co_await c->dispatch("RESUMED", 4, {});
            auto end = co_await c->recv(); // heartbeats until the client's close frame
            BOOST_CHECK(!end);
            BOOST_CHECK(c->ended == websocket::error::closed);
            close_code = c->ws.reason().code;
            second_heartbeats = c->heartbeat_seq;
        }
    };
    t.run(sh, script());

    BOOST_TEST(first_target.find("v=10") != std::string::npos);
    BOOST_TEST(identify_token == token);
    BOOST_TEST(identify_intents == 513);
    BOOST_TEST(presence_status == "idle");
    BOOST_TEST(refused.empty());
    for (const auto& r : refused) BOOST_TEST_MESSAGE("refused: " << r);
    BOOST_TEST(first_heartbeats >= 1);
    // Heartbeats before any dispatch carry null.
    BOOST_REQUIRE(!beats_before_ready.empty());
    BOOST_TEST(beats_before_ready.front() == -1);
    // On the resumed connection a heartbeat carries the last sequence seen, never null.
    for (int d : second_heartbeats) BOOST_TEST(d >= 2);
    BOOST_TEST(resume_session == "session-one");
    BOOST_TEST(resume_seq == 2);
    BOOST_TEST(second_target == first_target); // same v/encoding/compress query on resume_gateway_url
    BOOST_TEST(contents == (std::vector<std::string>{"before the resume", "replayed after the resume"}),
               boost::test_tools::per_element());
    BOOST_TEST(seqs == (std::vector<std::int64_t>{2, 3}), boost::test_tools::per_element());
    BOOST_TEST(close_code == 1000);
    BOOST_REQUIRE(t.stopped);
    BOOST_TEST(t.stopped->reason == dgw::make_error_code(dgw::protocol_errc::shutdown));
    BOOST_TEST(sh.stats().connects == 2u);
    BOOST_TEST(sh.stats().resumes == 1u);
    BOOST_TEST(sh.stats().connect_failures == 0u);
    BOOST_TEST(resumed_seen);
}

} // namespace

BOOST_AUTO_TEST_SUITE(shard)

BOOST_AUTO_TEST_CASE(json_zstd_session_resumes_after_close_4000) {
    full_session(dgw::Encoding::Json, dgw::transport_compression::zstd_stream);
}

BOOST_AUTO_TEST_CASE(etf_zlib_session_resumes_after_close_4000) {
    full_session(dgw::Encoding::Etf, dgw::transport_compression::zlib_stream);
}

BOOST_AUTO_TEST_CASE(json_plain_session_resumes_after_close_4000) {
    full_session(dgw::Encoding::Json, dgw::transport_compression::none);
}

// wss:// as Discord serves it: TLS with SNI, the certificate checked against the host name.
BOOST_AUTO_TEST_CASE(tls_session_with_a_verified_certificate) {
    tls_session t("localhost");
    auto opt = t.tls_options(dgw::Encoding::Etf, dgw::transport_compression::zstd_stream);
    ssl::context& server_tls = t.server_tls;
    std::string content, sni;
    dgw::shard* shard_ptr = nullptr;
    t.handlers.on<dgw::events::MessageCreate>([&](const dgw::events::MessageCreate& m) {
        content = m.content;
        shard_ptr->shutdown();
    });
    dgw::shard sh(t.io, opt, t.handlers);
    shard_ptr = &sh;
    json::object msg = fixture_d("MESSAGE_CREATE");
    msg["content"] = "over TLS";
    int close_code = 0;
    auto script = [&]() -> awaitable<void> {
        auto c = co_await accept_tls(t.acc, server_tls);
        if (const char* name = SSL_get_servername(c->ws.next_layer().native_handle(), TLSEXT_NAMETYPE_host_name))
            sni = name;
        co_await c->send(hello(45000));
        auto id = co_await c->expect(2);
        co_await c->dispatch("READY", 1, fixture_d("READY"));
        co_await c->dispatch("MESSAGE_CREATE", 2, msg);
        auto end = co_await c->recv();
        BOOST_CHECK(!end);
        close_code = c->ws.reason().code;
    };
    t.run(sh, script());
    BOOST_TEST(sni == "localhost");
    BOOST_TEST(content == "over TLS");
    BOOST_TEST(close_code == 1000);
    BOOST_TEST(sh.stats().connect_failures == 0u);
}

// The same certificate reached under another name (127.0.0.1) must be refused: the shard
// never talks to a gateway whose certificate does not name the host it asked for.
BOOST_AUTO_TEST_CASE(tls_host_name_mismatch_is_refused) {
    tls_session t("127.0.0.1");
    auto opt = t.tls_options(dgw::Encoding::Json, dgw::transport_compression::none);
    ssl::context& server_tls = t.server_tls;
    dgw::shard sh(t.io, opt, t.handlers);
    bool server_handshake_failed = false;
    auto script = [&]() -> awaitable<void> {
        try {
            auto c = co_await accept_tls(t.acc, server_tls);
        } catch (const boost::system::system_error&) {
            server_handshake_failed = true;
        }
        sh.shutdown();
    };
    t.run(sh, script());
    BOOST_TEST(server_handshake_failed);
    BOOST_TEST(sh.stats().connect_failures >= 1u);
    BOOST_REQUIRE(t.stopped);
    BOOST_TEST(t.stopped->reason == dgw::make_error_code(dgw::protocol_errc::shutdown));
    bool logged = false;
    for (const auto& l : t.logs) logged = logged || l.find("tls handshake failed") != std::string::npos;
    BOOST_TEST(logged);
}

// 4004 (authentication failed) needs a human: the shard stops and never reconnects.
BOOST_AUTO_TEST_CASE(fatal_close_code_stops_without_reconnecting) {
    session t;
    dgw::shard sh(t.io, t.options(dgw::Encoding::Json, dgw::transport_compression::none), t.handlers);
    auto script = [&]() -> awaitable<void> {
        auto c = co_await accept(t.acc);
        co_await c->send(hello(45000));
        co_await c->expect(2);
        co_await c->ws.async_close(websocket::close_reason(static_cast<websocket::close_code>(4004), "Authentication failed."),
                                   use_awaitable);
    };
    t.run(sh, script());
    BOOST_REQUIRE(t.stopped);
    BOOST_TEST(t.stopped->reason == dgw::make_error_code(dgw::protocol_errc::fatal_close));
    BOOST_TEST(t.stopped->close_code == 4004);
    BOOST_TEST(sh.stats().connects == 1u);
    BOOST_TEST(!sh.running());
}

// Nobody listens: every attempt fails before Hello, and the retries back off (20, 40, 80,
// 80 ms) instead of spinning. The shard keeps trying until told to stop.
BOOST_AUTO_TEST_CASE(unreachable_gateway_backs_off_and_shuts_down) {
    session t;
    auto opt = t.options(dgw::Encoding::Json, dgw::transport_compression::none);
    t.acc.close(); // the port is now closed: connections are refused
    dgw::shard sh(t.io, opt, t.handlers);
    const auto begin = std::chrono::steady_clock::now();
    std::chrono::steady_clock::duration to_fifth{};
    auto script = [&]() -> awaitable<void> {
        while (sh.stats().connect_failures < 5) {
            asio::steady_timer poll(t.io, 2ms);
            co_await poll.async_wait(use_awaitable);
        }
        to_fifth = std::chrono::steady_clock::now() - begin;
        sh.shutdown();
    };
    t.run(sh, script());
    BOOST_REQUIRE(t.stopped);
    BOOST_TEST(t.stopped->reason == dgw::make_error_code(dgw::protocol_errc::shutdown));
    // Five refusals take milliseconds; the waits between them (timers never fire early)
    // add up to 20 + 40 + 80 + 80 = 220 ms at least.
    BOOST_TEST(to_fifth >= 220ms);
    BOOST_TEST(to_fifth < 10s);
    BOOST_TEST(sh.stats().connects == sh.stats().connect_failures);
}

// A corrupt compressed stream costs the connection, not the session: the shard resumes.
BOOST_AUTO_TEST_CASE(corrupt_zstd_stream_drops_the_connection_and_resumes) {
    session t;
    dgw::shard sh(t.io, t.options(dgw::Encoding::Json, dgw::transport_compression::zstd_stream), t.handlers);
    json::object ready = ready_for("session-two", t.base());
    std::string resume_session;
    auto script = [&]() -> awaitable<void> {
        {
            auto c = co_await accept(t.acc);
            co_await c->open_session(ready);
            co_await c->send_raw("\xff\xfe this is not zstd", true);
            auto end = co_await c->recv(); // the shard drops the TCP connection, no close frame
            BOOST_CHECK(!end);
            BOOST_CHECK(c->ended != websocket::error::closed);
        }
        {
            auto c = co_await accept(t.acc);
            co_await c->send(hello(45000));
            auto r = co_await c->expect(6);
            resume_session = str(r.at("d").at("session_id"));
            sh.shutdown();
            auto end = co_await c->recv();
            BOOST_CHECK(!end);
        }
    };
    t.run(sh, script());
    BOOST_TEST(resume_session == "session-two");
    BOOST_TEST(sh.stats().connects == 2u);
}

// An undecodable message may have been a dispatch: the client closes with 4000 (keeping
// the session) and the shard resumes on a new connection, which the gateway replays from.
BOOST_AUTO_TEST_CASE(undecodable_message_closes_with_4000_and_resumes) {
    session t;
    dgw::shard sh(t.io, t.options(dgw::Encoding::Json, dgw::transport_compression::none), t.handlers);
    json::object ready = ready_for("session-three", t.base());
    int first_close = 0;
    std::int64_t resume_seq = -1;
    auto script = [&]() -> awaitable<void> {
        {
            auto c = co_await accept(t.acc);
            co_await c->open_session(ready);
            co_await c->send_raw("{\"op\":0,\"s\":2,\"t\":\"MESSAGE_CREATE\",\"d\":{\"id\":", false);
            auto end = co_await c->recv();
            BOOST_CHECK(!end);
            first_close = c->ws.reason().code;
        }
        {
            auto c = co_await accept(t.acc);
            co_await c->send(hello(45000));
            auto r = co_await c->expect(6);
            resume_seq = r.at("d").at("seq").to_number<std::int64_t>();
            sh.shutdown();
            auto end = co_await c->recv();
            BOOST_CHECK(!end);
        }
    };
    t.run(sh, script());
    BOOST_TEST(first_close == 4000);
    BOOST_TEST(resume_seq == 1); // the truncated dispatch's s was never read
    BOOST_TEST(sh.stats().connects == 2u);
}

// Two shards of one bot with max_concurrency 1: both connect at once, but the second
// Identify waits for the shared queue's next 5 s window; each shard identifies with its
// own [id, count] and gets its own session; shutdown() closes both with 1000. Shard 1 is
// started first and gets its Hello 300 ms earlier, yet shard 0 identifies first, as
// Discord asks (each bucket in shard id order).
BOOST_AUTO_TEST_CASE(manager_spaces_identifies_by_concurrency_bucket) {
    session t;
    dgw::shard_manager_options mo;
    mo.shard = t.options(dgw::Encoding::Json, dgw::transport_compression::zstd_stream);
    mo.shard_count = 2;
    mo.shard_ids = {1, 0};
    mo.limit.max_concurrency = 1;
    mo.limit.total = mo.limit.remaining = 10;
    dgw::shard_manager manager(t.io, mo, t.handlers);
    std::vector<std::uint32_t> ready_shards;
    t.handlers.on<dgw::events::Ready>([&](const dgw::events::Ready&, const dgw::dispatch_info& i) {
        ready_shards.push_back(i.shard_id);
        if (ready_shards.size() == 2) manager.shutdown();
    });
    struct seen {
        std::int64_t id = -1, count = -1;
        std::chrono::steady_clock::time_point at;
        int close_code = 0;
    };
    std::vector<seen> identifies;
    std::vector<std::uint32_t> stopped_ids;
    manager.on_stop([&](std::uint32_t id, const dgw::stop& s) {
        stopped_ids.push_back(id);
        BOOST_TEST(s.reason == dgw::make_error_code(dgw::protocol_errc::shutdown));
        if (stopped_ids.size() == 2) {
            t.stopped = s;
            t.notify();
        }
    });
    int finished = 0;
    auto one = [&](std::unique_ptr<peer_conn> c, std::chrono::milliseconds hello_after) -> awaitable<void> {
        asio::steady_timer later(t.io, hello_after);
        co_await later.async_wait(use_awaitable);
        co_await c->send(hello(45000));
        auto id = co_await c->expect(2);
        seen s;
        s.id = id.at("d").at("shard").at(0).to_number<std::int64_t>();
        s.count = id.at("d").at("shard").at(1).to_number<std::int64_t>();
        s.at = std::chrono::steady_clock::now();
        json::object ready = fixture_d("READY");
        ready["session_id"] = "session-of-shard-" + std::to_string(s.id);
        co_await c->dispatch("READY", 1, ready);
        auto end = co_await c->recv();
        BOOST_CHECK(!end);
        s.close_code = c->ws.reason().code;
        identifies.push_back(s);
        ++finished;
    };
    auto script = [&]() -> awaitable<void> {
        auto a = co_await accept(t.acc);
        auto b = co_await accept(t.acc);
        // Both connections are served at once, as the gateway would.
        asio::co_spawn(t.io, one(std::move(a), 0ms), asio::detached);
        co_await one(std::move(b), 300ms);
        while (finished < 2) {
            asio::steady_timer poll(t.io, 10ms);
            co_await poll.async_wait(use_awaitable);
        }
    };
    t.drive([&] { manager.start(); }, [&] { manager.shutdown(); }, script());
    BOOST_TEST(manager.shards().size() == 2u);
    BOOST_TEST(manager.find(1) == manager.shards()[0].get());
    BOOST_TEST(manager.find(0) == manager.shards()[1].get());
    BOOST_TEST(manager.find(2) == nullptr);
    BOOST_REQUIRE_EQUAL(identifies.size(), 2u);
    std::sort(identifies.begin(), identifies.end(), [](const seen& x, const seen& y) { return x.at < y.at; });
    BOOST_TEST(identifies[0].id == 0);
    BOOST_TEST(identifies[1].id == 1);
    BOOST_TEST(identifies[0].count == 2);
    BOOST_TEST(identifies[1].count == 2);
    const auto gap = identifies[1].at - identifies[0].at;
    BOOST_TEST(gap >= 4900ms);
    BOOST_TEST(gap < 8s);
    BOOST_TEST(identifies[0].close_code == 1000);
    BOOST_TEST(identifies[1].close_code == 1000);
    BOOST_TEST(stopped_ids.size() == 2u);
    BOOST_TEST(manager.running() == 0u);
    BOOST_TEST(manager.identify_queue().remaining() == 8u);
}

BOOST_AUTO_TEST_CASE(manager_rejects_invalid_shard_lists) {
    asio::io_context io;
    dgw::event_handlers handlers;
    auto start_with = [&](std::uint32_t count, std::vector<std::uint32_t> ids) {
        dgw::shard_manager_options mo;
        mo.shard_count = count;
        mo.shard_ids = std::move(ids);
        dgw::shard_manager m(io, mo, handlers);
        m.start();
    };
    BOOST_CHECK_THROW(start_with(0, {}), std::invalid_argument);
    BOOST_CHECK_THROW(start_with(2, {0, 2}), std::invalid_argument);
    BOOST_CHECK_THROW(start_with(4, {1, 3, 1}), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
