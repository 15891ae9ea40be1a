#include <dgw/close_policy.hpp>

namespace dgw {

close_action close_policy(int code) noexcept {
    switch (code) {
    case 4004: // authentication failed
    case 4010: // invalid shard
    case 4011: // sharding required
    case 4012: // invalid API version
    case 4013: // invalid intents
    case 4014: // disallowed intents
        return close_action::stop;
    case 4007: // invalid seq
    case 4009: // session timed out
        return close_action::new_session;
    default:
        return close_action::resume;
    }
}

const char* to_string(close_action a) noexcept {
    switch (a) {
    case close_action::resume: return "resume";
    case close_action::new_session: return "new_session";
    case close_action::stop: return "stop";
    }
    return "?";
}

} // namespace dgw
