// Typed decoding throughput over the big gateway corpus, next to its baselines in the same run:
//
//   BM_json_boost_parse        boost::json::parse to a value (reused monotonic_resource)
//   BM_json_basic_parser_noop  boost::json::basic_parser with a handler that does nothing (floor)
//   BM_json_typed              dgw::decode(..., Encoding::Json, ...) into the generated types
//   BM_etf_token_walk          dgw::etf::reader token walk, nothing stored (floor)
//   BM_etf_skip_walk           a raw structural walk (the skipper: lengths and bounds only,
//                              no tokens, no UTF-8 check); shown for scale, no target
//   BM_etf_typed               dgw::decode(..., Encoding::Etf, ...) into the generated types
//   BM_json_encode             each typed event's `d` written as JSON (encode_json_value)
//   BM_msgpack_encode          the same values as MessagePack (encode_msgpack_value), as
//                              @discordjs/brokers publish them; out_bytes_per_msg compares sizes
//
// One iteration = every message of the corpus once. items/s = messages/s, bytes/s = input
// bytes/s; "allocs_per_msg" = global operator new calls during the timed loop / messages.
// After the table, the ratios the project targets are printed (computed from this run):
//   typed JSON / boost::json::parse  >= 1.5
//   typed JSON / basic_parser no-op  >= 0.6
//   typed ETF  / ETF token walk      >= 0.5
//
// Corpus: $DGW_CORPUS (a folder), else DGW_DEFAULT_CORPUS; files corpus.jsonl.zst (JSON lines)
// and corpus.etf.zst (u32-BE-length-framed ETF), decompressed and split once at startup.
// On the shared machine: bench_typed --benchmark_min_time=1 [--benchmark_repetitions=5]
// (rates use CPU time; with repetitions the ratios use the mean). The display is always the
// console table (--benchmark_out=... --benchmark_out_format=json still writes a file).
//
// allocs_per_msg counts every global operator new (all variants are replaced below), so it
// includes Boost.JSON's allocations through the default resource.

#include "corpus.hpp"

#include <dgw/describe.hpp>
#include <dgw/encoding.hpp>
#include <dgw/etf/reader.hpp>
#include <dgw/etf/skip.hpp>
#include <dgw/gateway.hpp>

#include <benchmark/benchmark.h>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <zstd.h>

#include "walks.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

// ---------------------------------------------------------------------------------------------
// Heap allocation counter: every global operator new variant bumps a thread-local counter.
// (Thread-local and plain: no atomic RMW on the hot path; the benchmarks are single-threaded.)
namespace {
thread_local std::uint64_t g_allocs = 0;

void* counted_alloc(std::size_t n) {
    ++g_allocs;
    if (n == 0) n = 1;
    if (void* p = std::malloc(n)) return p;
    throw std::bad_alloc();
}
void* counted_alloc_nothrow(std::size_t n) noexcept {
    ++g_allocs;
    return std::malloc(n ? n : 1);
}
void* counted_aligned(std::size_t n, std::align_val_t al) noexcept {
    ++g_allocs;
    std::size_t a = static_cast<std::size_t>(al);
    if (a < sizeof(void*)) a = sizeof(void*);
    void* p = nullptr;
    if (posix_memalign(&p, a, n ? n : 1) != 0) return nullptr;
    return p;
}
} // namespace

