#include <dgw/error.hpp>

namespace dgw {
namespace {

struct etf_category_impl final : boost::system::error_category {
    const char* name() const noexcept override { return "dgw.etf"; }
    std::string message(int ev) const override {
        switch (static_cast<etf_errc>(ev)) {
        case etf_errc::truncated: return "ETF input truncated";
        case etf_errc::bad_version: return "ETF version byte is not 131";
        case etf_errc::unknown_tag: return "unsupported ETF tag";
        case etf_errc::too_deep: return "ETF nesting exceeds the depth limit";
        case etf_errc::big_too_large: return "ETF big integer exceeds 64 bits";
        case etf_errc::length_too_large: return "ETF length exceeds the remaining input";
        case etf_errc::compressed_too_large: return "ETF compressed term exceeds the size limit";
        case etf_errc::compressed_corrupt: return "ETF compressed term is corrupt";
        case etf_errc::trailing_data: return "trailing bytes after the ETF term";
        case etf_errc::bad_atom: return "invalid ETF atom";
        case etf_errc::invalid_utf8: return "ETF text is not valid UTF-8";
        case etf_errc::unexpected_type: return "unexpected ETF term type";
        case etf_errc::integer_overflow: return "ETF integer out of range";
        case etf_errc::bad_float: return "ETF float is not finite or malformed";
        case etf_errc::handler_stopped: return "ETF parse stopped by the handler";
        }
        return "unknown ETF error";
    }
};

struct codec_category_impl final : boost::system::error_category {
    const char* name() const noexcept override { return "dgw.codec"; }
    std::string message(int ev) const override {
        switch (static_cast<codec_errc>(ev)) {
        case codec_errc::syntax: return "JSON syntax error";
        case codec_errc::type_mismatch: return "type mismatch";
        case codec_errc::invalid_snowflake: return "invalid snowflake";
        case codec_errc::invalid_enum: return "invalid enum value";
        case codec_errc::missing_field: return "missing required field";
        case codec_errc::not_an_object: return "gateway message is not an object";
        case codec_errc::too_deep: return "nesting exceeds the depth limit";
        case codec_errc::payload_too_large: return "payload exceeds 4096 bytes";
        case codec_errc::invalid_utf8: return "invalid UTF-8";
        case codec_errc::number_out_of_range: return "number out of range";
        }
        return "unknown codec error";
    }
};

struct compress_category_impl final : boost::system::error_category {
    const char* name() const noexcept override { return "dgw.compress"; }
    std::string message(int ev) const override {
        switch (static_cast<compress_errc>(ev)) {
        case compress_errc::corrupt: return "corrupt compressed stream";
        case compress_errc::too_large: return "decompressed message exceeds the size limit";
        case compress_errc::incomplete: return "compressed message is incomplete";
        case compress_errc::library: return "decompression library error";
        }
        return "unknown compression error";
    }
};

} // namespace

const boost::system::error_category& etf_category() noexcept {
    static const etf_category_impl c;
    return c;
}
const boost::system::error_category& codec_category() noexcept {
    static const codec_category_impl c;
    return c;
}
const boost::system::error_category& compress_category() noexcept {
    static const compress_category_impl c;
    return c;
}

std::string decode_error::message() const {
    std::string m = code.message();
    if (!path.empty()) m += " at " + path;
    m += " (byte " + std::to_string(offset) + ")";
    if (!detail.empty()) m += ": " + detail;
    return m;
}

} // namespace dgw
