// JSON front end of the typed decoder: a strict RFC 8259 pull reader over the whole
// message, driven by the schema (detail/codec/pull.hpp), with the gateway envelope on top.
//
// Why not Boost.JSON's basic_parser: it is a resumable SAX parser, so every token goes
// through a handler call and the handler must find its target again; gateway messages
// always arrive whole, and a reader that is asked for "the next value" by code that
// already knows the field type does less work per token. Strictness matches Boost.JSON:
// strings must be valid UTF-8 with no raw control characters, numbers follow the JSON
// grammar, nothing may follow the document but whitespace.
#include <dgw/codec/decode.hpp>
#include <dgw/detail/codec/envelope.hpp>
#include <dgw/detail/codec/pull.hpp>
#include <dgw/detail/etf/utf8.hpp>

#include <algorithm>
#include <bit>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <cstdlib>
#include <cstring>

namespace dgw::codec {
namespace {

using pull::scalar;
using pull::vt;

class json_source {
public:
    json_source(std::string_view in, std::size_t max_depth, decode_error& err)
        : begin_(in.data()), p_(in.data()), end_(in.data() + in.size()), max_depth_(max_depth), err_(err),
          scratch_(thread_scratch()) {}

    decode_error& error() { return err_; }
    std::size_t offset() const { return static_cast<std::size_t>(at_ - begin_); }
    std::size_t pos() const { return static_cast<std::size_t>(p_ - begin_); }

    /// See pull.hpp: JSON text can simply be read again from the mark.
    struct mark_type {
        std::size_t pos;
    };
    mark_type mark() const { return {pos()}; }
    // Out of line, as the recovery that calls it: only a mismatch pays for it.
    [[gnu::cold, gnu::noinline]] bool skip_from(const mark_type& m, std::size_t depth) {
        p_ = begin_ + m.pos;
        return skip_value(depth);
    }
    const char* cursor() const { return p_; }

    [[gnu::always_inline]] bool value(scalar& v) {
        ws();
        at_ = p_;
        if (p_ == end_) return syntax("unexpected end of input, expected a value");
        switch (*p_) {
        case '"':
            v.t = vt::string;
            return string(v.s);
        case '{': ++p_; v.t = vt::object; return true;
        case '[': ++p_; v.t = vt::array; return true;
        case 't': v.t = vt::boolean; v.b = true; return literal("true");
        case 'f': v.t = vt::boolean; v.b = false; return literal("false");
        case 'n': v.t = vt::null; return literal("null");
        default: return number(v);
        }
    }

    // Always inlined into the object loop, as value() is: GCC stops inlining it once that
    // loop grows (keep_unknown's branch did), which cost typed JSON decoding 8%.
    [[gnu::always_inline]] bool next_key(bool first, std::string_view& k, bool& done, std::string_view expect = {}) {
        // Compact JSON with the expected key next (`,"name":` or `"name":` first): one
        // check of the whole span. Anything else takes the general path below.
        if (const std::size_t n = expect.size(); n != 0) {
            const std::size_t lead = first ? 0 : 1;
            const char* q = p_ + lead;
            if (static_cast<std::size_t>(end_ - p_) >= lead + n + 3 && (first || *p_ == ',') && q[0] == '"' &&
                q[n + 1] == '"' && q[n + 2] == ':' && pull::same_key(expect, std::string_view(q + 1, n))) {
                at_ = q;
                p_ = q + n + 3;
                k = expect;
                done = false;
                return true;
            }
        }
        ws();
        if (p_ == end_) return syntax("unexpected end of input in an object");
        if (*p_ == '}') {
            ++p_;
            done = true;
            return true;
        }
        if (!first) {
            if (*p_ != ',') return syntax("expected ',' or '}' in an object");
            ++p_;
            ws();
            if (p_ == end_) return syntax("unexpected end of input in an object");
        }
        if (*p_ != '"') return syntax("expected a string key");
        at_ = p_;
        // The key the decoder expects (learned order) is matched in place, without the
        // string scan: names are plain identifiers, so equal bytes between two quotes
        // mean an equal key. Anything else (escapes included) takes the full path.
        const std::size_t n = expect.size();
        if (n != 0 && static_cast<std::size_t>(end_ - p_) > n + 1 && p_[n + 1] == '"' &&
            pull::same_key(expect, std::string_view(p_ + 1, n))) {
            k = expect;
            p_ += n + 2;
        } else if (!string(k)) {
            return false;
        }
        ws();
        if (p_ == end_ || *p_ != ':') return syntax("expected ':' after a key");
        ++p_;
        done = false;
        return true;
    }