void* operator new(std::size_t n) { return counted_alloc(n); }
void* operator new[](std::size_t n) { return counted_alloc(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc_nothrow(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc_nothrow(n); }
void* operator new(std::size_t n, std::align_val_t al) {
    if (void* p = counted_aligned(n, al)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t al) {
    if (void* p = counted_aligned(n, al)) return p;
    throw std::bad_alloc();
}
void* operator new(std::size_t n, std::align_val_t al, const std::nothrow_t&) noexcept { return counted_aligned(n, al); }
void* operator new[](std::size_t n, std::align_val_t al, const std::nothrow_t&) noexcept { return counted_aligned(n, al); }

void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }

namespace {

// ---------------------------------------------------------------------------------------------
// Corpus

struct corpus {
    std::string data;                   // decompressed file
    std::vector<std::string_view> msgs; // one view per message into `data`
    std::size_t bytes = 0;              // sum of message sizes (no newlines / frame headers)
    std::size_t max_msg = 0;
    std::string error;
};

corpus g_json;
corpus g_etf;
double g_tokens_per_msg = 0; // ETF tokens per message, from the token walk (kept out of the
                             // counters so every benchmark shares one console table)

using dgw_bench::corpus_dir;
using dgw_bench::slurp;
using dgw_bench::unzstd;

void add(corpus& c, std::string_view m) {
    c.msgs.push_back(m);
    c.bytes += m.size();
    c.max_msg = std::max(c.max_msg, m.size());
}

void load_json(corpus& c) {
    try {
        c.data = unzstd(slurp(corpus_dir() + "/corpus.jsonl.zst"), "corpus.jsonl.zst");
        std::string_view s = c.data;
        while (!s.empty()) {
            const std::size_t nl = s.find('\n');
            std::string_view line = s.substr(0, nl);
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            if (!line.empty()) add(c, line);
            if (nl == std::string_view::npos) break;
            s.remove_prefix(nl + 1);
        }
        if (c.msgs.empty()) c.error = "corpus.jsonl.zst: no messages";
    } catch (const std::exception& e) {
        c.error = e.what();
    }
}

void load_etf(corpus& c) {
    try {
        c.data = unzstd(slurp(corpus_dir() + "/corpus.etf.zst"), "corpus.etf.zst");
        const std::string& s = c.data;
        std::size_t i = 0;
        while (i + 4 <= s.size()) {
            const auto b = [&](std::size_t k) { return std::size_t(static_cast<unsigned char>(s[i + k])); };
            const std::size_t n = b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
            if (i + 4 + n > s.size()) break;
            add(c, std::string_view(s.data() + i + 4, n));
            i += 4 + n;
        }
        if (i != s.size()) c.error = "corpus.etf.zst: truncated frame";
        else if (c.msgs.empty()) c.error = "corpus.etf.zst: no messages";
    } catch (const std::exception& e) {
        c.error = e.what();
    }
}

// ---------------------------------------------------------------------------------------------
// Common bookkeeping

void finish(benchmark::State& st, const corpus& c, std::uint64_t allocs) {
    const double msgs = static_cast<double>(st.iterations()) * static_cast<double>(c.msgs.size());
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * c.msgs.size()));
    st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * c.bytes));
    st.counters["allocs_per_msg"] = msgs > 0 ? static_cast<double>(allocs) / msgs : 0.0;
}

// Typed decode failures: counted in the loop, reported once after it.
void report_failures(benchmark::State& st, std::uint64_t failures, const dgw::decode_error& first,
                     std::size_t first_index) {
    if (failures == 0) return;
    static std::string msg; // SkipWithError copies, but keep it alive regardless
    msg = std::to_string(failures) + " decode failure(s); first at message #" + std::to_string(first_index) +
          ": " + first.message();
    st.SkipWithError(msg.c_str());
}

// ---------------------------------------------------------------------------------------------
// JSON

// Baseline: parse to a boost::json::value. The monotonic_resource owns one buffer big enough
// for the largest message's DOM, kept across messages (release() keeps the initial buffer),
// so steady state allocates only what parse() itself needs outside the resource.
void BM_json_boost_parse(benchmark::State& st) {
    const corpus& c = g_json;
    if (!c.error.empty()) return st.SkipWithError(c.error.c_str());
    std::vector<unsigned char> buf(std::max<std::size_t>(1u << 20, 8 * c.max_msg));
    boost::json::monotonic_resource mr(buf.data(), buf.size());
    boost::json::storage_ptr sp(&mr);
    std::uint64_t failures = 0;
    std::string first;
    const std::uint64_t a0 = g_allocs;
    for (auto _ : st) {
        for (std::string_view m : c.msgs) {
            boost::system::error_code ec;
            {
                boost::json::value v = boost::json::parse(m, ec, sp);
                benchmark::DoNotOptimize(v);
            }
            if (ec && failures++ == 0) first = ec.message();
            mr.release();
        }
    }
    const std::uint64_t allocs = g_allocs - a0;
    finish(st, c, allocs);
    if (failures) {
        static std::string msg;
        msg = std::to_string(failures) + " parse failure(s); first: " + first;
        st.SkipWithError(msg.c_str());
    }
}

