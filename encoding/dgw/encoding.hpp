#pragma once
/// The two payload encodings of the gateway (`?encoding=json|etf`).

#include <cstdint>
#include <string_view>

namespace dgw {

/// JSON text frames or ETF binary frames.
enum class Encoding : std::uint8_t { Json, Etf };

/// "json" / "etf", as in the gateway URL's query.
constexpr std::string_view to_string(Encoding e) noexcept { return e == Encoding::Json ? "json" : "etf"; }

} // namespace dgw
