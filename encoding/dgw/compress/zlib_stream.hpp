#pragma once
/// zlib-stream transport decompression (`?compress=zlib-stream`).

#include <dgw/compress/decompressor.hpp>

#include <cstdint>
#include <memory>

namespace dgw::compress {

/// Inflates a connection's zlib-stream: one deflate stream for the whole connection,
/// each gateway message ending with a sync flush (00 00 FF FF).
///
/// A gateway message may span several websocket messages. Bytes are inflated as they
/// arrive (the compressed input is never copied) and the message is returned once the
/// websocket message that completes it ends with 00 00 FF FF at a deflate block
/// boundary. A stream that ends (Z_STREAM_END, which Discord never sends) completes
/// its last message; bytes after it are corrupt.
class zlib_stream final : public decompressor {
public:
    /// Sets up the inflate context (zlib header, 32 KiB window). Throws std::bad_alloc.
    explicit zlib_stream(const compress::limits& lim = {});
    ~zlib_stream() override;

    /// transport::zlib_stream.
    transport kind() const noexcept override { return transport::zlib_stream; }
    /// See decompressor::feed(); need_more until the message's last websocket message.
    result feed(std::string_view ws_message) override;
    /// New connection: inflateReset keeps the window allocation but none of its state.
    void reset() override;
    /// Compressed bytes of the message in progress.
    std::size_t pending() const noexcept override { return pending_; }

private:
    struct context;
    std::unique_ptr<context> z_;
    std::size_t pending_ = 0;
    std::uint32_t tail_ = 0;      // last four compressed bytes seen, big-endian
    bool message_done_ = false;   // the buffer holds a returned message; clear on next feed
    bool stream_ended_ = false;
    bool at_boundary_ = false;    // inflate stopped between deflate blocks
};

} // namespace dgw::compress