struct noop_handler {
    static constexpr std::size_t max_object_size = std::size_t(-1);
    static constexpr std::size_t max_array_size = std::size_t(-1);
    static constexpr std::size_t max_key_size = std::size_t(-1);
    static constexpr std::size_t max_string_size = std::size_t(-1);
    using ec_t = boost::system::error_code;
    using sv_t = boost::json::string_view;
    bool on_document_begin(ec_t&) { return true; }
    bool on_document_end(ec_t&) { return true; }
    bool on_object_begin(ec_t&) { return true; }
    bool on_object_end(std::size_t, ec_t&) { return true; }
    bool on_array_begin(ec_t&) { return true; }
    bool on_array_end(std::size_t, ec_t&) { return true; }
    bool on_key_part(sv_t, std::size_t, ec_t&) { return true; }
    bool on_key(sv_t, std::size_t, ec_t&) { return true; }
    bool on_string_part(sv_t, std::size_t, ec_t&) { return true; }
    bool on_string(sv_t, std::size_t, ec_t&) { return true; }
    bool on_number_part(sv_t, ec_t&) { return true; }
    bool on_int64(std::int64_t, sv_t, ec_t&) { return true; }
    bool on_uint64(std::uint64_t, sv_t, ec_t&) { return true; }
    bool on_double(double, sv_t, ec_t&) { return true; }
    bool on_bool(bool, ec_t&) { return true; }
    bool on_null(ec_t&) { return true; }
    bool on_comment_part(sv_t, ec_t&) { return true; }
    bool on_comment(sv_t, ec_t&) { return true; }
};

// Floor: Boost.JSON's tokenizer with a handler that does nothing.
void BM_json_basic_parser_noop(benchmark::State& st) {
    const corpus& c = g_json;
    if (!c.error.empty()) return st.SkipWithError(c.error.c_str());
    boost::json::basic_parser<noop_handler> p(boost::json::parse_options{});
    std::uint64_t failures = 0;
    std::string first;
    const std::uint64_t a0 = g_allocs;
    for (auto _ : st) {
        for (std::string_view m : c.msgs) {
            boost::system::error_code ec;
            p.reset();
            const std::size_t n = p.write_some(false, m.data(), m.size(), ec);
            if ((ec || n != m.size() || !p.done()) && failures++ == 0)
                first = ec ? ec.message() : std::string("incomplete parse");
        }
    }
    const std::uint64_t allocs = g_allocs - a0;
    finish(st, c, allocs);
    if (failures) {
        static std::string msg;
        msg = std::to_string(failures) + " parse failure(s); first: " + first;
        st.SkipWithError(msg.c_str());
    }
}

// Typed decode (envelope + whole `d`), JSON or ETF, one GatewayMessage reused across messages.
void typed(benchmark::State& st, const corpus& c, dgw::Encoding enc, const dgw::event_set* only = nullptr,
           bool etf_direct = true, bool keep_unknown = false, bool keep_mismatched = false) {
    if (!c.error.empty()) return st.SkipWithError(c.error.c_str());
    dgw::GatewayMessage out;
    dgw::decode_error err;
    dgw::decode_error first;
    std::size_t first_index = 0;
    std::uint64_t failures = 0;
    dgw::decode_options opt{};
    opt.events = only;
    opt.limits.etf_direct = etf_direct;
    opt.limits.keep_unknown = keep_unknown;
    opt.keep_mismatched = keep_mismatched;
    const std::uint64_t a0 = g_allocs;
    for (auto _ : st) {
        for (std::size_t i = 0; i < c.msgs.size(); ++i) {
            if (!dgw::decode(c.msgs[i], enc, out, err, opt)) [[unlikely]] {
                if (failures++ == 0) {
                    first = err;
                    first_index = i;
                }
            }
            benchmark::DoNotOptimize(out);
        }
    }
    const std::uint64_t allocs = g_allocs - a0;
    finish(st, c, allocs);
    report_failures(st, failures, first, first_index);
}

