#include <dgw/redis_identify_queue.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <map>
#include <set>

namespace dgw {
namespace {

// KEYS: budget, bucket lease, bucket's waiting set. ARGV: shard id, lease ms, waiter ttl ms,
// seed remaining, seed expiry ms, waiter key prefix.
// Returns {0, remaining} granted, {1, ms} wait (0: a lower shard is ahead), {2, ms} budget spent.
constexpr std::string_view script = R"lua(
local me = ARGV[1]
local waiter = ARGV[6] .. me
redis.call('SET', waiter, '1', 'PX', ARGV[3])
redis.call('ZADD', KEYS[3], tonumber(me), me)
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', '(' .. me)) do
  if redis.call('EXISTS', ARGV[6] .. id) == 1 then return {1, 0} end
  redis.call('ZREM', KEYS[3], id)
end
local lease = redis.call('PTTL', KEYS[2])
if lease > 0 then return {1, lease} end
local left = redis.call('GET', KEYS[1])
if not left then
  redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[5])
  left = ARGV[4]
end
if tonumber(left) <= 0 then return {2, redis.call('PTTL', KEYS[1])} end
redis.call('SET', KEYS[2], me, 'PX', ARGV[2])
local now_left = redis.call('DECR', KEYS[1])
redis.call('ZREM', KEYS[3], me)
redis.call('DEL', waiter)
return {0, now_left}
)lua";

} // namespace

struct redis_identify_queue::impl : std::enable_shared_from_this<impl> {
    struct pending {
        std::uint32_t shard_id = 0;
        std::function<void()> on_grant;
        bool asking = false; // a script run is in flight
        std::unique_ptr<boost::asio::steady_timer> timer;
    };

    boost::asio::io_context& io;
    redis::connection& redis;
    redis_identify_options opt;
    std::chrono::steady_clock::time_point fetched = std::chrono::steady_clock::now();
    std::map<ticket, pending> waiting;
    ticket next = 1;
    std::string sha; // of the loaded script; empty until SCRIPT LOAD answered
    bool loading = false;
    bool stopped = false;
    bool exhausted_logged = false;
    redis_identify_stats st;
    std::set<std::uint32_t> enrolled; // declared, not yet granted
    boost::asio::steady_timer enroll_timer;

    impl(boost::asio::io_context& io_, redis::connection& r, redis_identify_options o)
        : io(io_), redis(r), opt(std::move(o)), enroll_timer(io_) {
        if (opt.limit.max_concurrency == 0) opt.limit.max_concurrency = 1;
    }

    void log(log_level l, std::string line) const {
        if (opt.log) opt.log(l, line);
    }

    std::string key(std::string_view what) const { return opt.prefix + ":identify:" + std::string(what); }

