#pragma once
/// Many shards of one bot on one io_context, identifying through one shared queue.
///
/// Discord lets a bot identify once per 5 s per concurrency bucket (shard_id %
/// max_concurrency) and a limited number of times a day (session_start_limit, from
/// GET /gateway/bot). The manager gives every shard the same local_identify_queue and
/// wakes it when a bucket frees, so a bot with hundreds of shards starts them all at
/// once and they identify in the order and at the rate Discord allows. Resumes do not
/// count against the budget and never wait.
///
/// Threads: by default every shard runs on the given io_context; call start(), shutdown()
/// and the accessors from a thread running it. With `threads` = N > 1 the manager runs the
/// shards on N threads of its own, one io_context each, shard i on context i % N; the given
/// io_context keeps the manager's own work (the identify queue's timer, stop callbacks).
/// One io_context per thread rather than one shared context with a strand per shard: a
/// shard's handlers always run on the same thread (its buffers and decompressor stay in
/// that core's cache), nothing pays for strand dispatch on every completion, and the shard
/// code stays single-threaded as it is on one io_context.

#include <dgw/identify_queue.hpp>
#include <dgw/shard.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace dgw {

/// What the manager runs.
struct shard_manager_options {
    /// Every shard's options; the manager sets client.identify.shard_id and shard_count,
    /// turns on client.await_identify_permit and points `identify` at its queue.
    shard_options shard;
    /// Total shards of the bot (GET /gateway/bot's `shards`, or more).
    std::uint32_t shard_count = 1;
    /// The shards this process runs; empty: all of [0, shard_count).
    std::vector<std::uint32_t> shard_ids;
    /// GET /gateway/bot's session_start_limit: max_concurrency and the daily budget.
    session_start_limit limit;
    /// Extra time between two Identifies of one bucket, beyond Discord's 5 s
    /// (local_identify_queue::default_margin says why).
    std::chrono::milliseconds identify_margin = local_identify_queue::default_margin;
    /// A queue shared with other processes (redis_identify_queue of dgw::cluster) to use
    /// instead of the manager's local one; it must outlive the manager. nullptr: local.
    dgw::identify_queue* shared_identify = nullptr;
    /// Threads running the shards: 0 or 1 runs them on the io_context given to the manager;
    /// N > 1 starts N threads, each with its own io_context (see the file comment). With
    /// N > 1 the event handlers run on the shards' threads, concurrently: they must be
    /// thread-safe, and shards() must not be read while running (use snapshot()).
    std::size_t threads = 0;
    /// Sessions to resume, by shard id (kept by an earlier process: a session store). A
    /// shard without one identifies; one whose session Discord no longer has identifies
    /// after its op 9.
    std::map<std::uint32_t, session_info> resume;
};

/// One shard's numbers at one instant (shard_manager::snapshot()).
struct shard_snapshot {
    std::uint32_t id = 0;                             ///< shard id
    shard_phase phase = shard_phase::idle;            ///< where it is
    std::optional<std::chrono::milliseconds> latency; ///< last heartbeat round trip
    std::uint64_t dispatches = 0;   ///< dispatches received, across connections
    std::uint64_t connects = 0;     ///< connection attempts
    std::uint64_t resumes = 0;      ///< connections opened to resume (a stored session's included)
    std::uint64_t identifies = 0;   ///< Identify payloads sent
    std::uint64_t reconnects = 0;   ///< connections after the first
    bool resumed_from_store = false; ///< its first connection resumed a session given in options.resume
};

/// The shard of a guild's events: (guild_id >> 22) % shard_count, Discord's formula.
std::uint32_t shard_for_guild(std::uint64_t guild_id, std::uint32_t shard_count) noexcept;

/// Runs the shards of one bot, sharing one identify queue.
class shard_manager {
public:
    /// The shards are made by start(); `handlers` serves all of them (dispatch_info says
    /// which shard an event came from) and must outlive the manager.
    shard_manager(boost::asio::io_context& io, shard_manager_options options, event_handlers& handlers);
    ~shard_manager();
    shard_manager(const shard_manager&) = delete;
    shard_manager& operator=(const shard_manager&) = delete;

    /// Creates and starts every shard (invalid options throw boost::system::system_error with protocol_errc::invalid_config).
    void start();
    /// Shuts every running shard down (close 1000), in whatever phase each is, and drops
    /// the queue's wake-up timer: nothing of the manager stays pending on the io_context.
    void shutdown();

    /// Called once per shard when it stops for good (on the manager's io_context, also with
    /// `threads` > 1).
    void on_stop(std::function<void(std::uint32_t shard_id, const stop&)> cb);

    /// The shards, in shard_ids order (empty before start()).
    const std::vector<std::unique_ptr<shard>>& shards() const noexcept;
    /// The shard with this id, or nullptr.
    shard* find(std::uint32_t shard_id) noexcept;
    /// Shards started and not yet stopped.
    std::size_t running() const noexcept;
    /// The shared identify queue (its remaining() budget, waiting() requests). With
    /// `threads` > 1, read it on the manager's io_context only.
    const local_identify_queue& identify_queue() const noexcept;
    /// The shard that receives `guild_id`'s events (shard_for_guild with this shard_count).
    std::uint32_t shard_for_guild(std::uint64_t guild_id) const noexcept;
    /// Every shard's state, latency and counters, taken on each shard's own thread (with
    /// `threads` > 1 this waits for every pool thread: call it from a thread outside the
    /// pool, e.g. one running the manager's io_context). In shard_ids order.
    std::vector<shard_snapshot> snapshot() const;

private:
    struct impl;
    std::shared_ptr<impl> impl_;
};

} // namespace dgw
