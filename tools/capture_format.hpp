#pragma once
/// The dgw capture file format, version 1 (specified in docs/capture-format.md).
///
/// A capture keeps what the other forms lose: websocket message boundaries, the
/// direction of each message, its websocket frame type and when it was seen, and
/// connection boundaries (where a transport decompressor must be reset).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dgw::tool::capture {

/// The first eight bytes of every capture: "\x89DGWCAP\n". The high first byte and the
/// newline catch transfers that mangle binary files, as PNG's signature does.
inline constexpr std::string_view magic{"\x89" "DGWCAP\n", 8};
/// The version this build reads and writes.
inline constexpr std::uint16_t version = 1;
/// Size of the version-1 file header (readers skip any extra bytes header_size declares).
inline constexpr std::size_t header_size_v1 = 24;
/// Size of every record header.
inline constexpr std::size_t record_header_size = 16;

/// Payload encoding of the connection (file header byte 12).
enum class encoding : std::uint8_t { unknown = 0, json = 1, etf = 2 };
/// Transport compression of received messages (file header byte 13).
enum class compression : std::uint8_t { none = 0, zlib_stream = 1, zstd_stream = 2 };
/// Who sent a message (record byte 4).
enum class direction : std::uint8_t { recv = 0, send = 1 };
/// Websocket opcodes that a record may hold (record byte 5).
enum class ws_opcode : std::uint8_t { text = 1, binary = 2, close = 8 };
/// Record flag: the first message of a new connection (reset the decompressor first).
inline constexpr std::uint16_t flag_new_connection = 1;

/// The file header.
struct file_header {
    std::uint16_t version = capture::version;
    std::uint16_t header_size = header_size_v1;
    capture::encoding encoding = capture::encoding::unknown;
    capture::compression compression = capture::compression::none;
    std::uint16_t flags = 0;
    std::int64_t created_us = 0; ///< Unix time in microseconds when the capture started; 0 unknown
};

/// One record's header; the payload (`length` bytes) follows it.
struct record_header {
    std::uint32_t length = 0;
    capture::direction direction = capture::direction::recv;
    capture::ws_opcode opcode = capture::ws_opcode::binary;
    std::uint16_t flags = 0;
    std::int64_t timestamp_us = 0; ///< Unix time in microseconds; 0 unknown
};

/// Appends the version-1 file header.
void write_header(std::string& out, const file_header& h);
/// Parses a file header from the first header_size_v1 bytes of `in`; on failure returns
/// nullopt and sets `why`. The caller then skips h.header_size bytes in total.
std::optional<file_header> parse_header(std::string_view in, std::string& why);

/// Appends a record header (write the payload after it).
void write_record_header(std::string& out, const record_header& r);
/// Parses a record header from the first record_header_size bytes of `in`.
record_header parse_record_header(std::string_view in) noexcept;

/// "none", "zlib-stream", "zstd-stream".
std::string_view to_string(compression c) noexcept;
/// "unknown", "json", "etf".
std::string_view to_string(encoding e) noexcept;

} // namespace dgw::tool::capture
