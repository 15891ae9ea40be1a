#pragma once
/// A value whose shape Discord does not document (audit log change values, some
/// interaction fields), kept as compact JSON text so nothing the gateway sent is lost.

#include <string>

namespace dgw {

/// Compact JSON text of an arbitrary value (e.g. `{"a":[1,"x"]}`). From ETF it is the
/// generic conversion (keys as strings, nil as null, big integers exact).
struct RawJson {
    std::string text; ///< compact JSON text; empty when nothing was captured
    /// Compares the text byte for byte (`{"a":1,"b":2}` and `{"b":2,"a":1}` differ).
    friend bool operator==(const RawJson&, const RawJson&) = default;
};

} // namespace dgw
