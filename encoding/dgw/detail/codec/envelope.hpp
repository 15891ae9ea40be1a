#pragma once
/// The gateway envelope `{op, s, t, d}`, read once for every encoding (internal).
///
/// Both front ends (json_front.cpp, etf_front.cpp) call `read_envelope` with their pull
/// source, so every edge (missing, repeated or out-of-range `op`, wrong types, `d` before
/// `op`/`t`, nesting) is decided here, once, with the same error codes. What differs by
/// encoding is passed in as a small policy `F`:
///
///     static bool guess_t(std::string_view in, std::string_view& t)
///         `t` predicted before it is read (ETF: from the sorted map's tail); false if none
///     static std::string kept(std::string_view in, std::size_t b, std::size_t e)
///         d's bytes [b, e) as envelope::raw_d keeps them
///     static bool take_raw(S& src, std::string_view in, std::size_t b, std::string& out,
///                          const decode_limits&)
///         payload_action::raw with the source at d: read d into `out`
///     static bool later(std::string_view in, std::size_t b, std::size_t e, const payload_choice&,
///                       envelope&, decode_error&, const decode_limits&)
///         decode or keep d [b, e) after the envelope was read (d came before op/t)

#include <dgw/codec/decode.hpp>
#include <dgw/detail/codec/pull.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace dgw::codec::envelope_detail {

/// The outcome of one pass. wrong_guess: d was decoded on a predicted `t` that the real
/// `t` contradicts; the caller starts over without a guess (the chooser then hands out
/// fresh storage, which a second decode into used storage could not promise).
enum class pass { ok, failed, wrong_guess };

/// The container depth of a top-level value (`d`, or a key Discord does not send): the
/// envelope is the one open container. The depth limit counts from the message root, so
/// `d` nests as deep in every path (read in place, skipped, kept raw or decoded after the
/// envelope).
inline constexpr std::size_t top_depth = 1;

/// op: an integer that fits an int (opcodes are small; the client stores an int).
/// s: an integer 0..2^63-1 or null. A uint64 from either encoding is out of range.
template <class S>
bool read_int(S& src, const pull::scalar& v, const char* key, bool nullable, std::int64_t max,
              std::optional<std::int64_t>& out) {
    using pull::vt;
    if (v.t == vt::null && nullable) {
        out.reset();
        return true;
    }
    if (v.t == vt::int64 && v.i >= 0 && v.i <= max) {
        out = v.i;
        return true;
    }
    if (v.t == vt::int64 || v.t == vt::uint64)
        return src.error().fail(codec_errc::number_out_of_range, src.offset(), key,
                                "out of range for the envelope");
    return src.error().fail(codec_errc::type_mismatch, src.offset(), key,
                         nullable ? "expected an integer or null" : "expected an integer");
}

