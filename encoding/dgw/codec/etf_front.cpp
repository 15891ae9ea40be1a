// ETF front end of the typed decoder: two pull sources for detail/codec/pull.hpp and the gateway
// envelope on top of either.
//
// direct_source reads the bytes itself and handles what Discord sends (atom keys, ASCII
// atoms, UTF-8 binaries, small bigs, proper lists, maps); reader_source goes through the
// general etf::reader, which handles everything else (Latin-1 atoms, improper lists,
// integer keys, FLOAT_EXT, ...) and words every error. A COMPRESSED message is inflated
// first and then read like any other. A message is first decoded
// with direct_source; if that fails for any reason it is decoded again from the start
// with reader_source, so errors and rare forms cost a second pass, and both paths accept
// exactly the same input (tests and fuzz_decode compare them).
//
// Why a second source and not a faster reader: the reader produces a token per term
// (kind, offset, views) behind a call and a frame-state switch; the decoder already
// knows what it expects, so reading the next term in place saves most of that work, and
// an expected atom key is compared without being decoded at all.
#include <dgw/codec/decode.hpp>
#include <dgw/detail/codec/envelope.hpp>
#include <dgw/detail/codec/pull.hpp>
#include <dgw/detail/etf/byte_io.hpp>
#include <dgw/etf/reader.hpp>
#include <dgw/etf/skip.hpp>
#include <dgw/detail/etf/tags.hpp>
#include <dgw/detail/etf/utf8.hpp>
#include <dgw/raw_json.hpp>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstring>

namespace dgw::codec {
namespace {

etf::limits etf_limits(const decode_limits& lim) {
    etf::limits l;
    l.max_depth = lim.max_depth;
    return l;
}

bool reader_failed(const etf::reader& r, decode_error& err) {
    err = r.error();
    return false;
}

bool expect_end(etf::reader& r, decode_error& err) {
    etf::token t;
    if (!r.next(t)) return reader_failed(r, err);
    if (t.kind != etf::token_kind::end) {
        err = {};
        err.code = etf_errc::trailing_data;
        err.offset = t.offset;
        return false;
    }
    return true;
}

using pull::scalar;
using pull::vt;

/// The ETF reader as a pull source. Arrays need one token of look-ahead: the reader only
/// says an array ended by returning its end token, so an element's first token is kept.
class reader_source {
public:
    reader_source(etf::reader& r, decode_error& err) : r_(r), err_(err) {}

    decode_error& error() { return err_; }
    std::size_t offset() const { return at_; }
    std::size_t pos() const { return r_.offset(); }
    bool finish() { return expect_end(r_, err_); }

    bool value(scalar& v) {
        etf::token& t = tok_;
        if (stashed_) stashed_ = false;
        else if (!r_.next(t)) return reader_failed(r_, err_);
        at_ = t.offset;
        switch (t.kind) {
        case etf::token_kind::map_begin: v.t = vt::object; return true;
        case etf::token_kind::array_begin: v.t = vt::array; v.count = t.count; return true;
        case etf::token_kind::string: v.t = vt::string; v.s = t.str; return true;
        case etf::token_kind::int64: v.t = vt::int64; v.i = t.i; return true;
        case etf::token_kind::uint64: v.t = vt::uint64; v.u = t.u; return true;
        case etf::token_kind::float64: v.t = vt::float64; v.f = t.f; return true;
        case etf::token_kind::boolean: v.t = vt::boolean; v.b = t.b; return true;
        case etf::token_kind::null: v.t = vt::null; return true;
        default: return unexpected(t);
        }
    }

    bool next_key(bool, std::string_view& k, bool& done, std::string_view = {}) {
        etf::token& t = tok_;
        if (!r_.next(t)) return reader_failed(r_, err_);
        at_ = t.offset;
        if (t.kind == etf::token_kind::map_end) {
            done = true;
            return true;
        }
        if (t.kind != etf::token_kind::key) return unexpected(t);
        k = t.str;
        done = false;
        return true;
    }

    bool next_elem(bool, bool& done) {
        etf::token& t = tok_;
        if (!r_.next(t)) return reader_failed(r_, err_);
        at_ = t.offset;
        done = t.kind == etf::token_kind::array_end;
        stashed_ = !done;
        return true;
    }

    // The reader counts open containers itself, so `depth` agrees with it already.
    bool skip(std::size_t /*depth*/) {
        if (!stashed_) return r_.skip_value() || reader_failed(r_, err_);
        stashed_ = false;
        if (tok_.kind != etf::token_kind::map_begin && tok_.kind != etf::token_kind::array_begin) return true;
        // The element's opening token was already read: walk to its end.
        etf::token t;
        for (std::size_t level = 1; level > 0;) {
            if (!r_.next(t)) return reader_failed(r_, err_);
            switch (t.kind) {
            case etf::token_kind::map_begin:
            case etf::token_kind::array_begin: ++level; break;
            case etf::token_kind::map_end:
            case etf::token_kind::array_end: --level; break;
            case etf::token_kind::end: return unexpected(t);
            default: break;
            }
        }
        return true;
    }

private:
    etf::reader& r_;
    decode_error& err_;
    etf::token tok_;
    bool stashed_ = false;
    std::size_t at_ = 0;

