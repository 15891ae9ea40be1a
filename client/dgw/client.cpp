#include <dgw/client.hpp>

#include <dgw/close_code.hpp>
#include <dgw/gateway_url.hpp>
#include <dgw/protocol_error.hpp>

#include <boost/system/system_error.hpp>

#include <algorithm>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace dgw {

namespace {

// RFC 6455 caps a close reason at 123 bytes; cut on a UTF-8 boundary.
std::string close_reason(const std::string& detail) {
    constexpr std::size_t max = 123;
    if (detail.size() <= max) return detail;
    std::size_t n = max;
    while (n > 0 && (static_cast<unsigned char>(detail[n]) & 0xC0) == 0x80) --n;
    return detail.substr(0, n);
}

} // namespace

const char* to_string(close_cause c) noexcept {
    switch (c) {
    case close_cause::shutdown: return "shutdown";
    case close_cause::server_closed: return "server_closed";
    case close_cause::reconnect_requested: return "reconnect_requested";
    case close_cause::invalid_session: return "invalid_session";
    case close_cause::zombie: return "zombie";
    case close_cause::malformed_message: return "malformed_message";
    case close_cause::hello_timeout: return "hello_timeout";
    case close_cause::ready_timeout: return "ready_timeout";
    }
    return "?";
}

client::client(client_config config)
    : config_(std::move(config)), state_(state::awaiting_hello{}), rng_(std::random_device{}()) {
    validate();
}

client::client(client_config config, session_info session)
    : config_(std::move(config)), state_(state::awaiting_hello{}), rng_(std::random_device{}()) {
    validate();
    if (session.session_id.empty())
        throw boost::system::system_error(make_error_code(protocol_errc::invalid_config),
                                          "a session to resume needs its session_id");
    session_id_ = std::make_shared<const std::string>(session.session_id);
    state_ = state::awaiting_hello{std::move(session), std::nullopt};
}

client::client(client_config config, client& parent)
    : config_(std::move(config)), state_(state::awaiting_hello{}), rng_(std::random_device{}()) {
    validate();
    auto* dead = std::get_if<state::closed>(&parent.state_);
    if (dead == nullptr) throw std::logic_error("dgw::client: the parent connection is still open");
    state_ = state::awaiting_hello{dead->resumable, std::nullopt};
    // A resumed session keeps its id: share the parent's string, so that dispatches of both
    // connections point to one. An identifying child gets its id from its own READY.
    if (dead->resumable) {
        if (parent.session_id_ && *parent.session_id_ == dead->resumable->session_id)
            session_id_ = parent.session_id_;
        else
            session_id_ = std::make_shared<const std::string>(dead->resumable->session_id);
    }
    stats_ = parent.stats_;
    mismatch_logged_ = parent.mismatch_logged_; // once per event type for the whole shard, not per connection
    ++stats_.reconnects;
    pending_ = std::move(parent.pending_);
    parent.pending_.clear();
}

void client::validate() const {
    auto bad = [](const char* why) {
        throw boost::system::system_error(make_error_code(protocol_errc::invalid_config), why);
    };
    if (config_.gateway_url.empty()) bad("gateway_url is empty");
    gateway_url(config_.gateway_url, query()); // throws invalid_config, saying what is wrong
    if (config_.identify.shard_count == 0 || config_.identify.shard_id >= config_.identify.shard_count)
        bad("shard_id must be below shard_count");
    // Payload compression is JSON-only and exclusive with transport compression (notes §6).
    if (config_.identify.compress &&
        (config_.encoding != Encoding::Json || config_.compression != transport_compression::none))
        bad("identify.compress needs JSON encoding and no transport compression");
    int c = config_.reconnect_close_code;
    if (c == 1000 || c == 1001 || !(c == 1012 || (c >= 3000 && c <= 4999)))
        bad("reconnect_close_code must keep the session (not 1000/1001) and be sendable");
    const auto& b = config_.backoff;
    if (b.initial.count() <= 0 || b.max < b.initial) bad("backoff needs 0 < initial <= max");
    if (config_.hello_timeout.count() < 0 || config_.ready_timeout.count() < 0) bad("timeouts must not be negative");
    if (config_.command_window.count() <= 0) bad("command_window must be positive");
}

