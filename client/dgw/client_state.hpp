#pragma once
/// The client's states: each holds only what is valid in it.

#include <dgw/heartbeat.hpp>
#include <dgw/ratelimit.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

namespace dgw {

/// A time point of the client's clock (gateway_clock, std::chrono::steady_clock).
using gateway_clock_time = std::chrono::steady_clock::time_point;

/// What a Resume needs: the session from READY and the last dispatch sequence.
struct session_info {
    std::string session_id;          ///< READY d.session_id
    std::string resume_gateway_url;  ///< without query; the query is appended on use
    std::optional<std::int64_t> seq; ///< last s of a dispatch; updated before delivery
};

/// What exists once Hello arrived: the heartbeat and the command budget it sizes.
struct link {
    heartbeat beat;              ///< schedule and ACK tracking
    command_ratelimiter limiter; ///< 120/60 s budget (with its margin) sized by the interval
};

/// Why a client closed.
enum class close_cause {
    shutdown,            ///< the user asked (sent 1000)
    server_closed,       ///< the socket closed under us; see code
    reconnect_requested, ///< op 7
    invalid_session,     ///< op 9
    zombie,              ///< no op 11 before the next heartbeat
    malformed_message,   ///< a message we could not decode
    hello_timeout,       ///< no Hello within client_config::hello_timeout of the socket opening
    ready_timeout,       ///< no READY/RESUMED within client_config::ready_timeout of Identify/Resume
};

/// "shutdown", "server_closed", ...
const char* to_string(close_cause c) noexcept;

namespace state {

/// Connected socket, no Hello yet. `resume` is the parent's session when it was resumable.
struct awaiting_hello {
    std::optional<session_info> resume; ///< set: Resume after Hello; empty: Identify
    std::optional<gateway_clock_time> deadline; ///< Hello is due by then (set by socket_opened)
};

/// Hello received, Identify pending or sent; READY not yet received.
struct identifying {
    link conn;                        ///< heartbeat and budget since Hello
    bool identify_sent = false;       ///< false while waiting for the identify queue
    std::optional<std::int64_t> seq;  ///< s of dispatches before READY (none expected)
    std::optional<gateway_clock_time> deadline; ///< READY is due by then (set when Identify leaves)
};

/// Hello received and Resume sent; replayed dispatches until RESUMED.
struct resuming {
    link conn;            ///< heartbeat and budget since Hello
    session_info session; ///< the session being resumed; seq advances with replays
    std::optional<gateway_clock_time> deadline; ///< RESUMED is due by then
};

/// READY or RESUMED received: the session is live and user commands flow.
struct connected {
    link conn;            ///< heartbeat and budget since Hello
    session_info session; ///< the live session
    gateway_clock_time since{}; ///< when READY/RESUMED arrived: the connection is healthy from since + healthy_after
};

/// Dead. A new client with this one as parent resumes `resumable` if set, else identifies.
struct closed {
    std::optional<session_info> resumable;     ///< what a child resumes; empty: it identifies
    close_cause cause = close_cause::shutdown; ///< why the connection ended
    int code = 0;        ///< the close code sent or received, 0 if none
    std::string detail;  ///< human-readable reason (token-free)
};

} // namespace state

/// The client's state.
using client_state = std::variant<state::awaiting_hello, state::identifying, state::resuming, state::connected,
                                  state::closed>;

} // namespace dgw
