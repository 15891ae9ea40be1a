#pragma once
/// A value whose shape Discord does not document (audit log change values, some
/// interaction fields), kept as compact JSON text so nothing the gateway sent is lost.

#include <string>

namespace dgw {

/// Compact JSON text of an arbitrary value (e.g. `{"a":[1,"x"]}`). From ETF it is the
/// generic conversion (keys as strings, nil as null, big integers exact, as numbers, so
/// ETF output writes them back as integers). JSON output (dgw::encode, dgw::encode_json)
/// writes integers beyond +-2^53-1 of this text as strings unless told big_integers::number.
struct RawJson {
    std::string text; ///< compact JSON text; empty when nothing was captured
    /// Compares the text byte for byte (`{"a":1,"b":2}` and `{"b":2,"a":1}` differ).
    friend bool operator==(const RawJson&, const RawJson&) = default;
};

} // namespace dgw
