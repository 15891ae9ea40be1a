#include <dgw/cluster_node.hpp>

#include <dgw/codec/encode.hpp>
#include <dgw/gateway.hpp>
#include <dgw/protocol_error.hpp>
#include <dgw/session_store.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/system_error.hpp>

#include <deque>
#include <map>
#include <set>

namespace dgw {

std::vector<std::uint32_t> process_shards(std::uint32_t shard_count, std::uint32_t index, std::uint32_t of) {
    if (of == 0 || index >= of)
        throw boost::system::system_error(make_error_code(protocol_errc::invalid_config),
                                          "process " + std::to_string(index) + "/" + std::to_string(of) +
                                              ": the index must be below the number of processes");
    std::vector<std::uint32_t> ids;
    for (std::uint32_t id = index; id < shard_count; id += of) ids.push_back(id);
    return ids;
}

struct cluster_node::impl : std::enable_shared_from_this<impl> {
    /// One event waiting for the next write.
    struct entry {
        std::string stream;
        std::string payload;
    };
    /// What the node knows of one of its shards' sessions.
    struct tracked {
        std::optional<session_info> written; // as last written to Redis
        bool ended = false;                  // stopped for good: its entry is deleted
    };

    boost::asio::io_context& io;
    cluster_options opt;
    event_handlers handlers;
    redis::connection redis;
    redis_identify_queue queue;
    redis_session_store store;
    std::unique_ptr<shard_manager> manager;
    boost::asio::steady_timer flush_timer, load_timer;
    std::map<std::uint32_t, tracked> sessions;
    std::deque<entry> batch;     // events not yet written
    std::size_t in_flight = 0;   // events of the transaction awaiting EXEC's reply (front of batch)
    bool writing = false;
    bool stopping = false, stopped = false;
    std::chrono::steady_clock::time_point last_refresh{};
    std::function<void(std::uint32_t, const stop&)> stop_cb;
    std::string scratch;
    cluster_snapshot counters;  // the publish and session counters (the rest is read live)
    bool load_error_logged = false;

    impl(boost::asio::io_context& io_, cluster_options o, const event_handlers& h)
        : io(io_), opt(std::move(o)), handlers(h), redis(io_, redis_options(opt)),
          queue(io_, redis, identify_options(opt)), store(redis, opt.prefix, opt.session_ttl), flush_timer(io_),
          load_timer(io_) {}

    static redis::connection_options redis_options(const cluster_options& o) {
        redis::connection_options r;
        r.where = redis::parse_url(o.redis_url);
        r.log = o.log;
        return r;
    }
    static redis_identify_options identify_options(const cluster_options& o) {
        redis_identify_options r = o.identify;
        r.prefix = o.prefix;
        r.limit = o.manager.limit;
        r.log = o.log;
        return r;
    }

    void log(log_level l, const std::string& line) const {
        if (opt.log) opt.log(l, line);
    }

    std::vector<std::uint32_t> shard_ids() const {
        if (!opt.manager.shard_ids.empty()) return opt.manager.shard_ids;
        std::vector<std::uint32_t> ids;
        for (std::uint32_t i = 0; i < opt.manager.shard_count; ++i) ids.push_back(i);
        return ids;
    }

    void start() {
        install_handlers();
        redis.start();
        load();
    }

    void install_handlers() {
        if (opt.publish) {
            const publish_options& p = *opt.publish;
            for (std::size_t i = 1; i <= event_type_count; ++i) {
                const auto t = static_cast<EventType>(i);
                if (!p.events.contains(t)) continue;
                handlers.on_type(t, [w = weak_from_this()](const Event& e, const dispatch_info& info) {
                    if (auto self = w.lock()) self->publish(e, info);
                });
            }
            if (p.unknown)
                handlers.on_raw(
                    [w = weak_from_this()](const RawEvent& e, const dispatch_info& info) {
                        if (auto self = w.lock()) self->publish_raw(e, info);
                    },
                    raw_scope::unknown);
        }
        handlers.apply(opt.manager.shard.client);
    }

    void load() {
        if (stopping) return;
        const auto ids = shard_ids();
        store.load(ids, [w = weak_from_this()](boost::system::error_code ec, std::map<std::uint32_t, session_info> found) {
            auto self = w.lock();
            if (!self || self->stopping) return;
            if (ec) {
                if (!self->load_error_logged)
                    self->log(log_level::error, "cluster: cannot read the stored sessions from " +
                                                    self->redis.where().display() + " (" + ec.message() +
                                                    "); the shards start once Redis answers");
                self->load_error_logged = true;
                self->load_timer.expires_after(self->opt.load_retry);
                self->load_timer.async_wait([w2 = std::weak_ptr<impl>(self)](boost::system::error_code e) {
                    if (auto s = w2.lock(); s && !e) s->load();
                });
                return;
            }
            self->start_shards(std::move(found));
        });
    }

