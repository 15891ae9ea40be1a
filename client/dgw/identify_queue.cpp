#include <dgw/identify_queue.hpp>

#include <algorithm>
#include <utility>

namespace dgw {

local_identify_queue::local_identify_queue(session_start_limit limit,
                                           std::function<clock::time_point()> now,
                                           std::chrono::milliseconds margin)
    : now_(std::move(now)), margin_(std::max(margin, std::chrono::milliseconds(0))) {
    update(limit);
}

void local_identify_queue::update(session_start_limit limit) {
    limit.max_concurrency = std::max<std::uint32_t>(limit.max_concurrency, 1);
    limit.remaining = std::min(limit.remaining, limit.total);
    limit_ = limit;
    reset_at_ = now_() + limit.reset_after;
    if (bucket_last_.size() != limit.max_concurrency) bucket_last_.assign(limit.max_concurrency, std::nullopt);
}

void local_identify_queue::refill(clock::time_point now) {
    if (now < reset_at_) return;
    limit_.remaining = limit_.total;
    // Without a fresh fetch the next reset is unknown; Discord's period is a day.
    while (reset_at_ <= now) reset_at_ += std::chrono::hours(24);
}

identify_queue::ticket local_identify_queue::request(std::uint32_t shard_id, std::function<void()> on_grant) {
    ticket id = next_ticket_++;
    waiting_.push_back({id, shard_id, std::move(on_grant)});
    poll();
    return id;
}

void local_identify_queue::cancel(ticket t) {
    std::erase_if(waiting_, [t](const pending& p) { return p.id == t; }); // tickets are unique
}

void local_identify_queue::start_in_order(std::vector<std::uint32_t> shard_ids) {
    unstarted_.insert(shard_ids.begin(), shard_ids.end());
    poll(); // nothing new can be due, but keeps the "grant before returning" rule simple
}

void local_identify_queue::leave_order(std::uint32_t shard_id) {
    if (unstarted_.erase(shard_id) != 0) poll();
}

std::vector<std::uint32_t> local_identify_queue::first_unstarted() const {
    std::vector<std::uint32_t> first(limit_.max_concurrency, UINT32_MAX);
    for (std::uint32_t id : unstarted_) { // ascending: the first seen per bucket is the lowest
        auto& f = first[id % limit_.max_concurrency];
        if (f == UINT32_MAX) f = id;
    }
    return first;
}

void local_identify_queue::poll() {
    auto now = now_();
    refill(now);
    const auto first = first_unstarted();
    std::vector<std::function<void()>> granted;
    for (auto it = waiting_.begin(); it != waiting_.end() && limit_.remaining > 0;) {
        const std::uint32_t bucket = it->shard_id % limit_.max_concurrency;
        auto& last = bucket_last_[bucket];
        if ((last && now < *last + spacing()) || held(first, bucket, it->shard_id)) {
            ++it; // the bucket is busy or a lower shard goes first; other buckets may still go
            continue;
        }
        last = now;
        --limit_.remaining;
        unstarted_.erase(it->shard_id);
        granted.push_back(std::move(it->on_grant));
        it = waiting_.erase(it);
    }
    // Callbacks run after the queue is consistent, because they may re-enter request().
    for (auto& g : granted)
        if (g) g();
}

std::optional<local_identify_queue::clock::time_point> local_identify_queue::next_wakeup() const {
    if (waiting_.empty()) return std::nullopt;
    if (limit_.remaining == 0) return reset_at_;
    const auto first = first_unstarted();
    std::optional<clock::time_point> best;
    for (const auto& p : waiting_) {
        const std::uint32_t bucket = p.shard_id % limit_.max_concurrency;
        // A held request waits for another request or for leave_order(), not for time.
        if (held(first, bucket, p.shard_id)) continue;
        const auto& last = bucket_last_[bucket];
        clock::time_point at = last ? *last + spacing() : clock::time_point::min();
        if (!best || at < *best) best = at;
    }
    return best;
}

} // namespace dgw
