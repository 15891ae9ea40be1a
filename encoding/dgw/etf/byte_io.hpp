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

} // namespace dgw::etf::detail
