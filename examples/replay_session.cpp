// replay_session [FILE]: drives the sans-IO client with recorded server traffic, as a
// shard would with a live socket, and shows what the client does and what handlers see.
//
// FILE (default examples/capture.zstd) is a zstd-stream capture: u32-big-endian-framed
// websocket messages of one connection with encoding=etf&compress=zstd-stream. Each
// message is decompressed, handed to the client with a fake clock that advances 100 ms
// per message, and the client's actions are performed: frames "sent" are printed,
// dispatches go to typed handlers. No network and no real time are involved, which is
// also how the test suite walks whole sessions.
#include <dgw/compress/zstd_stream.hpp>
#include <dgw/event_handlers.hpp>
#include <dgw/gateway.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

int main(int argc, char** argv) {
    const char* path = argc > 1 ? argv[1] : "examples/capture.zstd";
    std::ifstream f(path, std::ios::binary);
    if (!f) {
        std::fprintf(stderr, "cannot open %s\n", path);
        return 2;
    }
    const std::string all((std::istreambuf_iterator<char>(f)), {});

    // What the bot handles decides what is decoded and which intents it asks for.
    std::size_t messages = 0, shown = 0;
    std::map<std::string, std::size_t> guilds;
    dgw::event_handlers handlers;
    handlers.on<dgw::events::Ready>([](const dgw::events::Ready& r) {
        std::printf("READY as %s, %zu guilds, session %s\n", r.user.username.c_str(), r.guilds.size(),
                    r.session_id.c_str());
    });
    handlers.on<dgw::events::GuildCreate>([&](const dgw::events::GuildCreate& g) {
        guilds[g.name] = g.members.size();
    });
    handlers.on<dgw::events::MessageCreate>([&](const dgw::events::MessageCreate& m, const dgw::dispatch_info& i) {
        ++messages;
        if (shown++ < 3)
            std::printf("s=%lld MESSAGE_CREATE in %llu by %s: %.40s\n", static_cast<long long>(i.s.value_or(-1)),
                        static_cast<unsigned long long>(m.channel_id.value), m.author.username.c_str(),
                        m.content.c_str());
    });
    handlers.on_decode_error([](const dgw::event_decode_failed& e) {
        std::printf("could not decode %s: %s\n", e.t.c_str(), e.error.message().c_str());
    });

    dgw::client_config cfg;
    cfg.identify.token = "not-a-real-token";
    cfg.gateway_url = "wss://gateway.discord.gg";
    cfg.encoding = dgw::Encoding::Etf;
    cfg.await_identify_permit = false; // one process, one shard: no identify queue needed
    cfg.jitter = [] { return 0.5; };
    handlers.apply(cfg);
    std::printf("intents from the handlers: %llu\n", static_cast<unsigned long long>(cfg.identify.intents));

    dgw::client client(cfg);
    dgw::compress::zstd_stream zstd;
    auto now = dgw::gateway_clock::time_point{};
    std::size_t frames_sent = 0;
    for (std::size_t p = 0; p + 4 <= all.size();) {
        const auto* b = reinterpret_cast<const unsigned char*>(all.data() + p);
        const std::size_t n = std::size_t{b[0]} << 24 | std::size_t{b[1]} << 16 | std::size_t{b[2]} << 8 | b[3];
        if (p + 4 + n > all.size()) break;
        const auto r = zstd.feed(std::string_view(all.data() + p + 4, n));
        p += 4 + n;
        if (r.failed()) {
            std::fprintf(stderr, "corrupt stream at byte %llu\n", static_cast<unsigned long long>(r.offset));
            return 1;
        }
        if (!r.has_message()) continue;
        now += std::chrono::milliseconds(100);
        // Fire the timer first when it is due (a shard's timer would have done so).
        if (auto t = client.timer(); t && *t <= now) {
            for (auto& a : client.on_timer(now))
                if (auto* s = std::get_if<dgw::send_frame>(&a)) ++frames_sent, (void)s;
        }
        for (auto& a : client.on_message(r.message, now)) {
            if (auto* s = std::get_if<dgw::send_frame>(&a)) {
                if (frames_sent++ < 2)
                    std::printf("-> send %s (%zu bytes, %s frame)\n", std::string(dgw::to_string(s->op)).c_str(),
                                s->message.bytes.size(), s->message.binary ? "binary" : "text");
            } else if (auto* c = std::get_if<dgw::close_socket>(&a)) {
                std::printf("-> close %d %s\n", c->code, c->reason.c_str());
            } else {
                handlers.dispatch(a);
            }
        }
    }
    std::printf("%zu MESSAGE_CREATE handled, %zu guilds, %zu frames sent, %llu messages received\n", messages,
                guilds.size(), frames_sent, static_cast<unsigned long long>(client.stats().messages_received));
    return 0;
}
