#include <dgw/codec/encode.hpp>
#include <dgw/detail/codec/type_info.hpp>
#include <dgw/error.hpp>
#include <dgw/etf/json.hpp>
#include <dgw/etf/writer.hpp>
#include <dgw/detail/json/dom.hpp>
#include <dgw/detail/json/text.hpp>
#include <dgw/detail/msgpack/writer.hpp>
#include <dgw/raw_json.hpp>
#include <dgw/snowflake.hpp>
#include <dgw/timestamp.hpp>
#include <dgw/unknown_fields.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <limits>
#include <vector>

namespace dgw::codec {
namespace {

/// The output formats behind one small interface, so the walk over type_info is
/// written once. Virtual calls are fine here: encoding is not on the receive hot path.
struct emitter {
    virtual ~emitter() = default;
    virtual void begin_object(std::uint32_t n) = 0;
    virtual void key(std::string_view k) = 0;
    /// A key of a snowflake-keyed map: digits, which Erlang writes as a binary, not an atom.
    virtual void map_key(std::string_view k) { key(k); }
    virtual void end_object() = 0;
    virtual void begin_array(std::uint32_t n) = 0;
    virtual void end_array() = 0;
    virtual void null() = 0;
    virtual void boolean(bool v) = 0;
    virtual void int64(std::int64_t v) = 0;
    virtual void uint64(std::uint64_t v) = 0;
    virtual void float64(double v) = 0;
    virtual void string(std::string_view v) = 0;
    virtual void snowflake(std::uint64_t v) = 0;
    virtual void any(std::string_view json_text) = 0;
    /// A value kept by keep_unknown, converted when it came in the other encoding. The
    /// decoder checked it as strictly as a conversion does, so a conversion cannot fail.
    virtual void unknown(const unknown_fields::field& f) = 0;
};

void sort_keys(boost::json::value& v) {
    if (auto* a = v.if_array()) {
        for (auto& e : *a) sort_keys(e);
    } else if (auto* o = v.if_object()) {
        std::vector<boost::json::key_value_pair*> kv;
        for (auto& p : *o) {
            sort_keys(p.value());
            kv.push_back(&p);
        }
        std::stable_sort(kv.begin(), kv.end(), [](const auto* a, const auto* b) { return a->key() < b->key(); });
        boost::json::object sorted(o->storage());
        sorted.reserve(kv.size());
        for (auto* p : kv) sorted.emplace(p->key(), std::move(p->value()));
        *o = std::move(sorted);
    }
}

/// Parsing JSON text the decoder captured (RawJson, kept unknown values): as deep as the
/// decoder let it be (decode_limits::max_depth), where Boost's default of 32 levels would
/// make the JSON writer throw and the ETF writer write null.
boost::json::parse_options any_depth() {
    boost::json::parse_options opt;
    opt.max_depth = std::numeric_limits<std::size_t>::max();
    return opt;
}

/// A value kept by keep_unknown as a JSON value, for the writers that are not its own
/// encoding's. Objects inside come out with their keys sorted, as the fields themselves
/// are: JSON input keeps its producer's order, ETF input Erlang's, and both must give one
/// output.
boost::json::value unknown_value(const unknown_fields::field& f) {
    boost::json::value v;
    if (f.encoding == Encoding::Json) {
        v = boost::json::parse(f.value, {}, any_depth());
    } else {
        std::string term(1, static_cast<char>(131));
        term.append(f.value);
        decode_error err;
        v = etf::to_json(term, err);
    }
    sort_keys(v);
    return v;
}

struct json_emitter final : emitter {
    std::string& out;
    bool comma = false; // something precedes the next value or key in its container
    big_integers big; // for the untyped text of `any` values and raw payloads
    json_emitter(std::string& o, big_integers b) : out(o), big(b) {}