    void start_shards(std::map<std::uint32_t, session_info> found) {
        shard_manager_options mo = opt.manager;
        mo.shared_identify = &queue;
        mo.threads = 0;
        std::string resumed;
        for (std::uint32_t id : shard_ids()) {
            tracked& t = sessions[id];
            if (auto it = found.find(id); it != found.end()) {
                t.written = it->second;
                resumed += (resumed.empty() ? "" : ", ") + std::to_string(id) + " (seq " +
                           (it->second.seq ? std::to_string(*it->second.seq) : std::string("none")) + ")";
            }
        }
        // Those that will identify hold their places in their buckets from now on, so that
        // each bucket starts in shard order across processes started a moment apart.
        std::vector<std::uint32_t> fresh;
        for (std::uint32_t id : shard_ids())
            if (!found.count(id)) fresh.push_back(id);
        queue.enroll(fresh);
        mo.resume = std::move(found);
        log(log_level::info, "cluster: starting " + std::to_string(sessions.size()) + " shard(s); " +
                                 (resumed.empty() ? std::string("no stored session to resume")
                                                  : "resuming stored sessions of shard(s) " + resumed));
        manager = std::make_unique<shard_manager>(io, std::move(mo), handlers);
        manager->on_stop([w = weak_from_this()](std::uint32_t id, const stop& s) {
            auto self = w.lock();
            if (!self) return;
            self->sessions[id].ended = true;
            self->queue.leave(id);
            if (self->stop_cb) self->stop_cb(id, s);
            if (self->stopping && self->manager->running() == 0) self->final_flush();
        });
        manager->start();
        arm_flush();
    }

    // ---- publishing ----
    std::string stream_of(std::string_view t) const { return opt.publish->stream_prefix + std::string(t); }

    void publish(const Event& e, const dispatch_info& info) {
        const codec::payload_ref d = payload_of(e);
        entry en{stream_of(info.t), {}};
        if (d.ti) {
            if (opt.publish->format == publish_format::msgpack) codec::encode_msgpack_value(*d.ti, d.obj, en.payload);
            else codec::encode_json_value(*d.ti, d.obj, en.payload, big_integers::string);
        }
        push(std::move(en));
    }

    void publish_raw(const RawEvent& e, const dispatch_info& info) {
        entry en{stream_of(info.t), {}};
        decode_error err;
        bool ok = true;
        if (opt.publish->format == publish_format::msgpack) {
            ok = e.encoding == Encoding::Json ? codec::json_text_to_msgpack(e.data, en.payload, err)
                                              : codec::etf_term_to_msgpack(e.data, en.payload, err);
        } else if (e.encoding == Encoding::Json) {
            en.payload = e.data;
        } else {
            ok = codec::etf_term_to_json_text(e.data, en.payload, err);
        }
        if (!ok) {
            log(log_level::error, "cluster: cannot publish " + std::string(info.t) + ": " + err.message());
            return;
        }
        push(std::move(en));
    }

    void push(entry en) {
        if (batch.size() >= opt.publish->max_buffered) {
            // The oldest not in the transaction being written go first.
            if (batch.size() > in_flight) {
                batch.erase(batch.begin() + static_cast<std::ptrdiff_t>(in_flight));
                if (counters.publish_dropped++ == 0)
                    log(log_level::error, "cluster: Redis is not taking events and " +
                                              std::to_string(opt.publish->max_buffered) +
                                              " are buffered: dropping the oldest (counted in publish_dropped)");
            } else {
                ++counters.publish_dropped;
                return;
            }
        }
        batch.push_back(std::move(en));
    }

    // ---- writing ----
    void arm_flush() {
        if (stopped) return;
        flush_timer.expires_after(opt.flush_interval);
        flush_timer.async_wait([w = weak_from_this()](boost::system::error_code ec) {
            auto self = w.lock();
            if (ec || !self || self->stopped) return;
            self->flush();
            self->arm_flush();
        });
    }

