#pragma once
/// The client's inputs and outputs: what the driver feeds in and what it must then do.
///
/// The driver (a shard with a websocket, or a test) owns every side effect. It passes
/// inputs with the current time and performs the returned actions in order.

#include <dgw/wire_options.hpp>
#include <dgw/outbound.hpp>

#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace dgw {

/// The clock the client's time points come from.
using gateway_clock = std::chrono::steady_clock;

// ---- inputs --------------------------------------------------------------------------

/// One complete gateway message (decompressed), as received.
struct message_received {
    std::string_view bytes;     ///< JSON text or ETF bytes; only read during step()
    gateway_clock::time_point now; ///< when it arrived
};

/// The websocket closed, by the server or by the network (pass 1006 when there was no close frame).
struct socket_closed {
    int code = 1006;               ///< the close frame's code
    std::string_view reason;       ///< the close frame's reason text (may be empty)
    gateway_clock::time_point now; ///< when the close was seen
};

/// The timer set by the last set_timer action fired (firing late or early is harmless).
struct timer_fired {
    gateway_clock::time_point now; ///< the current time (not necessarily the armed one)
};

/// The identify queue granted this client's request_identify.
struct identify_granted {
    gateway_clock::time_point now; ///< when the grant arrived
};

/// The user wants a command sent.
struct user_command {
    command cmd;                   ///< opcode and d
    gateway_clock::time_point now; ///< when it was submitted
};

/// The user wants this connection and its session ended (closes with 1000).
struct shutdown_requested {
    gateway_clock::time_point now; ///< when the user asked
};

/// Anything that can happen to a client.
using input = std::variant<message_received, socket_closed, timer_fired, identify_granted, user_command,
                           shutdown_requested>;

// ---- actions -------------------------------------------------------------------------

/// Send one websocket message.
struct send_frame {
    frame message;                  ///< bytes and frame type
    Opcode op = Opcode::Heartbeat;  ///< what it is, for logs and tests
};

/// (Re)arm the client's single timer; call step(timer_fired) at or after `at`.
struct set_timer {
    gateway_clock::time_point at; ///< the earliest useful wake-up (heartbeat or a rate-limit permit)
};

/// Disarm the timer; nothing is due any more.
struct cancel_timer {};

/// Close the websocket with this code. Never 1000/1001 unless the user shut down.
struct close_socket {
    int code = 4000;    ///< close frame code
    std::string reason; ///< close frame reason, at most 123 bytes, token-free
};

/// A dispatch (op 0) for the application; the seam where typed events will plug in.
struct deliver_event {
    std::string t;                  ///< event name; empty if null
    std::optional<std::int64_t> s;  ///< its sequence number
    std::string payload;            ///< the whole undecoded message (envelope and d)
    Encoding encoding = Encoding::Json; ///< how `payload` is encoded
};

/// Ask the identify queue for permission; answer with step(identify_granted).
struct request_identify {
    std::uint32_t shard_id = 0; ///< for identify_queue::request
};

/// Withdraw an unanswered request_identify: this connection is gone.
struct cancel_identify {
    std::uint32_t shard_id = 0; ///< the shard whose request is withdrawn
};

/// Connect again: make a new client with this one as parent, open `url` after `delay`.
struct reconnect {
    std::string url;                 ///< full URL with query
    std::chrono::milliseconds delay{0}; ///< wait this long before connecting (op 9 backoff)
    bool resume = false;             ///< the new client will Resume (else Identify)
};

/// Do not reconnect; the reason says why (shutdown, or a close code that needs a human).
struct stop {
    boost::system::error_code reason; ///< protocol_errc::shutdown or protocol_errc::fatal_close
    int close_code = 0;              ///< the server's close code, 0 if none
    std::string detail;              ///< human-readable, token-free
};

/// A user command was not accepted; nothing was sent or queued.
struct command_refused {
    boost::system::error_code reason;    ///< a protocol_errc
    Opcode op = Opcode::PresenceUpdate; ///< the refused command's opcode
    std::string detail;                  ///< e.g. the payload size; token-free
};

/// Something the driver must do, in list order.
using action = std::variant<send_frame, set_timer, cancel_timer, close_socket, deliver_event, request_identify,
                            cancel_identify, reconnect, stop, command_refused>;

} // namespace dgw
