#pragma once
/// The two payload encodings of the gateway (`?encoding=json|etf`).

#include <cstdint>
#include <string_view>

namespace dgw {

/// JSON text frames or ETF binary frames.
enum class Encoding : std::uint8_t { Json, Etf };

/// "json" / "etf", as in the gateway URL's query.
constexpr std::string_view to_string(Encoding e) noexcept { return e == Encoding::Json ? "json" : "etf"; }

/// The largest integer magnitude a JSON reader that holds numbers as doubles (JavaScript,
/// jq) reads back exactly and can tell from its neighbours: 2^53 - 1, JavaScript's
/// Number.MAX_SAFE_INTEGER, and the bound Discord documents for INTEGER options.
inline constexpr std::uint64_t max_safe_integer = (std::uint64_t{1} << 53) - 1;

/// Whether `v` is within +-max_safe_integer. 2^53 itself is not: 2^53 + 1 reads back as it.
constexpr bool is_safe_integer(std::int64_t v) noexcept {
    return v >= -static_cast<std::int64_t>(max_safe_integer) && v <= static_cast<std::int64_t>(max_safe_integer);
}
/// Whether `v` is at most max_safe_integer.
constexpr bool is_safe_integer(std::uint64_t v) noexcept { return v <= max_safe_integer; }

/// How JSON output writes an integer outside +-max_safe_integer where no schema type says
/// what the value is: unknown events' and opcodes' `d`, `any` fields (dgw::RawJson), the
/// tool's generic conversion. Such integers come from ETF (where Discord sends snowflakes as
/// integers) or from JSON that spelled them as numbers. Typed fields are not affected:
/// snowflakes are always strings in JSON, other integer fields always numbers.
enum class big_integers : std::uint8_t {
    string, ///< a decimal string ("1576183625941254149"), as Discord's JSON spells snowflakes:
            ///< every digit survives jq and JavaScript, and JSON and ETF input print alike
    number, ///< a JSON number, exact in the text; readers that use doubles round it
};

} // namespace dgw
