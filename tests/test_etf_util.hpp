#pragma once
// Helpers shared by the ETF test suites: byte vectors written like GATEWAY_NOTES §7.3,
// a compact rendering of the token stream, and fixture loading.

#include <dgw/etf/reader.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

namespace etf_test {

/// The `erl` to use as the ETF oracle: DGW_ERL (set by CTest) or the first on PATH; empty
/// if none (suites that need it fail rather than skip: CI installs erlang-base).
inline std::string find_erl() {
    if (const char* e = std::getenv("DGW_ERL"); e && *e && std::string(e).find("NOTFOUND") == std::string::npos)
        return e;
    if (const char* path = std::getenv("PATH")) {
        std::istringstream dirs(path);
        for (std::string d; std::getline(dirs, d, ':');) {
            const std::string p = d + "/erl";
            if (!d.empty() && ::access(p.c_str(), X_OK) == 0) return p;
        }
    }
    return {};
}

/// Runs an Erlang script (file:script) in one `erl` process; returns what it printed.
inline std::string run_erl(const std::string& erl, const std::string& script) {
    const auto dir = std::filesystem::temp_directory_path() / ("dgw_etf_oracle_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto file = dir / "oracle.script";
    std::ofstream(file) << script;
    const std::string cmd = "'" + erl + "' -noshell -eval 'case file:script(\"" + file.string() +
                            "\") of {ok, _} -> halt(0); E -> io:format(\"SCRIPT ERROR ~p~n\", [E]), halt(1) end.' 2>&1";
    std::string out;
    if (FILE* p = ::popen(cmd.c_str(), "r")) {
        char buf[65536];
        for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
        ::pclose(p);
    }
    std::filesystem::remove_all(dir);
    return out;
}

/// Bytes from "83 6D 00 00 00 01 \"d\"": hex pairs and double-quoted text, spaces ignored.
inline std::string bytes(std::string_view spec) {
    std::string out;
    for (std::size_t i = 0; i < spec.size();) {
        const char c = spec[i];
        if (c == ' ' || c == '\n') {
            ++i;
        } else if (c == '"') {
            const std::size_t e = spec.find('"', i + 1);
            if (e == std::string_view::npos) throw std::invalid_argument("unterminated quote");
            out.append(spec.substr(i + 1, e - i - 1));
            i = e + 1;
        } else {
            out.push_back(static_cast<char>(std::stoi(std::string(spec.substr(i, 2)), nullptr, 16)));
            i += 2;
        }
    }
    return out;
}

/// Upper-case hex of `s`, no separators.
inline std::string hex(std::string_view s) {
    static const char* digits = "0123456789ABCDEF";
    std::string out;
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 15]);
    }
    return out;
}

/// Inverse of hex().
inline std::string unhex(std::string_view h) {
    std::string out;
    for (std::size_t i = 0; i + 1 < h.size(); i += 2)
        out.push_back(static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
    return out;
}

/// One token as text: {n }n [n ]n k:key k@:atomkey s:str a:atom i:1 u:1 f:0.5 true false nil $
inline std::string render(const dgw::etf::token& t) {
    using dgw::etf::token_kind;
    switch (t.kind) {
    case token_kind::map_begin: return "{" + std::to_string(t.count);
    case token_kind::map_end: return "}" + std::to_string(t.count);
    case token_kind::array_begin: return "[" + std::to_string(t.count);
    case token_kind::array_end: return "]" + std::to_string(t.count);
    case token_kind::key: return (t.atom ? "k@:" : "k:") + std::string(t.str);
    case token_kind::string: return (t.atom ? "a:" : "s:") + std::string(t.str);
    case token_kind::int64: return "i:" + std::to_string(t.i);
    case token_kind::uint64: return "u:" + std::to_string(t.u);
    case token_kind::float64: {
        std::ostringstream o;
        o << "f:" << t.f;
        return o.str();
    }
    case token_kind::boolean: return t.b ? "true" : "false";
    case token_kind::null: return "nil";
    case token_kind::end: return "$";
    }
    return "?";
}

/// Result of reading a whole message with next().
struct walk_result {
    bool ok = false;
    dgw::decode_error err;
    std::vector<std::string> tokens;
    std::string text() const {
        std::string s;
        for (const auto& t : tokens) s += (s.empty() ? "" : " ") + t;
        return s;
    }
};

/// Reads `in` to the end token (or the first error), bounded so a bug cannot loop forever.
inline walk_result walk(std::string_view in, dgw::etf::limits lim = {}) {
    walk_result r;
    dgw::etf::reader rd(in, lim);
    dgw::etf::token t;
    for (std::size_t n = 0; n < 10 * in.size() + 16; ++n) {
        if (!rd.next(t)) {
            r.err = rd.error();
            return r;
        }
        r.tokens.push_back(render(t));
        if (t.kind == dgw::etf::token_kind::end) {
            r.ok = true;
            return r;
        }
    }
    throw std::runtime_error("reader did not finish");
}

/// Whole file as bytes; throws if it cannot be read.
inline std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error("cannot open " + path);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

/// Splits u32-big-endian-length-framed messages.
inline std::vector<std::string> unframe(std::string_view d) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i + 4 <= d.size()) {
        const std::uint32_t n = (std::uint32_t(static_cast<unsigned char>(d[i])) << 24) |
                                (std::uint32_t(static_cast<unsigned char>(d[i + 1])) << 16) |
                                (std::uint32_t(static_cast<unsigned char>(d[i + 2])) << 8) |
                                std::uint32_t(static_cast<unsigned char>(d[i + 3]));
        if (d.size() - i - 4 < n) throw std::runtime_error("bad framing");
        out.emplace_back(d.substr(i + 4, n));
        i += 4 + n;
    }
    return out;
}

/// The sample gateway messages in tests/fixtures/etf (ten event types from the shared corpus).
inline std::vector<std::string> sample_messages() {
    return unframe(read_file(std::string(DGW_FIXTURES) + "/etf/gateway_sample.etf"));
}

} // namespace etf_test