    [[gnu::cold, gnu::noinline]] bool unexpected(const etf::token& t) {
        err_ = {};
        err_.code = t.kind == etf::token_kind::end ? make_error_code(etf_errc::truncated)
                                                    : make_error_code(etf_errc::unexpected_type);
        err_.offset = t.offset;
        return false;
    }
};

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
    int try_snowflake(std::uint64_t& u) {
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

    int try_int(std::int64_t& i) {
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

    bool next_elem(bool, bool& done) {
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
        err_ = {};
        err_.code = etf_errc::unexpected_type;
        err_.offset = at_;
        err_.detail = "left to the general reader";
        return false;
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

std::uint32_t be(std::string_view in, std::size_t p, int n) {
    std::uint32_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(in[p + static_cast<std::size_t>(i)]);
    return v;
}

/// Erlang writes small maps with sorted keys, so a gateway message ends with the `t` pair.
/// Finds that pair's value (an atom or binary) by trying each possible length from the
/// end. A guess only: the caller verifies it against the real `t` it reads later.
bool predict_t(std::string_view in, std::string_view& name) {
    static constexpr std::string_view keys[] = {
        std::string_view("\x64\x00\x01t", 4), std::string_view("\x77\x01t", 3), std::string_view("\x73\x01t", 3),
        std::string_view("\x76\x00\x01t", 4), std::string_view("\x6d\x00\x00\x00\x01t", 6)};
    auto key_before = [&](std::size_t pos) {
        for (auto k : keys)
            if (pos >= k.size() && in.compare(pos - k.size(), k.size(), k) == 0) return true;
        return false;
    };
    const std::size_t n = in.size();
    for (std::size_t len = 0; len <= 255; ++len) {
        if (len + 2 > n) return false;
        std::size_t p = n - len - 2;
        auto tag = static_cast<unsigned char>(in[p]);
        if ((tag == 119 || tag == 115) && be(in, p + 1, 1) == len && key_before(p)) {
            name = in.substr(p + 2, len);
            return true;
        }
        if (len + 3 <= n) {
            p = n - len - 3;
            tag = static_cast<unsigned char>(in[p]);
            if ((tag == 100 || tag == 118) && be(in, p + 1, 2) == len && key_before(p)) {
                name = in.substr(p + 3, len);
                return true;
            }
        }
        if (len + 5 <= n) {
            p = n - len - 5;
            if (static_cast<unsigned char>(in[p]) == 109 && be(in, p + 1, 4) == len && key_before(p)) {
                name = in.substr(p + 5, len);
                return true;
            }
        }
    }
    return false;
}

std::string standalone(std::string_view term) {
    std::string s;
    s.reserve(term.size() + 1);
    s.push_back(static_cast<char>(131));
    s.append(term);
    return s;
}

template <class S>
bool decode_value_with(S& src, const type_info& ti, void* obj, std::string_view root, const decode_limits& lim) {
    pull::decoder<S> dec(src, lim.max_depth);
    return dec.root(&ti, obj, root) && src.finish();
}

bool decode_value_slow(std::string_view in, const type_info& ti, void* obj, decode_error& err, std::string_view root,
                       const decode_limits& lim) {
    etf::reader r(in, etf_limits(lim));
    err = {};
    reader_source src(r, err);
    return decode_value_with(src, ti, obj, root, lim);
}

std::atomic<std::uint64_t> fallbacks{0};

void count_fallback() { fallbacks.fetch_add(1, std::memory_order_relaxed); }

} // namespace

std::uint64_t etf_reader_fallbacks() noexcept { return fallbacks.load(std::memory_order_relaxed); }

namespace {

bool is_compressed(std::string_view in) {
    return in.size() >= 2 && static_cast<unsigned char>(in[1]) == etf::tag::compressed;
}

// A COMPRESSED message is inflated first and decoded as the plain message it holds:
// its envelope can then be read like any other (t from the tail, d kept raw). Errors
// inside it are at offsets into the inflated term, as etf::reader reports them.
template <class F>
bool decode_inflated(std::string_view in, decode_error& err, const decode_limits& lim, F&& decode) {
    std::string plain;
    err = {};
    if (!etf::reader::inflate_message(in, plain, err, etf_limits(lim))) return false;
    if (is_compressed(plain)) { // never nested (a zlib quine would recurse for ever)
        err.code = etf_errc::unknown_tag;
        err.offset = 0;
        err.detail = "COMPRESSED (tag 80) is only allowed directly after the version byte "
                     "(offset into the inflated COMPRESSED term)";
        return false;
    }
    if (decode(std::string_view(plain))) return true;
    if (err.offset >= 1) err.offset -= 1; // the version byte put in front
    err.detail += err.detail.empty() ? "offset into the inflated COMPRESSED term"
                                     : " (offset into the inflated COMPRESSED term)";
    return false;
}

} // namespace

bool decode_etf_value(std::string_view in, const type_info& ti, void* obj, decode_error& err, std::string_view root,
                      const decode_limits& lim) {
    if (is_compressed(in))
        return decode_inflated(in, err, lim, [&](std::string_view plain) {
            return decode_etf_value(plain, ti, obj, err, root, lim);
        });
    // The slow path needs a clean object to start over, which only objects can promise.
    if (ti.k == kind::object && lim.etf_direct) {
        direct_source src(in, lim.max_depth, err);
        if (decode_value_with(src, ti, obj, root, lim)) return true;
        count_fallback();
        ti.clear(obj);
    }
    return decode_value_slow(in, ti, obj, err, root, lim);
}

namespace {

using envelope_detail::pass;

/// What ETF adds to the shared envelope pass (detail/codec/envelope.hpp).
struct etf_envelope {
    static bool guess_t(std::string_view in, std::string_view& t) { return predict_t(in, t) && t != "nil"; }
    static std::string kept(std::string_view in, std::size_t b, std::size_t e) { return standalone(in.substr(b, e - b)); }
    // A kept d is read in full, as JSON's capture reads it: what a reader of raw_d (or a
    // conversion to JSON) would refuse is refused here, not turned into something else later.
    template <class S>
    static bool take_raw(S& src, std::string_view in, std::size_t b, std::string& out, const decode_limits& lim) {
        if (!src.skip(envelope_detail::d_depth)) return false;
        out = standalone(in.substr(b, src.pos() - b));
        return valid_term(out, b, src.error(), lim);
    }
    static bool valid_term(std::string_view term, std::size_t b, decode_error& err, const decode_limits& lim) {
        etf::reader r(term, etf_limits(envelope_detail::inside_envelope(lim)));
        etf::token t;
        do {
            if (!r.next(t)) {
                err = r.error();
                if (err.offset >= 1) err.offset += b - 1; // into the message, not `term`
                return false;
            }
        } while (t.kind != etf::token_kind::end);
        return true;
    }
    static bool later(std::string_view in, std::size_t b, std::size_t e, const payload_choice& c, envelope& env,
                      decode_error& err, const decode_limits& lim) {
        std::string term = standalone(in.substr(b, e - b));
        if (c.action == payload_action::decode) {
            if (!decode_etf_value(term, *c.ti, c.storage, err, "d", envelope_detail::inside_envelope(lim))) {
                // Offsets are into `term` (version byte + d): report them in the message.
                if (err.offset >= 1) err.offset += b - 1;
                return false;
            }
            if (!c.keep_raw) return true;
        }
        if (c.action == payload_action::raw && !valid_term(term, b, err, lim)) return false;
        env.raw_d = std::move(term);
        return true;
    }
};

template <class S>
pass read_etf(S& src, std::string_view in, envelope& env, chooser choose, void* ctx, decode_error& err,
              const decode_limits& lim, bool use_guess) {
    return envelope_detail::read_envelope<etf_envelope>(src, in, env, choose, ctx, err, lim, use_guess);
}

pass reader_envelope(std::string_view in, envelope& env, chooser choose, void* ctx, decode_error& err,
                     const decode_limits& lim, bool use_guess) {
    etf::reader r(in, etf_limits(lim));
    reader_source src(r, err);
    return read_etf(src, in, env, choose, ctx, err, lim, use_guess);
}

} // namespace

bool decode_etf_envelope(std::string_view in, envelope& env, chooser choose, void* ctx, decode_error& err,
                         const decode_limits& lim) {
    if (is_compressed(in))
        return decode_inflated(in, err, lim, [&](std::string_view plain) {
            return decode_etf_envelope(plain, env, choose, ctx, err, lim);
        });
    if (lim.etf_direct) {
        direct_source src(in, lim.max_depth, err);
        if (read_etf(src, in, env, choose, ctx, err, lim, true) == pass::ok) return true;
        // Given up, failed or guessed wrong: start over with the reader (the chooser hands
        // out fresh storage again).
        count_fallback();
        err = {};
    }
    switch (reader_envelope(in, env, choose, ctx, err, lim, true)) {
    case pass::ok: return true;
    case pass::failed: return false;
    case pass::wrong_guess: break;
    }
    err = {};
    return reader_envelope(in, env, choose, ctx, err, lim, false) == pass::ok;
}

} // namespace dgw::codec
