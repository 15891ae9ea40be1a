#pragma once
/// Building the URL a connection opens: a base from Discord plus our query string.

#include <dgw/wire_options.hpp>

#include <string>
#include <string_view>

namespace dgw {

/// The query every gateway URL needs; Identify and Resume connections must use the same one.
struct gateway_query {
    int version = 10; ///< leaving v out silently selects the deprecated v6
    Encoding encoding = Encoding::Json;                               ///< `encoding=json` or `etf`
    transport_compression compression = transport_compression::none; ///< `compress=`, or none to leave it out
};

/// `base` (from GET /gateway/bot or READY's resume_gateway_url) with `?v=..&encoding=..[&compress=..]`.
///
/// Discord's URLs come without a query; if `base` has one anyway it is replaced (and a
/// fragment dropped), so a URL is never sent with two conflicting `v` or `encoding`
/// values. A path-less base gets a "/" before the query ("wss://host" ->
/// "wss://host/?v=10..."); anything else of `base` is kept as it is.
///
/// Throws boost::system::system_error with protocol_errc::invalid_config, and a message
/// that quotes `base` and says what is wrong, when `base` is not a URL (RFC 3986), is not
/// ws:// or wss://, or has no host.
std::string gateway_url(std::string_view base, const gateway_query& q);

} // namespace dgw