    // The try_* reads expect the value right at p_ (compact JSON, as Discord sends it);
    // with whitespace first they answer 0 and value() reads it instead.

    // A snowflake as Discord writes it: a quoted decimal of up to 19 digits (eight at a
    // time while they last). Anything else, including 20 digits, is left to value().
    [[gnu::always_inline]] int try_snowflake(std::uint64_t& u) {
        if (p_ == end_ || *p_ != '"') return 0;
        const char* q = p_ + 1;
        std::uint64_t v = 0;
        std::size_t n = 0;
        while (end_ - q >= 8) {
            std::uint64_t w;
            std::memcpy(&w, q, 8);
            if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
            if (!eight_digits(w)) break;
            v = v * 100000000 + parse_eight(w);
            q += 8;
            n += 8;
            if (n > 16) return 0;
        }
        while (q != end_ && digit(*q)) {
            v = v * 10 + static_cast<unsigned>(*q - '0');
            ++q;
            if (++n > 19) return 0;
        }
        if (n == 0 || q == end_ || *q != '"') return 0;
        at_ = p_;
        p_ = q + 1;
        u = v;
        return 1;
    }

    int try_bool(bool& b) {
        const std::size_t left = static_cast<std::size_t>(end_ - p_);
        if (left >= 4 && std::memcmp(p_, "true", 4) == 0) {
            b = true;
        } else if (left >= 5 && std::memcmp(p_, "false", 5) == 0) {
            b = false;
        } else {
            return 0;
        }
        at_ = p_;
        p_ += b ? 4 : 5;
        return 1;
    }

    // A plain integer of up to 18 digits (no sign, fraction or exponent); anything else
    // is left to value().
    [[gnu::always_inline]] int try_int(std::int64_t& i) {
        const char* q = p_;
        std::int64_t v = 0;
        while (q != end_ && digit(*q) && q - p_ < 18) v = v * 10 + (*q++ - '0');
        if (q == p_ || (q - p_ > 1 && *p_ == '0')) return 0;
        if (q != end_ && (digit(*q) || *q == '.' || *q == 'e' || *q == 'E')) return 0;
        at_ = p_;
        p_ = q;
        i = v;
        return 1;
    }

    int try_string(std::string_view& s) {
        if (p_ == end_ || *p_ != '"') return 0;
        at_ = p_;
        return string(s) ? 1 : -1;
    }

    bool next_elem(bool first, bool& done) {
        ws();
        if (p_ == end_) return syntax("unexpected end of input in an array");
        if (*p_ == ']') {
            ++p_;
            done = true;
            return true;
        }
        if (!first) {
            if (*p_ != ',') return syntax("expected ',' or ']' in an array");
            ++p_;
        }
        done = false;
        return true;
    }

    /// Skips one value, checking it as strictly as if it were read.
    bool skip(std::size_t depth) { return skip_value(depth); }

    static constexpr Encoding encoding = Encoding::Json;
    /// A skipped value's text (checked by the skip), without the whitespace around it.
    std::string_view kept(std::size_t b, std::size_t e, std::size_t) const;

    /// After the document: only whitespace may follow.
    bool finish() {
        ws();
        if (p_ != end_) return fail_at(codec_errc::trailing_data, p_, "extra data after the JSON document");
        return true;
    }

