#pragma once
/// One process of a bot whose shards run in many processes or machines, coordinated
/// through Redis: a shard_manager whose shards identify through a redis_identify_queue,
/// resume the sessions a dead predecessor left in the redis_session_store, and publish
/// chosen events to Redis Streams in \@discordjs/brokers' layout.
///
/// Publishing: each chosen dispatch becomes `XADD NAME MAXLEN ~ MAXLEN * data D`,
/// `d` in Discord's JSON shape (snowflakes as strings), msgpack-encoded (what
/// PubSubRedisBroker decodes) or JSON text. Events are batched and written every
/// flush_interval in one MULTI/EXEC together with each shard's session (its last seq), so
/// the stored seq is always that of the last published event: a replacement process
/// resumes from there and Discord replays exactly the events not yet published. If Redis
/// is unreachable the batch is kept and written when it answers, up to max_buffered
/// events; beyond that the oldest are dropped, counted and logged.
///
/// Everything runs on the io_context given: call every member from a thread running it.

#include <dgw/event_type.hpp>
#include <dgw/redis.hpp>
#include <dgw/redis_identify_queue.hpp>
#include <dgw/shard_manager.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace dgw {

/// How published events are encoded.
enum class publish_format {
    msgpack, ///< MessagePack of d (what \@discordjs/brokers decodes by default)
    json,    ///< JSON text of d
};

/// Which events go to Redis Streams, and how.
struct publish_options {
    /// Events published (by type). Unknown names are published too when `unknown` is set.
    event_set events;
    /// Also publish dispatches whose name this build does not know (their raw d, converted).
    bool unknown = false;
    publish_format format = publish_format::msgpack; ///< payload encoding
    std::size_t maxlen = 100000;   ///< MAXLEN ~ of each stream (approximate trimming)
    std::string stream_prefix;     ///< prepended to the event name to form the stream key; empty: brokers' layout
    std::size_t max_buffered = 100000; ///< events kept while Redis is unreachable
};

/// What a cluster_node runs. The node runs its shards on one io_context (manager.threads
/// is ignored): its publishing and session keeping are single-threaded, and a bot that
/// needs more cores runs more processes (process_shards()), each a node.
struct cluster_options {
    std::string redis_url = "redis://127.0.0.1:6379"; ///< redis://[[user]:password@]host[:port][/db]
    std::string prefix = "dgw";                        ///< every key of this bot starts with it
    /// The shards (shard_ids: this process' share, see process_shards()), their options and
    /// the GET /gateway/bot numbers. shared_identify and resume are set by the node.
    shard_manager_options manager;
    /// Identify queue tuning; prefix, limit and log are set by the node.
    redis_identify_options identify;
    /// Batches of events and sessions are written this often.
    std::chrono::milliseconds flush_interval{100};
    /// A session entry lives this long after its last write (redis_session_store).
    std::chrono::seconds session_ttl{180};
    /// Reading the stored sessions at start is retried this often while Redis is down.
    std::chrono::milliseconds load_retry{1000};
    /// Events to publish; empty: none.
    std::optional<publish_options> publish;
    log_hook log; ///< Redis outages, resumes, publish drops; shard logs go through manager.shard.client.log
};

/// The shards with `id % of == index` among [0, shard_count): process `index` of `of`.
std::vector<std::uint32_t> process_shards(std::uint32_t shard_count, std::uint32_t index, std::uint32_t of);

/// Everything a cluster_node can tell an operator, at one instant.
struct cluster_snapshot {
    std::vector<shard_snapshot> shards; ///< shard_manager::snapshot(), with resumed_from_store
    bool redis_up = false;             ///< the Redis connection is up now
    std::uint64_t redis_connects = 0;  ///< Redis connections established
    std::uint64_t redis_failures = 0;  ///< Redis connection attempts that failed
    std::size_t identify_waiting = 0;          ///< identify requests of this process waiting
    std::uint64_t identify_grants = 0;         ///< granted to this process
    std::optional<std::int64_t> identify_budget; ///< the shared daily budget after the last grant
    std::uint64_t published = 0;      ///< events written to streams (EXEC confirmed)
    std::uint64_t publish_dropped = 0; ///< events dropped because Redis stayed down
    std::size_t publish_buffered = 0; ///< events waiting for the next write
    std::uint64_t sessions_written = 0; ///< session entries written
};

/// One process of a bot across machines; see the file comment.
class cluster_node {
public:
    /// `handlers` is copied (register handlers before); the node adds its own for
    /// publishing and session keeping.
    cluster_node(boost::asio::io_context& io, cluster_options options, const event_handlers& handlers);
    ~cluster_node();
    cluster_node(const cluster_node&) = delete;
    cluster_node& operator=(const cluster_node&) = delete;

    /// Connects to Redis, reads this process' stored sessions (retrying while Redis is
    /// down), then starts the shards: those with a stored session resume it.
    void start();
    /// Closes every shard with 1000 (their sessions end, so their entries are deleted),
    /// writes what is buffered, and lets go of Redis: nothing of the node stays pending.
    void shutdown();
    /// Called once per shard when it stops for good.
    void on_stop(std::function<void(std::uint32_t shard_id, const stop&)> cb);

    /// The manager (nullptr until the sessions are loaded and the shards started).
    const shard_manager* manager() const noexcept;
    /// The numbers of this process.
    cluster_snapshot snapshot() const;

private:
    struct impl;
    std::shared_ptr<impl> impl_;
};

} // namespace dgw
