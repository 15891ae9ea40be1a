// The whole receive pipeline over the big corpus streams, next to decompression alone, in
// one run: zstd-stream + typed ETF decode against zstd-stream alone (etf.zstd), and
// zlib-stream + typed JSON decode against zlib-stream alone (json.zlib). After the table it
// prints "pipeline / decompression alone" in messages per second; the zstd + typed ETF
// pipeline should reach at least 0.55x (issue 4).
//
// Also measured: the pipeline plus re-encoding each message as JSON, which is what
// `dgw decode` does per message; and, for scale, zstd followed by passes over each ETF
// message that store nothing: the envelope only (dgw::decode with no event selected, d
// skipped), etf::reader's token walk, and the raw skip walk (lengths and bounds only).
// They bound what any decoder can reach in this pipeline: one that stores every field
// cannot be cheaper than walking the tokens it stores.
//
// Corpus: DGW_CORPUS (a folder) or the shared corpus; each websocket message is framed as
// u32 big-endian length + bytes. One iteration = one whole connection (reset, then every
// message in order). On a shared machine compare with repetitions and interleaving:
//   bench_pipeline --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true
#include <dgw/compress/zlib_stream.hpp>
#include <dgw/compress/zstd_stream.hpp>
#include <dgw/gateway.hpp>

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "corpus.hpp"
#include "walks.hpp"

namespace {

using dgw_bench::load;
using dgw_bench::stream_file;

enum class stage { decompress, typed, typed_to_json, envelope_only, token_walk, skip_walk };

// A pass over one ETF message that stores nothing; false when it does not walk.
bool walk(std::string_view m, stage st) {
    if (st == stage::token_walk) {
        std::uint64_t tokens = 0;
        const bool ok = dgw_bench::etf_token_walk(m, tokens);
        benchmark::DoNotOptimize(tokens);
        return ok;
    }
    return dgw_bench::etf_skip_walk(m);
}

// One connection per iteration through `Decompressor`, then (by stage) typed decode of
// each message, then JSON re-encoding.
template <class Decompressor>
void bm_pipeline(benchmark::State& state, const char* file, dgw::Encoding enc, stage st) {
    const stream_file& f = load(file);
    if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
    Decompressor dec;
    dgw::GatewayMessage msg;
    dgw::decode_error err;
    std::string json;
    static const dgw::event_set no_events{};
    dgw::decode_options opt;
    if (st == stage::envelope_only) opt.events = &no_events;
    std::uint64_t out_bytes = 0;
    for (auto _ : state) {
        out_bytes = 0;
        dec.reset();
        for (std::string_view m : f.messages) {
            const auto r = dec.feed(m);
            if (!r.has_message()) return state.SkipWithError("decompression failed");
            out_bytes += r.message.size();
            if (st == stage::decompress) {
                benchmark::DoNotOptimize(r.message.data());
                continue;
            }
            if (st == stage::token_walk || st == stage::skip_walk) {
                if (!walk(r.message, st)) return state.SkipWithError("a message did not walk");
                continue;
            }
            if (!dgw::decode(r.message, enc, msg, err, opt)) return state.SkipWithError(err.message().c_str());
            benchmark::DoNotOptimize(&msg);
            if (st == stage::typed_to_json) {
                json.clear();
                if (!dgw::encode(msg, dgw::Encoding::Json, json, err)) return state.SkipWithError(err.message().c_str());
                benchmark::DoNotOptimize(json.data());
            }
        }
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * f.messages.size()));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * out_bytes));
}

// The console table, then each pipeline's rate over its decompression-alone rate.
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
        std::printf("\npipeline / decompression alone (messages/s):\n");
        ratio("zstd+typed_etf/etf.zstd", "zstd/etf.zstd", 0.55);
        ratio("zstd+typed_etf+json/etf.zstd", "zstd/etf.zstd", 0);
        std::printf("  for scale, zstd then a pass that stores nothing:\n");
        ratio("zstd+etf_envelope_only/etf.zstd", "zstd/etf.zstd", 0);
        ratio("zstd+etf_token_walk/etf.zstd", "zstd/etf.zstd", 0);
        ratio("zstd+etf_skip_walk/etf.zstd", "zstd/etf.zstd", 0);
        ratio("zlib+typed_json/json.zlib", "zlib/json.zlib", 0);
        ratio("zlib+typed_json+json/json.zlib", "zlib/json.zlib", 0);
    }

private:
    void ratio(const std::string& pipeline, const std::string& alone, double target) {
        const auto p = rates_.find(pipeline), a = rates_.find(alone);
        if (p == rates_.end() || a == rates_.end() || a->second == 0) return;
        const double r = p->second / a->second;
        std::printf("  %-32s %10.0f msg/s  alone %10.0f msg/s  ratio %.3f", pipeline.c_str(), p->second, a->second, r);
        if (target > 0) std::printf("  (target >= %.2f: %s)", target, r >= target ? "met" : "NOT met");
        std::printf("\n");
    }

    std::map<std::string, double> rates_;
    std::set<std::string> medians_;
};

} // namespace

int main(int argc, char** argv) {
    using dgw::compress::zlib_stream;
    using dgw::compress::zstd_stream;
    const auto reg = [](const char* name, auto fn) { benchmark::RegisterBenchmark(name, fn)->Unit(benchmark::kMillisecond); };
    reg("zstd/etf.zstd", [](benchmark::State& s) { bm_pipeline<zstd_stream>(s, "etf.zstd", dgw::Encoding::Etf, stage::decompress); });
    reg("zstd+typed_etf/etf.zstd", [](benchmark::State& s) { bm_pipeline<zstd_stream>(s, "etf.zstd", dgw::Encoding::Etf, stage::typed); });
    reg("zstd+typed_etf+json/etf.zstd",
        [](benchmark::State& s) { bm_pipeline<zstd_stream>(s, "etf.zstd", dgw::Encoding::Etf, stage::typed_to_json); });
    reg("zstd+etf_envelope_only/etf.zstd",
        [](benchmark::State& s) { bm_pipeline<zstd_stream>(s, "etf.zstd", dgw::Encoding::Etf, stage::envelope_only); });
    reg("zstd+etf_token_walk/etf.zstd",
        [](benchmark::State& s) { bm_pipeline<zstd_stream>(s, "etf.zstd", dgw::Encoding::Etf, stage::token_walk); });
    reg("zstd+etf_skip_walk/etf.zstd",
        [](benchmark::State& s) { bm_pipeline<zstd_stream>(s, "etf.zstd", dgw::Encoding::Etf, stage::skip_walk); });
    reg("zlib/json.zlib", [](benchmark::State& s) { bm_pipeline<zlib_stream>(s, "json.zlib", dgw::Encoding::Json, stage::decompress); });
    reg("zlib+typed_json/json.zlib", [](benchmark::State& s) { bm_pipeline<zlib_stream>(s, "json.zlib", dgw::Encoding::Json, stage::typed); });
    reg("zlib+typed_json+json/json.zlib",
        [](benchmark::State& s) { bm_pipeline<zlib_stream>(s, "json.zlib", dgw::Encoding::Json, stage::typed_to_json); });
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    ratio_reporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();
    return 0;
}
