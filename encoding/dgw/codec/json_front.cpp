// JSON front end of the typed decoder: a Boost.JSON basic_parser handler that forwards
// SAX events to value_decoder, with the gateway envelope handled on top.
#include <dgw/codec/decode.hpp>
#include <dgw/codec/decoder.hpp>
#include <dgw/raw_json.hpp>

#include <boost/json/basic_parser_impl.hpp>

#include <memory>

namespace dgw::codec {
namespace {

using boost::system::error_code;

/// Common SAX plumbing: string/key parts are joined in a scratch buffer (Boost.JSON splits
/// strings at escapes and buffer ends); complete values go to the derived class.
template <class Derived>
struct handler_base {
    static constexpr std::size_t max_object_size = std::size_t(-1);
    static constexpr std::size_t max_array_size = std::size_t(-1);
    static constexpr std::size_t max_key_size = std::size_t(-1);
    static constexpr std::size_t max_string_size = std::size_t(-1);

    std::string scratch;
    bool in_part = false;

    Derived& d() { return static_cast<Derived&>(*this); }

    std::string_view join(std::string_view part, bool last) {
        if (!in_part && last) return part;
        scratch.append(part.data(), part.size());
        in_part = !last;
        return scratch;
    }
    void part_done() {
        if (!in_part) scratch.clear();
    }

    bool on_document_begin(error_code&) { return true; }
    bool on_document_end(error_code&) { return true; }
    bool on_key_part(std::string_view s, std::size_t, error_code&) {
        scratch.append(s.data(), s.size());
        in_part = true;
        return true;
    }
    bool on_key(std::string_view s, std::size_t, error_code& ec) {
        std::string_view k = join(s, true);
        bool ok = d().key(k, ec);
        in_part = false;
        scratch.clear();
        return ok;
    }
    bool on_string_part(std::string_view s, std::size_t, error_code&) {
        scratch.append(s.data(), s.size());
        in_part = true;
        return true;
    }
    bool on_string(std::string_view s, std::size_t, error_code& ec) {
        std::string_view v = join(s, true);
        bool ok = d().str(v, ec);
        in_part = false;
        scratch.clear();
        return ok;
    }
    bool on_number_part(std::string_view, error_code&) { return true; }
    bool on_comment_part(std::string_view, error_code&) { return true; }
    bool on_comment(std::string_view, error_code&) { return true; }
};

/// Forwards everything to a value_decoder.
struct value_handler : handler_base<value_handler> {
    value_decoder dec;
    explicit value_handler(std::size_t depth) : dec(depth) {}

    bool check(bool ok, error_code& ec) {
        if (!ok) ec = dec.error().code;
        return ok;
    }
    bool key(std::string_view k, error_code& ec) { return check(dec.key(k), ec); }
    bool str(std::string_view v, error_code& ec) { return check(dec.string(v), ec); }
    bool on_object_begin(error_code& ec) { return check(dec.object_begin(), ec); }
    bool on_object_end(std::size_t, error_code& ec) { return check(dec.object_end(), ec); }
    bool on_array_begin(error_code& ec) { return check(dec.array_begin(), ec); }
    bool on_array_end(std::size_t, error_code& ec) { return check(dec.array_end(), ec); }
    bool on_int64(std::int64_t v, std::string_view, error_code& ec) { return check(dec.int64(v), ec); }
    bool on_uint64(std::uint64_t v, std::string_view, error_code& ec) { return check(dec.uint64(v), ec); }
    bool on_double(double v, std::string_view, error_code& ec) { return check(dec.float64(v), ec); }
    bool on_bool(bool v, error_code& ec) { return check(dec.boolean(v), ec); }
    bool on_null(error_code& ec) { return check(dec.null(), ec); }
};

boost::json::parse_options options(const decode_limits& lim) {
    boost::json::parse_options o;
    o.max_depth = lim.max_depth;
    return o;
}

template <class Parser>
bool run(Parser& p, std::string_view in, decode_error& err, const value_decoder* dec) {
    error_code ec;
    std::size_t n = p.write_some(false, in.data(), in.size(), ec);
    if (!ec && n < in.size()) ec = boost::json::error::extra_data;
    if (!ec) return true;
    if (dec && dec->error().code && dec->error().code == ec) {
        err = dec->error();
    } else if (ec.category() == codec_category()) {
        err = {};
        err.code = ec;
    } else {
        err = {};
        err.code = codec_errc::syntax;
        err.detail = ec.message();
    }
    err.offset = n;
    return false;
}

} // namespace

bool decode_json_value(std::string_view in, const type_info& ti, void* obj, decode_error& err, std::string_view root,
                       const decode_limits& lim) {
    boost::json::basic_parser<value_handler> p(options(lim), lim.max_depth);
    p.handler().dec.start(&ti, obj, root);
    return run(p, in, err, &p.handler().dec);
}

namespace {

/// The envelope: top-level keys op/s/t are read here; d is forwarded, captured or skipped.
struct envelope_handler : handler_base<envelope_handler> {
    enum class mode : std::uint8_t { top, forward, skip };
    enum class top_key : std::uint8_t { none, op, s, t, d, other };