    // Before a value or a key; a key's value and a container's first element follow no comma.
    void sep() {
        if (comma) out += ',';
        comma = true;
    }
    void begin_object(std::uint32_t) override { sep(); out += '{'; comma = false; }
    void key(std::string_view k) override {
        sep();
        json::append_string(out, k);
        out += ':';
        comma = false;
    }
    void end_object() override { out += '}'; comma = true; }
    void begin_array(std::uint32_t) override { sep(); out += '['; comma = false; }
    void end_array() override { out += ']'; comma = true; }
    void null() override { sep(); out += "null"; }
    void boolean(bool v) override { sep(); out += v ? "true" : "false"; }
    void int64(std::int64_t v) override { sep(); json::append_int(out, v); }
    void uint64(std::uint64_t v) override { sep(); json::append_uint(out, v); }
    void float64(double v) override { sep(); json::append_double(out, v); }
    void string(std::string_view v) override { sep(); json::append_string(out, v); }
    void snowflake(std::uint64_t v) override {
        sep();
        out += '"';
        json::append_uint(out, v);
        out += '"';
    }
    void any(std::string_view t) override {
        sep();
        if (t.empty()) out += "null";
        else if (big == big_integers::string) json::append_quoting_big_integers(out, t);
        else out += t;
    }
    void unknown(const unknown_fields::field& f) override {
        sep();
        json::append_value(out, unknown_value(f), big);
    }
};

struct etf_emitter final : emitter {
    std::string& out;
    etf::writer w;
    etf_style style;
    etf_emitter(std::string& o, etf_style s) : out(o), w(o, etf::writer_options{s.atom_keys}), style(s) {}

    void begin_object(std::uint32_t n) override { w.begin_map(n); }
    void key(std::string_view k) override { w.key(k); }
    void map_key(std::string_view k) override { w.string(k); }
    void end_object() override {}
    void begin_array(std::uint32_t n) override { w.begin_array(n); }
    void end_array() override { w.end_array(); }
    void null() override { w.null(); }
    void boolean(bool v) override { w.boolean(v); }
    void int64(std::int64_t v) override { w.int64(v); }
    void uint64(std::uint64_t v) override { w.uint64(v); }
    void float64(double v) override { w.float64(v); }
    void string(std::string_view v) override { w.string(v); }
    void snowflake(std::uint64_t v) override {
        if (style.snowflakes_as_int) w.uint64(v);
        else w.string(std::to_string(v));
    }
    void any(std::string_view t) override {
        boost::system::error_code ec;
        boost::json::value v = boost::json::parse(t.empty() ? std::string_view("null") : t, ec, {}, any_depth());
        std::string term;
        etf::from_json(v, term, etf::writer_options{style.atom_keys});
        out.append(term, 1, std::string::npos); // drop the version byte: this is a nested term
    }
    void unknown(const unknown_fields::field& f) override {
        if (f.encoding == Encoding::Etf) out.append(f.value);
        else any(f.value);
    }
};

/// The value the JSON writer writes (with big_integers::string), in MessagePack: what
/// discord.js' Redis brokers carry. Snowflakes stay strings, as in Discord's JSON.
struct msgpack_emitter final : emitter {
    std::string& out;
    explicit msgpack_emitter(std::string& o) : out(o) {}