    /// One MULTI/EXEC with the batch's XADDs and the sessions that moved. Sessions are read
    /// from the shards now: every dispatch delivered so far is in the batch, so the seq
    /// written is that of the last event published.
    void flush(std::function<void()> then = {}) {
        if (writing) return;
        const auto now = std::chrono::steady_clock::now();
        const bool refresh = now - last_refresh > opt.session_ttl / 3;
        std::vector<std::vector<std::string>> cmds;
        const std::size_t n = batch.size();
        for (std::size_t i = 0; i < n; ++i) {
            std::vector<std::string> x{"XADD", batch[i].stream, "MAXLEN", "~", std::to_string(opt.publish->maxlen), "*",
                                       "data", batch[i].payload};
            cmds.push_back(std::move(x));
        }
        std::vector<std::pair<std::uint32_t, std::optional<session_info>>> written;
        for (auto& [id, t] : sessions) {
            std::optional<session_info> now_s;
            if (!t.ended && manager)
                if (const shard* s = manager->find(id))
                    if (const client* c = s->current_client()) now_s = c->session();
            if (t.ended || !now_s) {
                if (t.ended && t.written) {
                    cmds.push_back(store.erase(id));
                    written.emplace_back(id, std::nullopt);
                }
                continue;
            }
            const bool same = t.written && t.written->session_id == now_s->session_id && t.written->seq == now_s->seq &&
                              t.written->resume_gateway_url == now_s->resume_gateway_url;
            if (same && !refresh) continue;
            for (auto& c : store.write(id, *now_s)) cmds.push_back(std::move(c));
            written.emplace_back(id, std::move(now_s));
        }
        if (refresh) last_refresh = now;
        if (cmds.empty()) {
            if (then) then();
            return;
        }
        writing = true;
        in_flight = n;
        redis.command({"MULTI"}, [](boost::system::error_code, redis::reply) {});
        for (auto& c : cmds) redis.command(std::move(c), [](boost::system::error_code, redis::reply) {});
        redis.command({"EXEC"}, [w = weak_from_this(), n, written = std::move(written), then = std::move(then)](
                                    boost::system::error_code ec, redis::reply r) mutable {
            auto self = w.lock();
            if (!self) return;
            self->writing = false;
            self->in_flight = 0;
            if (ec || r.type != redis::reply::kind::array) {
                // Not written (or not known to be): keep the events; `written` is unchanged, so
                // the next flush compares against it and writes the sessions again.
                if (then) then();
                return;
            }
            self->batch.erase(self->batch.begin(), self->batch.begin() + static_cast<std::ptrdiff_t>(n));
            self->counters.published += n;
            for (auto& [id, s] : written) {
                auto& t = self->sessions[id];
                if (s) ++self->counters.sessions_written;
                t.written = std::move(s);
            }
            if (then) then();
        });
    }

    void final_flush() {
        if (stopped) return;
        flush([w = weak_from_this()] {
            if (auto self = w.lock()) self->finish();
        });
        if (!writing) finish(); // nothing was sent: flush() ran `then` already, or Redis is down
    }

    void finish() {
        if (stopped) return;
        stopped = true;
        flush_timer.cancel();
        load_timer.cancel();
        queue.shutdown();
        redis.shutdown();
    }

    void shutdown() {
        if (stopping) return;
        stopping = true;
        load_timer.cancel();
        if (manager && manager->running() > 0) {
            manager->shutdown(); // the last on_stop runs final_flush
            return;
        }
        final_flush();
    }
};

cluster_node::cluster_node(boost::asio::io_context& io, cluster_options options, const event_handlers& handlers)
    : impl_(std::make_shared<impl>(io, std::move(options), handlers)) {}

cluster_node::~cluster_node() {
    impl_->stopped = true;
    impl_->flush_timer.cancel();
    impl_->load_timer.cancel();
}

void cluster_node::start() { impl_->start(); }
void cluster_node::shutdown() { impl_->shutdown(); }
void cluster_node::on_stop(std::function<void(std::uint32_t, const stop&)> cb) { impl_->stop_cb = std::move(cb); }
const shard_manager* cluster_node::manager() const noexcept { return impl_->manager.get(); }

cluster_snapshot cluster_node::snapshot() const {
    const impl& m = *impl_;
    cluster_snapshot s = m.counters;
    s.publish_buffered = m.batch.size();
    const auto& rs = m.redis.stats();
    s.redis_up = rs.up;
    s.redis_connects = rs.connects;
    s.redis_failures = rs.connect_failures;
    const auto qs = m.queue.stats();
    s.identify_waiting = qs.waiting;
    s.identify_grants = qs.grants;
    s.identify_budget = qs.remaining;
    if (m.manager) s.shards = m.manager->snapshot();
    return s;
}

} // namespace dgw
