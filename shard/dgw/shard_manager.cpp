#include <dgw/shard_manager.hpp>

#include <dgw/protocol_error.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/system_error.hpp>

#include <algorithm>
#include <set>
#include <stdexcept>
#include <string>

namespace dgw {

struct shard_manager::impl : std::enable_shared_from_this<impl> {
    /// Hands requests to the local queue and re-arms the wake-up timer after each, so a
    /// request that has to wait for its bucket is granted when the bucket frees.
    struct waking_queue final : dgw::identify_queue {
        impl& owner;
        explicit waking_queue(impl& o) : owner(o) {}
        ticket request(std::uint32_t shard_id, std::function<void()> on_grant) override {
            const ticket t = owner.queue.request(shard_id, std::move(on_grant));
            owner.arm();
            return t;
        }
        void cancel(ticket t) override {
            owner.queue.cancel(t);
            owner.arm();
        }
    };

    boost::asio::io_context& io;
    shard_manager_options opt;
    event_handlers& handlers;
    local_identify_queue queue;
    waking_queue front{*this};
    boost::asio::steady_timer wake;
    std::vector<std::unique_ptr<shard>> shards;
    std::size_t live = 0;
    bool stopping = false;
    std::function<void(std::uint32_t, const stop&)> stop_cb;

    impl(boost::asio::io_context& io_, shard_manager_options o, event_handlers& h)
        : io(io_), opt(std::move(o)), handlers(h), queue(opt.limit, [] { return local_identify_queue::clock::now(); }, opt.identify_margin),
          wake(io_) {}

    void arm() {
        if (stopping) return; // stopping shards withdraw requests; nothing is to be granted
        const auto at = queue.next_wakeup();
        if (!at) {
            wake.cancel();
            return;
        }
        wake.expires_at(*at);
        wake.async_wait([w = weak_from_this()](boost::system::error_code ec) {
            auto self = w.lock();
            if (ec || !self) return;
            self->queue.poll(); // grants post to each shard's io_context work
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
        for (std::uint32_t id : ids) {
            shard_options so = opt.shard;
            so.client.identify.shard_id = id;
            so.client.identify.shard_count = opt.shard_count;
            so.client.await_identify_permit = true;
            so.identify = opt.shared_identify ? opt.shared_identify : &front;
            if (auto r = opt.resume.find(id); r != opt.resume.end()) so.resume = r->second;
            auto s = std::make_unique<shard>(io, std::move(so), handlers);
            s->on_stop([w = weak_from_this(), id](const stop& st) {
                auto self = w.lock();
                if (!self) return;
                --self->live;
                // A shard that stopped before identifying must not hold its bucket back.
                self->queue.leave_order(id);
                self->arm();
                if (self->stop_cb) self->stop_cb(id, st);
                if (self->live == 0) self->wake.cancel();
            });
            shards.push_back(std::move(s));
        }
        // Each shard asks the queue once its Hello arrives, in whatever order the Hellos
        // come; the queue grants each bucket's first Identifies in shard id order.
        queue.start_in_order(ids);
        for (auto& s : shards) {
            ++live;
            s->start();
        }
    }

    void shutdown() {
        stopping = true;
        for (auto& s : shards)
            if (s->running()) s->shutdown();
        wake.cancel();
    }
};

shard_manager::shard_manager(boost::asio::io_context& io, shard_manager_options options, event_handlers& handlers)
    : impl_(std::make_shared<impl>(io, std::move(options), handlers)) {}

shard_manager::~shard_manager() {
    impl_->wake.cancel();
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

} // namespace dgw
