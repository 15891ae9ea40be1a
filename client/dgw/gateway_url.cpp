#include <dgw/gateway_url.hpp>

#include <dgw/protocol_error.hpp>

#include <boost/system/system_error.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <string>

namespace dgw {

namespace {

[[noreturn]] void refuse(std::string_view base, const std::string& why) {
    throw boost::system::system_error(make_error_code(protocol_errc::invalid_config),
                                      "gateway URL \"" + std::string(base) + "\" " + why);
}

} // namespace

std::string gateway_url(std::string_view base, const gateway_query& q) {
    auto parsed = boost::urls::parse_uri(base);
    if (!parsed) refuse(base, "is not a URL (" + parsed.error().message() + ")");
    boost::urls::url u(*parsed);
    if (u.scheme_id() != boost::urls::scheme::ws && u.scheme_id() != boost::urls::scheme::wss)
        refuse(base, "is not ws:// or wss://");
    if (u.encoded_host().empty()) refuse(base, "has no host");
    // Boost.URL 1.81 ends the port at its first non-digit and takes the rest for a path
    // ("wss://h:99x/": port 99, path "x/"), which RFC 3986 forbids after an authority.
    if (!u.encoded_path().empty() && u.encoded_path().front() != '/')
        refuse(base, "is not a URL (a port that is not a number, or a path without a leading /)");
    // Replaced, not merged: two v or encoding values would leave the choice to the server.
    u.remove_query();
    u.remove_fragment();
    // Not set_encoded_path("/"): Boost.URL 1.81 writes an empty path set to "/" as "/./".
    if (u.encoded_path().empty()) u.set_path_absolute(true);
    auto params = u.params();
    params.append({"v", std::to_string(q.version)});
    params.append({"encoding", to_string(q.encoding)});
    if (q.compression != transport_compression::none) params.append({"compress", to_string(q.compression)});
    return std::string(u.buffer());
}

} // namespace dgw
