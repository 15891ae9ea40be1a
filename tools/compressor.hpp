#pragma once
/// Transport compression as the gateway does it, for `dgw convert`: one compression
/// context per connection, flushed after every message so each websocket message can
/// be decompressed as soon as it arrives.

#include <dgw/compress/decompressor.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace dgw::tool {

/// One connection's compressor.
class compressor {
public:
    virtual ~compressor() = default;
    /// Compresses one gateway message and flushes: zlib-stream output ends with
    /// 00 00 FF FF (Z_SYNC_FLUSH), zstd-stream output is one flushed chunk of an endless
    /// frame (ZSTD_e_flush). The result is valid until the next call.
    virtual std::string_view compress(std::string_view message) = 0;
    /// Starts a new connection (fresh context: a new zlib header / zstd frame).
    virtual void reset() = 0;
};

/// The compressor for `t` at `level` (nullopt: zlib 6, zstd 3, the libraries' defaults).
/// Throws std::runtime_error when the library cannot set up its context.
std::unique_ptr<compressor> make_compressor(compress::transport t, std::optional<int> level);

} // namespace dgw::tool
