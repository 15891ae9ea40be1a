// What publishing events to Redis Streams costs, per event of the big shared corpus
// (corpus.jsonl.zst), against decoding alone:
//   BM_decode            dgw::decode of each gateway message into the generated types
//   BM_decode_msgpack    + each typed event's d written as MessagePack (encode_msgpack_value)
//   BM_decode_publish    + XADD <name> MAXLEN ~ 100000 * data <d> to a real redis-server, 256
//                        per MULTI/EXEC as cluster_node writes them; an iteration ends when
//                        Redis has answered every EXEC
// One iteration = every message once; items/s = messages/s. The redis-server is started on
// loopback (tests/redis_server.cpp); without one, BM_decode_publish is skipped.
// After the table: the cost of each step per message, and publish / decode.

#include "corpus.hpp"
#include "../tests/redis_server.hpp"

#include <dgw/codec/encode.hpp>
#include <dgw/gateway.hpp>
#include <dgw/redis.hpp>

#include <benchmark/benchmark.h>

#include <boost/asio/io_context.hpp>

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace {

struct corpus {
    std::string data;
    std::vector<std::string_view> msgs;
    std::string error;
};

const corpus& json_corpus() {
    static const corpus c = [] {
        corpus c;
        try {
            c.data = dgw_bench::unzstd(dgw_bench::slurp(dgw_bench::corpus_dir() + "/corpus.jsonl.zst"), "corpus.jsonl.zst");
            std::string_view s = c.data;
            while (!s.empty()) {
                const std::size_t nl = s.find('\n');
                if (nl != 0) c.msgs.push_back(s.substr(0, nl));
                if (nl == std::string_view::npos) break;
                s.remove_prefix(nl + 1);
            }
        } catch (const std::exception& e) {
            c.error = e.what();
        }
        return c;
    }();
    return c;
}

std::map<std::string, double> g_ns_per_msg; // benchmark -> CPU ns per message (last run)

enum class step { decode, encode, publish };

void run(benchmark::State& st, step what) {
    const corpus& c = json_corpus();
    if (!c.error.empty()) return st.SkipWithError(c.error.c_str());
    std::unique_ptr<dgw_test::redis_server> srv;
    std::unique_ptr<boost::asio::io_context> io;
    std::unique_ptr<dgw::redis::connection> conn;
    if (what == step::publish) {
        try {
            srv = std::make_unique<dgw_test::redis_server>();
        } catch (const std::exception& e) {
            return st.SkipWithError(e.what());
        }
        io = std::make_unique<boost::asio::io_context>();
        dgw::redis::connection_options o;
        o.where = dgw::redis::parse_url(srv->url());
        conn = std::make_unique<dgw::redis::connection>(*io, o);
        conn->start();
    }
    dgw::GatewayMessage m;
    dgw::decode_error err;
    std::string payload;
    std::uint64_t published = 0, failures = 0;
    for (auto _ : st) {
        std::size_t in_tx = 0, pending = 0;
        for (const std::string_view msg : c.msgs) {
            if (!dgw::decode(msg, dgw::Encoding::Json, m, err)) continue;
            if (what == step::decode || m.op != 0) continue;
            const dgw::codec::payload_ref d = dgw::payload_of(m.event);
            if (!d.ti) continue;
            payload.clear();
            dgw::codec::encode_msgpack_value(*d.ti, d.obj, payload);
            benchmark::DoNotOptimize(payload.data());
            if (what != step::publish) continue;
            if (in_tx == 0) conn->command({"MULTI"}, [](boost::system::error_code, dgw::redis::reply) {});
            conn->command({"XADD", m.t, "MAXLEN", "~", "100000", "*", "data", payload},
                          [](boost::system::error_code, dgw::redis::reply) {});
            ++published;
            if (++in_tx == 256) {
                ++pending;
                conn->command({"EXEC"}, [&](boost::system::error_code ec, dgw::redis::reply) {
                    --pending;
                    failures += ec ? 1 : 0;
                });
                in_tx = 0;
                io->poll(); // let replies in as they come, as the node's io_context would
            }
        }
        if (what == step::publish) {
            if (in_tx) {
                ++pending;
                conn->command({"EXEC"}, [&](boost::system::error_code ec, dgw::redis::reply) {
                    --pending;
                    failures += ec ? 1 : 0;
                });
            }
            while (pending) io->run_one();
        }
    }
    const double n = static_cast<double>(st.iterations()) * static_cast<double>(c.msgs.size());
    st.SetItemsProcessed(static_cast<std::int64_t>(n));
    if (what == step::publish) {
        st.counters["published_per_iter"] = static_cast<double>(published) / static_cast<double>(st.iterations());
        if (failures) st.SkipWithError("an EXEC failed");
    }
}

void BM_decode(benchmark::State& st) { run(st, step::decode); }
void BM_decode_msgpack(benchmark::State& st) { run(st, step::encode); }
// Real time: most of the cost is Redis' and the socket's, outside this process' CPU time.
void BM_decode_publish(benchmark::State& st) { run(st, step::publish); }

BENCHMARK(BM_decode)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_decode_msgpack)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_decode_publish)->Unit(benchmark::kMillisecond)->UseRealTime();

} // namespace

BENCHMARK_MAIN();
