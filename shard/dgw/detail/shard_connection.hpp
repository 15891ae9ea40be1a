#pragma once
/// One websocket connection of a shard and the states of its life (internal: the shard
/// files that touch the socket; this is where Beast comes in).

#include <dgw/detail/net_url.hpp>
#include <dgw/detail/shard_impl.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <utility>
#include <variant>

namespace dgw {

// A connection's life, one state at a time, each holding only what is valid in it (as
// the client's, client_state.hpp). Not nested in the connection: GCC 12 finds a variant of
// nested structs with member initializers not default-constructible there.
namespace detail::connection_state {

/// Resolve, TCP connect, TLS and the websocket handshake, in that order.
struct connecting {
    shard_phase step = shard_phase::resolving;
};
/// Handshake done: reading, and writing the queue in order.
struct open {
    bool writing = false; // Beast allows one async_write at a time
};
/// Our close handshake: the frame is sent (or waits for the write in flight), and the
/// gateway's answer is awaited until close_timeout cuts the socket.
struct closing {
    boost::beast::websocket::close_reason frame;
    bool ends_session = false; // 1000 or 1001 (a shutdown): quiesce() lets this close finish
    bool behind_write = false; // the frame goes out when that write completes
};
/// The socket is closed; operations still in flight complete with errors.
struct closed {
    // A connection cut before it opened keeps showing its step in phase() until the
    // failure has been handled (then the client's state or backing_off take over).
    std::optional<shard_phase> cut_in;
};

} // namespace detail::connection_state

/// Handlers hold a connection alive and compare `gen` with the shard's to know whether
/// they still matter.
struct shard::impl::connection {
    using plain_ws = boost::beast::websocket::stream<boost::beast::tcp_stream>;
    using tls_ws = boost::beast::websocket::stream<boost::beast::ssl_stream<boost::beast::tcp_stream>>;

    using connecting = detail::connection_state::connecting;
    using open = detail::connection_state::open;
    using closing = detail::connection_state::closing;
    using closed = detail::connection_state::closed;
    using life = std::variant<connecting, open, closing, closed>;

    std::uint64_t gen;
    detail::net_endpoint where;
    boost::asio::ip::tcp::resolver resolver;
    std::unique_ptr<plain_ws> plain;
    std::unique_ptr<tls_ws> secure;
    boost::beast::flat_buffer buffer;
    // Outside the states: the frame at the front may be in flight, and its bytes must
    // outlive the write whatever happens to the connection meanwhile.
    std::deque<frame> outq;
    // Bounds the connect steps, later the close handshake. Beast's own timeouts are
    // off: a failed handshake would leave its timer pending until it expired, and
    // io.run() would not return after a shutdown.
    boost::asio::steady_timer deadline;
    life state;
    // History rather than state: a 1006 after any message is a lost connection, not a
    // failed attempt, whichever state the connection ended in.
    bool got_message = false;
    // A message went to shard_options::observe_wire: the next is not the connection's first.
    bool observed = false;

    connection(boost::asio::io_context& io, std::uint64_t g, detail::net_endpoint e)
        : gen(g), where(std::move(e)), resolver(io), deadline(io) {}

    template <class F> void with_ws(F&& f) {
        if (secure) f(*secure);
        else f(*plain);
    }

    template <class S> bool is() const noexcept { return std::holds_alternative<S>(state); }
    template <class S> S* as() noexcept { return std::get_if<S>(&state); }
    template <class S> const S* as() const noexcept { return std::get_if<S>(&state); }
};

} // namespace dgw
