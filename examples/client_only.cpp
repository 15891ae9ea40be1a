// client_only: the sans-IO client fed a Hello and a READY by hand, with no socket; the
// smallest program on dgw::client (the README shows it). Whatever carries the bytes (a
// websocket library of your choice, a replay, a test) calls on_message/on_timer and
// performs the actions. tests/consumer builds it against an installed dgw and checks that
// nothing of OpenSSL is linked.
#include <dgw/client.hpp>
#include <dgw/event_handlers.hpp>
#include <dgw/events.hpp>

#include <cstdio>
#include <string>
#include <variant>

int main() {
    dgw::event_handlers handlers;
    std::string session;
    handlers.on<dgw::events::Ready>([&](const dgw::events::Ready& r) { session = r.session_id; });

    dgw::client_config cfg;
    cfg.identify.token = "consumer-token";
    cfg.gateway_url = "wss://gateway.example";
    cfg.await_identify_permit = false;
    handlers.apply(cfg);
    dgw::client client(cfg);

    auto now = dgw::gateway_clock::time_point{};
    bool identified = false;
    auto run = [&](const std::vector<dgw::action>& actions) {
        for (const auto& a : actions) {
            if (auto* s = std::get_if<dgw::send_frame>(&a)) identified |= s->op == dgw::Opcode::Identify;
            else handlers.dispatch(a);
        }
    };
    run(client.on_message(R"({"op":10,"d":{"heartbeat_interval":45000},"s":null,"t":null})", now));
    run(client.on_message(
        R"({"op":0,"s":1,"t":"READY","d":{"v":10,"user":{"id":"1","username":"consumer","discriminator":"0",)"
        R"("avatar":null},"guilds":[],"session_id":"sess-client","resume_gateway_url":"wss://resume.example",)"
        R"("application":{"id":"1","flags":0}}})",
        now));
    if (!identified || session != "sess-client") {
        std::printf("client_only: FAIL (identified=%d, session='%s')\n", identified, session.c_str());
        return 1;
    }
    std::printf("client_only: identified, READY session %s\n", session.c_str());
    return 0;
}
