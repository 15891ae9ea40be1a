#pragma once
/// --events: which messages to print (or convert), by event name or opcode.

#include <dgw/event_type.hpp>

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace dgw::tool {

/// A set of event names (dispatch `t`) and opcodes (for non-dispatch messages).
class event_filter {
public:
    /// Parses comma-separated lists of names: event names as on the wire (MESSAGE_CREATE, also ones this build
    /// does not know), opcode names (HELLO, HEARTBEAT_ACK, or HeartbeatAck) and numbers
    /// (op:11 or 11). An event name wins over an opcode of the same spelling
    /// (PRESENCE_UPDATE is the event). Throws std::invalid_argument for anything else.
    static event_filter parse(const std::vector<std::string>& names);

    /// False when no filter was given (everything matches).
    bool active() const noexcept { return active_; }
    /// True when a message with this op and t is selected.
    bool matches(std::int64_t op, std::string_view t) const;
    /// The known events to decode into types, for decode_options::events; nullptr when
    /// every dispatch is selected (no filter, or op 0 given).
    const event_set* typed_events() const noexcept { return active_ && !all_dispatch_ ? &known_ : nullptr; }

private:
    bool active_ = false;
    bool all_dispatch_ = false;
    event_set known_;
    std::set<std::string, std::less<>> names_; // dispatch names, matched against t
    std::set<std::int64_t> ops_;
};

} // namespace dgw::tool
