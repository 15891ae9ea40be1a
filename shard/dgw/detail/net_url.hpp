#pragma once
/// Splitting ws://, wss://, http:// and https:// URLs into what a connection needs
/// (internal: shard_connect.cpp and gateway_bot.cpp).

#include <optional>
#include <string>
#include <string_view>

namespace dgw::detail {

struct net_endpoint {
    std::string scheme; ///< "ws", "wss", "http" or "https" (lower case)
    bool tls = false;   ///< wss or https
    std::string host;   ///< without brackets for IPv6 literals, percent-decoded
    std::string port;   ///< explicit, or 443 / 80 by scheme
    std::string target; ///< path and query as written, at least "/"; never the fragment
    std::string host_header; ///< host and port as written in the URL
};

/// nullopt, with `why` saying what is wrong, for anything but an absolute ws, wss, http or
/// https URL (RFC 3986) with a host, a port from 1 to 65535 if any, and no user name.
std::optional<net_endpoint> parse_net_url(std::string_view url, std::string& why);

} // namespace dgw::detail
