// sharded_bot: every shard Discord recommends, in one process.
//
//   DISCORD_TOKEN=... build/examples/sharded_bot
//
// Asks GET /gateway/bot for the gateway URL, the recommended shard count and the
// session_start_limit, then runs a shard_manager with them: all shards connect at once and
// identify one per 5 s per max_concurrency bucket, each bucket in shard id order.
// Ctrl-C closes every session with 1000.
#include <dgw/gateway_bot.hpp>
#include <dgw/protocol_error.hpp>
#include <dgw/shard_manager.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>

int main() {
    const char* token = std::getenv("DISCORD_TOKEN");
    if (token == nullptr || *token == '\0') {
        std::fprintf(stderr, "usage: DISCORD_TOKEN=... sharded_bot\n");
        return 2;
    }
    dgw::event_handlers handlers;
    handlers.on<dgw::events::Ready>([](const dgw::events::Ready& r, const dgw::dispatch_info& i) {
        std::printf("shard %u ready: %zu guilds\n", i.shard_id, r.guilds.size());
    });
    handlers.on<dgw::events::GuildCreate>([](const dgw::events::GuildCreate&, const dgw::dispatch_info& i) {
        std::printf("shard %u: guild available\n", i.shard_id);
    });
    // Every dispatch, raw: here only to log where each session starts and resumes. The
    // scope costs no copy of `d`; dispatch_info carries the shard and the session id.
    handlers.on_raw(
        [](const dgw::RawEvent&, const dgw::dispatch_info& i) {
            if (i.type == dgw::EventType::Ready || i.type == dgw::EventType::Resumed)
                std::printf("shard %u: %.*s, session %.*s\n", i.shard_id, static_cast<int>(i.t.size()), i.t.data(),
                            static_cast<int>(i.session_id.size()), i.session_id.data());
        },
        dgw::raw_scope::all);

    dgw::shard_manager_options mo;
    mo.shard.client.identify.token = token;
    mo.shard.client.encoding = dgw::Encoding::Etf;
    mo.shard.client.compression = dgw::transport_compression::zstd_stream;
    handlers.apply(mo.shard.client);

    boost::asio::io_context io;
    std::unique_ptr<dgw::shard_manager> manager;
    int status = 0;
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](boost::system::error_code ec, int) {
        if (!ec && manager) manager->shutdown();
    });

    dgw::gateway_bot_request req;
    req.token = token;
    dgw::fetch_gateway_bot(io, req, [&](dgw::gateway_bot_result r) {
        if (!r.ok()) {
            std::fprintf(stderr, "%s\n", r.message().c_str());
            status = 1;
            signals.cancel();
            return;
        }
        std::printf("%u shards, %u of %u identifies left, max_concurrency %u\n", r.info->shards,
                    r.info->limit.remaining, r.info->limit.total, r.info->limit.max_concurrency);
        dgw::apply(*r.info, mo);
        manager = std::make_unique<dgw::shard_manager>(io, mo, handlers);
        manager->on_stop([&](std::uint32_t id, const dgw::stop& s) {
            if (s.reason != dgw::make_error_code(dgw::protocol_errc::shutdown)) {
                std::fprintf(stderr, "shard %u stopped: %s\n", id, s.detail.c_str());
                status = 1;
            }
            if (manager->running() == 0) signals.cancel();
        });
        manager->start();
    });
    io.run();
    return status;
}
