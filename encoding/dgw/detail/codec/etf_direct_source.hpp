#pragma once
/// The direct ETF source for pull::decoder (internal; etf_front.cpp only): reads the forms
/// Discord sends straight from the bytes and gives up on anything else, which the caller
/// then decodes again through reader_source.
///
/// Why a second source and not a faster reader: the reader produces a token per term
/// (kind, offset, views) behind a call and a frame-state switch; the decoder already
/// knows what it expects, so reading the next term in place saves most of that work, and
/// an expected atom key is compared without being decoded at all. Measured on the corpus
/// (bench_typed, BM_etf_typed against BM_etf_typed_reader_only): typed ETF decode is
/// about 1.4 times as fast with it, which is why a third ETF walker (besides etf::reader
/// and etf/skip.hpp) is kept.

#include <dgw/detail/codec/etf_reader_source.hpp>
#include <dgw/detail/codec/pull.hpp>
#include <dgw/detail/etf/byte_io.hpp>
#include <dgw/detail/etf/tags.hpp>
#include <dgw/detail/etf/utf8.hpp>
#include <dgw/error.hpp>
#include <dgw/etf/skip.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace dgw::codec::etf_detail {

using pull::scalar;
using pull::vt;

/// Reads the common forms straight from the bytes; anything else makes it give up
/// (`gave_up`), and the caller decodes the message again with reader_source. What it
/// accepts it reads exactly as etf::reader would.
class direct_source {
public:
    direct_source(std::string_view in, std::size_t max_depth, decode_error& err)
        : d_(in), max_depth_(std::min(max_depth, max_frames)), depth_limit_(max_depth), err_(err) {
        // (COMPRESSED messages arrive here inflated; see decode_inflated.)
        if (in.size() < 2 || u8(0) != etf::tag::version || u8(1) == etf::tag::compressed) give_up();
        pos_ = 1;
    }

    decode_error& error() { return err_; }
    std::size_t offset() const { return at_; }
    std::size_t pos() const { return pos_; }
    bool gave_up() const { return gave_up_; }

    /// See pull.hpp. The frames below `depth` are untouched by a value read inside them.
    struct mark_type {
        std::size_t pos, depth;
        bool byte_pending;
    };
    mark_type mark() const { return {pos_, depth_, byte_pending_}; }
    bool skip_from(const mark_type& m, std::size_t depth) {
        if (gave_up_) return false;
        pos_ = m.pos;
        depth_ = m.depth;
        byte_pending_ = m.byte_pending;
        return skip(depth);
    }
    bool finish() { return (!gave_up_ && depth_ == 0 && pos_ == d_.size()) || give_up(); }