    value_decoder dec;
    envelope* env = nullptr;
    chooser choose = nullptr;
    void* ctx = nullptr;
    std::size_t depth = 0;        // container depth of the whole document
    mode m = mode::top;
    top_key key_ = top_key::none;
    std::size_t skip_depth = 0;
    RawJson deferred;             // d captured before op/t were known
    bool d_deferred = false;
    bool not_object = false;

    explicit envelope_handler(std::size_t depth_limit) : dec(depth_limit) {}

    void reset(envelope* e, chooser c, void* x) {
        env = e;
        choose = c;
        ctx = x;
        depth = 0;
        m = mode::top;
        key_ = top_key::none;
        skip_depth = 0;
        deferred.text.clear();
        d_deferred = false;
        not_object = false;
        raw_target = false;
        scratch.clear();
        in_part = false;
    }

    bool fwd(bool ok, error_code& ec) {
        if (!ok) {
            ec = dec.error().code;
            return false;
        }
        if (dec.done()) m = mode::top;
        return true;
    }

    // d starts: decide where it goes.
    void begin_d() {
        env->has_d = true;
        if (env->op >= 0 && (env->op != 0 || env->has_t)) {
            payload_choice c = choose(ctx, env->op, env->t, env->has_t);
            switch (c.action) {
            case payload_action::decode:
                dec.start(c.ti, c.storage, "d");
                m = mode::forward;
                return;
            case payload_action::raw: {
                // Capture as compact JSON text through the same machinery as `any`.
                dec.start(&ti_any, &deferred, "d");
                deferred.text.clear();
                m = mode::forward;
                d_deferred = false;
                raw_target = true;
                return;
            }
            case payload_action::skip: m = mode::skip; skip_depth = 0; return;
            }
        }
        dec.start(&ti_any, &deferred, "d");
        deferred.text.clear();
        d_deferred = true;
        m = mode::forward;
    }
    bool raw_target = false;

    // A scalar at top level of the envelope.
    bool top_scalar(error_code& ec, bool is_null, std::int64_t iv, bool is_int, std::string_view sv, bool is_str) {
        if (depth != 1) { // the document itself is a scalar
            not_object = true;
            ec = codec_errc::not_an_object;
            return false;
        }
        switch (key_) {
        case top_key::op:
            if (is_int) env->op = iv;
            else if (!is_null) { ec = codec_errc::type_mismatch; return false; }
            break;
        case top_key::s:
            if (is_int) env->s = iv;
            else if (!is_null) { ec = codec_errc::type_mismatch; return false; }
            break;
        case top_key::t:
            if (is_str) { env->has_t = true; env->t.assign(sv); }
            else if (!is_null) { ec = codec_errc::type_mismatch; return false; }
            break;
        default: break;
        }
        key_ = top_key::none;
        return true;
    }

#define DGW_ENV_VALUE(call, ...)                                   \
    if (m == mode::forward) return fwd(dec.call, ec);              \
    if (m == mode::skip) { if (skip_depth == 0) m = mode::top; return true; } \
    if (key_ == top_key::d) { begin_d(); if (m == mode::forward) return fwd(dec.call, ec); \
                              if (m == mode::skip) { m = mode::top; return true; } }