std::vector<action> client::step(input in) {
    actions out;
    std::visit([&](auto& i) { handle(i, out); }, in);
    auto now = std::visit([](auto& i) { return i.now; }, in);
    sync_timer(now, out);
    return out;
}

std::vector<action> client::on_message(std::string_view bytes, clock::time_point now) {
    return step(message_received{bytes, now});
}
std::vector<action> client::on_close(int code, std::string_view reason, clock::time_point now) {
    return step(socket_closed{code, reason, now});
}
std::vector<action> client::on_timer(clock::time_point now) { return step(timer_fired{now}); }
std::vector<action> client::on_identify_granted(clock::time_point now) { return step(identify_granted{now}); }
std::vector<action> client::shutdown(clock::time_point now) { return step(shutdown_requested{now}); }
std::vector<action> client::on_open(clock::time_point now) { return step(socket_opened{now}); }

std::vector<action> client::send(command cmd, clock::time_point now) {
    return step(user_command{std::move(cmd), now});
}

gateway_query client::query() const noexcept {
    return gateway_query{10, config_.encoding, config_.compression};
}

bool client::resumes() const noexcept {
    if (auto* c = std::get_if<state::closed>(&state_)) return c->resumable.has_value();
    if (auto* w = std::get_if<state::awaiting_hello>(&state_)) return w->resume.has_value();
    return std::holds_alternative<state::resuming>(state_);
}

std::string client::url() const {
    auto session = current_session();
    if (auto* c = std::get_if<state::closed>(&state_)) session = c->resumable;
    // A READY without resume_gateway_url (older gateways) leaves only the cached URL.
    if (resumes() && session && !session->resume_gateway_url.empty())
        return gateway_url(session->resume_gateway_url, query());
    return gateway_url(config_.gateway_url, query());
}

link* client::current_link() noexcept {
    return std::visit(
        [](auto& s) -> link* {
            if constexpr (requires { s.conn; }) return &s.conn;
            else return nullptr;
        },
        state_);
}

std::optional<session_info> client::current_session() const {
    return std::visit(
        [](const auto& s) -> std::optional<session_info> {
            using S = std::decay_t<decltype(s)>;
            if constexpr (std::is_same_v<S, state::awaiting_hello>) return s.resume;
            else if constexpr (requires { s.session; }) return s.session;
            else return std::nullopt;
        },
        state_);
}

void client::log(log_level level, std::string line) const {
    if (!config_.log) return;
    mask_secret(line, config_.identify.token);
    config_.log(level, line);
}

void client::emit(frame f, Opcode op, actions& out) {
    ++stats_.messages_sent;
    stats_.bytes_sent += f.bytes.size();
    if (config_.capture) {
        std::string copy = f.bytes;
        mask_secret(copy, config_.identify.token);
        config_.capture(capture_direction::sent, copy, f.binary);
    }
    out.push_back(send_frame{std::move(f), op});
}

std::optional<client::clock::time_point> client::deadline() const noexcept {
    return std::visit(
        [](const auto& s) -> std::optional<clock::time_point> {
            if constexpr (requires { s.deadline; }) return s.deadline;
            else return std::nullopt;
        },
        state_);
}

void client::sync_timer(clock::time_point now, actions& out) {
    std::optional<clock::time_point> want;
    if (auto* conn = current_link()) {
        want = conn->beat.due();
        // A queued command waits for a permit; wake up when one frees, if before the beat.
        if (std::holds_alternative<state::connected>(state_) && !pending_.empty())
            want = std::min(*want, conn->limiter.next_available(now));
    }
    if (auto d = deadline()) want = want ? std::min(*want, *d) : *d;
    if (want == timer_) return;
    timer_ = want;
    if (want) out.push_back(set_timer{*want});
    else out.push_back(cancel_timer{});
}

