#include <dgw/heartbeat.hpp>

#include <algorithm>

namespace dgw {

heartbeat::heartbeat(std::chrono::milliseconds interval, clock::time_point hello_at, double jitter) noexcept
    : interval_(interval) {
    // Clamp a misbehaving jitter source into [0, 1) rather than beating late or never.
    if (!(jitter >= 0.0)) jitter = 0.0;
    jitter = std::min(jitter, 1.0);
    auto first = std::chrono::duration_cast<clock::duration>(
        std::chrono::duration<double, std::milli>(static_cast<double>(interval.count()) * jitter));
    due_ = hello_at + std::min<clock::duration>(first, interval);
}

void heartbeat::sent(clock::time_point now) noexcept {
    last_sent_ = now;
    awaiting_ack_ = true;
    due_ = now + interval_;
}

std::optional<heartbeat::clock::duration> heartbeat::acked(clock::time_point now) noexcept {
    if (!awaiting_ack_) return std::nullopt;
    awaiting_ack_ = false;
    return now - last_sent_;
}

} // namespace dgw