void BM_json_typed(benchmark::State& st) { typed(st, g_json, dgw::Encoding::Json); }
// With the fields the schema lacks kept in each object's unknown_: what losing nothing costs.
void BM_json_typed_keep_unknown(benchmark::State& st) { typed(st, g_json, dgw::Encoding::Json, nullptr, true, true); }
// With values of the wrong type set aside instead of failing (the client's default).
void BM_json_typed_keep_mismatched(benchmark::State& st) {
    typed(st, g_json, dgw::Encoding::Json, nullptr, true, false, true);
}

// Envelope only: every d skipped (checked, not stored), what a client pays for events
// nobody handles.
const dgw::event_set no_events{};
void BM_json_envelope_only(benchmark::State& st) { typed(st, g_json, dgw::Encoding::Json, &no_events); }

// ---------------------------------------------------------------------------------------------
// ETF

// Floor: the reader's full token walk, nothing stored.
void BM_etf_token_walk(benchmark::State& st) {
    const corpus& c = g_etf;
    if (!c.error.empty()) return st.SkipWithError(c.error.c_str());
    std::uint64_t failures = 0;
    dgw::decode_error first;
    std::size_t first_index = 0;
    std::uint64_t tokens = 0;
    const std::uint64_t a0 = g_allocs;
    for (auto _ : st) {
        for (std::size_t i = 0; i < c.msgs.size(); ++i) {
            if (!dgw_bench::etf_token_walk(c.msgs[i], tokens, failures == 0 ? &first : nullptr)) [[unlikely]] {
                if (failures++ == 0) first_index = i;
            }
        }
        benchmark::DoNotOptimize(tokens);
    }
    const std::uint64_t allocs = g_allocs - a0;
    finish(st, c, allocs);
    if (st.iterations() > 0 && failures == 0) g_tokens_per_msg = static_cast<double>(tokens) / static_cast<double>(st.iterations()) /
                                                 static_cast<double>(c.msgs.size());
    report_failures(st, failures, first, first_index);
}

// The cheapest correct pass over a term: what any ETF decoder pays before it stores anything.
void BM_etf_skip_walk(benchmark::State& st) {
    const corpus& c = g_etf;
    if (!c.error.empty()) return st.SkipWithError(c.error.c_str());
    const std::uint64_t a0 = g_allocs;
    std::uint64_t failures = 0;
    for (auto _ : st) {
        for (std::string_view m : c.msgs) {
            const bool ok = dgw_bench::etf_skip_walk(m);
            benchmark::DoNotOptimize(ok);
            if (!ok) [[unlikely]] ++failures;
        }
    }
    finish(st, c, g_allocs - a0);
    if (failures != 0) st.SkipWithError("a message did not walk");
}

void BM_etf_typed(benchmark::State& st) { typed(st, g_etf, dgw::Encoding::Etf); }
void BM_etf_envelope_only(benchmark::State& st) { typed(st, g_etf, dgw::Encoding::Etf, &no_events); }
// The same decode through etf::reader alone: what the direct byte source (a third ETF
// walker besides the reader and the skipper) buys. Issue 15 allows it only if it pays.
void BM_etf_typed_reader_only(benchmark::State& st) { typed(st, g_etf, dgw::Encoding::Etf, nullptr, false); }
void BM_etf_typed_keep_unknown(benchmark::State& st) { typed(st, g_etf, dgw::Encoding::Etf, nullptr, true, true); }
void BM_etf_typed_keep_mismatched(benchmark::State& st) {
    typed(st, g_etf, dgw::Encoding::Etf, nullptr, true, false, true);
}

BENCHMARK(BM_json_boost_parse);
BENCHMARK(BM_json_basic_parser_noop);
BENCHMARK(BM_json_typed);
BENCHMARK(BM_json_typed_keep_unknown);
BENCHMARK(BM_json_typed_keep_mismatched);
BENCHMARK(BM_json_envelope_only);
BENCHMARK(BM_etf_token_walk);
BENCHMARK(BM_etf_skip_walk);
BENCHMARK(BM_etf_typed);
BENCHMARK(BM_etf_envelope_only);
BENCHMARK(BM_etf_typed_reader_only);
BENCHMARK(BM_etf_typed_keep_unknown);
BENCHMARK(BM_etf_typed_keep_mismatched);

