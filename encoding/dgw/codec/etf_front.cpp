// ETF front end of the typed decoder: pulls tokens from the ETF reader and pushes them
// into value_decoder; unknown fields are skipped by length, not token by token.
#include <dgw/codec/decode.hpp>
#include <dgw/codec/decoder.hpp>
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

/// Feeds one whole value from `r` into `dec`.
bool feed(etf::reader& r, value_decoder& dec, decode_error& err) {
    etf::token t;
    while (!dec.done()) {
        if (dec.next_is_skipped()) {
            if (!r.skip_value()) return reader_failed(r, err);
            dec.skipped();
            continue;
        }
        if (!r.next(t)) return reader_failed(r, err);
        bool ok = true;
        switch (t.kind) {
        case etf::token_kind::map_begin: ok = dec.object_begin(); break;
        case etf::token_kind::map_end: ok = dec.object_end(); break;
        case etf::token_kind::array_begin: ok = dec.array_begin(); break;
        case etf::token_kind::array_end: ok = dec.array_end(); break;
        case etf::token_kind::key: ok = dec.key(t.str); break;
        case etf::token_kind::string: ok = dec.string(t.str); break;
        case etf::token_kind::int64: ok = dec.int64(t.i); break;
        case etf::token_kind::uint64: ok = dec.uint64(t.u); break;
        case etf::token_kind::float64: ok = dec.float64(t.f); break;
        case etf::token_kind::boolean: ok = dec.boolean(t.b); break;
        case etf::token_kind::null: ok = dec.null(); break;
        case etf::token_kind::end:
            err = {};
            err.code = etf_errc::truncated;
            err.offset = t.offset;
            return false;
        }
        if (!ok) {
            err = dec.error();
            err.offset = t.offset;
            return false;
        }
    }
    return true;
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
    value_decoder dec(lim.max_depth);
    dec.start(&ti, obj, root);
    return feed(r, dec, err) && expect_end(r, err);
}

bool decode_etf_envelope(std::string_view in, envelope& env, chooser choose, void* ctx, decode_error& err,
                         const decode_limits& lim) {
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
    const bool guessed = predict_t(in, guess) && guess != "nil";
    bool decoded_on_guess = false;
    std::size_t d_begin = 0, d_end = 0;
    bool d_deferred = false;
    // Reused per thread: its frame stack is the only allocation of a decode.
    thread_local value_decoder dec(512);
    dec.set_max_depth(lim.max_depth);

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
                dec.start(c.ti, c.storage, "d");
                if (!feed(r, dec, err)) {
                    if (!decoded_on_guess) return false;
                    // A wrong guess can fail to decode; retry after reading the real t.
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
    case payload_action::decode: return decode_etf_value(term, *c.ti, c.storage, err, "d", lim);
    case payload_action::raw: env.raw_d = term; return true;
    case payload_action::skip: return true;
    }
    return true;
}

} // namespace dgw::codec
