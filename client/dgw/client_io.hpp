#pragma once
/// The client's inputs and outputs: what the driver feeds in and what it must then do.
///
/// The driver (a shard with a websocket, or a test) owns every side effect. It passes
/// inputs with the current time and performs the returned actions in order.

#include <dgw/wire_options.hpp>
#include <dgw/error.hpp>
#include <dgw/event_type.hpp>
#include <dgw/outbound.hpp>

#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace dgw {

// Defined in <dgw/gateway.hpp> (generated); declared here so that every user of the client
// does not compile the 79 event structs. Include <dgw/gateway.hpp> to read an event.
struct GatewayMessage;

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

/// The user wants a command sent that is already serialized in this connection's encoding.
///
/// What client::send(const commands::X&, ...) produces with the generated encoders; the
/// size limit, the ready queue and the rate limiter treat it like user_command.
struct encoded_command {
    Opcode op = Opcode::PresenceUpdate; ///< must be a user-sendable opcode and match `message`
    frame message;                      ///< `{"op":op,"d":...}`: JSON text, or ETF with binary keys
    gateway_clock::time_point now;      ///< when it was submitted
};

/// The websocket handshake finished: from now on the gateway owes us Hello
/// (client_config::hello_timeout counts from here).
struct socket_opened {
    gateway_clock::time_point now; ///< when the websocket opened
};

/// The user wants this connection and its session ended (closes with 1000).
struct shutdown_requested {
    gateway_clock::time_point now; ///< when the user asked
};

/// Anything that can happen to a client.
using input = std::variant<message_received, socket_closed, timer_fired, identify_granted, user_command,
                           encoded_command, shutdown_requested, socket_opened>;

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

/// A dispatch (op 0) for the application, decoded as far as client_config::decode_events says.
///
/// `message->event` holds the typed event (e.g. events::MessageCreate) when its type was
/// chosen for decoding, otherwise a RawEvent: for a name this build does not know, with
/// its undecoded `d`; for a known event nobody handles, with the name only (and `d` when
/// client_config::keep_unhandled_raw is set). An event whose `d` failed to decode never
/// arrives here but as event_decode_failed. event_handlers::dispatch routes it by type.
struct deliver_event {
    std::string t;                  ///< event name; empty if null
    std::optional<std::int64_t> s;  ///< its sequence number
    EventType type = EventType::Unknown; ///< t as an EventType; Unknown for names this build does not know
    std::uint32_t shard_id = 0;     ///< the receiving client's shard
    /// The decoded message (envelope and event); shared so that actions stay small and
    /// copies of this action are cheap. Never null.
    std::shared_ptr<const GatewayMessage> message;
    /// The session this dispatch belongs to (READY's session_id; on a resuming connection
    /// the resumed session's); null before READY. Shared with the client and with every
    /// other dispatch of the session, so that delivering costs a reference count, not a
    /// copy, and the action stays valid after the client is gone.
    std::shared_ptr<const std::string> session_id;
};

/// A dispatch whose `d` was to be decoded (a handled event, or READY) but did not fit its type.
///
/// The connection goes on: the sequence number was stored before this action, so the next
/// heartbeat and a Resume carry it. Discord changing a field's type breaks one event, not the
/// session. The undecoded `d` is in `message->event` as a RawEvent, for logging or a manual parse.
struct event_decode_failed {
    std::string t;                  ///< event name
    std::optional<std::int64_t> s;  ///< its sequence number (already stored)
    EventType type = EventType::Unknown; ///< the type that was expected
    std::uint32_t shard_id = 0;     ///< the receiving client's shard
    decode_error error;             ///< what and where (field path, byte offset); token-free
    std::shared_ptr<const GatewayMessage> message; ///< envelope and RawEvent with the undecoded `d`; never null

    /// As deliver_event::session_id.
    std::shared_ptr<const std::string> session_id;
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
    /// Wait this long before connecting: the back-off after short-lived connections
    /// (client_config::backoff), or op 9's delay, whichever is longer.
    std::chrono::milliseconds delay{0};
    bool resume = false;             ///< the new client will Resume (else Identify)
    /// Short-lived connections in a row, the one just closed included; 0 after a healthy one.
    std::uint32_t short_lived_streak = 0;
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
using action = std::variant<send_frame, set_timer, cancel_timer, close_socket, deliver_event, event_decode_failed,
                            request_identify, cancel_identify, reconnect, stop, command_refused>;

} // namespace dgw
