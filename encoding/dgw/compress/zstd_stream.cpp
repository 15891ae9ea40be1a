#include <dgw/compress/zstd_stream.hpp>

#include <zstd.h>
#include <zstd_errors.h>

#include <new>

namespace dgw::compress {

namespace {

// After a flushed chunk the decoder waits for the next 3-byte block header, and
// ZSTD_decompressStream's size hint says exactly that. Mid-block or mid-header it
// asks for more; 0 means a frame ended (a server that ends one frame per message).
constexpr std::size_t block_header_size = 3;

compress_errc classify(std::size_t code) noexcept {
    switch (ZSTD_getErrorCode(code)) {
    case ZSTD_error_memory_allocation: return compress_errc::library;
    case ZSTD_error_frameParameter_windowTooLarge: return compress_errc::too_large;
    default: return compress_errc::corrupt;
    }
}

} // namespace

zstd_stream::zstd_stream(const compress::limits& lim)
    : decompressor(lim), d_(ZSTD_createDCtx()) {
    if (d_ == nullptr) throw std::bad_alloc();
}

zstd_stream::~zstd_stream() { ZSTD_freeDCtx(d_); }

void zstd_stream::reset() {
    ZSTD_DCtx_reset(d_, ZSTD_reset_session_only);
    reset_common();
}

result zstd_stream::feed(std::string_view ws_message) {
    if (failed()) return failure();
    out_.clear();
    // Asking the decoder about zero bytes would report a frame still to come as "incomplete".
    if (ws_message.empty()) return result{};
    counters_.compressed_in += ws_message.size();

    ZSTD_inBuffer in{ws_message.data(), ws_message.size(), 0};
    std::size_t hint = 0;
    for (;;) {
        if (out_.room() == 0 && !grow_output()) return fail(compress_errc::too_large, stream_offset_ + in.pos);
        ZSTD_outBuffer out{out_.tail(), out_.room(), 0};
        hint = ZSTD_decompressStream(d_, &out, &in);
        if (ZSTD_isError(hint)) return fail(classify(hint), stream_offset_ + in.pos, ZSTD_getErrorName(hint));
        out_.commit(out.pos);
        counters_.decompressed_out += out.pos;
        if (over_limit()) return fail(compress_errc::too_large, stream_offset_ + in.pos);
        // The loop condition from the docs: input consumed and the decoder not output-bound.
        if (in.pos == in.size && out.pos < out.size) break;
    }
    stream_offset_ += ws_message.size();
    if (hint != 0 && hint != block_header_size)
        return fail(compress_errc::incomplete, stream_offset_, "websocket message ends inside a zstd block");
    // A frame header alone also leaves the decoder waiting for a block header, but no
    // gateway message is empty.
    if (out_.size() == 0)
        return fail(compress_errc::incomplete, stream_offset_, "websocket message holds no zstd block");
    return complete();
}

} // namespace dgw::compress
