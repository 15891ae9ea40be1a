#pragma once
/// The identify queue of a bot whose shards run in several processes or machines, kept in
/// Redis: the same identify_queue interface as local_identify_queue, with its rules held
/// across every process that uses the same Redis and key prefix.
///
/// Rules, each decided by one Lua script run atomically by Redis (so two processes asking
/// at once cannot both win):
/// - one Identify per bucket (shard_id % max_concurrency) per bucket_period + margin. The
///   grant sets the bucket's lease key with that expiry, so a process that dies right
///   after a grant holds the bucket no longer than one period;
/// - within a bucket, the lowest shard id waiting goes first (Discord's start order). Each
///   waiting place names its process, whose alive key is renewed every poll_interval; when
///   the process dies the key expires (waiter_ttl) and the shards behind its places stop
///   waiting for them;
/// - the daily session_start_limit is one counter for the bot, decremented once per grant.
///   The first process to find none seeds it from its GET /gateway/bot numbers, with the
///   counter expiring at the reset; afterwards every process reads the shared one.
///
/// Only the lowest waiting shard of each bucket in a process runs the script (every
/// poll_interval, or when the bucket's lease ends); the others wait in the process, their
/// places in Redis all the same. So a process with hundreds of waiting shards costs Redis a
/// few script runs per poll, not one per shard.
///
/// Redis unreachable: nothing is granted (a grant needs Redis to agree), the error is
/// logged once per outage by the connection, and each bucket's head asks again every
/// poll_interval, so recovery grants at the normal pace, never in a burst.
///
/// Keys: PREFIX:identify:budget, PREFIX:identify:bucket:B (lease),
/// PREFIX:identify:waiting:B (sorted set of shard ids), PREFIX:identify:owners (hash:
/// shard id to process token), PREFIX:identify:alive:TOKEN.
/// The script touches keys it derives from its arguments, so it targets one Redis server
/// (or one Redis Cluster slot with a hash-tagged prefix such as "{mybot}").

#include <dgw/identify_queue.hpp>
#include <dgw/log.hpp>
#include <dgw/redis.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace dgw {

/// How a redis_identify_queue behaves.
struct redis_identify_options {
    /// Every key starts with it: one prefix per bot.
    std::string prefix = "dgw";
    /// This process' GET /gateway/bot numbers: max_concurrency, and the budget that seeds
    /// the shared counter when Redis has none.
    session_start_limit limit;
    /// Discord's window per bucket; only a test against a faster gateway changes it.
    std::chrono::milliseconds bucket_period{5000};
    /// Added to bucket_period (local_identify_queue::default_margin says why).
    std::chrono::milliseconds margin = local_identify_queue::default_margin;
    /// A bucket's head asks Redis again at least this often (sooner when the bucket's
    /// lease says when it frees), and the process renews its alive key this often.
    std::chrono::milliseconds poll_interval{250};
    /// How long this process' places outlive its last renewal (after a kill -9).
    std::chrono::milliseconds waiter_ttl{2000};
    /// After enroll(), this process' requests wait this long before asking Redis, so that
    /// processes started together have all declared their shards first: each bucket then
    /// starts in shard order across them even when one of them was slow to start. A process
    /// started later than that takes its place in the line as it is.
    std::chrono::milliseconds settle{1000};
    log_hook log; ///< optional: grants (debug), an exhausted budget (error)
};

/// Counters of a redis_identify_queue.
struct redis_identify_stats {
    std::uint64_t grants = 0;        ///< identifies granted to this process
    std::uint64_t attempts = 0;      ///< script runs (one bucket head's ask each)
    std::uint64_t redis_errors = 0;  ///< script runs that got no answer (Redis down) or an error
    std::optional<std::int64_t> remaining; ///< the shared budget after this process' last grant
    std::size_t waiting = 0;         ///< requests of this process waiting now
};

/// identify_queue shared through Redis; see the file comment for the rules.
class redis_identify_queue final : public identify_queue {
public:
    /// A queue using `redis` (which must outlive it and be started by the caller).
    redis_identify_queue(boost::asio::io_context& io, redis::connection& redis, redis_identify_options options);
    ~redis_identify_queue() override;
    redis_identify_queue(const redis_identify_queue&) = delete;
    redis_identify_queue& operator=(const redis_identify_queue&) = delete;

    /// Asks Redis for `shard_id`'s turn; `on_grant` runs on the io_context once granted.
    ticket request(std::uint32_t shard_id, std::function<void()> on_grant) override;
    /// Withdraws a waiting request and its place in the bucket's line.
    void cancel(ticket t) override;
    /// Declares shards about to start, before they connect: until each has been granted
    /// (or leave() is called for it), it holds back the higher ids of its bucket in every
    /// process, as if it were already waiting. Without it, a shard of a process that starts
    /// a little later would identify after higher ids of its bucket. Enroll only shards that
    /// will identify (not those resuming a stored session).
    void enroll(const std::vector<std::uint32_t>& shard_ids);
    /// Stops `shard_id` holding others back (it stopped for good, or resumed instead).
    void leave(std::uint32_t shard_id);

    /// Withdraws every request; nothing of the queue stays pending on the io_context.
    void shutdown();

    /// Counters and the last budget seen.
    redis_identify_stats stats() const;

private:
    struct impl;
    std::shared_ptr<impl> impl_;
};

} // namespace dgw
