// Memory under decompression bombs: the peak of bytes allocated through operator new while
// a 200 MB message compressed into a few KB (zstd-stream) or ~200 KB (zlib-stream) goes
// through a decompressor limited to 4 MiB.
//
// Its own program, because it replaces the global operator new and delete to count: in
// dgw_tests the replacement would count every suite's allocations and take ASan's
// new/delete mismatch checks away from all of them. The libraries' own contexts allocate
// with malloc and are not counted; zlib's is 32 KiB of window, and zstd's window has its
// own bound (test_compress_zstd: window_above_the_limit_and_8_mib_is_too_large).

#define BOOST_TEST_MODULE bomb_memory
#include <boost/test/unit_test.hpp>

#include <dgw/compress/zlib_stream.hpp>
#include <dgw/compress/zstd_stream.hpp>

#include "../test_compress_util.hpp"

#include <malloc.h>

#include <cstdlib>
#include <new>

namespace {

// Bytes live through operator new, and the most there were since reset_peak().
std::size_t live_bytes = 0;
std::size_t peak_bytes = 0;

void* counted(void* p) {
    if (p == nullptr) return nullptr;
    live_bytes += malloc_usable_size(p);
    peak_bytes = std::max(peak_bytes, live_bytes);
    return p;
}

void release(void* p) noexcept {
    if (p == nullptr) return;
    live_bytes -= malloc_usable_size(p);
    std::free(p);
}

void* allocate(std::size_t n) {
    if (void* p = counted(std::malloc(n == 0 ? 1 : n))) return p;
    throw std::bad_alloc();
}

void* allocate(std::size_t n, std::align_val_t al) {
    const auto a = static_cast<std::size_t>(al);
    // aligned_alloc wants a multiple of the alignment.
    if (void* p = counted(std::aligned_alloc(a, (n + a - 1) / a * a + (n == 0 ? a : 0)))) return p;
    throw std::bad_alloc();
}

/// The peak of bytes allocated on top of those live now, while `f` runs.
template <class F> std::size_t peak_during(F&& f) {
    const std::size_t before = live_bytes;
    peak_bytes = before;
    f();
    return peak_bytes - before;
}

constexpr std::size_t limit = 4u << 20;
constexpr std::size_t bomb_megabytes = 200;

// 200 MiB of zeros as one zstd-stream message: a level-1 frame, flushed once at the end.
std::string zstd_bomb() {
    dgw_test::zstd_compressor c(1);
    const std::string zeros(1u << 20, '\0');
    std::string out;
    for (std::size_t i = 0; i < bomb_megabytes; ++i)
        out += c.compress(zeros, i + 1 == bomb_megabytes ? ZSTD_e_flush : ZSTD_e_continue);
    return out;
}

// 200 MiB of zeros as one zlib-stream message: after the first, every flushed MiB of zeros
// compresses to the same bytes, so the rest is copies of the second.
std::string zlib_bomb() {
    dgw_test::zlib_compressor c(9);
    const std::string zeros(1u << 20, '\0');
    std::string out = c.compress(zeros);
    const std::string again = c.compress(zeros);
    for (std::size_t i = 1; i < bomb_megabytes; ++i) out += again;
    return out;
}

// The peak while feeding `bomb` to a fresh decompressor of `kind`, which must refuse it.
std::size_t feed_bomb(dgw::compress::transport kind, const std::string& bomb) {
    return peak_during([&] {
        auto d = dgw::compress::make_decompressor(kind, dgw::compress::limits{limit});
        const auto r = d->feed(bomb);
        BOOST_TEST_REQUIRE(r.failed());
        BOOST_TEST(r.error == dgw::make_error_code(dgw::compress_errc::too_large));
        BOOST_TEST(r.offset < bomb.size()); // refused in the middle, not after inflating it all
        BOOST_TEST(d->counters().decompressed_out <= limit + 1);
    });
}

} // namespace

void* operator new(std::size_t n) { return allocate(n); }
void* operator new[](std::size_t n) { return allocate(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted(std::malloc(n == 0 ? 1 : n)); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted(std::malloc(n == 0 ? 1 : n)); }
void* operator new(std::size_t n, std::align_val_t a) { return allocate(n, a); }
void* operator new[](std::size_t n, std::align_val_t a) { return allocate(n, a); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
    try {
        return allocate(n, a);
    } catch (const std::bad_alloc&) {
        return nullptr;
    }
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t& t) noexcept {
    return operator new(n, a, t);
}
void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t) noexcept { release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete(void* p, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { release(p); }

BOOST_AUTO_TEST_SUITE(bomb_memory)

// The counter sees what it should: a buffer of the limit's size shows up in full.
BOOST_AUTO_TEST_CASE(the_counter_counts) {
    const std::size_t peak = peak_during([] { std::string s(limit, 'x'); });
    BOOST_TEST(peak >= limit);
    BOOST_TEST(peak < limit + 4096);
}

// The output buffer grows by doubling and takes the last step to the limit in one: at
// most 1.5 times the limit is held while it copies (doubling up to the limit held 2 times,
// 4 MiB and 4 MiB + 1). The buffer does reach the limit, so the bound is not vacuous.
BOOST_AUTO_TEST_CASE(zstd_stream_bomb_peaks_below_one_and_a_half_times_the_limit) {
    const std::string bomb = zstd_bomb();
    BOOST_TEST_REQUIRE(bomb.size() < (64u << 10));
    const std::size_t peak = feed_bomb(dgw::compress::transport::zstd_stream, bomb);
    BOOST_TEST_MESSAGE("zstd-stream bomb of " << bomb.size() << " bytes: peak " << peak << " bytes for a limit of "
                                              << limit);
    BOOST_TEST(peak >= limit);
    BOOST_TEST(peak <= limit + limit / 2 + (64u << 10));
}

BOOST_AUTO_TEST_CASE(zlib_stream_bomb_peaks_below_one_and_a_half_times_the_limit) {
    const std::string bomb = zlib_bomb();
    BOOST_TEST_REQUIRE(bomb.size() < (1u << 20));
    const std::size_t peak = feed_bomb(dgw::compress::transport::zlib_stream, bomb);
    BOOST_TEST_MESSAGE("zlib-stream bomb of " << bomb.size() << " bytes: peak " << peak << " bytes for a limit of "
                                              << limit);
    BOOST_TEST(peak >= limit);
    BOOST_TEST(peak <= limit + limit / 2 + (64u << 10));
}

BOOST_AUTO_TEST_SUITE_END()
