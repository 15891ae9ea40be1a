// stream_worker REDIS_URL GROUP COUNT TIMEOUT_MS [msgpack|json]: a worker of a bot whose
// shards publish with `dgw connect --cluster ... --publish MESSAGE_CREATE`. It reads the
// MESSAGE_CREATE stream through a consumer group (dgw::stream_consumer), decodes each `d`
// into dgw::events::MessageCreate, prints the fields it read as one JSON line, and acks it.
// Prints "ready" once the group exists and "done" after COUNT events (exit 0; 2 on timeout).
// tests/cli/test_brokers.py runs it beside @discordjs/brokers' PubSubRedisBroker, with the
// same output, so that both consumers are checked against the same feed.
#include <dgw/codec/encode.hpp>
#include <dgw/codec/typed.hpp>
#include <dgw/events/message_create.hpp>
#include <dgw/redis.hpp>
#include <dgw/stream_consumer.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>

#include <cstdio>
#include <string>

namespace {

// Integers a JavaScript reader would round (what a snowflake written as a number becomes).
void unsafe_numbers(const boost::json::value& v, const std::string& path, boost::json::array& out) {
    constexpr std::int64_t max_safe = (std::int64_t{1} << 53) - 1;
    if (v.is_int64() && (v.get_int64() > max_safe || v.get_int64() < -max_safe)) out.emplace_back(path);
    else if (v.is_uint64() && v.get_uint64() > std::uint64_t(max_safe)) out.emplace_back(path);
    else if (v.is_array())
        for (std::size_t i = 0; i < v.get_array().size(); ++i) unsafe_numbers(v.get_array()[i], path + "[" + std::to_string(i) + "]", out);
    else if (v.is_object())
        for (const auto& kv : v.get_object()) unsafe_numbers(kv.value(), path + "." + std::string(kv.key()), out);
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 5) {
        std::fprintf(stderr, "usage: stream_worker REDIS_URL GROUP COUNT TIMEOUT_MS [msgpack|json]\n");
        return 2;
    }
    const std::string url = argv[1], group = argv[2];
    const std::size_t count = std::stoul(argv[3]);
    const auto timeout = std::chrono::milliseconds(std::stoul(argv[4]));
    const bool json_format = argc > 5 && std::string(argv[5]) == "json";

    boost::asio::io_context io;
    dgw::redis::connection_options co;
    co.where = dgw::redis::parse_url(url);
    co.log = [](dgw::log_level, std::string_view line) { std::fprintf(stderr, "%.*s\n", int(line.size()), line.data()); };
    dgw::redis::connection redis(io, co), probe(io, co);
    redis.start();
    probe.start();

    dgw::stream_consumer_options o;
    o.streams = {"MESSAGE_CREATE"};
    o.group = group;
    o.name = "stream_worker";
    o.block = std::chrono::milliseconds(200);
    o.log = co.log;
    std::size_t printed = 0;
    int status = 0;
    dgw::stream_consumer consumer(io, redis, o, [&](const dgw::stream_entry& e, std::function<void()> ack) {
        if (printed >= count) return;
        std::string text;
        dgw::decode_error err;
        const bool ok = json_format ? (text = e.data, true) : dgw::codec::msgpack_to_json_text(e.data, text, err);
        dgw::events::MessageCreate m;
        if (!ok || !dgw::decode_json(text, m, err)) {
            std::fprintf(stderr, "stream_worker: entry %s: %s\n", e.id.c_str(), err.message().c_str());
            status = 1;
            io.stop();
            return;
        }
        const boost::json::value d = boost::json::parse(text);
        boost::json::array unsafe;
        unsafe_numbers(d, "d", unsafe);
        boost::json::object line{
            {"id", std::to_string(m.id.value)},
            {"channel_id", std::to_string(m.channel_id.value)},
            {"guild_id", m.guild_id ? boost::json::value(std::to_string(m.guild_id->value)) : boost::json::value(nullptr)},
            {"content", m.content},
            {"author_id", std::to_string(m.author.id.value)},
            {"author_username", m.author.username},
            {"timestamp", std::string(m.timestamp.text())},
            {"typeof_id", d.as_object().at("id").is_string() ? "string" : "number"},
            {"unsafe_numbers", unsafe},
        };
        ack();
        std::printf("%s\n", boost::json::serialize(line).c_str());
        std::fflush(stdout);
        if (++printed == count) {
            std::printf("done\n");
            std::fflush(stdout);
            // The acks are in flight on the same connection: stop once Redis has answered them.
            redis.command({"PING"}, [&](boost::system::error_code, dgw::redis::reply) { io.stop(); });
        }
    });
    consumer.start();
    // "ready" once the group exists, as the Node worker says it after subscribe().
    boost::asio::steady_timer tick(io);
    std::function<void()> wait_group = [&] {
        probe.command({"XINFO", "GROUPS", "MESSAGE_CREATE"}, [&](boost::system::error_code ec, dgw::redis::reply r) {
            if (!ec && !r.elements.empty()) {
                std::printf("ready\n");
                std::fflush(stdout);
                probe.shutdown();
                return;
            }
            tick.expires_after(std::chrono::milliseconds(20));
            tick.async_wait([&](boost::system::error_code) { wait_group(); });
        });
    };
    wait_group();
    boost::asio::steady_timer limit(io);
    limit.expires_after(timeout);
    limit.async_wait([&](boost::system::error_code ec) {
        if (ec) return;
        std::fprintf(stderr, "stream_worker: %zu of %zu events within %lld ms\n", printed, count,
                     static_cast<long long>(timeout.count()));
        status = 2;
        io.stop();
    });
    io.run();
    return status;
}
