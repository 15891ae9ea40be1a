#pragma once
/// Internals of the server shared by server.cpp (listening, HTTP, sessions, faults) and
/// connection.cpp (one websocket connection's gateway protocol). Not used elsewhere.

#include "event_feed.hpp"
#include "event_log.hpp"
#include "options.hpp"
#include "transport.hpp"
#include "wire.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace dgw::tool::serve {

class connection;

/// A gateway session: kept across connections until it ends (op 9 false, a close that
/// ends sessions, the client's 1000/1001), so that Resume can replay what was missed.
struct session {
    std::string id;
    unsigned shard = 0, shard_count = 1;
    std::uint64_t intents = 0;
    /// One entry per sequence number (s = index + 1): an event index of the feed, or -1
    /// for READY and RESUMED (never replayed).
    std::vector<std::int64_t> history;
    /// Next event of the shard's list to send.
    std::size_t cursor = 0;
    bool ended = false;
    bool feed_done_logged = false;
    std::weak_ptr<connection> conn; ///< the connection it is attached to, if any
    std::int64_t last_s() const noexcept { return static_cast<std::int64_t>(history.size()); }
};

/// Everything the server shares between connections.
struct server_state : std::enable_shared_from_this<server_state> {
    server_state(boost::asio::io_context& io_, options o, log_sink sink);

    boost::asio::io_context& io;
    options opt;
    event_log log;
    event_feed feed;
    boost::asio::ip::tcp::acceptor acceptor;
    std::optional<boost::asio::ssl::context> tls;
    std::string host; ///< as given in --listen, for the URL
    bool stopped = false;

    std::map<std::string, std::shared_ptr<session>> sessions;
    std::set<std::shared_ptr<connection>> connections; ///< websocket connections alive
    std::uint64_t next_conn = 1;
    std::uint64_t new_dispatches = 0;
    std::uint32_t session_start_remaining = 0;
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    std::map<unsigned, std::chrono::steady_clock::time_point> bucket_last; ///< identify buckets
    std::vector<bool> fault_fired;
    std::vector<std::uint64_t> fault_count; ///< dispatches counted by each after/every fault
    std::vector<std::unique_ptr<boost::asio::steady_timer>> fault_timers;

    std::string url() const;
    std::uint16_t port() const;
    std::string new_session_id();
    /// Ends `s`: Resume will get op 9 false.
    void end_session(session& s, std::string_view why);
    /// A connection wrote a new dispatch: counts it and fires `after`/`every` faults.
    void dispatch_written(connection& c);
    /// Applies fault `i` to `c`.
    void apply_fault(std::size_t i, connection& c);
    /// Applies fault `i` to every connection it targets (at/on triggers).
    void fire_broadcast(std::size_t i);
    /// The body of GET /gateway/bot.
    boost::json::object gateway_bot() const;
};

/// One websocket connection (connection.cpp).
class connection : public std::enable_shared_from_this<connection> {
public:
    connection(server_state& srv, std::unique_ptr<transport> t, std::uint64_t id, gateway_query q);
    /// Accepts the upgrade `req` and runs the gateway protocol until the connection ends.
    boost::asio::awaitable<void> run(http_request req);

    std::uint64_t id() const noexcept { return id_; }
    /// The attached session, if any.
    const std::shared_ptr<session>& sess() const noexcept { return session_; }
    bool alive() const noexcept { return !done_ && !closing_; }

    // Fault actions.
    /// Queues a non-dispatch message {t: null, s: null, op, d}; `what` names it in the log.
    void send_control(int op, boost::json::value d, std::string_view what);
    /// Queues a close frame after what is queued; `why` is logged (what the client did).
    void close_with(std::uint16_t code, std::string_view reason, std::string_view why = {});
    void drop(std::string_view why);
    void zombie() noexcept { zombie_ = true; }
    void delay_next(std::chrono::milliseconds d) noexcept { delay_ = d; }
    /// False when the transport does not allow it (not zlib-stream).
    bool split_next() noexcept;
    /// Detaches the session (it ended); the feeder stops.
    void detach() noexcept;

private:
    struct out_item {
        enum kind_t : std::uint8_t { message, dispatch, close } kind = message;
        std::string bytes;       // encoded, uncompressed
        std::int64_t s = 0;      // dispatch
        std::int64_t event = -1; // dispatch: feed index; -1 READY/RESUMED
        bool replay = false;
        std::string t;           // dispatch name
        std::uint16_t code = 0;  // close
        std::string reason;      // close
        std::string why;         // close: logged
    };

    boost::asio::awaitable<void> writer();
    boost::asio::awaitable<void> feeder(std::shared_ptr<session> s, std::int64_t replay_after);
    boost::asio::awaitable<void> heartbeat_watch();
    void handle(std::string_view bytes);
    void on_heartbeat(const boost::json::object& msg);
    void on_identify(const boost::json::object& d);
    void on_resume(const boost::json::object& d);
    void invalid_session(bool resumable, std::string_view why);
    void enqueue(out_item item);
    void start_feeder(std::int64_t replay_after);
    boost::json::object ready(const session& s) const;
    void log_connect();
    void log_written(const out_item& it);
    void log_close_sent(const out_item& it);
    void log_end(error_code ec);
    void log_split(std::size_t first, std::size_t second);
    void log_feed_done(const session& s);
    out_item resumed_item(session& s);
    void queue_dispatch(session& s, std::int64_t k, bool replay);
    bool backlogged() const noexcept { return queue_.size() >= 4; }

    server_state& srv_;
    std::unique_ptr<transport> t_;
    std::uint64_t id_;
    gateway_query q_;
    wire_writer wire_;
    std::shared_ptr<session> session_;
    std::deque<out_item> queue_;
    boost::asio::steady_timer wake_writer_, wake_feeder_, beat_timer_, close_guard_;
    std::deque<std::chrono::steady_clock::time_point> received_; // receive times in the command window
    std::chrono::milliseconds delay_{0};
    bool split_ = false;
    bool zombie_ = false;
    bool closing_ = false; // a close frame is queued or sent: nothing more is read or fed
    bool done_ = false;
    bool server_closed_ = false;
    std::uint64_t feeder_gen_ = 0;
};

} // namespace dgw::tool::serve
