#include <dgw/error.hpp>

#include <optional>

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
        case codec_errc::missing_field: return "missing required field";
        case codec_errc::not_an_object: return "gateway message is not an object";
        case codec_errc::too_deep: return "nesting exceeds the depth limit";
        case codec_errc::invalid_utf8: return "invalid UTF-8";
        case codec_errc::number_out_of_range: return "number out of range";
        case codec_errc::truncated: return "JSON input truncated";
        case codec_errc::trailing_data: return "trailing bytes after the JSON document";
        case codec_errc::repeated_key: return "repeated key in the gateway envelope";
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

struct decode_condition_category_impl final : boost::system::error_category {
    const char* name() const noexcept override { return "dgw.decode"; }
    std::string message(int ev) const override {
        switch (static_cast<decode_condition>(ev)) {
        case decode_condition::truncated: return "input truncated";
        case decode_condition::trailing_data: return "trailing bytes after the message";
        case decode_condition::too_deep: return "nesting exceeds the depth limit";
        case decode_condition::invalid_utf8: return "invalid UTF-8";
        case decode_condition::malformed: return "malformed input";
        case decode_condition::bad_value: return "a value the schema or the envelope refuses";
        }
        return "unknown decode condition";
    }
    bool equivalent(const boost::system::error_code& ec, int cond) const noexcept override {
        if (static_cast<decode_condition>(cond) == decode_condition::malformed) return is_malformed(ec);
        const auto c = condition_of(ec);
        return c && static_cast<int>(*c) == cond;
    }
};

} // namespace

const boost::system::error_category& decode_condition_category() noexcept {
    static const decode_condition_category_impl c;
    return c;
}

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
