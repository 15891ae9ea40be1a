// Transport decompression throughput over the big corpus streams: our zlib_stream and
// zstd_stream next to the bare libz / libzstd loop, in the same run, so the wrapper's
// cost reads directly as a ratio (printed after the table).
//
// Corpus: DGW_CORPUS (a folder) or the shared corpus; files etf.zstd, json.zstd,
// etf.zlib, json.zlib, each websocket message framed as u32 big-endian length + bytes.
// One iteration = one whole connection (reset, then every message in order).
// On a shared machine, compare with repetitions and interleaving:
//   bench_compress --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true
#include <dgw/compress/decompressor.hpp>
#include <dgw/compress/zlib_stream.hpp>
#include <dgw/compress/zstd_stream.hpp>

#include <benchmark/benchmark.h>
#include <zlib.h>
#include <zstd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "corpus.hpp"

namespace {

using dgw_bench::load;
using dgw_bench::stream_file;

void finish(benchmark::State& state, const stream_file& f, std::uint64_t out_bytes_per_pass) {
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * f.messages.size()));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * out_bytes_per_pass));
    state.counters["compressed_bytes_per_second"] = benchmark::Counter(
        static_cast<double>(state.iterations()) * static_cast<double>(f.bytes.size() - 4 * f.messages.size()),
        benchmark::Counter::kIsRate);
}

// Our decompressor, called through its concrete (final) type or through the interface.
template <class Decompressor, bool through_interface>
void bm_dgw(benchmark::State& state, const char* file) {
    const stream_file& f = load(file);
    if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
    Decompressor concrete;
    dgw::compress::decompressor& iface = concrete;
    std::uint64_t out = 0;
    for (auto _ : state) {
        out = 0;
        concrete.reset();
        for (std::string_view m : f.messages) {
            const auto r = through_interface ? iface.feed(m) : concrete.feed(m);
            if (!r.has_message()) return state.SkipWithError("decompression failed");
            out += r.message.size();
            benchmark::DoNotOptimize(r.message.data());
        }
    }
    finish(state, f, out);
}

// The bare libz loop of GATEWAY_NOTES 6.2: one inflate per websocket message into a
// buffer grown on demand, no suffix bookkeeping, no limits, no counters.
void bm_raw_zlib(benchmark::State& state, const char* file) {
    const stream_file& f = load(file);
    if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
    z_stream z{};
    inflateInit(&z);
    std::vector<unsigned char> buf(64u << 10);
    std::uint64_t out = 0;
    for (auto _ : state) {
        out = 0;
        inflateReset(&z);
        for (std::string_view m : f.messages) {
            z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(m.data()));
            z.avail_in = static_cast<uInt>(m.size());
            std::size_t got = 0;
            for (;;) {
                if (got == buf.size()) buf.resize(buf.size() * 2);
                z.next_out = buf.data() + got;
                z.avail_out = static_cast<uInt>(buf.size() - got);
                const int rc = inflate(&z, Z_SYNC_FLUSH);
                got = buf.size() - z.avail_out;
                if (rc != Z_OK && rc != Z_BUF_ERROR) return state.SkipWithError("inflate failed");
                if (z.avail_in == 0 && z.avail_out != 0) break;
            }
            out += got;
            benchmark::DoNotOptimize(buf.data());
        }
    }
    inflateEnd(&z);
    finish(state, f, out);
}

// The bare libzstd loop of GATEWAY_NOTES 6.3.
void bm_raw_zstd(benchmark::State& state, const char* file) {
    const stream_file& f = load(file);
    if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
    ZSTD_DCtx* d = ZSTD_createDCtx();
    std::vector<char> buf(64u << 10);
    std::uint64_t out = 0;
    for (auto _ : state) {
        out = 0;
        ZSTD_DCtx_reset(d, ZSTD_reset_session_only);
        for (std::string_view m : f.messages) {
            ZSTD_inBuffer in{m.data(), m.size(), 0};
            std::size_t got = 0;
            for (;;) {
                if (got == buf.size()) buf.resize(buf.size() * 2);
                ZSTD_outBuffer o{buf.data() + got, buf.size() - got, 0};
                const std::size_t r = ZSTD_decompressStream(d, &o, &in);
                if (ZSTD_isError(r)) return state.SkipWithError(ZSTD_getErrorName(r));
                got += o.pos;
                if (in.pos == in.size && o.pos < o.size) break;
            }
            out += got;
            benchmark::DoNotOptimize(buf.data());
        }
    }
    ZSTD_freeDCtx(d);
    finish(state, f, out);
}

// The console table, then "ours / raw" per corpus file from the same run.
class ratio_reporter : public benchmark::ConsoleReporter {
public:
    void ReportRuns(const std::vector<Run>& runs) override {
        ConsoleReporter::ReportRuns(runs);
        // With --benchmark_repetitions the median aggregate stands for the benchmark.
        for (const Run& r : runs) {
            if (r.error_occurred) continue;
            const bool median = r.run_type == Run::RT_Aggregate && r.aggregate_name == "median";
            if (r.run_type != Run::RT_Iteration && !median) continue;
            const auto it = r.counters.find("items_per_second");
            if (it == r.counters.end()) continue;
            const std::string name = r.run_name.str();
            if (median || !medians_.count(name)) rates_[name] = it->second.value;
            if (median) medians_.insert(name);
        }
    }
    void Finalize() override {
        ConsoleReporter::Finalize();
        std::printf("\nratio to the bare library loop (messages/s, >1.00 = faster than raw):\n");
        for (const auto& [name, rate] : rates_) {
            if (name.rfind("dgw", 0) != 0) continue;
            const std::string file = name.substr(name.find('/') + 1);
            const auto raw = rates_.find("raw/" + file);
            if (raw == rates_.end() || raw->second == 0) continue;
            std::printf("  %-28s %10.0f msg/s  raw %10.0f msg/s  ratio %.3f\n", name.c_str(), rate, raw->second,
                        rate / raw->second);
        }
    }

private:
    std::map<std::string, double> rates_;
    std::set<std::string> medians_;
};

} // namespace

int main(int argc, char** argv) {
    using dgw::compress::zlib_stream;
    using dgw::compress::zstd_stream;
    for (const char* file : {"etf.zstd", "json.zstd"}) {
        benchmark::RegisterBenchmark((std::string("raw/") + file).c_str(), bm_raw_zstd, file);
        benchmark::RegisterBenchmark((std::string("dgw/") + file).c_str(), bm_dgw<zstd_stream, false>, file);
        benchmark::RegisterBenchmark((std::string("dgw_iface/") + file).c_str(), bm_dgw<zstd_stream, true>, file);
    }
    for (const char* file : {"etf.zlib", "json.zlib"}) {
        benchmark::RegisterBenchmark((std::string("raw/") + file).c_str(), bm_raw_zlib, file);
        benchmark::RegisterBenchmark((std::string("dgw/") + file).c_str(), bm_dgw<zlib_stream, false>, file);
        benchmark::RegisterBenchmark((std::string("dgw_iface/") + file).c_str(), bm_dgw<zlib_stream, true>, file);
    }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    ratio_reporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();
    return 0;
}
