#pragma once
/// Typed decode/encode of any generated type through its description:
/// `dgw::decode_json(text, user, err)`, `dgw::encode_etf(user)`. The description of each
/// generated type is `dgw::describe<T>()`, specialised in generated code.

#include <dgw/codec/decode.hpp>
#include <dgw/codec/encode.hpp>

#include <string>
#include <string_view>

namespace dgw {

namespace codec {
/// See dgw::missing.
bool field_missing(const type_info& ti, const void* obj, std::string_view name) noexcept;
} // namespace codec

/// The codec description of a generated type (specialised for every generated struct).
template <class T>
const codec::type_info& describe();

/// Decodes a JSON value of type T (unknown fields skipped, or kept with
/// `lim.keep_unknown`; errors name the field path). `out` is replaced: nothing of an
/// earlier value survives.
template <class T>
bool decode_json(std::string_view in, T& out, decode_error& err, const codec::decode_limits& lim = {}) {
    out = T{};
    return codec::decode_json_value(in, describe<T>(), &out, err, "$", lim);
}
/// Decodes an ETF message (version byte + term) of type T; `out` is replaced.
template <class T>
bool decode_etf(std::string_view in, T& out, decode_error& err, const codec::decode_limits& lim = {}) {
    out = T{};
    return codec::decode_etf_value(in, describe<T>(), &out, err, "$", lim);
}
/// Whether the required field `name` was absent when `v` was decoded: the typed decoder
/// lets a required field be absent (a gateway event must survive Discord dropping one) and
/// notes it in `missing_`. A name that is not one of T's required fields also answers true,
/// so code that needs a field fails loudly when the schema renames it or makes it optional.
template <class T>
bool missing(const T& v, std::string_view name) {
    return codec::field_missing(describe<T>(), &v, name);
}
/// Compact JSON text of a value. Integers beyond +-2^53-1 in its `any` fields
/// (dgw::RawJson) are strings unless `big` is big_integers::number.
template <class T>
std::string encode_json(const T& v, big_integers big = big_integers::string) {
    std::string out;
    codec::encode_json_value(describe<T>(), &v, out, big);
    return out;
}
/// The MessagePack value of a value: the JSON encoder's value (see encode_msgpack_value).
template <class T>
std::string encode_msgpack(const T& v) {
    std::string out;
    codec::encode_msgpack_value(describe<T>(), &v, out);
    return out;
}
/// An ETF message (version byte + term) of a value.
template <class T>
std::string encode_etf(const T& v, codec::etf_style style = {}) {
    std::string out(1, static_cast<char>(131));
    codec::encode_etf_value(describe<T>(), &v, out, style);
    return out;
}

} // namespace dgw
