// MessagePack bytes through msgpuck (a header-only C library, Debian libmsgpuck-dev).
//
// msgpuck's functions are inline; MP_SOURCE makes this file hold its three lookup tables,
// which msgpuck wants defined once per program. Those are extern "C" globals, so they are
// renamed to names of ours and hidden: a program that also uses msgpuck defines its own
// mp_type_hint etc. and must not meet a second definition in libdgw_codec (a duplicate
// symbol with the static library, an interposed one with the shared one). The encoders
// used here read no table; the tables are only there if decoding is ever added.
//
// The C headers msgpuck includes come first, outside the hidden region: a libc function
// first declared hidden (strerror_r, used by Boost.System below) would become an undefined
// hidden reference that no link can satisfy.
#include <assert.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define MP_SOURCE 1
#define mp_type_hint dgw_msgpuck_type_hint
#define mp_parser_hint dgw_msgpuck_parser_hint
#define mp_char2escape dgw_msgpuck_char2escape
#pragma GCC visibility push(hidden)
#include <msgpuck.h>
#pragma GCC visibility pop
#undef mp_type_hint
#undef mp_parser_hint
#undef mp_char2escape

#include <dgw/detail/msgpack/writer.hpp>
#include <dgw/encoding.hpp>

#include <boost/json/basic_parser_impl.hpp>

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

namespace dgw::msgpack {
namespace {

// Appends exactly `size` bytes written by `enc(char*) -> char* end`.
template <class Enc>
void put(std::string& out, std::size_t size, Enc enc) {
    const std::size_t n = out.size();
    out.resize(n + size);
    enc(out.data() + n);
}

// An integer outside +-max_safe_integer: its decimal text, as JSON's big_integers::string.
template <class Int>
void append_decimal(std::string& out, Int v) {
    char buf[24];
    append_string(out, std::string_view(buf, static_cast<std::size_t>(std::to_chars(buf, buf + sizeof buf, v).ptr - buf)));
}

template <class Int>
void append_json_int(std::string& out, Int v) {
    if (!is_safe_integer(v)) append_decimal(out, v);
    else if constexpr (std::is_signed_v<Int>) append_int(out, v);
    else append_uint(out, v);
}

// boost::json::basic_parser handler writing msgpack in one pass. A container's count is
// only known at its end, while msgpack puts it first: the values go to `out` as they come,
// each container's place is noted, and finish() opens the gaps and writes the headers
// (back to front, so each byte moves once).
struct to_msgpack {
    static constexpr std::size_t max_array_size = std::numeric_limits<std::uint32_t>::max();
    static constexpr std::size_t max_object_size = std::numeric_limits<std::uint32_t>::max();
    static constexpr std::size_t max_string_size = std::numeric_limits<std::uint32_t>::max();
    static constexpr std::size_t max_key_size = std::numeric_limits<std::uint32_t>::max();
    using error_code = boost::system::error_code;
    using string_view = boost::json::string_view;

    struct header {
        std::size_t pos; // where in `out` the container's first element starts
        std::uint32_t n;
        bool map;
    };
    std::string& out;
    std::vector<header> headers; // in the order of `pos`: containers are met in preorder
    std::vector<std::size_t> open; // indices into `headers` of containers not yet closed
    std::string part;              // a string, key or number split across parser calls

    explicit to_msgpack(std::string& o) : out(o) {}

    bool on_document_begin(error_code&) { return true; }
    bool on_document_end(error_code&) { return true; }
    bool begin(bool map) {
        open.push_back(headers.size());
        headers.push_back({out.size(), 0, map});
        return true;
    }
    bool end(std::size_t n) {
        headers[open.back()].n = static_cast<std::uint32_t>(n); // <= max_*_size
        open.pop_back();
        return true;
    }
    bool on_array_begin(error_code&) { return begin(false); }
    bool on_array_end(std::size_t n, error_code&) { return end(n); }
    bool on_object_begin(error_code&) { return begin(true); }
    bool on_object_end(std::size_t n, error_code&) { return end(n); }
    bool on_string_part(string_view s, std::size_t, error_code&) {
        part.append(s.data(), s.size());
        return true;
    }
    bool on_string(string_view s, std::size_t, error_code&) {
        if (part.empty()) {
            append_string(out, s);
        } else {
            part.append(s.data(), s.size());
            append_string(out, part);
            part.clear();
        }
        return true;
    }
    bool on_key_part(string_view s, std::size_t n, error_code& ec) { return on_string_part(s, n, ec); }
    bool on_key(string_view s, std::size_t n, error_code& ec) { return on_string(s, n, ec); }
    bool on_number_part(string_view s, error_code&) {
        part.append(s.data(), s.size());
        return true;
    }
    bool on_int64(std::int64_t v, string_view, error_code&) {
        part.clear();
        append_json_int(out, v);
        return true;
    }
    bool on_uint64(std::uint64_t v, string_view, error_code&) {
        part.clear();
        append_json_int(out, v);
        return true;
    }
    // Also called for integers beyond 64 bits: their text is kept as a string, every digit,
    // as append_quoting_big_integers does. Other numbers are read again from their text by
    // from_chars, which rounds correctly (Boost.JSON before 1.83 may be off by an ulp), so
    // the double is the one JSON.parse makes of the text the JSON writer copies through.
    bool on_double(double v, string_view s, error_code&) {
        std::string_view text(s.data(), s.size());
        if (!part.empty()) {
            part.append(s.data(), s.size());
            text = part;
        }
        const bool integer = text.find_first_of(".eE") == std::string_view::npos;
        if (integer && !(std::fabs(v) <= static_cast<double>(max_safe_integer))) {
            append_string(out, text);
        } else {
            double d = v;
            std::from_chars(text.data(), text.data() + text.size(), d);
            append_double(out, d);
        }
        part.clear();
        return true;
    }
    bool on_bool(bool v, error_code&) {
        append_bool(out, v);
        return true;
    }
    bool on_null(error_code&) {
        append_nil(out);
        return true;
    }
    bool on_comment_part(string_view, error_code&) { return true; }
    bool on_comment(string_view, error_code&) { return true; }

