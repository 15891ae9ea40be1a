#include <dgw/detail/net_url.hpp>

namespace dgw::detail {

std::optional<net_endpoint> parse_net_url(std::string_view url) {
    net_endpoint e;
    for (std::string_view scheme : {"wss", "ws", "https", "http"}) {
        if (url.size() > scheme.size() + 3 && url.starts_with(scheme) && url.substr(scheme.size(), 3) == "://") {
            e.scheme = std::string(scheme);
            url.remove_prefix(scheme.size() + 3);
            break;
        }
    }
    if (e.scheme.empty()) return std::nullopt;
    e.tls = e.scheme == "wss" || e.scheme == "https";
    const std::size_t slash = url.find_first_of("/?");
    std::string_view authority = url.substr(0, slash);
    e.target = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
    if (e.target.front() == '?') e.target.insert(e.target.begin(), '/');
    e.host_header = std::string(authority);
    std::string_view port;
    if (authority.starts_with("[")) { // IPv6 literal
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        e.host = std::string(authority.substr(1, close - 1));
        if (close + 1 < authority.size()) {
            if (authority[close + 1] != ':') return std::nullopt;
            port = authority.substr(close + 2);
        }
    } else {
        const std::size_t colon = authority.rfind(':');
        e.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    }
    if (e.host.empty()) return std::nullopt;
    if (port.empty()) port = e.tls ? "443" : "80";
    if (port.find_first_not_of("0123456789") != std::string_view::npos || port.size() > 5) return std::nullopt;
    e.port = std::string(port);
    return e;
}

} // namespace dgw::detail
