#pragma once
/// Observability hooks: log lines and frame captures, both scrubbed of the bot token.
///
/// Every string the client hands out (log lines, captured frames, error details) passes
/// through mask_secret first, so the token cannot leak even if a server echoed it.

#include <dgw/encoding.hpp>

#include <functional>
#include <string>
#include <string_view>

namespace dgw {

/// Severity of a log line.
enum class log_level { debug, info, warning, error };

/// Receives one log line; called synchronously from inside the client's step.
using log_hook = std::function<void(log_level, std::string_view line)>;

/// Direction of a captured frame.
enum class capture_direction { received, sent };

/// Receives every frame the client decodes or produces, with the token masked.
using capture_hook = std::function<void(capture_direction, std::string_view bytes, bool binary)>;

/// "debug", "info", "warning" or "error".
const char* to_string(log_level l) noexcept;

/// Overwrites each occurrence of `secret` in `text` with '*' of the same length.
///
/// Same length on purpose: a masked ETF frame keeps valid length prefixes and a masked
/// JSON frame stays valid JSON, so captures remain decodable. An empty secret masks nothing.
void mask_secret(std::string& text, std::string_view secret);

/// What redact_token() writes where the token was: `[REDACTED]`.
inline constexpr std::string_view redacted_token{"[REDACTED]"};

/// Replaces the token in a message the client sends (Identify's and Resume's `d.token`)
/// with redacted_token, keeping the message decodable; returns true when it found the token.
///
/// Unlike mask_secret, the placeholder does not keep the token's length, so a capture does
/// not reveal it either. JSON (`enc` Json): every occurrence is replaced in the text. ETF:
/// a binary (BINARY_EXT) or string (STRING_EXT) whose whole content is the token gets the
/// placeholder and its length prefix fixed up; any other occurrence (inside a longer
/// string) is masked as mask_secret does, which keeps the term valid. An empty token
/// replaces nothing.
bool redact_token(std::string& message, std::string_view token, Encoding enc);

} // namespace dgw
