#include <dgw/detail/compress/out_buffer.hpp>

#include <algorithm>
#include <cstring>

namespace dgw::compress::detail {

bool out_buffer::grow(std::size_t hard_cap) {
    if (cap_ >= hard_cap) return false;
    // Doubling keeps the number of copies logarithmic in the largest message. Once two
    // more doublings would pass the cap, the cap in one step: doubling up to it would end
    // with a tiny step (64 MiB to 64 MiB + 1 for the default limit) that holds two buffers
    // of about the cap at once. So growing never holds more than 1.5 times the cap.
    std::size_t want = cap_ == 0 ? initial_capacity : (cap_ > hard_cap / 4 ? hard_cap : cap_ * 2);
    want = std::min(want, hard_cap);
    auto bigger = std::make_unique_for_overwrite<char[]>(want);
    if (size_ != 0) std::memcpy(bigger.get(), buf_.get(), size_);
    buf_ = std::move(bigger);
    cap_ = want;
    return true;
}

} // namespace dgw::compress::detail
