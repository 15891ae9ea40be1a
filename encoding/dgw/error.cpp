#include <dgw/error.hpp>

#include <dgw/detail/error_category.hpp>

#include <iterator>
#include <optional>

namespace dgw {
namespace {

constexpr const char* etf_messages[] = {
    "ETF input truncated",                        // truncated
    "ETF version byte is not 131",                // bad_version
    "unsupported ETF tag",                        // unknown_tag
    "ETF nesting exceeds the depth limit",        // too_deep
    "ETF big integer exceeds 64 bits",            // big_too_large
    "ETF length exceeds the remaining input",     // length_too_large
    "ETF compressed term exceeds the size limit", // compressed_too_large
    "ETF compressed term is corrupt",             // compressed_corrupt
    "trailing bytes after the ETF term",          // trailing_data
    "invalid ETF atom",                           // bad_atom
    "ETF text is not valid UTF-8",                // invalid_utf8
    "unexpected ETF term type",                   // unexpected_type
    "ETF float is not finite or malformed",       // bad_float
    "ETF parse stopped by the handler",           // handler_stopped
};
static_assert(std::size(etf_messages) == static_cast<std::size_t>(etf_errc::handler_stopped));

constexpr const char* codec_messages[] = {
    "JSON syntax error",                      // syntax
    "type mismatch",                          // type_mismatch
    "invalid snowflake",                      // invalid_snowflake
    "missing required field",                 // missing_field
    "gateway message is not an object",       // not_an_object
    "nesting exceeds the depth limit",        // too_deep
    "invalid UTF-8",                          // invalid_utf8
    "number out of range",                    // number_out_of_range
    "JSON input truncated",                   // truncated
    "trailing bytes after the JSON document", // trailing_data
    "repeated key in the gateway envelope",   // repeated_key
};
static_assert(std::size(codec_messages) == static_cast<std::size_t>(codec_errc::repeated_key));

constexpr const char* compress_messages[] = {
    "corrupt compressed stream",                   // corrupt
    "decompressed message exceeds the size limit", // too_large
    "compressed message is incomplete",            // incomplete
    "decompression library error",                 // library
};
static_assert(std::size(compress_messages) == static_cast<std::size_t>(compress_errc::library));

constexpr const char* condition_messages[] = {
    "input truncated",                            // truncated
    "trailing bytes after the message",           // trailing_data
    "nesting exceeds the depth limit",            // too_deep
    "invalid UTF-8",                              // invalid_utf8
    "malformed input",                            // malformed
    "a value the schema or the envelope refuses", // bad_value
};
static_assert(std::size(condition_messages) == static_cast<std::size_t>(decode_condition::bad_value));

// Which condition each code belongs to (besides `malformed`, which covers every code of
// the grammar: see below).
std::optional<decode_condition> condition_of(const boost::system::error_code& ec) {
    using c = decode_condition;
    if (ec.category() == etf_category()) {
        switch (static_cast<etf_errc>(ec.value())) {
        case etf_errc::truncated:
        case etf_errc::length_too_large: return c::truncated; // a length past the end reads as a cut
        case etf_errc::trailing_data: return c::trailing_data;
        case etf_errc::too_deep: return c::too_deep;
        case etf_errc::invalid_utf8: return c::invalid_utf8;
        case etf_errc::unexpected_type:
        case etf_errc::big_too_large: return c::bad_value;
        default: return std::nullopt;
        }
    }
    if (ec.category() == codec_category()) {
        switch (static_cast<codec_errc>(ec.value())) {
        case codec_errc::truncated: return c::truncated;
        case codec_errc::trailing_data: return c::trailing_data;
        case codec_errc::too_deep: return c::too_deep;
        case codec_errc::invalid_utf8: return c::invalid_utf8;
        case codec_errc::syntax: return std::nullopt;
        default: return c::bad_value;
        }
    }
    return std::nullopt;
}

bool is_malformed(const boost::system::error_code& ec) {
    if (ec.category() == etf_category()) {
        switch (static_cast<etf_errc>(ec.value())) {
        case etf_errc::too_deep:
        case etf_errc::invalid_utf8:
        case etf_errc::unexpected_type:
        case etf_errc::big_too_large:
        case etf_errc::compressed_too_large:
        case etf_errc::handler_stopped: return false;
        default: return true;
        }
    }
    if (ec.category() == codec_category()) {
        const auto e = static_cast<codec_errc>(ec.value());
        return e == codec_errc::syntax || e == codec_errc::truncated || e == codec_errc::trailing_data;
    }
    return false;
}

struct decode_condition_category_impl final : detail::table_category {
    using table_category::table_category;
    bool equivalent(const boost::system::error_code& ec, int cond) const noexcept override {
        if (static_cast<decode_condition>(cond) == decode_condition::malformed) return is_malformed(ec);
        const auto c = condition_of(ec);
        return c && static_cast<int>(*c) == cond;
    }
};

} // namespace

const boost::system::error_category& decode_condition_category() noexcept {
    static constexpr decode_condition_category_impl c{"dgw.decode", condition_messages};
    return c;
}
const boost::system::error_category& etf_category() noexcept {
    static constexpr detail::table_category c{"dgw.etf", etf_messages};
    return c;
}
const boost::system::error_category& codec_category() noexcept {
    static constexpr detail::table_category c{"dgw.codec", codec_messages};
    return c;
}
const boost::system::error_category& compress_category() noexcept {
    static constexpr detail::table_category c{"dgw.compress", compress_messages};
    return c;
}

std::string decode_error::message() const {
    std::string m = code.message();
    if (!path.empty()) m += " at " + path;
    m += " (byte " + std::to_string(offset) + ")";
    if (!detail.empty()) m += ": " + detail;
    return m;
}

[[gnu::cold]] bool decode_error::fail(boost::system::error_code c, std::size_t at, std::string p, std::string d) {
    code = c;
    offset = at;
    path = std::move(p);
    detail = std::move(d);
    return false;
}

} // namespace dgw
