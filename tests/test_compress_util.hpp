#pragma once
// Helpers shared by the transport decompressor tests (test_compress_*.cpp): compressors
// that behave like the gateway's, deterministic message generators, fixture loading.

#include <zlib.h>
#include <zstd.h>

#include <cstdint>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dgw_test {

inline std::string read_fixture(const std::string& name) {
    std::ifstream f(std::string(DGW_FIXTURES) + "/compress/" + name, std::ios::binary);
    if (!f) throw std::runtime_error("cannot open fixture " + name);
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

// The corpus stream files frame each websocket message as a u32 big-endian length + bytes.
inline std::vector<std::string> split_frames(const std::string& s) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i + 4 <= s.size()) {
        const auto b = [&](std::size_t k) { return std::uint32_t(static_cast<unsigned char>(s[i + k])); };
        const std::uint32_t n = b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
        if (i + 4 + n > s.size()) throw std::runtime_error("truncated frame file");
        out.emplace_back(s.substr(i + 4, n));
        i += 4 + n;
    }
    if (i != s.size()) throw std::runtime_error("trailing bytes in frame file");
    return out;
}

inline std::uint64_t fnv1a64(std::string_view s) {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
    return h;
}

// Each line of a .digest fixture: "<length> <fnv1a64 hex>" of one expected message.
inline std::vector<std::pair<std::size_t, std::uint64_t>> read_digest(const std::string& name) {
    std::istringstream in(read_fixture(name));
    std::vector<std::pair<std::size_t, std::uint64_t>> out;
    std::size_t n;
    std::string hex;
    while (in >> n >> hex) out.emplace_back(n, std::stoull(hex, nullptr, 16));
    return out;
}

// One deflate context per connection and Z_SYNC_FLUSH per message, as Discord does.
class zlib_compressor {
public:
    explicit zlib_compressor(int level = Z_DEFAULT_COMPRESSION) {
        if (deflateInit(&z_, level) != Z_OK) throw std::runtime_error("deflateInit");
    }
    ~zlib_compressor() { deflateEnd(&z_); }
    zlib_compressor(const zlib_compressor&) = delete;
    zlib_compressor& operator=(const zlib_compressor&) = delete;

    std::string compress(std::string_view msg, int flush = Z_SYNC_FLUSH) {
        std::string out;
        z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(msg.data()));
        z_.avail_in = static_cast<uInt>(msg.size());
        int rc;
        do {
            char buf[16384];
            z_.next_out = reinterpret_cast<Bytef*>(buf);
            z_.avail_out = sizeof buf;
            rc = deflate(&z_, flush);
            if (rc != Z_OK && rc != Z_BUF_ERROR && rc != Z_STREAM_END) throw std::runtime_error("deflate");
            out.append(buf, sizeof buf - z_.avail_out);
        } while (z_.avail_in > 0 || z_.avail_out == 0);
        return out;
    }

private:
    z_stream z_{};
};

// One ZSTD_CCtx per connection and ZSTD_e_flush per message, as Discord does.
class zstd_compressor {
public:
    explicit zstd_compressor(int level = 3) : c_(ZSTD_createCCtx()) {
        ZSTD_CCtx_setParameter(c_, ZSTD_c_compressionLevel, level);
    }
    ~zstd_compressor() { ZSTD_freeCCtx(c_); }
    zstd_compressor(const zstd_compressor&) = delete;
    zstd_compressor& operator=(const zstd_compressor&) = delete;

    std::string compress(std::string_view msg, ZSTD_EndDirective mode = ZSTD_e_flush) {
        std::string out;
        ZSTD_inBuffer in{msg.data(), msg.size(), 0};
        std::size_t left;
        do {
            char buf[16384];
            ZSTD_outBuffer o{buf, sizeof buf, 0};
            left = ZSTD_compressStream2(c_, &o, &in, mode);
            if (ZSTD_isError(left)) throw std::runtime_error(ZSTD_getErrorName(left));
            out.append(buf, o.pos);
        } while (left != 0 || in.pos < in.size);
        return out;
    }

private:
    ZSTD_CCtx* c_;
};

// Gateway-shaped JSON of varied sizes, deterministic for a seed. Every 97th message is
// large (up to ~300 KB) so that buffers grow and zstd needs several blocks.
inline std::vector<std::string> make_messages(std::size_t count, std::uint64_t seed = 1) {
    std::mt19937_64 rng(seed);
    static const char* const events[] = {"MESSAGE_CREATE", "PRESENCE_UPDATE", "TYPING_START", "GUILD_MEMBER_UPDATE"};
    std::vector<std::string> out;
    out.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        std::string m = R"({"t":")" + std::string(events[rng() % 4]) + R"(","s":)" + std::to_string(i + 1) +
                        R"(,"op":0,"d":{"id":")" + std::to_string(rng() >> 8) + R"(","content":")";
        const std::size_t words = i % 97 == 96 ? 20000 + rng() % 20000 : rng() % 60;
        for (std::size_t w = 0; w < words; ++w) {
            m += "word" + std::to_string(rng() % 500) + ' ';
            if (rng() % 8 == 0) m += std::to_string(rng());
        }
        m += R"("}})";
        out.push_back(std::move(m));
    }
    return out;
}

} // namespace dgw_test
