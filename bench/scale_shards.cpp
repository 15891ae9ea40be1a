// How much one connected shard costs: a shard_manager of N shards against a local gateway
// (bench/scale_shards.py starts `dgw gateway serve --shards N`), all connected and idle.
// Prints one JSON line: resident memory before and after connecting, per shard, and CPU
// time per idle shard over a window, for one io_context or a pool of threads.
//
//   scale_shards --url ws://127.0.0.1:PORT --shards 1000 --threads 2 --compress zstd-stream --idle 20
#include <dgw/shard_manager.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include <sys/resource.h>

namespace {

long rss_kib() {
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
    return -1;
}

double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

} // namespace

int main(int argc, char** argv) {
    std::string url, compress = "zlib-stream";
    unsigned shards = 100, threads = 0, idle = 10;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i], v = argv[i + 1];
        if (k == "--url") url = v;
        else if (k == "--shards") shards = static_cast<unsigned>(std::stoul(v));
        else if (k == "--threads") threads = static_cast<unsigned>(std::stoul(v));
        else if (k == "--compress") compress = v;
        else if (k == "--idle") idle = static_cast<unsigned>(std::stoul(v));
    }
    if (url.empty()) {
        std::fprintf(stderr, "usage: scale_shards --url ws://HOST:PORT [--shards N] [--threads T] [--compress C] [--idle S]\n");
        return 2;
    }
    boost::asio::io_context io;
    dgw::event_handlers handlers;
    dgw::shard_manager_options o;
    o.shard.client.identify.token = "bench";
    o.shard.client.gateway_url = url;
    o.shard.client.compression = compress == "zstd-stream" ? dgw::transport_compression::zstd_stream
                                                          : dgw::transport_compression::zlib_stream;
    o.shard_count = shards;
    o.limit.max_concurrency = shards; // the local gateway enforces no bucket (--identify-interval-ms 0)
    o.limit.remaining = o.limit.total = 100000;
    o.identify_margin = std::chrono::milliseconds(0);
    o.threads = threads;
    const long rss0 = rss_kib();
    dgw::shard_manager m(io, o, handlers);
    m.start();
    const auto t0 = std::chrono::steady_clock::now();
    boost::asio::steady_timer tick(io);
    long rss1 = 0;
    double cpu1 = 0, connect_s = 0;
    int phase = 0; // 0 connecting, 1 idle window, 2 done
    std::function<void()> check = [&] {
        tick.expires_after(std::chrono::milliseconds(100));
        tick.async_wait([&](boost::system::error_code ec) {
            if (ec) return;
            if (phase == 0) {
                std::size_t up = 0;
                for (const auto& s : m.snapshot()) up += s.phase == dgw::shard_phase::connected;
                if (up == shards) {
                    connect_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                    rss1 = rss_kib();
                    cpu1 = cpu_seconds();
                    phase = 1;
                    tick.expires_after(std::chrono::seconds(idle));
                    tick.async_wait([&](boost::system::error_code e2) {
                        if (e2) return;
                        const double cpu = cpu_seconds() - cpu1;
                        std::printf("{\"shards\":%u,\"threads\":%u,\"compress\":\"%s\",\"connect_s\":%.2f,"
                                    "\"rss_before_kib\":%ld,\"rss_connected_kib\":%ld,\"kib_per_shard\":%.1f,"
                                    "\"idle_s\":%u,\"idle_cpu_s\":%.3f,\"cpu_us_per_shard_per_s\":%.2f}\n",
                                    shards, threads, compress.c_str(), connect_s, rss0, rss1,
                                    static_cast<double>(rss1 - rss0) / shards, idle, cpu,
                                    cpu / idle / shards * 1e6);
                        std::fflush(stdout);
                        phase = 2;
                        m.shutdown();
                    });
                    return;
                }
                if (std::chrono::steady_clock::now() - t0 > std::chrono::seconds(120)) {
                    std::fprintf(stderr, "scale_shards: only %zu of %u shards connected within 120 s\n", up, shards);
                    std::exit(1);
                }
            }
            check();
        });
    };
    check();
    io.run();
    return 0;
}
