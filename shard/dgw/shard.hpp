#pragma once
/// One gateway connection over a real websocket: the sans-IO client driven by Boost.Beast.
///
/// The shard owns the socket (ws:// or wss:// with OpenSSL), the transport decompressor
/// and the client's timer, and performs every action the client returns: frames are
/// written in order (Beast allows one write at a time, so they queue), events go to the
/// event_handlers, closes and reconnects happen as the client decides. On a reconnect the
/// shard makes the next client with the dead one as parent, so a resumable session is
/// resumed on resume_gateway_url and anything else identifies again.
///
/// Everything runs on the io_context given at construction; call start(), shutdown() and
/// send() from a thread running it (or post to it). Handlers run on that thread too.
/// Beast and OpenSSL stay out of this header (pimpl), so embedding a shard does not
/// compile them into every user's translation unit.

#include <dgw/detail/asio_fwd.hpp>
#include <dgw/client.hpp>
#include <dgw/event_handlers.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace dgw {

class identify_queue;

/// The websocket frame type of an observed message.
enum class wire_frame {
    text,   ///< a text message (JSON)
    binary, ///< a binary message (ETF, or anything transport-compressed)
    close,  ///< a close frame
};

/// One websocket message of a shard's connection as it crossed the wire, for
/// shard_options::observe_wire.
struct wire_message {
    capture_direction direction = capture_direction::received; ///< who sent it
    wire_frame frame = wire_frame::binary;                    ///< its websocket frame type
    /// The message, valid during the call only. Received: the bytes exactly as they came,
    /// transport-compressed when the connection is (a reader feeds them to a decompressor
    /// reset at every first_of_connection). Sent: the bytes as written, except that the token
    /// in an Identify or a Resume is replaced by redacted_token (see redact_token), so an
    /// observer never holds it. Close: the close frame's payload, the code as two big-endian
    /// bytes followed by the reason.
    std::string_view bytes;
    /// The first message observed on this connection, in either direction (a Resume opens a
    /// new connection too): the gateway starts a new zlib or zstd stream here.
    bool first_of_connection = false;
    std::uint32_t shard_id = 0; ///< the shard's id (client.identify.shard_id)
};

/// Receives every websocket message of a shard, on the io_context's thread; it must not throw.
using wire_observer = std::function<void(const wire_message&)>;

