#include "byte_source.hpp"

#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dgw::tool {

namespace {
constexpr std::size_t compressed_chunk = 256u << 10;
}

// ---- file_source ------------------------------------------------------------------------

file_source::file_source(const std::string& path) {
    if (path == "-") {
        fd_ = 0;
    } else {
        fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
        owned_ = true;
    }
    struct stat st {};
    if (::fstat(fd_, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            if (owned_) ::close(fd_);
            throw std::runtime_error("cannot read " + path + ": is a directory");
        }
        if (S_ISREG(st.st_mode)) {
            size_ = static_cast<std::uint64_t>(st.st_size);
            // The kernel may read ahead more aggressively; failure only costs speed.
            ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
        }
        dev_ = st.st_dev;
        ino_ = st.st_ino;
    }
}

file_source::~file_source() {
    if (owned_) ::close(fd_);
}

std::size_t file_source::read(char* dst, std::size_t n) {
    for (;;) {
        const ssize_t r = ::read(fd_, dst, n);
        if (r >= 0) {
            consumed_ += static_cast<std::uint64_t>(r);
            return static_cast<std::size_t>(r);
        }
        if (errno == EINTR) continue;
        throw fatal_error(std::string("read error: ") + std::strerror(errno), consumed_);
    }
}

// ---- inflate_source ---------------------------------------------------------------------

struct inflate_source::impl {
    z_stream z{};
    bool ended = false; // Z_STREAM_END seen; the next byte must start a new stream
};

inflate_source::inflate_source(byte_source& in) : z_(std::make_unique<impl>()), in_(in), buf_(compressed_chunk, '\0') {
    if (inflateInit(&z_->z) != Z_OK) throw std::bad_alloc();
}

inflate_source::~inflate_source() { inflateEnd(&z_->z); }

std::size_t inflate_source::read(char* dst, std::size_t n) {
    z_stream& z = z_->z;
    z.next_out = reinterpret_cast<Bytef*>(dst);
    z.avail_out = static_cast<uInt>(n);
    for (;;) {
        if (pos_ == end_ && !in_eof_) {
            pos_ = 0;
            end_ = in_.read(buf_.data(), buf_.size());
            in_eof_ = end_ == 0;
        }
        if (z_->ended) {
            if (pos_ == end_) break;
            // Another connection's stream may follow (zlib header: CMF 0x78); anything else
            // after a finished stream is garbage.
            if (static_cast<unsigned char>(buf_[pos_]) != 0x78)
                throw fatal_error("data after the end of the zlib stream", compressed_);
            inflateReset(&z);
            z_->ended = false;
        }
        z.next_in = reinterpret_cast<Bytef*>(buf_.data() + pos_);
        z.avail_in = static_cast<uInt>(end_ - pos_);
        const int rc = inflate(&z, Z_NO_FLUSH);
        const std::size_t used = (end_ - pos_) - z.avail_in;
        pos_ += used;
        compressed_ += used;
        if (rc == Z_STREAM_END) {
            z_->ended = true;
        } else if (rc == Z_BUF_ERROR) {
            // No progress possible: out of input (at end of input, we are done).
            if (z.avail_out != n || (in_eof_ && pos_ == end_)) break;
            continue;
        } else if (rc != Z_OK) {
            throw fatal_error(std::string("corrupt zlib-stream: ") + (z.msg ? z.msg : "inflate error " + std::to_string(rc)),
                              compressed_);
        }
        if (z.avail_out != n) break;
    }
    const std::size_t produced = n - z.avail_out;
    decompressed_ += produced;
    return produced;
}

// ---- zstd_source ------------------------------------------------------------------------

zstd_source::zstd_source(byte_source& in, std::size_t max_message)
    : d_(ZSTD_createDCtx()), in_(in), buf_(compressed_chunk, '\0') {
    if (!d_) throw std::bad_alloc();
    // The rule of compress::zstd_stream (zstd_stream.cpp): 8 MiB, or up to the limit,
    // never above the library's default of 128 MiB.
    int log = 23;
    while (log < 27 && (std::size_t{1} << (log + 1)) <= max_message) ++log;
    ZSTD_DCtx_setParameter(static_cast<ZSTD_DCtx*>(d_), ZSTD_d_windowLogMax, log);
}

zstd_source::~zstd_source() { ZSTD_freeDCtx(static_cast<ZSTD_DCtx*>(d_)); }

std::size_t zstd_source::read(char* dst, std::size_t n) {
    ZSTD_outBuffer out{dst, n, 0};
    for (;;) {
        if (pos_ == end_ && !in_eof_) {
            pos_ = 0;
            end_ = in_.read(buf_.data(), buf_.size());
            in_eof_ = end_ == 0;
        }
        // Called even with no input left: the decoder may still hold output that did not
        // fit last time.
        ZSTD_inBuffer in{buf_.data() + pos_, end_ - pos_, 0};
        const std::size_t r = ZSTD_decompressStream(static_cast<ZSTD_DCtx*>(d_), &out, &in);
        pos_ += in.pos;
        compressed_ += in.pos;
        if (ZSTD_isError(r)) throw fatal_error(std::string("corrupt zstd-stream: ") + ZSTD_getErrorName(r), compressed_);
        if (out.pos > 0) break;
        if (in_eof_ && pos_ == end_) break;
    }
    decompressed_ += out.pos;
    return out.pos;
}

// ---- window -----------------------------------------------------------------------------

window::window(byte_source& src, std::size_t max_message, std::size_t chunk)
    : src_(src), chunk_(chunk),
      max_cap_(max_message > std::numeric_limits<std::size_t>::max() - chunk ? std::numeric_limits<std::size_t>::max()
                                                                             : max_message + chunk) {}

bool window::fill() {
    if (eof_) return false;
    if (begin_ > 0 && (begin_ == end_ || end_ + chunk_ > cap_)) {
        // Move the unconsumed tail to the front rather than growing: memory stays at the
        // largest message plus a chunk.
        std::memmove(buf_.get(), buf_.get() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    if (end_ + chunk_ > cap_ && cap_ < max_cap_) {
        // Doubling, until two more doublings would pass the cap: then the cap in one step.
        // Doubling up to it would end with a small step (64 MiB to 65 MiB) that holds
        // both buffers at once; this way growing holds at most 1.5 times the cap.
        std::size_t ncap = cap_ > max_cap_ / 4 ? max_cap_ : std::max(cap_ * 2, end_ + chunk_);
        ncap = std::min(ncap, max_cap_);
        auto nbuf = std::make_unique_for_overwrite<char[]>(ncap);
        if (end_ > begin_) std::memcpy(nbuf.get(), buf_.get() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
        buf_ = std::move(nbuf);
        cap_ = ncap;
    }
    if (end_ == cap_) throw fatal_error("more than the maximum message size buffered", base_ + (end_ - begin_));
    const std::size_t got = src_.read(buf_.get() + end_, cap_ - end_);
    if (got == 0) {
        eof_ = true;
        return false;
    }
    end_ += got;
    return true;
}

bool window::ensure(std::size_t n) {
    while (view().size() < n)
        if (!fill()) return false;
    return true;
}

} // namespace dgw::tool
