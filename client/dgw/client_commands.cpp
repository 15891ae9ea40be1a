// User commands: validation, the size limit, the ready queue and the rate limiter.
#include <dgw/client.hpp>

#include <dgw/protocol_error.hpp>

namespace dgw {

void client::refuse(boost::system::error_code ec, Opcode op, std::string detail, actions& out) {
    ++stats_.commands_refused;
    mask_secret(detail, config_.identify.token);
    log(log_level::warning, "command op " + std::to_string(static_cast<int>(op)) + " refused: " + detail);
    out.push_back(command_refused{ec, op, std::move(detail)});
}

// Refused or sent as an encoded_command; encoded only when it gets past the refusals
// that do not look at the frame (which then matches the connection's encoding).
void client::handle(const user_command& in, actions& out) {
    encoded_command c{in.cmd.op, {}, in.now};
    if (!closed() && is_user_command(c.op)) c.message = encode_frame(in.cmd, config_.encoding);
    handle(c, out);
}

void client::handle(encoded_command& in, actions& out) {
    const Opcode op = in.op;
    if (closed()) return refuse(protocol_errc::client_closed, op, "the connection is closed", out);
    if (!is_user_command(op))
        return refuse(protocol_errc::invalid_command, op,
                      "op " + std::to_string(static_cast<int>(op)) + " is not a user command", out);
    // A text frame of ETF (or the reverse) would close the connection; refuse it here.
    if (in.message.binary != (config_.encoding == Encoding::Etf))
        return refuse(protocol_errc::invalid_command, op, "frame type does not match the connection's encoding", out);
    submit(std::move(in.message), op, in.now, out);
}

void client::submit(frame f, Opcode op, clock::time_point now, actions& out) {
    // Discord would close with 4002 and lose the session's commands; refuse it here instead.
    if (f.bytes.size() > max_payload_size)
        return refuse(protocol_errc::payload_too_large, op,
                      "payload is " + std::to_string(f.bytes.size()) + " bytes; the limit is " +
                          std::to_string(max_payload_size),
                      out);

    const bool ready = std::holds_alternative<state::connected>(state_);
    if (!ready && !config_.queue_until_ready)
        return refuse(protocol_errc::not_ready, op, "the session is not ready (no READY/RESUMED yet)", out);
    if (pending_.size() >= config_.max_queued)
        return refuse(protocol_errc::rate_limited, op,
                      "command queue full (" + std::to_string(config_.max_queued) + " waiting)", out);
    pending_.push_back({std::move(f), op});
    flush_queue(now, out);
}

void client::flush_queue(clock::time_point now, actions& out) {
    auto* live = std::get_if<state::connected>(&state_);
    if (live == nullptr) return;
    // In order: a later command never overtakes an earlier one.
    while (!pending_.empty() && live->conn.limiter.try_acquire(now)) {
        ++stats_.commands_sent;
        emit(std::move(pending_.front().message), pending_.front().op, out);
        pending_.pop_front();
    }
}

} // namespace dgw