    bool value(scalar& v) {
        if (gave_up_) return false;
        if (byte_pending_) { // an element of a STRING_EXT list
            byte_pending_ = false;
            at_ = pos_;
            v.t = vt::int64;
            v.i = u8(pos_++);
            return true;
        }
        const std::size_t at = pos_;
        at_ = at;
        const std::size_t left = d_.size() - at;
        if (left == 0) return give_up();
        switch (u8(at)) {
        case etf::tag::small_integer:
            if (left < 2) return give_up();
            v.t = vt::int64;
            v.i = u8(at + 1);
            pos_ = at + 2;
            return true;
        case etf::tag::integer:
            if (left < 5) return give_up();
            v.t = vt::int64;
            v.i = static_cast<std::int32_t>(etf::detail::be32(d_, at + 1));
            pos_ = at + 5;
            return true;
        case etf::tag::small_big: return small_big(v, at, left);
        case etf::tag::new_float: {
            if (left < 9) return give_up();
            std::uint64_t bits = 0;
            for (std::size_t k = 1; k <= 8; ++k) bits = (bits << 8) | u8(at + k);
            double f;
            std::memcpy(&f, &bits, sizeof f);
            if (!std::isfinite(f)) return give_up();
            v.t = vt::float64;
            v.f = f;
            pos_ = at + 9;
            return true;
        }
        case etf::tag::binary: {
            if (left < 5) return give_up();
            const std::size_t len = etf::detail::be32(d_, at + 1);
            if (len > left - 5) return give_up();
            const std::string_view s = std::string_view(d_.data() + at + 5, len);
            if (!valid_utf8(s)) return give_up();
            v.t = vt::string;
            v.s = s;
            pos_ = at + 5 + len;
            return true;
        }
        case etf::tag::atom:
        case etf::tag::atom_utf8: return atom(v, at, 3, left);
        case etf::tag::small_atom:
        case etf::tag::small_atom_utf8: return atom(v, at, 2, left);
        case etf::tag::map: {
            if (left < 5) return give_up();
            const std::uint32_t n = etf::detail::be32(d_, at + 1);
            if (2ull * n > left - 5 || !push(frame_kind::map, n)) return give_up();
            v.t = vt::object;
            pos_ = at + 5;
            return true;
        }
        case etf::tag::list: {
            if (left < 5) return give_up();
            const std::uint32_t n = etf::detail::be32(d_, at + 1);
            if (n + 1ull > left - 5) return give_up();
            return open_array(v, frame_kind::list, n, at + 5);
        }
        case etf::tag::nil: return open_array(v, frame_kind::tuple, 0, at + 1);
        case etf::tag::string: { // a list of small integers
            if (left < 3) return give_up();
            const std::uint32_t n = etf::detail::be16(d_, at + 1);
            if (n > left - 3) return give_up();
            return open_array(v, frame_kind::bytes, n, at + 3);
        }
        case etf::tag::small_tuple: {
            if (left < 2) return give_up();
            const std::uint32_t n = u8(at + 1);
            if (n > left - 2) return give_up();
            return open_array(v, frame_kind::tuple, n, at + 2);
        }
        case etf::tag::large_tuple: {
            if (left < 5) return give_up();
            const std::uint32_t n = etf::detail::be32(d_, at + 1);
            if (n > left - 5) return give_up();
            return open_array(v, frame_kind::tuple, n, at + 5);
        }
        default: return give_up();
        }
    }

    // Snowflakes as Discord sends them: SMALL_BIG_EXT, positive, at most 8 bytes.
    [[gnu::always_inline]] int try_snowflake(std::uint64_t& u) {
        const std::size_t at = pos_;
        const std::size_t left = d_.size() - at;
        if (gave_up_ || byte_pending_ || left < 3 || u8(at) != etf::tag::small_big) return 0;
        const std::size_t n = u8(at + 1);
        if (n > 8 || u8(at + 2) != 0 || n > left - 3) return 0;
        std::uint64_t mag = 0;
        if (left >= 11) {
            std::memcpy(&mag, d_.data() + at + 3, 8);
            mag = le64(mag);
            if (n < 8) mag &= (std::uint64_t{1} << (8 * n)) - 1;
        } else {
            for (std::size_t k = n; k-- > 0;) mag = (mag << 8) | u8(at + 3 + k);
        }
        at_ = at;
        u = mag;
        pos_ = at + 3 + n;
        return 1;
    }

    // true/false as ATOM_EXT (OTP <= 25) or SMALL_ATOM_UTF8_EXT (OTP 26+).
    int try_bool(bool& b) {
        static constexpr std::string_view forms[] = {{"\x64\x00\x04" "true", 7}, {"\x64\x00\x05" "false", 8},
                                                     {"\x77\x04" "true", 6}, {"\x77\x05" "false", 7}};
        const std::size_t at = pos_;
        if (gave_up_ || byte_pending_) return 0;
        const std::string_view rest(d_.data() + at, d_.size() - at);
        for (std::size_t k = 0; k < 4; ++k)
            if (rest.starts_with(forms[k])) {
                b = k % 2 == 0;
                at_ = at;
                pos_ = at + forms[k].size();
                return 1;
            }
        return 0;
    }

    [[gnu::always_inline]] int try_int(std::int64_t& i) {
        const std::size_t at = pos_;
        const std::size_t left = d_.size() - at;
        if (gave_up_ || byte_pending_ || left < 2) return 0;
        if (u8(at) == etf::tag::small_integer) {
            i = u8(at + 1);
            pos_ = at + 2;
        } else if (u8(at) == etf::tag::integer && left >= 5) {
            i = static_cast<std::int32_t>(etf::detail::be32(d_, at + 1));
            pos_ = at + 5;
        } else {
            return 0;
        }
        at_ = at;
        return 1;
    }

