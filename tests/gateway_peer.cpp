// The local gateway of the shard tests (gateway_peer.hpp), compiled once for all of them.

#include "gateway_peer.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>

#include <zlib.h>
#include <zstd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <mutex>
#include <thread>
#include <type_traits>

namespace gateway_peer {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using steady = std::chrono::steady_clock;

const std::string token = "shard-test-token.SECRET";

json::object fixture_d(const char* event) {
    std::ifstream f(std::string(DGW_FIXTURES) + "/events/" + event + ".json");
    const std::string text((std::istreambuf_iterator<char>(f)), {});
    return json::parse(text).as_object().at("d").as_object();
}

json::object envelope(const char* t, int s, json::object d) {
    return {{"op", 0}, {"s", s}, {"t", t}, {"d", std::move(d)}};
}
json::object hello(int interval_ms) { return {{"op", 10}, {"d", {{"heartbeat_interval", interval_ms}}}}; }
json::object heartbeat_ack() { return {{"op", 11}, {"d", nullptr}}; }
json::object invalid_session_op() { return {{"op", 9}, {"d", false}}; }
json::value presence() {
    return json::object{{"since", nullptr}, {"activities", json::array{}}, {"status", "idle"}, {"afk", false}};
}

// ---- peer_conn ---------------------------------------------------------------------------

/// The websocket under a peer_conn; one implementation per stream type (TCP, TLS over TCP),
/// so that peer_conn itself is one class whatever the client connected with.
class peer_conn::transport {
public:
    virtual ~transport() = default;
    virtual awaitable<void> write(std::string_view bytes, bool binary) = 0;
    /// One message into `out`; `text` tells whether it came as a text message.
    virtual awaitable<boost::system::error_code> read(std::string& out, bool& text) = 0;
    virtual awaitable<void> close(websocket::close_reason why) = 0;
    virtual awaitable<void> close_ignoring_errors(websocket::close_reason why) = 0;
    virtual int close_code() const = 0;
    virtual std::string server_name() = 0;
    virtual void drop_tcp() = 0;
};

namespace {

template <class Next> class ws_transport final : public peer_conn::transport {
public:
    websocket::stream<Next> ws;

    template <class... A> explicit ws_transport(A&&... a) : ws(std::forward<A>(a)...) {}

    awaitable<void> write(std::string_view bytes, bool binary) override {
        ws.binary(binary);
        co_await ws.async_write(asio::buffer(bytes.data(), bytes.size()), use_awaitable);
    }
    awaitable<boost::system::error_code> read(std::string& out, bool& text) override {
        beast::flat_buffer buf;
        auto [ec, n] = co_await ws.async_read(buf, asio::as_tuple(use_awaitable));
        if (!ec) {
            out = beast::buffers_to_string(buf.data());
            text = ws.got_text();
        }
        co_return ec;
    }
    awaitable<void> close(websocket::close_reason why) override { co_await ws.async_close(why, use_awaitable); }
    awaitable<void> close_ignoring_errors(websocket::close_reason why) override {
        co_await ws.async_close(why, asio::as_tuple(use_awaitable));
    }
    int close_code() const override { return ws.reason().code; }
    std::string server_name() override {
        if constexpr (std::is_same_v<Next, beast::ssl_stream<beast::tcp_stream>>) {
            if (const char* name = SSL_get_servername(ws.next_layer().native_handle(), TLSEXT_NAMETYPE_host_name))
                return name;
        }
        return {};
    }
    void drop_tcp() override { beast::get_lowest_layer(ws).socket().close(); }
};

} // namespace

struct peer_conn::deflater {
    ZSTD_CCtx* zstd = nullptr;
    std::optional<z_stream> zlib;
    ~deflater() {
        if (zstd) ZSTD_freeCCtx(zstd);
        if (zlib) deflateEnd(&*zlib);
    }
};

peer_conn::peer_conn(std::unique_ptr<transport> t, std::string tgt)
    : target(std::move(tgt)), t_(std::move(t)), z_(std::make_unique<deflater>()) {
    if (target.find("encoding=etf") != std::string::npos) enc = dgw::Encoding::Etf;
    if (target.find("compress=zstd-stream") != std::string::npos) {
        comp = dgw::transport_compression::zstd_stream;
        z_->zstd = ZSTD_createCCtx();
    } else if (target.find("compress=zlib-stream") != std::string::npos) {
        comp = dgw::transport_compression::zlib_stream;
        z_->zlib.emplace();
        *z_->zlib = z_stream{};
        BOOST_REQUIRE_EQUAL(deflateInit(&*z_->zlib, Z_DEFAULT_COMPRESSION), Z_OK);
    }
}

peer_conn::~peer_conn() = default;

std::string peer_conn::compress(const std::string& in) {
    std::string out;
    if (comp == dgw::transport_compression::zstd_stream) {
        out.resize(ZSTD_compressBound(in.size()) + 64);
        ZSTD_inBuffer src{in.data(), in.size(), 0};
        ZSTD_outBuffer dst{out.data(), out.size(), 0};
        const std::size_t r = ZSTD_compressStream2(z_->zstd, &dst, &src, ZSTD_e_flush);
        BOOST_REQUIRE(!ZSTD_isError(r) && r == 0);
        out.resize(dst.pos);
    } else {
        out.resize(in.size() + in.size() / 2 + 64);
        z_stream& z = *z_->zlib;
        z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
        z.avail_in = static_cast<uInt>(in.size());
        z.next_out = reinterpret_cast<Bytef*>(out.data());
        z.avail_out = static_cast<uInt>(out.size());
        BOOST_REQUIRE_EQUAL(deflate(&z, Z_SYNC_FLUSH), Z_OK);
        out.resize(out.size() - z.avail_out);
    }
    return out;
}

awaitable<void> peer_conn::send(json::object msg) {
    std::string bytes;
    if (enc == dgw::Encoding::Json) bytes = json::serialize(msg);
    else dgw::etf::from_json(msg, bytes, {.atom_keys = true}); // as Discord writes ETF
    if (comp != dgw::transport_compression::none) bytes = compress(bytes);
    co_await t_->write(bytes, comp != dgw::transport_compression::none || enc == dgw::Encoding::Etf);
}

awaitable<void> peer_conn::dispatch(const char* t, int s, json::object d) {
    co_await send(envelope(t, s, std::move(d)));
}

awaitable<std::optional<json::object>> peer_conn::recv(bool heartbeats_too) {
    for (;;) {
        std::string bytes;
        bool text = false;
        const boost::system::error_code ec = co_await t_->read(bytes, text);
        if (ec) {
            ended = ec;
            co_return std::nullopt;
        }
        if (budget && !within_budget()) {
            budget_exceeded = true;
            co_await t_->close_ignoring_errors(
                websocket::close_reason(static_cast<websocket::close_code>(4008), "You are being rate limited."));
            ended = websocket::error::closed;
            co_return std::nullopt;
        }
        json::value v;
        if (enc == dgw::Encoding::Json) {
            BOOST_CHECK(text);
            v = json::parse(bytes);
        } else {
            BOOST_CHECK(!text); // got_binary()
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

bool peer_conn::within_budget() {
    const auto now = std::chrono::steady_clock::now();
    while (!budget_log.empty() && now - budget_log.front() >= budget->window) budget_log.pop_front();
    budget_log.push_back(now);
    budget_max = std::max(budget_max, budget_log.size());
    return budget_log.size() <= budget->limit;
}

awaitable<void> peer_conn::send_raw(std::string_view bytes, bool binary) { co_await t_->write(bytes, binary); }

awaitable<json::object> peer_conn::open_session(json::object ready, int beat_ms) {
    co_await send(hello(beat_ms));
    json::object id = co_await expect(2);
    co_await dispatch("READY", 1, std::move(ready));
    co_return id;
}

awaitable<json::object> peer_conn::expect(int op, bool heartbeats_too) {
    std::optional<json::object> m = co_await recv(heartbeats_too);
    BOOST_REQUIRE_MESSAGE(m, "the connection ended while op " << op << " was expected");
    BOOST_REQUIRE_EQUAL(m->at("op").to_number<int>(), op);
    co_return std::move(*m);
}

awaitable<void> peer_conn::close(int code, std::string reason) {
    co_await t_->close(websocket::close_reason(static_cast<websocket::close_code>(code), reason));
}

int peer_conn::close_code() const { return t_->close_code(); }
bool peer_conn::client_closed() const { return ended == websocket::error::closed; }
std::string peer_conn::server_name() const { return t_->server_name(); }
void peer_conn::drop_tcp() { t_->drop_tcp(); }

namespace {

/// Reads the websocket upgrade request, sets the connection up from the query the client
/// sent, and accepts.
template <class Next> awaitable<std::unique_ptr<peer_conn>> upgrade(std::unique_ptr<ws_transport<Next>> t) {
    beast::flat_buffer buf;
    beast::http::request<beast::http::string_body> req;
    co_await beast::http::async_read(t->ws.next_layer(), buf, req, use_awaitable);
    auto& ws = t->ws; // owned by the peer_conn from here on
    auto c = std::make_unique<peer_conn>(std::move(t), std::string(req.target()));
    co_await ws.async_accept(req, use_awaitable);
    co_return c;
}

} // namespace

awaitable<std::unique_ptr<peer_conn>> accept(tcp::acceptor& acc) {
    tcp::socket s = co_await acc.async_accept(use_awaitable);
    co_return co_await upgrade(std::make_unique<ws_transport<beast::tcp_stream>>(std::move(s)));
}

awaitable<std::unique_ptr<tls_peer_conn>> accept_tls(tcp::acceptor& acc, ssl::context& tls) {
    tcp::socket s = co_await acc.async_accept(use_awaitable);
    using tls_stream = beast::ssl_stream<beast::tcp_stream>;
    auto t = std::make_unique<ws_transport<tls_stream>>(beast::tcp_stream(std::move(s)), tls);
    co_await t->ws.next_layer().async_handshake(ssl::stream_base::server, use_awaitable);
    co_return co_await upgrade(std::move(t));
}

std::string str(const json::value& v) { return std::string(v.as_string()); }

json::object ready_for(const std::string& id, const std::string& resume_url) {
    json::object r = fixture_d("READY");
    r["session_id"] = id;
    r["resume_gateway_url"] = resume_url;
    return r;
}

// ---- session -----------------------------------------------------------------------------

session::session() : acc(io, {asio::ip::make_address("127.0.0.1"), 0}) {}

std::string session::base() const { return "ws://127.0.0.1:" + std::to_string(acc.local_endpoint().port()); }

dgw::shard_options session::options(dgw::Encoding enc, dgw::transport_compression comp) {
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

void session::drive(std::function<void()> start, std::function<void()> abort, awaitable<void> script) {
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

void session::run(dgw::shard& sh, awaitable<void> script) {
    sh.on_stop([&](const dgw::stop& s) {
        stopped = s;
        notify();
    });
    drive([&] { sh.start(); }, [&] { sh.shutdown(); }, std::move(script));
}

dgw::shard_options tls_session::tls_options(dgw::Encoding enc, dgw::transport_compression comp) {
    auto o = options(enc, comp);
    o.client.gateway_url = "wss://" + host + ":" + std::to_string(acc.local_endpoint().port());
    o.tls = &client_tls;
    return o;
}

// ---- stall_gateway -----------------------------------------------------------------------

struct stall_gateway::server {
    explicit server(stall mode) : mode_(mode) {}

    awaitable<void> serve() {
        for (;;) {
            auto [ec, sock] = co_await acc_.async_accept(asio::as_tuple(use_awaitable));
            if (ec) co_return;
            {
                std::lock_guard lock(m_);
                arrivals_.push_back(steady::now());
            }
            ++connections_;
            asio::co_spawn(io_, one(std::move(sock)), asio::detached);
        }
    }

    awaitable<void> one(tcp::socket sock) {
        if (mode_ == stall::tcp_silent) {
            char b[512];
            for (;;) {
                auto [ec, n] = co_await sock.async_read_some(asio::buffer(b), asio::as_tuple(use_awaitable));
                if (ec) co_return;
            }
        }
        websocket::stream<beast::tcp_stream> ws(std::move(sock));
        auto [aec] = co_await ws.async_accept(asio::as_tuple(use_awaitable));
        if (aec) co_return;
        auto say = [&](const json::object& m) -> awaitable<bool> {
            const std::string text = json::serialize(m);
            auto [wec, n] = co_await ws.async_write(asio::buffer(text), asio::as_tuple(use_awaitable));
            co_return !wec;
        };
        if (mode_ != stall::no_hello && !co_await say(hello(45000))) co_return;
        for (;;) {
            beast::flat_buffer buf;
            auto [ec, n] = co_await ws.async_read(buf, asio::as_tuple(use_awaitable));
            if (ec) co_return;
            if (mode_ == stall::no_hello || mode_ == stall::no_ready) continue;
            const auto v = json::parse(beast::buffers_to_string(buf.data()));
            if (v.at("op").to_number<int>() != 2) continue;
            json::object ready = fixture_d("READY");
            ready["session_id"] = "stall-session";
            if (!co_await say(envelope("READY", 1, ready))) co_return;
            if (mode_ == stall::deaf_after_op9 || mode_ == stall::deaf_session) {
                if (mode_ == stall::deaf_after_op9) co_await say(invalid_session_op());
                asio::steady_timer forever(io_, 1h); // hold the socket, read nothing
                co_await forever.async_wait(asio::as_tuple(use_awaitable));
                co_return;
            }
        }
    }

    asio::io_context io_;
    tcp::acceptor acc_{io_, {asio::ip::make_address("127.0.0.1"), 0}};
    unsigned short port_ = acc_.local_endpoint().port();
    stall mode_;
    std::atomic<int> connections_{0};
    mutable std::mutex m_;
    std::vector<steady::time_point> arrivals_;
    std::thread thread_;
};

stall_gateway::stall_gateway(stall mode) : s_(std::make_unique<server>(mode)) {
    asio::co_spawn(s_->io_, s_->serve(), asio::detached);
    s_->thread_ = std::thread([s = s_.get()] { s->io_.run(); });
}

stall_gateway::~stall_gateway() {
    s_->io_.stop();
    s_->thread_.join();
}

std::string stall_gateway::url() const { return "ws://127.0.0.1:" + std::to_string(s_->port_); }
std::string stall_gateway::wss_url() const { return "wss://localhost:" + std::to_string(s_->port_); }
int stall_gateway::connections() const { return s_->connections_.load(); }
std::vector<steady::time_point> stall_gateway::arrivals() const {
    std::lock_guard lock(s_->m_);
    return s_->arrivals_;
}

} // namespace gateway_peer
