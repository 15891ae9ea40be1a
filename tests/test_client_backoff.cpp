// The client's reconnect pacing and handshake timeouts, with the fake clock: a gateway that
// drops every connection right after READY/RESUMED (4000, op 7, op 9, a TCP drop) gets
// exponentially spaced connections, a healthy connection resets the back-off, a single
// drop still reconnects at once, and Hello/READY/RESUMED that never come are timed out.
#include "test_client_harness.hpp"

#include <dgw/protocol_error.hpp>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <random>

namespace bdata = boost::unit_test::data;
using namespace dgw;
using namespace dgw::test;

namespace {

// How the gateway ends each connection in a storm.
enum class storm { close_4000, op7, op9_resumable, drop };
const std::vector<storm> storms{storm::close_4000, storm::op7, storm::op9_resumable, storm::drop};

std::ostream& operator<<(std::ostream& os, storm s) {
    const char* names[] = {"close 4000", "op 7", "op 9 (resumable)", "TCP drop"};
    return os << names[static_cast<int>(s)];
}

void end_connection(harness& h, storm s) {
    switch (s) {
    case storm::close_4000: h.close_from_server(4000); break;
    case storm::op7: h.feed(reconnect_op()); break;
    case storm::op9_resumable: h.feed(invalid_session(true)); break;
    case storm::drop: h.close_from_server(1006); break;
    }
}

/// Opens the (next) connection at h.now and walks it to READY or RESUMED.
void open_session(harness& h, std::int64_t& seq) {
    h.run(h.c.on_open(h.now));
    const bool resume = h.c.resumes();
    h.feed(hello());
    if (resume) {
        BOOST_TEST_REQUIRE(h.last_sent().op == Opcode::Resume);
        h.feed(dispatch("RESUMED", ++seq));
    } else {
        BOOST_TEST_REQUIRE(h.last_sent().op == Opcode::Identify);
        h.feed(ready(++seq));
    }
    BOOST_TEST_REQUIRE(std::holds_alternative<state::connected>(h.c.state()));
}

/// Waits the last reconnect's delay and makes the next client, as a shard does.
void follow_reconnect(harness& h) {
    BOOST_TEST_REQUIRE(!h.reconnects.empty());
    h.advance(h.reconnects.back().delay);
    h.reconnect_client();
}

} // namespace

BOOST_AUTO_TEST_SUITE(client_backoff)

// The gateway ends every connection the moment it is usable. The first short-lived
// connection reconnects at once; then 1 s, 2 s, 4 s ... (jitter pinned to its low end,
// factor 0.5: 0.5 s, 1 s, 2 s ...), whatever the way the connection ends.
BOOST_DATA_TEST_CASE(storm_backs_off_exponentially, bdata::make(storms), how) {
    harness h(Encoding::Json, [](client_config& c) { c.backoff.jitter = [] { return 0.0; }; });
    std::int64_t seq = 0;
    std::vector<std::chrono::milliseconds> delays;
    for (int i = 0; i < 9; ++i) {
        open_session(h, seq);
        end_connection(h, how);
        BOOST_TEST_REQUIRE(h.reconnects.size() == static_cast<std::size_t>(i + 1));
        BOOST_TEST(h.reconnects.back().resume); // the session survives the storm
        BOOST_TEST(h.reconnects.back().short_lived_streak == static_cast<std::uint32_t>(i + 1));
        delays.push_back(h.reconnects.back().delay);
        follow_reconnect(h);
    }
    using ms = std::chrono::milliseconds;
    const std::vector<ms> want{ms(0),     ms(500),   ms(1000),  ms(2000), ms(4000),
                               ms(8000), ms(16000), ms(30000), ms(30000)}; // capped at 60 s * 0.5
    BOOST_TEST(delays == want, boost::test_tools::per_element());
    BOOST_TEST(h.c.stats().short_lived == 9u);
    // A warning says why the shard waits.
    bool said = false;
    for (const auto& l : h.log_lines) said = said || l.find("backing off 16000 ms after 7 short-lived connections") != std::string::npos;
    BOOST_TEST(said);
}

