#pragma once
/// Appending JSON text: escaped strings and numbers, shared by the typed JSON encoder,
/// the RawJson capture of the decoders and the tools.

#include <cstdint>
#include <string>
#include <string_view>

namespace dgw::json {

/// Appends `s` as a quoted JSON string (escapes ", \, and control characters).
void append_string(std::string& out, std::string_view s);
/// Appends an integer in decimal.
void append_int(std::string& out, std::int64_t v);
/// Appends an unsigned integer in decimal (snowflakes as numbers, large counts).
void append_uint(std::string& out, std::uint64_t v);
/// Appends the shortest text that reads back as the same double (non-finite -> null).
void append_double(std::string& out, double v);

} // namespace dgw::json