void client::enter_closed(state::closed next, actions& out) {
    if (auto* id = std::get_if<state::identifying>(&state_);
        id != nullptr && !id->identify_sent && config_.await_identify_permit)
        out.push_back(cancel_identify{config_.identify.shard_id});
    state_ = std::move(next);
}

std::chrono::milliseconds client::settle_backoff(clock::time_point now) {
    const auto* live = std::get_if<state::connected>(&state_);
    if (live != nullptr && now - live->since >= config_.backoff.healthy_after) {
        stats_.short_lived_streak = 0;
        return std::chrono::milliseconds(0);
    }
    ++stats_.short_lived;
    const std::uint32_t streak = ++stats_.short_lived_streak;
    // One short-lived connection can be bad luck (a node restarting as we arrived): it
    // reconnects at once. From the second in a row: initial, 2x, 4x, ... up to max.
    if (streak < 2) return std::chrono::milliseconds(0);
    auto base = config_.backoff.initial;
    for (std::uint32_t i = 2; i < streak && base < config_.backoff.max; ++i) base *= 2;
    base = std::min(base, config_.backoff.max);
    double draw = config_.backoff.jitter ? config_.backoff.jitter()
                                         : std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
    draw = std::clamp(draw, 0.0, 1.0);
    return std::chrono::milliseconds(static_cast<std::int64_t>(static_cast<double>(base.count()) * (0.5 + draw / 2)));
}

void client::reconnect_after(reconnect_plan plan, clock::time_point now, actions& out) {
    std::optional<session_info> session = plan.resume ? current_session() : std::nullopt;
    // Resume's seq is an integer: without one (a READY that came with a null s) there is
    // nothing to resume from, so the next connection identifies.
    if (session && !session->seq) {
        log(log_level::warning, "session " + session->session_id + " has no sequence number; identifying");
        session.reset();
    }
    // Details can quote decoder diagnostics of received bytes; they reach closes and state.
    mask_secret(plan.detail, config_.identify.token);
    if (plan.our_close) out.push_back(close_socket{*plan.our_close, close_reason(plan.detail)});
    const auto backoff = settle_backoff(now);
    const std::uint32_t streak = stats_.short_lived_streak;
    std::string wait = std::to_string(std::max(plan.delay, backoff).count()) + " ms";
    if (backoff > plan.delay)
        wait = "backing off " + std::to_string(backoff.count()) + " ms after " + std::to_string(streak) +
               " short-lived connections";
    log(backoff > plan.delay ? log_level::warning : log_level::info,
        "closing (" + std::string(to_string(plan.cause)) + ": " + plan.detail + "); will " +
            (session ? "resume" : "identify") + (backoff > plan.delay ? ", " + wait : " after " + wait));
    enter_closed(state::closed{session, plan.cause, plan.code, plan.detail}, out);
    out.push_back(reconnect{url(), std::max(plan.delay, backoff), session.has_value(), streak});
}

void client::handle(const socket_closed& in, actions& out) {
    if (closed()) return; // the echo of a close we started, or a late report
    std::string reason(in.reason);
    mask_secret(reason, config_.identify.token);
    std::string detail = "server closed with " + std::to_string(in.code) + (reason.empty() ? "" : " (" + reason + ")");
    // The schema's policy (generated): 4004/4010-4014 stop, 4007/4009 new session, else resume.
    const CloseAction action = close_action(in.code);
    switch (action) {
    case CloseAction::Stop:
        log(log_level::error, detail + "; not reconnecting");
        enter_closed(state::closed{std::nullopt, close_cause::server_closed, in.code, detail}, out);
        out.push_back(stop{make_error_code(protocol_errc::fatal_close), in.code, detail});
        return;
    case CloseAction::NewSession:
    case CloseAction::Resume:
        reconnect_after({.cause = close_cause::server_closed,
                         .detail = std::move(detail),
                         .code = in.code,
                         .resume = action == CloseAction::Resume},
                        in.now, out);
        return;
    }
}

