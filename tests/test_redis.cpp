// dgw::cluster's Redis pieces against a real redis-server: the connection, the identify
// queue shared by processes, and the consumer side of the event streams.
#include <dgw/codec/typed.hpp>
#include <dgw/gateway.hpp>
#include <dgw/redis.hpp>
#include <dgw/redis_identify_queue.hpp>
#include <dgw/session_store.hpp>
#include <dgw/stream_consumer.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/system_error.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "redis_server.hpp"
#include "test_event_fixtures.hpp"

namespace {

using namespace std::chrono_literals;
using dgw::redis::reply;
using clk = std::chrono::steady_clock;

/// Runs `io` until `done()` or `limit` passes; returns done().
bool run_until(boost::asio::io_context& io, const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
    const auto end = clk::now() + limit;
    while (!done() && clk::now() < end) {
        io.restart();
        io.run_for(10ms);
    }
    return done();
}

dgw::redis::connection_options options_for(const dgw_test::redis_server& srv, std::vector<std::string>* log = nullptr) {
    dgw::redis::connection_options o;
    o.where = dgw::redis::parse_url(srv.url());
    o.retry_initial = 20ms;
    o.retry_max = 200ms;
    if (log) o.log = [log](dgw::log_level, std::string_view line) { log->emplace_back(line); };
    return o;
}

/// Sends one command and runs `io` until its reply.
std::pair<boost::system::error_code, reply> call(boost::asio::io_context& io, dgw::redis::connection& c,
                                                 std::vector<std::string> args) {
    std::optional<std::pair<boost::system::error_code, reply>> got;
    c.command(std::move(args), [&](boost::system::error_code ec, reply r) { got.emplace(ec, std::move(r)); });
    BOOST_REQUIRE(run_until(io, [&] { return got.has_value(); }));
    return *got;
}

} // namespace

BOOST_AUTO_TEST_SUITE(redis)

BOOST_AUTO_TEST_CASE(urls_are_parsed_and_bad_ones_say_why) {
    auto e = dgw::redis::parse_url("redis://cache.internal:6380/3");
    BOOST_TEST(e.host == "cache.internal");
    BOOST_TEST(e.port == 6380);
    BOOST_TEST(e.db == 3u);
    BOOST_TEST(e.password.empty());
    e = dgw::redis::parse_url("redis://bot:s3cret@10.0.0.5");
    BOOST_TEST(e.host == "10.0.0.5");
    BOOST_TEST(e.port == 6379);
    BOOST_TEST(e.username == "bot");
    BOOST_TEST(e.password == "s3cret");
    BOOST_TEST(e.display() == "redis://10.0.0.5:6379"); // never the password
    e = dgw::redis::parse_url("redis://:only-password@[::1]:7000");
    BOOST_TEST(e.host == "::1");
    BOOST_TEST(e.username.empty());
    BOOST_TEST(e.password == "only-password");
    for (const char* bad : {"http://localhost:6379", "redis://", "redis://host:99999", "redis://host/x", "redis://host/1?x=1",
                            "not a url"}) {
        try {
            dgw::redis::parse_url(bad);
            BOOST_ERROR("accepted " << bad);
        } catch (const boost::system::system_error& ex) {
            BOOST_TEST((ex.code() == dgw::redis::errc::bad_url), bad);
            BOOST_TEST(std::string(ex.what()).find(bad) != std::string::npos, ex.what());
        }
    }
}

