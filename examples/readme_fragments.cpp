// The README's code fragments, each verbatim between "README fragment" markers, inside
// the context it assumes from the text around it (a frame, a token, "cfg as above"). The
// build compiles this file and tests/readme_samples.py checks every fragment in README.md
// against it, so a sample that stops compiling fails the build, and one edited in the
// README alone fails the test. Nothing here is run: the shard samples want a gateway.
//
// A fragment's #include lines are no-ops where they stand (the headers are already
// included at the top and are #pragma once); they stay so the README shows them.
#include <dgw/event_handlers.hpp>
#include <dgw/gateway.hpp>
#include <dgw/gateway_bot.hpp>
#include <dgw/shard.hpp>
#include <dgw/shard_manager.hpp>

#include <boost/asio/io_context.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

namespace readme {

// What the samples call but do not define.
void log(const std::string&) {}
void reply(dgw::Snowflake, const std::string&) {}

void using_it(std::string_view frame) {
    // README fragment: using_it
    #include <dgw/gateway.hpp>

    dgw::GatewayMessage msg;
    dgw::decode_error err;
    if (!dgw::decode(frame, dgw::Encoding::Etf, msg, err)) {
        log(err.message());            // "type mismatch at d.author.id (byte 812): expected ..."
    } else if (auto* m = std::get_if<dgw::events::MessageCreate>(&msg.event)) {
        reply(m->channel_id, m->content);
    }
    // README fragment end
}

void client_and_handlers(const std::string& token, std::string_view bytes, dgw::client::clock::time_point now) {
    // README fragment: client
    #include <dgw/event_handlers.hpp>

    dgw::event_handlers handlers;
    handlers.on<dgw::events::MessageCreate>([](const dgw::events::MessageCreate& m) { reply(m.channel_id, m.content); });
    dgw::client_config cfg;
    cfg.identify.token = token;
    cfg.gateway_url = "wss://gateway.discord.gg";
    cfg.encoding = dgw::Encoding::Etf;
    handlers.apply(cfg);       // decode only handled events; intents from the handlers
    dgw::client c(cfg);
    for (auto& a : c.on_message(bytes, now)) handlers.dispatch(a); // and perform the other actions
    // README fragment end

    // README fragment: raw_handlers
    // every dispatch, READY and RESUMED included, after its typed handlers; no copy of d
    handlers.on_raw([](const dgw::RawEvent&, const dgw::dispatch_info& i) {
        std::printf("shard %u session %.*s: %.*s s=%lld\n", i.shard_id, int(i.session_id.size()),
                    i.session_id.data(), int(i.t.size()), i.t.data(), i.s ? (long long)*i.s : -1LL);
    }, dgw::raw_scope::all);
    // README fragment end
}

void shard_and_manager(const dgw::client_config& cfg, dgw::event_handlers& handlers, const std::string& token) {
    // README fragment: shard
    #include <dgw/shard.hpp>

    dgw::shard_options opt;
    opt.client = cfg;                         // as above; compression set here is decompressed
    boost::asio::io_context io;
    dgw::shard shard(io, opt, handlers);
    shard.on_stop([](const dgw::stop& s) { log(s.detail); }); // shutdown, or a close such as 4004
    shard.start();
    io.run();                                 // shard.shutdown() closes with 1000
    // README fragment end

    // README fragment: shard_manager
    #include <dgw/gateway_bot.hpp>
    #include <dgw/shard_manager.hpp>

    dgw::shard_manager_options mo;
    mo.shard = opt;                           // as above; shard id/count and the queue are set per shard
    std::unique_ptr<dgw::shard_manager> manager;
    dgw::fetch_gateway_bot(io, {.token = token}, [&](dgw::gateway_bot_result r) {
        if (!r.ok()) return log(r.message()); // r.ec, the HTTP status, Discord's message, retry_after
        dgw::apply(*r.info, mo);              // url, recommended shard count, session_start_limit
        manager = std::make_unique<dgw::shard_manager>(io, mo, handlers);
        manager->start();
    });
    io.run();                                 // manager->shutdown() ends every session
    // README fragment end
}

} // namespace readme

int main() { return 0; }
