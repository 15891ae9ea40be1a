#pragma once
/// ETF writer: appends terms in the shapes a Discord client must send (GATEWAY_NOTES.md §7.2).
///
/// Strings and (by default) keys are BINARY_EXT, null/true/false are atoms, integers use
/// the smallest of SMALL_INTEGER_EXT, INTEGER_EXT and SMALL_BIG_EXT, floats NEW_FLOAT_EXT,
/// arrays LIST_EXT with a NIL_EXT tail (a bare NIL_EXT when empty). It never writes
/// COMPRESSED or STRING_EXT. The writer does not check that counts match the terms that
/// follow: a map of n pairs needs n key()+value calls, an array of n elements n values.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dgw::etf {

/// How the writer spells keys.
struct writer_options {
    /// false: keys are BINARY_EXT, which is what a client must send (atom keys close the
    /// connection with 4002). true: keys are atoms, as the server writes them (useful to
    /// produce Discord-receive-style test data); see writer::atom for the tag used.
    bool atom_keys = false;
};

/// Appends ETF terms to a std::string. Cheap to construct; one per message is fine.
class writer {
public:
    /// Appends to `out` (existing contents are kept).
    explicit writer(std::string& out, writer_options opt = {}) : out_(out), opt_(opt) {}

    /// The version byte 131 that starts every message (once, before the top-level term).
    void version();
    /// MAP_EXT header; follow with `n` key()+value pairs. Maps need no end call.
    void begin_map(std::uint32_t n);
    /// A map key: BINARY_EXT, or an atom when writer_options::atom_keys is set.
    /// Throws std::length_error past the format's length field.
    void key(std::string_view k);
    /// Opens an array of `n` elements: LIST_EXT header, or a bare NIL_EXT when n == 0.
    /// Every begin_array needs a matching end_array after its elements (also for n == 0).
    void begin_array(std::uint32_t n);
    /// Closes the innermost array: writes the NIL_EXT tail, or nothing for an empty array
    /// (which begin_array already wrote as NIL_EXT). The writer remembers which on a small
    /// bit stack, so the caller need not pass n again. Throws std::logic_error if no
    /// array is open.
    void end_array();
    /// BINARY_EXT (never STRING_EXT, which Erlang reads as a list of integers).
    /// Throws std::length_error for strings of 4 GiB or more.
    void string(std::string_view s);
    /// SMALL_INTEGER_EXT for 0..255, INTEGER_EXT for the rest of int32, else SMALL_BIG_EXT
    /// with the fewest magnitude bytes.
    void int64(std::int64_t v);
    /// As int64; values above INT32_MAX become SMALL_BIG_EXT (up to 8 magnitude bytes).
    void uint64(std::uint64_t v);
    /// NEW_FLOAT_EXT. Precondition: finite (Erlang rejects NaN and infinities).
    void float64(double v);
    /// The atom `true` or `false`.
    void boolean(bool v);
    /// The atom `nil`, as ATOM_EXT `64 00 03 "nil"` (what OTP 25 writes and what the
    /// notes' verified vectors show; erlpack's SMALL_ATOM_EXT form decodes the same).
    void null();
    /// An atom: ATOM_EXT (100) when every byte is ASCII, like OTP 25, else ATOM_UTF8_EXT
    /// (118). Erlang rejects atoms of more than 255 characters; that is not checked here,
    /// but more than 65535 bytes throws std::length_error.
    void atom(std::string_view a);

private:
    void push_open(bool nonempty);
    void put_u8(std::uint8_t b) { out_.push_back(static_cast<char>(b)); }
    void put_be16(std::uint32_t v);
    void put_be32(std::uint32_t v);
    void put_binary(std::string_view s);
    void put_big(bool negative, std::uint64_t magnitude);

    std::string& out_;
    writer_options opt_;
    // Open arrays, innermost in the lowest used bit: 1 = non-empty (needs a NIL_EXT tail).
    // The first 64 levels live in one word; deeper levels spill to a vector.
    std::uint64_t open_bits_ = 0;
    std::size_t open_ = 0;
    std::vector<bool> spill_;
};

} // namespace dgw::etf
