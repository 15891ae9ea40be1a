#include <dgw/detail/json/dom.hpp>
#include <dgw/detail/json/text.hpp>

namespace dgw::json {

void append_value(std::string& out, const boost::json::value& v, big_integers big) {
    switch (v.kind()) {
    case boost::json::kind::null: out += "null"; break;
    case boost::json::kind::bool_: out += v.get_bool() ? "true" : "false"; break;
    case boost::json::kind::int64: append_int(out, v.get_int64(), big); break;
    case boost::json::kind::uint64: append_uint(out, v.get_uint64(), big); break;
    case boost::json::kind::double_: append_double(out, v.get_double()); break;
    case boost::json::kind::string: append_string(out, v.get_string()); break;
    case boost::json::kind::array: {
        const auto& a = v.get_array();
        out.push_back('[');
        for (const auto& e : a) {
            if (&e != a.begin()) out.push_back(',');
            append_value(out, e, big);
        }
        out.push_back(']');
        break;
    }
    case boost::json::kind::object: {
        const auto& o = v.get_object();
        out.push_back('{');
        for (const auto& kv : o) {
            if (&kv != o.begin()) out.push_back(',');
            append_string(out, kv.key());
            out.push_back(':');
            append_value(out, kv.value(), big);
        }
        out.push_back('}');
        break;
    }
    }
}

} // namespace dgw::json
