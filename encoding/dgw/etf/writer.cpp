#include <dgw/detail/etf/tags.hpp>
#include <dgw/detail/etf/utf8.hpp>
#include <dgw/etf/writer.hpp>

#include <cstring>
#include <limits>
#include <stdexcept>

namespace dgw::etf {

void writer::put_be16(std::uint32_t v) {
    const char b[2] = {static_cast<char>(v >> 8), static_cast<char>(v)};
    out_.append(b, 2);
}

void writer::put_be32(std::uint32_t v) {
    const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                       static_cast<char>(v)};
    out_.append(b, 4);
}

void writer::put_binary(std::string_view s) {
    if (s.size() > std::numeric_limits<std::uint32_t>::max())
        throw std::length_error("ETF binary longer than 4 GiB");
    put_u8(tag::binary);
    put_be32(static_cast<std::uint32_t>(s.size()));
    out_.append(s);
}

void writer::version() { put_u8(tag::version); }

void writer::begin_map(std::uint32_t n) {
    put_u8(tag::map);
    put_be32(n);
}

void writer::key(std::string_view k) {
    if (opt_.atom_keys)
        atom(k);
    else
        put_binary(k);
}

void writer::push_open(bool nonempty) {
    if (open_ < 64) {
        open_bits_ = (open_bits_ & ~(std::uint64_t{1} << open_)) | (std::uint64_t{nonempty} << open_);
    } else {
        spill_.push_back(nonempty);
    }
    ++open_;
}

void writer::begin_array(std::uint32_t n) {
    if (n == 0) {
        put_u8(tag::nil);
    } else {
        put_u8(tag::list);
        put_be32(n);
    }
    push_open(n != 0);
}

void writer::end_array() {
    if (open_ == 0) throw std::logic_error("etf::writer::end_array without begin_array");
    --open_;
    bool nonempty;
    if (open_ < 64) {
        nonempty = (open_bits_ >> open_) & 1u;
    } else {
        nonempty = spill_.back();
        spill_.pop_back();
    }
    if (nonempty) put_u8(tag::nil);
}

void writer::string(std::string_view s) { put_binary(s); }

void writer::put_big(bool negative, std::uint64_t magnitude) {
    char b[11];
    std::size_t n = 0;
    while (magnitude != 0) {
        b[3 + n++] = static_cast<char>(magnitude & 0xFF);
        magnitude >>= 8;
    }
    b[0] = static_cast<char>(tag::small_big);
    b[1] = static_cast<char>(n);
    b[2] = static_cast<char>(negative ? 1 : 0);
    out_.append(b, 3 + n);
}

void writer::int64(std::int64_t v) {
    if (v >= 0 && v <= 255) {
        put_u8(tag::small_integer);
        put_u8(static_cast<std::uint8_t>(v));
    } else if (v >= std::numeric_limits<std::int32_t>::min() && v <= std::numeric_limits<std::int32_t>::max()) {
        put_u8(tag::integer);
        put_be32(static_cast<std::uint32_t>(v));
    } else if (v < 0) {
        // Negate in unsigned arithmetic so INT64_MIN needs no signed overflow.
        put_big(true, 0 - static_cast<std::uint64_t>(v));
    } else {
        put_big(false, static_cast<std::uint64_t>(v));
    }
}

void writer::uint64(std::uint64_t v) {
    if (v <= static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max()))
        int64(static_cast<std::int64_t>(v));
    else
        put_big(false, v);
}

void writer::float64(double v) {
    std::uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    char b[9];
    b[0] = static_cast<char>(tag::new_float);
    for (int k = 0; k < 8; ++k) b[1 + k] = static_cast<char>(bits >> (56 - 8 * k));
    out_.append(b, 9);
}

void writer::boolean(bool v) { atom(v ? "true" : "false"); }

void writer::null() { atom("nil"); }

void writer::atom(std::string_view a) {
    if (a.size() > std::numeric_limits<std::uint16_t>::max())
        throw std::length_error("ETF atom longer than 65535 bytes");
    put_u8(detail::has_high_bit(a) ? tag::atom_utf8 : tag::atom);
    put_be16(static_cast<std::uint32_t>(a.size()));
    out_.append(a);
}

} // namespace dgw::etf
