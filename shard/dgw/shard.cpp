#include <dgw/shard.hpp>

#include <dgw/commands.hpp>
#include <dgw/compress/decompressor.hpp>
#include <dgw/identify_queue.hpp>
#include <dgw/detail/net_url.hpp>
#include <dgw/protocol_error.hpp>
#include <dgw/detail/tls_client.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <algorithm>
#include <deque>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

namespace dgw {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using plain_ws = websocket::stream<beast::tcp_stream>;
using tls_ws = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

using detail::net_endpoint;

} // namespace

struct shard::impl : std::enable_shared_from_this<impl> {
    /// One websocket connection; handlers hold it alive and compare `gen` with the
    /// shard's to know whether they still matter.
    struct connection {
        std::uint64_t gen;
        net_endpoint where;
        tcp::resolver resolver;
        std::unique_ptr<plain_ws> plain;
        std::unique_ptr<tls_ws> secure;
        beast::flat_buffer buffer;
        std::deque<frame> outq;
        std::optional<websocket::close_reason> pending_close;
        // Bounds the connect steps, later the close handshake. Beast's own timeouts are
        // off: a failed handshake would leave its timer pending until it expired, and
        // io.run() would not return after a shutdown.
        asio::steady_timer deadline;
        shard_phase step = shard_phase::resolving; // until open
        bool open = false;       // websocket handshake done
        bool writing = false;    // an async_write is outstanding
        bool closing = false;    // we started (or will start) the close handshake
        bool final_close = false; // that close is the shutdown's 1000
        bool torn_down = false;  // the socket is closed
        bool got_message = false;

        connection(asio::io_context& io, std::uint64_t g, net_endpoint e)
            : gen(g), where(std::move(e)), resolver(io), deadline(io) {}

        template <class F> void with_ws(F&& f) {
            if (secure) f(*secure);
            else f(*plain);
        }
    };
    using conn_ptr = std::shared_ptr<connection>;

    asio::io_context& io;
    shard_options opt;
    event_handlers& handlers;
    std::unique_ptr<ssl::context> own_tls;
    std::unique_ptr<compress::decompressor> dec;
    std::optional<client> cl;
    conn_ptr conn;
    std::vector<std::weak_ptr<connection>> lingering; // earlier connections finishing their close
    std::uint64_t gen = 0;
    asio::steady_timer timer;           // the client's timer
    std::uint64_t timer_gen = 0;
    asio::steady_timer reconnect_timer;
    bool backing_off = false;           // reconnect_timer is pending
    std::optional<identify_queue::ticket> ticket;
    bool started = false, stopped = false, dead = false;
    shard_stats stats;
    std::function<void(const stop&)> stop_cb;
    std::function<void(const command_refused&)> refused_cb;

    impl(asio::io_context& io_, shard_options o, event_handlers& h)
        : io(io_), opt(std::move(o)), handlers(h), timer(io_), reconnect_timer(io_) {
        if (opt.client.compression != transport_compression::none) {
            compress::limits lim;
            lim.max_message_size = opt.max_message_bytes;
            dec = compress::make_decompressor(opt.client.compression == transport_compression::zlib_stream
                                                  ? compress::transport::zlib_stream
                                                  : compress::transport::zstd_stream,
                                              lim);
        }
    }

    static gateway_clock::time_point now() { return gateway_clock::now(); }

    void log(log_level level, const std::string& line) const {
        if (opt.client.log) opt.client.log(level, "shard " + std::to_string(opt.client.identify.shard_id) + ": " + line);
    }

    ssl::context& tls_context() {
        if (opt.tls) return *opt.tls;
        if (!own_tls) own_tls = detail::default_tls_context();
        return *own_tls;
    }

    shard_phase phase() const noexcept {
        if (stopped) return shard_phase::stopped;
        if (!started) return shard_phase::idle;
        if (backing_off) return shard_phase::backing_off;
        if (conn && !conn->open) return conn->step;
        if (!cl) return shard_phase::idle;
        return std::visit(
            [](const auto& s) {
                using S = std::decay_t<decltype(s)>;
                if constexpr (std::is_same_v<S, state::awaiting_hello>) return shard_phase::awaiting_hello;
                else if constexpr (std::is_same_v<S, state::identifying>)
                    return s.identify_sent ? shard_phase::identifying : shard_phase::awaiting_identify_permit;
                else if constexpr (std::is_same_v<S, state::resuming>) return shard_phase::resuming;
                else if constexpr (std::is_same_v<S, state::connected>) return shard_phase::connected;
                else return shard_phase::backing_off; // closed: the reconnect is being set up
            },
            cl->state());
    }

