// The handshake timeouts with their defaults, over real sockets: a gateway that accepts the
// websocket and never says Hello, and one that never answers the Identify. With the default
// hello_timeout (20 s) and ready_timeout (15 s) the shard gives up and connects again within
// 40 s. Its own suite (CTest runs suites in parallel): together these wait about 35 s.

#include "gateway_peer.hpp"

namespace {

using namespace gateway_peer;
using steady = std::chrono::steady_clock;

/// Runs a shard with default timeouts against `serve_one` (called per connection) until the
/// second connection arrives; returns the time between the first and the second.
template <class Serve> steady::duration second_connection_after(Serve serve_one, dgw::shard_stats& stats_out,
                                                                   dgw::client_stats& client_out) {
    session t;
    t.limit = 60s;
    dgw::shard_options o;
    o.client.identify.token = token;
    o.client.gateway_url = t.base();
    o.client.await_identify_permit = false;
    o.client.log = [&t](dgw::log_level, std::string_view line) { t.logs.emplace_back(line); };
    const dgw::shard_options defaults;
    BOOST_TEST(o.client.hello_timeout == defaults.client.hello_timeout);
    BOOST_TEST(o.client.ready_timeout == defaults.client.ready_timeout);
    dgw::shard sh(t.io, o, t.handlers);
    steady::duration gap{};
    auto script = [&]() -> awaitable<void> {
        auto first = co_await accept(t.acc);
        const auto t0 = steady::now();
        co_await serve_one(*first);
        auto second = co_await accept(t.acc);
        gap = steady::now() - t0;
        // The first connection was given up: the client closed it with 4000 (session kept).
        auto end = co_await first->recv();
        BOOST_CHECK(!end);
        BOOST_CHECK_EQUAL(first->close_code(), 4000);
        sh.shutdown();
        auto end2 = co_await second->recv();
        BOOST_CHECK(!end2);
    };
    t.run(sh, script());
    stats_out = sh.stats();
    client_out = sh.current_client()->stats();
    return gap;
}

} // namespace

BOOST_AUTO_TEST_SUITE(shard_timeouts)

BOOST_AUTO_TEST_CASE(no_hello_gives_up_after_20_s_by_default) {
    dgw::shard_stats s;
    dgw::client_stats c;
    const auto gap = second_connection_after([](peer_conn&) -> awaitable<void> { co_return; }, s, c);
    BOOST_TEST_MESSAGE("second connection after " << std::chrono::duration<double>(gap).count() << " s");
    BOOST_TEST((gap >= 20s));
    BOOST_TEST((gap < 40s));
    BOOST_TEST(c.hello_timeouts == 1u);
}

BOOST_AUTO_TEST_CASE(unanswered_identify_gives_up_after_15_s_by_default) {
    dgw::shard_stats s;
    dgw::client_stats c;
    const auto gap = second_connection_after(
        [](peer_conn& p) -> awaitable<void> {
            co_await p.send(hello(45000));
            co_await p.expect(2); // and never READY
        },
        s, c);
    BOOST_TEST_MESSAGE("second connection after " << std::chrono::duration<double>(gap).count() << " s");
    BOOST_TEST((gap >= 15s));
    BOOST_TEST((gap < 40s));
    BOOST_TEST(c.ready_timeouts == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
