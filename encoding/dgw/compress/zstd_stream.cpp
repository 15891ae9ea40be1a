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

// zstd.h defines the library's default window limit (ZSTD_WINDOWLOG_LIMIT_DEFAULT) only
// for static linking; 128 MiB.
constexpr int library_window_log_limit = 27;
// The largest window any zstd level below the --ultra ones asks for: 8 MiB (level 19).
constexpr int ordinary_window_log = 23;

// The window the decoder accepts: the frame's window is history the decoder keeps for
// the whole connection, so a hostile frame header could otherwise make it hold 128 MiB
// whatever the message limit. Discord's frames ask for 256 KiB; a peer on an ordinary
// level asks for at most 8 MiB, so only a window above both the limit and that is
// refused (as compress_errc::too_large).
int window_log_max(std::size_t max_message_size) noexcept {
    int log = ordinary_window_log;
    while (log < library_window_log_limit && (std::size_t{1} << (log + 1)) <= max_message_size) ++log;
    return log;
}

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
    ZSTD_DCtx_setParameter(d_, ZSTD_d_windowLogMax, window_log_max(lim.max_message_size));
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
