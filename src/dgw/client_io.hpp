#pragma once
/// The client's inputs and outputs: what the driver feeds in and what it must then do.
///
/// The driver (a shard with a websocket, or a test) owns every side effect. It passes
/// inputs with the current time and performs the returned actions in order.

#include <dgw/encoding.hpp>
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
    gateway_clock::time_point now;
};

/// The websocket closed, by the server or by the network (pass 1006 when there was no close frame).
struct socket_closed {
    int code = 1006;
    std::string_view reason;
    gateway_clock::time_point now;
};

/// The timer set by the last set_timer action fired (firing late or early is harmless).
struct timer_fired {
    gateway_clock::time_point now;
};

/// The identify queue granted this client's request_identify.
struct identify_granted {
    gateway_clock::time_point now;
};

/// The user wants a command sent.
struct user_command {
    command cmd;
    gateway_clock::time_point now;
};

/// The user wants this connection and its session ended (closes with 1000).
struct shutdown_requested {
    gateway_clock::time_point now;
};

/// Anything that can happen to a client.
using input = std::variant<message_received, socket_closed, timer_fired, identify_granted, user_command,
                           shutdown_requested>;

// ---- actions -------------------------------------------------------------------------

/// Send one websocket message.
struct send_frame {
    frame message;                  ///< bytes and frame type
    opcode op = opcode::heartbeat;  ///< what it is, for logs and tests
};

/// (Re)arm the client's single timer; call step(timer_fired) at or after `at`.
struct set_timer {
    gateway_clock::time_point at;
};

/// Disarm the timer; nothing is due any more.
struct cancel_timer {};

/// Close the websocket with this code. Never 1000/1001 unless the user shut down.
struct close_socket {
    int code = 4000;
    std::string reason;
};

/// A dispatch (op 0) for the application; the seam where typed events will plug in.
struct deliver_event {
    std::string t;                  ///< event name; empty if null
    std::optional<std::int64_t> s;  ///< its sequence number
    std::string payload;            ///< the whole undecoded message (envelope and d)
    payload_encoding encoding = payload_encoding::json; ///< how `payload` is encoded
};

/// Ask the identify queue for permission; answer with step(identify_granted).
struct request_identify {
    std::uint32_t shard_id = 0;
};

/// Withdraw an unanswered request_identify: this connection is gone.
struct cancel_identify {
    std::uint32_t shard_id = 0;
};

/// Connect again: make a new client with this one as parent, open `url` after `delay`.
struct reconnect {
    std::string url;                 ///< full URL with query
    std::chrono::milliseconds delay{0};
    bool resume = false;             ///< the new client will Resume (else Identify)
};

/// Do not reconnect; the reason says why (shutdown, or a close code that needs a human).
struct stop {
    boost::system::error_code reason;
    int close_code = 0;              ///< the server's close code, 0 if none
    std::string detail;
};

/// A user command was not accepted; nothing was sent or queued.
struct command_refused {
    boost::system::error_code reason;
    opcode op = opcode::presence_update;
    std::string detail;
};

/// Something the driver must do, in list order.
using action = std::variant<send_frame, set_timer, cancel_timer, close_socket, deliver_event, request_identify,
                            cancel_identify, reconnect, stop, command_refused>;

} // namespace dgw
