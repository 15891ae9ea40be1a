#include <dgw/shard_manager.hpp>

#include <dgw/protocol_error.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/system_error.hpp>

#include <algorithm>
#include <future>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>

namespace dgw {

std::uint32_t shard_for_guild(std::uint64_t guild_id, std::uint32_t shard_count) noexcept {
    return shard_count == 0 ? 0 : static_cast<std::uint32_t>((guild_id >> 22) % shard_count);
}

struct shard_manager::impl : std::enable_shared_from_this<impl> {
    /// Hands requests to the local queue and re-arms the wake-up timer after each, so a
    /// request that has to wait for its bucket is granted when the bucket frees. Shards on
    /// pool threads call it concurrently: the queue is used under `mu`, and the timer only
    /// on the manager's io_context.
    struct waking_queue final : dgw::identify_queue {
        impl& owner;
        explicit waking_queue(impl& o) : owner(o) {}
        ticket request(std::uint32_t shard_id, std::function<void()> on_grant) override {
            ticket t;
            {
                std::lock_guard lock(owner.mu);
                t = owner.queue.request(shard_id, std::move(on_grant));
            }
            owner.rearm();
            return t;
        }
        void cancel(ticket t) override {
            {
                std::lock_guard lock(owner.mu);
                owner.queue.cancel(t);
            }
            owner.rearm();
        }
    };

    using work_guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;

    boost::asio::io_context& io;
    shard_manager_options opt;
    event_handlers& handlers;
    mutable std::mutex mu; // the queue, with pool threads
    local_identify_queue queue;
    waking_queue front{*this};
    boost::asio::steady_timer wake;
    std::vector<std::unique_ptr<shard>> shards;
    std::vector<boost::asio::io_context*> shard_io; // each shard's context, by index
    std::vector<std::unique_ptr<boost::asio::io_context>> pool;
    std::vector<work_guard> pool_work;
    std::optional<work_guard> main_work; // keeps io.run() going while pool shards run
    std::vector<std::thread> threads;
    std::size_t live = 0; // on the manager's io_context only
    bool stopping = false;
    std::function<void(std::uint32_t, const stop&)> stop_cb;

    impl(boost::asio::io_context& io_, shard_manager_options o, event_handlers& h)
        : io(io_), opt(std::move(o)), handlers(h), queue(opt.limit, [] { return local_identify_queue::clock::now(); }, opt.identify_margin),
          wake(io_) {}

    ~impl() { join(); }

    bool pooled() const noexcept { return opt.threads > 1; }

    /// Re-arms from any thread: the timer belongs to the manager's io_context.
    void rearm() {
        if (!pooled()) return arm();
        boost::asio::post(io, [w = weak_from_this()] {
            if (auto self = w.lock()) self->arm();
        });
    }

    void arm() {
        if (stopping) return; // stopping shards withdraw requests; nothing is to be granted
        std::optional<local_identify_queue::clock::time_point> at;
        {
            std::lock_guard lock(mu);
            at = queue.next_wakeup();
        }
        if (!at) {
            wake.cancel();
            return;
        }
        wake.expires_at(*at);
        wake.async_wait([w = weak_from_this()](boost::system::error_code ec) {
            auto self = w.lock();
            if (ec || !self) return;
            {
                std::lock_guard lock(self->mu);
                self->queue.poll(); // grants post to each shard's io_context
            }
            self->arm();
        });
    }

    // Invalid configuration throws as the client's does (docs/conventions.md).
    [[noreturn]] static void invalid(const std::string& why) {
        throw boost::system::system_error(make_error_code(protocol_errc::invalid_config), why);
    }

    void start() {
        if (!shards.empty()) return;
        if (opt.shard_count == 0) invalid("shard_count must be at least 1");
        std::vector<std::uint32_t> ids = opt.shard_ids;
        if (ids.empty())
            for (std::uint32_t i = 0; i < opt.shard_count; ++i) ids.push_back(i);
        std::set<std::uint32_t> seen;
        for (std::uint32_t id : ids) {
            if (id >= opt.shard_count)
                invalid("shard id " + std::to_string(id) + " is not below shard_count " + std::to_string(opt.shard_count));
            // Two connections with one [id, count] would both get that shard's events.
            if (!seen.insert(id).second) invalid("shard id " + std::to_string(id) + " is listed twice");
        }
        if (pooled()) {
            for (std::size_t i = 0; i < opt.threads; ++i) {
                pool.push_back(std::make_unique<boost::asio::io_context>(1));
                pool_work.push_back(boost::asio::make_work_guard(*pool.back()));
            }
            main_work.emplace(boost::asio::make_work_guard(io));
        }
        for (std::size_t i = 0; i < ids.size(); ++i) {
            const std::uint32_t id = ids[i];
            shard_options so = opt.shard;
            so.client.identify.shard_id = id;
            so.client.identify.shard_count = opt.shard_count;
            so.client.await_identify_permit = true;
            so.identify = opt.shared_identify ? opt.shared_identify : &front;
            if (auto r = opt.resume.find(id); r != opt.resume.end()) so.resume = r->second;
            boost::asio::io_context& sio = pooled() ? *pool[i % pool.size()] : io;
            auto s = std::make_unique<shard>(sio, std::move(so), handlers);
            s->on_stop([w = weak_from_this(), id, this](const stop& st) {
                auto self = w.lock();
                if (!self) return;
                if (!pooled()) return stopped(id, st);
                boost::asio::post(io, [w, id, st] {
                    if (auto s2 = w.lock()) s2->stopped(id, st);
                });
            });
            shards.push_back(std::move(s));
            shard_io.push_back(&sio);
        }
        // Each shard asks the queue once its Hello arrives, in whatever order the Hellos
        // come; the queue grants each bucket's first Identifies in shard id order.
        {
            std::lock_guard lock(mu);
            queue.start_in_order(ids);
        }
        live = shards.size();
        if (!pooled()) {
            for (auto& s : shards) s->start();
            return;
        }
        for (std::size_t i = 0; i < shards.size(); ++i)
            boost::asio::post(*shard_io[i], [s = shards[i].get()] { s->start(); });
        for (auto& ctx : pool) threads.emplace_back([c = ctx.get()] { c->run(); });
    }

