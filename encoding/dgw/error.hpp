#pragma once
/// Error codes of the codec layer (ETF, JSON, typed decode, transport decompression).
///
/// Each area has its own `enum class` and `boost::system::error_category`, so an
/// error_code says both what went wrong and which layer found it. Messages come from
/// one table per category (error.cpp, detail/error_category.hpp). Protocol-level and gateway close-code errors
/// live in client/ and generated/ respectively; nothing here knows a Discord type.

#include <boost/system/error_code.hpp>

#include <cstddef>
#include <string>
#include <type_traits>

namespace dgw {

/// Errors of the ETF reader and writer (encoding/dgw/etf/).
enum class etf_errc {
    truncated = 1,        ///< input ends inside a term
    bad_version,          ///< first byte is not 131
    unknown_tag,          ///< a tag Discord never sends (pid, ref, fun, ...)
    too_deep,             ///< nesting deeper than the configured limit
    big_too_large,        ///< big integer with a magnitude over 64 bits
    length_too_large,     ///< a declared length exceeds the remaining input
    compressed_too_large, ///< COMPRESSED term's declared size exceeds the limit
    compressed_corrupt,   ///< zlib error or size mismatch inside COMPRESSED
    trailing_data,        ///< bytes left after the top-level term
    bad_atom,             ///< atom with invalid length or encoding
    invalid_utf8,         ///< BINARY_EXT text that is not UTF-8 where text is required
    unexpected_type,      ///< the term is valid but not of the type the caller asked for
    bad_float,            ///< a float that is NaN/infinite (Erlang rejects them) or malformed FLOAT_EXT text
    handler_stopped,      ///< a parse handler returned false
};

/// Errors of JSON parsing and of typed decoding (either encoding) into generated types.
enum class codec_errc {
    syntax = 1,           ///< malformed JSON
    type_mismatch,        ///< value of the wrong type for the field (see path)
    invalid_snowflake,    ///< snowflake that is not a decimal uint64
    missing_field,        ///< a field that must be present is absent (the envelope's op, a Hello's interval)
    not_an_object,        ///< the gateway envelope is not an object / map
    too_deep,             ///< nesting deeper than the configured limit
    invalid_utf8,         ///< text that is not valid UTF-8
    number_out_of_range,  ///< a number that does not fit the field's type
    truncated,            ///< JSON input ends inside a value
    trailing_data,        ///< bytes after the JSON document
    repeated_key,         ///< a key of the gateway envelope (op, s, t, d) appears twice
};

/// Errors of the transport decompressors (encoding/dgw/compress/).
enum class compress_errc {
    corrupt = 1,          ///< the compressed stream is invalid
    too_large,            ///< decompressed message exceeds the configured maximum
    incomplete,           ///< input ended inside a message (no sync flush / flush point)
    library,              ///< zlib/zstd reported an internal error (e.g. out of memory)
};

/// What went wrong in a decode, whichever encoding and layer noticed it: compare any
/// error_code with these (`err.code == dgw::decode_condition::truncated`) to handle JSON
/// and ETF alike. Each code belongs to at most one condition besides `malformed`.
enum class decode_condition {
    truncated = 1, ///< the input ends inside a value (JSON truncated; ETF truncated, or a length past the end)
    trailing_data, ///< bytes follow the complete message
    too_deep,      ///< nesting deeper than the configured limit
    invalid_utf8,  ///< text that is not valid UTF-8
    malformed,     ///< not a well-formed JSON document or ETF term (includes truncated and trailing_data)
    bad_value,     ///< well-formed, but a value the envelope or the schema refuses (type, range, missing, repeated)
};

/// The category of etf_errc codes ("dgw.etf").
const boost::system::error_category& etf_category() noexcept;
/// The category of codec_errc codes ("dgw.codec").
const boost::system::error_category& codec_category() noexcept;
/// The category of compress_errc codes ("dgw.compress").
const boost::system::error_category& compress_category() noexcept;

/// The category of decode_condition ("dgw.decode").
const boost::system::error_category& decode_condition_category() noexcept;

/// Lets a decode_condition compare with error codes (found by ADL).
inline boost::system::error_condition make_error_condition(decode_condition e) noexcept {
    return {static_cast<int>(e), decode_condition_category()};
}
/// Lets an etf_errc convert to boost::system::error_code (found by ADL).
inline boost::system::error_code make_error_code(etf_errc e) noexcept {
    return {static_cast<int>(e), etf_category()};
}
/// Lets a codec_errc convert to boost::system::error_code (found by ADL).
inline boost::system::error_code make_error_code(codec_errc e) noexcept {
    return {static_cast<int>(e), codec_category()};
}
/// Lets a compress_errc convert to boost::system::error_code (found by ADL).
inline boost::system::error_code make_error_code(compress_errc e) noexcept {
    return {static_cast<int>(e), compress_category()};
}

/// A decode failure with its location: the byte offset into the input and, for typed
/// decoding, the field path (e.g. `d.member.user.id`). `detail` adds specifics such as
/// the tag byte seen.
struct decode_error {
    boost::system::error_code code; ///< what went wrong; empty on success
    std::size_t offset = 0;         ///< byte offset into the input where it was noticed
    std::string path;               ///< field path of typed decoding (`d.author.id`); empty when not known
    std::string detail;             ///< extra specifics, such as the tag byte or JSON type seen

    /// True when there is an error.
    explicit operator bool() const noexcept { return static_cast<bool>(code); }
    /// "type mismatch at d.author.id (byte 1234): expected string, got integer"
    std::string message() const;
    /// Sets every member and returns false: the one way a decode step reports a failure
    /// (`return err.fail(codec_errc::missing_field, 0, "op");`).
    bool fail(boost::system::error_code c, std::size_t at, std::string p = {}, std::string d = {});
    /// Member-wise equality.
    bool operator==(const decode_error&) const = default;
};

} // namespace dgw

namespace boost::system {
template <> struct is_error_code_enum<dgw::etf_errc> : std::true_type {};
template <> struct is_error_code_enum<dgw::codec_errc> : std::true_type {};
template <> struct is_error_code_enum<dgw::compress_errc> : std::true_type {};
template <> struct is_error_condition_enum<dgw::decode_condition> : std::true_type {};
} // namespace boost::system