void client::handle(const shutdown_requested&, actions& out) {
    if (closed()) return;
    log(log_level::info, "shutting down (close 1000 ends the session)");
    out.push_back(close_socket{1000, "shutdown"});
    enter_closed(state::closed{std::nullopt, close_cause::shutdown, 1000, "shutdown requested"}, out);
    out.push_back(stop{make_error_code(protocol_errc::shutdown), 0, "shutdown requested"});
}

void client::handle(const socket_opened& in, actions&) {
    auto* waiting = std::get_if<state::awaiting_hello>(&state_);
    if (waiting == nullptr || config_.hello_timeout.count() == 0) return;
    waiting->deadline = in.now + config_.hello_timeout;
}

void client::handle(const timer_fired& in, actions& out) {
    if (auto d = deadline(); d && in.now >= *d) {
        const bool hello = std::holds_alternative<state::awaiting_hello>(state_);
        ++(hello ? stats_.hello_timeouts : stats_.ready_timeouts);
        const auto limit = hello ? config_.hello_timeout : config_.ready_timeout;
        std::string what = hello ? "no Hello" : std::holds_alternative<state::resuming>(state_) ? "no RESUMED" : "no READY";
        reconnect_after({.cause = hello ? close_cause::hello_timeout : close_cause::ready_timeout,
                         .detail = what + " within " + std::to_string(limit.count()) + " ms",
                         .our_close = config_.reconnect_close_code,
                         .code = config_.reconnect_close_code},
                        in.now, out);
        return;
    }
    link* conn = current_link();
    if (conn == nullptr) return;
    if (conn->beat.zombie(in.now)) {
        reconnect_after({.cause = close_cause::zombie,
                         .detail = "no heartbeat ACK since the previous heartbeat",
                         .our_close = config_.reconnect_close_code,
                         .code = config_.reconnect_close_code},
                        in.now, out);
        return;
    }
    if (conn->beat.is_due(in.now)) send_heartbeat(*conn, in.now, out);
    flush_queue(in.now, out);
}

void client::handle(const identify_granted& in, actions& out) {
    auto* id = std::get_if<state::identifying>(&state_);
    if (id == nullptr || id->identify_sent) {
        log(log_level::debug, "identify grant ignored: no Identify is waiting");
        return;
    }
    send_identify(id->conn, in.now, out);
    id->identify_sent = true;
    if (config_.ready_timeout.count() > 0) id->deadline = in.now + config_.ready_timeout;
}

void client::send_identify(link& conn, clock::time_point now, actions& out) {
    conn.limiter.acquire_priority(now);
    ++stats_.identifies;
    log(log_level::info, "identifying shard " + std::to_string(config_.identify.shard_id) + "/" +
                             std::to_string(config_.identify.shard_count) + " with intents " +
                             std::to_string(static_cast<std::uint64_t>(config_.identify.intents)));
    emit(encode_frame(identify_command(config_.identify), config_.encoding), Opcode::Identify, out);
}

void client::send_heartbeat(link& conn, clock::time_point now, actions& out) {
    std::optional<std::int64_t> seq;
    if (auto* id = std::get_if<state::identifying>(&state_)) seq = id->seq;
    else if (auto s = current_session()) seq = s->seq;
    conn.limiter.acquire_priority(now);
    conn.beat.sent(now);
    ++stats_.heartbeats_sent;
    commands::Heartbeat beat;
    beat.d = seq; // null before the first dispatch (never 0)
    emit(encode_frame(beat, config_.encoding), Opcode::Heartbeat, out);
}

} // namespace dgw
