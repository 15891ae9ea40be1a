// bot: a minimal bot on one shard over a real websocket.
//
//   DISCORD_TOKEN=... build/examples/bot [wss://gateway.discord.gg]
//
// Connects with ETF and zstd-stream (the cheapest combination to receive), logs in, prints
// every message it can see, and shuts down cleanly (close 1000) on Ctrl-C. Reconnects and
// resumes on its own when the gateway closes the connection. A token is never printed:
// the client scrubs it from every log line.
//
// For a local test gateway use a ws:// URL; tests/test_shard.cpp runs one.
#include <dgw/event_handlers.hpp>
#include <dgw/gateway.hpp>
#include <dgw/protocol_error.hpp>
#include <dgw/shard.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
    const char* token = std::getenv("DISCORD_TOKEN");
    if (token == nullptr || *token == '\0') {
        std::fprintf(stderr, "usage: DISCORD_TOKEN=... %s [GATEWAY_URL]\n", argv[0]);
        return 2;
    }
    dgw::event_handlers handlers;
    handlers.on<dgw::events::Ready>([](const dgw::events::Ready& r) {
        std::printf("logged in as %s (%zu guilds)\n", r.user.username.c_str(), r.guilds.size());
    });
    handlers.on<dgw::events::MessageCreate>([](const dgw::events::MessageCreate& m) {
        std::printf("#%llu %s: %s\n", static_cast<unsigned long long>(m.channel_id.value), m.author.username.c_str(),
                    m.content.c_str());
    });

    dgw::shard_options opt;
    opt.client.identify.token = token;
    opt.client.gateway_url = argc > 1 ? argv[1] : "wss://gateway.discord.gg";
    opt.client.encoding = dgw::Encoding::Etf;
    opt.client.compression = dgw::transport_compression::zstd_stream;
    opt.client.await_identify_permit = false; // one shard, one process
    opt.client.log = [](dgw::log_level, std::string_view line) {
        std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
    };
    handlers.apply(opt.client); // intents and decoded events from the handlers above

    boost::asio::io_context io;
    dgw::shard shard(io, opt, handlers);
    int status = 0;
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](boost::system::error_code ec, int) {
        if (!ec) shard.shutdown();
    });
    shard.on_stop([&, &signals = signals](const dgw::stop& s) {
        if (s.reason != dgw::make_error_code(dgw::protocol_errc::shutdown)) status = 1;
        signals.cancel(); // nothing left to wait for: io.run() returns once the close is done
    });
    shard.start();
    io.run();
    return status;
}
