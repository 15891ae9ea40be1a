#pragma once
/// What the client sends, and how it is serialized.
///
/// Every payload the client writes is a generated command (dgw::commands), encoded by the
/// generated encoder: Identify, Resume and Heartbeat by the client itself, the user
/// commands through client::send. The one free-form payload is dgw::command, a user's
/// own `d` as JSON, for an opcode newer than this build's schema; it is written by the
/// same envelope writer.

#include <dgw/commands.hpp>
#include <dgw/intents.hpp>
#include <dgw/json_box.hpp>
#include <dgw/opcode.hpp>
#include <dgw/wire_options.hpp>

#include <boost/json/fwd.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace dgw {

/// Discord's limit on one sent payload, counted on the serialized bytes (larger closes with 4002).
inline constexpr std::size_t max_payload_size = 4096;

/// One websocket message to send.
struct frame {
    std::string bytes; ///< the serialized payload
    bool binary = false; ///< binary frame (ETF) or text frame (JSON)
};

/// os "linux", browser and device "dgw": identify_params::properties' default.
commands::IdentifyConnectionProperties default_identify_properties();

/// The Identify fields a client chooses (the docs' Identify table).
struct identify_params {
    std::string token; ///< bot token, without the "Bot " prefix; never logged
    /// Connection properties; Discord expects os, browser and device.
    commands::IdentifyConnectionProperties properties = default_identify_properties();
    Intents intents = Intents::None;   ///< the events to receive (event_handlers::apply adds the handled ones)
    std::uint32_t shard_id = 0;        ///< this connection's shard
    std::uint32_t shard_count = 1;     ///< total shards; [0, 1] for an unsharded bot
    std::optional<commands::UpdatePresence> presence; ///< the initial presence, if any
    std::optional<int> large_threshold; ///< 50..250 members; absent keeps Discord's default (50)
    bool compress = false;             ///< payload compression; only with JSON and no transport compression
};

/// The Identify a client with `p` sends (`compress` is written only when true).
commands::Identify identify_command(const identify_params& p);

/// A command with a free-form `d`, for an opcode this build has no struct for: `op` must
/// still be a user command's (is_user_command). The generated commands::X go through
/// client::send(const X&) instead.
struct command {
    Opcode op = Opcode::PresenceUpdate; ///< must be a user-sendable opcode
    json_box<boost::json::value> d;      ///< the command's data, as the docs show it
};

/// The message of a generated command in `enc`: what the client writes.
template <class C>
frame encode_frame(const C& cmd, Encoding enc) {
    return frame{commands::encode(cmd, enc), enc == Encoding::Etf};
}

/// `{"op":N,"d":d}` for a free-form command, by the writer of the generated commands:
/// JSON text, or ETF with binary keys and integers as integers (a binary frame).
frame encode_frame(const command& c, Encoding enc);

} // namespace dgw
