// decode_capture FILE [--limit N]: decodes a capture of gateway traffic into the generated
// types and prints each message as one line of typed JSON, then a table per event type.
// FILE holds u32-big-endian-length-framed messages (JSON or ETF, detected per message:
// ETF starts with byte 131) or JSON lines. Until the `dgw` tool exists this is the main job.
#include <dgw/gateway.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::vector<std::string_view> split_frames(std::string_view all) {
    std::vector<std::string_view> out;
    const bool framed = all.size() >= 5 && (static_cast<unsigned char>(all[4]) == 131 || all[4] == '{');
    if (!framed) {
        std::size_t p = 0;
        while (p < all.size()) {
            std::size_t e = all.find('\n', p);
            if (e == std::string_view::npos) e = all.size();
            if (e > p) out.push_back(all.substr(p, e - p));
            p = e + 1;
        }
        return out;
    }
    std::size_t p = 0;
    while (p + 4 <= all.size()) {
        const auto* b = reinterpret_cast<const unsigned char*>(all.data() + p);
        const std::size_t n = (std::size_t(b[0]) << 24) | (std::size_t(b[1]) << 16) | (std::size_t(b[2]) << 8) | b[3];
        if (p + 4 + n > all.size()) {
            std::fprintf(stderr, "truncated frame at byte %zu\n", p);
            break;
        }
        out.push_back(all.substr(p + 4, n));
        p += 4 + n;
    }
    return out;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: decode_capture FILE [--limit N]\n");
        return 2;
    }
    std::size_t limit = 5;
    for (int i = 2; i + 1 < argc; ++i)
        if (std::strcmp(argv[i], "--limit") == 0) limit = std::stoul(argv[i + 1]);
    std::ifstream f(argv[1], std::ios::binary);
    if (!f) {
        std::fprintf(stderr, "cannot open %s\n", argv[1]);
        return 2;
    }
    std::stringstream ss;
    ss << f.rdbuf();
    const std::string all = ss.str();

    struct row { std::size_t n = 0, bytes = 0; };
    std::map<std::string, row> stats;
    std::size_t failures = 0, printed = 0, index = 0;
    dgw::GatewayMessage msg;
    dgw::decode_error err;
    std::string line;
    auto t0 = std::chrono::steady_clock::now();
    for (std::string_view frame : split_frames(all)) {
        const auto enc = !frame.empty() && static_cast<unsigned char>(frame[0]) == 131 ? dgw::Encoding::Etf
                                                                                       : dgw::Encoding::Json;
        if (!dgw::decode(frame, enc, msg, err)) {
            std::fprintf(stderr, "message %zu: %s\n", index, err.message().c_str());
            ++failures;
        } else {
            std::string key = msg.op == 0 ? msg.t : "op " + std::to_string(msg.op);
            auto& r = stats[key];
            ++r.n;
            r.bytes += frame.size();
            if (printed < limit) {
                line.clear();
                if (!dgw::encode(msg, dgw::Encoding::Json, line, err)) line = "(not printable: " + err.message() + ")";
                if (line.size() > 300) line = line.substr(0, 300) + "...";
                std::cout << line << "\n";
                ++printed;
            }
        }
        ++index;
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("\n%-40s %8s %12s\n", "event", "messages", "bytes");
    for (auto& [k, r] : stats) std::printf("%-40s %8zu %12zu\n", k.c_str(), r.n, r.bytes);
    std::printf("\n%zu messages (%zu failed), %zu bytes, decoded in %.1f ms\n", index, failures, all.size(), secs * 1e3);
    return failures ? 1 : 0;
}
