#include <dgw/protocol_error.hpp>

#include <dgw/detail/error_category.hpp>

#include <iterator>

namespace dgw {
namespace {

constexpr const char* messages[] = {
    "command payload exceeds 4096 bytes",            // payload_too_large
    "command queue full (gateway rate limit)",       // rate_limited
    "session not ready for commands",                // not_ready
    "gateway client is closed",                      // client_closed
    "invalid gateway client configuration",          // invalid_config
    "opcode is not a user command",                  // invalid_command
    "malformed gateway message",                     // malformed_message
    "gateway closed with a non-reconnectable code",  // fatal_close
    "gateway client shut down",                      // shutdown
};
static_assert(std::size(messages) == static_cast<std::size_t>(protocol_errc::shutdown));

} // namespace

const boost::system::error_category& protocol_category() noexcept {
    static constexpr detail::table_category c{"dgw.protocol", messages};
    return c;
}

} // namespace dgw