    int try_string(std::string_view& s) {
        const std::size_t at = pos_;
        const std::size_t left = d_.size() - at;
        if (gave_up_ || byte_pending_ || left < 5 || u8(at) != etf::tag::binary) return 0;
        const std::size_t len = etf::detail::be32(d_, at + 1);
        if (len > left - 5) return 0;
        s = std::string_view(d_.data() + at + 5, len);
        if (!valid_utf8(s)) return 0;
        at_ = at;
        pos_ = at + 5 + len;
        return 1;
    }

    // Inlined into the decoder's object loop: the expected key is the usual case, and the
    // general key path stays out of line so this one needs few registers.
    [[gnu::always_inline]] bool next_key(bool, std::string_view& k, bool& done, std::string_view expect = {}) {
        if (gave_up_) return false;
        frame& f = frames_[depth_ - 1];
        if (f.remaining == 0) {
            --depth_;
            done = true;
            return true;
        }
        --f.remaining;
        done = false;
        const std::size_t at = pos_;
        at_ = at;
        // The key the decoder expects is compared in place (ATOM_EXT up to OTP 25,
        // SMALL_ATOM_UTF8_EXT from OTP 26); names are ASCII identifiers, so equal bytes
        // are an equal key.
        const std::size_t m = expect.size();
        if (m != 0 && d_.size() - at >= m + 3) {
            const char* p = d_.data() + at;
            const std::uint8_t tg = u8(at);
            if (tg == etf::tag::atom && p[1] == 0 && u8(at + 2) == m && pull::same_key(expect, {p + 3, m})) {
                k = expect;
                pos_ = at + 3 + m;
                return true;
            }
            if (tg == etf::tag::small_atom_utf8 && u8(at + 1) == m && pull::same_key(expect, {p + 2, m})) {
                k = expect;
                pos_ = at + 2 + m;
                return true;
            }
        }
        return any_key(k);
    }

    [[gnu::noinline]] bool any_key(std::string_view& k) {
        const std::size_t at = pos_;
        const std::size_t left = d_.size() - at;
        if (left == 0) return give_up();
        std::size_t header, len;
        switch (u8(at)) {
        case etf::tag::atom:
        case etf::tag::atom_utf8:
            if (left < 3) return give_up();
            header = 3;
            len = etf::detail::be16(d_, at + 1);
            if (len > max_atom_chars) return give_up();
            break;
        case etf::tag::small_atom:
        case etf::tag::small_atom_utf8:
            if (left < 2) return give_up();
            header = 2;
            len = u8(at + 1);
            break;
        case etf::tag::binary:
            if (left < 5) return give_up();
            header = 5;
            len = etf::detail::be32(d_, at + 1);
            break;
        default: return give_up(); // integer or charlist keys: the reader's job
        }
        if (len > left - header) return give_up();
        k = std::string_view(d_.data() + at + header, len);
        // Atoms: ASCII only here (Latin-1 needs converting). Binaries: any valid UTF-8.
        if (header == 5 ? !valid_utf8(k) : etf::detail::has_high_bit(k)) return give_up();
        pos_ = at + header + len;
        return true;
    }

    [[gnu::always_inline]] bool next_elem(bool, bool& done) {
        if (gave_up_) return false;
        frame& f = frames_[depth_ - 1];
        if (f.remaining != 0) {
            --f.remaining;
            byte_pending_ = f.kind == frame_kind::bytes;
            done = false;
            return true;
        }
        if (f.kind == frame_kind::list) {
            // A proper list ends in NIL_EXT; an improper tail is the reader's job.
            if (pos_ >= d_.size() || u8(pos_) != etf::tag::nil) return give_up();
            ++pos_;
        }
        --depth_;
        done = true;
        return true;
    }

