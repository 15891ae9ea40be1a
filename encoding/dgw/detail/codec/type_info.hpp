#pragma once
/// Run-time descriptions of the generated types, which one hand-written codec walks for
/// every type in both encodings (decoding: detail/codec/pull.hpp with json_front.cpp and
/// etf_front.cpp as sources; encoding: codec/encoder.cpp).
///
/// Why tables and not generated decode functions: the schema has ~300 types; generating
/// four codecs per type (JSON/ETF x decode/encode) would multiply compile time and code
/// size, and every codec fix would touch the generator. The generator instead emits, per
/// type, a constant-initialised `type_info` (field names and offsets, key lookup, the
/// type-specific operations as tiny function pointers) and the codec stays in one place. Only generated .cpp files
/// and the codec include this header; public headers (codec/decode.hpp, codec/encode.hpp)
/// only forward-declare `type_info`.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace dgw {
class unknown_fields;
}

namespace dgw::codec {

/// What a value is on the wire and how it is stored.
enum class kind : std::uint8_t {
    boolean,      ///< bool
    int64,        ///< std::int64_t (JSON number; ETF small int/int/big)
    float64,      ///< double (accepts integers)
    string,       ///< std::string
    snowflake,    ///< dgw::Snowflake (JSON string or integer; ETF integer or binary)
    timestamp,    ///< dgw::Timestamp (ISO 8601 text)
    int_enum,     ///< enum class E : std::int64_t, any value kept
    string_enum,  ///< std::string with documented constants
    flags,        ///< enum class F : std::uint64_t, a JSON number
    string_flags, ///< enum class F : std::uint64_t, a decimal string on the wire (permissions)
    any,          ///< dgw::RawJson
    object,       ///< a generated struct
    array,        ///< std::vector<elem>
    map,          ///< std::map<Snowflake, elem>, keys are decimal strings on the wire
    boxed,        ///< dgw::boxed<elem> (a type that contains itself)
};

/// How a field is wrapped: `field` (required), `field?` (optional -> std::optional),
/// `?type` (nullable -> std::optional), `field?: ?type` (both -> dgw::maybe).
enum class presence : std::uint8_t { required, optional, nullable, optional_nullable };

struct type_info;

/// Learned key order of one object type: entry 0 holds 1 + the index of the field that
/// came first the last time, entry i + 1 the one that followed field i; 0: not known.
/// Producers write a type's keys in a stable order (Discord: reverse alphabetical in
/// JSON, sorted in ETF), so the decoder checks the predicted field's name first and
/// calls the generated lookup only when the guess is wrong. Relaxed atomics: decoders
/// on several threads may teach it concurrently, and any value read is only a guess.
using field_order = std::atomic<std::uint16_t>;

/// One member of a generated struct.
struct field_info {
    std::string_view name;        ///< wire name (== C++ member name)
    const type_info* type;
    presence pres;
    std::int8_t required_bit;     ///< bit in the struct's `missing_` mask, or -1
    /// Byte offset of the member (T, optional<T> or maybe<T>) in the struct. An offset
    /// rather than an accessor function: one indirect call less per field decoded.
    std::uint32_t offset;

    void* get(void* obj) const noexcept { return static_cast<char*>(obj) + offset; }
    const void* cget(const void* obj) const noexcept { return static_cast<const char*>(obj) + offset; }
};

/// Per type: its kind plus the operations the codec cannot do without knowing T.
struct type_info {
    kind k{};
    std::string_view name;        ///< for error messages ("User", "snowflake", "User[]")

    // std::optional<T> / dgw::maybe<T> holding this type (used by fields of this type).
    void* (*opt_emplace)(void*) = nullptr;
    void (*opt_reset)(void*) = nullptr;
    const void* (*opt_get)(const void*) = nullptr;       ///< nullptr when empty
    void* (*maybe_emplace)(void*) = nullptr;
    void (*maybe_set_null)(void*) = nullptr;
    void (*maybe_reset)(void*) = nullptr;
    int (*maybe_state)(const void*) = nullptr;           ///< 0 absent, 1 null, 2 value
    const void* (*maybe_get)(const void*) = nullptr;
    void (*clear)(void*) = nullptr;                      ///< the T itself back to a default-constructed value

    // kind::object
    const field_info* fields = nullptr;
    std::uint16_t field_count = 0;
    int (*find)(std::string_view key) = nullptr;         ///< field index or -1
    std::uint64_t required_mask = 0;                     ///< bits of required fields
    field_order* order = nullptr;                        ///< field_count + 1 entries, or nullptr
    std::uint64_t* (*missing)(void* obj) = nullptr;      ///< the struct's `missing_` mask
    std::uint64_t (*cmissing)(const void* obj) = nullptr;
    unknown_fields* (*unknown)(void* obj) = nullptr;     ///< the struct's `unknown_` fields
    const unknown_fields* (*cunknown)(const void* obj) = nullptr;

    // kind::int_enum, flags, string_flags
    void (*set_int)(void*, std::int64_t) = nullptr;
    std::int64_t (*get_int)(const void*) = nullptr;

    // kind::array, map, boxed
    const type_info* elem = nullptr;
    void* (*emplace_back)(void*) = nullptr;              ///< array: append a default element
    void (*reserve)(void*, std::size_t) = nullptr;       ///< array: room for n elements
    std::uint32_t elem_size = 0;                         ///< array: sizeof one element
    std::size_t (*size)(const void*) = nullptr;          ///< array / map
    const void* (*at)(const void*, std::size_t) = nullptr;
    void* (*map_emplace)(void*, std::uint64_t key) = nullptr;
    /// map: visit entries in key order
    void (*map_each)(const void*, void* ctx, void (*cb)(void* ctx, std::uint64_t key, const void* v)) = nullptr;
    void* (*unbox)(void*) = nullptr;                     ///< boxed: the held object
    const void* (*cunbox)(const void*) = nullptr;
};

// Built-in scalar and scalar-array descriptions (defined in codec/builtin.cpp).
extern const type_info ti_bool, ti_int, ti_double, ti_string, ti_snowflake, ti_timestamp, ti_any;
// (no bool[]: std::vector<bool> has no addressable elements, and Discord sends none)
extern const type_info ti_int_array, ti_double_array, ti_string_array,
    ti_snowflake_array, ti_timestamp_array, ti_any_array;

} // namespace dgw::codec
