// ETF front end of the typed decoder: the ETF reader as a pull source for codec/pull.hpp;
// unknown fields are skipped by length, not token by token.
#include <dgw/codec/decode.hpp>
#include <dgw/codec/pull.hpp>
#include <dgw/etf/reader.hpp>
#include <dgw/raw_json.hpp>

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

using pull::scalar;
using pull::vt;

/// The ETF reader as a pull source. Arrays need one token of look-ahead: the reader only
/// says an array ended by returning its end token, so an element's first token is kept.
class etf_source {
public:
    etf_source(etf::reader& r, decode_error& err) : r_(r), err_(err) {}

    decode_error& error() { return err_; }
    std::size_t offset() const { return at_; }

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

    bool skip() {
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

/// Decodes one whole value from `r` into `obj`.
bool feed(etf::reader& r, const type_info* ti, void* obj, std::string_view root, std::size_t max_depth,
          decode_error& err) {
    etf_source src(r, err);
    pull::decoder<etf_source> dec(src, max_depth);
    return dec.root(ti, obj, root);
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

bool top_int(const etf::token& t, std::optional<std::int64_t>& out, decode_error& err) {
    if (t.kind == etf::token_kind::int64) {
        out = t.i;
        return true;
    }
    if (t.kind == etf::token_kind::null) {
        out.reset();
        return true;
    }
    err = {};
    err.code = codec_errc::type_mismatch;
    err.offset = t.offset;
    err.detail = "envelope op/s must be an integer or nil";
    return false;
}

std::string standalone(std::string_view term) {
    std::string s;
    s.reserve(term.size() + 1);
    s.push_back(static_cast<char>(131));
    s.append(term);
    return s;
}

} // namespace

bool decode_etf_value(std::string_view in, const type_info& ti, void* obj, decode_error& err, std::string_view root,
                      const decode_limits& lim) {
    etf::reader r(in, etf_limits(lim));
    err = {};
    return feed(r, &ti, obj, root, lim.max_depth, err) && expect_end(r, err);
}

namespace {

// use_guess: decode d on the t predicted from the message tail (see decode.hpp).
bool etf_envelope(std::string_view in, envelope& env, chooser choose, void* ctx, decode_error& err,
                  const decode_limits& lim, bool use_guess) {
    env.clear();
    etf::reader r(in, etf_limits(lim));
    etf::token t;
    if (!r.next(t)) return reader_failed(r, err);
    if (t.kind != etf::token_kind::map_begin) {
        err = {};
        err.code = codec_errc::not_an_object;
        err.offset = t.offset;
        return false;
    }
    std::string_view guess;
    const bool guessed = use_guess && predict_t(in, guess) && guess != "nil";
    bool decoded_on_guess = false;
    std::size_t d_begin = 0, d_end = 0;
    bool d_deferred = false;

    for (;;) {
        if (!r.next(t)) return reader_failed(r, err);
        if (t.kind == etf::token_kind::map_end) break;
        // keys are key tokens
        const std::string_view k = t.str;
        if (k == "d") {
            env.has_d = true;
            d_begin = r.offset();
            payload_choice c;
            bool known = env.op >= 0 && (env.op != 0 || env.has_t);
            if (known) {
                c = choose(ctx, env.op, env.t, env.has_t);
            } else if (guessed && !r.inflated()) {
                c = choose(ctx, 0, guess, true);
                decoded_on_guess = c.action == payload_action::decode;
            } else {
                c.action = payload_action::raw;
                d_deferred = true;
            }
            if (c.action == payload_action::decode) {
                if (!feed(r, c.ti, c.storage, "d", lim.max_depth, err)) {
                    // d may not fit a wrongly guessed type: read the envelope again without
                    // guessing (d is then decoded once the real t is known).
                    if (decoded_on_guess) return etf_envelope(in, env, choose, ctx, err, lim, false);
                    return false;
                }
            } else {
                if (!r.skip_value()) return reader_failed(r, err);
                if (c.action == payload_action::raw && !d_deferred) {
                    if (r.inflated()) {
                        err = {};
                        err.code = etf_errc::unexpected_type;
                        err.detail = "raw payload inside a COMPRESSED term";
                        return false;
                    }
                    env.raw_d = standalone(in.substr(d_begin, r.offset() - d_begin));
                }
            }
            d_end = r.offset();
            continue;
        }
        if (!r.next(t)) return reader_failed(r, err);
        if (k == "op") {
            std::optional<std::int64_t> v;
            if (!top_int(t, v, err)) return false;
            env.op = v.value_or(-1);
        } else if (k == "s") {
            if (!top_int(t, env.s, err)) return false;
        } else if (k == "t") {
            if (t.kind == etf::token_kind::string) {
                env.has_t = true;
                env.t.assign(t.str);
            } else if (t.kind != etf::token_kind::null) {
                err = {};
                err.code = codec_errc::type_mismatch;
                err.offset = t.offset;
                err.detail = "envelope t must be an atom, a binary or nil";
                return false;
            }
        } else if (t.kind == etf::token_kind::map_begin || t.kind == etf::token_kind::array_begin) {
            // unknown top-level key holding a container: skip the rest of it
            std::size_t depth = r.depth() - 1;
            while (r.depth() > depth)
                if (!r.next(t)) return reader_failed(r, err);
        }
    }
    if (!expect_end(r, err)) return false;

    const bool guess_right = env.op == 0 && env.has_t && env.t == guess;
    if (decoded_on_guess && guess_right) return true;
    if (!d_deferred && !(decoded_on_guess && !guess_right)) return true;
    if (r.inflated()) {
        err = {};
        err.code = etf_errc::unexpected_type;
        err.detail = "envelope inside a COMPRESSED term with d before op/t";
        return false;
    }
    // Second pass over d with the real op/t.
    const std::string term = standalone(in.substr(d_begin, d_end - d_begin));
    payload_choice c = choose(ctx, env.op, env.t, env.has_t);
    switch (c.action) {
    case payload_action::decode:
        if (decode_etf_value(term, *c.ti, c.storage, err, "d", lim)) return true;
        // Offsets are into `term` (version byte + d): report them in the message.
        if (err.offset >= 1) err.offset += d_begin - 1;
        return false;
    case payload_action::raw: env.raw_d = term; return true;
    case payload_action::skip: return true;
    }
    return true;
}

} // namespace

bool decode_etf_envelope(std::string_view in, envelope& env, chooser choose, void* ctx, decode_error& err,
                         const decode_limits& lim) {
    return etf_envelope(in, env, choose, ctx, err, lim, true);
}

} // namespace dgw::codec