    // ---- lifecycle ---------------------------------------------------------------------

    void start() {
        if (started || dead) return;
        started = true;
        cl.emplace(opt.client); // validates the configuration (throws on a rule it breaks)
        connect(cl->url());
    }

    /// Cancels everything the shard has pending; only a connection closing with the
    /// shutdown's 1000 keeps going, bounded by its close deadline.
    void quiesce() {
        ++timer_gen;
        timer.cancel();
        reconnect_timer.cancel();
        backing_off = false;
        stats.waiting_until.reset();
        stats.waiting_reason.clear();
        if (ticket && opt.identify) opt.identify->cancel(*ticket);
        ticket.reset();
        for (auto& w : lingering)
            if (auto c = w.lock()) teardown(c);
        lingering.clear();
        if (conn && !conn->final_close) teardown(conn);
    }

    void finish(stop s) {
        if (stopped) return;
        stopped = true;
        quiesce();
        log(s.reason == make_error_code(protocol_errc::shutdown) ? log_level::info : log_level::error,
            "stopped: " + s.detail);
        if (stop_cb) stop_cb(s);
    }

    void shutdown() {
        if (!started || stopped || dead) return;
        perform(cl->shutdown(now()));
        // Between connections the client is already closed and says nothing: stop here.
        if (!stopped) finish(stop{make_error_code(protocol_errc::shutdown), 0, "shutdown requested"});
    }

    void abandon() {
        dead = true;
        stopped = true;
        quiesce();
        if (conn) teardown(conn);
    }

    // ---- connecting --------------------------------------------------------------------

    void connect(const std::string& url) {
        ++gen;
        // A connection we are closing finishes its close handshake on its own (bounded by
        // close_timeout), so the gateway sees our close code; any other goes now.
        if (conn) {
            if (conn->closing && !conn->torn_down) lingering.push_back(conn);
            else teardown(conn);
        }
        std::erase_if(lingering, [](const std::weak_ptr<connection>& w) { return w.expired(); });
        conn.reset();
        std::string why;
        auto where = detail::parse_net_url(url, why);
        if (where && where->scheme != "ws" && where->scheme != "wss") why = "not ws:// or wss://";
        if (!where || !why.empty()) {
            finish(stop{make_error_code(protocol_errc::invalid_config), 0, "gateway URL \"" + url + "\": " + why});
            return;
        }
        ++stats.connects;
        auto c = std::make_shared<connection>(io, gen, std::move(*where));
        conn = c;
        if (c->where.tls) c->secure = std::make_unique<tls_ws>(io, tls_context());
        else c->plain = std::make_unique<plain_ws>(io);
        if (dec) dec->reset();
        log(log_level::info, "connecting to " + c->where.host + ":" + c->where.port);

        // One deadline for resolve, connect, TLS and the websocket handshake.
        c->deadline.expires_after(opt.connect_timeout);
        c->deadline.async_wait([self = shared_from_this(), c](boost::system::error_code ec) {
            if (ec || c->open || c->torn_down) return;
            self->teardown(c); // the pending step fails with operation_aborted
        });
        c->resolver.async_resolve(c->where.host, c->where.port,
                                  [self = shared_from_this(), c](boost::system::error_code ec, tcp::resolver::results_type r) {
                                      if (ec) return self->connect_failed(c, "resolve", ec);
                                      self->on_resolved(c, r);
                                  });
    }

    void on_resolved(const conn_ptr& c, const tcp::resolver::results_type& r) {
        if (c->torn_down) return connect_failed(c, "connect", asio::error::operation_aborted);
        c->step = shard_phase::connecting;
        c->with_ws([&](auto& ws) {
            beast::get_lowest_layer(ws).async_connect(r, [self = shared_from_this(), c](boost::system::error_code ec,
                                                                                      const tcp::endpoint&) {
                if (ec) return self->connect_failed(c, "connect", ec);
                self->on_tcp(c);
            });
        });
    }

