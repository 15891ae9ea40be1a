// ETF front end of the typed decoder: the gateway envelope and single values over two pull
// sources (detail/codec/etf_direct_source.hpp, detail/codec/etf_reader_source.hpp).
//
// direct_source reads the bytes itself and handles what Discord sends (atom keys, ASCII
// atoms, UTF-8 binaries, small bigs, proper lists, maps); reader_source goes through the
// general etf::reader, which handles everything else (Latin-1 atoms, improper lists,
// integer keys, FLOAT_EXT, ...) and words every error. A COMPRESSED message is inflated
// first and then read like any other. A message is first decoded
// with direct_source; if that fails for any reason it is decoded again from the start
// with reader_source, so errors and rare forms cost a second pass, and both paths accept
// exactly the same input (tests and fuzz_decode compare them).
#include <dgw/codec/decode.hpp>
#include <dgw/detail/codec/envelope.hpp>
#include <dgw/detail/codec/etf_direct_source.hpp>
#include <dgw/detail/codec/etf_reader_source.hpp>
#include <dgw/detail/codec/pull.hpp>
#include <dgw/etf/reader.hpp>

#include <atomic>
#include <cstdint>
#include <string>

namespace dgw::codec {
namespace {

using etf_detail::direct_source;
using etf_detail::etf_limits;
using etf_detail::reader_source;
using pull::scalar;
using pull::vt;

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
    return pull::decode_root(src, lim, 0, &ti, obj, root) && src.finish();
}

bool decode_value_slow(std::string_view in, const type_info& ti, void* obj, decode_error& err, std::string_view root,
                       const decode_limits& lim) {
    etf::reader r(in, etf_limits(lim));
    err = {};
    reader_source src(r, err);
    return decode_value_with(src, ti, obj, root, lim);
}

// A pass that starts over takes back the mismatches the abandoned one reported.
struct mismatch_mark {
    std::vector<decode_error>* v;
    std::size_t n;
    explicit mismatch_mark(const decode_limits& lim) : v(lim.mismatched), n(v ? v->size() : 0) {}
    void undo() const {
        if (v) v->erase(v->begin() + static_cast<std::ptrdiff_t>(n), v->end());
    }
};

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
        return err.fail(etf_errc::unknown_tag, 0, {},
                        "COMPRESSED (tag 80) is only allowed directly after the version byte "
                        "(offset into the inflated COMPRESSED term)");
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
        const mismatch_mark mark(lim);
        direct_source src(in, lim.max_depth, err);
        if (decode_value_with(src, ti, obj, root, lim)) return true;
        count_fallback();
        ti.clear(obj);
        mark.undo();
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
        if (!src.skip(envelope_detail::top_depth)) return false;
        if (!etf_detail::valid_term_at(in, b, src.pos(), envelope_detail::inside_envelope(lim).max_depth, src.error()))
            return false;
        out = standalone(in.substr(b, src.pos() - b));
        return true;
    }
    static bool later(std::string_view in, std::size_t b, std::size_t e, const payload_choice& c, envelope& env,
                      decode_error& err, const decode_limits& lim) {
        std::string term = standalone(in.substr(b, e - b));
        if (c.action == payload_action::decode) {
            const std::size_t n0 = lim.mismatched ? lim.mismatched->size() : 0;
            if (!decode_etf_value(term, *c.ti, c.storage, err, "d", envelope_detail::inside_envelope(lim))) {
                // Offsets are into `term` (version byte + d): report them in the message.
                if (err.offset >= 1) err.offset += b - 1;
                return false;
            }
            envelope_detail::shift_mismatches(lim, n0, static_cast<std::ptrdiff_t>(b) - 1);
            if (!c.keep_raw) return true;
        }
        if (c.action == payload_action::raw &&
            !etf_detail::valid_term_at(in, b, e, envelope_detail::inside_envelope(lim).max_depth, err))
            return false;
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
    const mismatch_mark mark(lim);
    if (lim.etf_direct) {
        direct_source src(in, lim.max_depth, err);
        if (read_etf(src, in, env, choose, ctx, err, lim, true) == pass::ok) return true;
        // Given up, failed or guessed wrong: start over with the reader (the chooser hands
        // out fresh storage again).
        count_fallback();
        err = {};
        mark.undo();
    }
    switch (reader_envelope(in, env, choose, ctx, err, lim, true)) {
    case pass::ok: return true;
    case pass::failed: return false;
    case pass::wrong_guess: break;
    }
    err = {};
    mark.undo();
    return reader_envelope(in, env, choose, ctx, err, lim, false) == pass::ok;
}

} // namespace dgw::codec