BOOST_AUTO_TEST_CASE(commands_pipeline_in_order_with_every_reply_type) {
    dgw_test::redis_server srv;
    boost::asio::io_context io;
    dgw::redis::connection c(io, options_for(srv));
    c.start();
    // Queued while connecting, then pipelined: replies come back in order.
    std::vector<std::pair<boost::system::error_code, reply>> got;
    auto keep = [&](boost::system::error_code ec, reply r) { got.emplace_back(ec, std::move(r)); };
    const std::string big(300'000, 'x'); // several reads of the 16 KiB buffer
    c.command({"SET", "k", big}, keep);
    c.command({"GET", "k"}, keep);
    c.command({"GET", "absent"}, keep);
    c.command({"INCRBY", "n", "-5"}, keep);
    c.command({"RPUSH", "l", "a", std::string("b\0c\r\n", 5)}, keep);
    c.command({"LRANGE", "l", "0", "-1"}, keep);
    c.command({"NOSUCHCOMMAND"}, keep);
    c.command({"PING"}, keep);
    BOOST_REQUIRE(run_until(io, [&] { return got.size() == 8; }));
    BOOST_TEST(!got[0].first);
    BOOST_TEST((got[0].second.type == reply::kind::status && got[0].second.str == "OK"));
    BOOST_TEST((got[1].second.type == reply::kind::string));
    BOOST_TEST(got[1].second.str == big);
    BOOST_TEST((got[2].second.type == reply::kind::nil));
    BOOST_TEST((got[3].second.type == reply::kind::integer && got[3].second.integer == -5));
    BOOST_TEST((got[4].second.integer == 2));
    BOOST_REQUIRE((got[5].second.type == reply::kind::array && got[5].second.elements.size() == 2));
    BOOST_TEST(got[5].second.elements[1].str == std::string("b\0c\r\n", 5)); // binary-safe
    BOOST_TEST((got[6].first == dgw::redis::errc::server_error));
    BOOST_TEST(got[6].second.str.find("unknown command") != std::string::npos, got[6].second.str);
    BOOST_TEST((!got[7].first && got[7].second.str == "PONG")); // an error reply does not break the pipeline
    // Checked from outside the code under test.
    BOOST_TEST(srv.cli("STRLEN k").find("300000") != std::string::npos);
    BOOST_TEST(c.stats().connects == 1u);
    BOOST_TEST(c.stats().replies >= 8u);
}

BOOST_AUTO_TEST_CASE(an_outage_fails_commands_clearly_and_recovers) {
    dgw_test::redis_server srv;
    boost::asio::io_context io;
    std::vector<std::string> log;
    dgw::redis::connection c(io, options_for(srv, &log));
    c.start();
    BOOST_TEST(!call(io, c, {"SET", "a", "1"}).first);

    srv.stop();
    // The drop is noticed by the read; then commands fail at once, without a reply.
    BOOST_REQUIRE(run_until(io, [&] { return !c.connected(); }));
    auto [ec, r] = call(io, c, {"GET", "a"});
    BOOST_TEST((ec == dgw::redis::errc::unreachable || ec == dgw::redis::errc::connection_lost), ec.message());
    BOOST_TEST((r.type == reply::kind::nil));
    // Several failed attempts log one error for the outage.
    run_until(io, [] { return false; }, 500ms);
    BOOST_TEST(c.stats().connect_failures >= 2u);
    std::size_t errors = 0;
    for (const auto& l : log) errors += l.find("connection lost") != std::string::npos || l.find("unreachable") != std::string::npos;
    BOOST_TEST(errors == 1u);
    BOOST_TEST(!c.stats().last_error.empty());

    srv.start();
    BOOST_REQUIRE(run_until(io, [&] { return c.connected(); }));
    BOOST_TEST(!call(io, c, {"SET", "b", "2"}).first);
    BOOST_TEST(c.stats().connects == 2u);
    BOOST_TEST(log.back().find("reconnected") != std::string::npos, log.back());
}

BOOST_AUTO_TEST_CASE(nothing_listening_is_unreachable_and_shutdown_ends_everything) {
    dgw_test::redis_server srv;
    srv.stop();
    boost::asio::io_context io;
    dgw::redis::connection c(io, options_for(srv));
    c.start();
    auto [ec, r] = call(io, c, {"PING"});
    BOOST_TEST((ec == dgw::redis::errc::unreachable), ec.message());
    bool called = false;
    c.command({"PING"}, [&](boost::system::error_code e, reply) { called = e == dgw::redis::errc::unreachable || e == dgw::redis::errc::shut_down; });
    c.shutdown();
    // Nothing stays pending on the io_context after shutdown: run() returns.
    io.restart();
    const auto t0 = clk::now();
    io.run();
    BOOST_TEST(called);
    BOOST_TEST((clk::now() - t0 < 2s));
}

// Nested in `redis`: CTest runs one suite per file (--run_test=redis).
BOOST_AUTO_TEST_SUITE(identify_queue)

namespace {

/// One simulated process: its own Redis connection and queue.
struct process {
    dgw::redis::connection conn;
    dgw::redis_identify_queue queue;
    process(boost::asio::io_context& io, const dgw_test::redis_server& srv, dgw::redis_identify_options o)
        : conn(io, options_for(srv)), queue(io, conn, std::move(o)) {
        conn.start();
    }
};

dgw::redis_identify_options fast(std::uint32_t max_concurrency, std::uint32_t remaining = 1000) {
    dgw::redis_identify_options o;
    o.limit.max_concurrency = max_concurrency;
    o.limit.total = 1000;
    o.limit.remaining = remaining;
    o.limit.reset_after = 3600s;
    o.bucket_period = 300ms;
    o.margin = 0ms;
    o.poll_interval = 50ms;
    o.waiter_ttl = 400ms;
    o.settle = 0ms;
    return o;
}

struct grant {
    std::uint32_t shard;
    clk::time_point at;
};

} // namespace

BOOST_AUTO_TEST_CASE(processes_share_buckets_order_and_one_budget) {
    dgw_test::redis_server srv;
    boost::asio::io_context io;
    std::vector<std::unique_ptr<process>> procs;
    for (int i = 0; i < 3; ++i) procs.push_back(std::make_unique<process>(io, srv, fast(2, 700)));
    std::vector<grant> grants;
    // 12 shards, process = id % 3, each process declaring its shards first (as cluster_node
    // does before they connect), then all asking at once, higher ids first: the order is
    // Redis' and not the arrival's.
    for (int k = 0; k < 3; ++k) procs[k]->queue.enroll({std::uint32_t(k), std::uint32_t(k + 3), std::uint32_t(k + 6), std::uint32_t(k + 9)});
    run_until(io, [] { return false; }, 100ms);
    for (int id = 11; id >= 0; --id)
        procs[id % 3]->queue.request(id, [&grants, id] { grants.push_back({static_cast<std::uint32_t>(id), clk::now()}); });
    BOOST_REQUIRE(run_until(io, [&] { return grants.size() == 12; }, 20s));
    std::map<std::uint32_t, std::vector<grant>> by_bucket;
    for (const auto& g : grants) by_bucket[g.shard % 2].push_back(g);
    for (const auto& [b, gs] : by_bucket) {
        BOOST_TEST(gs.size() == 6u);
        for (std::size_t i = 1; i < gs.size(); ++i) {
            BOOST_TEST(gs[i].shard > gs[i - 1].shard, "bucket " << b << " out of order");
            BOOST_TEST((gs[i].at - gs[i - 1].at >= 290ms), "bucket " << b << ": two grants within the period");
        }
    }
    // The budget was seeded once (700) and counted once per grant, whoever granted.
    BOOST_TEST(srv.cli("GET dgw:identify:budget").find("688") != std::string::npos, srv.cli("GET dgw:identify:budget"));
    std::uint64_t total = 0;
    for (auto& p : procs) total += p->queue.stats().grants;
    BOOST_TEST(total == 12u);
}

BOOST_AUTO_TEST_CASE(a_dead_process_holds_neither_its_bucket_nor_its_place) {
    dgw_test::redis_server srv;
    boost::asio::io_context io;
    auto dead = std::make_unique<process>(io, srv, fast(1));
    process alive(io, srv, fast(1));
    std::vector<grant> grants;
    // The dead process is granted shard 0 (the bucket's lease now runs), and shard 1 waits
    // behind it; then it dies without withdrawing anything (its connection just goes).
    dead->queue.request(0, [&] { grants.push_back({0, clk::now()}); });
    BOOST_REQUIRE(run_until(io, [&] { return grants.size() == 1; }));
    dead->queue.request(1, [&] { grants.push_back({1, clk::now()}); });
    run_until(io, [] { return false; }, 100ms);
    dead->conn.shutdown(); // withdraw commands can no longer reach Redis: as a kill -9
    dead.reset();
    // Shard 2 of the live process must not wait for dead shard 1 beyond its waiter ttl.
    alive.queue.request(2, [&] { grants.push_back({2, clk::now()}); });
    BOOST_REQUIRE(run_until(io, [&] { return grants.size() == 2; }, 5s));
    BOOST_TEST(grants[1].shard == 2u);
    const auto waited = grants[1].at - grants[0].at;
    BOOST_TEST((waited >= 290ms), "the lease was not respected");
    BOOST_TEST((waited < 1500ms), "waited for a dead waiter");
}

BOOST_AUTO_TEST_CASE(a_spent_budget_grants_nothing_and_says_so) {
    dgw_test::redis_server srv;
    boost::asio::io_context io;
    std::vector<std::string> log;
    auto o = fast(4, 2);
    o.log = [&](dgw::log_level, std::string_view l) { log.emplace_back(l); };
    process p(io, srv, o);
    int granted = 0;
    for (int id = 0; id < 4; ++id) p.queue.request(id, [&] { ++granted; });
    run_until(io, [] { return false; }, 800ms);
    BOOST_TEST(granted == 2);
    BOOST_TEST(p.queue.stats().waiting == 2u);
    bool said = false;
    for (const auto& l : log) said |= l.find("session_start_limit is spent") != std::string::npos;
    BOOST_TEST(said);
    BOOST_TEST(srv.cli("GET dgw:identify:budget").find('0') != std::string::npos);
    p.queue.shutdown();
}

BOOST_AUTO_TEST_CASE(redis_down_grants_nothing_and_recovery_grants_at_the_normal_pace) {
    dgw_test::redis_server srv;
    boost::asio::io_context io;
    process p(io, srv, fast(1));
    std::vector<grant> grants;
    BOOST_REQUIRE(run_until(io, [&] { return p.conn.connected(); }));
    srv.stop();
    for (int id = 0; id < 3; ++id) p.queue.request(id, [&, id] { grants.push_back({static_cast<std::uint32_t>(id), clk::now()}); });
    run_until(io, [] { return false; }, 600ms);
    BOOST_TEST(grants.empty());
    BOOST_TEST(p.queue.stats().redis_errors > 0u);
    srv.start(); // empty: the script cache and every key are gone
    BOOST_REQUIRE(run_until(io, [&] { return grants.size() == 3; }, 10s));
    for (std::size_t i = 1; i < grants.size(); ++i) BOOST_TEST((grants[i].at - grants[i - 1].at >= 290ms), "burst after recovery");
}

BOOST_AUTO_TEST_CASE(enrolled_shards_of_a_slower_process_keep_their_places) {
    dgw_test::redis_server srv;
    boost::asio::io_context io;
    process early(io, srv, fast(2)), late(io, srv, fast(2));
    std::vector<std::uint32_t> order;
    // The late process has declared shards 0 and 2 but they have not asked yet (their
    // connections are still opening); the early one asks for 4 and 6 of the same bucket.
    late.queue.enroll({0, 2});
    run_until(io, [] { return false; }, 50ms);
    for (std::uint32_t id : {4u, 6u}) early.queue.request(id, [&, id] { order.push_back(id); });
    run_until(io, [] { return false; }, 400ms);
    BOOST_TEST(order.empty(), "a higher shard went before enrolled lower ones");
    for (std::uint32_t id : {2u, 0u}) late.queue.request(id, [&, id] { order.push_back(id); });
    BOOST_REQUIRE(run_until(io, [&] { return order.size() == 4; }, 5s));
    BOOST_TEST(order == (std::vector<std::uint32_t>{0, 2, 4, 6}));
    // leave(): a shard that will not identify (it resumed) stops holding the others.
    late.queue.enroll({8});
    early.queue.request(10, [&] { order.push_back(10); });
    run_until(io, [] { return false; }, 400ms);
    BOOST_TEST(order.size() == 4u);
    late.queue.leave(8);
    BOOST_REQUIRE(run_until(io, [&] { return order.size() == 5; }, 3s));
}

// Processes started together are never quite together: one may declare its shards a few
// hundred ms after another's first shard is ready. The settle time covers that.
BOOST_AUTO_TEST_CASE(a_process_slow_to_start_keeps_the_order_within_the_settle_time) {
    dgw_test::redis_server srv;
    boost::asio::io_context io;
    auto o = fast(1);
    o.settle = 600ms;
    process early(io, srv, o), late(io, srv, o);
    std::vector<std::uint32_t> order;
    const auto t0 = clk::now();
    early.queue.enroll({1});
    early.queue.request(1, [&] { order.push_back(1); });
    run_until(io, [] { return false; }, 300ms);
    BOOST_TEST(order.empty(), "asked before the settle time was over");
    late.queue.enroll({0});
    late.queue.request(0, [&] { order.push_back(0); });
    BOOST_REQUIRE(run_until(io, [&] { return order.size() == 2; }, 5s));
    BOOST_TEST(order == (std::vector<std::uint32_t>{0, 1}));
    BOOST_TEST((clk::now() - t0 >= 900ms)); // late's own settle, then the bucket's period
}

// Redis' own count of script runs (INFO commandstats), for what a queue costs the server.
std::uint64_t evalsha_calls(const dgw_test::redis_server& srv) {
    const std::string info = srv.cli("INFO commandstats");
    const auto at = info.find("cmdstat_evalsha:calls=");
    return at == std::string::npos ? 0 : std::stoull(info.substr(at + 22));
}

// A big bot starts hundreds of shards at once: only each bucket's lowest waiting shard of a
// process polls Redis, the others wait in the process, so the script runs per bucket and
// poll, not per waiting shard.
BOOST_AUTO_TEST_CASE(waiting_shards_cost_redis_one_poll_per_bucket) {
    dgw_test::redis_server srv;
    boost::asio::io_context io;
    process p(io, srv, fast(2));
    std::vector<std::uint32_t> order;
    for (std::uint32_t id = 0; id < 40; ++id) p.queue.request(id, [&, id] { order.push_back(id); });
    const auto t0 = clk::now();
    BOOST_REQUIRE(run_until(io, [&] { return order.size() == 6; }, 5s)); // 3 per bucket: ~600 ms
    const double polls = std::chrono::duration<double>(clk::now() - t0) / 50ms;
    const std::uint64_t runs = evalsha_calls(srv);
    // Two heads polling every 50 ms (or at the lease's end), plus each grant and the next
    // head's first ask: 32 here, where one run per waiting shard and poll made 450.
    BOOST_TEST(runs <= static_cast<std::uint64_t>(3 * polls + 12), runs << " script runs in " << polls << " polls");
    BOOST_TEST_MESSAGE(runs << " script runs in " << polls << " polls");
    BOOST_TEST(runs == p.queue.stats().attempts);
    BOOST_TEST(order == (std::vector<std::uint32_t>{0, 1, 2, 3, 4, 5}));
    // The others are in line in Redis all the while, for the other processes to see.
    BOOST_TEST(srv.cli("ZCARD dgw:identify:waiting:0").find("17") != std::string::npos, srv.cli("ZCARD dgw:identify:waiting:0"));
    p.queue.shutdown();
}

BOOST_AUTO_TEST_CASE(cancel_withdraws_the_place_in_line) {
    dgw_test::redis_server srv;
    boost::asio::io_context io;
    process p(io, srv, fast(1));
    std::vector<std::uint32_t> order;
    p.queue.request(0, [&] { order.push_back(0); });
    BOOST_REQUIRE(run_until(io, [&] { return order.size() == 1; }));
    const auto t1 = p.queue.request(1, [&] { order.push_back(1); });
    p.queue.request(2, [&] { order.push_back(2); });
    run_until(io, [] { return false; }, 60ms);
    p.queue.cancel(t1);
    BOOST_REQUIRE(run_until(io, [&] { return order.size() == 2; }, 3s));
    run_until(io, [] { return false; }, 400ms);
    BOOST_TEST(order == (std::vector<std::uint32_t>{0, 2}), "shard 1 was granted after cancel");
}

BOOST_AUTO_TEST_SUITE_END()

// The session entries a replacement process resumes from, written and read back through a
// real Redis: what is stored, what load() accepts, and that an entry dies with its ttl.
BOOST_AUTO_TEST_SUITE(sessions)

std::map<std::uint32_t, dgw::session_info> load(boost::asio::io_context& io, dgw::redis_session_store& store,
                                                std::vector<std::uint32_t> ids) {
    std::optional<std::map<std::uint32_t, dgw::session_info>> got;
    store.load(ids, [&](boost::system::error_code ec, std::map<std::uint32_t, dgw::session_info> m) {
        BOOST_TEST(!ec, ec.message());
        got = std::move(m);
    });
    BOOST_REQUIRE(run_until(io, [&] { return got.has_value(); }));
    return *got;
}

BOOST_AUTO_TEST_CASE(entries_are_written_read_back_and_expire_with_their_ttl) {
    dgw_test::redis_server srv;
    boost::asio::io_context io;
    dgw::redis::connection c(io, options_for(srv));
    c.start();
    dgw::redis_session_store store(c, "bot", std::chrono::seconds(1));
    BOOST_TEST(store.key(7) == "bot:session:7");

    const dgw::session_info a{"a1b2c3", "wss://gateway-us-east1-b.discord.gg", 4711};
    const dgw::session_info b{"d4e5f6", "wss://gateway-us-east1-c.discord.gg", std::nullopt};
    for (const auto& cmd : store.write(0, a)) BOOST_TEST(!call(io, c, cmd).first);
    // Shard 1 had a seq before; a session without one (READY not yet dispatched) drops it.
    BOOST_TEST(!call(io, c, {"HSET", "bot:session:1", "seq", "99"}).first);
    for (const auto& cmd : store.write(1, b)) BOOST_TEST(!call(io, c, cmd).first);
    // Not a session of ours: no session_id. And one whose seq is not a number.
    BOOST_TEST(!call(io, c, {"HSET", "bot:session:2", "resume_gateway_url", "wss://x", "seq", "5"}).first);
    BOOST_TEST(!call(io, c, {"HSET", "bot:session:3", "session_id", "zz", "seq", "12abc"}).first);

    BOOST_TEST(srv.cli("HGET bot:session:0 seq").find("4711") != std::string::npos);
    const std::string ttl = srv.cli("PTTL bot:session:0");
    BOOST_TEST((std::stoll(ttl) > 0 && std::stoll(ttl) <= 1000), ttl);

    auto got = load(io, store, {0, 1, 2, 3, 4});
    BOOST_TEST_REQUIRE(got.size() == 3u); // 2 has no id, 4 has no entry
    BOOST_TEST(got[0].session_id == a.session_id);
    BOOST_TEST(got[0].resume_gateway_url == a.resume_gateway_url);
    BOOST_TEST((got[0].seq == a.seq));
    BOOST_TEST(got[1].session_id == b.session_id);
    BOOST_TEST(!got[1].seq.has_value());
    BOOST_TEST(got[3].session_id == "zz");
    BOOST_TEST(!got[3].seq.has_value()); // a seq it cannot read is not guessed

    BOOST_TEST(!call(io, c, store.erase(1)).first);
    BOOST_TEST(load(io, store, {1}).empty());
    // Nothing rewrites shard 0 now, as after its process died: the entry goes with its ttl.
    BOOST_REQUIRE(run_until(io, [&] { return srv.cli("EXISTS bot:session:0").find('0') != std::string::npos; }, 3s));
    BOOST_TEST(load(io, store, {0}).empty());
}

BOOST_AUTO_TEST_CASE(redis_down_is_an_error_not_an_empty_answer) {
    dgw_test::redis_server srv;
    boost::asio::io_context io;
    dgw::redis::connection c(io, options_for(srv));
    c.start();
    BOOST_TEST(call(io, c, {"PING"}).second.str == "PONG");
    srv.stop();
    dgw::redis_session_store store(c);
    std::optional<boost::system::error_code> ec;
    std::size_t found = 99;
    store.load({0, 1}, [&](boost::system::error_code e, std::map<std::uint32_t, dgw::session_info> m) {
        ec = e;
        found = m.size();
    });
    BOOST_REQUIRE(run_until(io, [&] { return ec.has_value(); }));
    // An empty map with no error would make the caller identify every shard.
    BOOST_TEST(static_cast<bool>(*ec));
    BOOST_TEST(found == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

// The worker side: what cluster_node publishes, read back through a consumer group by
// dgw::stream_consumer and decoded into the typed event again.
BOOST_AUTO_TEST_SUITE(streams)

/// A Redis server with two connections to it: one publishes, the other consumes.
struct pub_sub {
    dgw_test::redis_server srv;
    boost::asio::io_context io;
    dgw::redis::connection pub{io, options_for(srv)}, sub{io, options_for(srv)};
    pub_sub() {
        pub.start();
        sub.start();
    }
};

/// Consumer w1 of group "workers" over `streams`.
dgw::stream_consumer_options worker(std::vector<std::string> streams, std::chrono::milliseconds block) {
    dgw::stream_consumer_options o;
    o.streams = std::move(streams);
    o.group = "workers";
    o.name = "w1";
    o.block = block;
    return o;
}

BOOST_FIXTURE_TEST_CASE(a_consumer_group_reads_published_messages_and_decodes_their_fields, pub_sub) {
    // The documented MESSAGE_CREATE, as cluster_node encodes a published d.
    const auto& fx = dgw_test::event_fixture_named("MESSAGE_CREATE");
    dgw::GatewayMessage msg;
    dgw::decode_error err;
    BOOST_REQUIRE_MESSAGE(dgw::decode(fx.text, dgw::Encoding::Json, msg, err), err.message());
    const auto& created = std::get<dgw::events::MessageCreate>(msg.event);
    std::string payload;
    dgw::codec::encode_msgpack_value(dgw::describe<dgw::events::MessageCreate>(), &created, payload);

    std::vector<dgw::stream_entry> got;
    std::vector<std::function<void()>> acks;
    const auto o = worker({"MESSAGE_CREATE", "GUILD_CREATE"}, 200ms);
    dgw::stream_consumer c(io, sub, o, [&](const dgw::stream_entry& e, std::function<void()> ack) {
        got.push_back(e);
        acks.push_back(std::move(ack));
    });
    c.start();
    // The group exists once XGROUP CREATE ran: only then is a publish seen by it.
    BOOST_REQUIRE(run_until(io, [&] { return srv.cli("EXISTS MESSAGE_CREATE").find('1') != std::string::npos; }));
    for (int i = 0; i < 3; ++i) BOOST_TEST(!call(io, pub, {"XADD", "MESSAGE_CREATE", "MAXLEN", "~", "1000", "*", "data", payload}).first);
    BOOST_REQUIRE(run_until(io, [&] { return got.size() == 3; }));
    for (const auto& e : got) {
        BOOST_TEST(e.stream == "MESSAGE_CREATE");
        BOOST_TEST(e.data == payload);
        std::string json;
        dgw::decode_error e2;
        BOOST_REQUIRE_MESSAGE(dgw::codec::msgpack_to_json_text(e.data, json, e2), e2.message());
        dgw::events::MessageCreate back;
        BOOST_REQUIRE_MESSAGE(dgw::decode_json(json, back, e2), e2.message());
        BOOST_TEST((back.id == created.id));
        BOOST_TEST((back.content == created.content));
        BOOST_TEST((back.author.id == created.author.id));
        BOOST_TEST((back.channel_id == created.channel_id));
        // The same JSON the JSON writer gives: msgpack carried every field.
        BOOST_TEST((boost::json::parse(json) == boost::json::parse(dgw::encode_json(created))));
    }
    // Unacknowledged entries stay pending for this consumer; acked ones leave the list.
    BOOST_TEST(srv.cli("XPENDING MESSAGE_CREATE workers").find('3') != std::string::npos);
    for (auto& a : acks) a();
    BOOST_REQUIRE(run_until(io, [&] { return c.acked() == 3; }));
    BOOST_TEST(srv.cli("XPENDING MESSAGE_CREATE workers").rfind("0", 0) == 0, srv.cli("XPENDING MESSAGE_CREATE workers"));
    c.shutdown();
}

BOOST_FIXTURE_TEST_CASE(a_restarted_consumer_gets_its_unacknowledged_entries_first, pub_sub) {
    const auto o = worker({"TYPING_START"}, 100ms);
    std::vector<std::string> first;
    {
        dgw::stream_consumer c(io, sub, o, [&](const dgw::stream_entry& e, std::function<void()> ack) {
            first.push_back(e.data);
            if (e.data == "a") ack(); // b and c are not acknowledged: the worker "crashes"
        });
        c.start();
        BOOST_REQUIRE(run_until(io, [&] { return srv.cli("EXISTS TYPING_START").find('1') != std::string::npos; }));
        for (const char* d : {"a", "b", "c"}) call(io, pub, {"XADD", "TYPING_START", "*", "data", d});
        BOOST_REQUIRE(run_until(io, [&] { return first.size() == 3; }));
        c.shutdown();
    }
    run_until(io, [] { return false; }, 300ms); // the read in flight ends
    call(io, pub, {"XADD", "TYPING_START", "*", "data", "d"});
    std::vector<std::string> second;
    dgw::stream_consumer c2(io, sub, o, [&](const dgw::stream_entry& e, std::function<void()> ack) {
        second.push_back(e.data);
        ack();
    });
    c2.start();
    BOOST_REQUIRE(run_until(io, [&] { return second.size() == 3; }));
    BOOST_TEST(second == (std::vector<std::string>{"b", "c", "d"}));
    c2.shutdown();
}

// A stream deleted under a reading consumer (or a Redis that restarted empty) answers NOGROUP:
// the consumer creates its group again and goes on with what is published next.
BOOST_FIXTURE_TEST_CASE(a_deleted_stream_gets_its_group_again_and_is_read_on, pub_sub) {
    std::vector<std::string> log;
    auto o = worker({"TYPING_START"}, 100ms);
    o.retry = 50ms;
    o.log = [&](dgw::log_level, std::string_view line) { log.emplace_back(line); };
    std::vector<std::string> got;
    dgw::stream_consumer c(io, sub, o, [&](const dgw::stream_entry& e, std::function<void()> ack) {
        got.push_back(e.data);
        ack();
    });
    c.start();
    auto group_exists = [&] { return srv.cli("XINFO GROUPS TYPING_START").find("workers") != std::string::npos; };
    BOOST_REQUIRE(run_until(io, group_exists));
    call(io, pub, {"XADD", "TYPING_START", "*", "data", "a"});
    BOOST_REQUIRE(run_until(io, [&] { return got.size() == 1; }));

    BOOST_REQUIRE(srv.cli("DEL TYPING_START").find('1') != std::string::npos);
    BOOST_REQUIRE(run_until(io, group_exists));
    call(io, pub, {"XADD", "TYPING_START", "*", "data", "b"});
    BOOST_REQUIRE(run_until(io, [&] { return got.size() == 2; }));
    BOOST_TEST(got == (std::vector<std::string>{"a", "b"}));
    BOOST_TEST(c.acked() == 2u);
    // Said once: a read blocked at the DEL hears UNBLOCKED (Redis 7), one started after NOGROUP.
    BOOST_TEST_REQUIRE(log.size() == 1u);
    BOOST_TEST((log[0].find("UNBLOCKED") != std::string::npos || log[0].find("NOGROUP") != std::string::npos), log[0]);
    c.shutdown();
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE_END() // redis
