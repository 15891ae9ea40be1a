// The send path: what the client pays to turn each command it sends by itself (Identify,
// Resume, Heartbeat) into a frame, in JSON and in ETF. Frames are built from generated
// commands:: values by the generated encoder (issue 15); a frame per iteration.
#include <dgw/outbound.hpp>

#include <benchmark/benchmark.h>

#include <string>

namespace {

dgw::identify_params identify() {
    dgw::identify_params p;
    p.token = std::string(72, 't');
    p.intents = dgw::Intents::Guilds | dgw::Intents::GuildMessages | dgw::Intents::MessageContent;
    p.shard_id = 3;
    p.shard_count = 16;
    p.large_threshold = 250;
    dgw::commands::UpdatePresence presence;
    presence.status = "online";
    dgw::commands::UpdatePresenceActivity a;
    a.name = "the gateway";
    presence.activities.push_back(a);
    p.presence = presence;
    return p;
}

void BM_identify(benchmark::State& st, dgw::Encoding enc) {
    const dgw::identify_params p = identify();
    for (auto _ : st) benchmark::DoNotOptimize(dgw::encode_frame(dgw::identify_command(p), enc));
}
void BM_resume(benchmark::State& st, dgw::Encoding enc) {
    dgw::commands::Resume r;
    r.token = std::string(72, 't');
    r.session_id = "0123456789abcdef0123456789abcdef";
    for (auto _ : st) {
        r.seq = 123456;
        benchmark::DoNotOptimize(dgw::encode_frame(r, enc));
    }
}
void BM_heartbeat(benchmark::State& st, dgw::Encoding enc) {
    dgw::commands::Heartbeat h;
    for (auto _ : st) {
        h.d = 123456;
        benchmark::DoNotOptimize(dgw::encode_frame(h, enc));
    }
}

BENCHMARK_CAPTURE(BM_identify, json, dgw::Encoding::Json);
BENCHMARK_CAPTURE(BM_identify, etf, dgw::Encoding::Etf);
BENCHMARK_CAPTURE(BM_resume, json, dgw::Encoding::Json);
BENCHMARK_CAPTURE(BM_resume, etf, dgw::Encoding::Etf);
BENCHMARK_CAPTURE(BM_heartbeat, json, dgw::Encoding::Json);
BENCHMARK_CAPTURE(BM_heartbeat, etf, dgw::Encoding::Etf);

} // namespace

BENCHMARK_MAIN();
