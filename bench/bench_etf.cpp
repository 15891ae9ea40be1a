// ETF reader throughput over the shared gateway corpus, against memcpy of the same bytes.
//
// Each iteration processes every message of a corpus once; bytes/s and items/s (messages)
// come out per benchmark. Corpora:
//   small: $DGW_ETF_FILE, else <corpus dir>/corpus_small.etf (u32-BE-length-framed ETF)
//   big:   <corpus dir>/corpus.etf.zst (the same framing, zstd-compressed; inflated here)
// The corpus dir is $DGW_CORPUS, else DGW_DEFAULT_CORPUS (../shared/corpus/data).
#include <dgw/etf/json.hpp>
#include <dgw/etf/reader.hpp>

#include <benchmark/benchmark.h>
#include <boost/json/monotonic_resource.hpp>
#include <zstd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

struct corpus {
    std::string data;
    std::vector<std::string_view> msgs;
    std::size_t bytes = 0;
    std::string error;
};

std::string corpus_dir() {
    if (const char* d = std::getenv("DGW_CORPUS"); d && *d) return d;
    return DGW_DEFAULT_CORPUS;
}

std::string slurp(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error("cannot open " + path);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

// zstd CLI output may omit the content size, so decompress as a stream.
std::string unzstd(const std::string& z) {
    std::string out;
    ZSTD_DCtx* dctx = ZSTD_createDCtx();
    ZSTD_inBuffer in{z.data(), z.size(), 0};
    std::vector<char> buf(ZSTD_DStreamOutSize());
    while (in.pos < in.size) {
        ZSTD_outBuffer o{buf.data(), buf.size(), 0};
        const std::size_t rc = ZSTD_decompressStream(dctx, &o, &in);
        if (ZSTD_isError(rc)) {
            ZSTD_freeDCtx(dctx);
            throw std::runtime_error(ZSTD_getErrorName(rc));
        }
        out.append(buf.data(), o.pos);
    }
    ZSTD_freeDCtx(dctx);
    return out;
}

corpus load(const std::string& path, bool zstd) {
    corpus c;
    try {
        c.data = zstd ? unzstd(slurp(path)) : slurp(path);
    } catch (const std::exception& e) {
        c.error = e.what();
        return c;
    }
    const std::string_view d = c.data;
    for (std::size_t i = 0; i + 4 <= d.size();) {
        std::uint32_t n = 0;
        for (int k = 0; k < 4; ++k) n = (n << 8) | static_cast<unsigned char>(d[i + k]);
        if (d.size() - i - 4 < n) break;
        c.msgs.push_back(d.substr(i + 4, n));
        c.bytes += n;
        i += 4 + n;
    }
    return c;
}

const corpus& small_corpus() {
    static const corpus c = [] {
        if (const char* f = std::getenv("DGW_ETF_FILE"); f && *f) return load(f, false);
        return load(corpus_dir() + "/corpus_small.etf", false);
    }();
    return c;
}

const corpus& big_corpus() {
    static const corpus c = load(corpus_dir() + "/corpus.etf.zst", true);
    return c;
}

using getter = const corpus& (*)();

bool ready(benchmark::State& st, const corpus& c) {
    if (!c.error.empty() || c.msgs.empty()) {
        st.SkipWithError(c.error.empty() ? "empty corpus" : c.error.c_str());
        return false;
    }
    return true;
}

void finish(benchmark::State& st, const corpus& c) {
    st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * c.bytes));
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * c.msgs.size()));
}

// Baseline: touching every byte once, as any decoder must at least do.
void BM_memcpy(benchmark::State& st, getter g) {
    const corpus& c = g();
    if (!ready(st, c)) return;
    std::string buf(273362 * 2, '\0');
    for (auto _ : st) {
        for (const auto m : c.msgs) {
            if (m.size() > buf.size()) buf.resize(m.size());
            std::memcpy(buf.data(), m.data(), m.size());
            benchmark::DoNotOptimize(buf.data());
            benchmark::ClobberMemory();
        }
    }
    finish(st, c);
}

// The reader's full token walk: what a typed decoder costs before it stores anything.
void BM_walk(benchmark::State& st, getter g) {
    const corpus& c = g();
    if (!ready(st, c)) return;
    std::size_t tokens = 0;
    for (auto _ : st) {
        for (const auto m : c.msgs) {
            dgw::etf::reader r(m);
            dgw::etf::token t;
            while (r.next(t) && t.kind != dgw::etf::token_kind::end) ++tokens;
            if (r.error()) st.SkipWithError(r.error().message().c_str());
            benchmark::DoNotOptimize(t);
        }
    }
    st.counters["tokens/msg"] = static_cast<double>(tokens) / static_cast<double>(st.iterations() * c.msgs.size());
    finish(st, c);
}

// skip_value over the whole message: the cost of ignoring an event nobody subscribed to.
void BM_skip(benchmark::State& st, getter g) {
    const corpus& c = g();
    if (!ready(st, c)) return;
    for (auto _ : st) {
        for (const auto m : c.msgs) {
            dgw::etf::reader r(m);
            dgw::etf::token t;
            if (!r.skip_value() || !r.next(t)) st.SkipWithError(r.error().message().c_str());
            benchmark::DoNotOptimize(r.offset());
        }
    }
    finish(st, c);
}

// Generic DOM conversion with the default allocator.
void BM_to_json(benchmark::State& st, getter g) {
    const corpus& c = g();
    if (!ready(st, c)) return;
    for (auto _ : st) {
        for (const auto m : c.msgs) {
            dgw::decode_error ec;
            auto v = dgw::etf::to_json(m, ec);
            if (ec) st.SkipWithError(ec.message().c_str());
            benchmark::DoNotOptimize(v);
        }
    }
    finish(st, c);
}

// The same with a per-message monotonic arena, as a caller that drops the DOM soon would use.
void BM_to_json_monotonic(benchmark::State& st, getter g) {
    const corpus& c = g();
    if (!ready(st, c)) return;
    unsigned char arena[16384];
    for (auto _ : st) {
        for (const auto m : c.msgs) {
            boost::json::monotonic_resource mr(arena, sizeof arena);
            dgw::decode_error ec;
            auto v = dgw::etf::to_json(m, ec, {}, &mr);
            if (ec) st.SkipWithError(ec.message().c_str());
            benchmark::DoNotOptimize(v);
        }
    }
    finish(st, c);
}

} // namespace

BENCHMARK_CAPTURE(BM_memcpy, small, &small_corpus)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_walk, small, &small_corpus)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_skip, small, &small_corpus)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_to_json, small, &small_corpus)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_to_json_monotonic, small, &small_corpus)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_memcpy, big, &big_corpus)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_walk, big, &big_corpus)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_skip, big, &big_corpus)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_to_json, big, &big_corpus)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_to_json_monotonic, big, &big_corpus)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
