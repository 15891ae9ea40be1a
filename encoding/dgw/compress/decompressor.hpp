#pragma once
/// Transport decompression for the gateway's `?compress=` URL parameter.
///
/// Both transports keep one decompression context for the whole connection, so a
/// decompressor is per connection: feed it every websocket message in order, and call
/// reset() when a new connection starts (Resume included). Concrete classes live in
/// zlib_stream.hpp and zstd_stream.hpp; make_decompressor() picks one at run time.

#include <dgw/detail/compress/out_buffer.hpp>
#include <dgw/error.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

namespace dgw::compress {

/// A transport compression scheme, named as in the gateway URL.
enum class transport : std::uint8_t {
    zlib_stream, ///< `compress=zlib-stream`: one deflate stream, messages end with 00 00 FF FF
    zstd_stream, ///< `compress=zstd-stream`: one endless zstd frame, one flush per message
};

/// The URL spelling of `t`: "zlib-stream" or "zstd-stream".
std::string_view to_string(transport t) noexcept;

/// Parses the URL spelling; nullopt for anything else.
std::optional<transport> parse_transport(std::string_view name) noexcept;

/// True when `first_message` starts like a zlib stream: CMF 0x78 (deflate, 32 KiB
/// window) and a valid header checksum.
///
/// Only the first websocket message of a connection carries the header; later ones
/// continue the stream and look like noise.
bool looks_like_zlib(std::string_view first_message) noexcept;

/// True when `first_message` starts with the zstd frame magic 28 B5 2F FD.
///
/// As with zlib, only the first message of a connection carries it.
bool looks_like_zstd(std::string_view first_message) noexcept;

/// Guesses the transport of a capture from its first websocket message.
std::optional<transport> detect_transport(std::string_view first_message) noexcept;

/// Resource limits of one decompressor.
struct limits {
    /// Largest decompressed gateway message accepted. Checked while decoding, so a
    /// decompression bomb is rejected with compress_errc::too_large once it passes the
    /// limit: the output buffer holds at most 1.5 times the limit while it grows, and
    /// the library's context at most its window (zlib 32 KiB; zstd: see zstd_stream).
    /// READY for a large bot is a few MB; 64 MiB is generous.
    std::size_t max_message_size = 64u << 20;
};

/// Running totals for metrics. They add up over the decompressor's whole life and are
/// not cleared by reset(), so a shard can report them across reconnects.
struct counters {
    std::uint64_t compressed_in = 0;    ///< bytes passed to feed()
    std::uint64_t decompressed_out = 0; ///< bytes produced by the library, failed messages included
    std::uint64_t messages = 0;         ///< complete gateway messages returned
};

/// What one feed() produced.
struct result {
    /// The three outcomes of a feed.
    enum class status : std::uint8_t {
        need_more, ///< no complete message yet (zlib: the message continues in a later websocket message)
        message,   ///< `message` holds one complete gateway message
        error,     ///< `error`, `offset` and `detail` say what failed; the decompressor needs reset()
    };

    status state = status::need_more; ///< which outcome; the other members follow from it
    /// The decompressed message. Points into the decompressor's buffer: valid until the
    /// next feed() or reset() on it, or its destruction.
    std::string_view message;
    /// A compress_errc on failure.
    boost::system::error_code error;
    /// On failure: offset in the connection's compressed byte stream (all websocket
    /// messages since the last reset, concatenated) where the decoder stopped.
    std::uint64_t offset = 0;
    /// On failure: the library's own wording when it gave one (a static string), else empty.
    std::string_view detail;

    /// True when state == status::message.
    bool has_message() const noexcept { return state == status::message; }
    /// True when state == status::need_more.
    bool needs_more() const noexcept { return state == status::need_more; }
    /// True when state == status::error.
    bool failed() const noexcept { return state == status::error; }
};

/// One connection's transport decompressor: websocket messages in, gateway messages out.
///
/// After an error the stream state is unknown, so every later feed() returns the same
/// error until reset(); the gateway connection has to be dropped anyway. Output buffers
/// are reused: once the buffer fits the largest message, feeding allocates nothing.
/// Not thread-safe; one connection is driven by one strand. Neither copyable nor
/// movable (the libraries' contexts point back at their owners); hold it by value in
/// place or by the unique_ptr of make_decompressor().
class decompressor {
public:
    decompressor(const decompressor&) = delete;
    decompressor& operator=(const decompressor&) = delete;
    virtual ~decompressor() = default;

    /// Which transport this decompressor decodes.
    virtual transport kind() const noexcept = 0;

    /// Decompresses one websocket message (binary frame payload) of this connection.
    ///
    /// An empty websocket message yields need_more. A returned message stays valid until
    /// the next feed() or reset().
    virtual result feed(std::string_view ws_message) = 0;

    /// Starts a new connection: fresh stream state, error cleared, buffers and counters kept.
    virtual void reset() = 0;

    /// Compressed bytes of a message that has started but not completed (zlib only;
    /// zstd messages never span websocket messages, so it is always 0 there). Non-zero
    /// when a connection closes means the last message was truncated.
    virtual std::size_t pending() const noexcept { return 0; }

    /// The limits this decompressor was made with.
    const compress::limits& limits() const noexcept { return limits_; }
    /// Totals since construction.
    const compress::counters& counters() const noexcept { return counters_; }
    /// Bytes held by the output buffer: at most limits().max_message_size + 1.
    std::size_t buffer_capacity() const noexcept { return out_.capacity(); }
    /// True after an error, until reset().
    bool failed() const noexcept { return failure_.failed(); }

protected:
    /// Stores the limits; the derived class sets up its library context.
    explicit decompressor(const compress::limits& lim) noexcept : limits_(lim) {}

    /// Makes room in out_ within the message limit; false means the message is too large.
    bool grow_output() { return out_.grow(hard_cap()); }
    /// True once out_ holds more than the limit allows.
    bool over_limit() const noexcept { return out_.size() > limits_.max_message_size; }
    /// Records a failure so later feeds repeat it, and returns it.
    result fail(compress_errc e, std::uint64_t offset, std::string_view detail = {}) noexcept;
    /// The stored failure (call only when failed()).
    const result& failure() const noexcept { return failure_; }
    /// Returns out_ as a complete message and counts it.
    result complete() noexcept;
    /// Clears the failure and the per-connection offset (for reset()).
    void reset_common() noexcept;

    compress::limits limits_;     ///< the limits given at construction
    compress::counters counters_; ///< running totals reported by counters()
    detail::out_buffer out_;      ///< the message being decompressed; result::message points here
    /// Compressed bytes consumed on this connection before the current feed.
    std::uint64_t stream_offset_ = 0;

private:
    // One byte past the limit, so "exactly max_message_size" is told apart from "more".
    std::size_t hard_cap() const noexcept;

    result failure_;
};

/// Makes the decompressor for `t`; the connection code needs no other type.
std::unique_ptr<decompressor> make_decompressor(transport t, const compress::limits& lim = {});

} // namespace dgw::compress