template <class F, class S>
pass read_envelope(S& src, std::string_view in, envelope& env, chooser choose, void* ctx, decode_error& err,
                   const decode_limits& lim, bool use_guess) {
    using pull::scalar;
    using pull::vt;
    env.clear();
    scalar v;
    if (!src.value(v)) return pass::failed;
    if (v.t != vt::object) {
        err.fail(codec_errc::not_an_object, src.offset(), "", "the gateway envelope must be an object");
        return pass::failed;
    }
    std::string_view guess;
    const bool guessed = use_guess && F::guess_t(in, guess);
    bool seen_op = false, seen_s = false, seen_t = false, on_guess = false, decoded_on_guess = false,
         deferred = false;
    std::size_t d_begin = 0, d_end = 0;
    auto repeated = [&](const char* key) {
        err.fail(codec_errc::repeated_key, src.offset(), key, "a key may appear once in the envelope");
        return pass::failed;
    };

    std::string_view k;
    bool done = false;
    for (bool first = true;; first = false) {
        if (!src.next_key(first, k, done)) return pass::failed;
        if (done) break;
        if (k == "d") {
            if (env.has_d) return repeated("d");
            env.has_d = true;
            d_begin = src.pos();
            // Once op is known and t is known or irrelevant, d goes straight to its place.
            // Otherwise it goes where a predicted t sends it (checked at the end), or its
            // extent is noted and the decision waits for the end of the envelope.
            payload_choice c;
            if (seen_op && (env.op != 0 || seen_t)) {
                c = choose(ctx, env.op, env.t, env.has_t);
            } else if (guessed) {
                c = choose(ctx, 0, guess, true);
                on_guess = true;
                decoded_on_guess = c.action == payload_action::decode;
            } else {
                c = {};
                deferred = true;
            }
            if (c.action == payload_action::decode) {
                if (!pull::decode_root(src, lim, top_depth, c.ti, c.storage, "d")) return decoded_on_guess ? pass::wrong_guess : pass::failed;
                if (c.keep_raw) env.raw_d = F::kept(in, d_begin, src.pos());
            } else if (c.action == payload_action::raw) {
                if (!F::take_raw(src, in, d_begin, env.raw_d, lim)) return pass::failed;
            } else if (!src.skip(top_depth)) {
                return pass::failed;
            }
            d_end = src.pos();
            continue;
        }
        const bool is_op = k == "op", is_s = k == "s", is_t = k == "t";
        if (!is_op && !is_s && !is_t) { // a key Discord does not send: checked and passed over
            if (!src.skip(top_depth)) return pass::failed;
            continue;
        }
        if (!src.value(v)) return pass::failed;
        if (is_op) {
            if (seen_op) return repeated("op");
            seen_op = true;
            std::optional<std::int64_t> op;
            if (!read_int(src, v, "op", false, std::numeric_limits<int>::max(), op)) return pass::failed;
            env.op = *op;
        } else if (is_s) {
            if (seen_s) return repeated("s");
            seen_s = true;
            if (!read_int(src, v, "s", true, std::numeric_limits<std::int64_t>::max(), env.s)) return pass::failed;
        } else {
            if (seen_t) return repeated("t");
            seen_t = true;
            if (v.t == vt::string) {
                env.has_t = true;
                env.t.assign(v.s);
            } else if (v.t != vt::null) {
                err.fail(codec_errc::type_mismatch, src.offset(), "t", "expected a string or null");
                return pass::failed;
            }
        }
    }
    if (!src.finish()) return pass::failed;
    if (!seen_op) {
        err.fail(codec_errc::missing_field, 0, "op", "the envelope has no op");
        return pass::failed;
    }
    if (on_guess) {
        if (env.op == 0 && env.has_t && env.t == guess) return pass::ok;
        if (decoded_on_guess) return pass::wrong_guess;
        // Skipped or kept on a wrong guess: decide again on the real op/t, over d's extent.
        env.raw_d.clear();
        deferred = true;
    }
    if (!deferred) return pass::ok;
    const payload_choice c = choose(ctx, env.op, env.t, env.has_t);
    if (c.action == payload_action::skip) return pass::ok;
    return F::later(in, d_begin, d_end, c, env, err, lim) ? pass::ok : pass::failed;
}

/// The limits for a `d` decoded on its own after the envelope: one level is the envelope.
inline decode_limits inside_envelope(decode_limits lim) {
    lim.max_depth = lim.max_depth > top_depth ? lim.max_depth - top_depth : 0;
    return lim;
}

/// A `d` decoded on its own after the envelope reports offsets into its own bytes: the
/// mismatches it added from `n0` on are moved by `by` to point into the message.
inline void shift_mismatches(const decode_limits& lim, std::size_t n0, std::ptrdiff_t by) {
    if (lim.mismatched == nullptr) return;
    for (std::size_t i = n0; i < lim.mismatched->size(); ++i)
        (*lim.mismatched)[i].offset = static_cast<std::size_t>(static_cast<std::ptrdiff_t>((*lim.mismatched)[i].offset) + by);
}

} // namespace dgw::codec::envelope_detail