    void on_tcp(const conn_ptr& c) {
        if (c->torn_down) return connect_failed(c, "tls handshake", asio::error::operation_aborted);
        if (!c->secure) return ws_handshake(c);
        c->step = shard_phase::tls_handshake;
        auto& tls = c->secure->next_layer();
        if (boost::system::error_code ec; !detail::prepare_tls(tls, c->where.host, ec)) return connect_failed(c, "tls", ec);
        tls.async_handshake(ssl::stream_base::client, [self = shared_from_this(), c](boost::system::error_code ec) {
            if (ec) return self->connect_failed(c, "tls handshake", ec);
            self->ws_handshake(c);
        });
    }

    void ws_handshake(const conn_ptr& c) {
        if (c->torn_down) return connect_failed(c, "websocket handshake", asio::error::operation_aborted);
        c->step = shard_phase::websocket_handshake;
        c->with_ws([&](auto& ws) {
            // The client detects dead connections with heartbeats, and c->deadline bounds
            // the handshakes; Beast's timers would only second-guess both.
            websocket::stream_base::timeout t{};
            t.handshake_timeout = websocket::stream_base::none();
            t.idle_timeout = websocket::stream_base::none();
            t.keep_alive_pings = false;
            ws.set_option(t);
            ws.set_option(websocket::stream_base::decorator(
                [](websocket::request_type& req) { req.set(beast::http::field::user_agent, "dgw/0.1 (Boost.Beast)"); }));
            ws.read_message_max(opt.max_message_bytes);
            ws.auto_fragment(false);
            ws.async_handshake(c->where.host_header, c->where.target,
                               [self = shared_from_this(), c](boost::system::error_code ec) {
                                   if (ec) return self->connect_failed(c, "websocket handshake", ec);
                                   self->on_open(c);
                               });
        });
    }

    void on_open(const conn_ptr& c) {
        if (c->torn_down || c->gen != gen) return;
        c->open = true;
        c->deadline.cancel();
        log(log_level::info, "connected");
        read(c);
        if (c->pending_close && !c->writing) return close_now(c);
        if (!c->outq.empty()) write_next(c);
        if (!stopped) perform(cl->on_open(now())); // Hello is due from here
    }

    void connect_failed(const conn_ptr& c, const char* step, boost::system::error_code ec) {
        if (dead || c->gen != gen) return;
        const bool ours = c->torn_down; // cut by the deadline or by a shutdown
        teardown(c);
        if (stopped) return; // the shutdown cut it; nothing failed
        ++stats.connect_failures;
        const std::string why = std::string(step) + (ours ? " timed out" : " failed: " + ec.message());
        log(log_level::warning, why);
        // No websocket, so no close code: 1006 as the websocket spec says for an abnormal end.
        perform(cl->on_close(1006, why, now()));
    }

    void teardown(const conn_ptr& c) {
        if (c->torn_down) return;
        c->torn_down = true;
        c->resolver.cancel();
        c->deadline.cancel();
        boost::system::error_code ignored;
        c->with_ws([&](auto& ws) { beast::get_lowest_layer(ws).socket().close(ignored); });
    }

    // ---- reading -----------------------------------------------------------------------

    void read(const conn_ptr& c) {
        c->with_ws([&](auto& ws) {
            ws.async_read(c->buffer, [self = shared_from_this(), c](boost::system::error_code ec, std::size_t) {
                self->on_read(c, ec);
            });
        });
    }

    void on_read(const conn_ptr& c, boost::system::error_code ec) {
        if (dead || c->gen != gen) return;
        if (ec) return connection_lost(c, ec);
        c->got_message = true;
        const auto data = c->buffer.cdata();
        std::string_view bytes(static_cast<const char*>(data.data()), data.size());
        if (dec) {
            const compress::result r = dec->feed(bytes);
            if (r.failed()) {
                // The stream state is lost; so is this connection (the session is not).
                const std::string why = "transport decompression failed at byte " + std::to_string(r.offset) + ": " +
                                        r.error.message();
                log(log_level::warning, why);
                close_and_lose(c, why);
                return;
            }
            c->buffer.consume(c->buffer.size());
            if (r.has_message()) deliver(r.message);
        } else {
            deliver(bytes);
            c->buffer.consume(c->buffer.size());
        }
        if (c->gen == gen && !c->closing && !c->torn_down) read(c);
    }

    void deliver(std::string_view message) {
        ++stats.messages;
        perform(cl->on_message(message, now()));
    }

