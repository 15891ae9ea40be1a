// reader::skip_value and COMPRESSED handling; the token path is in reader.cpp.
#include <dgw/detail/etf/byte_io.hpp>
#include <dgw/etf/reader.hpp>
#include <dgw/etf/skip.hpp>
#include <dgw/detail/etf/tags.hpp>

#include <zlib.h>

#include <climits>

namespace dgw::etf {

using detail::be16;
using detail::be32;
using detail::u8;

bool reader::skip_value() {
    if (failed_) return false;
    if (!started_ && !start()) return false;
    if (depth_ == 0) {
        if (top_read_) return fail(etf_errc::unexpected_type, pos_, "no value to skip: the term has ended");
        top_read_ = true;
    } else {
        frame& f = frames_[depth_ - 1];
        auto none = [&] { return fail(etf_errc::unexpected_type, pos_, "no value to skip: the container ends here"); };
        switch (f.state) {
        case frame_state::map_key:
            if (f.remaining == 0) return none();
            f.state = frame_state::map_value;
            break;
        case frame_state::map_value:
            f.state = frame_state::map_key;
            --f.remaining;
            break;
        case frame_state::list:
            if (f.remaining != 0) {
                --f.remaining;
                break;
            }
            if (pos_ >= data_.size()) return fail(etf_errc::truncated, pos_, "expected the list tail");
            if (u8(data_, pos_) == tag::nil) return none();
            f.state = frame_state::list_closing;
            break;
        case frame_state::list_closing:
            return none();
        case frame_state::tuple:
            if (f.remaining == 0) return none();
            --f.remaining;
            break;
        case frame_state::bytes:
            // The bounds of the whole STRING_EXT were checked when it was opened.
            if (f.remaining == 0) return none();
            --f.remaining;
            ++pos_;
            return true;
        }
    }
    return skip_terms(1);
}

// The loop itself is shared with the typed decoder's direct source (etf/skip.hpp); this
// only turns its fault into the reader's error.
bool reader::skip_terms(std::uint64_t pending) {
    detail::skip_fault f;
    // The containers already open count against the depth limit, as when reading.
    if (detail::skip_terms(data_, pos_, pending, f, lim_.max_depth - depth_)) return true;
    using w = detail::skip_fault::what;
    switch (f.w) {
    case w::no_term: return fail(etf_errc::truncated, f.at, "expected a term");
    case w::header: return need(f.at, f.need);
    case w::length: return need_length(f.at, f.len, f.need);
    case w::compressed:
        return fail(etf_errc::unknown_tag, f.at, "COMPRESSED (tag 80) is only allowed directly after the version byte");
    case w::too_deep: return fail(etf_errc::too_deep, f.at, "depth limit ", lim_.max_depth);
    case w::unknown_tag: break;
    }
    return fail(etf_errc::unknown_tag, f.at, "tag ", f.tag);
}

bool reader::inflate_message(std::string_view input, std::string& out, decode_error& err, limits lim) {
    reader r(input, lim);
    if (!r.start()) {
        err = r.err_;
        return false;
    }
    out.clear();
    out.reserve(r.data_.size() + 1);
    out.push_back(static_cast<char>(tag::version));
    out.append(r.data_);
    return true;
}

bool reader::inflate_compressed() {
    constexpr std::size_t at = 1;
    if (!need(at, 5)) return false;
    const std::uint32_t size = be32(data_, at + 1);
    if (size > lim_.max_compressed_size)
        return fail_text(etf_errc::compressed_too_large, at,
                    "declared size " + std::to_string(size) + " exceeds the limit " +
                        std::to_string(lim_.max_compressed_size));
    const std::string_view z = data_.substr(at + 5);
    // Deflate cannot expand data more than about 1032:1, so a size the compressed bytes
    // could never produce is rejected before allocating for it.
    if (size == 0 || size / 1032 > z.size() + 64 || z.size() > UINT_MAX)
        return fail_text(etf_errc::compressed_corrupt, at,
                    "declared size " + std::to_string(size) + " is impossible for " + std::to_string(z.size()) +
                        " compressed bytes");
    std::unique_ptr<char[]> out(new char[size]);
    z_stream zs{};
    if (inflateInit(&zs) != Z_OK) return fail(etf_errc::compressed_corrupt, at, "inflateInit failed");
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(z.data()));
    zs.avail_in = static_cast<uInt>(z.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.get());
    zs.avail_out = size;
    const int rc = inflate(&zs, Z_FINISH);
    const uLong produced = zs.total_out;
    const uInt left_in = zs.avail_in;
    const uInt left_out = zs.avail_out;
    inflateEnd(&zs);
    if (rc != Z_STREAM_END) {
        // Input used up before the stream's end (even with the output full) is truncation.
        if (rc == Z_BUF_ERROR && left_in == 0)
            return fail(etf_errc::truncated, at, "zlib data ends early");
        if (left_out == 0)
            return fail_text(etf_errc::compressed_corrupt, at,
                        "inflates to more than the declared " + std::to_string(size) + " bytes");
        return fail_text(etf_errc::compressed_corrupt, at, "zlib error " + std::to_string(rc));
    }
    if (produced != size)
        return fail_text(etf_errc::compressed_corrupt, at,
                    "inflated to " + std::to_string(produced) + " bytes, declared " + std::to_string(size));
    if (left_in != 0)
        return fail_text(etf_errc::trailing_data, data_.size() - left_in,
                    std::to_string(left_in) + " bytes after the zlib stream");
    inflated_ = std::move(out);
    data_ = std::string_view(inflated_.get(), size);
    pos_ = 0;
    return true;
}

} // namespace dgw::etf
