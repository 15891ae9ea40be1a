// The command rate limiter on its own: reservation sizes, the sliding span (window plus
// margin), a long randomized run checked against the 120-per-60-s rule on the receiver's
// clock, and the burst that made a 60 s window without margin close with 4008.
#include <dgw/ratelimit.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <random>
#include <vector>

using namespace dgw;
using namespace std::chrono_literals;
using clock_t_ = command_ratelimiter::clock;

namespace {

/// Largest number of `times` inside any window [t, t + window), `times` in any order.
std::size_t max_in_any_window(std::vector<clock_t_::time_point> times, clock_t_::duration window) {
    std::sort(times.begin(), times.end());
    std::size_t best = 0;
    for (std::size_t i = 0, j = 0; i < times.size(); ++i) {
        while (j < times.size() && times[j] < times[i] + window) ++j;
        best = std::max(best, j - i);
    }
    return best;
}

/// What a client does with `commands` queued at `t0` (after its Identify there) and
/// heartbeats every `interval` from t0 + interval / 4: the send times, in order;
/// `beats` counts the heartbeats among them.
std::vector<clock_t_::time_point> drain(command_ratelimiter& rl, clock_t_::time_point t0, clock_t_::duration interval,
                                        int commands, std::size_t& beats) {
    beats = 0;
    std::vector<clock_t_::time_point> sent;
    rl.acquire_priority(t0);
    sent.push_back(t0);
    auto beat = t0 + interval / 4;
    auto t = t0;
    while (commands > 0) {
        while (commands > 0 && rl.try_acquire(t)) {
            sent.push_back(t);
            --commands;
        }
        if (commands == 0) break;
        const auto permit = rl.next_available(t);
        if (beat <= permit) {
            t = beat;
            rl.acquire_priority(t);
            sent.push_back(t);
            beat += interval;
            ++beats;
        } else {
            t = permit;
        }
    }
    return sent;
}

} // namespace

BOOST_AUTO_TEST_SUITE(ratelimit)

BOOST_AUTO_TEST_CASE(span_is_the_window_plus_a_thirtieth) {
    BOOST_TEST((command_ratelimiter(41250ms).window() == 60s));
    BOOST_TEST((command_ratelimiter(41250ms).span() == 62s));
    BOOST_TEST((command_ratelimiter(250ms, 3s).span() == 3100ms)); // the time-scaled shard test's
}

BOOST_AUTO_TEST_CASE(reserve_is_ceil_of_beats_per_span_plus_one) {
    BOOST_TEST(command_ratelimiter(41250ms).reserved() == 3u); // 62 / 41.25 -> 2, + 1
    BOOST_TEST(command_ratelimiter(62000ms).reserved() == 2u);
    BOOST_TEST(command_ratelimiter(61999ms).reserved() == 3u);
    BOOST_TEST(command_ratelimiter(60000ms).reserved() == 3u);
    BOOST_TEST(command_ratelimiter(31000ms).reserved() == 3u);
    BOOST_TEST(command_ratelimiter(30999ms).reserved() == 4u);
    BOOST_TEST(command_ratelimiter(5000ms).reserved() == 14u);
    BOOST_TEST(command_ratelimiter(250ms, 3s).reserved() == 14u); // the same beats per span, scaled
    BOOST_TEST(command_ratelimiter(120000ms).reserved() == 2u);
    BOOST_TEST(command_ratelimiter(1ms).reserved() == 119u); // users keep one permit
}

BOOST_AUTO_TEST_CASE(user_permits_stop_at_the_reserve_and_come_back_after_the_span) {
    clock_t_::time_point t0{std::chrono::hours(5)};
    command_ratelimiter rl(41250ms);
    BOOST_TEST(rl.available(t0) == 117u);
    for (int i = 0; i < 117; ++i) BOOST_TEST_REQUIRE(rl.try_acquire(t0 + std::chrono::milliseconds(i)));
    BOOST_TEST(!rl.try_acquire(t0 + 1s));
    BOOST_TEST((rl.next_available(t0 + 1s) == t0 + 62s));
    BOOST_TEST(!rl.try_acquire(t0 + 60s)); // Discord's window has passed, the margin has not
    BOOST_TEST(!rl.try_acquire(t0 + 62s - 1ns));
    BOOST_TEST(rl.try_acquire(t0 + 62s)); // the first permit expired exactly now
    BOOST_TEST(!rl.try_acquire(t0 + 62s));
    BOOST_TEST((rl.next_available(t0 + 62s) == t0 + 62s + 1ms));
}