    void connection_lost(const conn_ptr& c, boost::system::error_code ec) {
        int code = 1006;
        std::string reason;
        c->with_ws([&](auto& ws) {
            if (ec == websocket::error::closed) {
                code = ws.reason().code;
                reason = std::string(ws.reason().reason.data(), ws.reason().reason.size());
            }
        });
        if (code == 1006 && !c->got_message) ++stats.connect_failures;
        teardown(c);
        log(log_level::info, "connection ended (" + (ec == websocket::error::closed ? "close " + std::to_string(code)
                                                                                       : ec.message()) + ")");
        if (!stopped) perform(cl->on_close(code, reason, now()));
    }

    // Our side gives up on a connection the client still thinks is fine.
    void close_and_lose(const conn_ptr& c, const std::string& why) {
        teardown(c);
        if (!stopped) perform(cl->on_close(1006, why, now()));
    }

    // ---- writing and closing -----------------------------------------------------------

    void enqueue(frame f) {
        const auto& c = conn;
        if (!c || c->torn_down || c->closing) {
            log(log_level::warning, "frame dropped: no open connection");
            return;
        }
        c->outq.push_back(std::move(f));
        if (c->open && !c->writing) write_next(c);
    }

    void write_next(const conn_ptr& c) {
        c->writing = true;
        const frame& f = c->outq.front();
        c->with_ws([&](auto& ws) {
            ws.binary(f.binary);
            ws.async_write(asio::buffer(f.bytes), [self = shared_from_this(), c](boost::system::error_code ec, std::size_t) {
                c->writing = false;
                if (ec) return; // the read side reports the loss
                c->outq.pop_front();
                ++self->stats.frames_sent;
                if (c->torn_down) return;
                if (c->pending_close) return self->close_now(c);
                if (!c->outq.empty()) self->write_next(c);
            });
        });
    }

    void close(const conn_ptr& c, int code, const std::string& reason) {
        if (c->closing || c->torn_down) return;
        c->closing = true;
        c->final_close = code == 1000 || code == 1001;
        websocket::close_reason why;
        why.code = static_cast<std::uint16_t>(code);
        why.reason = reason.substr(0, 123); // the close frame's limit
        c->pending_close = why;
        if (!c->open) return teardown(c);
        // The gateway gets close_timeout to answer our close frame (a write in progress
        // included); then the socket is cut, so a silent peer cannot hold the shard.
        c->deadline.expires_after(opt.close_timeout);
        c->deadline.async_wait([self = shared_from_this(), c](boost::system::error_code ec) {
            if (!ec) self->teardown(c);
        });
        if (!c->writing) close_now(c);
    }

    void close_now(const conn_ptr& c) {
        const websocket::close_reason why = *c->pending_close;
        c->with_ws([&](auto& ws) {
            // Runs even after the shard moved on to a new connection: it owns this socket.
            ws.async_close(why, [self = shared_from_this(), c](boost::system::error_code) { self->teardown(c); });
        });
    }

    // Both send paths: refuse when there is no client to take the command, otherwise let
    // the client decide; a refusal is its command_refused action, performed like any other.
    template <class Submit> void send_through(Opcode op, Submit submit) {
        if (!cl || stopped) {
            if (refused_cb)
                refused_cb(command_refused{make_error_code(protocol_errc::client_closed), op,
                                           stopped ? "the shard has stopped" : "the shard has not started"});
            return;
        }
        perform(submit(*cl));
    }

    // ---- the client's actions ----------------------------------------------------------

    void perform(std::vector<action> actions) {
        for (auto& a : actions) {
            // A handler may shut the shard down halfway through a batch (READY's handler
            // calling shutdown() is common): the rest of the batch would re-arm the
            // heartbeat timer and keep io.run() alive for a whole interval.
            if (dead || stopped) return;
            std::visit([&](auto& x) { act(x); }, a);
        }
    }

    void act(send_frame& s) { enqueue(std::move(s.message)); }

    void act(set_timer& t) {
        const std::uint64_t tg = ++timer_gen;
        timer.expires_at(t.at);
        timer.async_wait([self = shared_from_this(), tg](boost::system::error_code ec) {
            if (ec || self->dead || self->stopped || tg != self->timer_gen || !self->cl) return;
            self->perform(self->cl->on_timer(now()));
        });
    }

    void act(cancel_timer&) {
        ++timer_gen;
        timer.cancel();
    }

    void act(close_socket& c) {
        if (conn) close(conn, c.code, c.reason);
    }

    void act(deliver_event& e) { handlers.dispatch(e); }
    void act(event_decode_failed& e) { handlers.dispatch(e); }

