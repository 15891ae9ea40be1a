// The client's actions, performed: the client decides, the shard only carries out.

#include <dgw/detail/shard_impl.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <string>
#include <utility>
#include <variant>

namespace dgw {

void shard::impl::perform(std::vector<action> actions) {
    for (auto& a : actions) {
        // A handler may shut the shard down halfway through a batch (READY's handler
        // calling shutdown() is common): the rest of the batch would re-arm the
        // heartbeat timer and keep io.run() alive for a whole interval.
        if (dead || stopped) return;
        std::visit([&](auto& x) { act(x); }, a);
    }
}

void shard::impl::act(send_frame& s) { enqueue(std::move(s.message)); }

void shard::impl::act(set_timer& t) {
    const std::uint64_t tg = ++timer_gen;
    timer.expires_at(t.at);
    timer.async_wait([self = shared_from_this(), tg](boost::system::error_code ec) {
        if (ec || self->dead || self->stopped || tg != self->timer_gen || !self->cl) return;
        self->perform(self->cl->on_timer(now()));
    });
}

void shard::impl::act(cancel_timer&) {
    ++timer_gen;
    timer.cancel();
}

void shard::impl::act(close_socket& c) {
    if (conn) close(conn, c.code, c.reason);
}

void shard::impl::act(deliver_event& e) { handlers.dispatch(e); }
void shard::impl::act(event_decode_failed& e) { handlers.dispatch(e); }

void shard::impl::act(request_identify& r) {
    const std::uint64_t g = gen;
    auto grant = [w = weak_from_this(), g] {
        // May run inside request() or on another thread: always continue on the io_context.
        if (auto self = w.lock())
            boost::asio::post(self->io, [self, g] {
                if (self->dead || self->stopped || g != self->gen || !self->cl) return;
                self->ticket.reset();
                self->perform(self->cl->on_identify_granted(now()));
            });
    };
    if (opt.identify) ticket = opt.identify->request(r.shard_id, std::move(grant));
    else grant();
}

void shard::impl::act(cancel_identify&) {
    if (ticket && opt.identify) opt.identify->cancel(*ticket);
    ticket.reset();
}

void shard::impl::act(reconnect& r) {
    if (r.resume) ++stats.resumes;
    stats.short_lived_streak = r.short_lived_streak;
    // The client chose the delay (back-off after short-lived connections, op 9's wait);
    // the shard only waits it out.
    std::string why = std::string(r.resume ? "resuming" : "identifying") + " in " + std::to_string(r.delay.count()) +
                      " ms";
    if (r.delay.count() > 0 && r.short_lived_streak >= 2) {
        ++stats.backoffs;
        why = "backing off " + std::to_string(r.delay.count()) + " ms after " + std::to_string(r.short_lived_streak) +
              " short-lived connections, then " + (r.resume ? "resuming" : "identifying");
    }
    log(r.delay.count() > 0 && r.short_lived_streak >= 2 ? log_level::warning : log_level::info, why);
    ++timer_gen;
    timer.cancel();
    backing_off = true;
    stats.waiting_until = now() + r.delay;
    stats.waiting_reason = why;
    reconnect_timer.expires_after(r.delay);
    reconnect_timer.async_wait([self = shared_from_this(), url = r.url](boost::system::error_code ec) {
        if (ec || self->dead || self->stopped) return;
        self->backing_off = false;
        self->stats.waiting_until.reset();
        self->stats.waiting_reason.clear();
        // The dead client is the parent: the next one resumes its session if it can.
        client next(self->opt.client, *self->cl);
        self->cl.emplace(std::move(next));
        self->connect(url);
    });
}

void shard::impl::act(stop& s) { finish(std::move(s)); }

void shard::impl::act(command_refused& r) {
    log(log_level::warning, "command refused: " + r.detail);
    if (refused_cb) refused_cb(r);
}

} // namespace dgw
