#pragma once
/// Streaming input for the tool: a file or stdin read in chunks, raw zlib/zstd streams
/// decompressed on the fly, and a sliding window the splitters cut messages out of.
/// Nothing here reads a whole input into memory.

#include "common.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace dgw::tool {

/// A sequential source of bytes.
class byte_source {
public:
    virtual ~byte_source() = default;
    /// Reads up to `n` bytes into `dst`; 0 means end of input. Throws fatal_error.
    virtual std::size_t read(char* dst, std::size_t n) = 0;
};

/// A file, or stdin for "-", read with read(2).
class file_source final : public byte_source {
public:
    /// Opens `path` ("-" is stdin). Throws std::runtime_error when it cannot be opened.
    explicit file_source(const std::string& path);
    ~file_source() override;
    file_source(const file_source&) = delete;
    file_source& operator=(const file_source&) = delete;

    std::size_t read(char* dst, std::size_t n) override;
    /// Bytes read so far.
    std::uint64_t consumed() const noexcept { return consumed_; }
    /// Size of a regular file; nullopt for pipes and terminals.
    std::optional<std::uint64_t> size() const noexcept { return size_; }
    /// Device and inode, to refuse writing over the input.
    std::pair<std::uint64_t, std::uint64_t> identity() const noexcept { return {dev_, ino_}; }

private:
    int fd_ = -1;
    bool owned_ = false;
    std::uint64_t consumed_ = 0;
    std::optional<std::uint64_t> size_;
    std::uint64_t dev_ = 0, ino_ = 0;
};

/// Inflates a raw zlib-stream (all compressed bytes of a connection, no framing).
///
/// A zlib-stream never ends, so end of input is simply the end of the output. If a
/// stream does end and another zlib header follows (a capture of several connections),
/// inflation restarts there.
class inflate_source final : public byte_source {
public:
    /// Reads compressed bytes from `in`, which must outlive this object.
    explicit inflate_source(byte_source& in);
    ~inflate_source() override;
    inflate_source(const inflate_source&) = delete;
    inflate_source& operator=(const inflate_source&) = delete;

    std::size_t read(char* dst, std::size_t n) override;
    /// Compressed bytes consumed by the inflater.
    std::uint64_t compressed() const noexcept { return compressed_; }
    /// Bytes produced.
    std::uint64_t decompressed() const noexcept { return decompressed_; }

private:
    struct impl;
    std::unique_ptr<impl> z_;
    byte_source& in_;
    std::string buf_;
    std::size_t pos_ = 0, end_ = 0;
    bool in_eof_ = false;
    std::uint64_t compressed_ = 0, decompressed_ = 0;
};

/// Decompresses a raw zstd-stream (one endless frame, flushed per message; ended frames
/// followed by new ones are accepted too).
class zstd_source final : public byte_source {
public:
    /// Reads compressed bytes from `in`, which must outlive this object. Frames whose
    /// window is above both `max_message` and 8 MiB are refused, as the library's
    /// compress::zstd_stream does, so that a frame header cannot cost more memory than
    /// the message limit.
    zstd_source(byte_source& in, std::size_t max_message);
    ~zstd_source() override;
    zstd_source(const zstd_source&) = delete;
    zstd_source& operator=(const zstd_source&) = delete;

    std::size_t read(char* dst, std::size_t n) override;
    /// Compressed bytes consumed by the decoder.
    std::uint64_t compressed() const noexcept { return compressed_; }
    /// Bytes produced.
    std::uint64_t decompressed() const noexcept { return decompressed_; }

private:
    void* d_; // ZSTD_DCtx, kept out of this header
    byte_source& in_;
    std::string buf_;
    std::size_t pos_ = 0, end_ = 0;
    bool in_eof_ = false;
    std::uint64_t compressed_ = 0, decompressed_ = 0;
};

/// A sliding window over a byte_source: splitters look at view(), consume() what they
/// used and fill() when a message continues past the end. Memory is the largest message
/// plus one chunk, and never more than `max_message` plus one chunk: a decompression bomb
/// is refused by the splitters once it passes `max_message`, before the window grows on.
class window {
public:
    /// Reads from `src` in chunks of `chunk` bytes; view() holds at most `max_message` +
    /// `chunk` bytes, enough for the splitters to see that a message is too large.
    window(byte_source& src, std::size_t max_message, std::size_t chunk = 1u << 20);

    /// The bytes read but not consumed yet.
    std::string_view view() const noexcept { return {buf_.get() + begin_, end_ - begin_}; }
    /// Offset of view().data() in the source's byte stream.
    std::uint64_t offset() const noexcept { return base_; }
    /// Drops the first `n` bytes of view().
    void consume(std::size_t n) noexcept {
        begin_ += n;
        base_ += n;
    }
    /// Reads one more chunk; false at end of input (nothing was added). Throws
    /// fatal_error when the window is full: a caller that let view() grow past its
    /// message limit.
    bool fill();
    /// Fills until view() holds at least `n` bytes; false when the input ends first.
    bool ensure(std::size_t n);
    /// True once the source reported end of input.
    bool eof() const noexcept { return eof_; }

private:
    byte_source& src_;
    std::size_t chunk_;
    std::size_t max_cap_;
    std::unique_ptr<char[]> buf_;
    std::size_t cap_ = 0, begin_ = 0, end_ = 0;
    std::uint64_t base_ = 0;
    bool eof_ = false;
};

} // namespace dgw::tool
