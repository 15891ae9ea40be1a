#pragma once
/// Writing a Boost.JSON value as JSON text the way dgw writes JSON output, for the generic
/// conversions (raw ETF payloads, the tool's --raw).

#include <dgw/encoding.hpp>

#include <boost/json/value.hpp>

#include <string>

namespace dgw::json {

/// Appends `v` as compact JSON: keys in the value's order, doubles as append_double writes
/// them (shortest round trip, always with a fraction or exponent), integers outside
/// +-max_safe_integer as `big` says. Recurses once per nesting level of `v`.
void append_value(std::string& out, const boost::json::value& v, big_integers big);

} // namespace dgw::json
