#pragma once
/// SAX-style driver over etf::reader, shaped like Boost.JSON's basic_parser handler.
///
/// The handler needs these members, each returning bool (false stops the parse):
/// ```
/// on_document_begin(); on_document_end();
/// on_map_begin(std::size_t pairs); on_map_end(std::size_t pairs); on_key(std::string_view);
/// on_array_begin(std::size_t n); on_array_end(std::size_t n);
/// on_string(std::string_view); on_int64(std::int64_t); on_uint64(std::uint64_t);
/// on_double(double); on_bool(bool); on_null();
/// ```
/// on_array_begin gets the declared count; on_array_end the number of elements actually
/// delivered (one more for an improper list tail), which is what a value builder needs.
/// Keys and strings are views valid only during the call.

#include <dgw/etf/reader.hpp>

namespace dgw::etf {

/// Parses one ETF message into `h`; false on a decode error or when the handler stops.
///
/// On a decode error `ec` holds the reader's error. When a handler returns false and has
/// not already put an error into `ec` (a handler may hold a reference to it), `ec` gets
/// `etf_errc::handler_stopped` with the offset of the token that was refused.
template <class Handler>
bool parse(std::string_view input, Handler& h, decode_error& ec, limits lim = {}) {
    reader r(input, lim);
    token t;
    auto stopped = [&](std::size_t at) {
        if (!ec) {
            ec.code = etf_errc::handler_stopped;
            ec.offset = at;
        }
        return false;
    };
    if (!h.on_document_begin()) return stopped(0);
    for (;;) {
        if (!r.next(t)) {
            ec = r.error();
            return false;
        }
        bool ok = true;
        switch (t.kind) {
        case token_kind::map_begin: ok = h.on_map_begin(t.count); break;
        case token_kind::map_end: ok = h.on_map_end(t.count); break;
        case token_kind::array_begin: ok = h.on_array_begin(t.count); break;
        case token_kind::array_end: ok = h.on_array_end(t.count); break;
        case token_kind::key: ok = h.on_key(t.str); break;
        case token_kind::string: ok = h.on_string(t.str); break;
        case token_kind::int64: ok = h.on_int64(t.i); break;
        case token_kind::uint64: ok = h.on_uint64(t.u); break;
        case token_kind::float64: ok = h.on_double(t.f); break;
        case token_kind::boolean: ok = h.on_bool(t.b); break;
        case token_kind::null: ok = h.on_null(); break;
        case token_kind::end:
            if (!h.on_document_end()) return stopped(t.offset);
            return true;
        }
        if (!ok) return stopped(t.offset);
    }
}

} // namespace dgw::etf
