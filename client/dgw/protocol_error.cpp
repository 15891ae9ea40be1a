#include <dgw/protocol_error.hpp>

#include <string>

namespace dgw {
namespace {

struct protocol_category_impl final : boost::system::error_category {
    const char* name() const noexcept override { return "dgw.protocol"; }
    std::string message(int ev) const override {
        switch (static_cast<protocol_errc>(ev)) {
        case protocol_errc::payload_too_large: return "command payload exceeds 4096 bytes";
        case protocol_errc::rate_limited: return "command queue full (gateway rate limit)";
        case protocol_errc::not_ready: return "session not ready for commands";
        case protocol_errc::client_closed: return "gateway client is closed";
        case protocol_errc::invalid_config: return "invalid gateway client configuration";
        case protocol_errc::invalid_command: return "opcode is not a user command";
        case protocol_errc::malformed_message: return "malformed gateway message";
        case protocol_errc::fatal_close: return "gateway closed with a non-reconnectable code";
        case protocol_errc::shutdown: return "gateway client shut down";
        }
        return "unknown protocol error";
    }
};

} // namespace

const boost::system::error_category& protocol_category() noexcept {
    static const protocol_category_impl c;
    return c;
}

} // namespace dgw