// Then the gateway behaves: a connection that stays up for healthy_after (30 s) resets
// the back-off, so the next drop reconnects at once again.
BOOST_DATA_TEST_CASE(a_healthy_connection_resets_the_backoff, bdata::make(storms), how) {
    harness h(Encoding::Json, [](client_config& c) { c.backoff.jitter = [] { return 0.0; }; });
    h.auto_ack = true;
    std::int64_t seq = 0;
    for (int i = 0; i < 5; ++i) {
        open_session(h, seq);
        end_connection(h, how);
        follow_reconnect(h);
    }
    BOOST_TEST(h.reconnects.back().delay == std::chrono::milliseconds(4000));
    open_session(h, seq);
    h.advance(29s); // heartbeats acknowledged: not a zombie, but not yet proven
    BOOST_TEST(h.reconnects.size() == 5u);
    h.advance(1s);
    end_connection(h, how);
    BOOST_TEST_REQUIRE(h.reconnects.size() == 6u);
    BOOST_TEST(h.reconnects.back().delay == std::chrono::milliseconds(0));
    BOOST_TEST(h.reconnects.back().short_lived_streak == 0u);
    BOOST_TEST(h.c.stats().short_lived_streak == 0u);
    follow_reconnect(h);
    open_session(h, seq); // and one short-lived connection after it is still free
    end_connection(h, how);
    BOOST_TEST(h.reconnects.back().delay == std::chrono::milliseconds(0));
    BOOST_TEST(h.reconnects.back().short_lived_streak == 1u);
}

// What the defaults give: with random jitter, a gateway that drops every connection right
// after READY/RESUMED sees at most 8 connections in the first 60 s (0, 0, 0.5-1, 1-2,
// 2-4, 4-8, 8-16, 16-32 s apart), over many seeds.
BOOST_AUTO_TEST_CASE(defaults_allow_at_most_8_connections_a_minute_in_a_storm) {
    std::mt19937 rng(12345);
    std::size_t most = 0, fewest = 1000;
    for (int run = 0; run < 200; ++run) {
        harness h(Encoding::Json, [&](client_config& c) {
            c.backoff = backoff_policy{}; // the defaults, but a seeded draw
            c.backoff.jitter = [&rng] { return std::uniform_real_distribution<double>(0.0, 1.0)(rng); };
        });
        const auto t0 = h.now;
        std::int64_t seq = 0;
        std::size_t connections = 0;
        while (h.now - t0 < 60s) {
            ++connections;
            open_session(h, seq);
            end_connection(h, storm::close_4000);
            follow_reconnect(h);
        }
        most = std::max(most, connections);
        fewest = std::min(fewest, connections);
    }
    BOOST_TEST_MESSAGE("connections in 60 s: " << fewest << " to " << most);
    BOOST_TEST(most <= 8u);
    BOOST_TEST(fewest >= 7u);
}

// No regression of resume latency: a single op 7, a single 4000 and a single drop on a
// long-lived connection reconnect at once, and so does op 7 on a fresh one.
BOOST_DATA_TEST_CASE(single_drop_reconnects_at_once, bdata::make(storms), how) {
    harness h(Encoding::Json);
    h.auto_ack = true;
    std::int64_t seq = 0;
    open_session(h, seq);
    h.advance(10min);
    end_connection(h, how);
    BOOST_TEST_REQUIRE(h.reconnects.size() == 1u);
    BOOST_TEST(h.reconnects[0].delay == std::chrono::milliseconds(0));
    BOOST_TEST(h.reconnects[0].resume);

    harness fresh(Encoding::Json);
    std::int64_t s2 = 0;
    open_session(fresh, s2);
    end_connection(fresh, how);
    BOOST_TEST_REQUIRE(fresh.reconnects.size() == 1u);
    BOOST_TEST(fresh.reconnects[0].delay == std::chrono::milliseconds(0));
}

// Attempts that never reach Hello (refused, TLS, DNS: the shard reports 1006) count too.
BOOST_AUTO_TEST_CASE(failed_attempts_back_off) {
    harness h(Encoding::Json, [](client_config& c) { c.backoff.jitter = [] { return 0.5; }; }); // factor 0.75
    std::vector<std::int64_t> delays;
    for (int i = 0; i < 5; ++i) {
        h.close_from_server(1006, "connect failed: Connection refused");
        delays.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(h.reconnects.back().delay).count());
        follow_reconnect(h);
    }
    BOOST_TEST(delays == (std::vector<std::int64_t>{0, 750, 1500, 3000, 6000}), boost::test_tools::per_element());
}

// op 9 d=false asks for a 1-5 s wait before the new Identify; the back-off, when longer, wins.
BOOST_AUTO_TEST_CASE(op9_delay_and_backoff_take_the_longer) {
    harness h(Encoding::Json, [](client_config& c) { c.backoff.jitter = [] { return 0.0; }; });
    std::int64_t seq = 0;
    std::vector<std::int64_t> delays;
    for (int i = 0; i < 5; ++i) {
        open_session(h, seq);
        h.feed(invalid_session(false));
        BOOST_TEST(!h.reconnects.back().resume);
        delays.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(h.reconnects.back().delay).count());
        follow_reconnect(h);
    }
    // The injected op 9 draw is 3 s; the back-off is 0, 0.5, 1, 2, 4 s.
    BOOST_TEST(delays == (std::vector<std::int64_t>{3000, 3000, 3000, 3000, 4000}), boost::test_tools::per_element());
}

