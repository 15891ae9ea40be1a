#pragma once
/// Entry points of the typed decoder: one value, or a whole gateway envelope
/// `{op, s, t, d}` whose `d` is decoded straight into the type `t` names, in one pass.
///
/// JSON: Discord writes `t` before `d`, so the payload type is known when `d` starts. If a
/// producer puts `d` first, `d` is checked and skipped, then its text is decoded once
/// the envelope is read (two passes, same result).
/// ETF: Erlang sorts map keys, so `d` always precedes `op`, `s` and `t`. The decoder reads
/// `t` (and `op`) from the message's tail first, where the sorted layout puts them, then
/// decodes `d` in one pass and checks the guess against the real keys; a wrong guess
/// (e.g. a hand-made term in another order) falls back to a second pass over `d`.

#include <dgw/error.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dgw::codec {

// Defined in <dgw/detail/codec/type_info.hpp>: callers only pass the generated descriptions along.
struct type_info;

/// What to do with an envelope's `d`.
enum class payload_action : std::uint8_t {
    decode, ///< decode into `storage`, described by `ti`
    raw,    ///< keep the undecoded bytes in envelope::raw_d
    skip,   ///< drop it (events nobody subscribed to)
};

/// The caller's answer for a given op/t.
struct payload_choice {
    payload_action action = payload_action::skip; ///< decode, keep raw, or skip
    const type_info* ti = nullptr;                ///< decode: the field table of the target type
    void* storage = nullptr;                      ///< decode: the object `ti` describes, filled in place
    /// decode: also keep d's bytes in envelope::raw_d, as received (JSON text without the
    /// surrounding whitespace; ETF: the term with a version byte put in front). Costs one copy.
    bool keep_raw = false;
};

/// The envelope fields; `d` went where the chooser said.
struct envelope {
    std::int64_t op = -1;            ///< 0..INT_MAX after a successful decode (an envelope without op is refused)
    std::optional<std::int64_t> s;   ///< null/absent -> nullopt
    bool has_t = false;              ///< t present and not null
    std::string t;                   ///< event name; empty when !has_t
    bool has_d = false;              ///< d present (a null d included)
    /// payload_action::raw: JSON text of d (compact), or a standalone ETF term (with
    /// the version byte) holding d's bytes exactly as received. payload_choice::keep_raw:
    /// the same for a decoded d, its JSON text as received.
    std::string raw_d;

    /// Back to the state of a fresh envelope, keeping string capacity for the next message.
    void clear() { op = -1; s.reset(); has_t = false; t.clear(); has_d = false; raw_d.clear(); }
};

/// Decides what happens to `d` once op and t are known. `t` is empty when !has_t.
using chooser = payload_choice (*)(void* ctx, std::int64_t op, std::string_view t, bool has_t);

/// Decode limits shared by both encodings.
struct decode_limits {
    std::size_t max_depth = 512; ///< deepest nesting of arrays and objects accepted (bounds recursion)
    /// ETF: try the direct byte reader first (etf_front.cpp). false forces the general
    /// etf::reader path, which tests use to check that both give the same results.
    bool etf_direct = true;
    /// Keep the fields a generated type does not know in its `unknown_` (as received), so
    /// that encoding the value again writes them back. Off, they are checked and skipped.
    bool keep_unknown = false;
    /// Set: a value of the wrong type for its field (a null the schema does not allow
    /// included) does not fail the decode. The field is left as if absent (a required one
    /// is recorded as missing), its value is kept as received in the object's `unknown_`
    /// (so encoding writes it back), and a decode_error saying what and where (code, path,
    /// byte offset) is appended here. Malformed, truncated or too deep input still fails,
    /// and a failed decode appends nothing. nullptr: such a value fails the decode.
    std::vector<decode_error>* mismatched = nullptr;
};

/// How many ETF decodes the direct reader handed to etf::reader since the program
/// started (unusual forms, and every failure). Process-wide; for tests and diagnostics.
std::uint64_t etf_reader_fallbacks() noexcept;

/// Decodes one JSON value into `obj` (described by `ti`), which must be default-constructed.
/// `root` prefixes error paths.
bool decode_json_value(std::string_view in, const type_info& ti, void* obj, decode_error& err,
                       std::string_view root = "d", const decode_limits& lim = {});
/// Decodes one ETF message (version byte + term) into `obj` (default-constructed).
bool decode_etf_value(std::string_view in, const type_info& ti, void* obj, decode_error& err,
                      std::string_view root = "d", const decode_limits& lim = {});

/// Decodes a JSON gateway message. `env` is cleared first.
bool decode_json_envelope(std::string_view in, envelope& env, chooser choose, void* ctx, decode_error& err,
                          const decode_limits& lim = {});
/// Decodes an ETF gateway message. `env` is cleared first.
bool decode_etf_envelope(std::string_view in, envelope& env, chooser choose, void* ctx, decode_error& err,
                         const decode_limits& lim = {});

} // namespace dgw::codec
