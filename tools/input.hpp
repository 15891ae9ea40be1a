#pragma once
/// Reading captures: detects the input form and cuts the input into gateway messages,
/// decompressing transport-compressed streams on the way. Problems are reported through
/// `diag` with the message index and byte offset; a source goes on with the next
/// message where the framing allows it and stops where it does not.

#include "byte_source.hpp"
#include "capture_format.hpp"
#include "common.hpp"

#include <dgw/compress/decompressor.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace dgw::tool {

class diag;

/// One gateway message of the input.
struct message {
    /// The gateway message (decompressed); valid until the next call of next().
    std::string_view bytes;
    /// 0-based number of the message in the input (bad messages count too).
    std::uint64_t index = 0;
    /// Where the message (its frame, record or document) starts, in the bytes `where` names.
    std::uint64_t offset = 0;
    /// "input" (the file) or "decompressed stream" (raw zlib/zstd-stream inputs).
    std::string_view where = "input";
    /// Compressed size on the wire (the websocket messages that carried it); 0 when the
    /// message was not compressed or the input does not say (raw streams).
    std::uint64_t wire_bytes = 0;
    /// Only captures know the direction, frame type and time; other forms hold received traffic.
    capture::direction dir = capture::direction::recv;
    /// Websocket frame type (captures); text or binary.
    capture::ws_opcode opcode = capture::ws_opcode::binary;
    /// Unix time in microseconds, 0 when unknown.
    std::int64_t timestamp_us = 0;
    /// The message starts a connection: the record carried the new-connection flag
    /// (captures only; writers set it on the first message anyway).
    bool new_connection = false;
};

/// "message 17 at byte 12345" (+ " of the decompressed stream").
std::string position(std::uint64_t index, std::uint64_t offset, std::string_view where);
/// position() of `m`.
inline std::string position(const message& m) { return position(m.index, m.offset, m.where); }

/// How to read the input.
struct source_options {
    /// The input form; automatic detects it from the first bytes.
    input_form form = input_form::automatic;
    /// Largest message (and frame) accepted; larger ones are an error.
    std::size_t max_message = 64u << 20;
};

/// Byte totals of the transport, for --stats.
struct transfer_totals {
    std::uint64_t compressed = 0;   ///< compressed bytes fed to the decompressor
    std::uint64_t decompressed = 0; ///< bytes it produced
};

/// Messages out of one input.
class message_source {
public:
    virtual ~message_source() = default;
    /// Produces the next message; false at the end of input or after a problem that
    /// ends reading (already reported).
    virtual bool next(message& m) = 0;
    /// Compression totals so far (zero for uncompressed inputs).
    virtual transfer_totals totals() const { return {}; }
    /// The transport compression, if any.
    virtual std::optional<compress::transport> transport() const { return std::nullopt; }
    /// The form being read (after detection).
    input_form form() const noexcept { return form_; }
    /// Human description for --stats, e.g. "framed, zstd-stream".
    std::string describe() const;

protected:
    explicit message_source(input_form f) : form_(f) {}
    input_form form_;
};

/// Detects the form of `in` (unless `opt` names it) and returns a source for it.
/// Returns nullptr after reporting when the form cannot be detected or the capture
/// header is unreadable.
std::unique_ptr<message_source> open_source(file_source& in, const source_options& opt, diag& d);

// Sources of the individual forms (input_framed.cpp); open_source picks one.

/// Frames of u32 big-endian length + bytes read from `base`; payloads are decompressed when
/// the first frame starts a zlib or zstd stream.
std::unique_ptr<message_source> make_framed_source(std::unique_ptr<byte_source> base, const source_options& opt,
                                                   diag& d);
/// Our capture format over `base` (which starts at the magic).
std::unique_ptr<message_source> make_capture_source(std::unique_ptr<byte_source> base, const source_options& opt,
                                                    diag& d);

/// A byte_source that first returns `head` (bytes already read for detection), then
/// reads on from `rest`.
class replay_source final : public byte_source {
public:
    /// `rest` must outlive this object.
    replay_source(std::string head, byte_source& rest) : head_(std::move(head)), rest_(rest) {}
    std::size_t read(char* dst, std::size_t n) override;

private:
    std::string head_;
    std::size_t pos_ = 0;
    byte_source& rest_;
};

} // namespace dgw::tool
