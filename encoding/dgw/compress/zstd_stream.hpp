#pragma once
/// zstd-stream transport decompression (`?compress=zstd-stream`).

#include <dgw/compress/decompressor.hpp>

// zstd.h's ZSTD_DCtx, declared here so that zstd.h stays out of this header.
struct ZSTD_DCtx_s;

namespace dgw::compress {

/// Decompresses a connection's zstd-stream: one zstd frame that never ends, each
/// websocket message one flushed chunk of it holding exactly one gateway message.
///
/// Every non-empty feed() returns a message or an error, never need_more. A websocket
/// message that stops inside a block or the frame header, or that decodes to nothing,
/// is reported as compress_errc::incomplete; one cut exactly at an internal block
/// boundary of a multi-block message (over 128 KiB) cannot be told from a whole one.
/// Frames that do end (a peer that ends one frame per message) are accepted too.
class zstd_stream final : public decompressor {
public:
    /// Creates the ZSTD_DCtx. It refuses (compress_errc::too_large) a frame whose window
    /// is larger than both lim.max_message_size and 8 MiB (every zstd level but the
    /// --ultra ones fits; Discord's frames ask for 256 KiB), and above 128 MiB in any case,
    /// so that the window too stays within a small multiple of the limit. Throws
    /// std::bad_alloc.
    explicit zstd_stream(const compress::limits& lim = {});
    ~zstd_stream() override;

    /// transport::zstd_stream.
    transport kind() const noexcept override { return transport::zstd_stream; }
    /// See decompressor::feed().
    result feed(std::string_view ws_message) override;
    /// New connection: ZSTD_DCtx_reset(session_only) keeps the allocations.
    void reset() override;

private:
    ZSTD_DCtx_s* d_;
};

} // namespace dgw::compress
