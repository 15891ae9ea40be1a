#include <dgw/codec/decoder.hpp>
#include <dgw/json/text.hpp>
#include <dgw/raw_json.hpp>
#include <dgw/snowflake.hpp>
#include <dgw/timestamp.hpp>

#include <charconv>
#include <cmath>
#include <limits>

namespace dgw::codec {
namespace {

bool parse_u64(std::string_view s, std::uint64_t& out) {
    if (s.empty() || s.size() > 20) return false;
    auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc{} && r.ptr == s.data() + s.size();
}

const char* kind_name(kind k) {
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

} // namespace

value_decoder::value_decoder(std::size_t max_depth) : max_depth_(max_depth) {
    stack_.reserve(64);
}

void value_decoder::start(const type_info* ti, void* obj, std::string_view root) {
    stack_.clear();
    root_ti_ = ti;
    root_ = obj;
    root_name_ = root;
    done_ = false;
    root_pending_ = true;
    skip_depth_ = 0;
    skip_next_ = false;
    cap_ = nullptr;
    cap_depth_ = 0;
    cap_first_.clear();
    err_ = {};
}

bool value_decoder::fail(codec_errc e, std::string detail) {
    err_.code = e;
    err_.detail = std::move(detail);
    std::string path(root_name_);
    for (const frame& f : stack_) {
        if (f.ti->k == kind::object) {
            if (f.field) {
                path += '.';
                path += f.field->name;
            }
        } else if (f.ti->k == kind::array) {
            path += '[';
            path += std::to_string(f.ti->size(f.obj) ? f.ti->size(f.obj) - 1 : 0);
            path += ']';
        } else {
            path += '[';
            path += std::to_string(f.map_key);
            path += ']';
        }
    }
    err_.path = std::move(path);
    return false;
}

bool value_decoder::mismatch(const target& t, const char* got) {
    return fail(codec_errc::type_mismatch, std::string("expected ") + kind_name(t.ti->k) + " (" +
                                               std::string(t.ti->name) + "), got " + got);
}

bool value_decoder::next_is_skipped() const noexcept { return skip_next_ && skip_depth_ == 0 && !cap_; }

void value_decoder::skipped() { value_done(); }

// Where the next value goes. False: it is skipped (unknown field).
bool value_decoder::pending_target(target& t) {
    if (root_pending_) {
        t = {root_ti_, presence::required, root_};
        return true;
    }
    frame& f = stack_.back();
    switch (f.ti->k) {
    case kind::object:
        if (!f.field) return false;
        t = {f.field->type, f.field->pres, f.field->get(f.obj)};
        return true;
    case kind::array:
        t = {f.ti->elem, presence::required, f.ti->emplace_back(f.obj)};
        return true;
    default: // map
        t = {f.ti->elem, presence::required, f.ti->map_emplace(f.obj, f.map_key)};
        return true;
    }
}

// Makes the target hold a value and returns the value's address (past any box).
void* value_decoder::open(const target& t) {
    void* p = t.storage;
    switch (t.pres) {
    case presence::required: break;
    case presence::optional:
    case presence::nullable: p = t.ti->opt_emplace(p); break;
    case presence::optional_nullable: p = t.ti->maybe_emplace(p); break;
    }
    return p;
}

// A value at the current level is complete: leave capture/skip as needed.
void value_decoder::value_done() {
    if (root_pending_) {
        root_pending_ = false;
        done_ = true;
        return;
    }
    skip_next_ = false;
    frame& f = stack_.back();
    if (f.ti->k == kind::object) f.field = nullptr;
}

bool value_decoder::null() {
    if (skip_depth_) return true;
    if (cap_) {
        cap_sep();
        *cap_ += "null";
        return cap_value_done();
    }
    if (skip_next_) { value_done(); return true; }
    target t;
    if (!pending_target(t)) { value_done(); return true; }
    switch (t.pres) {
    case presence::nullable:
    case presence::optional:
        // optional-but-not-nullable null: treated as absent (see header)
        t.ti->opt_reset(t.storage);
        break;
    case presence::optional_nullable: t.ti->maybe_set_null(t.storage); break;
    case presence::required:
        if (t.ti->k == kind::any) {
            static_cast<RawJson*>(t.storage)->text = "null";
        } else if (!stack_.empty() && stack_.back().ti->k != kind::object) {
            return mismatch(t, "null");
        } else if (!stack_.empty() && stack_.back().field && stack_.back().field->required_bit >= 0) {
            // Not nullable per schema: keep it recorded as missing rather than invent a value.
            stack_.back().missing |= std::uint64_t{1} << stack_.back().field->required_bit;
        }
        break;
    }
    value_done();
    return true;
}

bool value_decoder::boolean(bool v) {
    if (skip_depth_) return true;
    if (cap_) {
        cap_sep();
        *cap_ += v ? "true" : "false";
        return cap_value_done();
    }
    if (skip_next_) { value_done(); return true; }
    target t;
    if (!pending_target(t)) { value_done(); return true; }
    if (t.ti->k == kind::boolean) {
        *static_cast<bool*>(open(t)) = v;
    } else if (t.ti->k == kind::any) {
        static_cast<RawJson*>(open(t))->text = v ? "true" : "false";
    } else {
        return mismatch(t, "bool");
    }
    value_done();
    return true;
}

bool value_decoder::int64(std::int64_t v) {
    if (skip_depth_) return true;
    if (cap_) {
        cap_sep();
        json::append_int(*cap_, v);
        return cap_value_done();
    }
    if (skip_next_) { value_done(); return true; }
    target t;
    if (!pending_target(t)) { value_done(); return true; }
    switch (t.ti->k) {
    case kind::int64: *static_cast<std::int64_t*>(open(t)) = v; break;
    case kind::float64: *static_cast<double*>(open(t)) = static_cast<double>(v); break;
    case kind::snowflake:
        if (v < 0) return fail(codec_errc::invalid_snowflake, "negative integer " + std::to_string(v));
        static_cast<Snowflake*>(open(t))->value = static_cast<std::uint64_t>(v);
        break;
    case kind::int_enum:
    case kind::flags:
    case kind::string_flags: t.ti->set_int(open(t), v); break;
    case kind::any: {
        auto& s = static_cast<RawJson*>(open(t))->text;
        s.clear();
        json::append_int(s, v);
        break;
    }
    default: return mismatch(t, "integer");
    }
    value_done();
    return true;
}

bool value_decoder::uint64(std::uint64_t v) {
    if (v <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        return int64(static_cast<std::int64_t>(v));
    if (skip_depth_) return true;
    if (cap_) {
        cap_sep();
        json::append_uint(*cap_, v);
        return cap_value_done();
    }
    if (skip_next_) { value_done(); return true; }
    target t;
    if (!pending_target(t)) { value_done(); return true; }
    switch (t.ti->k) {
    case kind::snowflake: static_cast<Snowflake*>(open(t))->value = v; break;
    case kind::float64: *static_cast<double*>(open(t)) = static_cast<double>(v); break;
    case kind::flags:
    case kind::string_flags: t.ti->set_int(open(t), static_cast<std::int64_t>(v)); break;
    case kind::any: {
        auto& s = static_cast<RawJson*>(open(t))->text;
        s.clear();
        json::append_uint(s, v);
        break;
    }
    case kind::int64:
    case kind::int_enum:
        return fail(codec_errc::number_out_of_range, std::to_string(v) + " does not fit a signed 64-bit integer");
    default: return mismatch(t, "integer");
    }
    value_done();
    return true;
}

bool value_decoder::float64(double v) {
    if (skip_depth_) return true;
    if (cap_) {
        cap_sep();
        json::append_double(*cap_, v);
        return cap_value_done();
    }
    if (skip_next_) { value_done(); return true; }
    target t;
    if (!pending_target(t)) { value_done(); return true; }
    switch (t.ti->k) {
    case kind::float64: *static_cast<double*>(open(t)) = v; break;
    case kind::int64:
    case kind::int_enum:
        // Integral doubles are accepted for integer fields (some producers write 1.0).
        if (!(std::trunc(v) == v && std::fabs(v) < 9.2e18)) return mismatch(t, "non-integral number");
        if (t.ti->k == kind::int64) *static_cast<std::int64_t*>(open(t)) = static_cast<std::int64_t>(v);
        else t.ti->set_int(open(t), static_cast<std::int64_t>(v));
        break;
    case kind::any: {
        auto& s = static_cast<RawJson*>(open(t))->text;
        s.clear();
        json::append_double(s, v);
        break;
    }
    default: return mismatch(t, "number");
    }
    value_done();
    return true;
}

bool value_decoder::string(std::string_view v) {
    if (skip_depth_) return true;
    if (cap_) {
        cap_sep();
        json::append_string(*cap_, v);
        return cap_value_done();
    }
    if (skip_next_) { value_done(); return true; }
    target t;
    if (!pending_target(t)) { value_done(); return true; }
    switch (t.ti->k) {
    case kind::string:
    case kind::string_enum: static_cast<std::string*>(open(t))->assign(v); break;
    case kind::timestamp:
        if (!static_cast<Timestamp*>(open(t))->assign(v)) return mismatch(t, "a string too long for a timestamp");
        break;
    case kind::snowflake: {
        std::uint64_t u;
        if (!parse_u64(v, u)) return fail(codec_errc::invalid_snowflake, "\"" + std::string(v.substr(0, 32)) + "\"");
        static_cast<Snowflake*>(open(t))->value = u;
        break;
    }
    case kind::string_flags:
    case kind::flags: {
        std::uint64_t u;
        if (!parse_u64(v, u)) return mismatch(t, "non-numeric string");
        t.ti->set_int(open(t), static_cast<std::int64_t>(u));
        break;
    }
    case kind::any: {
        auto& s = static_cast<RawJson*>(open(t))->text;
        s.clear();
        json::append_string(s, v);
        break;
    }
    default: return mismatch(t, "string");
    }
    value_done();
    return true;
}

bool value_decoder::begin_container(bool is_object) {
    if (skip_depth_) {
        ++skip_depth_;
        return true;
    }
    if (cap_) {
        cap_sep();
        *cap_ += is_object ? '{' : '[';
        if (++cap_depth_ > max_depth_) return fail(codec_errc::too_deep, "nesting deeper than " + std::to_string(max_depth_));
        cap_first_.push_back(is_object ? 3 : 1);
        return true;
    }
    if (skip_next_) {
        skip_depth_ = 1;
        return true;
    }
    target t;
    if (!pending_target(t)) {
        skip_depth_ = 1;
        return true;
    }
    if (stack_.size() >= max_depth_) return fail(codec_errc::too_deep, "nesting deeper than " + std::to_string(max_depth_));
    void* p = open(t);
    const type_info* ti = t.ti;
    while (ti->k == kind::boxed) {
        p = ti->unbox(p);
        ti = ti->elem;
    }
    if (ti->k == kind::any) {
        cap_ = &static_cast<RawJson*>(p)->text;
        cap_->clear();
        *cap_ += is_object ? '{' : '[';
        cap_depth_ = 1;
        cap_first_.assign(1, is_object ? 3 : 1);
        return true;
    }
    const bool ok = is_object ? (ti->k == kind::object || ti->k == kind::map) : ti->k == kind::array;
    if (!ok) return mismatch({ti, t.pres, p}, is_object ? "object" : "array");
    if (root_pending_) root_pending_ = false, done_ = false;
    stack_.push_back({ti, p, ti->required_mask, nullptr, 0});
    return true;
}

bool value_decoder::object_begin() { return begin_container(true); }
bool value_decoder::array_begin() { return begin_container(false); }

bool value_decoder::key(std::string_view k) {
    if (skip_depth_) return true;
    if (cap_) {
        std::uint8_t& st = cap_first_.back();
        if (st & 1) st &= static_cast<std::uint8_t>(~1u);
        else *cap_ += ',';
        json::append_string(*cap_, k);
        *cap_ += ':';
        return true;
    }
    frame& f = stack_.back();
    if (f.ti->k == kind::map) {
        if (!parse_u64(k, f.map_key)) return fail(codec_errc::invalid_snowflake, "map key \"" + std::string(k.substr(0, 32)) + "\"");
        return true;
    }
    const int i = f.ti->find(k);
    if (i < 0) {
        f.field = nullptr;
        skip_next_ = true;
        return true;
    }
    f.field = &f.ti->fields[i];
    if (f.field->required_bit >= 0) f.missing &= ~(std::uint64_t{1} << f.field->required_bit);
    return true;
}

bool value_decoder::object_end() {
    if (skip_depth_) {
        if (--skip_depth_ == 0) value_done();
        return true;
    }
    if (cap_) {
        *cap_ += '}';
        cap_first_.pop_back();
        --cap_depth_;
        return cap_value_done();
    }
    frame& f = stack_.back();
    if (f.ti->k == kind::object) *f.ti->missing(f.obj) = f.missing;
    stack_.pop_back();
    if (stack_.empty()) {
        done_ = true;
        return true;
    }
    value_done();
    return true;
}

bool value_decoder::array_end() {
    if (skip_depth_) {
        if (--skip_depth_ == 0) value_done();
        return true;
    }
    if (cap_) {
        *cap_ += ']';
        cap_first_.pop_back();
        --cap_depth_;
        return cap_value_done();
    }
    stack_.pop_back();
    if (stack_.empty()) {
        done_ = true;
        return true;
    }
    value_done();
    return true;
}

void value_decoder::cap_sep() {
    if (cap_first_.empty()) return;
    std::uint8_t& st = cap_first_.back();
    if (st & 2) return; // object: the key wrote the separator
    if (st & 1) st = 0;
    else *cap_ += ',';
}

bool value_decoder::cap_value_done() {
    if (cap_depth_ > 0) return true;
    cap_ = nullptr;
    cap_first_.clear();
    if (stack_.empty()) {
        root_pending_ = false;
        done_ = true;
        return true;
    }
    value_done();
    return true;
}

} // namespace dgw::codec