    bool key(std::string_view k, error_code& ec) {
        if (m == mode::forward) return fwd(dec.key(k), ec);
        if (m == mode::skip) return true;
        if (depth != 1) return true;
        if (k.size() == 1) {
            key_ = k[0] == 's' ? top_key::s : k[0] == 't' ? top_key::t : k[0] == 'd' ? top_key::d : top_key::other;
        } else if (k == "op") {
            key_ = top_key::op;
        } else {
            key_ = top_key::other;
        }
        return true;
    }
    bool str(std::string_view v, error_code& ec) {
        DGW_ENV_VALUE(string(v))
        return top_scalar(ec, false, 0, false, v, true);
    }
    bool on_int64(std::int64_t v, std::string_view, error_code& ec) {
        DGW_ENV_VALUE(int64(v))
        return top_scalar(ec, false, v, true, {}, false);
    }
    bool on_uint64(std::uint64_t v, std::string_view, error_code& ec) {
        DGW_ENV_VALUE(uint64(v))
        if (depth == 1 && (key_ == top_key::op || key_ == top_key::s)) { ec = codec_errc::number_out_of_range; return false; }
        return top_scalar(ec, false, 0, false, {}, false);
    }
    bool on_double(double v, std::string_view, error_code& ec) {
        DGW_ENV_VALUE(float64(v))
        if (depth == 1 && key_ != top_key::other && key_ != top_key::none) { ec = codec_errc::type_mismatch; return false; }
        return top_scalar(ec, false, 0, false, {}, false);
    }
    bool on_bool(bool v, error_code& ec) {
        DGW_ENV_VALUE(boolean(v))
        if (depth == 1 && key_ != top_key::other && key_ != top_key::none) { ec = codec_errc::type_mismatch; return false; }
        return top_scalar(ec, false, 0, false, {}, false);
    }
    bool on_null(error_code& ec) {
        DGW_ENV_VALUE(null())
        return top_scalar(ec, true, 0, false, {}, false);
    }
#undef DGW_ENV_VALUE

    bool container_begin(bool obj, error_code& ec) {
        ++depth;
        if (m == mode::forward) return fwd(obj ? dec.object_begin() : dec.array_begin(), ec);
        if (m == mode::skip) { ++skip_depth; return true; }
        if (depth == 1) {
            if (!obj) { ec = codec_errc::not_an_object; return false; }
            return true;
        }
        if (key_ == top_key::d) {
            begin_d();
            if (m == mode::forward) return fwd(obj ? dec.object_begin() : dec.array_begin(), ec);
            skip_depth = 1;
            return true;
        }
        // another top-level key holding a container: skip it
        m = mode::skip;
        skip_depth = 1;
        return true;
    }
    bool container_end(bool obj, error_code& ec) {
        --depth;
        if (m == mode::forward) return fwd(obj ? dec.object_end() : dec.array_end(), ec);
        if (m == mode::skip) {
            if (--skip_depth == 0) { m = mode::top; key_ = top_key::none; }
            return true;
        }
        return true;
    }
    bool on_object_begin(error_code& ec) { return container_begin(true, ec); }
    bool on_object_end(std::size_t, error_code& ec) { return container_end(true, ec); }
    bool on_array_begin(error_code& ec) { return container_begin(false, ec); }
    bool on_array_end(std::size_t, error_code& ec) { return container_end(false, ec); }
};

} // namespace

bool decode_json_envelope(std::string_view in, envelope& env, chooser choose, void* ctx, decode_error& err,
                          const decode_limits& lim) {
    env.clear();
    // One parser per thread, reused: constructing one per message costs an allocation.
    using parser = boost::json::basic_parser<envelope_handler>;
    thread_local std::unique_ptr<parser> cached;
    thread_local std::size_t cached_depth = 0;
    if (!cached || cached_depth != lim.max_depth) {
        cached = std::make_unique<parser>(options(lim), lim.max_depth);
        cached_depth = lim.max_depth;
    }
    parser& p = *cached;
    p.reset();
    auto& h = p.handler();
    h.reset(&env, choose, ctx);
    if (!run(p, in, err, &h.dec)) return false;
    if (h.raw_target) env.raw_d = std::move(h.deferred.text);
    if (!h.d_deferred) return true;
    // d came before op/t: decide now and decode the captured text.
    payload_choice c = choose(ctx, env.op, env.t, env.has_t);
    switch (c.action) {
    case payload_action::decode: return decode_json_value(h.deferred.text, *c.ti, c.storage, err, "d", lim);
    case payload_action::raw: env.raw_d = std::move(h.deferred.text); return true;
    case payload_action::skip: return true;
    }
    return true;
}

} // namespace dgw::codec
