#include <dgw/detail/json/text.hpp>

#include <charconv>
#include <cmath>

namespace dgw::json {

void append_string(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    out.push_back('"');
    std::size_t run = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(s.data() + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
            out += "\\u00";
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    out.append(s.data() + run, s.size() - run);
    out.push_back('"');
}

namespace {

// The four integer appenders, signed or not.
template <class Int>
void append_integer(std::string& out, Int v, big_integers big) {
    const bool quoted = big == big_integers::string && !is_safe_integer(v);
    if (quoted) out.push_back('"');
    char buf[24];
    out.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
    if (quoted) out.push_back('"');
}

} // namespace

void append_int(std::string& out, std::int64_t v) { append_integer(out, v, big_integers::number); }
void append_uint(std::string& out, std::uint64_t v) { append_integer(out, v, big_integers::number); }
void append_int(std::string& out, std::int64_t v, big_integers big) { append_integer(out, v, big); }
void append_uint(std::string& out, std::uint64_t v, big_integers big) { append_integer(out, v, big); }

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Whether the decimal digits `d` (no sign) are a magnitude above max_safe_integer.
bool beyond_safe(std::string_view d) {
    while (d.size() > 1 && d.front() == '0') d.remove_prefix(1); // not in valid JSON; harmless
    constexpr std::string_view max = "9007199254740991"; // max_safe_integer: 16 digits
    static_assert(max.size() == 16);
    // Digit strings of the same length compare as their values do.
    return d.size() > max.size() || (d.size() == max.size() && d > max);
}

} // namespace

void append_quoting_big_integers(std::string& out, std::string_view text) {
    const std::size_t n = text.size();
    std::size_t done = 0; // text[0, done) is in `out`
    std::size_t i = 0;
    while (i < n) {
        const char c = text[i];
        if (c == '"') { // a string (a key or a value): skip to its closing quote
            for (++i; i < n && text[i] != '"'; ++i)
                if (text[i] == '\\') ++i;
            ++i;
            continue;
        }
        if (c != '-' && !is_digit(c)) {
            ++i;
            continue;
        }
        const std::size_t start = i;
        if (c == '-') ++i;
        const std::size_t digits = i;
        while (i < n && is_digit(text[i])) ++i;
        const std::size_t digits_end = i;
        bool integer = true;
        while (i < n && (is_digit(text[i]) || text[i] == '.' || text[i] == 'e' || text[i] == 'E' || text[i] == '+' ||
                         text[i] == '-')) {
            integer = false;
            ++i;
        }
        if (integer && beyond_safe(text.substr(digits, digits_end - digits))) {
            out.append(text.data() + done, start - done);
            out.push_back('"');
            out.append(text.data() + start, i - start);
            out.push_back('"');
            done = i;
        }
    }
    out.append(text.data() + done, n - done);
}

void append_double(std::string& out, double v) {
    if (!std::isfinite(v)) {
        out += "null";
        return;
    }
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    std::string_view t(buf, static_cast<std::size_t>(r.ptr - buf));
    out += t;
    // Keep it a JSON double: "1" would read back as an integer.
    if (t.find_first_of(".eEn") == std::string_view::npos) out += ".0";
}

} // namespace dgw::json
