#include "filter.hpp"

#include <dgw/opcode.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <stdexcept>

namespace dgw::tool {

namespace {

// "HEARTBEAT_ACK", "HeartbeatAck", "heartbeat-ack" -> "HEARTBEATACK".
std::string fold(std::string_view s) {
    std::string out;
    for (char c : s)
        if (c != '_' && c != '-') out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    return out;
}

bool is_event_like(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (!(std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_'))
            return false;
    return true;
}

} // namespace

event_filter event_filter::parse(const std::vector<std::string>& names) {
    std::vector<std::string_view> items;
    for (std::string_view list : names) {
        for (std::size_t p = 0; p <= list.size();) {
            const std::size_t c = std::min(list.find(',', p), list.size());
            items.push_back(list.substr(p, c - p));
            p = c + 1;
        }
    }
    event_filter f;
    for (std::string_view name : items) {
        while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
        while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
        if (name.empty()) continue;
        f.active_ = true;
        if (const EventType et = event_type_from_string(name); et != EventType::Unknown) {
            f.known_.insert(et);
            f.names_.emplace(name);
            continue;
        }
        std::string_view num = name;
        if (num.substr(0, 3) == "op:" || num.substr(0, 3) == "OP:") num.remove_prefix(3);
        std::int64_t op = 0;
        const auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), op);
        if (ec == std::errc{} && p == num.data() + num.size()) {
            f.ops_.insert(op);
            if (op == 0) f.all_dispatch_ = true;
            continue;
        }
        bool found = false;
        const std::string folded = fold(name);
        for (std::int64_t i = 0; i < 64 && !found; ++i) {
            const std::string_view on = to_string(static_cast<Opcode>(i));
            if (!on.empty() && fold(on) == folded) {
                f.ops_.insert(i);
                if (i == 0) f.all_dispatch_ = true;
                found = true;
            }
        }
        if (found) continue;
        if (is_event_like(name)) {
            f.names_.emplace(name); // an event newer than this build: matched by t alone
            continue;
        }
        throw std::invalid_argument("--events: '" + std::string(name) +
                                    "' is neither an event name (MESSAGE_CREATE) nor an opcode (HELLO, op:11)");
    }
    return f;
}

bool event_filter::matches(std::int64_t op, std::string_view t) const {
    if (!active_) return true;
    if (ops_.count(op)) return true;
    return op == 0 && names_.find(t) != names_.end();
}

} // namespace dgw::tool
