// dgw::cluster from an installed dgw: find_package(dgw COMPONENTS cluster) and pkg-config
// dgw-cluster must both give a program that links hiredis' users and runs.
#include <dgw/cluster_node.hpp>
#include <dgw/metrics.hpp>
#include <dgw/redis.hpp>

#include <cstdio>

int main() {
    const auto e = dgw::redis::parse_url("redis://:secret@127.0.0.1:6380/2");
    const auto ids = dgw::process_shards(32, 1, 4);
    dgw::cluster_snapshot s;
    s.redis_up = true;
    const std::string text = dgw::prometheus_text(s, "process=\"1/4\"");
    const bool ok = e.port == 6380 && e.db == 2 && ids.size() == 8 && ids[1] == 5 &&
                    text.find("dgw_redis_up{process=\"1/4\"} 1") != std::string::npos;
    std::printf("cluster_use: %s\n", ok ? "ok" : "wrong");
    return ok ? 0 : 1;
}
