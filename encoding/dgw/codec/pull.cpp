#include <dgw/detail/codec/pull.hpp>

namespace dgw::codec::pull {

const char* kind_name(kind k) noexcept {
    switch (k) {
    case kind::boolean: return "bool";
    case kind::int64: return "integer";
    case kind::float64: return "number";
    case kind::string: return "string";
    case kind::snowflake: return "snowflake";
    case kind::timestamp: return "timestamp";
    case kind::int_enum: return "integer enum";
    case kind::string_enum: return "string enum";
    case kind::flags: return "integer flags";
    case kind::string_flags: return "string flags";
    case kind::any: return "any";
    case kind::object: return "object";
    case kind::array: return "array";
    case kind::map: return "map";
    case kind::boxed: return "object";
    }
    return "?";
}

void set_path(decode_error& err, std::string_view root, const std::string& below) {
    err.path.assign(root);
    err.path += below;
}

void prepend_field(std::string& path, std::string_view field) {
    std::string seg;
    seg.reserve(field.size() + 1 + path.size());
    seg += '.';
    seg += field;
    seg += path;
    path.swap(seg);
}

void prepend_index(std::string& path, std::uint64_t index) {
    char buf[24];
    buf[0] = '[';
    char* e = std::to_chars(buf + 1, buf + sizeof buf - 1, index).ptr;
    *e++ = ']';
    std::string seg;
    seg.reserve(static_cast<std::size_t>(e - buf) + path.size());
    seg.append(buf, e);
    seg += path;
    path.swap(seg);
}

const char* vt_name(vt t) noexcept {
    switch (t) {
    case vt::null: return "null";
    case vt::boolean: return "bool";
    case vt::int64:
    case vt::uint64: return "integer";
    case vt::float64: return "number";
    case vt::string: return "string";
    case vt::object: return "object";
    case vt::array: return "array";
    }
    return "?";
}

} // namespace dgw::codec::pull

namespace dgw::codec {

bool field_missing(const type_info& ti, const void* obj, std::string_view name) noexcept {
    for (std::size_t i = 0; i < ti.field_count; ++i) {
        const field_info& f = ti.fields[i];
        if (f.name == name) return f.required_bit < 0 || (ti.cmissing(obj) >> f.required_bit & 1) != 0;
    }
    return true;
}

} // namespace dgw::codec
