// Endings: a connection's close handshake and teardown, and the shard's stop.

#include <dgw/detail/shard_connection.hpp>

#include <dgw/protocol_error.hpp>

#include <string>
#include <utility>

namespace dgw {

// ---- one connection ---------------------------------------------------------------------

void shard::impl::close(const conn_ptr& c, int code, const std::string& reason) {
    if (c->is<connection::connecting>()) return teardown(c);
    auto* o = c->as<connection::open>();
    if (!o) return; // closing or closed already
    const bool writing = o->writing;
    connection::closing next;
    next.frame.code = static_cast<std::uint16_t>(code);
    next.frame.reason = reason.substr(0, 123); // the close frame's limit
    next.ends_session = code == 1000 || code == 1001;
    next.behind_write = writing;
    c->state = std::move(next);
    // The gateway gets close_timeout to answer our close frame (a write in progress
    // included); then the socket is cut, so a silent peer cannot hold the shard.
    c->deadline.expires_after(opt.close_timeout);
    c->deadline.async_wait([self = shared_from_this(), c](boost::system::error_code ec) {
        if (!ec) self->teardown(c);
    });
    if (!writing) close_now(c);
}

void shard::impl::close_now(const conn_ptr& c) {
    const auto why = std::get<connection::closing>(c->state).frame;
    if (opt.observe_wire)
        observe_close(*c, capture_direction::sent, why.code, std::string_view(why.reason.data(), why.reason.size()));
    c->with_ws([&](auto& ws) {
        // Runs even after the shard moved on to a new connection: it owns this socket.
        ws.async_close(why, [self = shared_from_this(), c](boost::system::error_code) { self->teardown(c); });
    });
}

void shard::impl::teardown(const conn_ptr& c) {
    if (c->is<connection::closed>()) return;
    const auto* connecting = c->as<connection::connecting>();
    c->state = connection::closed{connecting ? std::optional(connecting->step) : std::nullopt};
    c->resolver.cancel();
    c->deadline.cancel();
    boost::system::error_code ignored;
    c->with_ws([&](auto& ws) { boost::beast::get_lowest_layer(ws).socket().close(ignored); });
}

// ---- the shard ---------------------------------------------------------------------------

/// Cancels everything the shard has pending; only a connection closing with the
/// shutdown's 1000 keeps going, bounded by its close deadline.
void shard::impl::quiesce() {
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
    if (!conn) return;
    const auto* closing = conn->as<connection::closing>();
    if (!closing || !closing->ends_session) teardown(conn);
}

void shard::impl::finish(stop s) {
    if (stopped) return;
    stopped = true;
    quiesce();
    log(s.reason == make_error_code(protocol_errc::shutdown) ? log_level::info : log_level::error,
        "stopped: " + s.detail);
    if (stop_cb) stop_cb(s);
}

void shard::impl::shutdown() {
    if (!started || stopped || dead) return;
    perform(cl->shutdown(now()));
    // Between connections the client is already closed and says nothing: stop here.
    if (!stopped) finish(stop{make_error_code(protocol_errc::shutdown), 0, "shutdown requested"});
}

void shard::impl::abandon() {
    dead = true;
    stopped = true;
    quiesce();
    if (conn) teardown(conn);
}

} // namespace dgw
