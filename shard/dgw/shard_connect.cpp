// From a URL to an open websocket: resolve, TCP, TLS, the websocket handshake, under one
// deadline; and what a failed attempt tells the client.

#include <dgw/detail/shard_connection.hpp>
#include <dgw/detail/tls_client.hpp>

#include <boost/asio/ssl.hpp>

#include <algorithm>
#include <string>
#include <utility>

namespace dgw {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

} // namespace

asio::ssl::context& shard::impl::tls_context() {
    if (opt.tls) return *opt.tls;
    if (!own_tls) own_tls = detail::default_tls_context();
    return *own_tls;
}

std::optional<shard_phase> shard::impl::connect_step() const noexcept {
    if (!conn) return std::nullopt;
    if (const auto* s = conn->as<connection::connecting>()) return s->step;
    if (const auto* s = conn->as<connection::closed>()) return s->cut_in;
    return std::nullopt;
}

void shard::impl::connect(const std::string& url) {
    ++gen;
    // A connection we are closing finishes its close handshake on its own (bounded by
    // close_timeout), so the gateway sees our close code; any other goes now.
    if (conn) {
        if (conn->is<connection::closing>()) lingering.push_back(conn);
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
    if (c->where.tls) c->secure = std::make_unique<connection::tls_ws>(io, tls_context());
    else c->plain = std::make_unique<connection::plain_ws>(io);
    if (dec) dec->reset();
    log(log_level::info, "connecting to " + c->where.host + ":" + c->where.port);

    // One deadline for resolve, connect, TLS and the websocket handshake.
    c->deadline.expires_after(opt.connect_timeout);
    c->deadline.async_wait([self = shared_from_this(), c](boost::system::error_code ec) {
        if (ec || !c->is<connection::connecting>()) return;
        self->teardown(c); // the pending step fails with operation_aborted
    });
    c->resolver.async_resolve(c->where.host, c->where.port,
                              [self = shared_from_this(), c](boost::system::error_code ec, tcp::resolver::results_type r) {
                                  if (ec) return self->connect_failed(c, "resolve", ec);
                                  self->on_resolved(c, r);
                              });
}

template <class Endpoints> void shard::impl::on_resolved(const conn_ptr& c, const Endpoints& r) {
    auto* s = c->as<connection::connecting>();
    if (!s) return connect_failed(c, "connect", asio::error::operation_aborted);
    s->step = shard_phase::connecting;
    c->with_ws([&](auto& ws) {
        beast::get_lowest_layer(ws).async_connect(r, [self = shared_from_this(), c](boost::system::error_code ec,
                                                                                  const tcp::endpoint&) {
            if (ec) return self->connect_failed(c, "connect", ec);
            self->on_tcp(c);
        });
    });
}

void shard::impl::on_tcp(const conn_ptr& c) {
    auto* s = c->as<connection::connecting>();
    if (!s) return connect_failed(c, "tls handshake", asio::error::operation_aborted);
    if (!c->secure) return ws_handshake(c);
    s->step = shard_phase::tls_handshake;
    auto& tls = c->secure->next_layer();
    if (boost::system::error_code ec; !detail::prepare_tls(tls, c->where.host, ec)) return connect_failed(c, "tls", ec);
    tls.async_handshake(asio::ssl::stream_base::client, [self = shared_from_this(), c](boost::system::error_code ec) {
        if (ec) return self->connect_failed(c, "tls handshake", ec);
        self->ws_handshake(c);
    });
}

void shard::impl::ws_handshake(const conn_ptr& c) {
    auto* s = c->as<connection::connecting>();
    if (!s) return connect_failed(c, "websocket handshake", asio::error::operation_aborted);
    s->step = shard_phase::websocket_handshake;
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

void shard::impl::on_open(const conn_ptr& c) {
    if (!c->is<connection::connecting>() || c->gen != gen) return;
    c->state = connection::open{};
    c->deadline.cancel();
    log(log_level::info, "connected");
    read(c);
    if (!c->outq.empty()) write_next(c);
    if (!stopped) perform(cl->on_open(now())); // Hello is due from here
}

void shard::impl::connect_failed(const conn_ptr& c, const char* step, boost::system::error_code ec) {
    if (dead || c->gen != gen) return;
    const bool ours = c->is<connection::closed>(); // cut by the deadline or by a shutdown
    teardown(c);
    if (stopped) return; // the shutdown cut it; nothing failed
    ++stats.connect_failures;
    const std::string why = std::string(step) + (ours ? " timed out" : " failed: " + ec.message());
    log(log_level::warning, why);
    // No websocket, so no close code: 1006 as the websocket spec says for an abnormal end.
    perform(cl->on_close(1006, why, now()));
}

} // namespace dgw
