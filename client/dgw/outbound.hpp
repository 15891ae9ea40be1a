#pragma once
/// Building and serializing the payloads the client sends.
///
/// Payloads here are boost::json::value envelopes `{"op":N,"d":...}` serialized to JSON
/// text or to ETF with binary keys (atom keys close the connection with 4002). User
/// commands also exist typed: client::send(const commands::X&) uses the generated
/// encoders instead. Heartbeat, Identify and Resume are still built here; Identify keeps
/// its free-form `properties` and `presence` objects.

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

/// `{"os":"linux","browser":"dgw","device":"dgw"}`, identify_params::properties' default.
json_box<boost::json::object> default_identify_properties();

/// The Identify fields a client chooses (the docs' Identify table).
struct identify_params {
    std::string token; ///< bot token, without the "Bot " prefix; never logged
    /// Connection properties; Discord expects os, browser and device.
    json_box<boost::json::object> properties = default_identify_properties();
    std::uint64_t intents = 0;         ///< gateway intents bitfield
    std::uint32_t shard_id = 0;        ///< this connection's shard
    std::uint32_t shard_count = 1;     ///< total shards; [0, 1] for an unsharded bot
    std::optional<json_box<boost::json::object>> presence; ///< initial Update Presence d, if any
    std::optional<int> large_threshold; ///< 50..250 members; absent keeps Discord's default (50)
    bool compress = false;             ///< payload compression; only with JSON and no transport compression
};

/// A command a user sends: one of ops 3, 4, 8, 31, 43 and its d.
struct command {
    Opcode op = Opcode::PresenceUpdate; ///< must be a user-sendable opcode
    json_box<boost::json::value> d;      ///< the command's data, as the docs show it
};

/// True for the five opcodes a user may send; heartbeat, identify and resume belong to the client.
bool is_user_command(Opcode op) noexcept;

/// `{"op":1,"d":seq}`, with d null before the first dispatch (never 0).
boost::json::value heartbeat_payload(std::optional<std::int64_t> seq);

/// `{"op":2,"d":{token, properties, intents, shard, ...}}`; compress is written only when true.
boost::json::value identify_payload(const identify_params& p);

/// `{"op":6,"d":{token, session_id, seq}}`; seq is null if no dispatch was ever seen.
boost::json::value resume_payload(const std::string& token, const std::string& session_id,
                                  std::optional<std::int64_t> seq);

/// `{"op":N,"d":d}` for a user command.
boost::json::value command_payload(const command& c);

/// Serializes an envelope as the connection requires: JSON text, or ETF (binary keys) in a binary frame.
frame encode_payload(const boost::json::value& payload, Encoding enc);

} // namespace dgw