    /// The budget to seed the shared counter with, as of now: this process' fetch, or a full
    /// day's once its reset has passed.
    std::pair<std::int64_t, std::int64_t> seed() const {
        const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - fetched);
        if (elapsed < opt.limit.reset_after)
            return {opt.limit.remaining, std::max<std::int64_t>(1, (opt.limit.reset_after - elapsed).count())};
        return {opt.limit.total, 24 * 3600 * 1000};
    }

    void ask(ticket t) {
        auto it = waiting.find(t);
        if (stopped || it == waiting.end() || it->second.asking) return;
        if (sha.empty()) {
            load_script();
            return;
        }
        pending& p = it->second;
        p.asking = true;
        ++st.attempts;
        const std::uint32_t bucket = p.shard_id % opt.limit.max_concurrency;
        const auto [left, expiry] = seed();
        std::vector<std::string> args{"EVALSHA",
                                      sha,
                                      "3",
                                      key("budget"),
                                      key("bucket:" + std::to_string(bucket)),
                                      key("waiting:" + std::to_string(bucket)),
                                      std::to_string(p.shard_id),
                                      std::to_string((opt.bucket_period + opt.margin).count()),
                                      std::to_string(opt.waiter_ttl.count()),
                                      std::to_string(left),
                                      std::to_string(expiry),
                                      key("waiter:")};
        redis.command(std::move(args), [w = weak_from_this(), t](boost::system::error_code ec, redis::reply r) {
            if (auto self = w.lock()) self->answered(t, ec, r);
        });
    }

    void load_script() {
        if (loading) return;
        loading = true;
        redis.command({"SCRIPT", "LOAD", std::string(script)}, [w = weak_from_this()](boost::system::error_code ec, redis::reply r) {
            auto self = w.lock();
            if (!self) return;
            self->loading = false;
            if (self->stopped) return;
            if (!ec && r.type == redis::reply::kind::string) {
                self->sha = r.str;
                for (auto& [t, p] : self->waiting) self->ask(t);
                return;
            }
            ++self->st.redis_errors;
            if (ec == redis::errc::server_error) self->log(log_level::error, "identify queue: SCRIPT LOAD failed: " + r.str);
            for (auto& [t, p] : self->waiting) self->retry(t, self->opt.poll_interval);
        });
    }

    void answered(ticket t, boost::system::error_code ec, const redis::reply& r) {
        auto it = waiting.find(t);
        if (stopped || it == waiting.end()) return;
        pending& p = it->second;
        p.asking = false;
        if (ec) {
            ++st.redis_errors;
            if (ec == redis::errc::server_error && r.str.rfind("NOSCRIPT", 0) == 0) {
                sha.clear(); // Redis restarted: its script cache is empty
                return ask(t);
            }
            if (ec == redis::errc::server_error) log(log_level::error, "identify queue: script failed: " + r.str);
            return retry(t, opt.poll_interval);
        }
        if (r.type != redis::reply::kind::array || r.elements.size() != 2) {
            ++st.redis_errors;
            log(log_level::error, "identify queue: unexpected script reply");
            return retry(t, opt.poll_interval);
        }
        const long long verdict = r.elements[0].integer, value = r.elements[1].integer;
        if (verdict == 0) {
            ++st.grants;
            st.remaining = value;
            exhausted_logged = false;
            log(log_level::debug, "identify queue: shard " + std::to_string(p.shard_id) + " may identify (" +
                                      std::to_string(value) + " identifies left today)");
            std::function<void()> cb = std::move(p.on_grant);
            enrolled.erase(p.shard_id);
            waiting.erase(it);
            cb();
            return;
        }
        if (verdict == 2) {
            st.remaining = 0;
            if (!exhausted_logged) {
                exhausted_logged = true;
                log(log_level::error, "identify queue: the daily session_start_limit is spent; shards wait " +
                                          std::to_string(value) + " ms for its reset");
            }
            return retry(t, std::chrono::milliseconds(std::max(value, 1LL)));
        }
        // Wait for the lease (its exact expiry) or for a lower shard; renew the waiter key in time.
        auto wait = value > 0 ? std::chrono::milliseconds(value) : opt.poll_interval;
        retry(t, std::min(wait, opt.poll_interval));
    }

    void retry(ticket t, std::chrono::milliseconds after) {
        auto it = waiting.find(t);
        if (stopped || it == waiting.end()) return;
        pending& p = it->second;
        if (!p.timer) p.timer = std::make_unique<boost::asio::steady_timer>(io);
        p.timer->expires_after(after);
        p.timer->async_wait([w = weak_from_this(), t](boost::system::error_code ec) {
            auto self = w.lock();
            if (!ec && self) self->ask(t);
        });
    }

    /// Keeps the enrolled shards' places: their waiter keys renewed, in their buckets' sets.
    /// A shard with a request of its own renews its place itself.
    void renew_enrolled() {
        if (stopped || enrolled.empty()) return;
        std::set<std::uint32_t> asking;
        for (const auto& [t, p] : waiting) asking.insert(p.shard_id);
        auto ignore = [](boost::system::error_code, redis::reply) {};
        for (std::uint32_t id : enrolled) {
            if (asking.count(id)) continue;
            const std::string sid = std::to_string(id);
            redis.command({"SET", key("waiter:" + sid), "1", "PX", std::to_string(opt.waiter_ttl.count())}, ignore);
            redis.command({"ZADD", key("waiting:" + std::to_string(id % opt.limit.max_concurrency)), sid, sid}, ignore);
        }
        enroll_timer.expires_after(opt.poll_interval);
        enroll_timer.async_wait([w = weak_from_this()](boost::system::error_code ec) {
            auto self = w.lock();
            if (!ec && self) self->renew_enrolled();
        });
    }

    void withdraw(const pending& p) { withdraw(p.shard_id); }
    void withdraw(std::uint32_t shard_id) {
        const std::uint32_t bucket = shard_id % opt.limit.max_concurrency;
        const std::string id = std::to_string(shard_id);
        // Best effort: if Redis is down the waiter key expires on its own.
        auto ignore = [](boost::system::error_code, redis::reply) {};
        redis.command({"ZREM", key("waiting:" + std::to_string(bucket)), id}, ignore);
        redis.command({"DEL", key("waiter:" + id)}, ignore);
    }
};

redis_identify_queue::redis_identify_queue(boost::asio::io_context& io, redis::connection& redis,
                                           redis_identify_options options)
    : impl_(std::make_shared<impl>(io, redis, std::move(options))) {}

redis_identify_queue::~redis_identify_queue() { shutdown(); }

identify_queue::ticket redis_identify_queue::request(std::uint32_t shard_id, std::function<void()> on_grant) {
    const ticket t = impl_->next++;
    impl_->waiting.emplace(t, impl::pending{shard_id, std::move(on_grant), false, nullptr});
    impl_->ask(t);
    return t;
}

void redis_identify_queue::cancel(ticket t) {
    auto it = impl_->waiting.find(t);
    if (it == impl_->waiting.end()) return;
    impl_->withdraw(it->second);
    impl_->waiting.erase(it);
}

void redis_identify_queue::enroll(const std::vector<std::uint32_t>& shard_ids) {
    const bool idle = impl_->enrolled.empty();
    impl_->enrolled.insert(shard_ids.begin(), shard_ids.end());
    if (idle) impl_->renew_enrolled();
}

void redis_identify_queue::leave(std::uint32_t shard_id) {
    if (impl_->enrolled.erase(shard_id) == 0) return;
    for (const auto& [t, p] : impl_->waiting)
        if (p.shard_id == shard_id) return; // its request keeps its place; cancel() withdraws it
    impl_->withdraw(shard_id);
}

void redis_identify_queue::shutdown() {
    if (impl_->stopped) return;
    impl_->enroll_timer.cancel();
    for (std::uint32_t id : impl_->enrolled) impl_->withdraw(id);
    impl_->enrolled.clear();
    for (auto& [t, p] : impl_->waiting) impl_->withdraw(p);
    impl_->stopped = true;
    impl_->waiting.clear();
}

redis_identify_stats redis_identify_queue::stats() const {
    redis_identify_stats s = impl_->st;
    s.waiting = impl_->waiting.size();
    return s;
}

} // namespace dgw