    // At the end of the input every syntax error is a truncation: the same text with more
    // bytes after it could have been valid.
    [[gnu::cold, gnu::noinline]] bool syntax(const char* what) {
        return err_.fail(p_ == end_ ? codec_errc::truncated : codec_errc::syntax, pos(), {}, what);
    }
    [[gnu::cold, gnu::noinline]] bool fail_at(codec_errc code, const char* q, std::string what) {
        return err_.fail(code, static_cast<std::size_t>(q - begin_), {}, std::move(what));
    }

private:
    const char* begin_;
    const char* p_;
    const char* end_;
    const char* at_ = nullptr; // start of the value just read
    std::size_t max_depth_;
    decode_error& err_;
    // Unescaped strings. One buffer per thread, kept warm across messages: a source per
    // message would otherwise allocate for every message with an escape in it. Only one
    // source reads at a time on a thread (a deferred d is read after the envelope is done).
    std::string& scratch_;

    static std::string& thread_scratch() {
        thread_local std::string s;
        return s;
    }

    void ws() {
        // Discord's JSON has no whitespace: one test for the usual case.
        if (p_ != end_ && static_cast<unsigned char>(*p_) > ' ') [[likely]]
            return;
        while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
    }

    [[gnu::always_inline]] bool literal(const char (&lit)[5]) { return literal_n(lit, 4); }
    bool literal(const char (&lit)[6]) { return literal_n(lit, 5); }
    [[gnu::always_inline]] bool literal_n(const char* lit, std::size_t n) {
        const std::size_t left = static_cast<std::size_t>(end_ - p_);
        if (left < n && std::memcmp(p_, lit, left) == 0) return fail_at(codec_errc::truncated, p_, "input ends inside a literal");
        if (left < n || std::memcmp(p_, lit, n) != 0) return syntax("invalid literal");
        p_ += n;
        return true;
    }

    static bool digit(char c) { return c >= '0' && c <= '9'; }
    // Eight ASCII digits, first digit in the low byte.
    static bool eight_digits(std::uint64_t w) {
        return (w & 0xF0F0F0F0F0F0F0F0ull) == 0x3030303030303030ull &&
               ((w + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull) == 0x3030303030303030ull;
    }
    static std::uint64_t parse_eight(std::uint64_t w) {
        w = (w & 0x0F0F0F0F0F0F0F0Full) * 2561 >> 8;
        w = (w & 0x00FF00FF00FF00FFull) * 6553601 >> 16;
        return (w & 0x0000FFFF0000FFFFull) * 42949672960001ull >> 32;
    }

    [[gnu::noinline]] bool number(scalar& v) {
        const char* s = p_;
        const bool neg = *p_ == '-';
        if (neg) ++p_;
        if (p_ == end_ || !digit(*p_)) return syntax("invalid value");
        std::uint64_t mag = 0;
        bool overflow = false;
        if (*p_ == '0') {
            ++p_;
        } else {
            // Up to 19 digits cannot overflow; only longer numbers are checked, again.
            const char* d0 = p_;
            while (p_ != end_ && digit(*p_)) mag = mag * 10 + static_cast<unsigned>(*p_++ - '0');
            if (p_ - d0 > 19) {
                mag = 0;
                for (const char* q = d0; q != p_; ++q) {
                    const unsigned d = static_cast<unsigned>(*q - '0');
                    if (mag > (UINT64_MAX - d) / 10) {
                        overflow = true;
                        break;
                    }
                    mag = mag * 10 + d;
                }
            }
        }
        bool is_float = false;
        if (p_ != end_ && *p_ == '.') {
            is_float = true;
            ++p_;
            if (p_ == end_ || !digit(*p_)) return syntax("expected a digit after '.'");
            while (p_ != end_ && digit(*p_)) ++p_;
        }
        if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
            is_float = true;
            ++p_;
            if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
            if (p_ == end_ || !digit(*p_)) return syntax("expected a digit in the exponent");
            while (p_ != end_ && digit(*p_)) ++p_;
        }
        if (!is_float && !overflow) {
            if (!neg) {
                if (mag <= static_cast<std::uint64_t>(INT64_MAX)) {
                    v.t = vt::int64;
                    v.i = static_cast<std::int64_t>(mag);
                } else {
                    v.t = vt::uint64;
                    v.u = mag;
                }
                return true;
            }
            if (mag <= std::uint64_t{1} << 63) {
                v.t = vt::int64;
                v.i = static_cast<std::int64_t>(0 - mag);
                return true;
            }
        }
        // Floats, and integers beyond 64 bits (as Boost.JSON does: they become doubles).
        double d = 0;
        auto r = std::from_chars(s, p_, d);
        if (r.ec == std::errc::result_out_of_range) {
            // from_chars also says so on underflow, where strtod's 0 or subnormal is right.
            d = std::strtod(std::string(s, p_).c_str(), nullptr);
            if (std::isinf(d)) return fail_at(codec_errc::number_out_of_range, s, "number too large for a double");
        } else if (r.ec != std::errc{} || r.ptr != p_) {
            return fail_at(codec_errc::syntax, s, "invalid number");
        }
        v.t = vt::float64;
        v.f = d;
        return true;
    }

