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
/// Like shard, everything runs on the given io_context: call start(), shutdown() and
/// the accessors from a thread running it.

#include <dgw/identify_queue.hpp>
#include <dgw/shard.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
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
    /// Sessions to resume, by shard id (kept by an earlier process: a session store). A
    /// shard without one identifies; one whose session Discord no longer has identifies
    /// after its op 9.
    std::map<std::uint32_t, session_info> resume;
};

/// Runs the shards of one bot on one io_context, sharing one identify queue.
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

    /// Called once per shard when it stops for good.
    void on_stop(std::function<void(std::uint32_t shard_id, const stop&)> cb);

    /// The shards, in shard_ids order (empty before start()).
    const std::vector<std::unique_ptr<shard>>& shards() const noexcept;
    /// The shard with this id, or nullptr.
    shard* find(std::uint32_t shard_id) noexcept;
    /// Shards started and not yet stopped.
    std::size_t running() const noexcept;
    /// The shared identify queue (its remaining() budget, waiting() requests).
    const local_identify_queue& identify_queue() const noexcept;

private:
    struct impl;
    std::shared_ptr<impl> impl_;
};

} // namespace dgw
