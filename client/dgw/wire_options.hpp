#pragma once
/// The wire choices a connection makes once, in its URL: payload encoding (dgw::Encoding,
/// shared with the codecs) and transport compression.

#include <dgw/encoding.hpp>

namespace dgw {

/// Server-to-client transport compression (`?compress=` in the URL); none means absent.
enum class transport_compression {
    none,
    zlib_stream,
    zstd_stream,
};

/// The query value for a compression: "zlib-stream", "zstd-stream", or "" for none.
constexpr const char* to_string(transport_compression c) noexcept {
    switch (c) {
    case transport_compression::zlib_stream: return "zlib-stream";
    case transport_compression::zstd_stream: return "zstd-stream";
    case transport_compression::none: break;
    }
    return "";
}

} // namespace dgw
