#pragma once
/// Internal: the reused output buffer shared by both transport decompressors.

#include <cstddef>
#include <memory>
#include <string_view>

namespace dgw::compress::detail {

/// A growable byte buffer that keeps its capacity across messages and never exceeds a
/// caller-given hard cap.
///
/// Not a std::string: resizing a string zero-fills the new bytes, which the decoder then
/// overwrites anyway; here growth copies only the bytes in use. The buffer never
/// shrinks, so a connection pays for its largest message (usually READY) once.
class out_buffer {
public:
    /// First allocation; small gateway messages (the vast majority) fit without growth.
    static constexpr std::size_t initial_capacity = 64u << 10;

    /// Start of the bytes written so far.
    const char* data() const noexcept { return buf_.get(); }
    /// Number of bytes written so far.
    std::size_t size() const noexcept { return size_; }
    /// Bytes allocated.
    std::size_t capacity() const noexcept { return cap_; }
    /// Where the decoder writes next.
    char* tail() noexcept { return buf_.get() + size_; }
    /// Writable bytes after tail().
    std::size_t room() const noexcept { return cap_ - size_; }
    /// Records `n` bytes written at tail(); `n <= room()`.
    void commit(std::size_t n) noexcept { size_ += n; }
    /// Forgets the contents, keeps the allocation.
    void clear() noexcept { size_ = 0; }
    /// The bytes written so far.
    std::string_view view() const noexcept { return {buf_.get(), size_}; }

    /// Makes room() non-zero by doubling, clamped to `hard_cap` bytes in total (reached in
    /// one step once two more doublings would pass it: at most 1.5 × `hard_cap` is held
    /// while the contents are copied).
    ///
    /// Returns false when the capacity already equals `hard_cap`: the caller's limit,
    /// not memory, is what stops a decompression bomb.
    bool grow(std::size_t hard_cap);

private:
    std::unique_ptr<char[]> buf_;
    std::size_t size_ = 0;
    std::size_t cap_ = 0;
};

} // namespace dgw::compress::detail
