#pragma once
/// Output of the tool: a buffered file or stdout, and the generic (--raw) JSON
/// conversion of a message whatever its encoding.

#include <dgw/encoding.hpp>

#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dgw::tool {

/// Thrown when the reader of our stdout went away (EPIPE, e.g. `dgw decode | head`):
/// the commands stop reading and exit quietly.
struct broken_pipe {};

/// A buffered output file, or stdout for "-". Callers append to buffer() and call
/// maybe_flush(); writes go out in large blocks.
class out_file {
public:
    /// Opens (creates, truncates) `path`, or stdout for "-". Throws std::runtime_error.
    explicit out_file(const std::string& path);
    ~out_file();
    out_file(const out_file&) = delete;
    out_file& operator=(const out_file&) = delete;

    /// Where to append output.
    std::string& buffer() noexcept { return buf_; }
    /// Writes the buffer once it holds a block's worth.
    void maybe_flush() {
        if (buf_.size() >= block) flush();
    }
    /// Writes everything buffered. Throws broken_pipe or std::runtime_error.
    void flush();
    /// Flushes and closes (reporting errors, unlike the destructor).
    void close();
    /// Device and inode of the output (0, 0 for stdout), to refuse overwriting the input.
    std::pair<std::uint64_t, std::uint64_t> identity() const noexcept { return {dev_, ino_}; }
    /// Bytes written so far.
    std::uint64_t written() const noexcept { return written_; }

    /// Flush threshold.
    static constexpr std::size_t block = 1u << 20;

private:
    int fd_ = -1;
    bool owned_ = false;
    std::string buf_;
    std::string path_;
    std::uint64_t dev_ = 0, ino_ = 0, written_ = 0;
};

/// Device and inode of an existing file; nullopt when it does not exist.
std::optional<std::pair<std::uint64_t, std::uint64_t>> file_identity(const std::string& path);

/// Parses one message (JSON text or an ETF term) into a generic JSON value: every field
/// kept, ETF integers stay numbers (exact), atoms and binaries become strings. On failure
/// returns false with `why` set.
bool to_value(std::string_view bytes, Encoding enc, boost::json::value& out, std::string& why);

/// Appends `v` as compact JSON; a top-level object is written with t, s, op, d first
/// (the gateway's order), then any other keys. Integers beyond +-2^53-1 as `big` says.
void append_envelope(const boost::json::value& v, std::string& out, big_integers big);

/// The op and t of a generic envelope (op -1 and "" when absent or not an object).
void envelope_fields(const boost::json::value& v, std::int64_t& op, std::string_view& t);

} // namespace dgw::tool
