#pragma once
/// Pull reader for the Erlang External Term Format (ETF) as Discord's gateway sends it.
///
/// The reader turns one ETF message (version byte 131 + one term) into a flat stream of
/// JSON-shaped tokens: maps, arrays, keys, strings, numbers, booleans and null. It never
/// allocates per token: strings are views into the input, and containers are tracked on a
/// stack of small frames (inline for the first 32 levels, one heap block up to
/// `limits::max_depth` beyond that). Every length is checked against the remaining input
/// before it is used, so a truncated or hostile message yields an error, never a read
/// past the end.
///
/// Mapping (see GATEWAY_NOTES.md §7.3):
/// - MAP_EXT -> map_begin(pairs), key + value per pair, map_end.
/// - atoms: `nil` -> null, `true`/`false` -> boolean, other atoms -> string (atom=true).
///   As keys, every atom (even `nil`) is a key token.
/// - BINARY_EXT -> string; NIL_EXT -> empty array; STRING_EXT -> array of int64 (it is a
///   list of small integers, not text); LIST_EXT -> array (an improper tail is one extra
///   element); SMALL/LARGE_TUPLE_EXT -> array.
/// - integers -> int64, or uint64 for bigs in (INT64_MAX, UINT64_MAX].
/// - COMPRESSED (80) is accepted only directly after the version byte, as Erlang's own
///   binary_to_term does; the term inside is read from an inflated copy.

#include <dgw/error.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace dgw::etf {

/// Resource limits for one message; the defaults suit Discord gateway traffic.
struct limits {
    /// Containers may nest this deep (the top-level map is depth 1); deeper is `too_deep`.
    std::size_t max_depth = 512;
    /// Largest uncompressed size a COMPRESSED term may declare (`compressed_too_large`).
    std::size_t max_compressed_size = 64u << 20;
    /// Check BINARY_EXT, STRING_EXT keys and UTF-8 atoms for valid UTF-8 (`invalid_utf8`).
    bool validate_utf8 = true;
};

/// What a token is; containers come as begin/end pairs, `end` follows the top-level term.
enum class token_kind : std::uint8_t {
    map_begin,   ///< MAP_EXT; `count` pairs follow as key + value
    map_end,     ///< end of the innermost map
    array_begin, ///< LIST_EXT, NIL_EXT, STRING_EXT or a tuple; `count` elements follow
    array_end,   ///< end of the innermost array
    key,         ///< a map key as text (`str`)
    string,      ///< BINARY_EXT or a non-special atom (`str`, `atom`)
    int64,       ///< an integer in `i`
    uint64,      ///< an integer above INT64_MAX in `u`
    float64,     ///< a float in `f`
    boolean,     ///< the atom true or false, in `b`
    null,        ///< the atom nil
    end,         ///< the message is complete
};

/// One token of the stream; only the fields that belong to `kind` are meaningful.
struct token {
    /// What this token is.
    token_kind kind = token_kind::end;
    /// key/string: the text came from an atom (ATOM_EXT, SMALL_ATOM_EXT, ATOM_UTF8_EXT,
    /// SMALL_ATOM_UTF8_EXT) rather than a binary.
    bool atom = false;
    /// boolean: the value.
    bool b = false;
    /// map_begin/map_end: number of pairs. array_begin: the declared element count
    /// (LIST_EXT's n, without an improper tail). array_end: elements actually delivered,
    /// i.e. n + 1 when an improper tail was delivered as an extra element.
    std::uint32_t count = 0;
    /// int64: every integer that fits int64 (SMALL_INTEGER_EXT is unsigned 0..255).
    std::int64_t i = 0;
    /// uint64: only bigs in (INT64_MAX, UINT64_MAX].
    std::uint64_t u = 0;
    /// float64: NEW_FLOAT_EXT or FLOAT_EXT.
    double f = 0;
    /// key/string: the text. A view into the input, into the reader's inflated COMPRESSED
    /// buffer, or into a small buffer inside the reader (Latin-1 atoms converted to UTF-8,
    /// integer keys formatted as decimal); the last kind is valid until the next call.
    std::string_view str;
    /// Byte offset of this term's tag. Inside a COMPRESSED term it is an offset into the
    /// inflated buffer (see `reader::inflated()`).
    std::size_t offset = 0;
};

/// Pull tokenizer over one ETF message. Not thread-safe; cheap to construct.
///
/// Errors are sticky: after `next` or `skip_value` returns false, `error()` says what and
/// where, and further calls return false. Error offsets point at the tag of the term that
/// failed (for COMPRESSED content: into the inflated buffer, and `detail` says so).
class reader {
public:
    /// Reads `input`, which must start with the version byte 131; nothing is parsed yet.
    /// The input must outlive the reader and every token it returns.
    explicit reader(std::string_view input, limits lim = {});
    /// Deleted: the reader keeps a view, so a temporary string would dangle at once.
    reader(std::string&& input, limits lim = {}) = delete;

    /// Movable: the stack and any inflated buffer move along (token views into the
    /// input or inflated buffer stay valid; views into the small internal buffer do not).
    reader(reader&& other) noexcept;
    /// See the move constructor.
    reader& operator=(reader&& other) noexcept;
    reader(const reader&) = delete;
    reader& operator=(const reader&) = delete;
    /// Frees the heap stack and inflated buffer, if any.
    ~reader();

    /// Produces the next token; false on error. After the top-level term, returns a token
    /// of kind `end` (once the input is known to hold no trailing bytes, else
    /// `trailing_data`), and `end` again on every later call.
    bool next(token& t);

