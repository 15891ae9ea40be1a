#pragma once
/// ISO 8601 timestamps as Discord sends them ("2021-09-16T20:22:31.123000+00:00").
/// The text is kept as received so decode -> encode reproduces it; `unix_micros()` parses.

#include <cstdint>
#include <optional>
#include <cstring>
#include <string_view>

namespace dgw {

/// An ISO 8601 timestamp kept as text, stored inline: Discord's timestamps are 32
/// characters ("...T20:22:31.123000+00:00"), past std::string's small buffer, and a message
/// carries several, so a heap string would cost an allocation each.
class Timestamp {
public:
    /// Longest text held; ISO 8601 with nanoseconds and an offset needs 35.
    static constexpr std::size_t capacity = 47;

    /// Empty.
    Timestamp() = default;
    /// Holds `s`, or stays empty when `s` is longer than `capacity`.
    explicit Timestamp(std::string_view s) noexcept { assign(s); }

    /// Replaces the text; false (and unchanged) when `s` is longer than `capacity`.
    bool assign(std::string_view s) noexcept {
        if (s.size() > capacity) return false;
        std::memcpy(buf_, s.data(), s.size());
        len_ = static_cast<std::uint8_t>(s.size());
        return true;
    }
    /// The text as received.
    std::string_view text() const noexcept { return {buf_, len_}; }
    /// True when no text is held (a default-constructed or never-sent timestamp).
    bool empty() const noexcept { return len_ == 0; }

    /// Microseconds since the Unix epoch, or nullopt when the text is not ISO 8601
    /// (YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)).
    std::optional<std::int64_t> unix_micros() const;

    /// Compares the text: the same instant written differently is not equal.
    friend bool operator==(const Timestamp& a, const Timestamp& b) noexcept { return a.text() == b.text(); }

private:
    char buf_[capacity]{};
    std::uint8_t len_ = 0;
};

} // namespace dgw
