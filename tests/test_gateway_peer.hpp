#pragma once
// A local gateway for the shard tests: a Boost.Beast websocket server (C++20 coroutines on
// an io_context) that plays Discord's side byte for byte over TCP or TLS, in the encoding
// and transport compression the client asked for in its URL, and the harness that runs it
// next to a shard until both sides are done.

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
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "test_tls_util.hpp"

namespace gateway_peer {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace json = boost::json;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;
using namespace std::chrono_literals;

inline const std::string token = "shard-test-token.SECRET";

inline json::object fixture_d(const char* event) {
    std::ifstream f(std::string(DGW_FIXTURES) + "/events/" + event + ".json");
    const std::string text((std::istreambuf_iterator<char>(f)), {});
    return json::parse(text).as_object().at("d").as_object();
}

// Built outside the coroutines: GCC 12 miscompiles braced initialiser lists of string
// literals inside a coroutine body ("array used as initializer").
inline json::object envelope(const char* t, int s, json::object d) {
    return {{"op", 0}, {"s", s}, {"t", t}, {"d", std::move(d)}};
}
inline json::object hello(int interval_ms) { return {{"op", 10}, {"d", {{"heartbeat_interval", interval_ms}}}}; }
inline json::object heartbeat_ack() { return {{"op", 11}, {"d", nullptr}}; }
inline json::value presence() {
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

    /// Discord's command budget as Discord applies it: on this side's receive times, every
    /// message the client sends counting (heartbeats included), a message that makes more
    /// than `limit` within `window` closes the connection with 4008.
    struct budget_rule {
        std::chrono::steady_clock::duration window = std::chrono::seconds(60);
        std::size_t limit = 120;
    };
    std::optional<budget_rule> budget;    ///< enforced when set
    std::size_t budget_max = 0;           ///< most messages received within one window
    bool budget_exceeded = false;         ///< closed with 4008
    std::deque<std::chrono::steady_clock::time_point> budget_log; // receive times within the window

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
            if (budget && !within_budget()) {
                budget_exceeded = true;
                co_await ws.async_close(websocket::close_reason(static_cast<websocket::close_code>(4008),
                                                                "You are being rate limited."),
                                        asio::as_tuple(use_awaitable));
                ended = websocket::error::closed;
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

    /// Counts a message received now; false when it is one too many for the budget.
    bool within_budget() {
        const auto now = std::chrono::steady_clock::now();
        while (!budget_log.empty() && now - budget_log.front() >= budget->window) budget_log.pop_front();
        budget_log.push_back(now);
        budget_max = std::max(budget_max, budget_log.size());
        return budget_log.size() <= budget->limit;
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
inline awaitable<std::unique_ptr<peer_conn>> accept(tcp::acceptor& acc) {
    tcp::socket s = co_await acc.async_accept(use_awaitable);
    auto c = std::make_unique<peer_conn>(std::move(s));
    co_await upgrade(*c);
    co_return c;
}

/// Accepts one websocket connection over TLS.
inline awaitable<std::unique_ptr<tls_peer_conn>> accept_tls(tcp::acceptor& acc, ssl::context& tls) {
    tcp::socket s = co_await acc.async_accept(use_awaitable);
    auto c = std::make_unique<tls_peer_conn>(beast::tcp_stream(std::move(s)), tls);
    co_await c->ws.next_layer().async_handshake(ssl::stream_base::server, use_awaitable);
    co_await upgrade(*c);
    co_return c;
}


inline std::string str(const json::value& v) { return std::string(v.as_string()); }

/// READY from the fixture, for session `id`, resuming at `resume_url`.
inline json::object ready_for(const std::string& id, const std::string& resume_url) {
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
    std::chrono::seconds limit{20}; ///< drive() gives up after this

    std::string base() const { return "ws://127.0.0.1:" + std::to_string(acc.local_endpoint().port()); }

    dgw::shard_options options(dgw::Encoding enc, dgw::transport_compression comp) {
        dgw::shard_options o;
        o.client.identify.token = token;
        o.client.identify.intents = dgw::Intents::Guilds | dgw::Intents::GuildMessages; // 513
        o.client.gateway_url = base();
        o.client.encoding = enc;
        o.client.compression = comp;
        o.client.await_identify_permit = false;
        o.client.jitter = [] { return 0.1; };
        o.client.log = [this](dgw::log_level, std::string_view line) {
            logs.emplace_back(line);
            if (std::getenv("DGW_TEST_VERBOSE")) // DGW_TEST_VERBOSE=1: follow the shards live
                std::fprintf(stderr, "%.3f %.*s\n",
                             std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(),
                             static_cast<int>(line.size()), line.data());
        };
        // Short back-off steps (20, 40, 80 ms at full jitter) keep the tests fast.
        o.client.backoff.initial = 20ms;
        o.client.backoff.max = 80ms;
        o.client.backoff.jitter = [] { return 1.0; };
        return o;
    }

    /// Runs the server script and the shard until both are done (or 20 s passed).
    std::function<void()> notify; // call when `stopped` or `server_done` changes

    /// Runs the server script and whatever `start` starts until the script is done and
    /// `stopped` is set (or 20 s passed); `abort` ends the client side if the script fails.
    template <class Script> void drive(std::function<void()> start, std::function<void()> abort, Script script) {
        asio::steady_timer guard(io, limit);
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

} // namespace gateway_peer
