#include <dgw/detail/net_url.hpp>

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace dgw::detail {

std::optional<net_endpoint> parse_net_url(std::string_view url, std::string& why) {
    namespace urls = boost::urls;
    auto parsed = urls::parse_uri(url);
    if (!parsed) {
        why = "not a URL (" + parsed.error().message() + ")";
        return std::nullopt;
    }
    const urls::url_view& u = *parsed;
    net_endpoint e;
    switch (u.scheme_id()) {
    case urls::scheme::ws: e.scheme = "ws"; break;
    case urls::scheme::wss: e.scheme = "wss"; break;
    case urls::scheme::http: e.scheme = "http"; break;
    case urls::scheme::https: e.scheme = "https"; break;
    default: why = "scheme " + std::string(u.scheme()) + " is not ws, wss, http or https"; return std::nullopt;
    }
    e.tls = e.scheme == "wss" || e.scheme == "https";
    if (u.host_type() == urls::host_type::ipvfuture || u.encoded_host().empty()) {
        why = "no host";
        return std::nullopt;
    }
    // Nothing here would send them, and a token in a URL ends up in logs.
    if (u.has_userinfo()) {
        why = "a user name or password in the URL is not supported";
        return std::nullopt;
    }
    e.host = u.host_address();
    if (u.has_port() && !u.port().empty()) {
        if (u.port_number() == 0) {
            why = "port " + std::string(u.port()) + " is not from 1 to 65535";
            return std::nullopt;
        }
        e.port = std::to_string(u.port_number());
    } else {
        e.port = e.tls ? "443" : "80"; // "host:" is the scheme's default port too (RFC 3986 3.2.3)
    }
    // Boost.URL 1.81 ends the port at its first non-digit and takes the rest for a path
    // ("wss://h:99x/": port 99, path "x/"), which RFC 3986 forbids after an authority.
    if (!u.encoded_path().empty() && u.encoded_path().front() != '/') {
        why = "not a URL (a port that is not a number, or a path without a leading /)";
        return std::nullopt;
    }
    e.target = u.encoded_target();
    if (e.target.empty() || e.target.front() == '?') e.target.insert(e.target.begin(), '/');
    e.host_header = u.encoded_host_and_port();
    return e;
}

} // namespace dgw::detail
