// shard_manager on a pool of threads (shard_manager_options::threads), against the local
// gateway of `dgw gateway serve` in-process: each shard's handlers run on one pool thread,
// never the caller's; both threads are used; every dispatch arrives once, on the shard
// shard_for_guild() names; snapshot() reads every shard from its own thread; shutdown()
// ends it all and io.run() returns.

#include "serve/server.hpp"

#include <dgw/event_handlers.hpp>
#include <dgw/shard_manager.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <unistd.h>

namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

constexpr unsigned shard_count = 8;
constexpr unsigned events_per_shard = 5;

// MESSAGE_CREATE with guild ids routed to every shard: guild (k << 22), message id k + 1.
std::string events_file() {
    std::ifstream f(std::string(DGW_FIXTURES) + "/events/MESSAGE_CREATE.json");
    const std::string text((std::istreambuf_iterator<char>(f)), {});
    const json::object msg = json::parse(text).as_object();
    const auto p = std::filesystem::temp_directory_path() / ("dgw_pool_events_" + std::to_string(::getpid()) + ".jsonl");
    std::ofstream out(p);
    for (unsigned k = 0; k < shard_count * events_per_shard; ++k) {
        json::object m = msg;
        json::object& d = m["d"].as_object();
        d["id"] = std::to_string(k + 1);
        d["guild_id"] = std::to_string(std::uint64_t(k) << 22);
        out << json::serialize(m) << "\n";
    }
    return p.string();
}

} // namespace

BOOST_AUTO_TEST_SUITE(shard_pool)

BOOST_AUTO_TEST_CASE(shards_run_on_a_pool_of_threads_each_on_one) {
    const std::string events = events_file();
    boost::asio::io_context srv_io;
    dgw::tool::serve::options so;
    so.token = "pool-token";
    so.events = events;
    so.shards = shard_count;
    so.max_concurrency = shard_count;
    so.identify_interval = 0ms;
    so.heartbeat_interval = 500ms;
    dgw::tool::serve::server srv(srv_io, so, [](std::string_view) {});
    srv.start();
    std::thread srv_thread([&] { srv_io.run(); });

    struct seen {
        std::thread::id thread;
        std::uint32_t shard;
        std::uint64_t guild;
    };
    std::mutex mu;
    std::map<std::string, seen> got; // message id -> where it arrived
    std::size_t repeats = 0;
    dgw::event_handlers h;
    h.on<dgw::events::MessageCreate>([&](const dgw::events::MessageCreate& m, const dgw::dispatch_info& i) {
        std::lock_guard lock(mu);
        const auto id = std::to_string(m.id.value);
        if (got.count(id)) ++repeats;
        got[id] = {std::this_thread::get_id(), i.shard_id, m.guild_id ? m.guild_id->value : 0};
    });

    boost::asio::io_context io;
    dgw::shard_manager_options o;
    o.shard.client.identify.token = "pool-token";
    o.shard.client.gateway_url = srv.url();
    o.shard.client.compression = dgw::transport_compression::zlib_stream;
    h.apply(o.shard.client);
    o.shard_count = shard_count;
    o.limit.max_concurrency = shard_count;
    o.identify_margin = 0ms;
    o.threads = 2;
    dgw::shard_manager m(io, o, h);
    m.start();

    std::vector<dgw::shard_snapshot> snap;
    bool timed_out = false;
    boost::asio::steady_timer tick(io);
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    std::function<void()> poll = [&] {
        tick.expires_after(50ms);
        tick.async_wait([&](boost::system::error_code ec) {
            if (ec) return;
            std::size_t n;
            {
                std::lock_guard lock(mu);
                n = got.size();
            }
            const bool all = n == shard_count * events_per_shard;
            if (all) snap = m.snapshot(); // from the manager's thread, outside the pool
            // Until every shard has had a heartbeat acknowledged too (latency measured).
            const bool beaten = all && std::all_of(snap.begin(), snap.end(), [](const auto& s) { return s.latency.has_value(); });
            if (beaten || std::chrono::steady_clock::now() > deadline) {
                timed_out = !all;
                if (!all) snap = m.snapshot();
                m.shutdown();
                return;
            }
            poll();
        });
    };
    poll();
    const auto main_thread = std::this_thread::get_id();
    io.run(); // returns once every shard has stopped: the pool keeps it open until then
    srv_io.stop();
    srv_thread.join();
    std::filesystem::remove(events);

    BOOST_REQUIRE_MESSAGE(!timed_out, got.size() << " of " << shard_count * events_per_shard << " dispatches");
    BOOST_TEST(repeats == 0u);
    std::map<std::uint32_t, std::set<std::thread::id>> threads_of_shard;
    std::set<std::thread::id> threads;
    for (const auto& [id, s] : got) {
        threads_of_shard[s.shard].insert(s.thread);
        threads.insert(s.thread);
        BOOST_TEST(s.shard == dgw::shard_for_guild(s.guild, shard_count), "message " << id);
        BOOST_TEST(s.shard == m.shard_for_guild(s.guild));
    }
    BOOST_TEST(threads_of_shard.size() == shard_count);
    for (const auto& [shard, ts] : threads_of_shard) BOOST_TEST(ts.size() == 1u, "shard " << shard << " ran on several threads");
    BOOST_TEST(threads.size() == 2u);
    BOOST_TEST(!threads.count(main_thread));
    BOOST_REQUIRE(snap.size() == shard_count);
    for (std::uint32_t i = 0; i < shard_count; ++i) {
        BOOST_TEST(snap[i].id == i);
        BOOST_TEST((snap[i].phase == dgw::shard_phase::connected), "shard " << i << " " << dgw::to_string(snap[i].phase));
        BOOST_TEST(snap[i].identifies == 1u);
        BOOST_TEST(snap[i].dispatches >= events_per_shard + 1); // READY too
        BOOST_TEST(snap[i].latency.has_value());
    }
    BOOST_TEST(m.running() == 0u);
}

BOOST_AUTO_TEST_CASE(shard_for_guild_is_discords_formula) {
    // Discord's documented example: guild 41771983423143937 on 2 shards... computed here
    // from the formula itself, for ids at the edges of the 42-bit timestamp field.
    BOOST_TEST(dgw::shard_for_guild(0, 1) == 0u);
    BOOST_TEST(dgw::shard_for_guild(41771983423143937ull, 1) == 0u);
    BOOST_TEST(dgw::shard_for_guild(41771983423143937ull, 16) == ((41771983423143937ull >> 22) % 16));
    BOOST_TEST(dgw::shard_for_guild(~0ull, 1000) == ((~0ull >> 22) % 1000));
    BOOST_TEST(dgw::shard_for_guild(5ull << 22, 4) == 1u);
    BOOST_TEST(dgw::shard_for_guild(123, 0) == 0u); // no shards: no division by zero
}

BOOST_AUTO_TEST_SUITE_END()
