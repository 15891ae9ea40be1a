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
#include <string>

namespace dgw {

class identify_queue;

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
    /// Resolve + TCP connect + TLS + websocket handshake must finish within this.
    std::chrono::milliseconds connect_timeout{10'000};
    /// Largest websocket message and largest decompressed gateway message accepted.
    std::size_t max_message_bytes = std::size_t{64} << 20;
    /// Back-off after connection attempts that failed before the gateway said Hello:
    /// doubles from min to max, on top of any delay the client asked for (op 9).
    std::chrono::milliseconds retry_min{1'000};
    std::chrono::milliseconds retry_max{60'000};
};

/// What a shard has done, across all its connections.
struct shard_stats {
    std::uint64_t connects = 0;        ///< connection attempts
    std::uint64_t connect_failures = 0; ///< attempts that never reached the gateway's Hello
    std::uint64_t messages = 0;        ///< gateway messages handed to clients
    std::uint64_t frames_sent = 0;     ///< websocket messages written
    std::uint64_t resumes = 0;         ///< connections opened to resume a session
};

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
    void shutdown();
    /// Sends a command through the client (size limit, ready queue, rate limiter); a refused
    /// command reaches the command_refused callback.
    void send(command cmd);
    /// The generated commands (<dgw/commands.hpp>), encoded in the connection's encoding;
    /// otherwise as send(command).
    void send(const commands::UpdatePresence& cmd);
    void send(const commands::UpdateVoiceState& cmd);
    void send(const commands::RequestGuildMembers& cmd);
    void send(const commands::RequestSoundboardSounds& cmd);
    void send(const commands::RequestChannelInfo& cmd);

    /// Called once when the shard stops for good (shutdown or a fatal close code).
    void on_stop(std::function<void(const stop&)> cb);
    /// Called for each command the client refused.
    void on_command_refused(std::function<void(const command_refused&)> cb);

    /// True from start() until the stop callback.
    bool running() const noexcept;
    /// The current connection's client (nullptr before start()).
    const client* current_client() const noexcept;
    /// Totals across connections.
    const shard_stats& stats() const noexcept;

private:
    struct impl;
    std::shared_ptr<impl> impl_;
    template <class Command> void send_typed(const Command& cmd);
};

} // namespace dgw
