// The in-process identify queue: concurrency buckets started in order, 5 s per bucket,
// the daily session_start_limit, cancellation and re-entrant callbacks.
#include <dgw/identify_queue.hpp>

#include <boost/test/unit_test.hpp>

#include <vector>

using namespace dgw;
using namespace std::chrono_literals;

namespace {

struct fixture {
    local_identify_queue::clock::time_point now{std::chrono::hours(7)};
    std::vector<std::pair<std::uint32_t, local_identify_queue::clock::time_point>> grants;

    /// Exactly Discord's 5 s unless a margin is given, so the schedules below read plainly.
    local_identify_queue make(session_start_limit lim, std::chrono::milliseconds margin = 0ms) {
        return local_identify_queue(lim, [this] { return now; }, margin);
    }
    std::function<void()> record(std::uint32_t shard) {
        return [this, shard] { grants.emplace_back(shard, now); };
    }
    /// Advances the fake clock through the queue's wakeups up to `t`.
    void run_until(local_identify_queue& q, local_identify_queue::clock::time_point t) {
        while (auto w = q.next_wakeup()) {
            if (*w > t) break;
            now = std::max(now, *w);
            q.poll();
        }
        now = t;
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(identify_queue)

BOOST_FIXTURE_TEST_CASE(one_bucket_one_identify_per_5s_in_order, fixture) {
    auto q = make({1000, 1000, 0ms, 1});
    auto t0 = now;
    for (std::uint32_t s = 0; s < 4; ++s) q.request(s, record(s));
    BOOST_TEST_REQUIRE(grants.size() == 1u); // shard 0 at once, synchronously
    BOOST_TEST((q.next_wakeup() == t0 + 5s));
    run_until(q, t0 + 1min);
    BOOST_TEST_REQUIRE(grants.size() == 4u);
    for (std::uint32_t s = 0; s < 4; ++s) {
        BOOST_TEST(grants[s].first == s);
        BOOST_TEST((grants[s].second == t0 + s * 5s));
    }
    BOOST_TEST(q.remaining() == 996u);
    BOOST_TEST(!q.next_wakeup().has_value());
}

// By default one bucket's grants are 5.25 s apart: a grant becomes an Identify on the wire
// a little later, and the gateway must never see two of one bucket less than 5 s apart.
BOOST_FIXTURE_TEST_CASE(default_margin_spaces_a_bucket_beyond_5s, fixture) {
    local_identify_queue q({1000, 1000, 0ms, 2}, [this] { return now; });
    BOOST_TEST((q.spacing() == 5250ms));
    auto t0 = now;
    for (std::uint32_t s = 0; s < 6; ++s) q.request(s, record(s));
    run_until(q, t0 + 1min);
    BOOST_TEST_REQUIRE(grants.size() == 6u);
    for (std::uint32_t i = 0; i < 6; ++i) {
        BOOST_TEST(grants[i].first == i);
        BOOST_TEST((grants[i].second == t0 + (i / 2) * 5250ms));
    }
}

BOOST_FIXTURE_TEST_CASE(max_concurrency_buckets_start_in_order, fixture) {
    auto q = make({2000, 2000, 0ms, 16});
    auto t0 = now;
    for (std::uint32_t s = 0; s < 48; ++s) q.request(s, record(s));
    BOOST_TEST(grants.size() == 16u);
    run_until(q, t0 + 1min);
    BOOST_TEST_REQUIRE(grants.size() == 48u);
    for (std::uint32_t i = 0; i < 48; ++i) {
        BOOST_TEST(grants[i].first == i); // shards 0..15, then 16..31, then 32..47
        BOOST_TEST((grants[i].second == t0 + (i / 16) * 5s));
    }
}

BOOST_FIXTURE_TEST_CASE(a_busy_bucket_does_not_block_the_others, fixture) {
    auto q = make({1000, 1000, 0ms, 2});
    auto t0 = now;
    q.request(0, record(0));
    q.request(2, record(2)); // bucket 0 again: waits
    now = t0 + 1s;
    q.request(1, record(1)); // bucket 1 is free
    BOOST_TEST_REQUIRE(grants.size() == 2u);
    BOOST_TEST(grants[1].first == 1u);
    run_until(q, t0 + 10s);
    BOOST_TEST_REQUIRE(grants.size() == 3u);
    BOOST_TEST((grants[2].second == t0 + 5s));
}

BOOST_FIXTURE_TEST_CASE(daily_limit_waits_for_the_reset, fixture) {
    auto q = make({1000, 2, 3h, 1});
    auto t0 = now;
    for (std::uint32_t s = 0; s < 3; ++s) q.request(s, record(s));
    run_until(q, t0 + 1h);
    BOOST_TEST(grants.size() == 2u);
    BOOST_TEST(q.remaining() == 0u);
    BOOST_TEST((q.next_wakeup() == t0 + 3h));
    run_until(q, t0 + 4h);
    BOOST_TEST_REQUIRE(grants.size() == 3u);
    BOOST_TEST((grants[2].second == t0 + 3h));
    BOOST_TEST(q.remaining() == 999u);
}

BOOST_FIXTURE_TEST_CASE(update_takes_fresh_numbers, fixture) {
    auto q = make({1000, 0, 10h, 1});
    q.request(0, record(0));
    BOOST_TEST(grants.empty());
    q.update({1000, 5, 1h, 1}); // refetched /gateway/bot
    q.poll();
    BOOST_TEST(grants.size() == 1u);
    BOOST_TEST(q.remaining() == 4u);
}

BOOST_FIXTURE_TEST_CASE(cancel_withdraws_a_waiting_request, fixture) {
    auto q = make({1000, 1000, 0ms, 1});
    auto t0 = now;
    q.request(0, record(0));
    auto t1 = q.request(1, record(1));
    q.request(2, record(2));
    q.cancel(t1);
    q.cancel(t1); // twice is harmless
    BOOST_TEST(q.waiting() == 1u);
    run_until(q, t0 + 1min);
    BOOST_TEST_REQUIRE(grants.size() == 2u);
    BOOST_TEST(grants[1].first == 2u);
    BOOST_TEST((grants[1].second == t0 + 5s));
    BOOST_TEST(q.remaining() == 998u); // the cancelled request spent nothing
}

BOOST_FIXTURE_TEST_CASE(callbacks_may_reenter, fixture) {
    auto q = make({1000, 1000, 0ms, 1});
    auto t0 = now;
    q.request(0, [&] {
        grants.emplace_back(0, now);
        q.request(1, record(1)); // e.g. the next shard asks as soon as one is granted
    });
    BOOST_TEST(grants.size() == 1u);
    BOOST_TEST(q.waiting() == 1u);
    run_until(q, t0 + 6s);
    BOOST_TEST(grants.size() == 2u);
}

// Hellos arrive in any order; Discord wants each bucket started in shard id order.
BOOST_FIXTURE_TEST_CASE(start_in_order_holds_higher_ids_until_the_lower_ones_identify, fixture) {
    auto q = make({1000, 1000, 0ms, 1});
    q.start_in_order({0, 1, 2, 3});
    BOOST_TEST(q.not_started() == 4u);
    auto t0 = now;
    for (std::uint32_t s : {3u, 1u, 2u}) q.request(s, record(s));
    BOOST_TEST(grants.empty());
    BOOST_TEST(!q.next_wakeup().has_value()); // they wait for shard 0, not for time
    now = t0 + 2s;
    q.request(0, record(0));
    run_until(q, t0 + 1min);
    BOOST_TEST_REQUIRE(grants.size() == 4u);
    for (std::uint32_t i = 0; i < 4; ++i) {
        BOOST_TEST(grants[i].first == i);
        BOOST_TEST((grants[i].second == t0 + 2s + i * 5s));
    }
    BOOST_TEST(q.not_started() == 0u);
}

BOOST_FIXTURE_TEST_CASE(start_in_order_is_per_bucket, fixture) {
    auto q = make({1000, 1000, 0ms, 2});
    q.start_in_order({0, 1, 2, 3, 4, 5});
    auto t0 = now;
    for (std::uint32_t s = 6; s-- > 0;) q.request(s, record(s)); // 5, 4, ..., 0
    run_until(q, t0 + 1min);
    BOOST_TEST_REQUIRE(grants.size() == 6u);
    std::vector<std::uint32_t> b0, b1;
    for (auto& [s, at] : grants) {
        BOOST_TEST((at == t0 + (s / 2) * 5s)); // each bucket one per 5 s, both at once
        (s % 2 == 0 ? b0 : b1).push_back(s);
    }
    BOOST_TEST(b0 == (std::vector<std::uint32_t>{0, 2, 4}), boost::test_tools::per_element());
    BOOST_TEST(b1 == (std::vector<std::uint32_t>{1, 3, 5}), boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(leave_order_releases_the_shards_behind, fixture) {
    auto q = make({1000, 1000, 0ms, 1});
    q.start_in_order({0, 1, 2});
    q.request(2, record(2));
    q.request(1, record(1));
    BOOST_TEST(grants.empty());
    q.leave_order(0); // shard 0 stopped for good before identifying
    BOOST_TEST_REQUIRE(grants.size() == 1u);
    BOOST_TEST(grants[0].first == 1u);
    run_until(q, now + 1min);
    BOOST_TEST_REQUIRE(grants.size() == 2u);
    BOOST_TEST(grants[1].first == 2u);
}

BOOST_FIXTURE_TEST_CASE(start_in_order_does_not_hold_other_shards_or_second_identifies, fixture) {
    auto q = make({1000, 1000, 0ms, 1});
    q.start_in_order({0, 1});
    q.request(7, record(7)); // not in the list
    BOOST_TEST_REQUIRE(grants.size() == 1u);
    run_until(q, now + 5s);
    q.request(0, record(0));
    run_until(q, now + 5s);
    q.request(0, record(0)); // identifying again after a lost session: not held by shard 1
    BOOST_TEST(grants.size() == 3u);
    BOOST_TEST(q.not_started() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
