#pragma once
/// Generic conversion between ETF and Boost.JSON values, for tools, tests and events no
/// typed decoder knows. Typed decoding should use etf::reader directly (no DOM).

#include <dgw/encoding.hpp>
#include <dgw/error.hpp>
#include <dgw/etf/reader.hpp>
#include <dgw/etf/writer.hpp>

#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace dgw::etf {

/// Decodes one ETF message (version byte + term) into a JSON value.
///
/// Keys of every kind become strings (atoms, binaries, integers as decimal text); `nil`
/// becomes null; STRING_EXT and tuples become arrays. Integers keep their exact value (a
/// uint64 above INT64_MAX stays uint64) by default: the value is data, not yet output. With
/// `big` = big_integers::string, integers outside +-max_safe_integer become decimal
/// strings, so the value serializes as dgw's JSON output does (what `dgw decode --raw`
/// prints). Returns null with `ec` set on error.
boost::json::value to_json(std::string_view etf, decode_error& ec, limits lim = {},
                           boost::json::storage_ptr sp = {}, big_integers big = big_integers::number);

/// Appends the version byte and `v` as an ETF term to `out`, in client-send form (keys
/// as binaries unless opt.atom_keys). Recurses once per nesting level of `v`.
void from_json(const boost::json::value& v, std::string& out, writer_options opt = {});

} // namespace dgw::etf
