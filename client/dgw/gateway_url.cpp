#include <dgw/gateway_url.hpp>

namespace dgw {

std::string gateway_url(std::string_view base, const gateway_query& q) {
    if (auto qm = base.find('?'); qm != std::string_view::npos) base = base.substr(0, qm);
    if (auto hash = base.find('#'); hash != std::string_view::npos) base = base.substr(0, hash);
    std::string url(base);
    auto scheme = url.find("://");
    auto path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    if (path == std::string::npos) url += '/';
    url += "?v=" + std::to_string(q.version);
    url += "&encoding=";
    url += to_string(q.encoding);
    if (q.compression != transport_compression::none) {
        url += "&compress=";
        url += to_string(q.compression);
    }
    return url;
}

} // namespace dgw
