// shard_ready: a dgw::shard connects to a tiny local gateway (a Boost.Beast websocket
// server on a thread of this program), identifies, and receives READY. Links dgw::shard.
#include <dgw/event_handlers.hpp>
#include <dgw/events.hpp>
#include <dgw/shard.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <thread>

namespace asio = boost::asio;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;

// One connection, the way Discord opens a session: Hello, wait for Identify, READY; then
// read until the client closes (its shutdown sends close 1000).
void serve(tcp::acceptor& acc, std::string& error) try {
    websocket::stream<tcp::socket> ws(acc.accept());
    ws.accept();
    ws.text(true);
    ws.write(asio::buffer(std::string(R"({"op":10,"d":{"heartbeat_interval":45000},"s":null,"t":null})")));
    for (;;) {
        boost::beast::flat_buffer buf;
        ws.read(buf);
        const auto msg = boost::json::parse(boost::beast::buffers_to_string(buf.data()));
        if (msg.at("op").to_number<int>() != 2) continue; // heartbeats
        if (msg.at("d").at("token").as_string() != "consumer-token") throw std::runtime_error("wrong token");
        break;
    }
    const std::string port = std::to_string(acc.local_endpoint().port());
    ws.write(asio::buffer(
        R"({"op":0,"s":1,"t":"READY","d":{"v":10,"user":{"id":"1","username":"consumer","discriminator":"0",)"
        R"("avatar":null},"guilds":[],"session_id":"sess-shard","resume_gateway_url":"ws://127.0.0.1:)" +
        port + R"(","application":{"id":"1","flags":0}}})"));
    for (;;) {
        boost::beast::flat_buffer buf;
        ws.read(buf);
    }
} catch (const boost::system::system_error& e) {
    if (e.code() != websocket::error::closed) error = e.what();
} catch (const std::exception& e) {
    error = e.what();
}

int main() {
    asio::io_context server_io;
    tcp::acceptor acc(server_io, {asio::ip::make_address("127.0.0.1"), 0});
    std::string server_error;
    std::thread server([&] { serve(acc, server_error); });

    asio::io_context io;
    dgw::event_handlers handlers;
    dgw::shard* shard_ptr = nullptr;
    std::string session;
    handlers.on<dgw::events::Ready>([&](const dgw::events::Ready& r) {
        session = r.session_id;
        shard_ptr->shutdown();
    });
    dgw::shard_options opt;
    opt.client.identify.token = "consumer-token";
    opt.client.gateway_url = "ws://127.0.0.1:" + std::to_string(acc.local_endpoint().port());
    opt.client.await_identify_permit = false; // one shard: no identify queue
    handlers.apply(opt.client);
    dgw::shard shard(io, opt, handlers);
    shard_ptr = &shard;

    asio::steady_timer deadline(io, std::chrono::seconds(20));
    deadline.async_wait([&](boost::system::error_code ec) {
        if (!ec) io.stop();
    });
    bool stopped = false;
    shard.on_stop([&](const dgw::stop&) {
        stopped = true;
        deadline.cancel();
    });
    shard.start();
    io.run();
    if (!stopped) {
        // The server thread may still wait in accept(); there is nothing left to clean up.
        std::printf("shard_ready: FAIL (no READY and shutdown within 20 s)\n");
        std::fflush(stdout);
        std::_Exit(1);
    }
    server.join();

    if (session != "sess-shard" || !stopped || !server_error.empty()) {
        std::printf("shard_ready: FAIL (session='%s', stopped=%d, server: %s)\n", session.c_str(), stopped,
                    server_error.c_str());
        return 1;
    }
    std::printf("shard_ready: READY session %s over ws://, clean shutdown\n", session.c_str());
    return 0;
}