    void act(request_identify& r) {
        const std::uint64_t g = gen;
        auto grant = [w = weak_from_this(), g] {
            // May run inside request() or on another thread: always continue on the io_context.
            if (auto self = w.lock())
                asio::post(self->io, [self, g] {
                    if (self->dead || self->stopped || g != self->gen || !self->cl) return;
                    self->ticket.reset();
                    self->perform(self->cl->on_identify_granted(now()));
                });
        };
        if (opt.identify) ticket = opt.identify->request(r.shard_id, std::move(grant));
        else grant();
    }

    void act(cancel_identify&) {
        if (ticket && opt.identify) opt.identify->cancel(*ticket);
        ticket.reset();
    }

    void act(reconnect& r) {
        if (r.resume) ++stats.resumes;
        stats.short_lived_streak = r.short_lived_streak;
        // The client chose the delay (back-off after short-lived connections, op 9's wait);
        // the shard only waits it out.
        std::string why = std::string(r.resume ? "resuming" : "identifying") + " in " + std::to_string(r.delay.count()) +
                          " ms";
        if (r.delay.count() > 0 && r.short_lived_streak >= 2) {
            ++stats.backoffs;
            why = "backing off " + std::to_string(r.delay.count()) + " ms after " +
                  std::to_string(r.short_lived_streak) + " short-lived connections, then " +
                  (r.resume ? "resuming" : "identifying");
        }
        log(r.delay.count() > 0 && r.short_lived_streak >= 2 ? log_level::warning : log_level::info, why);
        ++timer_gen;
        timer.cancel();
        backing_off = true;
        stats.waiting_until = now() + r.delay;
        stats.waiting_reason = why;
        reconnect_timer.expires_after(r.delay);
        reconnect_timer.async_wait([self = shared_from_this(), url = r.url](boost::system::error_code ec) {
            if (ec || self->dead || self->stopped) return;
            self->backing_off = false;
            self->stats.waiting_until.reset();
            self->stats.waiting_reason.clear();
            // The dead client is the parent: the next one resumes its session if it can.
            client next(self->opt.client, *self->cl);
            self->cl.emplace(std::move(next));
            self->connect(url);
        });
    }

    void act(stop& s) { finish(std::move(s)); }

    void act(command_refused& r) {
        log(log_level::warning, "command refused: " + r.detail);
        if (refused_cb) refused_cb(r);
    }
};

const char* to_string(shard_phase p) noexcept {
    switch (p) {
    case shard_phase::idle: return "idle";
    case shard_phase::resolving: return "resolving";
    case shard_phase::connecting: return "connecting";
    case shard_phase::tls_handshake: return "tls_handshake";
    case shard_phase::websocket_handshake: return "websocket_handshake";
    case shard_phase::awaiting_hello: return "awaiting_hello";
    case shard_phase::awaiting_identify_permit: return "awaiting_identify_permit";
    case shard_phase::identifying: return "identifying";
    case shard_phase::resuming: return "resuming";
    case shard_phase::connected: return "connected";
    case shard_phase::backing_off: return "backing_off";
    case shard_phase::stopped: return "stopped";
    }
    return "?";
}

shard::shard(boost::asio::io_context& io, shard_options options, event_handlers& handlers)
    : impl_(std::make_shared<impl>(io, std::move(options), handlers)) {}

shard::~shard() {
    if (impl_) impl_->abandon();
}

void shard::start() { impl_->start(); }
void shard::shutdown() { impl_->shutdown(); }

void shard::send(command cmd) {
    const Opcode op = cmd.op;
    impl_->send_through(op, [&](client& c) { return c.send(std::move(cmd), impl::now()); });
}

void shard::submit(encoded_command cmd) {
    const Opcode op = cmd.op;
    impl_->send_through(op, [&](client& c) {
        cmd.now = impl::now();
        return c.step(std::move(cmd));
    });
}

Encoding shard::encoding() const noexcept { return impl_->opt.client.encoding; }

void shard::on_stop(std::function<void(const stop&)> cb) { impl_->stop_cb = std::move(cb); }
void shard::on_command_refused(std::function<void(const command_refused&)> cb) { impl_->refused_cb = std::move(cb); }
bool shard::running() const noexcept { return impl_->started && !impl_->stopped; }
shard_phase shard::phase() const noexcept { return impl_->phase(); }
const client* shard::current_client() const noexcept { return impl_->cl ? &*impl_->cl : nullptr; }
const shard_stats& shard::stats() const noexcept { return impl_->stats; }

} // namespace dgw
