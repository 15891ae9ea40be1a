#include <dgw/ratelimit.hpp>

#include <algorithm>

namespace dgw {

command_ratelimiter::command_ratelimiter(std::chrono::milliseconds heartbeat_interval, clock::duration window)
    : window_(std::max(window, clock::duration(1))), span_(window_ + window_ / 30) {
    using ms = std::chrono::milliseconds;
    auto iv = std::max<ms::rep>(heartbeat_interval.count(), 1);
    // Rounded up, so that the reserve never falls short of the beats the span can hold.
    auto span = std::chrono::ceil<ms>(span_).count();
    auto beats = static_cast<std::size_t>((span + iv - 1) / iv);
    // A tiny interval would reserve everything; keep at least one permit for users so
    // commands still make progress (Discord's interval is ~41 s, so this never binds).
    reserved_ = std::min(beats + 1, limit - 1);
}

void command_ratelimiter::expire(clock::time_point now) {
    while (!sent_.empty() && sent_.front() + span_ <= now) sent_.pop_front();
}

std::size_t command_ratelimiter::in_window(clock::time_point now) {
    expire(now);
    return sent_.size();
}

std::size_t command_ratelimiter::available(clock::time_point now) {
    expire(now);
    std::size_t cap = limit - reserved_;
    return sent_.size() >= cap ? 0 : cap - sent_.size();
}

bool command_ratelimiter::try_acquire(clock::time_point now) {
    if (available(now) == 0) return false;
    sent_.push_back(sent_.empty() ? now : std::max(now, sent_.back()));
    return true;
}

void command_ratelimiter::acquire_priority(clock::time_point now) {
    expire(now);
    // A caller with a non-monotonic clock must not break the ordering expire() relies on.
    sent_.push_back(sent_.empty() ? now : std::max(now, sent_.back()));
}

command_ratelimiter::clock::time_point command_ratelimiter::next_available(clock::time_point now) {
    expire(now);
    std::size_t cap = limit - reserved_;
    if (sent_.size() < cap) return now;
    // Enough old sends must expire to bring the count below the user cap.
    return sent_[sent_.size() - cap] + span_;
}

} // namespace dgw
