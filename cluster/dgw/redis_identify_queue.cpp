#include <dgw/redis_identify_queue.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <set>

namespace dgw {
namespace {

// KEYS: budget, bucket lease, bucket's waiting set, owners (shard id -> process token).
// ARGV: shard id, lease ms, alive ttl ms, seed remaining, seed expiry ms, alive key prefix,
// this process' token.
// Returns {0, remaining} granted, {1, ms} wait (0: a lower shard is ahead), {2, ms} budget spent.
constexpr std::string_view script = R"lua(
local me = ARGV[1]
redis.call('SET', ARGV[6] .. ARGV[7], '1', 'PX', ARGV[3])
redis.call('ZADD', KEYS[3], tonumber(me), me)
redis.call('HSET', KEYS[4], me, ARGV[7])
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', '(' .. me)) do
  local owner = redis.call('HGET', KEYS[4], id)
  if owner and redis.call('EXISTS', ARGV[6] .. owner) == 1 then return {1, 0} end
  redis.call('ZREM', KEYS[3], id)
  redis.call('HDEL', KEYS[4], id)
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
redis.call('HDEL', KEYS[4], me)
return {0, now_left}
)lua";

/// A random token naming this process in the owners hash.
std::string process_token() {
    std::random_device rd;
    std::uniform_int_distribution<std::uint64_t> d;
    std::uint64_t v = d(rd);
    std::string s(16, '0');
    for (char& c : s) {
        c = "0123456789abcdef"[v & 15];
        v >>= 4;
    }
    return s;
}

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
    const std::string token = process_token();
    std::chrono::steady_clock::time_point fetched = std::chrono::steady_clock::now();
    std::map<ticket, pending> waiting;
    ticket next = 1;
    std::string sha; // of the loaded script; empty until SCRIPT LOAD answered
    bool loading = false;
    bool stopped = false;
    bool exhausted_logged = false;
    redis_identify_stats st;
    std::set<std::uint32_t> enrolled; // declared, not yet granted
    boost::asio::steady_timer renew_timer;
    bool renewing = false;
    std::chrono::steady_clock::time_point settled; // no asking before (enroll() + settle)

    impl(boost::asio::io_context& io_, redis::connection& r, redis_identify_options o)
        : io(io_), redis(r), opt(std::move(o)), renew_timer(io_) {
        if (opt.limit.max_concurrency == 0) opt.limit.max_concurrency = 1;
    }

    void log(log_level l, std::string line) const {
        if (opt.log) opt.log(l, line);
    }

    std::string key(std::string_view what) const { return opt.prefix + ":identify:" + std::string(what); }
    std::uint32_t bucket_of(std::uint32_t shard_id) const { return shard_id % opt.limit.max_concurrency; }

    /// The budget to seed the shared counter with, as of now: this process' fetch, or a full
    /// day's once its reset has passed.
    std::pair<std::int64_t, std::int64_t> seed() const {
        const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - fetched);
        if (elapsed < opt.limit.reset_after)
            return {opt.limit.remaining, std::max<std::int64_t>(1, (opt.limit.reset_after - elapsed).count())};
        return {opt.limit.total, 24 * 3600 * 1000};
    }

    /// The request of this process that speaks for `bucket` in Redis: its lowest shard id
    /// (the first ticket among equals). Only it runs the script; the others of the bucket
    /// wait here, their places kept by renew(), so Redis sees one poll per bucket and
    /// process instead of one per waiting shard.
    std::map<ticket, pending>::iterator head(std::uint32_t bucket) {
        auto best = waiting.end();
        for (auto it = waiting.begin(); it != waiting.end(); ++it)
            if (bucket_of(it->second.shard_id) == bucket && (best == waiting.end() || it->second.shard_id < best->second.shard_id))
                best = it;
        return best;
    }

