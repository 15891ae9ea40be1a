#pragma once
/// Discord's 64-bit ids ("snowflakes"): a decimal string in JSON, an integer or a
/// binary in ETF. A strong type so an id is never mixed up with a count.

#include <compare>
#include <cstdint>
#include <string>

namespace dgw {

/// A Discord id. Holds the raw uint64; `timestamp_ms()` decodes the creation time.
struct Snowflake {
    std::uint64_t value = 0; ///< the id as an integer (0: no id)

    /// Id 0.
    constexpr Snowflake() = default;
    /// The id `v`; explicit, so a count does not turn into an id by accident.
    constexpr explicit Snowflake(std::uint64_t v) noexcept : value(v) {}

    /// Milliseconds since the Unix epoch at which the id was minted.
    constexpr std::uint64_t timestamp_ms() const noexcept { return (value >> 22) + 1420070400000ULL; }
    /// Decimal text, as Discord's JSON carries it.
    std::string str() const { return std::to_string(value); }

    /// Same id.
    friend constexpr bool operator==(Snowflake, Snowflake) = default;
    /// Orders by value, which is also creation order.
    friend constexpr auto operator<=>(Snowflake, Snowflake) = default;
};

} // namespace dgw
