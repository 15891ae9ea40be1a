#pragma once
// Shared by the bench programs: loading framed corpus files (u32 big-endian length + bytes
// per message) from ../shared/corpus/data, or from $DGW_CORPUS.

#include <zstd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace dgw_bench {

/// One framed file: its bytes and a view per message; `error` is set when it failed.
struct stream_file {
    std::string bytes;
    std::vector<std::string_view> messages;
    std::string error;
};

/// The corpus directory: $DGW_CORPUS, else the shared corpus beside the checkout.
inline std::string corpus_dir() {
    const char* env = std::getenv("DGW_CORPUS");
    return env && *env ? env : DGW_DEFAULT_CORPUS;
}

/// The whole file at `path`; throws std::runtime_error when it cannot be read.
inline std::string slurp(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error("cannot open " + path + " (set DGW_CORPUS)");
    return std::string(std::istreambuf_iterator<char>(f), {});
}

/// The content of a zstd file (`name` for errors), with or without a recorded size.
inline std::string unzstd(const std::string& z, const std::string& name) {
    const unsigned long long size = ZSTD_getFrameContentSize(z.data(), z.size());
    if (size == ZSTD_CONTENTSIZE_ERROR) throw std::runtime_error(name + ": not a zstd frame");
    if (size != ZSTD_CONTENTSIZE_UNKNOWN) {
        std::string out(static_cast<std::size_t>(size), '\0');
        const std::size_t rc = ZSTD_decompress(out.data(), out.size(), z.data(), z.size());
        if (ZSTD_isError(rc)) throw std::runtime_error(name + ": " + ZSTD_getErrorName(rc));
        out.resize(rc);
        return out;
    }
    // Content size not recorded (e.g. streamed compression): decompress as a stream.
    std::string out;
    ZSTD_DCtx* dctx = ZSTD_createDCtx();
    ZSTD_inBuffer in{z.data(), z.size(), 0};
    std::vector<char> buf(ZSTD_DStreamOutSize());
    std::size_t rc = 1;
    while (in.pos < in.size || rc != 0) {
        ZSTD_outBuffer o{buf.data(), buf.size(), 0};
        rc = ZSTD_decompressStream(dctx, &o, &in);
        if (ZSTD_isError(rc)) {
            ZSTD_freeDCtx(dctx);
            throw std::runtime_error(name + ": " + ZSTD_getErrorName(rc));
        }
        out.append(buf.data(), o.pos);
        if (in.pos == in.size && o.pos == 0 && rc != 0) {
            ZSTD_freeDCtx(dctx);
            throw std::runtime_error(name + ": truncated zstd stream");
        }
    }
    ZSTD_freeDCtx(dctx);
    return out;
}

/// Loads `name` once per run and keeps it, so reading the file is never measured.
inline const stream_file& load(const std::string& name) {
    static std::map<std::string, stream_file> cache;
    auto [it, fresh] = cache.try_emplace(name);
    stream_file& f = it->second;
    if (!fresh) return f;
    std::ifstream in(corpus_dir() + "/" + name, std::ios::binary);
    if (!in) {
        f.error = "cannot open " + corpus_dir() + "/" + name + " (set DGW_CORPUS)";
        return f;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    f.bytes = ss.str();
    const std::string& s = f.bytes;
    std::size_t i = 0;
    while (i + 4 <= s.size()) {
        const auto b = [&](std::size_t k) { return std::size_t(static_cast<unsigned char>(s[i + k])); };
        const std::size_t n = b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
        if (i + 4 + n > s.size()) break;
        f.messages.emplace_back(s.data() + i + 4, n);
        i += 4 + n;
    }
    if (i != s.size()) f.error = name + ": truncated frame";
    return f;
}

} // namespace dgw_bench
