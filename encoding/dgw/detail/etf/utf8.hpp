#pragma once
/// UTF-8 validation for the ETF reader (internal).

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace dgw::etf::detail {

/// True when some byte of `s` is 0x80 or above, i.e. the text is not plain ASCII.
/// Keys and atoms are short, so short strings are tested in two overlapping loads
/// instead of a byte loop.
inline bool has_high_bit(std::string_view s) noexcept {
    const char* p = s.data();
    const std::size_t n = s.size();
    if (n >= 8) {
        std::uint64_t acc = 0, w;
        for (std::size_t i = 0; i + 8 <= n; i += 8) {
            std::memcpy(&w, p + i, 8);
            acc |= w;
        }
        std::memcpy(&w, p + n - 8, 8);
        return ((acc | w) & 0x8080808080808080ull) != 0;
    }
    if (n >= 4) {
        std::uint32_t a, b;
        std::memcpy(&a, p, 4);
        std::memcpy(&b, p + n - 4, 4);
        return ((a | b) & 0x80808080u) != 0;
    }
    if (n == 0) return false;
    return ((static_cast<unsigned char>(p[0]) | static_cast<unsigned char>(p[n / 2]) |
             static_cast<unsigned char>(p[n - 1])) & 0x80) != 0;
}

/// Index of the first byte of `s` that starts an invalid UTF-8 sequence, or s.size() when
/// `s` is valid. Rejects overlong forms, surrogates and code points above U+10FFFF, as
/// RFC 3629 requires, so whatever passes can go straight into JSON output.
inline std::size_t invalid_utf8_at(std::string_view s) noexcept {
    if (!has_high_bit(s)) return s.size(); // most gateway text is ASCII
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const std::size_t n = s.size();
    std::size_t i = 0;
    while (i < n) {
        // Gateway text is mostly ASCII: test eight bytes at a time for a high bit.
        if (n - i >= 8) {
            std::uint64_t w;
            std::memcpy(&w, p + i, 8);
            if ((w & 0x8080808080808080ull) == 0) {
                i += 8;
                continue;
            }
        }
        const unsigned char c = p[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t len;
        unsigned char lo = 0x80, hi = 0xBF; // allowed range of the second byte
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            if (c == 0xE0) lo = 0xA0;       // overlong
            else if (c == 0xED) hi = 0x9F;  // surrogates
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            if (c == 0xF0) lo = 0x90;       // overlong
            else if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
        } else {
            return i;
        }
        if (n - i < len) return i;
        if (p[i + 1] < lo || p[i + 1] > hi) return i;
        for (std::size_t k = 2; k < len; ++k)
            if ((p[i + k] & 0xC0) != 0x80) return i;
        i += len;
    }
    return n;
}

} // namespace dgw::etf::detail