/// How a shard connects; `client` is what every connection's client gets.
struct shard_options {
    /// Token, intents, shard id, gateway URL (wss://gateway.discord.gg from GET /gateway/bot),
    /// encoding and transport compression. The shard decompresses what `compression` names.
    client_config client;
    /// Asked before every Identify when client.await_identify_permit is set (it must outlive
    /// the shard). nullptr: the shard identifies as soon as the client asks.
    identify_queue* identify = nullptr;
    /// TLS for wss:// URLs; nullptr: the system's trusted CAs, peer and host name verified.
    boost::asio::ssl::context* tls = nullptr;
    /// A session to resume on the first connection (session_id, resume_gateway_url, seq),
    /// kept by an earlier process; empty: the first connection identifies. Discord replays
    /// the dispatches after `seq`; if the session is gone (op 9 d=false) the shard identifies.
    std::optional<session_info> resume;
    /// Resolve + TCP connect + TLS + websocket handshake must finish within this.
    std::chrono::milliseconds connect_timeout{10'000};
    /// Our close handshake (close frame sent, the gateway's close awaited) is cut after this.
    std::chrono::milliseconds close_timeout{500};
    /// Largest websocket message and largest decompressed gateway message accepted.
    std::size_t max_message_bytes = std::size_t{64} << 20;
    /// Optional: called with every websocket message, received (before decompression), sent
    /// (when its write starts; the token redacted) and close frames (both ways), for a wire
    /// capture (`dgw connect --capture`). Empty: no copy, no cost.
    wire_observer observe_wire;
    // The delay between connections (back-off, op 9) is the client's decision:
    // client_config::backoff, hello_timeout and ready_timeout.
};

/// Where a shard is; the states a shutdown() may meet.
enum class shard_phase {
    idle,                     ///< not started
    resolving,                ///< DNS lookup of the gateway host
    connecting,               ///< TCP connect
    tls_handshake,            ///< wss:// only
    websocket_handshake,      ///< HTTP upgrade
    awaiting_hello,           ///< websocket open, Hello not yet received
    awaiting_identify_permit, ///< Hello received, the identify queue has not granted yet
    identifying,              ///< Identify sent, READY not yet received
    resuming,                 ///< Resume sent, RESUMED not yet received
    connected,                ///< READY or RESUMED received
    backing_off,              ///< between connections, waiting the client's delay
    stopped,                  ///< for good (shutdown or a fatal close code)
};

/// "idle", "resolving", ...
const char* to_string(shard_phase p) noexcept;

/// What a shard has done, across all its connections.
struct shard_stats {
    std::uint64_t connects = 0;        ///< connection attempts
    std::uint64_t connect_failures = 0; ///< attempts that never reached the gateway's Hello
    std::uint64_t messages = 0;        ///< gateway messages handed to clients
    std::uint64_t frames_sent = 0;     ///< websocket messages written
    std::uint64_t resumes = 0;         ///< connections opened to resume a session
    std::uint64_t backoffs = 0;        ///< reconnects delayed by the back-off (client_config::backoff)
    /// Short-lived connections in a row (client_stats::short_lived_streak of the last close).
    std::uint32_t short_lived_streak = 0;
    /// While backing_off: when the next connection starts, and why it waits (for logs and
    /// dashboards, e.g. "backing off 8000 ms after 4 short-lived connections").
    std::optional<std::chrono::steady_clock::time_point> waiting_until;
    std::string waiting_reason; ///< empty when not waiting
};

/// One gateway connection at a time for one shard, reconnecting as its client decides.
class shard {
public:
    /// A shard on `io`; nothing happens before start(). `handlers` receives the events and
    /// must outlive the shard.
    shard(boost::asio::io_context& io, shard_options options, event_handlers& handlers);
    /// Drops the connection without a close handshake (use shutdown() for a clean end).
    ~shard();
    shard(const shard&) = delete;
    shard& operator=(const shard&) = delete;

    /// Opens the first connection (to options.client.gateway_url) and keeps the shard
    /// connected until shutdown() or a close code that needs a human (the stop callback).
    void start();
    /// Ends the session: closes with 1000 (Discord then drops the session) and stops.
    ///
    /// Valid in every phase. The stop callback runs once; attempts in progress are cut,
    /// an identify request is withdrawn, a back-off wait is abandoned, and the close
    /// handshake is bounded by close_timeout, so nothing of the shard stays pending on the
    /// io_context and io.run() returns once the rest of the program is done.
    void shutdown();
    /// Sends a generated user command (commands::UpdatePresence, ...: see
    /// commands::user_command) through the client: size limit, ready queue, rate limiter.
    /// A refused command reaches the command_refused callback, once.
    template <commands::user_command C>
    void send(const C& cmd) {
        submit(encoded_command{static_cast<Opcode>(C::opcode), encode_frame(cmd, encoding()), {}});
    }
    /// As the generated commands, for a free-form command (an opcode this build has no struct for).
    void send(command cmd);

    /// Called once when the shard stops for good (shutdown or a fatal close code).
    void on_stop(std::function<void(const stop&)> cb);
    /// Called for each command the client refused.
    void on_command_refused(std::function<void(const command_refused&)> cb);

    /// True from start() until the stop callback.
    bool running() const noexcept;
    /// Where the shard is now (see shard_phase).
    shard_phase phase() const noexcept;
    /// The current connection's client (nullptr before start()).
    const client* current_client() const noexcept;
    /// Totals across connections.
    const shard_stats& stats() const noexcept;

private:
    struct impl;
    std::shared_ptr<impl> impl_;
    Encoding encoding() const noexcept;
    void submit(encoded_command cmd);
};

} // namespace dgw
