#pragma once
/// Appending MessagePack, for the typed msgpack encoder and the raw-payload conversions.
/// The bytes are msgpuck's; its header stays inside msgpack.cpp (a private include of
/// dgw::codec), so nothing here names it.
///
/// The value written is the one dgw's JSON output holds (what discord.js' brokers decode
/// with @msgpack/msgpack): integers outside +-max_safe_integer where no schema type says
/// what they are become decimal strings, as big_integers::string writes them in JSON;
/// non-finite doubles become nil, as JSON writes null.

#include <dgw/error.hpp>

#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace dgw::msgpack {

/// A map header of `n` pairs (fixmap, map16 or map32); the pairs follow.
void append_map(std::string& out, std::uint32_t n);
/// An array header of `n` elements (fixarray, array16 or array32); the elements follow.
void append_array(std::string& out, std::uint32_t n);
void append_nil(std::string& out);
void append_bool(std::string& out, bool v);
/// An integer in its smallest msgpack form (positive ones as unsigned, as msgpack does).
void append_int(std::string& out, std::int64_t v);
void append_uint(std::string& out, std::uint64_t v);
/// A float64; nil when `v` is not finite (JSON output writes null there).
void append_double(std::string& out, double v);
/// A str (fixstr, str8, str16 or str32) of the bytes of `s`.
void append_string(std::string& out, std::string_view s);

/// `v` with keys in the value's order and integers outside +-max_safe_integer as decimal
/// strings: the msgpack twin of json::append_value(out, v, big_integers::string).
/// Recurses once per nesting level of `v`.
void append_value(std::string& out, const boost::json::value& v);

/// Converts the JSON text `json` (one value, strict as Boost.JSON's parser is, nesting up
/// to `max_depth`), keeping key order, with every integer outside +-max_safe_integer
/// (beyond 64 bits too) as the decimal string of its text: the msgpack twin of
/// json::append_quoting_big_integers. Other numbers become float64 read from their text.
/// On failure `err` says what and where (a byte offset into `json`) and `out` is unchanged.
bool append_json_text(std::string& out, std::string_view json, decode_error& err, std::size_t max_depth = 512);

} // namespace dgw::msgpack