// ---------------------------------------------------------------------------------------------
// Encoding: the typed events of the JSON corpus, decoded once; one iteration writes every
// event's `d` once (RawEvents, the non-dispatch messages, are left out of both).

const std::vector<dgw::GatewayMessage>& typed_events() {
    static const std::vector<dgw::GatewayMessage> all = [] {
        std::vector<dgw::GatewayMessage> v;
        dgw::decode_error err;
        for (const std::string_view m : g_json.msgs) {
            dgw::GatewayMessage msg;
            if (dgw::decode(m, dgw::Encoding::Json, msg, err) && !std::holds_alternative<dgw::RawEvent>(msg.event))
                v.push_back(std::move(msg));
        }
        return v;
    }();
    return all;
}

template <class Write>
void encode_events(benchmark::State& st, Write write) {
    if (!g_json.error.empty()) return st.SkipWithError(g_json.error.c_str());
    const auto& events = typed_events();
    if (events.empty()) return st.SkipWithError("no typed event in the corpus");
    std::string out;
    std::size_t bytes = 0;
    const std::uint64_t a0 = g_allocs;
    for (auto _ : st) {
        for (const dgw::GatewayMessage& m : events) {
            out.clear(); // capacity kept, as a publisher reusing its buffer would
            std::visit(
                [&](const auto& ev) {
                    using T = std::decay_t<decltype(ev)>;
                    if constexpr (!std::is_same_v<T, dgw::RawEvent>) write(dgw::describe<T>(), &ev, out);
                },
                m.event);
            bytes += out.size();
            benchmark::DoNotOptimize(out.data());
        }
    }
    const double n = static_cast<double>(st.iterations()) * static_cast<double>(events.size());
    st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * events.size()));
    st.SetBytesProcessed(static_cast<std::int64_t>(bytes));
    st.counters["allocs_per_msg"] = n > 0 ? static_cast<double>(g_allocs - a0) / n : 0.0;
    st.counters["out_bytes_per_msg"] = n > 0 ? static_cast<double>(bytes) / n : 0.0;
}

void BM_json_encode(benchmark::State& st) {
    encode_events(st, [](const dgw::codec::type_info& ti, const void* p, std::string& out) {
        dgw::codec::encode_json_value(ti, p, out);
    });
}
void BM_msgpack_encode(benchmark::State& st) {
    encode_events(st, [](const dgw::codec::type_info& ti, const void* p, std::string& out) {
        dgw::codec::encode_msgpack_value(ti, p, out);
    });
}
BENCHMARK(BM_json_encode);
BENCHMARK(BM_msgpack_encode);

// ---------------------------------------------------------------------------------------------
// Reporter: the normal console table, plus messages/s and allocs/msg kept per benchmark for
// the ratio summary. With --benchmark_repetitions the "mean" aggregate is used.

struct figures {
    double items_sum = 0, allocs_sum = 0;
    int n = 0;
    double mean_items = -1, mean_allocs = -1;
    bool failed = false;
    double items() const { return mean_items >= 0 ? mean_items : n ? items_sum / n : 0; }
    double allocs() const { return mean_allocs >= 0 ? mean_allocs : n ? allocs_sum / n : 0; }
    bool ok() const { return !failed && (mean_items >= 0 || n > 0); }
};

class ratio_reporter : public benchmark::ConsoleReporter {
public:
    using ConsoleReporter::ConsoleReporter;
    std::map<std::string, figures> results;

    void ReportRuns(const std::vector<Run>& runs) override {
        ConsoleReporter::ReportRuns(runs);
        for (const Run& r : runs) {
            figures& f = results[r.run_name.function_name];
            if (r.error_occurred) {
                f.failed = true;
                continue;
            }
            const auto it = r.counters.find("items_per_second");
            const auto ia = r.counters.find("allocs_per_msg");
            const double items = it != r.counters.end() ? it->second.value : 0;
            const double allocs = ia != r.counters.end() ? ia->second.value : 0;
            if (r.run_type == Run::RT_Aggregate) {
                if (r.aggregate_name == "mean") {
                    f.mean_items = items;
                    f.mean_allocs = allocs;
                }
            } else {
                f.items_sum += items;
                f.allocs_sum += allocs;
                ++f.n;
            }
        }
    }
};

