#pragma once
/// Typed encoders: walk a generated struct's `type_info` and write JSON text, ETF or
/// MessagePack.
/// Absent optional fields and required fields recorded as missing at decode time are
/// omitted; null stays null. So decode -> encode reproduces every known field.

#include <dgw/encoding.hpp>
#include <dgw/error.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dgw::codec {

// Defined in <dgw/detail/codec/type_info.hpp>: callers only pass the generated descriptions along.
struct type_info;

/// ETF conventions. Client sends (the default): binary keys, snowflakes as binaries, as
/// Discord requires of clients. Discord's own receive style: atom keys, integer snowflakes.
struct etf_style {
    bool atom_keys = false;         ///< object keys as atoms (Discord's style) instead of binaries
    bool snowflakes_as_int = false; ///< snowflakes as integers (Discord's style) instead of binaries
};

/// Appends the compact JSON text of one value. `big`: how integers beyond +-2^53-1 in its
/// `any` fields (dgw::RawJson) are written; typed fields are not affected.
void encode_json_value(const type_info& ti, const void* obj, std::string& out,
                       big_integers big = big_integers::string);
/// Appends one ETF term (no version byte).
void encode_etf_value(const type_info& ti, const void* obj, std::string& out, etf_style style = {});
/// Appends one MessagePack value: the value encode_json_value writes (big_integers::string),
/// same keys in the same order, snowflakes and string flags as strings, timestamps as text,
/// `any` fields and kept unknown fields converted, integers beyond +-2^53-1 in them as
/// strings. What \@discordjs/brokers carry as an event's `d` (decoded by \@msgpack/msgpack),
/// read in JavaScript without losing a digit.
void encode_msgpack_value(const type_info& ti, const void* obj, std::string& out);

/// The payload of an envelope: a typed value, raw bytes in the target encoding
/// (JSON text / an ETF term *with* version byte), or absent (d: null).
struct payload_ref {
    const type_info* ti = nullptr; ///< typed payload: the field table of `obj`'s type
    const void* obj = nullptr;     ///< typed payload: the value to encode
    std::string_view raw;   ///< used when ti == nullptr and !raw.empty()
};

/// Appends `{"t":..,"s":..,"op":..,"d":..}` (Discord's key order). `big`: how integers
/// beyond +-2^53-1 in a raw `d` and in `any` fields are written.
void encode_json_envelope(std::int64_t op, std::optional<std::int64_t> s, std::optional<std::string_view> t,
                          const payload_ref& d, std::string& out, big_integers big = big_integers::string);
/// Appends a whole ETF message (version byte + map of d, op, s, t). `raw` for ETF is a
/// standalone term (with version byte); `raw_json` lets JSON text be converted.
void encode_etf_envelope(std::int64_t op, std::optional<std::int64_t> s, std::optional<std::string_view> t,
                         const payload_ref& d, std::string& out, etf_style style = {});

/// Appends a client command `{"op":op,"d":d}`: JSON text, or ETF with binary keys and
/// snowflakes as binaries (`etf` true), as Discord requires of what clients send. A raw
/// JSON `d` is sent as written (big integers included).
void encode_command(std::int64_t op, const payload_ref& d, bool etf, std::string& out);

/// Converts a raw ETF term (with version byte) to the JSON text the typed JSON encoder
/// would write for an `any` value, and back; used for raw payloads across encodings. With
/// big_integers::number that is the text a RawJson captured from the same term holds. On
/// failure `err` says what and where (a byte offset into the input) and `out` is unchanged.
bool etf_term_to_json_text(std::string_view etf, std::string& out, decode_error& err,
                           big_integers big = big_integers::string);
/// Appends a standalone ETF message (version byte included) of the JSON text.
bool json_text_to_etf_term(std::string_view json, std::string& out, etf_style style, decode_error& err);

/// Appends the MessagePack value of JSON text (a raw payload): keys in the text's order,
/// integers outside +-2^53-1 (beyond 64 bits too) as strings of their digits, as the JSON
/// writer's big_integers::string quotes them, other numbers as float64. Nesting up to 512
/// levels, as the typed decoders accept. On failure `err` says what and where (a byte
/// offset into `json`) and `out` is unchanged.
bool json_text_to_msgpack(std::string_view json, std::string& out, decode_error& err);
/// Appends the MessagePack value of a raw ETF term (with version byte): the value
/// etf_term_to_json_text writes as JSON, integers outside +-2^53-1 as strings. On failure
/// `err` says what and where and `out` is unchanged.
bool etf_term_to_msgpack(std::string_view etf, std::string& out, decode_error& err);

/// Appends the JSON text of one MessagePack value (what a worker reads from a stream that
/// cluster_node published), for the typed JSON decoder: maps with string keys, arrays,
/// strings (UTF-8), integers, floats, booleans and nil. Binary, extension types and
/// non-string keys have no JSON form and fail, as do truncated input, bytes after the
/// value and nesting beyond 512 levels; `err` says what and where (a byte offset), and
/// `out` is unchanged.
bool msgpack_to_json_text(std::string_view msgpack, std::string& out, decode_error& err);

} // namespace dgw::codec
