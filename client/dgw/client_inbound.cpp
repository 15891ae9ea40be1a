// The client's reaction to received messages, by opcode and state.
#include <dgw/client.hpp>

#include <dgw/gateway.hpp>
#include <dgw/detail/inbound.hpp>
#include <dgw/protocol_error.hpp>

#include <boost/system/system_error.hpp>

namespace dgw {

void client::handle(const message_received& in, actions& out) {
    if (closed()) {
        log(log_level::debug, "message after close ignored");
        return;
    }
    ++stats_.messages_received;
    stats_.bytes_received += in.bytes.size();
    if (config_.capture) {
        std::string copy(in.bytes);
        mask_secret(copy, config_.identify.token);
        config_.capture(capture_direction::received, copy, config_.encoding == Encoding::Etf);
    }

    inbound msg;
    msg.message = std::move(spare_);
    decode_error err;
    inbound_options opt;
    opt.events = config_.decode_events ? &*config_.decode_events : nullptr;
    opt.keep_raw = config_.keep_unhandled_raw;
    opt.keep_decoded_raw = config_.keep_decoded_raw;
    opt.keep_mismatched = config_.keep_mismatched;
    if (!decode_inbound(in.bytes, config_.encoding, msg, err, opt)) {
        spare_ = std::move(msg.message);
        // A lost message may be a lost dispatch; resuming replays it from our last s.
        reconnect_after({.cause = close_cause::malformed_message,
                         .detail = "undecodable message: " + err.message(),
                         .our_close = config_.reconnect_close_code,
                         .code = config_.reconnect_close_code},
                        in.now, out);
        return;
    }

    const auto op = static_cast<Opcode>(msg.message->op);
    // Only a dispatch hands its message out; any other keeps the storage for the next one.
    if (op != Opcode::Dispatch) spare_ = msg.message;
    switch (op) {
    case Opcode::Dispatch:
        on_dispatch(msg, in.now, out);
        break;
    case Opcode::Hello:
        on_hello(msg.heartbeat_interval, in.now, out);
        break;
    case Opcode::Reconnect:
        // Valid in any state, even before Hello: keep the session (non-1000 close) and resume.
        reconnect_after({.cause = close_cause::reconnect_requested,
                         .detail = "op 7 Reconnect",
                         .our_close = config_.reconnect_close_code,
                         .code = config_.reconnect_close_code},
                        in.now, out);
        break;
    case Opcode::InvalidSession: {
        if (msg.resumable) {
            reconnect_after({.cause = close_cause::invalid_session,
                             .detail = "op 9 Invalid Session (resumable)",
                             .our_close = config_.reconnect_close_code,
                             .code = config_.reconnect_close_code},
                            in.now, out);
        } else {
            auto delay = config_.invalid_session_delay
                             ? config_.invalid_session_delay()
                             : std::chrono::milliseconds(std::uniform_int_distribution<int>(1000, 5000)(rng_));
            reconnect_after({.cause = close_cause::invalid_session,
                             .detail = "op 9 Invalid Session (not resumable)",
                             .our_close = config_.reconnect_close_code,
                             .code = config_.reconnect_close_code,
                             .resume = false,
                             .delay = delay},
                            in.now, out);
        }
        break;
    }
    case Opcode::Heartbeat:
        // The server wants a beat now, not at the next slot.
        if (link* conn = current_link()) send_heartbeat(*conn, in.now, out);
        else log(log_level::debug, "op 1 before Hello ignored");
        break;
    case Opcode::HeartbeatAck:
        if (link* conn = current_link()) {
            ++stats_.heartbeat_acks;
            if (auto latency = conn->beat.acked(in.now)) stats_.heartbeat_latency = *latency;
        }
        break;
    default:
        log(log_level::debug, "ignoring op " + std::to_string(msg.message->op));
        break;
    }
    if (!closed()) flush_queue(in.now, out);
}

void client::on_hello(std::int64_t interval_ms, clock::time_point now, actions& out) {
    auto* waiting = std::get_if<state::awaiting_hello>(&state_);
    if (waiting == nullptr) {
        log(log_level::warning, "second Hello ignored");
        return;
    }
    double jitter = config_.jitter ? config_.jitter() : std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
    std::chrono::milliseconds interval(interval_ms);
    link conn{heartbeat(interval, now, jitter), command_ratelimiter(interval, config_.command_window)};
    log(log_level::debug, "Hello: heartbeat every " + std::to_string(interval_ms) + " ms");

    if (waiting->resume) {
        session_info session = std::move(*waiting->resume);
        conn.limiter.acquire_priority(now);
        commands::Resume resume;
        resume.token = config_.identify.token;
        resume.session_id = session.session_id;
        resume.seq = session.seq.value_or(0); // a session without a seq is never resumed (reconnect_after)
        log(log_level::info, "resuming session " + session.session_id + " at seq " + std::to_string(resume.seq));
        emit(encode_frame(resume, config_.encoding), Opcode::Resume, out);
        std::optional<clock::time_point> due;
        if (config_.ready_timeout.count() > 0) due = now + config_.ready_timeout;
        state_ = state::resuming{std::move(conn), std::move(session), due};
        return;
    }
    state_ = state::identifying{std::move(conn), false, std::nullopt, std::nullopt};
    auto& id = std::get<state::identifying>(state_);
    if (config_.await_identify_permit) {
        out.push_back(request_identify{config_.identify.shard_id});
    } else {
        send_identify(id.conn, now, out);
        id.identify_sent = true;
        if (config_.ready_timeout.count() > 0) id.deadline = now + config_.ready_timeout;
    }
}

void client::on_dispatch(inbound& msg, clock::time_point now, actions& out) {
    ++stats_.dispatches;
    const GatewayMessage& m = *msg.message;
    // The sequence is stored before the event leaves, whatever the event (unknown ones, and
    // ones whose d failed to decode, too).
    std::visit(
        [&](auto& s) {
            using S = std::decay_t<decltype(s)>;
            if constexpr (std::is_same_v<S, state::identifying>) {
                if (m.s) s.seq = m.s;
            } else if constexpr (std::is_same_v<S, state::resuming> || std::is_same_v<S, state::connected>) {
                if (m.s) s.session.seq = m.s;
            }
        },
        state_);

    if (std::holds_alternative<state::awaiting_hello>(state_)) {
        log(log_level::warning, "dispatch " + m.t + " before Hello ignored");
        return;
    }
    if (auto* id = std::get_if<state::identifying>(&state_); id != nullptr && m.type == EventType::Ready) {
        session_info session{msg.session_id, msg.resume_gateway_url, id->seq};
        log(log_level::info, "READY: session " + session.session_id);
        if (!session.resume_gateway_url.empty()) {
            // A URL we could not connect to would cost the session at the first
            // reconnect; without one the client resumes on gateway_url, as it does for a
            // READY that has none.
            try {
                gateway_url(session.resume_gateway_url, query());
            } catch (const boost::system::system_error& e) {
                log(log_level::warning, std::string(e.what()) + "; resuming on gateway_url instead");
                session.resume_gateway_url.clear();
            }
        }
        session_id_ = std::make_shared<const std::string>(session.session_id);
        state_ = state::connected{std::move(id->conn), std::move(session), now};
    } else if (auto* rs = std::get_if<state::resuming>(&state_); rs != nullptr && m.type == EventType::Resumed) {
        ++stats_.resumes;
        log(log_level::info, "RESUMED at seq " + (rs->session.seq ? std::to_string(*rs->session.seq) : "null"));
        state_ = state::connected{std::move(rs->conn), std::move(rs->session), now};
    }

    const std::uint32_t shard = config_.identify.shard_id;
    if (msg.event_error) {
        ++stats_.event_decode_failures;
        decode_error e = std::move(msg.event_error);
        // Decoder details can quote received bytes; nothing the client hands out carries the token.
        mask_secret(e.detail, config_.identify.token);
        mask_secret(e.path, config_.identify.token);
        log(log_level::warning, "event " + m.t + (m.s ? " s=" + std::to_string(*m.s) : std::string()) +
                                    " not decoded, delivered as event_decode_failed: " + e.message());
        out.push_back(event_decode_failed{m.t, m.s, m.type, shard, std::move(e), std::move(msg.message),
                                           session_id_});
        return;
    }
    if (!m.mismatched.empty()) note_mismatches(m);
    out.push_back(deliver_event{m.t, m.s, m.type, shard, std::move(msg.message), session_id_});
}

void client::note_mismatches(const GatewayMessage& m) {
    ++stats_.events_with_mismatches;
    if (mismatch_logged_.contains(m.type)) return;
    mismatch_logged_.insert(m.type);
    std::string line = "event " + m.t + ": values of the wrong type kept aside (logged once per event type):";
    for (const decode_error& e : m.mismatched) line += " " + e.message() + ";";
    line.pop_back();
    // Decoder details can quote received bytes; nothing the client hands out carries the token.
    mask_secret(line, config_.identify.token);
    log(log_level::warning, std::move(line));
}

} // namespace dgw
