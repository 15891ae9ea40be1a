#pragma once
/// Shared vocabulary of the `dgw` tool: input forms, errors, big-endian helpers.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace dgw::tool {

/// How the bytes of an input are laid out (see `dgw decode --help` and docs/capture-format.md).
enum class input_form : std::uint8_t {
    automatic,   ///< detect from the first bytes
    json_lines,  ///< one JSON document per line
    json,        ///< JSON documents one after another (any whitespace between them)
    etf,         ///< ETF terms one after another, each starting with the version byte 131
    framed,      ///< u32 big-endian length + bytes per message; payloads plain or transport-compressed
    zlib_stream, ///< the raw compressed bytes of a zlib-stream connection, no framing
    zstd_stream, ///< the raw compressed bytes of a zstd-stream connection, no framing
    capture,     ///< our capture file format (docs/capture-format.md)
};

/// The --from spelling of `f`.
std::string_view to_string(input_form f) noexcept;
/// Parses a --from spelling ("auto" included); nullopt for anything else.
std::optional<input_form> parse_input_form(std::string_view s) noexcept;

/// A failure after which the input cannot be read on: I/O errors, corrupt compressed
/// data, lost framing. `offset` is where it happened, in the bytes `where` names.
struct fatal_error : std::runtime_error {
    fatal_error(const std::string& what, std::uint64_t off, std::string_view where_ = "input")
        : std::runtime_error(what), offset(off), where(where_) {}
    std::uint64_t offset;
    std::string_view where; ///< "input" or "decompressed stream"; a static string
};

/// Reads a u32 big-endian value from the first four bytes of `p`.
inline std::uint32_t load_be32(const char* p) noexcept {
    const auto* b = reinterpret_cast<const unsigned char*>(p);
    return std::uint32_t(b[0]) << 24 | std::uint32_t(b[1]) << 16 | std::uint32_t(b[2]) << 8 | b[3];
}
/// Reads a u16 big-endian value.
inline std::uint16_t load_be16(const char* p) noexcept {
    const auto* b = reinterpret_cast<const unsigned char*>(p);
    return static_cast<std::uint16_t>(b[0] << 8 | b[1]);
}
/// Reads a u64 big-endian value.
inline std::uint64_t load_be64(const char* p) noexcept {
    return std::uint64_t(load_be32(p)) << 32 | load_be32(p + 4);
}
/// Appends `v` as `n` big-endian bytes (n <= 8).
inline void append_be(std::string& out, std::uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

/// True when the message starts like ETF (version byte 131); anything else is taken for JSON.
inline bool looks_like_etf(std::string_view msg) noexcept {
    return !msg.empty() && static_cast<unsigned char>(msg[0]) == 131;
}

} // namespace dgw::tool
