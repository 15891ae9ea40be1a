#include <dgw/compress/zlib_stream.hpp>

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <new>

namespace dgw::compress {

namespace {

// Z_SYNC_FLUSH ends with an empty stored block: 00 00 FF FF.
constexpr std::uint32_t sync_flush_suffix = 0x0000FFFFu;

// zlib.h: inflate() sets bit 128 of data_type when it stopped at a block boundary.
constexpr int at_block_boundary = 128;

// zlib counts in uInt; anything bigger is fed in slices.
constexpr std::size_t max_uint = UINT_MAX;

} // namespace

struct zlib_stream::context {
    z_stream s{};
};

zlib_stream::zlib_stream(const compress::limits& lim) : decompressor(lim), z_(std::make_unique<context>()) {
    if (inflateInit(&z_->s) != Z_OK) throw std::bad_alloc();
}

zlib_stream::~zlib_stream() { inflateEnd(&z_->s); }

void zlib_stream::reset() {
    inflateReset(&z_->s);
    reset_common();
    pending_ = 0;
    tail_ = 0;
    message_done_ = false;
    stream_ended_ = false;
    at_boundary_ = false;
}

result zlib_stream::feed(std::string_view ws_message) {
    if (failed()) return failure();
    if (message_done_) {
        out_.clear();
        message_done_ = false;
    }
    counters_.compressed_in += ws_message.size();
    const auto* in = reinterpret_cast<const Bytef*>(ws_message.data());
    const std::size_t in_size = ws_message.size();
    std::size_t consumed = 0;
    if (stream_ended_ && in_size != 0)
        return fail(compress_errc::corrupt, stream_offset_, "data after the end of the zlib stream");

    z_stream& s = z_->s;
    while (in_size != 0) {
        if (out_.room() == 0 && !grow_output()) return fail(compress_errc::too_large, stream_offset_ + consumed);
        const std::size_t in_slice = std::min(in_size - consumed, max_uint);
        const std::size_t out_slice = std::min(out_.room(), max_uint);
        s.next_in = const_cast<Bytef*>(in + consumed); // zlib's API is not const-correct
        s.avail_in = static_cast<uInt>(in_slice);
        s.next_out = reinterpret_cast<Bytef*>(out_.tail());
        s.avail_out = static_cast<uInt>(out_slice);
        const int rc = inflate(&s, Z_SYNC_FLUSH);
        const std::size_t used = in_slice - s.avail_in;
        const std::size_t produced = out_slice - s.avail_out;
        consumed += used;
        out_.commit(produced);
        counters_.decompressed_out += produced;
        const std::uint64_t where = stream_offset_ + consumed;
        if (over_limit()) return fail(compress_errc::too_large, where);
        switch (rc) {
        case Z_OK:
        case Z_BUF_ERROR: // no progress with these buffers: not fatal, the checks below decide
            break;
        case Z_STREAM_END:
            stream_ended_ = true;
            if (consumed != in_size)
                return fail(compress_errc::corrupt, where, "data after the end of the zlib stream");
            break;
        case Z_NEED_DICT:
            return fail(compress_errc::corrupt, where, "zlib stream needs a preset dictionary");
        case Z_DATA_ERROR:
            return fail(compress_errc::corrupt, where, s.msg ? std::string_view(s.msg) : std::string_view());
        default: // Z_MEM_ERROR, Z_STREAM_ERROR
            return fail(compress_errc::library, where, s.msg ? std::string_view(s.msg) : std::string_view());
        }
        // inflate() turns TYPE into TYPEDO when called again without input, so only a
        // call that consumed bytes says whether the stream stopped at a block boundary.
        if (used != 0) at_boundary_ = (s.data_type & at_block_boundary) != 0;
        const bool output_bound = s.avail_out == 0;
        if (consumed == in_size && !output_bound) break;
        // Input left, room left, yet nothing moved: inflate would spin forever.
        if (!output_bound && used == 0 && produced == 0)
            return fail(compress_errc::library, where, "inflate made no progress");
    }
    stream_offset_ += in_size;
    pending_ += in_size;

    // The suffix may straddle websocket messages, so keep the last four bytes across feeds.
    for (std::size_t i = in_size - std::min<std::size_t>(in_size, 4); i < in_size; ++i)
        tail_ = (tail_ << 8) | in[i];
    const bool at_sync_point = pending_ >= 4 && tail_ == sync_flush_suffix && at_boundary_;
    // Requiring the block boundary too means 00 00 FF FF inside a block's data, split
    // unluckily, waits for more input instead of cutting the message short.
    if (!at_sync_point && !(stream_ended_ && pending_ != 0)) return result{};
    pending_ = 0;
    message_done_ = true;
    return complete();
}

} // namespace dgw::compress
