#pragma once
/// The per-connection command budget: 120 sends per sliding 60 s, heartbeats included.
///
/// Exceeding it closes the connection with 4008, so the limiter holds back enough permits
/// for the heartbeats its span can contain (ceil(span / interval) + 1, as twilight does
/// for 60 s). A user command is allowed only while the span holds fewer than
/// 120 - reserve sends, counting every send (heartbeats, Identify and Resume too; twilight
/// leaves heartbeats uncounted, which is one permit more generous but blind to op 1
/// bursts). Heartbeats, Identify and Resume never wait: they take a permit
/// unconditionally, which the reservation makes safe.
///
/// Discord counts on its own receive times, not on our send times: a payload that reaches
/// it later than the payloads after it (queued behind a burst in our write queue and the
/// kernel's send buffer, retransmitted by TCP, held by a proxy) is still in Discord's
/// window when ours has let it go. So a send counts here for the window plus a margin of
/// window / 30 (2 s at 60 s), the `span`. Two seconds cover a burst whose lost segment
/// is retransmitted twice on a slow path (Linux's minimum RTO is 200 ms, doubling each
/// time) with room to spare, and clock drift between the two ends is milliseconds per
/// minute; the cost is 3 % of the throughput (120 per 62 s). The margin is time and not a
/// budget below 120 because a delayed burst is late as a whole: all of its payloads stay
/// in Discord's window together, so holding back fewer permits than the burst had would
/// not cover it. The margin is a fraction of the window so that a time-scaled test (a 3 s
/// window) exercises the same rule; the delays it absorbs do not scale, which the tests
/// say where they use it.

#include <chrono>
#include <cstddef>
#include <deque>

namespace dgw {

/// Sliding-window log of send times; a permit used at t counts until t + span().
class command_ratelimiter {
public:
    /// The clock of every time point passed in (injected, never read here).
    using clock = std::chrono::steady_clock;

    /// Sends allowed per window (Discord's limit).
    static constexpr std::size_t limit = 120;
    /// Discord's window.
    static constexpr std::chrono::seconds discord_window{60};

    /// A limiter for a connection whose Hello announced `heartbeat_interval` (must be > 0),
    /// against a gateway that allows `limit` sends per `window` (must be > 0).
    explicit command_ratelimiter(std::chrono::milliseconds heartbeat_interval,
                                 clock::duration window = discord_window);

    /// The gateway's window, as given.
    clock::duration window() const noexcept { return window_; }
    /// How long a send counts here: window() plus the margin of window() / 30.
    clock::duration span() const noexcept { return span_; }

    /// Permits held back for heartbeats: ceil(span / interval) + 1 (3 at the usual 41.25 s).
    std::size_t reserved() const noexcept { return reserved_; }

    /// Permits a user command could take at `now`.
    std::size_t available(clock::time_point now);

    /// Takes a user permit if one is free at `now`.
    bool try_acquire(clock::time_point now);

    /// Records a heartbeat, Identify or Resume at `now`; never refuses (it uses the reserve).
    void acquire_priority(clock::time_point now);

    /// The earliest time a user permit is free: `now` if one is free already.
    clock::time_point next_available(clock::time_point now);

    /// Sends recorded in the span ending at `now` (user and priority alike).
    std::size_t in_window(clock::time_point now);

private:
    void expire(clock::time_point now);

    clock::duration window_;
    clock::duration span_;
    std::size_t reserved_;
    std::deque<clock::time_point> sent_; // ascending send times still inside the span
};

} // namespace dgw