BOOST_AUTO_TEST_CASE(priority_sends_always_go_and_count) {
    clock_t_::time_point t0{std::chrono::hours(5)};
    command_ratelimiter rl(41250ms);
    for (int i = 0; i < 117; ++i) rl.try_acquire(t0);
    for (int i = 0; i < 3; ++i) rl.acquire_priority(t0 + 1s);
    BOOST_TEST(rl.in_window(t0 + 1s) == 120u);
    BOOST_TEST(rl.available(t0 + 1s) == 0u);
    // Once the 117 expire, the heartbeats still in the span shrink the user share.
    BOOST_TEST(rl.available(t0 + 62s) == 114u);
    BOOST_TEST(rl.available(t0 + 63s) == 117u);
}

// The case, sans-IO: 200 commands at once with 5 s heartbeats. The first burst
// reaches the gateway late (queued behind itself, a retransmission), the sends after it
// on time. Late by less than the 2 s margin, no 60 s window of the gateway's receive
// times holds more than 120; late by just more, the second batch lands in the same window
// as the first. So this test fails for any margin below 2 s (the issue saw 1.5 ms).
BOOST_AUTO_TEST_CASE(a_burst_late_by_less_than_the_margin_stays_within_120) {
    clock_t_::time_point t0{std::chrono::hours(5)};
    command_ratelimiter rl(5000ms);
    std::size_t beats = 0;
    const auto sent = drain(rl, t0, 5000ms, 200, beats);
    BOOST_TEST_REQUIRE(sent.size() == 1u + 200u + beats); // Identify, the commands, the heartbeats meanwhile
    BOOST_TEST(std::count(sent.begin(), sent.end(), t0) == 106); // 120 - 14 reserved: Identify and 105 commands
    auto received = [&](clock_t_::duration late) {
        std::vector<clock_t_::time_point> r;
        for (auto s : sent) r.push_back(s == t0 ? s + late : s);
        return r;
    };
    BOOST_TEST(max_in_any_window(sent, 60s) <= 120u);
    BOOST_TEST(max_in_any_window(received(2s - 1ms), 60s) <= 120u);
    BOOST_TEST(max_in_any_window(received(2s + 1ms), 60s) > 120u);
}

BOOST_AUTO_TEST_CASE(randomized_traffic_delayed_up_to_the_margin_never_exceeds_120) {
    std::mt19937 rng(12345);
    clock_t_::time_point t{std::chrono::hours(5)};
    const auto interval = 41250ms;
    command_ratelimiter rl(interval);
    const clock_t_::duration margin = 2s;
    std::vector<clock_t_::time_point> sent, received;
    // Each payload reaches the gateway after its own random delay below the 2 s margin,
    // so later payloads overtake earlier ones.
    auto send = [&](clock_t_::time_point at) {
        sent.push_back(at);
        received.push_back(at + std::uniform_int_distribution<clock_t_::rep>(0, margin.count() - 1)(rng) *
                                    clock_t_::duration(1));
    };
    auto next_beat = t + interval / 3;
    auto end = t + 30min;
    std::size_t beats = 0, refused = 0;
    while (t < end) {
        t += std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 400)(rng));
        while (next_beat <= t) {
            rl.acquire_priority(next_beat); // heartbeats never wait
            send(next_beat);
            next_beat += interval;
            ++beats;
        }
        int burst = std::uniform_int_distribution<int>(0, 5)(rng);
        for (int i = 0; i < burst; ++i) {
            if (rl.try_acquire(t)) send(t);
            else ++refused;
        }
    }
    BOOST_TEST(beats > 40u);
    BOOST_TEST(refused > 0u);
    BOOST_TEST(max_in_any_window(sent, rl.span()) <= 120u);
    BOOST_TEST(max_in_any_window(received, 60s) <= 120u);
}

BOOST_AUTO_TEST_SUITE_END()
