// One websocket connection of `dgw gateway serve`: Hello, Identify/Resume, heartbeats,
// the session's dispatches, and the rules Discord enforces (server_state.hpp).
#include "server_state.hpp"

#include <dgw/intents.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

namespace dgw::tool::serve {

namespace asio = boost::asio;
namespace json = boost::json;
using asio::awaitable;
using clock = std::chrono::steady_clock;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

namespace {

// Close codes after which Discord's session cannot be resumed.
bool ends_session(std::uint16_t code) {
    return code == 4003 || code == 4004 || code == 4007 || (code >= 4009 && code <= 4014);
}

json::array trace() { return json::array{"[\"dgw-gateway-serve\",{\"micros\":0.0}]"}; }

json::object control(int op, json::value d) {
    json::object o;
    o["t"] = nullptr;
    o["s"] = nullptr;
    o["op"] = op;
    o["d"] = std::move(d);
    return o;
}

const json::value* get(const json::object& o, std::string_view k) { return o.if_contains(k); }

std::optional<std::int64_t> integer(const json::value* v) {
    if (!v) return std::nullopt;
    if (v->is_int64()) return v->as_int64();
    if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
        return static_cast<std::int64_t>(v->as_uint64());
    return std::nullopt;
}

std::string_view text(const json::value* v) { return v && v->is_string() ? std::string_view(v->as_string()) : ""; }

} // namespace

connection::connection(server_state& srv, std::unique_ptr<transport> t, std::uint64_t id, gateway_query q)
    : srv_(srv), t_(std::move(t)), id_(id), q_(q), wire_(q.encoding, q.compress), wake_writer_(srv.io),
      wake_feeder_(srv.io), beat_timer_(srv.io), close_guard_(srv.io) {}

void connection::log_connect() {
    json::object o;
    o["conn"] = id_;
    o["remote"] = t_->remote();
    o["v"] = q_.v;
    o["encoding"] = to_string(q_.encoding);
    o["compress"] = q_.compress ? compress::to_string(*q_.compress) : std::string_view("none");
    srv_.log.write("connect", o);
}

awaitable<void> connection::run(http_request req) {
    auto self = shared_from_this();
    if (error_code ec = co_await t_->accept(req)) {
        log_end(ec);
        done_ = true;
        co_return;
    }
    log_connect();
    asio::co_spawn(srv_.io, writer(), asio::detached);
    if (q_.v != "10") {
        // Discord's default without v (6) is gone, like every version but 10.
        close_with(4012, "Invalid API version", q_.v.empty() ? "no v in the query" : "v=" + q_.v);
    } else {
        json::object d;
        d["heartbeat_interval"] = srv_.opt.heartbeat_interval.count();
        d["_trace"] = trace();
        send_control(10, std::move(d), "hello");
        asio::co_spawn(srv_.io, heartbeat_watch(), asio::detached);
    }
    std::string buf;
    error_code ec;
    for (;;) {
        ec = co_await t_->read(buf);
        if (ec) break;
        if (closing_) continue; // after our close frame nothing counts
        handle(buf);
    }
    log_end(ec);
    done_ = true;
    wake_writer_.cancel();
    wake_feeder_.cancel();
    beat_timer_.cancel();
    close_guard_.cancel();
}

void connection::log_end(error_code ec) {
    json::object o;
    o["conn"] = id_;
    if (ec == boost::beast::websocket::error::closed && !server_closed_) {
        // The client closed first (Beast answered its close frame).
        const std::uint16_t code = t_->peer_close_code();
        o["by"] = "client";
        o["code"] = code;
        o["reason"] = t_->peer_close_reason();
        srv_.log.write("close", o);
        if (session_ && (code == 1000 || code == 1001)) srv_.end_session(*session_, "client closed with 1000/1001");
        o = json::object();
        o["conn"] = id_;
    }
    o["error"] = ec.message();
    if (session_) o["session"] = session_->id;
    srv_.log.write("disconnect", o);
    if (session_ && session_->conn.lock().get() == this) session_->conn.reset();
}

void connection::enqueue(out_item item) {
    queue_.push_back(std::move(item));
    wake_writer_.cancel();
}

void connection::send_control(int op, json::value d, std::string_view what) {
    if (done_ || closing_) return;
    out_item it;
    wire_.encode(control(op, std::move(d)), it.bytes);
    it.t = std::string(what);
    enqueue(std::move(it));
}

void connection::close_with(std::uint16_t code, std::string_view reason, std::string_view why) {
    if (done_ || closing_) return;
    closing_ = true;
    out_item it;
    it.kind = out_item::close;
    it.code = code;
    it.reason = std::string(reason);
    it.why = std::string(why);
    enqueue(std::move(it));
    if (session_ && ends_session(code)) {
        srv_.end_session(*session_, "closed with " + std::to_string(code));
        session_.reset();
    }
}

void connection::drop(std::string_view why) {
    if (done_) return;
    json::object o;
    o["conn"] = id_;
    o["why"] = why;
    srv_.log.write("drop", o);
    closing_ = true;
    server_closed_ = true;
    t_->drop();
}

bool connection::split_next() noexcept {
    if (q_.compress != compress::transport::zlib_stream) return false;
    split_ = true;
    return true;
}

void connection::detach() noexcept {
    ++feeder_gen_;
    session_.reset();
}

void connection::log_close_sent(const out_item& it) {
    json::object o;
    o["conn"] = id_;
    o["by"] = "server";
    o["code"] = it.code;
    o["reason"] = it.reason;
    if (!it.why.empty()) o["why"] = it.why;
    srv_.log.write("close", o);
}

void connection::log_written(const out_item& it) {
    if (it.kind != out_item::dispatch) return;
    json::object o;
    o["conn"] = id_;
    if (session_) {
        o["session"] = session_->id;
        o["shard"] = session_->shard;
    }
    o["s"] = it.s;
    o["t"] = it.t;
    if (it.event >= 0) o["i"] = it.event;
    o["replay"] = it.replay;
    srv_.log.write("dispatch", o);
}

void connection::log_split(std::size_t first, std::size_t second) {
    json::object o;
    o["conn"] = id_;
    o["first"] = first;
    o["second"] = second;
    srv_.log.write("split", o);
}

awaitable<void> connection::writer() {
    auto self = shared_from_this();
    asio::steady_timer pause(srv_.io);
    while (!done_) {
        if (queue_.empty()) {
            wake_writer_.expires_at(clock::time_point::max());
            co_await wake_writer_.async_wait(tuple_awaitable);
            continue;
        }
        out_item it = std::move(queue_.front());
        queue_.pop_front();
        wake_feeder_.cancel();
        if (it.kind == out_item::close) {
            server_closed_ = true;
            log_close_sent(it);
            // A client that never answers the close frame is dropped.
            close_guard_.expires_after(std::chrono::seconds(2));
            close_guard_.async_wait([w = weak_from_this()](error_code ec) {
                if (auto c = w.lock(); c && !ec && !c->done_) c->t_->drop();
            });
            co_await t_->close(it.code, it.reason);
            co_return;
        }
        if (delay_.count() > 0) {
            pause.expires_after(delay_);
            delay_ = {};
            co_await pause.async_wait(tuple_awaitable);
            if (done_) break;
        }
        const std::string_view frame = wire_.frame(it.bytes);
        error_code ec;
        if (split_ && frame.size() >= 2) {
            // zlib-stream: one gateway message across two websocket messages; only the
            // second ends with 00 00 ff ff.
            split_ = false;
            const std::size_t half = frame.size() / 2;
            ec = co_await t_->write(frame.substr(0, half), true);
            if (!ec) ec = co_await t_->write(frame.substr(half), true);
            if (!ec) log_split(half, frame.size() - half);
        } else {
            ec = co_await t_->write(frame, wire_.binary());
        }
        if (ec) break; // the reader sees it too
        log_written(it);
        if (it.kind == out_item::dispatch && !it.replay && it.event >= 0) srv_.dispatch_written(*this);
    }
}

awaitable<void> connection::heartbeat_watch() {
    auto self = shared_from_this();
    const auto timeout = srv_.opt.heartbeat_timeout.count() > 0 ? srv_.opt.heartbeat_timeout
                                                                 : srv_.opt.heartbeat_interval * 2;
    for (;;) {
        beat_timer_.expires_after(timeout);
        auto [ec] = co_await beat_timer_.async_wait(tuple_awaitable);
        if (done_ || closing_) co_return;
        if (ec) continue; // a heartbeat arrived: wait again
        close_with(4009, "Session timed out", "no heartbeat in time");
        co_return;
    }
}

void connection::handle(std::string_view bytes) {
    // Discord counts every payload on its receive times: 120 per 60 s.
    const auto now = clock::now();
    while (!received_.empty() && now - received_.front() >= srv_.opt.command_window) received_.pop_front();
    received_.push_back(now);
    if (received_.size() > srv_.opt.command_limit) {
        close_with(4008, "Rate limited.",
                   "payload " + std::to_string(received_.size()) + " within the command window");
        return;
    }
    json::object msg;
    if (std::string why = parse_client_payload(bytes, q_.encoding, msg); !why.empty()) {
        close_with(4002, "Error while decoding payload.", why);
        return;
    }
    const std::int64_t op = *integer(get(msg, "op"));
    const json::value* dv = get(msg, "d");
    static const json::object empty;
    const json::object& d = dv && dv->is_object() ? dv->as_object() : empty;
    switch (op) {
    case 1: on_heartbeat(msg); return;
    case 2: on_identify(d); return;
    case 6: on_resume(d); return;
    case 3: case 4: case 8: case 31: case 43: {
        if (!session_) {
            close_with(4003, "Not authenticated.", "op " + std::to_string(op) + " before identify");
            return;
        }
        json::object o;
        o["conn"] = id_;
        o["op"] = op;
        srv_.log.write("command", o);
        return;
    }
    default: close_with(4001, "Unknown opcode.", "op " + std::to_string(op));
    }
}

void connection::on_heartbeat(const json::object& msg) {
    beat_timer_.cancel();
    json::object o;
    o["conn"] = id_;
    const json::value* d = get(msg, "d");
    o["d"] = d ? *d : json::value(nullptr);
    o["acked"] = !zombie_;
    srv_.log.write("heartbeat", o);
    if (!zombie_) send_control(11, nullptr, "heartbeat_ack");
}

void connection::invalid_session(bool resumable, std::string_view why) {
    json::object o;
    o["conn"] = id_;
    o["d"] = resumable;
    o["why"] = why;
    srv_.log.write("invalid_session", o);
    send_control(9, resumable, "invalid_session");
}

void connection::on_identify(const json::object& d) {
    if (session_) {
        close_with(4005, "Already authenticated.", "second identify");
        return;
    }
    if (text(get(d, "token")) != srv_.opt.token) {
        close_with(4004, "Authentication failed.", "identify with a wrong token");
        return;
    }
    std::int64_t shard = 0, count = 1;
    if (const json::value* sv = get(d, "shard"); sv && !sv->is_null()) {
        const auto* a = sv->if_array();
        std::optional<std::int64_t> id, n;
        if (a && a->size() == 2) {
            id = integer(&(*a)[0]);
            n = integer(&(*a)[1]);
        }
        if (!id || !n) {
            close_with(4010, "Invalid shard.", "shard is not [id, count]");
            return;
        }
        shard = *id;
        count = *n;
    }
    if (shard < 0 || count < 1 || shard >= count || count != static_cast<std::int64_t>(srv_.opt.shards)) {
        close_with(4010, "Invalid shard.",
                   "shard [" + std::to_string(shard) + ", " + std::to_string(count) + "] with --shards " +
                       std::to_string(srv_.opt.shards));
        return;
    }
    const auto intents = integer(get(d, "intents"));
    if (!intents || *intents < 0 || (static_cast<std::uint64_t>(*intents) & ~static_cast<std::uint64_t>(all_intents))) {
        close_with(4013, "Invalid intent(s).", "intents not a subset of 0x331ffff");
        return;
    }
    if (!srv_.opt.privileged && (static_cast<std::uint64_t>(*intents) & static_cast<std::uint64_t>(privileged_intents))) {
        close_with(4014, "Disallowed intent(s).", "privileged intents without --privileged");
        return;
    }
    const unsigned bucket = static_cast<unsigned>(shard) % std::max(1u, srv_.opt.max_concurrency);
    const auto now = clock::now();
    if (auto it = srv_.bucket_last.find(bucket);
        it != srv_.bucket_last.end() && now - it->second < srv_.opt.identify_interval) {
        invalid_session(false, "identify too fast: bucket " + std::to_string(bucket) + " (max_concurrency " +
                                   std::to_string(srv_.opt.max_concurrency) + ")");
        return;
    }
    if (srv_.session_start_remaining == 0) {
        invalid_session(false, "session_start_limit exhausted");
        return;
    }
    srv_.bucket_last[bucket] = now;
    --srv_.session_start_remaining;
    auto s = std::make_shared<session>();
    s->id = srv_.new_session_id();
    s->shard = static_cast<unsigned>(shard);
    s->shard_count = static_cast<unsigned>(count);
    s->intents = static_cast<std::uint64_t>(*intents);
    s->conn = weak_from_this();
    srv_.sessions[s->id] = s;
    session_ = s;
    json::object o;
    o["conn"] = id_;
    o["session"] = s->id;
    o["shard"] = json::array{shard, count};
    o["intents"] = *intents;
    srv_.log.write("identify", o);
    // READY is s = 1.
    s->history.push_back(-1);
    out_item it;
    it.kind = out_item::dispatch;
    it.s = 1;
    it.t = "READY";
    json::object r = control(0, ready(*s));
    r["t"] = "READY";
    r["s"] = 1;
    wire_.encode(r, it.bytes);
    enqueue(std::move(it));
    start_feeder(-1);
}

json::object connection::ready(const session& s) const {
    json::object user;
    user["id"] = "1000000000000000001";
    user["username"] = "dgw-serve";
    user["discriminator"] = "0";
    user["global_name"] = nullptr;
    user["avatar"] = nullptr;
    user["bot"] = true;
    user["flags"] = 0;
    json::array guilds;
    for (const auto& g : srv_.feed.guilds(s.shard)) {
        json::object u;
        u["id"] = g;
        u["unavailable"] = true;
        guilds.push_back(std::move(u));
    }
    json::object app;
    app["id"] = "1000000000000000001";
    app["flags"] = 0;
    json::object d;
    d["v"] = 10;
    d["user"] = std::move(user);
    d["guilds"] = std::move(guilds);
    d["session_id"] = s.id;
    d["resume_gateway_url"] = srv_.url();
    d["shard"] = json::array{s.shard, s.shard_count};
    d["application"] = std::move(app);
    d["_trace"] = trace();
    return d;
}

void connection::on_resume(const json::object& d) {
    if (session_) {
        close_with(4005, "Already authenticated.", "resume after identify or resume");
        return;
    }
    if (text(get(d, "token")) != srv_.opt.token) {
        close_with(4004, "Authentication failed.", "resume with a wrong token");
        return;
    }
    const std::string id(text(get(d, "session_id")));
    const std::int64_t seq = integer(get(d, "seq")).value_or(0);
    auto found = srv_.sessions.find(id);
    if (found == srv_.sessions.end() || found->second->ended) {
        json::object o;
        o["conn"] = id_;
        o["session"] = id;
        o["seq"] = seq;
        o["why"] = found == srv_.sessions.end() ? "unknown session" : "session ended";
        srv_.log.write("resume_failed", o);
        invalid_session(false, "resume of an unknown or ended session");
        return;
    }
    auto s = found->second;
    if (seq < 0 || seq > s->last_s()) {
        session_ = s; // so that close_with ends it
        close_with(4007, "Invalid seq.",
                   "resume at seq " + std::to_string(seq) + ", last sent " + std::to_string(s->last_s()));
        return;
    }
    if (auto old = s->conn.lock(); old && old.get() != this) {
        old->detach();
        old->drop("session resumed on conn " + std::to_string(id_));
    }
    s->conn = weak_from_this();
    session_ = s;
    std::int64_t replayed = 0;
    for (std::size_t k = static_cast<std::size_t>(seq); k < s->history.size(); ++k) replayed += s->history[k] >= 0;
    json::object o;
    o["conn"] = id_;
    o["session"] = s->id;
    o["shard"] = s->shard;
    o["seq"] = seq;
    o["replayed"] = replayed;
    srv_.log.write("resume", o);
    start_feeder(seq);
}

void connection::start_feeder(std::int64_t replay_after) {
    ++feeder_gen_;
    asio::co_spawn(srv_.io, feeder(session_, replay_after), asio::detached);
}

void connection::queue_dispatch(session& s, std::int64_t k, bool replay) {
    out_item it;
    it.kind = out_item::dispatch;
    it.s = k + 1;
    it.event = s.history[static_cast<std::size_t>(k)];
    it.replay = replay;
    it.t = std::string(srv_.feed.name(static_cast<std::size_t>(it.event)));
    if (!srv_.feed.encode(static_cast<std::size_t>(it.event), it.s, q_.encoding, it.bytes)) {
        json::object o;
        o["conn"] = id_;
        o["i"] = it.event;
        o["why"] = "cannot be encoded in this encoding";
        srv_.log.write("dispatch_skipped", o);
        return;
    }
    enqueue(std::move(it));
}

connection::out_item connection::resumed_item(session& s) {
    s.history.push_back(-1);
    json::object d;
    d["_trace"] = trace();
    json::object r = control(0, std::move(d));
    r["t"] = "RESUMED";
    r["s"] = s.last_s();
    out_item it;
    it.kind = out_item::dispatch;
    it.s = s.last_s();
    it.t = "RESUMED";
    wire_.encode(r, it.bytes);
    return it;
}

void connection::log_feed_done(const session& s) {
    json::object o;
    o["conn"] = id_;
    o["session"] = s.id;
    o["shard"] = s.shard;
    o["last_s"] = s.last_s();
    srv_.log.write("feed_done", o);
}

awaitable<void> connection::feeder(std::shared_ptr<session> s, std::int64_t replay_after) {
    auto self = shared_from_this();
    const std::uint64_t gen = feeder_gen_;
    auto ok = [&] { return !done_ && !closing_ && session_ == s && !s->ended && gen == feeder_gen_; };
    auto wait_room = [&]() -> awaitable<void> {
        while (backlogged() && ok()) {
            wake_feeder_.expires_at(clock::time_point::max());
            co_await wake_feeder_.async_wait(tuple_awaitable);
        }
    };
    if (replay_after >= 0) {
        const std::size_t end = s->history.size();
        for (std::size_t k = static_cast<std::size_t>(replay_after); k < end; ++k) {
            co_await wait_room();
            if (!ok()) co_return;
            if (s->history[k] >= 0) queue_dispatch(*s, static_cast<std::int64_t>(k), true);
        }
        if (!ok()) co_return;
        enqueue(resumed_item(*s));
    }
    const auto& list = srv_.feed.for_shard(s->shard);
    asio::steady_timer pace(srv_.io);
    while (ok()) {
        if (s->cursor >= list.size()) {
            if (!s->feed_done_logged) {
                s->feed_done_logged = true;
                log_feed_done(*s);
            }
            co_return;
        }
        co_await wait_room();
        if (!ok()) co_return;
        s->history.push_back(static_cast<std::int64_t>(list[s->cursor++]));
        queue_dispatch(*s, s->last_s() - 1, false);
        if (srv_.opt.rate > 0) {
            pace.expires_after(std::chrono::microseconds(static_cast<std::int64_t>(1e6 / srv_.opt.rate)));
            co_await pace.async_wait(tuple_awaitable);
        }
    }
}

} // namespace dgw::tool::serve
