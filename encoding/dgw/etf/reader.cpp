#include <dgw/etf/reader.hpp>
#include <dgw/detail/etf/byte_io.hpp>
#include <dgw/detail/etf/tags.hpp>
#include <dgw/detail/etf/utf8.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <new>

namespace dgw::etf {
namespace {

using detail::be16;
using detail::be32;
using detail::u8;

// Erlang rejects atoms over 255 characters; a UTF-8 character takes at most 4 bytes.
constexpr std::size_t max_atom_chars = 255;
constexpr std::size_t max_utf8_atom_bytes = 4 * max_atom_chars;

} // namespace

reader::reader(std::string_view input, limits lim) : data_(input), input_(input), lim_(lim) {}

reader::~reader() = default;

reader::reader(reader&& o) noexcept
    : data_(o.data_), input_(o.input_), lim_(o.lim_), pos_(o.pos_), depth_(o.depth_), started_(o.started_),
      top_read_(o.top_read_), failed_(o.failed_), err_(std::move(o.err_)),
      heap_frames_(std::move(o.heap_frames_)), inflated_(std::move(o.inflated_)) {
    // Only the live frames are copied; the scratch buffer is not carried over (token views
    // into it die with the move, as documented).
    if (heap_frames_)
        frames_ = heap_frames_.get();
    else
        std::copy_n(o.inline_frames_.data(), depth_, inline_frames_.data());
}

reader& reader::operator=(reader&& o) noexcept {
    if (this != &o) {
        this->~reader();
        new (this) reader(std::move(o));
    }
    return *this;
}

bool reader::fail_text(etf_errc code, std::size_t at, std::string detail) {
    failed_ = true;
    err_.code = code;
    err_.offset = at;
    if (inflated_) detail += detail.empty() ? "offset into the inflated COMPRESSED term"
                                            : " (offset into the inflated COMPRESSED term)";
    err_.detail = std::move(detail);
    return false;
}

bool reader::fail(etf_errc code, std::size_t at, const char* what, std::uint64_t n) {
    std::string detail = what;
    if (n != no_number) detail += std::to_string(n);
    return fail_text(code, at, std::move(detail));
}

bool reader::fail_truncated(std::size_t at, std::size_t n) {
    return fail_text(etf_errc::truncated, at,
                     "term needs " + std::to_string(n) + " bytes, " + std::to_string(data_.size() - at) +
                         " remain");
}

bool reader::fail_length(std::size_t at, std::uint64_t len, std::size_t header) {
    return fail_text(etf_errc::length_too_large, at,
                     "declared length " + std::to_string(len) + " exceeds the " +
                         std::to_string(data_.size() - at - header) + " remaining bytes");
}

bool reader::fail_utf8(std::size_t at, std::size_t bad) {
    return fail(etf_errc::invalid_utf8, at, "invalid UTF-8 at byte ", bad);
}

bool reader::check_utf8(std::string_view s, std::size_t at) {
    if (!lim_.validate_utf8) return true;
    const std::size_t bad = detail::invalid_utf8_at(s);
    return bad == s.size() || fail_utf8(at, bad);
}

bool reader::start() {
    if (input_.empty()) return fail(etf_errc::truncated, 0, "empty input");
    if (u8(input_, 0) != tag::version)
        return fail(etf_errc::bad_version, 0, "first byte is ", u8(input_, 0));
    pos_ = 1;
    started_ = true;
    if (input_.size() > 1 && u8(input_, 1) == tag::compressed) return inflate_compressed();
    return true;
}

bool reader::push(frame_state state, std::uint32_t count, std::size_t at) {
    if (depth_ >= lim_.max_depth)
        return fail(etf_errc::too_deep, at, "depth limit ", lim_.max_depth);
    if (depth_ == inline_frames && !heap_frames_) {
        // Every container takes at least one byte, so the input bounds the depth too.
        const std::size_t cap = std::min(lim_.max_depth, data_.size() + 1);
        heap_frames_.reset(new frame[cap]);
        std::copy(inline_frames_.begin(), inline_frames_.end(), heap_frames_.get());
        frames_ = heap_frames_.get();
    }
    frames_[depth_++] = frame{count, count, state};
    return true;
}

bool reader::close(token& t, bool map, std::uint32_t count) {
    --depth_;
    t.kind = map ? token_kind::map_end : token_kind::array_end;
    t.count = count;
    t.offset = pos_;
    return true;
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
        if (as_key) return fail_key(at, tg);
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
        if (as_key) return fail_key(at, tg);
        return read_float_ext(t, at);
    case tag::atom:
    case tag::atom_utf8: {
        if (!need(at, 3)) return false;
        const std::size_t len = be16(data_, at + 1);
        if (!need_length(at, len, 3)) return false;
        pos_ = at + 3 + len;
        const std::string_view s = data_.substr(at + 3, len);
        if (len <= max_atom_chars && !detail::has_high_bit(s)) [[likely]]
            return atom_token(t, s, as_key); // ASCII: valid as Latin-1 and as UTF-8
        return read_atom(t, at, s, tg == tag::atom_utf8, as_key);
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
        if (!push(frame_state::bytes, len, at)) return false;
        t.kind = token_kind::array_begin;
        t.count = len;
        return true;
    }
    case tag::nil:
        if (as_key) return fail_key(at, tg);
        if (!push(frame_state::tuple, 0, at)) return false;
        pos_ = at + 1;
        t.kind = token_kind::array_begin;
        t.count = 0;
        return true;
    case tag::list:
    case tag::large_tuple:
    case tag::small_tuple:
    case tag::map: {
        if (as_key) return fail_key(at, tg);
        const bool small = tg == tag::small_tuple;
        const std::size_t header = small ? 2 : 5;
        if (!need(at, header)) return false;
        const std::uint32_t n = small ? u8(data_, at + 1) : be32(data_, at + 1);
        // Each element takes at least one byte; a list also has its tail, a map two terms per pair.
        const std::uint64_t min_bytes = tg == tag::map ? 2ull * n : tg == tag::list ? n + 1ull : n;
        if (!need_length(at, min_bytes, header)) return false;
        const frame_state k = tg == tag::map    ? frame_state::map_key
                              : tg == tag::list ? frame_state::list
                                                : frame_state::tuple;
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
        return fail(etf_errc::unknown_tag, at, "tag ", tg);
    }
}

bool reader::next(token& t) {
    if (failed_) [[unlikely]]
        return false;
    if (!started_) [[unlikely]] {
        if (!start()) return false;
    }
    t.atom = false;
    if (depth_ != 0) [[likely]] {
        frame& f = frames_[depth_ - 1];
        // Maps hold most tokens; plain branches on their two states predict better (the
        // key/value alternation is in the branch history) than one indirect jump.
        if (f.state == frame_state::map_value) {
            f.state = frame_state::map_key;
            --f.remaining;
            return read_value(t, false);
        }
        if (f.state == frame_state::map_key) {
            if (f.remaining == 0) return close(t, true, f.count);
            f.state = frame_state::map_value;
            return read_key(t);
        }
        switch (f.state) {
        case frame_state::map_key:
        case frame_state::map_value:
            break; // handled above
        case frame_state::list:
            if (f.remaining != 0) {
                --f.remaining;
                break;
            }
            if (pos_ >= data_.size()) return fail(etf_errc::truncated, pos_, "expected the list tail");
            if (u8(data_, pos_) == tag::nil) {
                ++pos_;
                return close(t, false, f.count);
            }
            f.state = frame_state::list_closing; // an improper tail: one more element
            break;
        case frame_state::list_closing:
            return close(t, false, f.count + 1);
        case frame_state::tuple:
            if (f.remaining == 0) return close(t, false, f.count);
            --f.remaining;
            break;
        case frame_state::bytes:
            if (f.remaining == 0) return close(t, false, f.count);
            --f.remaining;
            t.kind = token_kind::int64;
            t.i = u8(data_, pos_);
            t.offset = pos_++;
            return true;
        }
    } else {
        if (top_read_) {
            if (pos_ != data_.size())
                return fail(etf_errc::trailing_data, pos_, "bytes after the term: ", data_.size() - pos_);
            t.kind = token_kind::end;
            t.offset = pos_;
            return true;
        }
        top_read_ = true;
    }
    return read_value(t, false);
}

// Keys are nearly half of all tokens and almost always ASCII atoms (from Discord, as
// ATOM_EXT up to OTP 25 and SMALL_ATOM_UTF8_EXT from OTP 26) or binaries (from clients),
// so those skip the general dispatch in read_value.
bool reader::read_key(token& t) {
    const std::size_t at = pos_;
    const std::size_t left = data_.size() - at;
    if (left >= 3 && u8(data_, at) == tag::atom) {
        const std::size_t len = be16(data_, at + 1);
        if (len <= left - 3 && len <= max_atom_chars) {
            const std::string_view s = data_.substr(at + 3, len);
            if (!detail::has_high_bit(s)) {
                pos_ = at + 3 + len;
                t.kind = token_kind::key;
                t.atom = true;
                t.str = s;
                t.offset = at;
                return true;
            }
        }
    } else if (left >= 2 && u8(data_, at) == tag::small_atom_utf8) {
        // What OTP 26+ writes for every atom key.
        const std::size_t len = u8(data_, at + 1);
        if (len <= left - 2) {
            const std::string_view s = data_.substr(at + 2, len);
            if (!detail::has_high_bit(s)) {
                pos_ = at + 2 + len;
                t.kind = token_kind::key;
                t.atom = true;
                t.str = s;
                t.offset = at;
                return true;
            }
        }
    } else if (left >= 5 && u8(data_, at) == tag::binary) {
        const std::size_t len = be32(data_, at + 1);
        if (len <= left - 5) {
            const std::string_view s = data_.substr(at + 5, len);
            if (!check_utf8(s, at)) return false;
            pos_ = at + 5 + len;
            t.kind = token_kind::key;
            t.str = s;
            t.offset = at;
            return true;
        }
    }
    return read_value(t, true);
}

bool reader::read_atom(token& t, std::size_t at, std::string_view s, bool utf8, bool as_key) {
    if (utf8) {
        if (s.size() > max_utf8_atom_bytes)
            return fail(etf_errc::bad_atom, at, "UTF-8 atom longer than 1020 bytes: ", s.size());
        if (!check_utf8(s, at)) return false;
    } else {
        if (s.size() > max_atom_chars)
            return fail(etf_errc::bad_atom, at, "atom longer than 255 characters: ", s.size());
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
    return atom_token(t, s, as_key);
}

bool reader::read_big(token& t, std::size_t at, std::size_t n, bool as_key) {
    const std::size_t header = u8(data_, at) == tag::small_big ? 3 : 6;
    const bool negative = u8(data_, at + header - 1) != 0; // Erlang treats any nonzero sign byte as minus
    const std::size_t digits = at + header;
    std::size_t sig = n;
    while (sig > 0 && u8(data_, digits + sig - 1) == 0) --sig;
    if (sig > 8)
        return fail(etf_errc::big_too_large, at, "significant magnitude bytes: ", sig);
    std::uint64_t mag = 0;
    for (std::size_t k = sig; k-- > 0;) mag = (mag << 8) | u8(data_, digits + k);
    pos_ = digits + n;
    char* const b = scratch_.data();
    char* const e = b + scratch_.size();
    bool is_unsigned;
    if (!detail::big_value(negative, mag, is_unsigned, t.i, t.u))
        return fail(etf_errc::big_too_large, at, "negative big below INT64_MIN");
    t.kind = is_unsigned ? token_kind::uint64 : token_kind::int64;
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
