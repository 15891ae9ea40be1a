#include <dgw/outbound.hpp>

#include <dgw/etf/json.hpp>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

namespace dgw {

bool is_user_command(Opcode op) noexcept {
    switch (op) {
    case Opcode::PresenceUpdate:
    case Opcode::VoiceStateUpdate:
    case Opcode::RequestGuildMembers:
    case Opcode::RequestSoundboardSounds:
    case Opcode::RequestChannelInfo:
        return true;
    default:
        return false;
    }
}

boost::json::value heartbeat_payload(std::optional<std::int64_t> seq) {
    boost::json::object o;
    o["op"] = static_cast<int>(Opcode::Heartbeat);
    if (seq) o["d"] = *seq;
    else o["d"] = nullptr;
    return o;
}

boost::json::value identify_payload(const identify_params& p) {
    boost::json::object d;
    d["token"] = p.token;
    d["properties"] = p.properties;
    d["intents"] = p.intents;
    d["shard"] = boost::json::array{p.shard_id, p.shard_count};
    if (p.presence) d["presence"] = *p.presence;
    if (p.large_threshold) d["large_threshold"] = *p.large_threshold;
    if (p.compress) d["compress"] = true;
    boost::json::object o;
    o["op"] = static_cast<int>(Opcode::Identify);
    o["d"] = std::move(d);
    return o;
}

boost::json::value resume_payload(const std::string& token, const std::string& session_id,
                                  std::optional<std::int64_t> seq) {
    boost::json::object d;
    d["token"] = token;
    d["session_id"] = session_id;
    if (seq) d["seq"] = *seq;
    else d["seq"] = nullptr;
    boost::json::object o;
    o["op"] = static_cast<int>(Opcode::Resume);
    o["d"] = std::move(d);
    return o;
}

boost::json::value command_payload(const command& c) {
    boost::json::object o;
    o["op"] = static_cast<int>(c.op);
    o["d"] = c.d;
    return o;
}

frame encode_payload(const boost::json::value& payload, Encoding enc) {
    frame f;
    if (enc == Encoding::Json) {
        f.bytes = boost::json::serialize(payload);
        f.binary = false;
    } else {
        // Default writer options use binary keys: atom keys are what Discord sends, not accepts.
        etf::from_json(payload, f.bytes, etf::writer_options{});
        f.binary = true;
    }
    return f;
}

} // namespace dgw