    void begin_object(std::uint32_t n) override { msgpack::append_map(out, n); }
    void key(std::string_view k) override { msgpack::append_string(out, k); }
    void end_object() override {}
    void begin_array(std::uint32_t n) override { msgpack::append_array(out, n); }
    void end_array() override {}
    void null() override { msgpack::append_nil(out); }
    void boolean(bool v) override { msgpack::append_bool(out, v); }
    void int64(std::int64_t v) override { msgpack::append_int(out, v); }
    void uint64(std::uint64_t v) override { msgpack::append_uint(out, v); }
    void float64(double v) override { msgpack::append_double(out, v); }
    void string(std::string_view v) override { msgpack::append_string(out, v); }
    void snowflake(std::uint64_t v) override {
        char buf[24];
        msgpack::append_string(out, std::string_view(buf, static_cast<std::size_t>(
                                                              std::to_chars(buf, buf + sizeof buf, v).ptr - buf)));
    }
    // RawJson text was checked by the decoder that captured it (to its own depth limit), so
    // the conversion does not fail; if a hand-made one is not JSON, nil keeps the output
    // well formed (as ETF's does).
    void any(std::string_view t) override {
        decode_error err;
        if (t.empty() || !msgpack::append_json_text(out, t, err, std::numeric_limits<std::size_t>::max()))
            msgpack::append_nil(out);
    }
    void unknown(const unknown_fields::field& f) override { msgpack::append_value(out, unknown_value(f)); }
};

void emit(const type_info& ti, const void* p, emitter& e);

/// Whether an object's field is written, and its value's address (nullptr: null). A field
/// kept as received among the unknown ones is written from there.
bool field_present(const field_info& f, const void* obj, std::uint64_t missing, const unknown_fields& unknown,
                   const void*& value) {
    if (!unknown.empty() &&
        std::ranges::any_of(unknown, [&](const unknown_fields::field& u) { return u.key == f.name; }))
        return false;
    const void* slot = f.cget(obj);
    switch (f.pres) {
    case presence::required:
        value = slot;
        return !(f.required_bit >= 0 && (missing >> f.required_bit) & 1);
    case presence::optional:
        value = f.type->opt_get(slot);
        return value != nullptr;
    case presence::nullable:
        value = f.type->opt_get(slot);
        return !(f.required_bit >= 0 && (missing >> f.required_bit) & 1);
    case presence::optional_nullable: {
        const int st = f.type->maybe_state(slot);
        value = f.type->maybe_get(slot);
        return st != 0;
    }
    }
    return false;
}

struct map_ctx {
    const type_info* elem;
    emitter* e;
};

void emit(const type_info& ti, const void* p, emitter& e) {
    switch (ti.k) {
    case kind::boolean: e.boolean(*static_cast<const bool*>(p)); return;
    case kind::int64: e.int64(*static_cast<const std::int64_t*>(p)); return;
    case kind::float64: e.float64(*static_cast<const double*>(p)); return;
    case kind::string:
    case kind::string_enum: e.string(*static_cast<const std::string*>(p)); return;
    case kind::timestamp: e.string(static_cast<const Timestamp*>(p)->text()); return;
    case kind::snowflake: e.snowflake(static_cast<const Snowflake*>(p)->value); return;
    case kind::int_enum: e.int64(ti.get_int(p)); return;
    case kind::flags: e.uint64(static_cast<std::uint64_t>(ti.get_int(p))); return;
    case kind::string_flags: e.string(std::to_string(static_cast<std::uint64_t>(ti.get_int(p)))); return;
    case kind::any: e.any(static_cast<const RawJson*>(p)->text); return;
    case kind::boxed: emit(*ti.elem, ti.cunbox(p), e); return;
    case kind::object: {
        const std::uint64_t missing = ti.cmissing(p);
        const unknown_fields& unknown = *ti.cunknown(p);
        std::uint32_t n = static_cast<std::uint32_t>(unknown.size());
        const void* v;
        for (std::uint16_t i = 0; i < ti.field_count; ++i) n += field_present(ti.fields[i], p, missing, unknown, v);
        e.begin_object(n);
        for (std::uint16_t i = 0; i < ti.field_count; ++i) {
            const field_info& f = ti.fields[i];
            if (!field_present(f, p, missing, unknown, v)) continue;
            e.key(f.name);
            if (v) emit(*f.type, v, e);
            else e.null();
        }
        if (!unknown.empty()) {
            // In key order: JSON and ETF input (Erlang sorts map keys) then print the same line.
            std::vector<unknown_fields::field> sorted(unknown.begin(), unknown.end());
            std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
            for (const unknown_fields::field& f : sorted) {
                e.key(f.key);
                e.unknown(f);
            }
        }
        e.end_object();
        return;
    }
    case kind::array: {
        const std::size_t n = ti.size(p);
        e.begin_array(static_cast<std::uint32_t>(n));
        for (std::size_t i = 0; i < n; ++i) emit(*ti.elem, ti.at(p, i), e);
        e.end_array();
        return;
    }
    case kind::map: {
        e.begin_object(static_cast<std::uint32_t>(ti.size(p)));
        map_ctx c{ti.elem, &e};
        ti.map_each(p, &c, [](void* vc, std::uint64_t k, const void* v) {
            auto& mc = *static_cast<map_ctx*>(vc);
            mc.e->map_key(std::to_string(k));
            emit(*mc.elem, v, *mc.e);
        });
        e.end_object();
        return;
    }
    }
}

void emit_payload(const payload_ref& d, emitter& e, bool etf) {
    if (d.ti) {
        emit(*d.ti, d.obj, e);
    } else if (d.raw.empty()) {
        e.null();
    } else if (etf) {
        // a standalone ETF term: nest it without its version byte
        static_cast<etf_emitter&>(e).out.append(d.raw.substr(1));
    } else {
        e.any(d.raw);
    }
}

} // namespace

void encode_json_value(const type_info& ti, const void* obj, std::string& out, big_integers big) {
    json_emitter e(out, big);
    emit(ti, obj, e);
}

void encode_etf_value(const type_info& ti, const void* obj, std::string& out, etf_style style) {
    etf_emitter e(out, style);
    emit(ti, obj, e);
}

void encode_msgpack_value(const type_info& ti, const void* obj, std::string& out) {
    msgpack_emitter e(out);
    emit(ti, obj, e);
}

void encode_json_envelope(std::int64_t op, std::optional<std::int64_t> s, std::optional<std::string_view> t,
                          const payload_ref& d, std::string& out, big_integers big) {
    json_emitter e(out, big);
    e.begin_object(4);
    e.key("t");
    if (t) e.string(*t);
    else e.null();
    e.key("s");
    if (s) e.int64(*s);
    else e.null();
    e.key("op");
    e.int64(op);
    e.key("d");
    emit_payload(d, e, false);
    e.end_object();
}

void encode_etf_envelope(std::int64_t op, std::optional<std::int64_t> s, std::optional<std::string_view> t,
                         const payload_ref& d, std::string& out, etf_style style) {
    etf_emitter e(out, style);
    e.w.version();
    // Erlang's sorted order: the receive side of this library (and Discord) expects d first.
    e.begin_object(4);
    e.key("d");
    emit_payload(d, e, true);
    e.key("op");
    e.int64(op);
    e.key("s");
    if (s) e.int64(*s);
    else e.null();
    e.key("t");
    if (t) {
        if (style.atom_keys) e.w.atom(*t);
        else e.string(*t);
    } else {
        e.null();
    }
}

void encode_command(std::int64_t op, const payload_ref& d, bool etf, std::string& out) {
    if (etf) {
        etf_emitter e(out, etf_style{});
        e.w.version();
        e.begin_object(2);
        e.key("d");
        emit_payload(d, e, true);
        e.key("op");
        e.int64(op);
        return;
    }
    // The client's own command goes out as written: its raw d is not rewritten.
    json_emitter e(out, big_integers::number);
    e.begin_object(2);
    e.key("op");
    e.int64(op);
    e.key("d");
    emit_payload(d, e, false);
    e.end_object();
}

bool etf_term_to_json_text(std::string_view etf, std::string& out, decode_error& err, big_integers big) {
    boost::json::value v = etf::to_json(etf, err);
    if (err) return false;
    // As the RawJson capture writes numbers (boost::json::serialize would write 1.5 as 1.5E0).
    json::append_value(out, v, big);
    return true;
}

bool json_text_to_etf_term(std::string_view json, std::string& out, etf_style style, decode_error& err) {
    boost::json::stream_parser p;
    boost::system::error_code ec;
    const std::size_t used = p.write_some(json.data(), json.size(), ec);
    if (!ec) p.finish(ec);
    if (ec) return err.fail(ec, used, {}, "not valid JSON text");
    etf::from_json(p.release(), out, etf::writer_options{style.atom_keys});
    return true;
}

bool json_text_to_msgpack(std::string_view json, std::string& out, decode_error& err) {
    return msgpack::append_json_text(out, json, err);
}

bool etf_term_to_msgpack(std::string_view etf, std::string& out, decode_error& err) {
    const boost::json::value v = etf::to_json(etf, err);
    if (err) return false;
    msgpack::append_value(out, v);
    return true;
}

} // namespace dgw::codec
