#pragma once
/// Appending JSON text: escaped strings and numbers, shared by the typed JSON encoder,
/// the RawJson capture of the decoders and the tools.

#include <dgw/encoding.hpp>

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
/// Appends an integer: in decimal, or as a quoted decimal string when it is outside
/// +-max_safe_integer and `big` is big_integers::string.
void append_int(std::string& out, std::int64_t v, big_integers big);
/// Appends an unsigned integer, as append_int does.
void append_uint(std::string& out, std::uint64_t v, big_integers big);
/// Appends the JSON text `text` with every integer outside +-max_safe_integer written as a
/// quoted decimal string (big_integers::string); everything else, whitespace included, is
/// copied as it is, and numbers with a fraction or an exponent are left alone. `text` should
/// be valid JSON; other text is copied without harm.
void append_quoting_big_integers(std::string& out, std::string_view text);
/// Appends the shortest text that reads back as the same double (non-finite -> null).
void append_double(std::string& out, double v);

} // namespace dgw::json
