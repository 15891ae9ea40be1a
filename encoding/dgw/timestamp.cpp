#include <dgw/timestamp.hpp>

#include <charconv>
#include <chrono>

namespace dgw {
namespace {

// The `n` decimal digits at `pos`, without a sign (from_chars would take a '-').
bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
    if (pos + n > s.size() || s[pos] == '-') return false;
    const char* const b = s.data() + pos;
    return std::from_chars(b, b + n, out).ptr == b + n;
}

} // namespace

std::optional<std::int64_t> Timestamp::unix_micros() const {
    const std::string_view s = text();
    int Y, M, D, h, m, sec;
    if (!digits(s, 0, 4, Y) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, M) || s[7] != '-' ||
        !digits(s, 8, 2, D) || (s[10] != 'T' && s[10] != ' ') || !digits(s, 11, 2, h) || s[13] != ':' ||
        !digits(s, 14, 2, m) || s[16] != ':' || !digits(s, 17, 2, sec))
        return std::nullopt;
    if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60) return std::nullopt;
    std::size_t i = 19;
    std::int64_t frac = 0;
    if (i < s.size() && s[i] == '.') {
        ++i;
        int n = 0;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
            if (n < 6) { frac = frac * 10 + (s[i] - '0'); ++n; }
            ++i;
        }
        if (n == 0) return std::nullopt;
        for (; n < 6; ++n) frac *= 10;
    }
    std::int64_t offset_s = 0;
    if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
        ++i;
    } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
        int oh, om;
        if (!digits(s, i + 1, 2, oh) || i + 3 >= s.size() || s[i + 3] != ':' || !digits(s, i + 4, 2, om))
            return std::nullopt;
        offset_s = (oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
        i += 6;
    } else {
        return std::nullopt;
    }
    if (i != s.size()) return std::nullopt;
    // A day past the month's end (Feb 30) counts on into the next month, as the standard says.
    const std::chrono::sys_days date{std::chrono::year{Y} / M / D};
    const std::int64_t days = date.time_since_epoch().count();
    const std::int64_t secs = days * 86400 + h * 3600 + m * 60 + sec - offset_s;
    return secs * 1000000 + frac;
}

} // namespace dgw
