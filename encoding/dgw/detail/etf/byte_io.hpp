#pragma once
/// Big-endian loads for the ETF reader (internal). Callers check bounds first.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace dgw::etf::detail {

/// The byte at `at` as an unsigned value.
inline std::uint8_t u8(std::string_view d, std::size_t at) noexcept {
    return static_cast<std::uint8_t>(d[at]);
}

/// Big-endian u16 at `at`.
inline std::uint32_t be16(std::string_view d, std::size_t at) noexcept {
    return (std::uint32_t{u8(d, at)} << 8) | u8(d, at + 1);
}

/// Big-endian u32 at `at`.
inline std::uint32_t be32(std::string_view d, std::size_t at) noexcept {
    return (std::uint32_t{u8(d, at)} << 24) | (std::uint32_t{u8(d, at + 1)} << 16) |
           (std::uint32_t{u8(d, at + 2)} << 8) | u8(d, at + 3);
}

/// A big integer's sign and magnitude as a C++ integer: int64 when it fits, else uint64
/// (positive only); false when a negative value is below INT64_MIN.
inline bool big_value(bool negative, std::uint64_t mag, bool& is_unsigned, std::int64_t& i, std::uint64_t& u) noexcept {
    constexpr std::uint64_t int64_max = 0x7FFFFFFFFFFFFFFFull;
    is_unsigned = false;
    if (!negative) {
        if (mag <= int64_max) {
            i = static_cast<std::int64_t>(mag);
        } else {
            is_unsigned = true;
            u = mag;
        }
        return true;
    }
    if (mag > int64_max + 1) return false;
    i = static_cast<std::int64_t>(0 - mag); // unsigned negation: -2^63 needs no signed overflow
    return true;
}

} // namespace dgw::etf::detail
