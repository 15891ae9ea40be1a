#include <dgw/compress/decompressor.hpp>
#include <dgw/compress/zlib_stream.hpp>
#include <dgw/compress/zstd_stream.hpp>

#include <limits>

namespace dgw::compress {

std::string_view to_string(transport t) noexcept {
    switch (t) {
    case transport::zlib_stream: return "zlib-stream";
    case transport::zstd_stream: return "zstd-stream";
    }
    return "unknown";
}

std::optional<transport> parse_transport(std::string_view name) noexcept {
    if (name == "zlib-stream") return transport::zlib_stream;
    if (name == "zstd-stream") return transport::zstd_stream;
    return std::nullopt;
}

bool looks_like_zlib(std::string_view first_message) noexcept {
    if (first_message.size() < 2) return false;
    const auto cmf = static_cast<unsigned char>(first_message[0]);
    const auto flg = static_cast<unsigned char>(first_message[1]);
    // RFC 1950: CMF*256 + FLG is a multiple of 31; this rejects most text that starts with 'x'.
    return cmf == 0x78 && (cmf * 256u + flg) % 31u == 0;
}

bool looks_like_zstd(std::string_view first_message) noexcept {
    return first_message.size() >= 4 && first_message.substr(0, 4) == std::string_view("\x28\xB5\x2F\xFD", 4);
}

std::optional<transport> detect_transport(std::string_view first_message) noexcept {
    if (looks_like_zstd(first_message)) return transport::zstd_stream;
    if (looks_like_zlib(first_message)) return transport::zlib_stream;
    return std::nullopt;
}

std::size_t decompressor::hard_cap() const noexcept {
    const std::size_t max = limits_.max_message_size;
    return max == std::numeric_limits<std::size_t>::max() ? max : max + 1;
}

result decompressor::fail(compress_errc e, std::uint64_t offset, std::string_view detail) noexcept {
    failure_.state = result::status::error;
    failure_.message = {};
    failure_.error = make_error_code(e);
    failure_.offset = offset;
    failure_.detail = detail;
    return failure_;
}

result decompressor::complete() noexcept {
    ++counters_.messages;
    result r;
    r.state = result::status::message;
    r.message = out_.view();
    return r;
}

void decompressor::reset_common() noexcept {
    failure_ = result{};
    stream_offset_ = 0;
    out_.clear();
}

std::unique_ptr<decompressor> make_decompressor(transport t, const compress::limits& lim) {
    switch (t) {
    case transport::zlib_stream: return std::make_unique<zlib_stream>(lim);
    case transport::zstd_stream: return std::make_unique<zstd_stream>(lim);
    }
    return nullptr;
}

} // namespace dgw::compress
