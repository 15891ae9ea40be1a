#pragma once
/// The ETF reader as a pull source for pull::decoder (internal; etf_front.cpp only): the
/// general path, which handles every ETF form and words every error.

#include <dgw/codec/decode.hpp>
#include <dgw/detail/codec/pull.hpp>
#include <dgw/error.hpp>
#include <dgw/detail/etf/tags.hpp>
#include <dgw/etf/reader.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace dgw::codec::etf_detail {

using pull::scalar;
using pull::vt;

inline etf::limits etf_limits(const decode_limits& lim) {
    etf::limits l;
    l.max_depth = lim.max_depth;
    return l;
}

/// Reads the term at [b, e) of the message `in` to its end, as a reader of it would, at
/// most `levels` containers deep: what the skipper let through (it checks structure, not
/// UTF-8, atoms or floats) and a later conversion would refuse is refused here. Errors
/// are at offsets into `in`.
inline bool valid_term_at(std::string_view in, std::size_t b, std::size_t e, std::size_t levels, decode_error& err) {
    thread_local std::string term; // the reader wants a version byte in front
    term.assign(1, static_cast<char>(etf::tag::version));
    term.append(in.substr(b, e - b));
    etf::limits l;
    l.max_depth = levels;
    etf::reader r(term, l);
    etf::token t;
    do {
        if (!r.next(t)) {
            err = r.error();
            if (err.offset >= 1) err.offset += b - 1;
            return false;
        }
    } while (t.kind != etf::token_kind::end);
    return true;
}

inline bool reader_failed(const etf::reader& r, decode_error& err) {
    err = r.error();
    return false;
}

inline bool expect_end(etf::reader& r, decode_error& err) {
    etf::token t;
    if (!r.next(t)) return reader_failed(r, err);
    if (t.kind != etf::token_kind::end) {
        return err.fail(etf_errc::trailing_data, t.offset);
    }
    return true;
}

/// The ETF reader as a pull source. Arrays need one token of look-ahead: the reader only
/// says an array ended by returning its end token, so an element's first token is kept.
class reader_source {
public:
    reader_source(etf::reader& r, decode_error& err) : r_(r), err_(err) {}

    decode_error& error() { return err_; }
    std::size_t offset() const { return at_; }
    std::size_t pos() const { return r_.offset(); }

    /// See pull.hpp. The reader cannot go back, but it knows how deep it is: reading on
    /// until the containers opened since the mark are closed again ends the value.
    struct mark_type {
        std::size_t pos, depth;
    };
    mark_type mark() const { return {r_.offset(), r_.depth()}; }
    bool skip_from(const mark_type& m, std::size_t /*depth*/) {
        stashed_ = false; // a failed value was read past its first token
        etf::token t;
        while (r_.depth() > m.depth)
            if (!r_.next(t)) return reader_failed(r_, err_);
        return true;
    }
    bool finish() { return expect_end(r_, err_); }

    static constexpr Encoding encoding = Encoding::Etf;
    std::string_view kept(std::size_t b, std::size_t e, std::size_t depth) {
        const std::size_t limit = r_.limit().max_depth;
        if (!valid_term_at(r_.input(), b, e, depth < limit ? limit - depth : 0, err_)) return {};
        return r_.input().substr(b, e - b);
    }

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
        return err_.fail(t.kind == etf::token_kind::end ? etf_errc::truncated : etf_errc::unexpected_type, t.offset);
    }
};

} // namespace dgw::codec::etf_detail