    static std::size_t header_size(const header& h) { return h.map ? mp_sizeof_map(h.n) : mp_sizeof_array(h.n); }

    void finish() {
        std::size_t extra = 0;
        for (const header& h : headers) extra += header_size(h);
        std::size_t src_end = out.size();
        out.resize(src_end + extra);
        char* d = out.data();
        std::size_t dst_end = out.size();
        for (auto h = headers.rbegin(); h != headers.rend(); ++h) {
            const std::size_t seg = src_end - h->pos;
            dst_end -= seg;
            std::memmove(d + dst_end, d + h->pos, seg);
            dst_end -= header_size(*h);
            if (h->map) mp_encode_map(d + dst_end, h->n);
            else mp_encode_array(d + dst_end, h->n);
            src_end = h->pos;
        }
    }
};

} // namespace

void append_map(std::string& out, std::uint32_t n) {
    put(out, mp_sizeof_map(n), [n](char* p) { return mp_encode_map(p, n); });
}
void append_array(std::string& out, std::uint32_t n) {
    put(out, mp_sizeof_array(n), [n](char* p) { return mp_encode_array(p, n); });
}
void append_nil(std::string& out) { put(out, mp_sizeof_nil(), mp_encode_nil); }
void append_bool(std::string& out, bool v) {
    put(out, mp_sizeof_bool(v), [v](char* p) { return mp_encode_bool(p, v); });
}
void append_int(std::string& out, std::int64_t v) {
    // mp_encode_int is for negative numbers only (msgpack writes the others unsigned).
    if (v >= 0) return append_uint(out, static_cast<std::uint64_t>(v));
    put(out, mp_sizeof_int(v), [v](char* p) { return mp_encode_int(p, v); });
}
void append_uint(std::string& out, std::uint64_t v) {
    put(out, mp_sizeof_uint(v), [v](char* p) { return mp_encode_uint(p, v); });
}
void append_double(std::string& out, double v) {
    if (!std::isfinite(v)) return append_nil(out);
    put(out, mp_sizeof_double(v), [v](char* p) { return mp_encode_double(p, v); });
}
void append_string(std::string& out, std::string_view s) {
    const auto len = static_cast<std::uint32_t>(s.size());
    put(out, mp_sizeof_strl(len), [len](char* p) { return mp_encode_strl(p, len); });
    out.append(s);
}

void append_value(std::string& out, const boost::json::value& v) {
    switch (v.kind()) {
    case boost::json::kind::null: append_nil(out); break;
    case boost::json::kind::bool_: append_bool(out, v.get_bool()); break;
    case boost::json::kind::int64: append_json_int(out, v.get_int64()); break;
    case boost::json::kind::uint64: append_json_int(out, v.get_uint64()); break;
    case boost::json::kind::double_: append_double(out, v.get_double()); break;
    case boost::json::kind::string: append_string(out, v.get_string()); break;
    case boost::json::kind::array: {
        const auto& a = v.get_array();
        append_array(out, static_cast<std::uint32_t>(a.size()));
        for (const auto& e : a) append_value(out, e);
        break;
    }
    case boost::json::kind::object: {
        const auto& o = v.get_object();
        append_map(out, static_cast<std::uint32_t>(o.size()));
        for (const auto& kv : o) {
            append_string(out, kv.key());
            append_value(out, kv.value());
        }
        break;
    }
    }
}

bool append_json_text(std::string& out, std::string_view json, decode_error& err, std::size_t max_depth) {
    const std::size_t start = out.size();
    boost::json::parse_options opt;
    opt.max_depth = max_depth;
    boost::json::basic_parser<to_msgpack> p(opt, out);
    boost::system::error_code ec;
    const std::size_t used = p.write_some(false, json.data(), json.size(), ec);
    // write_some stops after one whole value; anything but whitespace after it is an error.
    if (!ec && used != json.size()) ec = boost::json::error::extra_data;
    if (ec) {
        out.resize(start);
        return err.fail(ec, used, {}, "not valid JSON text");
    }
    p.handler().finish();
    return true;
}

} // namespace dgw::msgpack