    /// Skips the value whose first token `next` would return, with all its children.
    /// Structure and bounds are checked, content is not: binaries are skipped by length
    /// without UTF-8 validation, bigs are not range-checked, atoms are not decoded.
    /// Unknown tags, truncation, bad lengths and nesting past max_depth (counted from the
    /// message root, as when reading) are still errors. In a map it
    /// skips whatever comes next, a key or a value. Returns false with `unexpected_type`
    /// if the next token would close a container or end the message.
    bool skip_value();

    /// The error after `next` or `skip_value` returned false; empty before that.
    const decode_error& error() const noexcept { return err_; }

    /// Current byte offset (into the inflated buffer once inside COMPRESSED).
    std::size_t offset() const noexcept { return pos_; }

    /// Number of containers currently open.
    std::size_t depth() const noexcept { return depth_; }

    /// The bytes offsets refer to: the input, or the inflated term inside COMPRESSED.
    std::string_view input() const noexcept { return data_; }

    /// The limits this reader enforces.
    const limits& limit() const noexcept { return lim_; }

    /// For a message whose term is COMPRESSED (byte 80 after the version byte): writes the
    /// version byte and the inflated term to `out`, so it can be read as a plain message.
    /// Same checks and errors as reading it (size limit, corrupt or trailing zlib data).
    static bool inflate_message(std::string_view input, std::string& out, decode_error& err, limits lim = {});

    /// True once the reader has moved into the inflated content of a COMPRESSED term, so
    /// offsets refer to that buffer instead of the input.
    bool inflated() const noexcept { return static_cast<bool>(inflated_); }

private:
    // What the innermost open container expects next; one byte so next() dispatches once.
    // list: elements, then the tail check; list_closing: an improper tail was delivered.
    enum class frame_state : std::uint8_t { map_key, map_value, list, list_closing, tuple, bytes };
    struct frame {
        std::uint32_t count;
        std::uint32_t remaining;
        frame_state state;
    };
    static constexpr std::size_t inline_frames = 32;
    static constexpr std::size_t scratch_size = 512; // 255 Latin-1 chars -> at most 510 bytes

    bool start();
    bool read_key(token& t);
    bool read_value(token& t, bool as_key);
    // Atom text (already UTF-8) -> key, null, boolean or string token.
    static bool atom_token(token& t, std::string_view s, bool as_key) noexcept {
        t.atom = true;
        t.str = s;
        if (as_key) {
            t.kind = token_kind::key;
        } else if (s == "nil") {
            t.kind = token_kind::null;
        } else if (s == "true" || s == "false") {
            t.kind = token_kind::boolean;
            t.b = s.size() == 4;
        } else {
            t.kind = token_kind::string;
        }
        return true;
    }
    bool read_atom(token& t, std::size_t at, std::string_view s, bool utf8, bool as_key);
    bool read_big(token& t, std::size_t at, std::size_t n, bool as_key);
    bool read_float_ext(token& t, std::size_t at);
    bool push(frame_state state, std::uint32_t count, std::size_t at);
    bool close(token& t, bool map, std::uint32_t count);
    bool inflate_compressed();
    bool check_utf8(std::string_view s, std::size_t at);
    bool fail_key(std::size_t at, std::uint8_t tg) {
        return fail(etf_errc::unexpected_type, at, "map key must be an atom, binary, string or integer, got tag ", tg);
    }
    // Failure paths are cold and out of line so the hot token path stays small; `what`
    // is followed by the number `n` in the detail text unless n is no_number.
    static constexpr std::uint64_t no_number = ~std::uint64_t{0};
    [[gnu::cold, gnu::noinline]] bool fail(etf_errc code, std::size_t at, const char* what,
                                           std::uint64_t n = no_number);
    [[gnu::cold, gnu::noinline]] bool fail_text(etf_errc code, std::size_t at, std::string detail);
    // Bounds checks run for every term: the test stays inline, the error text is built
    // out of line. need_length's `len` counts whatever follows the header (bytes, or
    // terms of at least one byte each), so it also bounds element counts.
    bool need(std::size_t at, std::size_t n) { return data_.size() - at >= n || fail_truncated(at, n); }
    bool need_length(std::size_t at, std::uint64_t len, std::size_t header) {
        return len <= data_.size() - at - header || fail_length(at, len, header);
    }
    [[gnu::cold, gnu::noinline]] bool fail_truncated(std::size_t at, std::size_t n);
    [[gnu::cold, gnu::noinline]] bool fail_length(std::size_t at, std::uint64_t len, std::size_t header);
    [[gnu::cold, gnu::noinline]] bool fail_utf8(std::size_t at, std::size_t bad);

    bool skip_terms(std::uint64_t pending);

    std::string_view data_;            // the bytes being read: input or inflated buffer
    std::string_view input_;           // the original input (version byte, COMPRESSED header)
    limits lim_;
    std::size_t pos_ = 0;
    std::size_t depth_ = 0;
    bool started_ = false;             // version byte consumed
    bool top_read_ = false;            // the top-level term has been entered
    bool failed_ = false;
    decode_error err_;
    // Left uninitialised: a reader is made per message, and only entries below depth_
    // (frames) or just written (scratch) are ever read.
    std::array<frame, inline_frames> inline_frames_;
    std::unique_ptr<frame[]> heap_frames_;
    frame* frames_ = inline_frames_.data(); // inline_frames_ or heap_frames_ (fixed up on move)
    std::unique_ptr<char[]> inflated_;
    std::array<char, scratch_size> scratch_;
};

} // namespace dgw::etf
