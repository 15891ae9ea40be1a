#pragma once
/// Permission to send Identify: Discord's concurrency buckets and daily session budget.
///
/// Identifying too fast earns an op 9; exhausting session_start_limit terminates every
/// session and resets the token. So each client asks a queue before its Identify (its
/// request_identify action) and identifies only once granted (identify_granted input).
/// The interface is a callback, small enough for a distributed implementation (a shared
/// service for many processes) to come later; local_identify_queue is the in-process one.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <set>
#include <vector>

namespace dgw {

/// Grants Identify permissions; implementations decide when.
class identify_queue {
public:
    /// Identifies one request, for cancel().
    using ticket = std::uint64_t;

    virtual ~identify_queue() = default;

    /// Asks to identify `shard_id`; `on_grant` runs exactly once when allowed, possibly
    /// before request() returns. It may call request() or cancel() itself.
    virtual ticket request(std::uint32_t shard_id, std::function<void()> on_grant) = 0;

    /// Withdraws a request that has not been granted (its connection died); no-op otherwise.
    virtual void cancel(ticket t) = 0;
};

/// The session_start_limit object of GET /gateway/bot.
struct session_start_limit {
    std::uint32_t total = 1000;              ///< Identifies allowed per reset period
    std::uint32_t remaining = 1000;          ///< Identifies left now
    std::chrono::milliseconds reset_after{0}; ///< until remaining returns to total (from the fetch)
    std::uint32_t max_concurrency = 1;       ///< Identifies allowed per 5 s, one per bucket
};

/// In-process queue: one Identify per bucket (shard_id % max_concurrency) per 5 s, each
/// bucket in request order, and never more than `remaining` until the reset.
///
/// Discord also asks large bots to start each bucket's shards in id order (0, mc, 2mc, ...
/// in bucket 0). Requests arrive in whatever order the Hellos do, so start_in_order()
/// declares the shards being started: until one of them has identified, the higher ids
/// of its bucket wait for it.
///
/// Sans-IO: time comes from an injected clock; the owner calls poll() at next_wakeup()
/// (or any later time) to grant what has become due. After a reset with no fresh data,
/// the budget is assumed to refill to `total` every 24 h; update() takes fresh numbers.
class local_identify_queue final : public identify_queue {
public:
    /// The clock whose time the injected `now` function returns.
    using clock = std::chrono::steady_clock;

    /// Length of one concurrency window.
    static constexpr std::chrono::seconds bucket_period{5};
    /// Added to bucket_period between two grants of one bucket. A grant is not yet an
    /// Identify on the wire: writes queue behind heartbeats and networks jitter, and a gap
    /// of 4.999 s at the gateway is a rate-limit violation. A quarter second costs 5% of
    /// the start-up time of a large bot and covers both.
    static constexpr std::chrono::milliseconds default_margin{250};

    /// A queue for `limit`, fetched at now(); `now` is called whenever time matters.
    /// Grants of one bucket are bucket_period + `margin` apart.
    local_identify_queue(session_start_limit limit, std::function<clock::time_point()> now,
                         std::chrono::milliseconds margin = default_margin);

    /// The time between two grants of one bucket.
    clock::duration spacing() const noexcept { return bucket_period + margin_; }

    /// Queues the request; grants it before returning if its bucket and the budget allow.
    ticket request(std::uint32_t shard_id, std::function<void()> on_grant) override;
    /// Drops a waiting request; it spends no budget.
    void cancel(ticket t) override;

    /// Grants every request whose bucket and the daily budget allow it now.
    void poll();

    /// When poll() could next grant something; nullopt when nothing waits.
    std::optional<clock::time_point> next_wakeup() const;

    /// Holds each of `shard_ids` until every lower id of the list in its bucket has been
    /// granted once. Ids already granted, and ids not in the list, are never held.
    void start_in_order(std::vector<std::uint32_t> shard_ids);
    /// Stops `shard_id` holding the shards behind it (it stopped without identifying);
    /// no-op when it holds nothing.
    void leave_order(std::uint32_t shard_id);
    /// Shards of the start_in_order() list that have not identified yet.
    std::size_t not_started() const noexcept { return unstarted_.size(); }

    /// Replaces the budget with freshly fetched numbers (reset_after counted from now()).
    void update(session_start_limit limit);

    /// Identifies left before the reset.
    std::uint32_t remaining() const noexcept { return limit_.remaining; }

    /// Requests still waiting.
    std::size_t waiting() const noexcept { return waiting_.size(); }

private:
    struct pending {
        ticket id;
        std::uint32_t shard_id;
        std::function<void()> on_grant;
    };

    void refill(clock::time_point now);
    /// Per bucket, the lowest shard of the start order that has not identified (or none).
    std::vector<std::uint32_t> first_unstarted() const;
    bool held(const std::vector<std::uint32_t>& first, std::uint32_t bucket, std::uint32_t shard_id) const {
        return first[bucket] < shard_id && unstarted_.count(shard_id) != 0;
    }

    session_start_limit limit_;
    std::function<clock::time_point()> now_;
    std::chrono::milliseconds margin_;
    clock::time_point reset_at_;
    std::vector<std::optional<clock::time_point>> bucket_last_; // last grant per bucket
    std::deque<pending> waiting_;                                // arrival order
    std::set<std::uint32_t> unstarted_;                          // start_in_order() ids not yet granted
    ticket next_ticket_ = 1;
};

} // namespace dgw