    void ask(ticket t) {
        auto it = waiting.find(t);
        if (stopped || it == waiting.end() || it->second.asking) return;
        if (const auto now = std::chrono::steady_clock::now(); now < settled)
            return retry(t, std::chrono::ceil<std::chrono::milliseconds>(settled - now));
        const std::uint32_t bucket = bucket_of(it->second.shard_id);
        if (head(bucket) != it) return; // the head asks; this one is woken when it leaves
        if (sha.empty()) {
            load_script();
            return;
        }
        pending& p = it->second;
        p.asking = true;
        ++st.attempts;
        const auto [left, expiry] = seed();
        std::vector<std::string> args{"EVALSHA",
                                      sha,
                                      "4",
                                      key("budget"),
                                      key("bucket:" + std::to_string(bucket)),
                                      key("waiting:" + std::to_string(bucket)),
                                      key("owners"),
                                      std::to_string(p.shard_id),
                                      std::to_string((opt.bucket_period + opt.margin).count()),
                                      std::to_string(opt.waiter_ttl.count()),
                                      std::to_string(left),
                                      std::to_string(expiry),
                                      key("alive:"),
                                      token};
        redis.command(std::move(args), [w = weak_from_this(), t](boost::system::error_code ec, redis::reply r) {
            if (auto self = w.lock()) self->answered(t, ec, r);
        });
    }

