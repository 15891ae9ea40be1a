// libFuzzer target for the ETF reader: token walk, skip_value, to_json and a re-encode.
// Beyond "no crash, no sanitizer report" it checks invariants that tie the paths together:
//  - the walk and to_json agree on success;
//  - whatever the walk accepts, skip_value (which checks less) accepts too;
//  - to_json(from_json(v)) == v for every decoded v.
#include <dgw/etf/json.hpp>
#include <dgw/etf/reader.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

bool walk(std::string_view in, const dgw::etf::limits& lim) {
    dgw::etf::reader r(in, lim);
    dgw::etf::token t;
    while (r.next(t))
        if (t.kind == dgw::etf::token_kind::end) return true;
    return false;
}

// Alternates next() and skip_value() so skipping starts from every kind of position.
void mixed(std::string_view in, const dgw::etf::limits& lim) {
    dgw::etf::reader r(in, lim);
    dgw::etf::token t;
    for (unsigned k = 0;; ++k) {
        if (k % 3 == 2) {
            if (!r.skip_value() && r.error().code != dgw::etf_errc::unexpected_type) return;
            if (r.error()) return;
        } else if (!r.next(t) || t.kind == dgw::etf::token_kind::end) {
            return;
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    dgw::etf::limits lim;
    lim.max_depth = 64;
    lim.max_compressed_size = 1u << 20; // keep the fuzzer's memory bounded

    const bool walked = walk(in, lim);

    dgw::etf::reader s(in, lim);
    dgw::etf::token t;
    const bool skipped = s.skip_value() && s.next(t) && t.kind == dgw::etf::token_kind::end;
    if (walked && !skipped) __builtin_trap();

    mixed(in, lim);

    dgw::decode_error ec;
    const auto v = dgw::etf::to_json(in, ec, lim);
    if (walked == static_cast<bool>(ec)) __builtin_trap();
    if (!ec) {
        std::string again;
        dgw::etf::from_json(v, again);
        dgw::decode_error ec2;
        dgw::etf::limits deep = lim;
        deep.max_depth = 1u << 20;
        deep.max_compressed_size = 0; // from_json never writes COMPRESSED
        const auto w = dgw::etf::to_json(again, ec2, deep);
        if (ec2 || w != v) __builtin_trap();
    }
    return 0;
}
