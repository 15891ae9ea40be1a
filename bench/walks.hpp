#pragma once
// Passes over one ETF message that store nothing, shared by bench_typed (as baselines) and
// bench_pipeline (as the floor of the pipeline).

#include <dgw/error.hpp>
#include <dgw/etf/reader.hpp>
#include <dgw/etf/skip.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace dgw_bench {

/// etf::reader's full token walk; adds the tokens read to `tokens`. On failure `err`
/// (when given) receives the reader's error.
inline bool etf_token_walk(std::string_view m, std::uint64_t& tokens, dgw::decode_error* err = nullptr) {
    dgw::etf::reader r(m);
    dgw::etf::token t;
    bool ok;
    while ((ok = r.next(t)) && t.kind != dgw::etf::token_kind::end) ++tokens;
    if (!ok && err) *err = r.error();
    return ok;
}

/// The raw structural walk: lengths and bounds only, no tokens, no UTF-8 check.
inline bool etf_skip_walk(std::string_view m) {
    std::size_t pos = 1; // after the version byte
    dgw::etf::detail::skip_fault f;
    return dgw::etf::detail::skip_terms(m, pos, 1, f) && pos == m.size();
}

} // namespace dgw_bench
