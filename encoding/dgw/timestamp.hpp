#pragma once
/// ISO 8601 timestamps as Discord sends them ("2021-09-16T20:22:31.123000+00:00").
/// The text is kept as received so decode -> encode reproduces it; `unix_micros()` parses.

#include <cstdint>
#include <optional>
#include <string>

namespace dgw {

/// An ISO 8601 timestamp kept as text.
struct Timestamp {
    std::string text;

    /// Microseconds since the Unix epoch, or nullopt when the text is not ISO 8601
    /// (YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)).
    std::optional<std::int64_t> unix_micros() const;

    friend bool operator==(const Timestamp&, const Timestamp&) = default;
};

} // namespace dgw
