#pragma once
/// Errors of the gateway client (client/dgw/): refused commands, fatal closes, dead clients.
///
/// Named protocol_error.hpp rather than error.hpp because encoding/dgw/error.hpp already
/// owns `<dgw/error.hpp>` and both directories are include roots: a second header at the
/// same relative path would be shadowed depending on include order.

#include <boost/system/error_code.hpp>

#include <type_traits>

namespace dgw {

/// Why the client refused a command or stopped.
enum class protocol_errc {
    payload_too_large = 1, ///< a command serializes to more than 4096 bytes (Discord closes with 4002)
    rate_limited,          ///< the outbound queue is full; the 120/60 s budget cannot absorb more
    not_ready,             ///< a command before READY/RESUMED while queueing is disabled
    client_closed,         ///< the client is dead; make a new one with it as parent
    invalid_config,        ///< the configuration breaks a protocol rule (e.g. two compressions)
    invalid_command,       ///< the opcode is not one a user may send (heartbeat/identify/resume are ours)
    malformed_message,     ///< an inbound message could not be decoded as a gateway envelope
    fatal_close,           ///< the server closed with a code that forbids reconnecting
    shutdown,              ///< the user asked the client to shut down
};

/// The category of protocol_errc; its name is "dgw.protocol".
const boost::system::error_category& protocol_category() noexcept;

/// Makes protocol_errc usable wherever a boost::system::error_code is expected.
inline boost::system::error_code make_error_code(protocol_errc e) noexcept {
    return {static_cast<int>(e), protocol_category()};
}

} // namespace dgw

namespace boost::system {
template <> struct is_error_code_enum<dgw::protocol_errc> : std::true_type {};
} // namespace boost::system