    // High bit set in each byte of `w` that is '"', '\\', a control character or >= 0x80.
    // Exact (no carries cross bytes), so the lowest set bit finds the first such byte.
    static std::uint64_t special_mask(std::uint64_t w) {
        constexpr std::uint64_t ones = 0x0101010101010101ull, low7 = 0x7F7F7F7F7F7F7F7Full;
        const std::uint64_t q = w ^ (ones * '"');
        const std::uint64_t b = w ^ (ones * '\\');
        const std::uint64_t zq = ~(((q & low7) + low7) | q);
        const std::uint64_t zb = ~(((b & low7) + low7) | b);
        const std::uint64_t lt = ~(((w & low7) + ones * 0x60) | w);
        return (zq | zb | lt | w) & ~low7;
    }

#if defined(__SSE2__)
    // The same for 16 bytes (x86-64 always has SSE2): bit i set when byte i is special.
    static unsigned special_mask16(const char* p) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        const __m128i q = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
        const __m128i b = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
        // signed compare: bytes >= 0x80 are negative, so "< 0x20" also catches them
        const __m128i c = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
        return static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(q, b), c)));
    }
#endif

    static bool plain(unsigned char c) { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; }

    // Moves p_ over plain string bytes to the next '"', '\\', control character or byte
    // >= 0x80, or to end_.
    void skip_plain() {
        for (;;) {
#if defined(__SSE2__)
            // 32 bytes per step: snowflakes (17-20 digits) and most keys and names end in
            // the first step, so the loop's exit branch is rarely mispredicted.
            if (end_ - p_ >= 32) {
                const std::uint32_t m = special_mask16(p_) | special_mask16(p_ + 16) << 16;
                if (m == 0) {
                    p_ += 32;
                    continue;
                }
                p_ += std::countr_zero(m);
                return;
            }
            if (end_ - p_ >= 16) {
                const unsigned m = special_mask16(p_);
                if (m == 0) {
                    p_ += 16;
                    continue;
                }
                p_ += std::countr_zero(m);
                return;
            }
#endif
            if (end_ - p_ >= 8) {
                std::uint64_t w;
                std::memcpy(&w, p_, 8);
                const std::uint64_t m = special_mask(w);
                if (m == 0) {
                    p_ += 8;
                    continue;
                }
                p_ += std::countr_zero(m) >> 3;
                return;
            }
            while (p_ != end_ && plain(static_cast<unsigned char>(*p_))) ++p_;
            return;
        }
    }

    // At '"': reads the string; `out` views the input, or scratch_ when it had escapes.
    bool string(std::string_view& out) {
        const char* s = ++p_;
        for (;;) {
            skip_plain();
            if (p_ == end_) return fail_at(codec_errc::truncated, s - 1, "unterminated string");
            const auto c = static_cast<unsigned char>(*p_);
            if (c == '"') {
                out = std::string_view(s, static_cast<std::size_t>(p_ - s));
                ++p_;
                return true;
            }
            if (c == '\\') break;
            if (c < 0x20) return syntax("control character in a string");
            if (!utf8_seq()) return false;
        }
        scratch_.assign(s, static_cast<std::size_t>(p_ - s));
        return escaped(s - 1, out);
    }

    // At a byte >= 0x80: checks one UTF-8 sequence and steps over it.
    bool utf8_seq() {
        const std::size_t avail = static_cast<std::size_t>(end_ - p_);
        const auto* u = reinterpret_cast<const unsigned char*>(p_);
        const std::size_t len = u[0] >= 0xF0 ? 4 : u[0] >= 0xE0 ? 3 : 2;
        // invalid_utf8_at returns the input size when the whole (one) sequence is valid.
        if (len > avail && etf::detail::invalid_utf8_at(std::string_view(p_, avail)) == avail)
            return fail_at(codec_errc::truncated, p_, "input ends inside a UTF-8 sequence");
        if (len > avail || etf::detail::invalid_utf8_at(std::string_view(p_, len)) != len)
            return fail_at(codec_errc::invalid_utf8, p_, "invalid UTF-8 in a string");
        p_ += len;
        return true;
    }

    static int hex(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }
    bool hex4(unsigned& cp) {
        if (end_ - p_ < 4) return fail_at(codec_errc::truncated, p_, "input ends inside a \\u escape");
        cp = 0;
        for (int i = 0; i < 4; ++i) {
            const int h = hex(p_[i]);
            if (h < 0) return fail_at(codec_errc::syntax, p_, "invalid \\u escape");
            cp = cp << 4 | static_cast<unsigned>(h);
        }
        p_ += 4;
        return true;
    }
    void put_utf8(unsigned cp) {
        if (cp < 0x80) {
            scratch_ += static_cast<char>(cp);
        } else if (cp < 0x800) {
            scratch_ += static_cast<char>(0xC0 | cp >> 6);
            scratch_ += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            scratch_ += static_cast<char>(0xE0 | cp >> 12);
            scratch_ += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
            scratch_ += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            scratch_ += static_cast<char>(0xF0 | cp >> 18);
            scratch_ += static_cast<char>(0x80 | (cp >> 12 & 0x3F));
            scratch_ += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
            scratch_ += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }

    // The slow path, from the first backslash; scratch_ holds what came before it.
    bool escaped(const char* open_quote, std::string_view& out) {
        for (;;) {
            const char* run = p_;
            skip_plain();
            scratch_.append(run, static_cast<std::size_t>(p_ - run));
            if (p_ == end_) return fail_at(codec_errc::truncated, open_quote, "unterminated string");
            const auto c = static_cast<unsigned char>(*p_);
            if (c == '"') {
                ++p_;
                out = scratch_;
                return true;
            }
            if (c == '\\') {
                if (end_ - p_ < 2) return fail_at(codec_errc::truncated, open_quote, "unterminated string");
                const char e = p_[1];
                p_ += 2;
                switch (e) {
                case '"': scratch_ += '"'; break;
                case '\\': scratch_ += '\\'; break;
                case '/': scratch_ += '/'; break;
                case 'b': scratch_ += '\b'; break;
                case 'f': scratch_ += '\f'; break;
                case 'n': scratch_ += '\n'; break;
                case 'r': scratch_ += '\r'; break;
                case 't': scratch_ += '\t'; break;
                case 'u': {
                    unsigned cp = 0;
                    if (!hex4(cp)) return false;
                    if (cp >= 0xD800 && cp <= 0xDBFF) {
                        unsigned lo = 0;
                        if (p_ == end_ || (end_ - p_ == 1 && p_[0] == '\\'))
                            return fail_at(codec_errc::truncated, open_quote, "unterminated string");
                        if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u')
                            return fail_at(codec_errc::invalid_utf8, p_ - 6, "unpaired surrogate in a \\u escape");
                        p_ += 2;
                        if (!hex4(lo)) return false;
                        if (lo < 0xDC00 || lo > 0xDFFF)
                            return fail_at(codec_errc::invalid_utf8, p_ - 12, "unpaired surrogate in a \\u escape");
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                        return fail_at(codec_errc::invalid_utf8, p_ - 6, "unpaired surrogate in a \\u escape");
                    }
                    put_utf8(cp);
                    break;
                }
                default: return fail_at(codec_errc::syntax, p_ - 2, "invalid escape");
                }
                continue;
            }
            if (c < 0x20) return syntax("control character in a string");
            const char* q = p_;
            if (!utf8_seq()) return false;
            scratch_.append(q, static_cast<std::size_t>(p_ - q));
        }
    }

    bool skip_value(std::size_t depth) {
        scalar v;
        if (!value(v)) return false;
        if (v.t != vt::object && v.t != vt::array) return true;
        if (depth >= max_depth_) return fail_at(codec_errc::too_deep, at_, "nesting deeper than " + std::to_string(max_depth_));
        bool done = false;
        std::string_view k;
        for (bool first = true;; first = false) {
            if (v.t == vt::object ? !next_key(first, k, done) : !next_elem(first, done)) return false;
            if (done) return true;
            if (!skip_value(depth + 1)) return false;
        }
    }
};

} // namespace

