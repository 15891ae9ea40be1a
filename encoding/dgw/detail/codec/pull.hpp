#pragma once
/// The typed decoder (internal; included by json_front.cpp and etf_front.cpp only).
///
/// Schema-directed pull decoding: the decoder knows the type it is filling, asks the
/// source for the next value and stores it straight into the member, recursing into
/// objects, arrays and maps. One template serves both encodings; a source (JSON text or
/// the ETF reader) only has to produce values, keys and container ends.
///
/// Why pull and not a push state machine fed by a SAX parser (the first design): with
/// push, every token paid for finding its target again (stack frame, pending field,
/// skip/capture flags) through several indirect calls. Pulling keeps the target in the
/// C++ call frame and lets unknown fields go through the source's fast skip.
///
/// Rules: unknown fields are skipped, or kept in the object's `unknown_` as received when
/// `decode_limits::keep_unknown` is set; a required field that never arrives is recorded in
/// the struct's `missing_` mask (so encoding it again omits it); null for a field the
/// schema says is not nullable is treated as absent rather than failing the whole event
/// (Discord's nullability notes are not always right), and with keep_unknown the null is
/// kept among the unknown fields, so it is written back; any other type mismatch is an
/// error naming the field path.
///
/// The storage decoded into must be default-constructed (callers reset it first). A key
/// repeated within one object (which Discord never sends) is decoded again over its first
/// value: a scalar or an optional member takes the last value; a required array gets the
/// later elements appended, and a required object the later fields over the earlier
/// ones. Making the last one win everywhere cost 2.5% more instructions on the corpus.
///
/// Source interface (S):
///   bool value(scalar& v)        next value; for containers, enters them (v.t object/array)
///   bool next_key(bool first, std::string_view& k, bool& done, std::string_view expect)
///                                in an object; `expect` is the likely key (may be empty),
///                                which a source may match in place
///   bool next_elem(bool first, bool& done)                        in an array
///   bool skip(std::size_t depth) skips the next value entirely; `depth` containers are
///                                open around it, and its own nesting counts on from there
///   std::size_t offset() const   byte offset of the value just read (for errors)
///   decode_error& error()        filled by the source when one of the above fails
/// and, for keep_unknown:
///   std::size_t pos() const      where the next value starts
///   std::string_view kept(std::size_t b, std::size_t e)
///                                the bytes of the value at [b, e) as unknown_fields keeps
///                                them: checked as strictly as if they were read (false-y
///                                data() with error() filled when not), in `encoding`
///   static constexpr Encoding encoding
/// and, for decode_limits::mismatched:
///   mark_type mark() const       where the next value starts, and what it takes to get back there
///   bool skip_from(const mark_type& m, std::size_t depth)
///                                after a value that began at `m` failed somewhere inside
///                                it: leaves the source just past that value (checked as
///                                skip() checks), as if it had been skipped

#include <dgw/codec/decode.hpp>
#include <dgw/detail/codec/type_info.hpp>
#include <dgw/error.hpp>
#include <dgw/detail/json/text.hpp>
#include <dgw/maybe.hpp>
#include <dgw/raw_json.hpp>
#include <dgw/snowflake.hpp>
#include <dgw/timestamp.hpp>
#include <dgw/unknown_fields.hpp>

#include <charconv>
#include <memory>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace dgw::codec {
/// The decoder's way to add to unknown_fields (which nothing else may add to).
struct unknown_access {
    static void add(unknown_fields& u, Encoding enc, std::string_view key, std::string_view value) {
        u.add(enc, key, value);
    }
};
} // namespace dgw::codec

