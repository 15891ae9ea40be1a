#include "compressor.hpp"

#include <zlib.h>
#include <zstd.h>

#include <stdexcept>

namespace dgw::tool {

namespace {

class zlib_compressor final : public compressor {
public:
    explicit zlib_compressor(int level) : level_(level) { init(); }
    ~zlib_compressor() override { deflateEnd(&z_); }
    zlib_compressor(const zlib_compressor&) = delete;
    zlib_compressor& operator=(const zlib_compressor&) = delete;

    std::string_view compress(std::string_view msg) override {
        out_.resize(deflateBound(&z_, static_cast<uLong>(msg.size())) + 16);
        z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(msg.data()));
        z_.avail_in = static_cast<uInt>(msg.size());
        std::size_t got = 0;
        for (;;) {
            z_.next_out = reinterpret_cast<Bytef*>(out_.data() + got);
            z_.avail_out = static_cast<uInt>(out_.size() - got);
            const int rc = deflate(&z_, Z_SYNC_FLUSH);
            got = out_.size() - z_.avail_out;
            if (rc != Z_OK && rc != Z_BUF_ERROR) throw std::runtime_error("deflate failed: " + std::to_string(rc));
            // Done once all input is taken and the flush fitted (room left over).
            if (z_.avail_in == 0 && z_.avail_out != 0) break;
            out_.resize(out_.size() * 2);
        }
        return {out_.data(), got};
    }

    void reset() override { deflateReset(&z_); }

private:
    void init() {
        // 15-bit window and zlib header, as Discord's zlib-stream uses.
        if (deflateInit2(&z_, level_, Z_DEFLATED, 15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            throw std::runtime_error("deflateInit2 failed (level " + std::to_string(level_) + ")");
    }

    z_stream z_{};
    int level_;
    std::string out_;
};

class zstd_compressor final : public compressor {
public:
    explicit zstd_compressor(int level) : c_(ZSTD_createCCtx()) {
        if (!c_) throw std::bad_alloc();
        const std::size_t r = ZSTD_CCtx_setParameter(c_, ZSTD_c_compressionLevel, level);
        if (ZSTD_isError(r)) throw std::runtime_error(std::string("zstd level: ") + ZSTD_getErrorName(r));
    }
    ~zstd_compressor() override { ZSTD_freeCCtx(c_); }
    zstd_compressor(const zstd_compressor&) = delete;
    zstd_compressor& operator=(const zstd_compressor&) = delete;

    std::string_view compress(std::string_view msg) override {
        out_.resize(ZSTD_compressBound(msg.size()) + 64);
        ZSTD_inBuffer in{msg.data(), msg.size(), 0};
        std::size_t got = 0;
        for (;;) {
            ZSTD_outBuffer o{out_.data() + got, out_.size() - got, 0};
            const std::size_t left = ZSTD_compressStream2(c_, &o, &in, ZSTD_e_flush);
            got += o.pos;
            if (ZSTD_isError(left)) throw std::runtime_error(std::string("zstd: ") + ZSTD_getErrorName(left));
            if (left == 0) break; // everything flushed
            out_.resize(out_.size() * 2);
        }
        return {out_.data(), got};
    }

    void reset() override { ZSTD_CCtx_reset(c_, ZSTD_reset_session_only); }

private:
    ZSTD_CCtx* c_;
    std::string out_;
};

} // namespace

std::unique_ptr<compressor> make_compressor(compress::transport t, std::optional<int> level) {
    if (t == compress::transport::zlib_stream) return std::make_unique<zlib_compressor>(level.value_or(6));
    return std::make_unique<zstd_compressor>(level.value_or(3));
}

} // namespace dgw::tool