void print_summary(const ratio_reporter& rep) {
    const auto get = [&](const char* name) -> const figures* {
        const auto it = rep.results.find(name);
        return it != rep.results.end() && it->second.ok() ? &it->second : nullptr;
    };
    std::printf("\nCorpus: %zu JSON messages (%.1f MB), %zu ETF messages (%.1f MB), from %s\n",
                g_json.msgs.size(), static_cast<double>(g_json.bytes) / 1e6, g_etf.msgs.size(),
                static_cast<double>(g_etf.bytes) / 1e6, corpus_dir().c_str());

    std::printf("\n%-28s %14s %16s\n", "benchmark", "messages/s", "allocs/message");
    for (const char* name : {"BM_json_boost_parse", "BM_json_basic_parser_noop", "BM_json_typed",
                             "BM_etf_token_walk", "BM_etf_skip_walk", "BM_etf_typed"}) {
        if (const figures* f = get(name))
            std::printf("%-28s %13.3fM %16.4g\n", name, f->items() / 1e6, f->allocs());
        else
            std::printf("%-28s %14s %16s\n", name, "(not run)", "-");
    }

    struct target {
        const char* label;
        const char* num;
        const char* den;
        double goal;
    };
    const target targets[] = {
        {"typed JSON / boost::json::parse", "BM_json_typed", "BM_json_boost_parse", 1.5},
        {"typed JSON / basic_parser no-op", "BM_json_typed", "BM_json_basic_parser_noop", 0.6},
        {"typed ETF  / ETF token walk", "BM_etf_typed", "BM_etf_token_walk", 0.5},
    };
    if (g_tokens_per_msg > 0) std::printf("(ETF token walk: %.1f tokens/message)\n", g_tokens_per_msg);

    std::printf("\n%-34s %8s %8s  %s\n", "ratio (messages/s)", "value", "target", "status");
    for (const target& t : targets) {
        const figures* a = get(t.num);
        const figures* b = get(t.den);
        if (!a || !b || b->items() <= 0) {
            std::printf("%-34s %8s %7.2f+  n/a (a benchmark did not run or failed)\n", t.label, "-", t.goal);
            continue;
        }
        const double r = a->items() / b->items();
        if (r >= t.goal)
            std::printf("%-34s %8.3f %7.2f+  met\n", t.label, r, t.goal);
        else
            std::printf("%-34s %8.3f %7.2f+  MISSED by %.3f (%.0f%% below)\n", t.label, r, t.goal, t.goal - r,
                        100.0 * (t.goal - r) / t.goal);
    }
    if (const figures *a = get("BM_etf_typed"), *b = get("BM_etf_skip_walk"); a && b && b->items() > 0)
        std::printf("%-34s %8.3f %8s  (for scale)\n", "typed ETF  / ETF skip walk", a->items() / b->items(), "-");
    if (const figures *a = get("BM_etf_typed"), *b = get("BM_etf_typed_reader_only"); a && b && b->items() > 0)
        std::printf("%-34s %8.3f %8s  (the direct source's gain)\n", "typed ETF  / reader only", a->items() / b->items(), "-");
    std::fflush(stdout);
}

} // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

    load_json(g_json);
    load_etf(g_etf);
    if (!g_json.error.empty()) std::fprintf(stderr, "JSON corpus: %s\n", g_json.error.c_str());
    if (!g_etf.error.empty()) std::fprintf(stderr, "ETF corpus: %s\n", g_etf.error.c_str());

    auto opts = benchmark::ConsoleReporter::OO_Tabular;
    if (isatty(STDOUT_FILENO))
        opts = static_cast<benchmark::ConsoleReporter::OutputOptions>(opts | benchmark::ConsoleReporter::OO_Color);
    ratio_reporter rep(opts);
    benchmark::RunSpecifiedBenchmarks(&rep);
    print_summary(rep);
    benchmark::Shutdown();
    return 0;
}
