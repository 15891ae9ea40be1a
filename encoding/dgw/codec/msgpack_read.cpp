// MessagePack to JSON text: the reverse of the msgpack writer, for workers that read what
// cluster_node published (the `d` of an event) and decode it with the typed JSON decoder.
//
// Hand-written rather than msgpuck's decoder: msgpuck trusts its input once mp_check() has
// passed, and a second full pass for that check would cost as much as the conversion; here
// every length is checked against what is left, in one pass, with the byte offset of the
// first problem in the error.
#include <dgw/codec/encode.hpp>
#include <dgw/detail/etf/utf8.hpp>
#include <dgw/detail/json/text.hpp>
#include <dgw/error.hpp>

#include <cstring>

namespace dgw::codec {
namespace {

class reader {
public:
    reader(std::string_view in, std::string& out, decode_error& err) : in_(in), out_(out), err_(err) {}

    bool value(std::size_t depth) {
        if (depth >= max_depth) return fail(codec_errc::too_deep, "nested deeper than 512 levels");
        std::uint8_t b = 0;
        if (!byte(b)) return false;
        if (b <= 0x7f) return json::append_uint(out_, b), true;
        if (b >= 0xe0) return json::append_int(out_, static_cast<std::int8_t>(b)), true;
        if ((b & 0xf0) == 0x80) return map(b & 0x0f, depth);
        if ((b & 0xf0) == 0x90) return array(b & 0x0f, depth);
        if ((b & 0xe0) == 0xa0) return string(b & 0x1f);
        std::uint64_t n = 0;
        switch (b) {
        case 0xc0: out_ += "null"; return true;
        case 0xc2: out_ += "false"; return true;
        case 0xc3: out_ += "true"; return true;
        case 0xca: {
            std::uint32_t bits = 0;
            if (!be(4, n)) return false;
            bits = static_cast<std::uint32_t>(n);
            float f;
            std::memcpy(&f, &bits, 4);
            json::append_double(out_, f);
            return true;
        }
        case 0xcb: {
            if (!be(8, n)) return false;
            double d;
            std::memcpy(&d, &n, 8);
            json::append_double(out_, d);
            return true;
        }
        case 0xcc: return be(1, n) && (json::append_uint(out_, n), true);
        case 0xcd: return be(2, n) && (json::append_uint(out_, n), true);
        case 0xce: return be(4, n) && (json::append_uint(out_, n), true);
        case 0xcf: return be(8, n) && (json::append_uint(out_, n), true);
        case 0xd0: return be(1, n) && (json::append_int(out_, static_cast<std::int8_t>(n)), true);
        case 0xd1: return be(2, n) && (json::append_int(out_, static_cast<std::int16_t>(n)), true);
        case 0xd2: return be(4, n) && (json::append_int(out_, static_cast<std::int32_t>(n)), true);
        case 0xd3: return be(8, n) && (json::append_int(out_, static_cast<std::int64_t>(n)), true);
        case 0xd9: return be(1, n) && string(n);
        case 0xda: return be(2, n) && string(n);
        case 0xdb: return be(4, n) && string(n);
        case 0xdc: return be(2, n) && array(n, depth);
        case 0xdd: return be(4, n) && array(n, depth);
        case 0xde: return be(2, n) && map(n, depth);
        case 0xdf: return be(4, n) && map(n, depth);
        default:
            --pos_;
            return fail(codec_errc::syntax, (b >= 0xc4 && b <= 0xc6)   ? "binary data has no JSON form"
                                            : (b >= 0xc7 && b <= 0xd8) ? "extension types have no JSON form"
                                                                       : "0xc1 is not a MessagePack type");
        }
    }

    bool finish() {
        if (pos_ != in_.size()) return fail(codec_errc::trailing_data, "extra data after the MessagePack value");
        return true;
    }

    static constexpr std::size_t max_depth = 512;

private:
    bool fail(codec_errc c, const char* what) { return err_.fail(c, pos_, {}, what); }

    bool byte(std::uint8_t& b) {
        if (pos_ >= in_.size()) return fail(codec_errc::truncated, "input ends inside a value");
        b = static_cast<std::uint8_t>(in_[pos_++]);
        return true;
    }

    bool be(std::size_t bytes, std::uint64_t& v) {
        if (in_.size() - pos_ < bytes) return fail(codec_errc::truncated, "input ends inside a value");
        v = 0;
        for (std::size_t i = 0; i < bytes; ++i) v = (v << 8) | static_cast<std::uint8_t>(in_[pos_++]);
        return true;
    }

    bool string(std::uint64_t n) {
        if (in_.size() - pos_ < n) return fail(codec_errc::truncated, "a string is longer than the input left");
        const std::string_view s = in_.substr(pos_, static_cast<std::size_t>(n));
        if (const std::size_t bad = etf::detail::invalid_utf8_at(s); bad != s.size()) {
            pos_ += bad;
            return fail(codec_errc::invalid_utf8, "a string that is not UTF-8");
        }
        pos_ += s.size();
        json::append_string(out_, s);
        return true;
    }

    bool array(std::uint64_t n, std::size_t depth) {
        // Each element takes at least a byte: a count beyond the input is a lie, caught
        // before looping on it.
        if (n > in_.size() - pos_) return fail(codec_errc::truncated, "an array counts more elements than bytes left");
        out_ += '[';
        for (std::uint64_t i = 0; i < n; ++i) {
            if (i) out_ += ',';
            if (!value(depth + 1)) return false;
        }
        out_ += ']';
        return true;
    }

    bool map(std::uint64_t n, std::size_t depth) {
        if (n > (in_.size() - pos_) / 2) return fail(codec_errc::truncated, "a map counts more pairs than bytes left");
        out_ += '{';
        for (std::uint64_t i = 0; i < n; ++i) {
            if (i) out_ += ',';
            // JSON keys are strings; so are the keys of everything dgw publishes.
            const std::size_t key_at = pos_;
            std::uint8_t b = 0;
            if (!byte(b)) return false;
            std::uint64_t len = 0;
            bool ok = true;
            if ((b & 0xe0) == 0xa0) len = b & 0x1f;
            else if (b == 0xd9) ok = be(1, len);
            else if (b == 0xda) ok = be(2, len);
            else if (b == 0xdb) ok = be(4, len);
            else {
                pos_ = key_at;
                return fail(codec_errc::type_mismatch, "a map key that is not a string has no JSON form");
            }
            if (!ok || !string(len)) return false;
            out_ += ':';
            if (!value(depth + 1)) return false;
        }
        out_ += '}';
        return true;
    }

    std::string_view in_;
    std::size_t pos_ = 0;
    std::string& out_;
    decode_error& err_;
};

} // namespace

bool msgpack_to_json_text(std::string_view msgpack, std::string& out, decode_error& err) {
    err = {};
    const std::size_t start = out.size();
    reader r(msgpack, out, err);
    if (r.value(0) && r.finish()) return true;
    out.resize(start);
    return false;
}

} // namespace dgw::codec
