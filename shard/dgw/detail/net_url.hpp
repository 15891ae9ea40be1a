#pragma once
/// Splitting ws://, wss://, http:// and https:// URLs into what a connection needs
/// (internal: shard.cpp and gateway_bot.cpp).

#include <optional>
#include <string>
#include <string_view>

namespace dgw::detail {

struct net_endpoint {
    std::string scheme; ///< "ws", "wss", "http" or "https"
    bool tls = false;   ///< wss or https
    std::string host;   ///< without brackets for IPv6 literals
    std::string port;   ///< explicit, or 443 / 80 by scheme
    std::string target; ///< path and query, at least "/"
    std::string host_header;
};

/// nullopt for another scheme, an empty host, or a port that is not a number.
std::optional<net_endpoint> parse_net_url(std::string_view url);

} // namespace dgw::detail