// A gateway that accepts the websocket and never says Hello: after hello_timeout the
// client closes (keeping the session: 4000) and reconnects, counted as short-lived.
BOOST_AUTO_TEST_CASE(hello_timeout_closes_and_reconnects) {
    harness h(Encoding::Json, [](client_config& c) { c.hello_timeout = 20s; });
    BOOST_TEST(!h.timer.has_value()); // nothing is due before the socket is open
    h.run(h.c.on_open(h.now));
    BOOST_TEST_REQUIRE(h.timer.has_value());
    BOOST_TEST((*h.timer == h.now + 20s));
    h.advance(19999ms);
    BOOST_TEST(h.reconnects.empty());
    h.advance(1ms);
    BOOST_TEST_REQUIRE(h.closes.size() == 1u);
    BOOST_TEST(h.closes[0].code == 4000);
    BOOST_TEST_REQUIRE(h.reconnects.size() == 1u);
    BOOST_TEST(h.reconnects[0].delay == std::chrono::milliseconds(0)); // the first in a row
    BOOST_TEST(h.c.stats().hello_timeouts == 1u);
    BOOST_TEST((std::get<state::closed>(h.c.state()).cause == close_cause::hello_timeout));
    follow_reconnect(h);
    h.run(h.c.on_open(h.now));
    h.advance(20s); // the second one in a row backs off
    BOOST_TEST_REQUIRE(h.reconnects.size() == 2u);
    BOOST_TEST(h.reconnects[1].delay >= std::chrono::milliseconds(500));
    BOOST_TEST(h.c.stats().hello_timeouts == 2u);
}

// Identify sent and READY never comes; the same for Resume and RESUMED. Waiting for the
// identify queue does not count: a bot with many shards may wait minutes for its turn.
BOOST_AUTO_TEST_CASE(ready_timeout_after_identify_not_while_queued) {
    harness h(Encoding::Json, [](client_config& c) { c.ready_timeout = 15s; });
    h.auto_grant = false;
    h.auto_ack = true;
    h.run(h.c.on_open(h.now));
    h.feed(hello());
    BOOST_TEST_REQUIRE(h.identify_requests.size() == 1u);
    h.advance(5min); // queued: heartbeats go on, no timeout
    BOOST_TEST(h.reconnects.empty());
    h.run(h.c.on_identify_granted(h.now));
    BOOST_TEST(h.last_sent().op == Opcode::Identify);
    h.advance(14s);
    BOOST_TEST(h.reconnects.empty());
    h.advance(1s);
    BOOST_TEST_REQUIRE(h.reconnects.size() == 1u);
    BOOST_TEST(!h.reconnects[0].resume); // nothing to resume: identify again (through the queue)
    BOOST_TEST(h.c.stats().ready_timeouts == 1u);
    BOOST_TEST((std::get<state::closed>(h.c.state()).cause == close_cause::ready_timeout));
}

BOOST_AUTO_TEST_CASE(resumed_timeout_resumes_again) {
    harness h(Encoding::Json, [](client_config& c) { c.ready_timeout = 15s; });
    std::int64_t seq = 0;
    open_session(h, seq);
    h.feed(reconnect_op());
    follow_reconnect(h);
    h.run(h.c.on_open(h.now));
    h.feed(hello());
    BOOST_TEST(h.last_sent().op == Opcode::Resume);
    h.advance(15s);
    BOOST_TEST_REQUIRE(h.reconnects.size() == 2u);
    BOOST_TEST(h.reconnects[1].resume);
    BOOST_TEST(h.c.stats().ready_timeouts == 1u);
}

BOOST_AUTO_TEST_CASE(zero_timeouts_disable_them) {
    harness h(Encoding::Json, [](client_config& c) {
        c.hello_timeout = 0s;
        c.ready_timeout = 0s;
    });
    h.run(h.c.on_open(h.now));
    BOOST_TEST(!h.timer.has_value());
    h.feed(hello());
    h.auto_ack = true;
    h.advance(10min);
    BOOST_TEST(h.reconnects.empty());
}

BOOST_AUTO_TEST_CASE(invalid_backoff_is_refused) {
    auto cfg = harness::make_config(Encoding::Json);
    cfg.backoff.initial = 0ms;
    BOOST_CHECK_THROW(client{cfg}, boost::system::system_error);
    cfg.backoff.initial = 2s;
    cfg.backoff.max = 1s;
    BOOST_CHECK_THROW(client{cfg}, boost::system::system_error);
}

BOOST_AUTO_TEST_SUITE_END()
