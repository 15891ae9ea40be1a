#include <dgw/etf/json.hpp>
#include <dgw/etf/parse.hpp>

#include <boost/json/value_stack.hpp>

#include <charconv>

namespace dgw::etf {
namespace {

// Builds the DOM through value_stack, which sizes each array and object once from the
// counts the reader reports at the container's end.
struct dom_builder {
    // The value stack's own workspace starts on the C++ stack (as boost::json::parser's
    // does), so small messages build without allocating scratch space.
    unsigned char temp[4096];
    boost::json::value_stack st{{}, temp, sizeof temp};
    big_integers big = big_integers::number;

    bool on_document_begin() { return true; }
    bool on_document_end() { return true; }
    bool on_map_begin(std::size_t) { return true; }
    bool on_map_end(std::size_t n) {
        st.push_object(n);
        return true;
    }
    bool on_array_begin(std::size_t) { return true; }
    bool on_array_end(std::size_t n) {
        st.push_array(n);
        return true;
    }
    bool on_key(std::string_view k) {
        st.push_key(k);
        return true;
    }
    bool on_string(std::string_view s) {
        st.push_string(s);
        return true;
    }
    bool on_int64(std::int64_t v) {
        if (big == big_integers::string && !is_safe_integer(v)) push_decimal(v);
        else st.push_int64(v);
        return true;
    }
    bool on_uint64(std::uint64_t v) {
        if (big == big_integers::string && !is_safe_integer(v)) push_decimal(v);
        else st.push_uint64(v);
        return true;
    }
    template <class Int>
    void push_decimal(Int v) {
        char buf[24];
        const auto r = std::to_chars(buf, buf + sizeof buf, v);
        st.push_string(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
    }
    bool on_double(double v) {
        st.push_double(v);
        return true;
    }
    bool on_bool(bool v) {
        st.push_bool(v);
        return true;
    }
    bool on_null() {
        st.push_null();
        return true;
    }
};

void write_value(writer& w, const boost::json::value& v) {
    switch (v.kind()) {
    case boost::json::kind::null: w.null(); break;
    case boost::json::kind::bool_: w.boolean(v.get_bool()); break;
    case boost::json::kind::int64: w.int64(v.get_int64()); break;
    case boost::json::kind::uint64: w.uint64(v.get_uint64()); break;
    case boost::json::kind::double_: w.float64(v.get_double()); break;
    case boost::json::kind::string: w.string(v.get_string()); break;
    case boost::json::kind::array: {
        const auto& a = v.get_array();
        w.begin_array(static_cast<std::uint32_t>(a.size()));
        for (const auto& e : a) write_value(w, e);
        w.end_array();
        break;
    }
    case boost::json::kind::object: {
        const auto& o = v.get_object();
        w.begin_map(static_cast<std::uint32_t>(o.size()));
        for (const auto& kv : o) {
            w.key(kv.key());
            write_value(w, kv.value());
        }
        break;
    }
    }
}

} // namespace

boost::json::value to_json(std::string_view etf, decode_error& ec, limits lim, boost::json::storage_ptr sp,
                           big_integers big) {
    dom_builder b;
    b.big = big;
    b.st.reset(std::move(sp));
    ec = {};
    if (!parse(etf, b, ec, lim)) return nullptr;
    return b.st.release();
}

void from_json(const boost::json::value& v, std::string& out, writer_options opt) {
    writer w(out, opt);
    w.version();
    write_value(w, v);
}

} // namespace dgw::etf
