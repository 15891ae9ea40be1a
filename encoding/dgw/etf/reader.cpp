#include <dgw/etf/reader.hpp>
#include <dgw/etf/byte_io.hpp>
#include <dgw/etf/tags.hpp>
#include <dgw/etf/utf8.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

namespace dgw::etf {
namespace {

using detail::be16;
using detail::be32;
using detail::u8;

std::string tag_detail(std::uint8_t t) { return "tag " + std::to_string(t); }

// Erlang rejects atoms over 255 characters; a UTF-8 character takes at most 4 bytes.
constexpr std::size_t max_atom_chars = 255;
constexpr std::size_t max_utf8_atom_bytes = 4 * max_atom_chars;

} // namespace

reader::reader(std::string_view input, limits lim) : data_(input), input_(input), lim_(lim) {}

reader::~reader() = default;

bool reader::fail(etf_errc code, std::size_t at, std::string detail) {
    failed_ = true;
    err_.code = code;
    err_.offset = at;
    if (inflated_) detail += detail.empty() ? "offset into the inflated COMPRESSED term"
                                            : " (offset into the inflated COMPRESSED term)";
    err_.detail = std::move(detail);
    return false;
}

bool reader::need(std::size_t at, std::size_t n) {
    if (data_.size() - at >= n) return true;
    return fail(etf_errc::truncated, at,
                "term needs " + std::to_string(n) + " bytes, " + std::to_string(data_.size() - at) +
                    " remain");
}

// `len` counts whatever must follow the `header` bytes (bytes, or terms of at least one
// byte each), so comparing it with the remaining bytes also bounds element counts.
bool reader::need_length(std::size_t at, std::uint64_t len, std::size_t header) {
    const std::uint64_t rest = data_.size() - at - header;
    if (len <= rest) return true;
    return fail(etf_errc::length_too_large, at,
                "declared length " + std::to_string(len) + " exceeds the " + std::to_string(rest) +
                    " remaining bytes");
}

bool reader::check_utf8(std::string_view s, std::size_t at) {
    if (!lim_.validate_utf8) return true;
    const std::size_t bad = detail::invalid_utf8_at(s);
    if (bad == s.size()) return true;
    return fail(etf_errc::invalid_utf8, at, "invalid UTF-8 at byte " + std::to_string(bad) + " of the text");
}

bool reader::start() {
    if (input_.empty()) return fail(etf_errc::truncated, 0, "empty input");
    if (u8(input_, 0) != tag::version)
        return fail(etf_errc::bad_version, 0, "first byte is " + std::to_string(u8(input_, 0)));
    pos_ = 1;
    started_ = true;
    if (input_.size() > 1 && u8(input_, 1) == tag::compressed) return inflate_compressed();
    return true;
}

bool reader::push(frame_kind kind, std::uint32_t count, std::size_t at) {
    if (depth_ >= lim_.max_depth)
        return fail(etf_errc::too_deep, at, "depth limit " + std::to_string(lim_.max_depth));
    if (depth_ == inline_frames && !heap_frames_) {
        // Every container takes at least one byte, so the input bounds the depth too.
        const std::size_t cap = std::min(lim_.max_depth, data_.size() + 1);
        heap_frames_.reset(new frame[cap]);
        std::copy(inline_frames_.begin(), inline_frames_.end(), heap_frames_.get());
    }
    frames()[depth_++] = frame{count, count, kind, 0};
    return true;
}

bool reader::close(token& t, frame_kind kind, std::uint32_t count) {
    --depth_;
    t.kind = kind == frame_kind::map ? token_kind::map_end : token_kind::array_end;
    t.count = count;
    t.offset = pos_;
    return true;
}

bool reader::next(token& t) {
    if (failed_) return false;
    if (!started_ && !start()) return false;
    t.atom = false;
    if (depth_ == 0) {
        if (top_read_) {
            if (pos_ != data_.size())
                return fail(etf_errc::trailing_data, pos_,
                            std::to_string(data_.size() - pos_) + " bytes after the term");
            t.kind = token_kind::end;
            t.offset = pos_;
            return true;
        }
        top_read_ = true;
        return read_value(t, false);
    }
    frame& f = frames()[depth_ - 1];
    switch (f.kind) {
    case frame_kind::map:
        if (f.phase == 0) {
            if (f.remaining == 0) return close(t, f.kind, f.count);
            f.phase = 1;
            return read_value(t, true);
        }
        f.phase = 0;
        --f.remaining;
        return read_value(t, false);
    case frame_kind::list:
        if (f.remaining != 0) {
            --f.remaining;
            return read_value(t, false);
        }
        if (f.phase == 0) {
            if (pos_ >= data_.size()) return fail(etf_errc::truncated, pos_, "expected the list tail");
            if (u8(data_, pos_) == tag::nil) {
                ++pos_;
                return close(t, f.kind, f.count);
            }
            f.phase = 1; // an improper tail: deliver it as one more element
            return read_value(t, false);
        }
        return close(t, f.kind, f.count + 1);
    case frame_kind::tuple:
        if (f.remaining == 0) return close(t, f.kind, f.count);
        --f.remaining;
        return read_value(t, false);
    case frame_kind::bytes:
        if (f.remaining == 0) return close(t, f.kind, f.count);
        --f.remaining;
        t.kind = token_kind::int64;
        t.i = u8(data_, pos_);
        t.offset = pos_++;
        return true;
    }
    return false;
}

bool reader::read_value(token& t, bool as_key) {
    const std::size_t at = pos_;
    if (at >= data_.size()) return fail(etf_errc::truncated, at, "expected a term");
    t.offset = at;
    const std::uint8_t tg = u8(data_, at);
    auto integer = [&](std::int64_t v) {
        if (as_key) {
            auto r = std::to_chars(scratch_.data(), scratch_.data() + scratch_.size(), v);
            t.kind = token_kind::key;
            t.str = std::string_view(scratch_.data(), static_cast<std::size_t>(r.ptr - scratch_.data()));
        } else {
            t.kind = token_kind::int64;
            t.i = v;
        }
        return true;
    };
    auto not_a_key = [&] {
        return fail(etf_errc::unexpected_type, at,
                    "map key must be an atom, binary, string or integer, got " + tag_detail(tg));
    };
    switch (tg) {
    case tag::small_integer:
        if (!need(at, 2)) return false;
        pos_ = at + 2;
        return integer(u8(data_, at + 1));
    case tag::integer:
        if (!need(at, 5)) return false;
        pos_ = at + 5;
        return integer(static_cast<std::int32_t>(be32(data_, at + 1)));
    case tag::new_float: {
        if (as_key) return not_a_key();
        if (!need(at, 9)) return false;
        std::uint64_t bits = 0;
        for (std::size_t k = 1; k <= 8; ++k) bits = (bits << 8) | u8(data_, at + k);
        double v;
        std::memcpy(&v, &bits, sizeof v);
        if (!std::isfinite(v)) return fail(etf_errc::bad_float, at, "NaN or infinity");
        pos_ = at + 9;
        t.kind = token_kind::float64;
        t.f = v;
        return true;
    }
    case tag::float_text:
        if (as_key) return not_a_key();
        return read_float_ext(t, at);
    case tag::atom:
    case tag::atom_utf8: {
        if (!need(at, 3)) return false;
        const std::size_t len = be16(data_, at + 1);
        if (!need_length(at, len, 3)) return false;
        pos_ = at + 3 + len;
        return read_atom(t, at, data_.substr(at + 3, len), tg == tag::atom_utf8, as_key);
    }
    case tag::small_atom:
    case tag::small_atom_utf8: {
        if (!need(at, 2)) return false;
        const std::size_t len = u8(data_, at + 1);
        if (!need_length(at, len, 2)) return false;
        pos_ = at + 2 + len;
        return read_atom(t, at, data_.substr(at + 2, len), tg == tag::small_atom_utf8, as_key);
    }
    case tag::binary: {
        if (!need(at, 5)) return false;
        const std::uint32_t len = be32(data_, at + 1);
        if (!need_length(at, len, 5)) return false;
        const std::string_view s = data_.substr(at + 5, len);
        if (!check_utf8(s, at)) return false;
        pos_ = at + 5 + len;
        t.kind = as_key ? token_kind::key : token_kind::string;
        t.str = s;
        return true;
    }
    case tag::string: {
        if (!need(at, 3)) return false;
        const std::uint32_t len = be16(data_, at + 1);
        if (!need_length(at, len, 3)) return false;
        pos_ = at + 3;
        if (as_key) {
            // Erlang's own view of a key like "abc" typed as a charlist: take the bytes as text.
            const std::string_view s = data_.substr(at + 3, len);
            if (!check_utf8(s, at)) return false;
            pos_ += len;
            t.kind = token_kind::key;
            t.str = s;
            return true;
        }
        if (!push(frame_kind::bytes, len, at)) return false;
        t.kind = token_kind::array_begin;
        t.count = len;
        return true;
    }
    case tag::nil:
        if (as_key) return not_a_key();
        if (!push(frame_kind::tuple, 0, at)) return false;
        pos_ = at + 1;
        t.kind = token_kind::array_begin;
        t.count = 0;
        return true;
    case tag::list:
    case tag::large_tuple:
    case tag::small_tuple:
    case tag::map: {
        if (as_key) return not_a_key();
        const bool small = tg == tag::small_tuple;
        const std::size_t header = small ? 2 : 5;
        if (!need(at, header)) return false;
        const std::uint32_t n = small ? u8(data_, at + 1) : be32(data_, at + 1);
        // Each element takes at least one byte; a list also has its tail, a map two terms per pair.
        const std::uint64_t min_bytes = tg == tag::map ? 2ull * n : tg == tag::list ? n + 1ull : n;
        if (!need_length(at, min_bytes, header)) return false;
        const frame_kind k = tg == tag::map ? frame_kind::map : tg == tag::list ? frame_kind::list : frame_kind::tuple;
        if (!push(k, n, at)) return false;
        pos_ = at + header;
        t.kind = tg == tag::map ? token_kind::map_begin : token_kind::array_begin;
        t.count = n;
        return true;
    }
    case tag::small_big: {
        if (!need(at, 3)) return false;
        const std::size_t n = u8(data_, at + 1);
        if (!need_length(at, n, 3)) return false;
        return read_big(t, at, n, as_key);
    }
    case tag::large_big: {
        if (!need(at, 6)) return false;
        const std::uint32_t n = be32(data_, at + 1);
        if (!need_length(at, n, 6)) return false;
        return read_big(t, at, n, as_key);
    }
    case tag::compressed:
        return fail(etf_errc::unknown_tag, at, "COMPRESSED (tag 80) is only allowed directly after the version byte");
    default:
        return fail(etf_errc::unknown_tag, at, tag_detail(tg));
    }
}

bool reader::read_atom(token& t, std::size_t at, std::string_view s, bool utf8, bool as_key) {
    if (utf8) {
        if (s.size() > max_utf8_atom_bytes)
            return fail(etf_errc::bad_atom, at, "UTF-8 atom of " + std::to_string(s.size()) + " bytes");
        if (!check_utf8(s, at)) return false;
    } else {
        if (s.size() > max_atom_chars)
            return fail(etf_errc::bad_atom, at, "atom of " + std::to_string(s.size()) + " characters");
        // Latin-1 is converted, not rejected: OTP <= 25 writes any atom whose characters
        // are all below 256 as ATOM_EXT, so such atoms are legitimate.
        if (detail::has_high_bit(s)) {
            std::size_t o = 0;
            for (const char ch : s) {
                const auto c = static_cast<unsigned char>(ch);
                if (c < 0x80) {
                    scratch_[o++] = ch;
                } else {
                    scratch_[o++] = static_cast<char>(0xC0 | (c >> 6));
                    scratch_[o++] = static_cast<char>(0x80 | (c & 0x3F));
                }
            }
            s = std::string_view(scratch_.data(), o);
        }
    }
    t.atom = true;
    t.str = s;
    if (as_key) {
        t.kind = token_kind::key;
    } else if (s == "nil") {
        t.kind = token_kind::null;
    } else if (s == "true" || s == "false") {
        t.kind = token_kind::boolean;
        t.b = s[0] == 't';
    } else {
        t.kind = token_kind::string;
    }
    return true;
}

bool reader::read_big(token& t, std::size_t at, std::size_t n, bool as_key) {
    const std::size_t header = u8(data_, at) == tag::small_big ? 3 : 6;
    const bool negative = u8(data_, at + header - 1) != 0; // Erlang treats any nonzero sign byte as minus
    const std::size_t digits = at + header;
    std::size_t sig = n;
    while (sig > 0 && u8(data_, digits + sig - 1) == 0) --sig;
    if (sig > 8)
        return fail(etf_errc::big_too_large, at, std::to_string(sig) + " significant magnitude bytes");
    std::uint64_t mag = 0;
    for (std::size_t k = sig; k-- > 0;) mag = (mag << 8) | u8(data_, digits + k);
    constexpr std::uint64_t int64_max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    pos_ = digits + n;
    char* const b = scratch_.data();
    char* const e = b + scratch_.size();
    if (!negative) {
        if (mag <= int64_max) {
            t.kind = token_kind::int64;
            t.i = static_cast<std::int64_t>(mag);
        } else {
            t.kind = token_kind::uint64;
            t.u = mag;
        }
    } else {
        if (mag > int64_max + 1)
            return fail(etf_errc::big_too_large, at, "negative big below INT64_MIN");
        t.kind = token_kind::int64;
        // Negate in unsigned arithmetic so -2^63 needs no signed overflow.
        t.i = static_cast<std::int64_t>(0 - mag);
    }
    if (as_key) {
        auto r = t.kind == token_kind::uint64 ? std::to_chars(b, e, t.u) : std::to_chars(b, e, t.i);
        t.kind = token_kind::key;
        t.str = std::string_view(b, static_cast<std::size_t>(r.ptr - b));
    }
    return true;
}

bool reader::read_float_ext(token& t, std::size_t at) {
    if (!need(at, 32)) return false;
    const std::string_view text = data_.substr(at + 1, 31);
    const std::size_t len = std::min(text.find('\0'), text.size());
    double v = 0;
    const auto r = std::from_chars(text.data(), text.data() + len, v);
    if (r.ec != std::errc{} || r.ptr != text.data() + len || len == 0 || !std::isfinite(v))
        return fail(etf_errc::bad_float, at, "FLOAT_EXT text is not a finite number");
    pos_ = at + 32;
    t.kind = token_kind::float64;
    t.f = v;
    return true;
}

} // namespace dgw::etf
