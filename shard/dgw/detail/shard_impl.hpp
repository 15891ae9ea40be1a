#pragma once
/// The shard's implementation (internal: the shard*.cpp files).
///
/// The connection itself is declared in shard_connection.hpp, so that only the files that
/// touch the socket compile Beast; this header needs Asio's timer and no more.

#include <dgw/compress/decompressor.hpp>
#include <dgw/identify_queue.hpp>
#include <dgw/protocol_error.hpp>
#include <dgw/shard.hpp>

#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dgw {

struct shard::impl : std::enable_shared_from_this<impl> {
    struct connection;
    using conn_ptr = std::shared_ptr<connection>;

    boost::asio::io_context& io;
    shard_options opt;
    event_handlers& handlers;
    std::unique_ptr<boost::asio::ssl::context> own_tls;
    std::unique_ptr<compress::decompressor> dec;
    std::optional<client> cl;
    conn_ptr conn;
    std::vector<std::weak_ptr<connection>> lingering; // earlier connections finishing their close
    std::uint64_t gen = 0;
    boost::asio::steady_timer timer; // the client's timer
    std::uint64_t timer_gen = 0;
    boost::asio::steady_timer reconnect_timer;
    bool backing_off = false; // reconnect_timer is pending
    std::optional<identify_queue::ticket> ticket;
    bool started = false, stopped = false, dead = false;
    shard_stats stats;
    std::function<void(const stop&)> stop_cb;
    std::function<void(const command_refused&)> refused_cb;

    // Out of line: ssl::context is incomplete here.
    impl(boost::asio::io_context& io_, shard_options o, event_handlers& h);
    ~impl();

    static gateway_clock::time_point now() { return gateway_clock::now(); }
    void log(log_level level, const std::string& line) const;
    shard_phase phase() const noexcept;

    // shard.cpp
    void start();

    // shard_close.cpp: ending connections, and the shard
    void quiesce();
    void finish(stop s);
    void shutdown();
    void abandon();
    void close(const conn_ptr& c, int code, const std::string& reason);
    void close_now(const conn_ptr& c);
    void teardown(const conn_ptr& c);

    // shard_connect.cpp: from a URL to an open websocket
    boost::asio::ssl::context& tls_context();
    void connect(const std::string& url);
    /// The connect step of the current connection, or the one it was cut in; empty once open.
    std::optional<shard_phase> connect_step() const noexcept;
    // A template only so that this header needs no resolver type; shard_connect.cpp alone
    // instantiates it.
    template <class Endpoints> void on_resolved(const conn_ptr& c, const Endpoints& r);
    void on_tcp(const conn_ptr& c);
    void ws_handshake(const conn_ptr& c);
    void on_open(const conn_ptr& c);
    void connect_failed(const conn_ptr& c, const char* step, boost::system::error_code ec);

    // shard_io.cpp: messages in, frames out
    void read(const conn_ptr& c);
    void on_read(const conn_ptr& c, boost::system::error_code ec);
    void deliver(std::string_view message);
    void connection_lost(const conn_ptr& c, boost::system::error_code ec);
    void close_and_lose(const conn_ptr& c, const std::string& why);
    void enqueue(frame f);
    /// Hands one message to opt.observe_wire (which the caller checked is set).
    void observe(connection& c, capture_direction d, wire_frame f, std::string_view bytes);
    /// As observe(), for a close frame with this code and reason.
    void observe_close(connection& c, capture_direction d, int code, std::string_view reason);
    void write_next(const conn_ptr& c);

    // shard_actions.cpp: what the client asks for
    void perform(std::vector<action> actions);
    void act(send_frame& s);
    void act(set_timer& t);
    void act(cancel_timer&);
    void act(close_socket& c);
    void act(deliver_event& e);
    void act(event_decode_failed& e);
    void act(request_identify& r);
    void act(cancel_identify&);
    void act(reconnect& r);
    void act(stop& s);
    void act(command_refused& r);

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
};

} // namespace dgw
