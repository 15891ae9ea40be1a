// The command budget over a real socket: a burst of 200 commands through dgw::shard
// against a local gateway that counts every payload on its own receive clock, as Discord
// does, and closes with 4008 at the 121st within a window.
//
// Time is scaled by 1/20 so that the test takes seconds, not minutes: the window is 3 s
// (client_config::command_window and the gateway's), the heartbeat 250 ms (the issue's
// 5 s). Counts do not scale: the budget stays 120, and the reserve stays 14 since it
// counts beats per span. The limiter's margin is a thirtieth of the window, so it scales
// with it (100 ms here, 2 s at 60 s). The delays the margin exists for do not scale, so
// this test makes its own: the gateway starts reading only 50 ms after READY, so that the
// first burst is received late as a whole, as a congested or lossy link delivers it, while
// the batch one window later is read at once. 50 ms is half the scaled margin (1 s of
// lateness at Discord's scale, against 2 s of margin); without a margin the second batch
// lands in the gateway's window together with the first and it closes with 4008.

#include "gateway_peer.hpp"

namespace {

using namespace gateway_peer;

constexpr auto scaled_window = 3s;
constexpr int burst = 200;

} // namespace

BOOST_AUTO_TEST_SUITE(shard_ratelimit)

BOOST_AUTO_TEST_CASE(burst_of_200_against_a_gateway_counting_on_its_receive_times) {
    session t;
    dgw::shard_options opt = t.options(dgw::Encoding::Json, dgw::transport_compression::none);
    opt.client.command_window = scaled_window;
    dgw::shard sh(t.io, opt, t.handlers);
    std::vector<std::string> refused;
    sh.on_command_refused([&](const dgw::command_refused& r) { refused.push_back(r.detail); });
    t.handlers.on<dgw::events::Ready>([&](const dgw::events::Ready&) {
        for (int i = 0; i < burst; ++i) {
            dgw::commands::UpdatePresence p;
            p.status = i % 2 ? "idle" : "online";
            sh.send(p);
        }
    });

    int presences = 0;
    bool budget_exceeded = false;
    std::size_t budget_max = 0;
    std::chrono::steady_clock::duration took{};
    auto script = [&]() -> awaitable<void> {
        auto c = co_await accept(t.acc);
        c->budget.emplace();
        c->budget->window = scaled_window;
        co_await c->send(hello(250));
        co_await c->expect(2);
        co_await c->dispatch("READY", 1, ready_for("session-budget", t.base()));
        const auto ready_at = std::chrono::steady_clock::now();
        asio::steady_timer late(t.io, 50ms);
        co_await late.async_wait(use_awaitable);
        while (presences < burst) {
            auto m = co_await c->recv();
            if (!m) break; // closed: with 4008 when the budget was exceeded
            BOOST_TEST(m->at("op").to_number<int>() == 3);
            ++presences;
        }
        took = std::chrono::steady_clock::now() - ready_at;
        budget_exceeded = c->budget_exceeded;
        sh.shutdown();
        while (co_await c->recv()) {
        }
        budget_max = c->budget_max;
    };
    t.run(sh, script());

    BOOST_TEST(!budget_exceeded);
    BOOST_TEST(presences == burst);
    BOOST_TEST(budget_max <= 120u);
    // Not trivially: the burst filled the budget, and the rest waited about one window.
    BOOST_TEST(budget_max >= 100u);
    BOOST_TEST(took >= scaled_window);
    BOOST_TEST(refused.empty());
    BOOST_TEST(sh.stats().connects == 1u);
    BOOST_TEST_MESSAGE("gateway saw at most " << budget_max << " payloads within one window; all "
                                              << presences << " presences in "
                                              << std::chrono::duration<double>(took).count() << " s");
}

BOOST_AUTO_TEST_SUITE_END()