    void stopped(std::uint32_t id, const stop& st) {
        --live;
        // A shard that stopped before identifying must not hold its bucket back.
        {
            std::lock_guard lock(mu);
            queue.leave_order(id);
        }
        arm();
        if (stop_cb) stop_cb(id, st);
        if (live == 0) {
            wake.cancel();
            // Nothing runs on the pool any more: its threads may end, and io.run() with them.
            pool_work.clear();
            main_work.reset();
        }
    }

    void shutdown() {
        stopping = true;
        wake.cancel();
        for (std::size_t i = 0; i < shards.size(); ++i) {
            if (!pooled()) {
                if (shards[i]->running()) shards[i]->shutdown();
                continue;
            }
            boost::asio::post(*shard_io[i], [s = shards[i].get()] {
                if (s->running()) s->shutdown();
            });
        }
    }

    /// Stops the pool and waits for its threads; the shards are then touched by no thread.
    void join() {
        pool_work.clear();
        for (auto& ctx : pool) ctx->stop();
        for (auto& t : threads)
            if (t.joinable()) t.join();
        threads.clear();
    }

    shard_snapshot take(std::size_t i) const {
        const shard& sh = *shards[i];
        shard_snapshot ss;
        ss.id = opt.shard_ids.empty() ? static_cast<std::uint32_t>(i) : opt.shard_ids[i];
        ss.resumed_from_store = opt.resume.count(ss.id) != 0;
        ss.phase = sh.phase();
        ss.connects = sh.stats().connects;
        ss.resumes = sh.stats().resumes;
        if (const client* c = sh.current_client()) {
            const auto& cs = c->stats();
            ss.dispatches = cs.dispatches;
            ss.identifies = cs.identifies;
            ss.reconnects = cs.reconnects;
            if (cs.heartbeat_latency)
                ss.latency = std::chrono::duration_cast<std::chrono::milliseconds>(*cs.heartbeat_latency);
        }
        return ss;
    }

    std::vector<shard_snapshot> snapshot() const {
        std::vector<shard_snapshot> out(shards.size());
        // Once every shard has stopped, nothing runs on the pool any more.
        if (!pooled() || threads.empty() || live == 0) {
            for (std::size_t i = 0; i < shards.size(); ++i) out[i] = take(i);
            return out;
        }
        // Each pool thread reads its own shards; the caller waits for all of them.
        std::vector<std::future<void>> done;
        for (const auto& ctx : pool) {
            auto task = std::make_shared<std::packaged_task<void()>>([this, &out, c = ctx.get()] {
                for (std::size_t i = 0; i < shards.size(); ++i)
                    if (shard_io[i] == c) out[i] = take(i);
            });
            done.push_back(task->get_future());
            boost::asio::post(*ctx, [task] { (*task)(); });
        }
        for (auto& f : done) f.wait();
        return out;
    }
};

shard_manager::shard_manager(boost::asio::io_context& io, shard_manager_options options, event_handlers& handlers)
    : impl_(std::make_shared<impl>(io, std::move(options), handlers)) {}

shard_manager::~shard_manager() {
    impl_->wake.cancel();
    impl_->join();
    impl_->shards.clear(); // each shard drops its connection
}

void shard_manager::start() { impl_->start(); }
void shard_manager::shutdown() { impl_->shutdown(); }
void shard_manager::on_stop(std::function<void(std::uint32_t, const stop&)> cb) { impl_->stop_cb = std::move(cb); }
const std::vector<std::unique_ptr<shard>>& shard_manager::shards() const noexcept { return impl_->shards; }
shard* shard_manager::find(std::uint32_t shard_id) noexcept {
    for (std::size_t i = 0; i < impl_->shards.size(); ++i) {
        const auto& ids = impl_->opt.shard_ids;
        const std::uint32_t id = ids.empty() ? static_cast<std::uint32_t>(i) : ids[i];
        if (id == shard_id) return impl_->shards[i].get();
    }
    return nullptr;
}
std::size_t shard_manager::running() const noexcept { return impl_->live; }
const local_identify_queue& shard_manager::identify_queue() const noexcept { return impl_->queue; }
std::uint32_t shard_manager::shard_for_guild(std::uint64_t guild_id) const noexcept {
    return dgw::shard_for_guild(guild_id, impl_->opt.shard_count);
}
std::vector<shard_snapshot> shard_manager::snapshot() const { return impl_->snapshot(); }

} // namespace dgw
