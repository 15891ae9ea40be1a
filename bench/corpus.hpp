#pragma once
// Shared by the bench programs: loading framed corpus files (u32 big-endian length + bytes
// per message) from ../shared/corpus/data, or from $DGW_CORPUS.

#include <cstdlib>
#include <fstream>
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
