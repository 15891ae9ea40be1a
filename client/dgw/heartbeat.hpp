#pragma once
/// Heartbeat bookkeeping for one connection: when the next beat is due, whether the last
/// one was acknowledged, and the heartbeat-to-ACK latency.
///
/// It only answers questions; the client decides what to send. Keeping the timing here,
/// driven by injected time, is what keeps heartbeats from racing the reader: there is one
/// thread of control and the beat is just another input.

#include <chrono>
#include <optional>

namespace dgw {

/// Heartbeat schedule and ACK tracking, started by Hello.
class heartbeat {
public:
    /// The clock of every time point passed in (injected, never read here).
    using clock = std::chrono::steady_clock;

    /// Starts at Hello (`hello_at`): the first beat is due after interval * jitter, jitter in [0, 1).
    heartbeat(std::chrono::milliseconds interval, clock::time_point hello_at, double jitter) noexcept;

    /// The interval from Hello.
    std::chrono::milliseconds interval() const noexcept { return interval_; }

    /// When the next beat is due.
    clock::time_point due() const noexcept { return due_; }

    /// True when a beat is due at `now`.
    bool is_due(clock::time_point now) const noexcept { return now >= due_; }

    /// True when a beat is due and the previous one was never acknowledged: a zombie connection.
    bool zombie(clock::time_point now) const noexcept { return is_due(now) && awaiting_ack_; }

    /// Records a beat sent at `now` (scheduled or answering op 1); the next is due an interval later.
    ///
    /// Answering op 1 restarts the interval so the early beat gets a full interval to be
    /// acknowledged, instead of a premature zombie verdict at the old slot.
    void sent(clock::time_point now) noexcept;

    /// Records an op 11 at `now`; returns the latency if it answers an outstanding beat.
    std::optional<clock::duration> acked(clock::time_point now) noexcept;

    /// True between a beat and its ACK.
    bool awaiting_ack() const noexcept { return awaiting_ack_; }

private:
    std::chrono::milliseconds interval_;
    clock::time_point due_;
    clock::time_point last_sent_{};
    bool awaiting_ack_ = false;
};

} // namespace dgw