namespace dgw::codec::pull {

/// What a source produced.
enum class vt : std::uint8_t { null, boolean, int64, uint64, float64, string, object, array };

/// One value head: a scalar, or the opening of a container.
struct scalar {
    vt t = vt::null;
    bool b = false;
    std::int64_t i = 0;
    std::uint64_t u = 0;
    double f = 0;
    std::string_view s;
    /// array: the element count when the encoding states it up front (ETF), else 0
    std::uint32_t count = 0;
};

/// Decimal text to uint64: digits only, no sign, no overflow. (std::from_chars showed up
/// at 4% of typed JSON decoding; snowflakes are 17-20 digits and need none of its generality.)
inline bool parse_u64(std::string_view s, std::uint64_t& out) {
    const std::size_t n = s.size();
    if (n == 0 || n > 20) return false;
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const unsigned d = static_cast<unsigned char>(s[i]) - unsigned{'0'};
        if (d > 9) return false;
        if (i >= 19 && v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    out = v;
    return true;
}

// Decoded strings land in members made empty just before, so the value is constructed in
// place. assign() goes through std::string::_M_replace, which GCC 12 calls out of line
// here even with raised inline limits: 20M instructions per pass over the corpus (5% of
// typed JSON, callgrind), where the constructor path costs 7M.
[[gnu::always_inline]] inline void store_string(std::string& s, std::string_view v) {
    if (!s.empty()) {
        s.assign(v);
        return;
    }
    std::destroy_at(&s); // frees nothing unless an emptied string kept its buffer
    try {
        std::construct_at(&s, v.data(), v.size());
    } catch (...) {
        std::construct_at(&s); // the owner destroys s whatever happens
        throw;
    }
}

/// a == b for short keys, inline (the library memcmp call cost more than the compare).
[[gnu::always_inline]] inline bool same_key(std::string_view a, std::string_view b) noexcept {
    const std::size_t n = a.size();
    if (n != b.size()) return false;
    const char* x = a.data();
    const char* y = b.data();
    auto eq = [&](std::size_t at, auto word) {
        decltype(word) u, v;
        std::memcpy(&u, x + at, sizeof u);
        std::memcpy(&v, y + at, sizeof v);
        return u == v;
    };
    // Two overlapping loads cover any length from w to 2w: no per-byte loop.
    if (n >= 8) {
        for (std::size_t i = 0; i + 8 < n; i += 8)
            if (!eq(i, std::uint64_t{})) return false;
        return eq(n - 8, std::uint64_t{});
    }
    if (n >= 4) return eq(0, std::uint32_t{}) && eq(n - 4, std::uint32_t{});
    if (n >= 2) return eq(0, std::uint16_t{}) && eq(n - 2, std::uint16_t{});
    return n == 0 || x[0] == y[0];
}

const char* kind_name(kind k) noexcept;
/// err.path = root + below (out of line: only failures pay, and GCC 12's -Wrestrict
/// misfires on std::string appends inlined into the decoder).
void set_path(decode_error& err, std::string_view root, const std::string& below);
/// path = "." + field + path, and path = "[" + index + "]" + path.
void prepend_field(std::string& path, std::string_view field);
void prepend_index(std::string& path, std::uint64_t index);
const char* vt_name(vt t) noexcept;

/// Where a value sits, for the null rules: the root, a field of an object, an element.
enum class slot : std::uint8_t { root, field, element };

/// `Keep`: decode_limits::keep_unknown. `Recover`: decode_limits::mismatched is set. Template
/// parameters, not flags, so that decoding without them pays nothing for them on the hot
/// path (decode_root picks).
///
/// Recovering: a field whose value has the wrong type (a null the schema does not allow
/// included) is not an error. Its member is left as if the field were absent (a required
/// one is recorded as missing), the value is kept as received among the object's unknown
/// fields (so encoding writes it back), and a decode_error saying what and where is
/// appended to *decode_limits::mismatched. Only the decoder's own verdicts on a value are
/// recovered from (type_mismatch, number_out_of_range, invalid_snowflake); malformed,
/// truncated or too deep input still fails the whole decode. The innermost field around
/// the bad value is the one set aside: `mentions: [5]` sets `mentions` aside, while a bad
/// `id` in one mention sets only that mention's `id` aside.
template <class S, bool Keep = false, bool Recover = false>
class decoder {
public:
    /// `depth`: containers already open around the value (the envelope around `d`), so
    /// the limit counts from the message root.
    decoder(S& src, const decode_limits& lim, std::size_t depth = 0)
        : src_(src), max_depth_(lim.max_depth), depth_(depth), mismatched_(lim.mismatched) {}

    /// Decodes one whole value into `obj` (described by `ti`); on failure the source's
    /// error() holds code, offset, detail, and the path below `root_name`.
    bool root(const type_info* ti, void* obj, std::string_view root_name) {
        path_.clear();
        [[maybe_unused]] const std::size_t n0 = issues();
        if (value(ti, presence::required, obj, slot::root, nullptr, -1)) {
            if constexpr (Recover)
                for (std::size_t i = n0; i < mismatched_->size(); ++i) (*mismatched_)[i].path.insert(0, root_name);
            return true;
        }
        set_path(src_.error(), root_name, path_);
        // A failed value reports no mismatches: those found before the failure would
        // carry paths below a value that was never completed.
        if constexpr (Recover) mismatched_->erase(mismatched_->begin() + static_cast<std::ptrdiff_t>(n0), mismatched_->end());
        return false;
    }

private:
    S& src_;
    std::size_t max_depth_;
    std::size_t depth_ = 0;
    std::vector<decode_error>* mismatched_;
    // The field's value also goes to the unknown fields, as received (object() keeps it):
    // a null its type cannot hold, or a form the typed value would not write back.
    bool set_aside_ = false;
    // ... and, recovering, is reported as a mismatch (a null its type cannot hold).
    bool report_null_ = false;
    // The last failure is the decoder's verdict on a well-formed value (see Recover).
    bool bad_value_ = false;
    std::string path_; // built back to front while a failure unwinds

    std::size_t issues() const {
        if constexpr (Recover) return mismatched_->size();
        return 0;
    }
    // Issues from n0 on were found below `field` / element `index`: their paths grow
    // back to front as the decode climbs out, as path_ does on a failure.
    [[gnu::cold, gnu::noinline]] void prefix_issues(std::size_t n0, std::string_view field) {
        for (std::size_t i = n0; i < mismatched_->size(); ++i) prepend_field((*mismatched_)[i].path, field);
    }
    [[gnu::cold, gnu::noinline]] void prefix_issues(std::size_t n0, std::uint64_t index) {
        for (std::size_t i = n0; i < mismatched_->size(); ++i) prepend_index((*mismatched_)[i].path, index);
    }

    [[gnu::cold, gnu::noinline]] bool fail(codec_errc e, std::string detail) {
        bad_value_ = e != codec_errc::too_deep;
        return src_.error().fail(e, src_.offset(), {}, std::move(detail)); // the path is set as it unwinds
    }
    [[gnu::cold, gnu::noinline]] bool mismatch(const type_info* ti, vt got) {
        return fail(codec_errc::type_mismatch,
                    std::string("expected ") + kind_name(ti->k) + " (" + std::string(ti->name) + "), got " + vt_name(got));
    }
    [[gnu::cold, gnu::noinline]] bool too_long_timestamp(const type_info* ti) {
        return fail(codec_errc::type_mismatch,
                    "expected timestamp (" + std::string(ti->name) + "), got a string too long for a timestamp");
    }
    [[gnu::cold, gnu::noinline]] bool too_deep() {
        return fail(codec_errc::too_deep, "nesting deeper than " + std::to_string(max_depth_));
    }
    [[gnu::cold, gnu::noinline]] void prepend(std::string_view field) { prepend_field(path_, field); }
    [[gnu::cold, gnu::noinline]] void prepend(std::uint64_t index) { prepend_index(path_, index); }

    static void* open(const type_info* ti, presence pres, void* p) {
        switch (pres) {
        case presence::required: return p;
        case presence::optional:
        case presence::nullable: return ti->opt_emplace(p);
        case presence::optional_nullable: return ti->maybe_emplace(p);
        }
        return p;
    }

    // Integer enums and flags are 8-byte trivially copyable types (ops.hpp checks): a copy
    // of the bits stores any of them without an indirect call per type.
    static void store_int(void* p, std::int64_t v) { std::memcpy(p, &v, sizeof v); }

    // open() for the built-in scalar types, whose C++ type the kind names: no indirect call.
    template <class T>
    static T* open_as(presence pres, void* p) {
        switch (pres) {
        case presence::required: break;
        case presence::optional:
        case presence::nullable: {
            auto& o = *static_cast<std::optional<T>*>(p);
            if (!o) o.emplace();
            return &*o;
        }
        case presence::optional_nullable: return &static_cast<maybe<T>*>(p)->emplace();
        }
        return static_cast<T*>(p);
    }

    // Scalar kinds first ask the source for their usual wire form (see docs/codec.md),
    // which it reads without the generic value dispatch; anything else (null, another
    // form, an error to report) takes value_generic. 1: stored, 0: not that form (nothing
    // consumed), -1: failed. Inlined into the object loop too, so most fields need no
    // recursive call.
    [[gnu::always_inline]] int try_fast(const type_info* ti, presence pres, void* storage) {
        if constexpr (requires(std::uint64_t u, std::int64_t i, bool b, std::string_view sv) {
                          src_.try_snowflake(u);
                          src_.try_string(sv);
                          src_.try_int(i);
                          src_.try_bool(b);
                      }) {
            switch (ti->k) {
            case kind::snowflake: {
                std::uint64_t u;
                const int r = src_.try_snowflake(u);
                if (r > 0) open_as<Snowflake>(pres, storage)->value = u;
                return r;
            }
            case kind::string: {
                std::string_view sv;
                const int r = src_.try_string(sv);
                if (r > 0) store_string(*open_as<std::string>(pres, storage), sv);
                return r;
            }
            case kind::timestamp: {
                std::string_view sv;
                const int r = src_.try_string(sv);
                if (r > 0 && !open_as<Timestamp>(pres, storage)->assign(sv)) {
                    too_long_timestamp(ti);
                    return -1;
                }
                return r;
            }
            case kind::boolean: {
                bool b;
                const int r = src_.try_bool(b);
                if (r > 0) *open_as<bool>(pres, storage) = b;
                return r;
            }
            case kind::int64: {
                std::int64_t i;
                const int r = src_.try_int(i);
                if (r > 0) *open_as<std::int64_t>(pres, storage) = i;
                return r;
            }
            case kind::int_enum:
            case kind::flags: {
                std::int64_t i;
                const int r = src_.try_int(i);
                if (r > 0) store_int(open(ti, pres, storage), i);
                return r;
            }
            default: break;
            }
        }
        return 0;
    }

    bool value(const type_info* ti, presence pres, void* storage, slot where, std::uint64_t* missing, int bit) {
        // keep_unknown reads every value the generic way: the sources' fast forms differ (ETF
        // reads an integer snowflake fast, JSON only a string one), and what is kept as
        // received must not depend on which source read it.
        if constexpr (!Keep)
            if (const int r = try_fast(ti, pres, storage); r != 0) return r > 0;
        return value_generic(ti, pres, storage, where, missing, bit);
    }

    bool value_generic(const type_info* ti, presence pres, void* storage, slot where, std::uint64_t* missing, int bit) {
        scalar v;
        if (!src_.value(v)) return false;
        switch (v.t) {
        case vt::null: return null(ti, pres, storage, where, missing, bit);
        case vt::boolean:
            if (ti->k == kind::boolean) {
                *open_as<bool>(pres, storage) = v.b;
                return true;
            }
            break;
        case vt::int64: return integer(ti, pres, storage, v.i);
        case vt::uint64: return uinteger(ti, pres, storage, v.u);
        case vt::float64: return floating(ti, pres, storage, v.f);
        case vt::string: return string(ti, pres, storage, v.s);
        case vt::object:
        case vt::array: return container(ti, pres, storage, v.t == vt::object, v.count);
        }
        if (ti->k == kind::any) return capture_into(ti, pres, storage, v);
        return mismatch(ti, v.t);
    }

    bool null(const type_info* ti, presence pres, void* storage, slot where, std::uint64_t* missing, int bit) {
        switch (pres) {
        case presence::nullable: ti->opt_reset(storage); return true;
        case presence::optional:
            // optional-but-not-nullable null: treated as absent (see above), and kept as
            // an unknown field by object() when those are kept, so encoding writes it back
            ti->opt_reset(storage);
            set_aside_ = report_null_ = Keep || Recover;
            return true;
        case presence::optional_nullable: ti->maybe_set_null(storage); return true;
        case presence::required: break;
        }
        if (ti->k == kind::any) {
            static_cast<RawJson*>(storage)->text = "null";
            return true;
        }
        if (where == slot::element) return mismatch(ti, vt::null);
        // Not nullable per schema: keep it recorded as missing rather than invent a value
        // (and, as above, the null itself among the unknown fields when those are kept).
        if (where == slot::field && bit >= 0) *missing |= std::uint64_t{1} << bit;
        set_aside_ = report_null_ = (Keep || Recover) && where == slot::field;
        return true;
    }

    bool integer(const type_info* ti, presence pres, void* storage, std::int64_t v) {
        switch (ti->k) {
        case kind::int64: *open_as<std::int64_t>(pres, storage) = v; return true;
        case kind::snowflake:
            if (v < 0) return fail(codec_errc::invalid_snowflake, "negative integer " + std::to_string(v));
            open_as<Snowflake>(pres, storage)->value = static_cast<std::uint64_t>(v);
            // No real snowflake fits INTEGER_EXT: such a number is another value sharing the
            // name (InteractionData's component `id`), kept as it came. The same bound in both
            // encodings, so JSON and ETF input still print the same line.
            set_aside_ = Keep && v <= INT32_MAX;
            return true;
        case kind::float64: *static_cast<double*>(open(ti, pres, storage)) = static_cast<double>(v); return true;
        case kind::int_enum:
        case kind::flags:
        case kind::string_flags: store_int(open(ti, pres, storage), v); return true;
        case kind::any: {
            auto& s = static_cast<RawJson*>(open(ti, pres, storage))->text;
            s.clear();
            json::append_int(s, v);
            return true;
        }
        default: return mismatch(ti, vt::int64);
        }
    }

    bool uinteger(const type_info* ti, presence pres, void* storage, std::uint64_t v) {
        switch (ti->k) {
        case kind::snowflake: open_as<Snowflake>(pres, storage)->value = v; return true;
        case kind::float64: *static_cast<double*>(open(ti, pres, storage)) = static_cast<double>(v); return true;
        case kind::flags:
        case kind::string_flags: store_int(open(ti, pres, storage), static_cast<std::int64_t>(v)); return true;
        case kind::any: {
            auto& s = static_cast<RawJson*>(open(ti, pres, storage))->text;
            s.clear();
            json::append_uint(s, v);
            return true;
        }
        case kind::int64:
        case kind::int_enum:
            return fail(codec_errc::number_out_of_range, std::to_string(v) + " does not fit a signed 64-bit integer");
        default: return mismatch(ti, vt::uint64);
        }
    }

    bool floating(const type_info* ti, presence pres, void* storage, double v) {
        switch (ti->k) {
        case kind::float64: *static_cast<double*>(open(ti, pres, storage)) = v; return true;
        case kind::int64:
        case kind::int_enum:
            // Integral doubles are accepted for integer fields (some producers write 1.0).
            if (!(std::trunc(v) == v && std::fabs(v) < 9.2e18))
                return fail(codec_errc::type_mismatch, std::string("expected ") + kind_name(ti->k) + " (" +
                                                           std::string(ti->name) + "), got non-integral number");
            if (ti->k == kind::int64) *static_cast<std::int64_t*>(open(ti, pres, storage)) = static_cast<std::int64_t>(v);
            else store_int(open(ti, pres, storage), static_cast<std::int64_t>(v));
            return true;
        case kind::any: {
            auto& s = static_cast<RawJson*>(open(ti, pres, storage))->text;
            s.clear();
            json::append_double(s, v);
            return true;
        }
        default: return mismatch(ti, vt::float64);
        }
    }

    bool string(const type_info* ti, presence pres, void* storage, std::string_view v) {
        switch (ti->k) {
        case kind::string:
        case kind::string_enum: store_string(*open_as<std::string>(pres, storage), v); return true;
        case kind::snowflake: {
            std::uint64_t u;
            if (!parse_u64(v, u)) return fail(codec_errc::invalid_snowflake, "\"" + std::string(v.substr(0, 32)) + "\"");
            open_as<Snowflake>(pres, storage)->value = u;
            return true;
        }
        case kind::timestamp: return open_as<Timestamp>(pres, storage)->assign(v) || too_long_timestamp(ti);
        case kind::string_flags:
        case kind::flags: {
            std::uint64_t u;
            if (!parse_u64(v, u))
                return fail(codec_errc::type_mismatch, std::string("expected ") + kind_name(ti->k) + " (" +
                                                           std::string(ti->name) + "), got non-numeric string");
            store_int(open(ti, pres, storage), static_cast<std::int64_t>(u));
            return true;
        }
        case kind::any: {
            auto& s = static_cast<RawJson*>(open(ti, pres, storage))->text;
            s.clear();
            json::append_string(s, v);
            return true;
        }
        default: return mismatch(ti, vt::string);
        }
    }

    bool container(const type_info* ti, presence pres, void* storage, bool is_object, std::uint32_t count = 0) {
        if (depth_ >= max_depth_) return too_deep();
        void* p = open(ti, pres, storage);
        while (ti->k == kind::boxed) {
            p = ti->unbox(p);
            ti = ti->elem;
        }
        ++depth_;
        bool ok;
        if (is_object) {
            if (ti->k == kind::object) ok = object(ti, p);
            else if (ti->k == kind::map) ok = map(ti, p);
            else if (ti->k == kind::any) ok = capture_container(static_cast<RawJson*>(p)->text, true);
            else ok = mismatch(ti, vt::object);
        } else {
            if (ti->k == kind::array) ok = array(ti, p, count);
            else if (ti->k == kind::any) ok = capture_container(static_cast<RawJson*>(p)->text, false);
            else ok = mismatch(ti, vt::array);
        }
        --depth_;
        return ok;
    }

    bool object(const type_info* ti, void* obj) {
        std::uint64_t missing = ti->required_mask;
        std::string_view k;
        bool done = false;
        field_order* order = ti->order;
        // The predicted next field (see field_order) is looked up before the current
        // value is decoded, so its two dependent loads overlap that work instead of
        // stalling the next key.
        auto predict = [&](std::size_t prev) {
            const unsigned g = order ? order[prev].load(std::memory_order_relaxed) : 0u;
            return std::pair<unsigned, std::string_view>(g, g != 0 ? ti->fields[g - 1].name : std::string_view());
        };
        std::size_t prev = 0; // entry of `order` for the next key: 1 + the last field matched
        auto [guess, expect] = predict(0);
        for (bool first = true;; first = false) {
            if (!src_.next_key(first, k, done, expect)) return false;
            if (done) break;
            int i = -1;
            if (guess != 0 && (k.data() == expect.data() || same_key(expect, k))) i = static_cast<int>(guess - 1);
            if (i < 0) {
                i = ti->find(k);
                if (i < 0) {
                    if (!(Keep ? keep(ti, obj, k) : src_.skip(depth_))) return false;
                    continue;
                }
                if (order) order[prev].store(static_cast<std::uint16_t>(i + 1), std::memory_order_relaxed);
            }
            prev = static_cast<std::size_t>(i) + 1;
            const field_info& f = ti->fields[i];
            std::tie(guess, expect) = predict(prev);
            if (f.required_bit >= 0) missing &= ~(std::uint64_t{1} << f.required_bit);
            if constexpr (Keep) {
                if (!field_keeping(ti, obj, f, &missing)) {
                    prepend(f.name);
                    return false;
                }
                continue;
            } else if constexpr (Recover) {
                const auto m = src_.mark();
                const std::size_t n0 = mismatched_->size();
                const int fast = try_fast(f.type, f.pres, f.get(obj));
                if (fast > 0) continue;
                if (fast == 0 && value_generic(f.type, f.pres, f.get(obj), slot::field, &missing, f.required_bit)) {
                    if (set_aside_ && !set_aside(ti, obj, f, m.pos)) {
                        prepend(f.name);
                        return false;
                    }
                } else if (!recover(ti, obj, f, m, &missing)) {
                    prepend(f.name);
                    return false;
                }
                if (mismatched_->size() != n0) prefix_issues(n0, f.name);
                continue;
            }
            const int fast = try_fast(f.type, f.pres, f.get(obj));
            if (fast > 0) continue;
            if (fast < 0 || !value_generic(f.type, f.pres, f.get(obj), slot::field, &missing, f.required_bit)) {
                prepend(f.name);
                return false;
            }
        }
        *ti->missing(obj) = missing;
        return true;
    }

    // An unknown field, kept: out of line, as the rest of the keeping.
    [[gnu::noinline]] bool keep(const type_info* ti, void* obj, std::string_view k) {
        const std::string key(k); // k may view the source's unescape buffer, which skipping reuses
        const std::size_t b = src_.pos();
        return src_.skip(depth_) && keep_as_received(ti, obj, key, b);
    }

    // A field's value with keep_unknown: decoded, and also kept as received when the typed
    // member cannot give it back (see set_aside_).
    [[gnu::noinline]] bool field_keeping(const type_info* ti, void* obj, const field_info& f, std::uint64_t* missing) {
        if constexpr (Recover) {
            const auto m = src_.mark();
            const std::size_t n0 = mismatched_->size();
            if (!value_generic(f.type, f.pres, f.get(obj), slot::field, missing, f.required_bit)) {
                if (!recover(ti, obj, f, m, missing)) return false;
            } else if (set_aside_ && !set_aside(ti, obj, f, m.pos)) {
                return false;
            }
            if (mismatched_->size() != n0) prefix_issues(n0, f.name);
            return true;
        } else {
            const std::size_t vb = src_.pos();
            if (!value_generic(f.type, f.pres, f.get(obj), slot::field, missing, f.required_bit)) return false;
            return !set_aside_ || set_aside(ti, obj, f, vb);
        }
    }

    // The value just decoded into field `f`, which began at `b`, also goes to the unknown
    // fields (see set_aside_); recovering, a null the schema does not allow is reported.
    [[gnu::noinline]] bool set_aside(const type_info* ti, void* obj, const field_info& f, std::size_t b) {
        set_aside_ = false;
        [[maybe_unused]] const bool report = report_null_;
        report_null_ = false;
        if constexpr (Recover) {
            if (report) {
                decode_error issue;
                issue.fail(codec_errc::type_mismatch, b, {},
                           std::string("null where ") + std::string(f.type->name) + " allows none");
                mismatched_->push_back(std::move(issue));
            }
        }
        return keep_as_received(ti, obj, f.name, b);
    }

    // Recovering (see the class comment): field `f`, whose value began at `m`, failed. A
    // verdict on its value is set aside; anything else stays a failure.
    template <class Mark>
    [[gnu::cold, gnu::noinline]] bool recover(const type_info* ti, void* obj, const field_info& f, const Mark& m,
                                              std::uint64_t* missing) {
        if (!bad_value_) return false;
        bad_value_ = false;
        set_aside_ = report_null_ = false;
        decode_error issue = std::move(src_.error());
        src_.error() = decode_error{};
        issue.path = std::move(path_);
        path_.clear();
        switch (f.pres) {
        case presence::required: f.type->clear(f.get(obj)); break;
        case presence::optional:
        case presence::nullable: f.type->opt_reset(f.get(obj)); break;
        case presence::optional_nullable: f.type->maybe_reset(f.get(obj)); break;
        }
        if (f.required_bit >= 0) *missing |= std::uint64_t{1} << f.required_bit;
        if (!src_.skip_from(m, depth_) || !keep_as_received(ti, obj, f.name, m.pos)) return false;
        mismatched_->push_back(std::move(issue));
        return true;
    }

    // A null where the schema allows none (Discord's nullability notes are not always
    // right, and absent, null and a value must stay three things through a round trip), or
    // a number in a snowflake field (see integer()): kept under the field's name, which the
    // encoders then write instead of the typed member.
    [[gnu::noinline]] bool keep_as_received(const type_info* ti, void* obj, std::string_view name, std::size_t b) {
        const std::string_view value = src_.kept(b, src_.pos(), depth_);
        if (value.data() == nullptr) return false;
        unknown_access::add(*ti->unknown(obj), S::encoding, name, value);
        return true;
    }

    bool array(const type_info* ti, void* arr, std::uint32_t count) {
        // Elements are large structs: growing the vector element by element would move
        // each of them about twice. The count is trusted only as far as the input could
        // hold that many elements (the reader checked it against the remaining bytes).
        if (count > 1) ti->reserve(arr, count);
        bool done = false;
        std::size_t n = 0;
        for (bool first = true;; first = false, ++n) {
            if (!src_.next_elem(first, done)) return false;
            if (done) return true;
            // JSON states no count: start with room for a few elements instead of
            // growing 1, 2, 4 (1.7 allocations per message on the corpus). Few for large
            // structs, whose spare room would cost more than the moves it saves.
            if (n == 0 && count == 0) ti->reserve(arr, ti->elem_size <= 64 ? 8 : ti->elem_size <= 1024 ? 4 : 2);
            [[maybe_unused]] const std::size_t n0 = issues();
            if (!value(ti->elem, presence::required, ti->emplace_back(arr), slot::element, nullptr, -1)) {
                prepend(std::uint64_t{n});
                return false;
            }
            if constexpr (Recover)
                if (mismatched_->size() != n0) prefix_issues(n0, std::uint64_t{n});
        }
    }

    bool map(const type_info* ti, void* m) {
        std::string_view k;
        bool done = false;
        for (bool first = true;; first = false) {
            if (!src_.next_key(first, k, done)) return false;
            if (done) return true;
            std::uint64_t key;
            if (!parse_u64(k, key))
                return fail(codec_errc::invalid_snowflake, "map key \"" + std::string(k.substr(0, 32)) + "\"");
            [[maybe_unused]] const std::size_t n0 = issues();
            if (!value(ti->elem, presence::required, ti->map_emplace(m, key), slot::element, nullptr, -1)) {
                prepend(key);
                return false;
            }
            if constexpr (Recover)
                if (mismatched_->size() != n0) prefix_issues(n0, key);
        }
    }

    // ---- `any` values: kept as compact JSON text -----------------------------------

    bool capture_into(const type_info* ti, presence pres, void* storage, const scalar& v) {
        auto& s = static_cast<RawJson*>(open(ti, pres, storage))->text;
        s.clear();
        return capture_scalar(s, v);
    }

    static bool capture_scalar(std::string& out, const scalar& v) {
        switch (v.t) {
        case vt::null: out += "null"; break;
        case vt::boolean: out += v.b ? "true" : "false"; break;
        case vt::int64: json::append_int(out, v.i); break;
        case vt::uint64: json::append_uint(out, v.u); break;
        case vt::float64: json::append_double(out, v.f); break;
        case vt::string: json::append_string(out, v.s); break;
        case vt::object:
        case vt::array: break;
        }
        return true;
    }

    // The container's opening was read; `out` is cleared by the caller's open().
    bool capture_container(std::string& out, bool is_object) {
        out.clear();
        return capture_rest(out, is_object);
    }

    bool capture_rest(std::string& out, bool is_object) {
        out += is_object ? '{' : '[';
        bool done = false;
        std::string_view k;
        for (bool first = true;; first = false) {
            if (is_object) {
                if (!src_.next_key(first, k, done)) return false;
                if (done) break;
                if (!first) out += ',';
                json::append_string(out, k);
                out += ':';
            } else {
                if (!src_.next_elem(first, done)) return false;
                if (done) break;
                if (!first) out += ',';
            }
            if (!capture_value(out)) return false;
        }
        out += is_object ? '}' : ']';
        return true;
    }

    bool capture_value(std::string& out) {
        scalar v;
        if (!src_.value(v)) return false;
        if (v.t != vt::object && v.t != vt::array) return capture_scalar(out, v);
        if (depth_ >= max_depth_) return too_deep();
        ++depth_;
        const bool ok = capture_rest(out, v.t == vt::object);
        --depth_;
        return ok;
    }

public:
    /// Captures the next value as compact JSON text (envelope payloads kept raw).
    bool capture(std::string& out) {
        out.clear();
        return capture_value(out);
    }
};

/// Decodes one whole value with `decoder<S>` (see decoder::root), keeping unknown fields
/// when `lim.keep_unknown` says so and recovering from mismatched values when
/// `lim.mismatched` is set. `depth`: containers already open around the value.
template <class S>
bool decode_root(S& src, const decode_limits& lim, std::size_t depth, const type_info* ti, void* obj,
                 std::string_view root_name) {
    if (lim.mismatched != nullptr) {
        if (lim.keep_unknown) return decoder<S, true, true>(src, lim, depth).root(ti, obj, root_name);
        return decoder<S, false, true>(src, lim, depth).root(ti, obj, root_name);
    }
    if (lim.keep_unknown) return decoder<S, true>(src, lim, depth).root(ti, obj, root_name);
    return decoder<S, false>(src, lim, depth).root(ti, obj, root_name);
}

} // namespace dgw::codec::pull
