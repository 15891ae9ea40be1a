#pragma once
/// The per-connection command budget: 120 sends per sliding 60 s, heartbeats included.
///
/// Exceeding it closes the connection with 4008, so the limiter holds back enough permits
/// for the heartbeats the window can contain (ceil(60 s / interval) + 1, as twilight does).
/// A user command is allowed only while the window holds fewer than 120 - reserve sends,
/// counting every send (heartbeats, Identify and Resume too; twilight leaves heartbeats
/// uncounted, which is one permit more generous but blind to op 1 bursts). Heartbeats,
/// Identify and Resume never wait: they take a permit unconditionally, which the
/// reservation makes safe.

#include <chrono>
#include <cstddef>
#include <deque>

namespace dgw {

/// Sliding-window log of send times; a permit used at t counts until t + 60 s.
class command_ratelimiter {
public:
    /// The clock of every time point passed in (injected, never read here).
    using clock = std::chrono::steady_clock;

    /// Sends allowed per window (Discord's limit).
    static constexpr std::size_t limit = 120;
    /// The window length.
    static constexpr std::chrono::seconds period{60};

    /// A limiter for a connection whose Hello announced `heartbeat_interval` (must be > 0).
    explicit command_ratelimiter(std::chrono::milliseconds heartbeat_interval);

    /// Permits held back for heartbeats: ceil(60 s / interval) + 1 (3 at the usual 41.25 s).
    std::size_t reserved() const noexcept { return reserved_; }

    /// Permits a user command could take at `now`.
    std::size_t available(clock::time_point now);

    /// Takes a user permit if one is free at `now`.
    bool try_acquire(clock::time_point now);

    /// Records a heartbeat, Identify or Resume at `now`; never refuses (it uses the reserve).
    void acquire_priority(clock::time_point now);

    /// The earliest time a user permit is free: `now` if one is free already.
    clock::time_point next_available(clock::time_point now);

    /// Sends recorded in the window ending at `now` (user and priority alike).
    std::size_t in_window(clock::time_point now);

private:
    void expire(clock::time_point now);

    std::size_t reserved_;
    std::deque<clock::time_point> sent_; // ascending send times still inside the window
};

} // namespace dgw
