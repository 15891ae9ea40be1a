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
/// Discord's URLs come without a query; if `base` has one anyway it is replaced, so a
/// URL is never sent with two conflicting `v` or `encoding` values. A path-less base gets
/// a "/" before the query ("wss://host" -> "wss://host/?v=10...").
std::string gateway_url(std::string_view base, const gateway_query& q);

} // namespace dgw
