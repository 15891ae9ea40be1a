#pragma once
/// `dgw connect`: runs one shard (or a shard_manager) against a gateway and prints every
/// dispatch as one line of JSON, as `dgw decode` prints it; optionally records the session
/// in the capture format.

#include <dgw/encoding.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dgw::tool {

/// Exit status of `dgw connect`: a shard stopped on a close code that forbids reconnecting
/// (4004, 4010-4014); stderr names the code.
inline constexpr int exit_fatal_close = 3;
/// Exit status of `dgw connect`: the session could not start (GET /gateway/bot failed, the
/// gateway URL is unusable).
inline constexpr int exit_no_session = 4;

/// `dgw connect`.
struct connect_options {
    std::string url;                  ///< --url; empty: GET /gateway/bot's url
    std::string api_base;             ///< --api-base: where GET /gateway/bot goes (tests); empty: Discord's
    std::string encoding = "json";    ///< --encoding json|etf
    std::string compress = "zlib-stream"; ///< --compress none|zlib-stream|zstd-stream
    std::vector<std::string> events;  ///< --events: which dispatches to print
    std::string intents;              ///< --intents: names or a number; empty: derived
    bool raw = false;                 ///< --raw: generic conversion instead of the typed round trip
    std::string unknown = "keep";     ///< --unknown keep|drop
    big_integers big = big_integers::string; ///< --big-integers
    std::optional<std::uint32_t> shards;     ///< --shards: total shard count
    std::vector<std::uint32_t> shard_ids;    ///< --shard-ids: the shards this process runs
    std::optional<std::uint32_t> max_concurrency; ///< --max-concurrency (without GET /gateway/bot)
    std::string log_level = "info";   ///< --log-level debug|info|warning|error|off
    std::string capture;              ///< --capture FILE: record the session
    std::string backoff;              ///< --backoff INITIAL[,MAX]: reconnect back-off (test gateways)
    std::string invalid_session_delay; ///< --invalid-session-delay: op 9 d=false wait (test gateways)
    // Across processes (dgw::cluster):
    std::string cluster;              ///< --cluster redis://HOST:PORT: identify queue and sessions in Redis
    std::string process;              ///< --process K/M: run the shards with id % M == K
    std::string prefix = "dgw";       ///< --prefix: Redis keys of this bot
    std::vector<std::string> publish; ///< --publish MESSAGE_CREATE,...|all: events to Redis Streams
    std::string publish_format = "msgpack"; ///< --publish-format msgpack|json
    std::size_t publish_maxlen = 100000;    ///< --publish-maxlen: MAXLEN ~ per stream
    std::string identify_period;      ///< --identify-period: bucket window (a test gateway's; Discord: 5s)
    std::string metrics;              ///< --metrics HOST:PORT: Prometheus text at GET /metrics
};

/// Runs `dgw connect` until SIGINT/SIGTERM or a fatal close; returns the exit status.
int run_connect(const connect_options& o);

} // namespace dgw::tool
