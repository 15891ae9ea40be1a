#pragma once
/// The wire choices a connection makes once, in its URL: payload encoding and transport
/// compression. They decide how frames are decoded and how commands are serialized.

namespace dgw {

/// How gateway payloads are encoded, both ways (`?encoding=` in the URL).
enum class payload_encoding {
    json, ///< UTF-8 JSON in text frames
    etf,  ///< Erlang External Term Format in binary frames
};

/// Server-to-client transport compression (`?compress=` in the URL); none means absent.
enum class transport_compression {
    none,
    zlib_stream,
    zstd_stream,
};

/// The query value for an encoding: "json" or "etf".
constexpr const char* to_string(payload_encoding e) noexcept {
    return e == payload_encoding::etf ? "etf" : "json";
}

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
