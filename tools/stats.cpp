#include "stats.hpp"

#include <dgw/opcode.hpp>

#include <algorithm>
#include <cstdio>
#include <vector>

namespace dgw::tool {

namespace {

// 1234567 -> "1,234,567": byte counts are easier to compare with separators.
std::string grouped(std::uint64_t v) {
    std::string s = std::to_string(v);
    for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<std::size_t>(i), ",");
    return s;
}

void appendf(std::string& out, const char* fmt, auto... args) {
    char buf[512];
    const int n = std::snprintf(buf, sizeof buf, fmt, args...);
    if (n > 0) out.append(buf, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof buf - 1));
}

} // namespace

void stats::add(std::string_view key, std::uint64_t bytes, std::uint64_t wire, double decode_s) {
    auto it = rows_.find(key);
    if (it == rows_.end()) it = rows_.emplace(std::string(key), row{}).first;
    row& r = it->second;
    ++r.messages;
    r.bytes += bytes;
    r.wire += wire;
    r.decode_s += decode_s;
}

std::string stats::key(std::int64_t op, std::string_view t) {
    if (op == 0) return t.empty() ? std::string("(dispatch without t)") : std::string(t);
    std::string k = "op " + std::to_string(op);
    const std::string_view name = op >= 0 ? to_string(static_cast<Opcode>(op)) : std::string_view{};
    if (!name.empty()) k += " (" + std::string(name) + ")";
    return k;
}

void stats::print(std::string& out, const run_summary& s) const {
    std::vector<std::pair<std::string_view, const row*>> sorted;
    row total;
    for (const auto& [k, r] : rows_) {
        sorted.emplace_back(k, &r);
        total.messages += r.messages;
        total.bytes += r.bytes;
        total.wire += r.wire;
        total.decode_s += r.decode_s;
    }
    // Most frequent first; ties by name so the table is stable.
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
        return a.second->messages != b.second->messages ? a.second->messages > b.second->messages : a.first < b.first;
    });
    const bool wire = total.wire > 0;
    std::size_t width = 5;
    for (const auto& [k, r] : sorted) width = std::max(width, k.size());
    const int w = static_cast<int>(width);

    out += '\n';
    appendf(out, "%-*s %9s %14s", w, "event", "messages", "bytes");
    if (wire) appendf(out, " %14s", "wire bytes");
    appendf(out, " %11s %9s\n", "decode ms", "us/msg");
    auto line = [&](std::string_view k, const row& r) {
        appendf(out, "%-*.*s %9llu %14s", w, static_cast<int>(k.size()), k.data(),
                static_cast<unsigned long long>(r.messages), grouped(r.bytes).c_str());
        if (wire) appendf(out, " %14s", grouped(r.wire).c_str());
        appendf(out, " %11.2f %9.2f\n", r.decode_s * 1e3, r.messages ? r.decode_s * 1e6 / double(r.messages) : 0.0);
    };
    for (const auto& [k, r] : sorted) line(k, *r);
    line("total", total);

    out += '\n';
    appendf(out, "input: %s, %s bytes read\n", s.input.c_str(), grouped(s.input_bytes).c_str());
    if (s.transport.compressed > 0) {
        const double ratio = double(s.transport.decompressed) / double(s.transport.compressed);
        appendf(out, "transport: %s compressed -> %s decompressed bytes (%.2fx)\n",
                grouped(s.transport.compressed).c_str(), grouped(s.transport.decompressed).c_str(), ratio);
    }
    appendf(out, "messages: %llu decoded, %llu printed, %llu errors\n",
            static_cast<unsigned long long>(total.messages), static_cast<unsigned long long>(s.printed),
            static_cast<unsigned long long>(s.errors));
    const double rate = s.wall_s > 0 ? double(total.messages) / s.wall_s : 0;
    appendf(out, "time: read+decompress %.1f ms, decode %.1f ms, output %.1f ms, total %.1f ms (%.0f msg/s)\n",
            s.read_s * 1e3, s.decode_s * 1e3, s.output_s * 1e3, s.wall_s * 1e3, rate);
}

} // namespace dgw::tool