    /// After a bucket's head left (granted or cancelled): the next one asks.
    void wake(std::uint32_t bucket) {
        if (auto it = head(bucket); it != waiting.end()) retry(it->first, std::chrono::milliseconds(0));
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
            const std::uint32_t id = p.shard_id;
            log(log_level::debug, "identify queue: shard " + std::to_string(id) + " may identify (" +
                                      std::to_string(value) + " identifies left today)");
            std::function<void()> cb = std::move(p.on_grant);
            enrolled.erase(id);
            waiting.erase(it);
            wake(bucket_of(id));
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
        // Wait for the lease (its exact expiry) or for a lower shard.
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

    /// Every poll_interval while this process holds places: its alive key renewed (the
    /// places of a process whose key expired are dropped by the others' script runs), and
    /// the places of enrolled shards and of requests that are not their bucket's head put
    /// back, in case Redis restarted empty. Heads put themselves back each time they ask;
    /// a head's place is not written here, where it could land after its grant removed it.
    void renew() {
        renewing = false;
        if (stopped || (enrolled.empty() && waiting.empty())) return;
        std::map<std::uint32_t, std::uint32_t> lowest; // bucket -> its head's shard id
        for (const auto& [t, p] : waiting) {
            auto [it, fresh] = lowest.emplace(bucket_of(p.shard_id), p.shard_id);
            if (!fresh) it->second = std::min(it->second, p.shard_id);
        }
        std::set<std::uint32_t> heads;
        for (const auto& [b, id] : lowest) heads.insert(id);
        std::vector<std::uint32_t> ids;
        for (std::uint32_t id : enrolled)
            if (!heads.count(id)) ids.push_back(id);
        for (const auto& [t, p] : waiting)
            if (!heads.count(p.shard_id) && !enrolled.count(p.shard_id)) ids.push_back(p.shard_id);
        redis.command({"SET", key("alive:" + token), "1", "PX", std::to_string(opt.waiter_ttl.count())},
                      [](boost::system::error_code, redis::reply) {});
        place(ids);
        keep_renewing();
    }

    /// Writes the places of `ids` (waiting sets and owners), one command per bucket.
    void place(const std::vector<std::uint32_t>& ids) {
        if (ids.empty()) return;
        std::map<std::uint32_t, std::vector<std::string>> zadd; // bucket -> ZADD
        std::vector<std::string> hset{"HSET", key("owners")};
        for (std::uint32_t id : ids) {
            auto& cmd = zadd[bucket_of(id)];
            if (cmd.empty()) cmd = {"ZADD", key("waiting:" + std::to_string(bucket_of(id)))};
            cmd.push_back(std::to_string(id));
            cmd.push_back(std::to_string(id));
            hset.push_back(std::to_string(id));
            hset.push_back(token);
        }
        auto ignore = [](boost::system::error_code, redis::reply) {};
        redis.command(std::move(hset), ignore);
        for (auto& [b, cmd] : zadd) redis.command(std::move(cmd), ignore);
    }

    void keep_renewing() {
        if (renewing || stopped) return;
        renewing = true;
        renew_timer.expires_after(opt.poll_interval);
        renew_timer.async_wait([w = weak_from_this()](boost::system::error_code ec) {
            auto self = w.lock();
            if (!ec && self) self->renew();
        });
    }

    void withdraw(std::uint32_t shard_id) {
        const std::string id = std::to_string(shard_id);
        // Best effort: if Redis is down, the others drop the place once this process' alive
        // key expires.
        auto ignore = [](boost::system::error_code, redis::reply) {};
        redis.command({"ZREM", key("waiting:" + std::to_string(bucket_of(shard_id))), id}, ignore);
        redis.command({"HDEL", key("owners"), id}, ignore);
    }
};

redis_identify_queue::redis_identify_queue(boost::asio::io_context& io, redis::connection& redis,
                                           redis_identify_options options)
    : impl_(std::make_shared<impl>(io, redis, std::move(options))) {}

redis_identify_queue::~redis_identify_queue() { shutdown(); }

identify_queue::ticket redis_identify_queue::request(std::uint32_t shard_id, std::function<void()> on_grant) {
    const ticket t = impl_->next++;
    impl_->waiting.emplace(t, impl::pending{shard_id, std::move(on_grant), false, nullptr});
    // A request behind its bucket's head holds back higher ids of other processes from now
    // on, not from the next renew() (which also writes this process' alive key first when it
    // is not running yet). The head writes its own place when it asks.
    if (!impl_->renewing) impl_->renew();
    else if (impl_->head(impl_->bucket_of(shard_id))->first != t) impl_->place({shard_id});
    impl_->ask(t);
    return t;
}

void redis_identify_queue::cancel(ticket t) {
    auto it = impl_->waiting.find(t);
    if (it == impl_->waiting.end()) return;
    const std::uint32_t id = it->second.shard_id;
    impl_->waiting.erase(it);
    if (!impl_->enrolled.count(id)) impl_->withdraw(id);
    impl_->wake(impl_->bucket_of(id));
}

void redis_identify_queue::enroll(const std::vector<std::uint32_t>& shard_ids) {
    if (shard_ids.empty()) return;
    impl_->settled = std::max(impl_->settled, std::chrono::steady_clock::now() + impl_->opt.settle);
    impl_->enrolled.insert(shard_ids.begin(), shard_ids.end());
    if (!impl_->renewing) impl_->renew();
}

void redis_identify_queue::leave(std::uint32_t shard_id) {
    if (impl_->enrolled.erase(shard_id) == 0) return;
    for (const auto& [t, p] : impl_->waiting)
        if (p.shard_id == shard_id) return; // its request keeps its place; cancel() withdraws it
    impl_->withdraw(shard_id);
}

void redis_identify_queue::shutdown() {
    if (impl_->stopped) return;
    impl_->renew_timer.cancel();
    for (std::uint32_t id : impl_->enrolled) impl_->withdraw(id);
    for (auto& [t, p] : impl_->waiting)
        if (!impl_->enrolled.count(p.shard_id)) impl_->withdraw(p.shard_id);
    impl_->enrolled.clear();
    impl_->redis.command({"DEL", impl_->key("alive:" + impl_->token)}, [](boost::system::error_code, redis::reply) {});
    impl_->stopped = true;
    impl_->waiting.clear();
}

redis_identify_stats redis_identify_queue::stats() const {
    redis_identify_stats s = impl_->st;
    s.waiting = impl_->waiting.size();
    return s;
}

} // namespace dgw
