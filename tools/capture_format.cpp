#include "capture_format.hpp"

#include "common.hpp"

namespace dgw::tool::capture {

void write_header(std::string& out, const file_header& h) {
    out.append(magic);
    append_be(out, h.version, 2);
    append_be(out, header_size_v1, 2);
    out.push_back(static_cast<char>(h.encoding));
    out.push_back(static_cast<char>(h.compression));
    append_be(out, h.flags, 2);
    append_be(out, static_cast<std::uint64_t>(h.created_us), 8);
}

std::optional<file_header> parse_header(std::string_view in, std::string& why) {
    if (in.size() < magic.size() || in.substr(0, magic.size()) != magic) {
        why = "not a dgw capture (bad magic)";
        return std::nullopt;
    }
    if (in.size() < header_size_v1) {
        why = "truncated capture header";
        return std::nullopt;
    }
    file_header h;
    h.version = load_be16(in.data() + 8);
    if (h.version != version) {
        why = "capture version " + std::to_string(h.version) + " is not supported (this dgw reads version " +
              std::to_string(version) + ")";
        return std::nullopt;
    }
    h.header_size = load_be16(in.data() + 10);
    if (h.header_size < header_size_v1) {
        why = "capture header size " + std::to_string(h.header_size) + " is below the minimum " +
              std::to_string(header_size_v1);
        return std::nullopt;
    }
    const auto enc = static_cast<unsigned char>(in[12]);
    const auto comp = static_cast<unsigned char>(in[13]);
    if (enc > 2) {
        why = "unknown payload encoding " + std::to_string(enc) + " in capture header";
        return std::nullopt;
    }
    if (comp > 2) {
        why = "unknown compression " + std::to_string(comp) + " in capture header";
        return std::nullopt;
    }
    h.encoding = static_cast<encoding>(enc);
    h.compression = static_cast<compression>(comp);
    h.flags = load_be16(in.data() + 14);
    h.created_us = static_cast<std::int64_t>(load_be64(in.data() + 16));
    return h;
}

void write_record_header(std::string& out, const record_header& r) {
    append_be(out, r.length, 4);
    out.push_back(static_cast<char>(r.direction));
    out.push_back(static_cast<char>(r.opcode));
    append_be(out, r.flags, 2);
    append_be(out, static_cast<std::uint64_t>(r.timestamp_us), 8);
}

record_header parse_record_header(std::string_view in) noexcept {
    record_header r;
    r.length = load_be32(in.data());
    r.direction = static_cast<direction>(static_cast<unsigned char>(in[4]));
    r.opcode = static_cast<ws_opcode>(static_cast<unsigned char>(in[5]));
    r.flags = load_be16(in.data() + 6);
    r.timestamp_us = static_cast<std::int64_t>(load_be64(in.data() + 8));
    return r;
}

std::string_view to_string(compression c) noexcept {
    switch (c) {
    case compression::none: return "none";
    case compression::zlib_stream: return "zlib-stream";
    case compression::zstd_stream: return "zstd-stream";
    }
    return "?";
}

std::string_view to_string(encoding e) noexcept {
    switch (e) {
    case encoding::unknown: return "unknown";
    case encoding::json: return "json";
    case encoding::etf: return "etf";
    }
    return "?";
}

} // namespace dgw::tool::capture
