// The command rate limiter on its own: reservation sizes, the sliding window, and a
// long randomized run checked against the 120-per-60-s rule.
#include <dgw/ratelimit.hpp>

#include <boost/test/unit_test.hpp>

#include <random>
#include <vector>

using namespace dgw;
using namespace std::chrono_literals;
using clock_t_ = command_ratelimiter::clock;

BOOST_AUTO_TEST_SUITE(ratelimit)

BOOST_AUTO_TEST_CASE(reserve_is_ceil_of_beats_per_window_plus_one) {
    BOOST_TEST(command_ratelimiter(41250ms).reserved() == 3u); // 60 / 41.25 -> 2, + 1
    BOOST_TEST(command_ratelimiter(60000ms).reserved() == 2u);
    BOOST_TEST(command_ratelimiter(30000ms).reserved() == 3u);
    BOOST_TEST(command_ratelimiter(29999ms).reserved() == 4u);
    BOOST_TEST(command_ratelimiter(120000ms).reserved() == 2u);
    BOOST_TEST(command_ratelimiter(1ms).reserved() == 119u); // users keep one permit
}

BOOST_AUTO_TEST_CASE(user_permits_stop_at_the_reserve_and_come_back_after_60s) {
    clock_t_::time_point t0{std::chrono::hours(5)};
    command_ratelimiter rl(41250ms);
    BOOST_TEST(rl.available(t0) == 117u);
    for (int i = 0; i < 117; ++i) BOOST_TEST_REQUIRE(rl.try_acquire(t0 + std::chrono::milliseconds(i)));
    BOOST_TEST(!rl.try_acquire(t0 + 1s));
    BOOST_TEST((rl.next_available(t0 + 1s) == t0 + 60s));
    BOOST_TEST(!rl.try_acquire(t0 + 60s - 1ns));
    BOOST_TEST(rl.try_acquire(t0 + 60s)); // the first permit expired exactly now
    BOOST_TEST(!rl.try_acquire(t0 + 60s));
    BOOST_TEST((rl.next_available(t0 + 60s) == t0 + 60s + 1ms));
}

BOOST_AUTO_TEST_CASE(priority_sends_always_go_and_count) {
    clock_t_::time_point t0{std::chrono::hours(5)};
    command_ratelimiter rl(41250ms);
    for (int i = 0; i < 117; ++i) rl.try_acquire(t0);
    for (int i = 0; i < 3; ++i) rl.acquire_priority(t0 + 1s);
    BOOST_TEST(rl.in_window(t0 + 1s) == 120u);
    BOOST_TEST(rl.available(t0 + 1s) == 0u);
    // Once the 117 expire, the heartbeats still in the window shrink the user share.
    BOOST_TEST(rl.available(t0 + 60s) == 114u);
    BOOST_TEST(rl.available(t0 + 61s) == 117u);
}

BOOST_AUTO_TEST_CASE(randomized_traffic_never_exceeds_120_in_any_window) {
    std::mt19937 rng(12345);
    clock_t_::time_point t{std::chrono::hours(5)};
    const auto interval = 41250ms;
    command_ratelimiter rl(interval);
    std::vector<clock_t_::time_point> sent;
    auto next_beat = t + interval / 3;
    auto end = t + 30min;
    std::size_t beats = 0, refused = 0;
    while (t < end) {
        t += std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 400)(rng));
        while (next_beat <= t) {
            rl.acquire_priority(next_beat); // heartbeats never wait
            sent.push_back(next_beat);
            next_beat += interval;
            ++beats;
        }
        int burst = std::uniform_int_distribution<int>(0, 5)(rng);
        for (int i = 0; i < burst; ++i) {
            if (rl.try_acquire(t)) sent.push_back(t);
            else ++refused;
        }
    }
    BOOST_TEST(beats > 40u);
    BOOST_TEST(refused > 0u);
    for (std::size_t i = 0, j = 0; i < sent.size(); ++i) {
        while (j < sent.size() && sent[j] < sent[i] + 60s) ++j;
        BOOST_TEST_REQUIRE(j - i <= 120u);
    }
}

BOOST_AUTO_TEST_SUITE_END()