    bool skip(std::size_t depth) {
        if (gave_up_) return false;
        if (byte_pending_) {
            byte_pending_ = false;
            ++pos_;
            return true;
        }
        etf::detail::skip_fault f;
        return etf::detail::skip_terms(d_, pos_, 1, f, depth < depth_limit_ ? depth_limit_ - depth : 0) || give_up();
    }

    static constexpr Encoding encoding = Encoding::Etf;
    std::string_view kept(std::size_t b, std::size_t e, std::size_t depth) {
        decode_error ignored; // reader_source reads the message again and reports it
        if (!valid_term_at(d_, b, e, depth < depth_limit_ ? depth_limit_ - depth : 0, ignored)) {
            give_up();
            return {};
        }
        return d_.substr(b, e - b);
    }

private:
    enum class frame_kind : std::uint8_t { map, list, tuple, bytes };
    struct frame {
        std::uint32_t remaining;
        frame_kind kind;
    };
    // Deeper nesting than this is left to the reader (Discord's payloads reach about 8).
    static constexpr std::size_t max_frames = 48;
    static constexpr std::size_t max_atom_chars = 255;

    std::string_view d_;
    std::size_t pos_ = 0;
    std::size_t at_ = 0;
    std::size_t depth_ = 0;
    std::size_t max_depth_;
    std::size_t depth_limit_; // the caller's limit: skipping goes deeper than max_frames
    decode_error& err_;
    bool gave_up_ = false;
    bool byte_pending_ = false;
    frame frames_[max_frames];

    std::uint8_t u8(std::size_t at) const { return static_cast<std::uint8_t>(d_[at]); }
    // The ASCII test inline, the full check (a call) only for text with high bytes.
    static bool valid_utf8(std::string_view s) {
        return !etf::detail::has_high_bit(s) || etf::detail::invalid_utf8_at(s) == s.size();
    }
    static std::uint64_t le64(std::uint64_t v) {
        if constexpr (std::endian::native == std::endian::big) return __builtin_bswap64(v);
        return v;
    }

    [[gnu::cold, gnu::noinline]] bool give_up() {
        gave_up_ = true;
        return err_.fail(etf_errc::unexpected_type, at_, {}, "left to the general reader");
    }

    bool push(frame_kind k, std::uint32_t n) {
        // The reader's limit: the top-level term is depth 1, and max_depth levels may open.
        if (depth_ >= max_depth_) return false;
        frames_[depth_++] = frame{n, k};
        return true;
    }

    bool open_array(scalar& v, frame_kind k, std::uint32_t n, std::size_t body) {
        if (!push(k, n)) return give_up();
        v.t = vt::array;
        v.count = n;
        pos_ = body;
        return true;
    }

    bool atom(scalar& v, std::size_t at, std::size_t header, std::size_t left) {
        if (left < header) return give_up();
        const std::size_t len = header == 3 ? etf::detail::be16(d_, at + 1) : u8(at + 1);
        if (len > left - header || len > max_atom_chars) return give_up();
        const std::string_view s = std::string_view(d_.data() + at + header, len);
        if (etf::detail::has_high_bit(s)) return give_up();
        pos_ = at + header + len;
        if (len == 3 && s == "nil") {
            v.t = vt::null;
        } else if ((len == 4 && s == "true") || (len == 5 && s == "false")) {
            v.t = vt::boolean;
            v.b = len == 4;
        } else {
            v.t = vt::string;
            v.s = s;
        }
        return true;
    }

    bool small_big(scalar& v, std::size_t at, std::size_t left) {
        if (left < 3) return give_up();
        const std::size_t n = u8(at + 1);
        if (n > 8 || n > left - 3) return give_up(); // longer magnitudes: the reader checks them
        const bool negative = u8(at + 2) != 0;
        std::uint64_t mag = 0;
        for (std::size_t k = n; k-- > 0;) mag = (mag << 8) | u8(at + 3 + k);
        bool is_unsigned;
        if (!etf::detail::big_value(negative, mag, is_unsigned, v.i, v.u)) return give_up();
        v.t = is_unsigned ? vt::uint64 : vt::int64;
        pos_ = at + 3 + n;
        return true;
    }
};

} // namespace dgw::codec::etf_detail
