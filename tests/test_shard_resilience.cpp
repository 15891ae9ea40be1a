// The shard against misbehaving gateways, over real sockets: connections that die right
// after READY/RESUMED (close 4000, op 7, a TCP drop) are spaced by a growing back-off that a
// healthy connection resets, a single drop still resumes at once, Hello or READY that never
// come are timed out, and shutdown() finishes in every phase of a shard and of a manager of
// 4 shards: the stop callback runs once and io.run() returns within a second.
//
// Timings are shortened through the options (back-off 50 ms doubling to 3 s, healthy after
// 1.5 s: the defaults divided by 20); the client_backoff suite shows what the defaults give.

#include "gateway_peer.hpp"

#include <boost/test/data/test_case.hpp>

#include <map>
#include <memory>

namespace bdata = boost::unit_test::data;

// Compared phases print through dgw::to_string in the messages that need them.
BOOST_TEST_DONT_PRINT_LOG_VALUE(dgw::shard_phase)

namespace {

using namespace gateway_peer;
using steady = std::chrono::steady_clock;

enum class ending { close_4000, op7, tcp_drop };
const std::vector<ending> endings{ending::close_4000, ending::op7, ending::tcp_drop};

std::ostream& operator<<(std::ostream& os, ending e) {
    const char* names[] = {"close 4000", "op 7", "TCP drop"};
    return os << names[static_cast<int>(e)];
}

json::object reconnect_op() { return {{"op", 7}, {"d", nullptr}}; }
double ms(steady::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

/// Scaled-down defaults: back-off 50 ms -> 3 s (1 s -> 60 s), healthy after 1.5 s (30 s).
void scaled_backoff(dgw::shard_options& o) {
    o.client.backoff.initial = 50ms;
    o.client.backoff.max = 3000ms;
    o.client.backoff.healthy_after = 1500ms;
    o.client.backoff.jitter = [] { return 0.0; }; // factor 0.5: 25, 50, 100 ... ms
}

// A gateway that ends every connection right after READY/RESUMED for the first 3 s (the
// scaled minute), then behaves: the connection stays, the next drop resumes at once.
void storm_then_recovery(ending how) {
    session t;
    auto opt = t.options(dgw::Encoding::Json, dgw::transport_compression::none);
    scaled_backoff(opt);
    dgw::shard sh(t.io, opt, t.handlers);
    const json::object ready = ready_for("storm-session", t.base());
    std::vector<steady::time_point> accepted;
    int identifies = 0, resumes = 0;
    std::vector<std::string> resumed_sessions;
    steady::duration reconnect_after_healthy{};
    std::int64_t s = 1;

    auto script = [&]() -> awaitable<void> {
        for (;;) {
            auto c = co_await accept(t.acc);
            accepted.push_back(steady::now());
            co_await c->send(hello(45000));
            auto m = co_await c->recv();
            BOOST_REQUIRE(m);
            const int op = m->at("op").to_number<int>();
            if (op == 2) {
                ++identifies;
                co_await c->dispatch("READY", s, ready);
            } else {
                BOOST_REQUIRE_EQUAL(op, 6);
                ++resumes;
                resumed_sessions.push_back(str(m->at("d").at("session_id")));
                co_await c->dispatch("RESUMED", ++s, {});
            }
            if (accepted.back() - accepted.front() < 3s) { // the storm
                if (how == ending::close_4000) {
                    co_await c->close(4000);
                } else if (how == ending::op7) {
                    co_await c->send(reconnect_op());
                    auto end = co_await c->recv(); // the client closes (4000) and resumes
                    BOOST_CHECK(!end);
                } else {
                    c->drop_tcp();
                }
                continue;
            }
            // The gateway behaves: the connection lives past healthy_after, then one 4000.
            asio::steady_timer live(t.io, 2s);
            co_await live.async_wait(use_awaitable);
            co_await c->close(4000);
            const auto closed_at = steady::now();
            auto next = co_await accept(t.acc);
            reconnect_after_healthy = steady::now() - closed_at;
            co_await next->send(hello(45000));
            auto r = co_await next->expect(6);
            resumed_sessions.push_back(str(r.at("d").at("session_id")));
            ++resumes;
            co_await next->dispatch("RESUMED", ++s, {});
            sh.shutdown();
            auto end = co_await next->recv();
            BOOST_CHECK(!end);
            BOOST_CHECK_EQUAL(next->close_code(), 1000);
            co_return;
        }
    };
    t.run(sh, script());

    std::size_t in_window = 0;
    for (auto at : accepted) in_window += at - accepted.front() < 3s ? 1 : 0;
    BOOST_TEST_MESSAGE(how << ": " << accepted.size() << " connections, " << in_window << " in the first 3 s");
    // Scaled delays 0, 25, 50, 100, 200, 400, 800, 1500 ms: 8 connections start within 3 s.
    BOOST_TEST(in_window <= 10u);
    BOOST_TEST(in_window >= 6u);
    // The first drop costs no resume latency: the second connection follows at once.
    BOOST_REQUIRE(accepted.size() >= 6u);
    BOOST_TEST((accepted[1] - accepted[0] < 300ms), ms(accepted[1] - accepted[0]) << " ms");
    // The gaps grow by the back-off: each is at least its scheduled delay (timers never fire
    // early) and exceeds the one before by at least half the scheduled increase. A
    // connection's own cost (about 50 ms under ASan) is in every gap, so ratios would not do.
    using ms_t = std::chrono::milliseconds;
    const ms_t scheduled[] = {ms_t(0), ms_t(25), ms_t(50), ms_t(100), ms_t(200), ms_t(400), ms_t(800), ms_t(1500)};
    for (std::size_t i = 1; i + 1 < in_window && i < 8; ++i) {
        const auto before = accepted[i] - accepted[i - 1], gap = accepted[i + 1] - accepted[i];
        BOOST_TEST((gap >= scheduled[i]), "gap " << i << ": " << ms(gap) << " ms");
        // Growth is checked where the schedule grows by 100 ms or more: the small early
        // steps (25 ms) are within a loaded machine's connection-cost jitter.
        if (scheduled[i] - scheduled[i - 1] >= ms_t(100))
            BOOST_TEST((gap - before >= (scheduled[i] - scheduled[i - 1]) / 2),
                       "gap " << i << ": " << ms(gap) << " ms after " << ms(before) << " ms");
    }
    // One session throughout: one Identify, every other connection resumed it.
    BOOST_TEST(identifies == 1);
    for (const auto& id : resumed_sessions) BOOST_TEST(id == "storm-session");
    // A healthy connection reset the back-off: its drop was resumed at once.
    BOOST_TEST(reconnect_after_healthy < 300ms);
    BOOST_TEST(sh.stats().short_lived_streak == 0u);
    BOOST_TEST(sh.stats().backoffs >= 4u);
    bool said = false;
    for (const auto& l : t.logs) said = said || l.find("short-lived connections") != std::string::npos;
    BOOST_TEST(said);
}

/// A port whose accept queue is full, so a new connection's SYN is dropped and the TCP
/// connect stays pending (Linux drops SYNs while the queue is over the backlog).
struct full_backlog {
    asio::io_context io;
    tcp::acceptor acc{io};
    std::vector<std::unique_ptr<tcp::socket>> fillers;
    full_backlog() {
        acc.open(tcp::v4());
        acc.bind({asio::ip::make_address("127.0.0.1"), 0});
        acc.listen(0);
        for (int i = 0; i < 2; ++i) { // backlog 0 holds one; a second may be admitted too
            auto s = std::make_unique<tcp::socket>(io);
            // Started at once, never completed: this io_context never runs, nothing accepts.
            s->async_connect(acc.local_endpoint(), [](boost::system::error_code) {});
            fillers.push_back(std::move(s));
        }
    }
    std::string url() const { return "ws://127.0.0.1:" + std::to_string(acc.local_endpoint().port()); }
};

/// An identify queue that never grants: every shard waits for its permit.
struct closed_identify_queue final : dgw::identify_queue {
    std::size_t waiting = 0, cancelled = 0;
    ticket request(std::uint32_t, std::function<void()>) override {
        ++waiting;
        return waiting;
    }
    void cancel(ticket) override { ++cancelled; }
};

/// The phases of the shutdown table, and how a gateway holds a shard in each.
struct phase_case {
    const char* name;
    dgw::shard_phase phase; ///< shutdown() once every shard is here
};
const std::vector<phase_case> phase_cases{
    {"resolving", dgw::shard_phase::resolving},
    {"connecting", dgw::shard_phase::connecting},
    {"tls_handshake", dgw::shard_phase::tls_handshake},
    {"websocket_handshake", dgw::shard_phase::websocket_handshake},
    {"awaiting_hello", dgw::shard_phase::awaiting_hello},
    {"awaiting_identify_permit", dgw::shard_phase::awaiting_identify_permit},
    {"identifying", dgw::shard_phase::identifying},
    {"backing_off", dgw::shard_phase::backing_off},
    {"connected", dgw::shard_phase::connected},
    {"closing", dgw::shard_phase::backing_off}, // an earlier connection's close is unanswered
    {"closing_unanswered", dgw::shard_phase::connected}, // the shutdown's own close is unanswered
};

/// Runs one row of the shutdown table for `shards` shards (1: a shard; more: a manager).
void shutdown_in_phase(const phase_case& pc, std::uint32_t shards) {
    BOOST_TEST_CONTEXT(pc.name << ", " << shards << " shard(s)") {
        const std::string name = pc.name;
        std::optional<stall_gateway> gw;
        std::optional<full_backlog> backlog;
        std::string url;
        if (name == "connecting") {
            backlog.emplace();
            url = backlog->url();
        } else if (name == "backing_off") {
            asio::io_context scratch; // a port nobody listens on: every attempt is refused
            tcp::acceptor a(scratch, {asio::ip::make_address("127.0.0.1"), 0});
            url = "ws://127.0.0.1:" + std::to_string(a.local_endpoint().port());
        } else {
            const stall mode = name == "resolving" || name == "tls_handshake" || name == "websocket_handshake"
                                   ? stall::tcp_silent
                               : name == "awaiting_hello"       ? stall::no_hello
                               : name == "identifying"          ? stall::no_ready
                               : name == "awaiting_identify_permit" ? stall::no_ready
                               : name == "closing"              ? stall::deaf_after_op9
                               : name == "closing_unanswered"   ? stall::deaf_session
                                                                : stall::session;
            gw.emplace(mode);
            url = name == "tls_handshake" ? gw->wss_url() : gw->url();
        }

        asio::io_context io;
        dgw::event_handlers handlers;
        std::vector<std::string> logs;
        dgw_test::test_certificate cert;
        ssl::context client_tls = cert.client();
        dgw::shard_options o;
        o.client.identify.token = token;
        o.client.identify.intents = dgw::Intents::Guilds | dgw::Intents::GuildMessages; // 513
        o.client.gateway_url = url;
        o.client.await_identify_permit = name == "awaiting_identify_permit";
        o.client.log = [&logs](dgw::log_level, std::string_view line) { logs.emplace_back(line); };
        o.client.invalid_session_delay = [] { return std::chrono::milliseconds(30'000); };
        o.client.backoff.initial = 30s; // the second refused attempt waits 15-30 s
        o.connect_timeout = 30s;
        o.tls = &client_tls;
        closed_identify_queue never;
        if (o.client.await_identify_permit) o.identify = &never;

        int stops = 0;
        std::optional<dgw::stop> last_stop;
        auto on_stop = [&](const dgw::stop& s) {
            ++stops;
            last_stop = s;
        };
        std::vector<dgw::shard*> all;
        std::unique_ptr<dgw::shard> one;
        std::unique_ptr<dgw::shard_manager> manager;
        std::function<void()> shut;
        if (shards == 1) {
            one = std::make_unique<dgw::shard>(io, o, handlers);
            one->on_stop(on_stop);
            all.push_back(one.get());
            shut = [&] { one->shutdown(); };
        } else {
            dgw::shard_manager_options mo;
            mo.shard = o;
            mo.shard_count = shards;
            mo.limit.max_concurrency = shards;
            // No identifies left until tomorrow: every shard waits for its permit.
            mo.limit.remaining = name == "awaiting_identify_permit" ? 0 : 1000;
            mo.limit.reset_after = 24h;
            manager = std::make_unique<dgw::shard_manager>(io, mo, handlers);
            manager->on_stop([&](std::uint32_t, const dgw::stop& s) { on_stop(s); });
            shut = [&] { manager->shutdown(); };
        }

        std::optional<steady::time_point> shut_at;
        bool reached = false;
        asio::steady_timer poll(io);
        asio::steady_timer guard(io, 15s);
        auto shut_now = [&] {
            shut_at = steady::now();
            poll.cancel();
            guard.cancel(); // the test's own timers must not keep io.run() alive either
            shut();
        };
        auto every_shard_in = [&] {
            if (all.empty()) return false;
            for (auto* s : all)
                if (s->phase() != pc.phase) return false;
            return true;
        };
        std::function<void()> watch = [&] {
            if (every_shard_in()) {
                reached = true;
                return shut_now();
            }
            poll.expires_after(1ms);
            poll.async_wait([&](boost::system::error_code ec) {
                if (!ec) watch();
            });
        };
        guard.async_wait([&](boost::system::error_code ec) {
            if (!ec) shut_now(); // the phase was never reached: end anyway so the test reports it
        });
        if (shards == 1) {
            one->start();
        } else {
            manager->start();
            for (auto& s : manager->shards()) all.push_back(s.get());
        }
        if (name == "resolving") {
            // The lookup has been started but cannot complete before io.run(): shut down now.
            reached = every_shard_in();
            shut_now();
        } else {
            watch();
        }
        io.run();
        const auto done = steady::now();

        BOOST_TEST(reached, "phase " << pc.name << " was never reached; last phases: " << [&] {
            std::string p;
            for (auto* s : all) p += std::string(dgw::to_string(s->phase())) + " ";
            return p;
        }());
        BOOST_REQUIRE(shut_at);
        const auto took = done - *shut_at;
        BOOST_TEST_MESSAGE(pc.name << " x" << shards << ": io.run() returned " << ms(took) << " ms after shutdown()");
        BOOST_TEST((took < 1s));
        BOOST_TEST(stops == static_cast<int>(shards)); // once per shard
        BOOST_REQUIRE(last_stop);
        BOOST_TEST(last_stop->reason == dgw::make_error_code(dgw::protocol_errc::shutdown));
        for (auto* s : all) BOOST_TEST(s->phase() == dgw::shard_phase::stopped);
        if (name == "awaiting_identify_permit" && shards == 1) BOOST_TEST(never.cancelled == 1u);
        if (manager) BOOST_TEST(manager->running() == 0u);
        for (const auto& l : logs) BOOST_TEST(l.find("Bad file descriptor") == std::string::npos, l);
    }
}

} // namespace

BOOST_AUTO_TEST_SUITE(shard_resilience)

BOOST_DATA_TEST_CASE(storm_backs_off_then_recovers, bdata::make(endings), how) { storm_then_recovery(how); }

// A gateway that never says Hello, with short timeouts: each connection is given up after
// 300 ms and the next waits longer (0, 25, 50, 100 ms back-off on top).
BOOST_AUTO_TEST_CASE(no_hello_times_out_and_backs_off) {
    stall_gateway gw(stall::no_hello);
    asio::io_context io;
    dgw::event_handlers handlers;
    dgw::shard_options o;
    o.client.identify.token = token;
    o.client.gateway_url = gw.url();
    o.client.await_identify_permit = false;
    o.client.hello_timeout = 300ms;
    scaled_backoff(o);
    dgw::shard sh(io, o, handlers);
    int stops = 0;
    sh.on_stop([&](const dgw::stop&) { ++stops; });
    asio::steady_timer poll(io);
    std::function<void()> watch = [&] {
        if (gw.connections() >= 5 && sh.phase() == dgw::shard_phase::awaiting_hello) return sh.shutdown();
        poll.expires_after(2ms);
        poll.async_wait([&](boost::system::error_code ec) {
            if (!ec) watch();
        });
    };
    sh.start();
    watch();
    io.run();
    const auto at = gw.arrivals();
    BOOST_REQUIRE(at.size() >= 5u);
    using ms = std::chrono::milliseconds;
    const ms want[] = {ms(300), ms(325), ms(350), ms(400)}; // timeout + back-off
    for (std::size_t i = 0; i < 4; ++i) {
        const auto gap = std::chrono::duration_cast<ms>(at[i + 1] - at[i]);
        BOOST_TEST(gap >= want[i]);
        BOOST_TEST(gap < want[i] + 500ms);
    }
    BOOST_TEST(sh.current_client()->stats().hello_timeouts >= 4u);
    BOOST_TEST(stops == 1);
}

// Four shards, max_concurrency 2, and a gateway that invalidates every session (op 9,
// d=false) right after READY: every shard must identify again, each time through the
// shared identify queue. The gateway stamps each Identify on receipt: two of one bucket
// are never less than 5.0 s apart, and no shard connects more often than its own back-off
// allows (op 9's wait is 10 ms here, so the back-off is what paces them).
BOOST_AUTO_TEST_CASE(manager_in_an_op9_storm_keeps_the_identify_queue) {
    session t;
    t.limit = 40s;
    dgw::shard_manager_options mo;
    mo.shard = t.options(dgw::Encoding::Json, dgw::transport_compression::none);
    scaled_backoff(mo.shard);
    mo.shard.client.invalid_session_delay = [] { return std::chrono::milliseconds(10); };
    mo.shard_count = 4;
    mo.limit.max_concurrency = 2;
    dgw::shard_manager manager(t.io, mo, t.handlers);
    std::vector<std::pair<std::int64_t, steady::time_point>> identifies; // shard, when read
    std::map<std::int64_t, int> connections_per_shard; // that identified
    int stopped = 0;
    manager.on_stop([&](std::uint32_t, const dgw::stop& s) {
        if (++stopped == 4) {
            t.stopped = s;
            t.notify();
        }
    });
    bool done = false;
    int live = 0;
    auto serve = [&](std::unique_ptr<peer_conn> c) -> awaitable<void> {
        ++live;
        co_await c->send(hello(45000));
        auto id = co_await c->recv();
        if (id && id->at("op").to_number<int>() == 2) {
            const std::int64_t shard = id->at("d").at("shard").at(0).to_number<std::int64_t>();
            identifies.emplace_back(shard, steady::now());
            ++connections_per_shard[shard];
            json::object ready = fixture_d("READY");
            ready["session_id"] = "s-" + std::to_string(shard);
            co_await c->dispatch("READY", 1, ready);
            if (!done) co_await c->send(invalid_session_op());
        }
        auto end = co_await c->recv();
        BOOST_CHECK(!end);
        --live;
    };
    auto script = [&]() -> awaitable<void> {
        const auto t0 = steady::now();
        while (steady::now() - t0 < 12s) {
            // Accept until the window closes; each connection is served on its own.
            auto c = co_await accept(t.acc);
            asio::co_spawn(t.io, serve(std::move(c)), asio::detached);
            if (steady::now() - t0 >= 11s) break;
        }
        done = true;
        manager.shutdown();
        while (live > 0) {
            asio::steady_timer poll(t.io, 10ms);
            co_await poll.async_wait(use_awaitable);
        }
    };
    t.drive([&] { manager.start(); }, [&] { manager.shutdown(); }, script());

    std::map<std::int64_t, std::vector<steady::time_point>> by_bucket;
    for (auto& [shard, at] : identifies) by_bucket[shard % 2].push_back(at);
    for (auto& [bucket, times] : by_bucket) {
        std::sort(times.begin(), times.end());
        for (std::size_t i = 1; i < times.size(); ++i)
            BOOST_TEST((times[i] - times[i - 1] >= 5000ms), "bucket " << bucket << " identifies " << i - 1 << " and " << i
                                                                      << " are "
                                                                      << std::chrono::duration<double>(times[i] - times[i - 1]).count()
                                                                      << " s apart");
    }
    // Sessions kept being invalidated and re-identified (bucket grants at 0, 5.25, 10.5 s).
    BOOST_TEST(identifies.size() >= 6u);
    // The queue was never bypassed: each connection of a shard identified at most once,
    // and only the last one may have been left waiting for its permit at shutdown.
    for (auto& s : manager.shards()) {
        const auto id = static_cast<std::int64_t>(&s - &manager.shards().front());
        const auto n = static_cast<std::uint64_t>(connections_per_shard[id]);
        BOOST_TEST(s->stats().connects >= n);
        BOOST_TEST(s->stats().connects <= n + 1, "shard " << id << ": " << s->stats().connects << " connections, "
                                                          << n << " identifies");
    }
    BOOST_TEST(manager.running() == 0u);
}

BOOST_AUTO_TEST_CASE(shutdown_in_every_phase_of_a_shard) {
    for (const auto& pc : phase_cases) shutdown_in_phase(pc, 1);
}

BOOST_AUTO_TEST_CASE(shutdown_in_every_phase_of_a_manager_of_4) {
    for (const auto& pc : phase_cases) shutdown_in_phase(pc, 4);
}

BOOST_AUTO_TEST_SUITE_END()