bool decode_json_value(std::string_view in, const type_info& ti, void* obj, decode_error& err, std::string_view root,
                       const decode_limits& lim) {
    err = {};
    json_source src(in, lim.max_depth, err);
    return pull::decode_root(src, lim, 0, &ti, obj, root) && src.finish();
}

namespace {

// The value's text between two cursors that may include JSON whitespace on either side.
std::string_view trim_ws(const char* b, const char* e) {
    auto ws = [](char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; };
    while (b != e && ws(*b)) ++b;
    while (e != b && ws(e[-1])) --e;
    return std::string_view(b, static_cast<std::size_t>(e - b));
}

// Compact, as the encoders write JSON: whitespace between tokens is dropped (pretty input
// keeps its values, not its layout). The skip checked the text, so strings are well formed.
std::string_view json_source::kept(std::size_t b, std::size_t e, std::size_t) const {
    const std::string_view v = trim_ws(begin_ + b, begin_ + e);
    auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    if (std::none_of(v.begin(), v.end(), ws)) return v;
    thread_local std::string compact;
    compact.clear();
    bool in_string = false;
    for (std::size_t i = 0; i < v.size(); ++i) {
        const char c = v[i];
        if (in_string) {
            compact += c;
            if (c == '\\') compact += v[++i];
            else if (c == '"') in_string = false;
        } else if (!ws(c)) {
            compact += c;
            in_string = c == '"';
        }
    }
    return compact;
}

/// What JSON adds to the shared envelope pass (detail/codec/envelope.hpp).
struct json_envelope {
    // Discord writes t before d, so nothing needs predicting.
    static bool guess_t(std::string_view, std::string_view&) { return false; }
    static std::string kept(std::string_view in, std::size_t b, std::size_t e) {
        return std::string(trim_ws(in.data() + b, in.data() + e));
    }
    static bool take_raw(json_source& src, std::string_view, std::size_t, std::string& out, const decode_limits& lim) {
        pull::decoder<json_source> dec(src, lim, envelope_detail::top_depth);
        return dec.capture(out);
    }
    static bool later(std::string_view in, std::size_t b, std::size_t e, const payload_choice& c, envelope& env,
                      decode_error& err, const decode_limits& lim) {
        const std::string_view text = in.substr(b, e - b);
        const decode_limits inner = envelope_detail::inside_envelope(lim);
        bool ok;
        if (c.action == payload_action::decode) {
            const std::size_t n0 = lim.mismatched ? lim.mismatched->size() : 0;
            ok = decode_json_value(text, *c.ti, c.storage, err, "d", inner);
            if (ok) envelope_detail::shift_mismatches(lim, n0, static_cast<std::ptrdiff_t>(b));
            if (ok && c.keep_raw) env.raw_d.assign(trim_ws(text.data(), text.data() + text.size()));
        } else {
            json_source src(text, inner.max_depth, err);
            pull::decoder<json_source> dec(src, inner);
            ok = dec.capture(env.raw_d);
        }
        if (!ok) err.offset += b;
        return ok;
    }
};

} // namespace

bool decode_json_envelope(std::string_view in, envelope& env, chooser choose, void* ctx, decode_error& err,
                          const decode_limits& lim) {
    err = {};
    json_source src(in, lim.max_depth, err);
    return envelope_detail::read_envelope<json_envelope>(src, in, env, choose, ctx, err, lim, false) ==
           envelope_detail::pass::ok;
}

} // namespace dgw::codec
