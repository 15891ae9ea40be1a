// `dgw gateway serve` (tools/serve/) in-process, against a deliberately bad raw Beast
// websocket client: every close code Discord enforces, op 9 for a too-fast identify,
// Resume with replay across connections, each fault kind as a client sees it, the six
// encoding x compression combinations decoded with the library's own decompressors, and
// shard routing; then the library's own dgw::shard through op 7, a drop, a zombie and
// op 9 true, receiving every dispatch exactly once. The server runs on its own thread; its JSON-lines log is collected and
// asserted on too. Intervals are shortened through the options so the suite stays fast.

#include "serve/server.hpp"

#include <dgw/compress/decompressor.hpp>
#include <dgw/etf/json.hpp>
#include <dgw/event_handlers.hpp>
#include <dgw/gateway_bot.hpp>
#include <dgw/shard.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/json.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <unistd.h>

#include "test_tls_util.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace json = boost::json;
namespace serve = dgw::tool::serve;
namespace bdata = boost::unit_test::data;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

const std::string token = "serve-test-token.SECRET";
constexpr int guilds_intents = 513; // GUILDS | GUILD_MESSAGES

// The events file: 12 MESSAGE_CREATE with guild ids k << 22 (shard k % 2 of 2, message
// id k + 1), then 2 without a guild (shard 0 only, ids 101 and 102).
constexpr int guild_events = 12;
constexpr int dm_events = 2;
constexpr int total_events = guild_events + dm_events;

std::string events_file() {
    static const std::string path = [] {
        std::ifstream f(std::string(DGW_FIXTURES) + "/events/MESSAGE_CREATE.json");
        const std::string text((std::istreambuf_iterator<char>(f)), {});
        json::object msg = json::parse(text).as_object();
        const auto p = std::filesystem::temp_directory_path() /
                       ("dgw_serve_events_" + std::to_string(::getpid()) + ".jsonl");
        std::ofstream out(p);
        for (int k = 0; k < total_events; ++k) {
            json::object m = msg;
            json::object& d = m["d"].as_object();
            if (k < guild_events) {
                d["id"] = std::to_string(k + 1);
                d["guild_id"] = std::to_string(std::uint64_t(k) << 22);
            } else {
                d["id"] = std::to_string(101 + k - guild_events);
                d.erase("guild_id");
                d.erase("member");
            }
            m["s"] = k + 2;
            out << json::serialize(m) << '\n';
        }
        return p.string();
    }();
    return path;
}

serve::options base_options() {
    serve::options o;
    o.token = token;
    o.events = events_file();
    o.identify_interval = 0ms;
    o.heartbeat_interval = 5000ms;
    return o;
}

/// The server on its own thread, with its log collected.
struct server_fixture {
    // The log outlives the server: ~server() may still write to it.
    mutable std::mutex m;
    std::vector<std::string> lines;
    asio::io_context io;
    std::unique_ptr<serve::server> srv;
    std::thread th;

    explicit server_fixture(serve::options o) {
        srv = std::make_unique<serve::server>(io, std::move(o), [this](std::string_view l) {
            std::lock_guard g(m);
            lines.emplace_back(l);
            if (std::getenv("DGW_TEST_VERBOSE")) std::fprintf(stderr, "%.*s\n", int(l.size()), l.data());
        });
        srv->start();
        th = std::thread([this] { io.run(); });
    }
    ~server_fixture() {
        asio::post(io, [this] { srv->stop(); });
        std::this_thread::sleep_for(20ms);
        io.stop();
        th.join();
        std::lock_guard g(m);
        for (const auto& l : lines) BOOST_TEST(l.find(token) == std::string::npos);
    }
    std::uint16_t port() const { return srv->port(); }
    void raise(int sig) {
        asio::post(io, [this, sig] { srv->raise(sig); });
    }
    /// Parsed log lines of kind `ev`.
    std::vector<json::object> log(std::string_view ev) const {
        std::lock_guard g(m);
        std::vector<json::object> out;
        for (const auto& l : lines) {
            json::object o = json::parse(l).as_object();
            if (o.at("ev").as_string() == ev) out.push_back(std::move(o));
        }
        return out;
    }
    /// Waits until the log has a line of kind `ev` (1 s at most).
    bool wait_log(std::string_view ev, std::size_t n = 1) const {
        for (int i = 0; i < 100; ++i) {
            if (log(ev).size() >= n) return true;
            std::this_thread::sleep_for(10ms);
        }
        return false;
    }
};

/// A raw client: sends whatever it is told, decodes what it gets with the library's
/// decompressors and generic converters.
struct raw_client {
    asio::io_context io;
    websocket::stream<beast::tcp_stream> ws{io};
    dgw::Encoding enc = dgw::Encoding::Json;
    std::unique_ptr<dgw::compress::decompressor> dec;
    boost::system::error_code ended; ///< why recv() returned nullopt
    int partial = 0;                 ///< websocket messages that completed no gateway message (zlib)
    beast::flat_buffer rbuf;
    bool reading = false, rdone = false;
    boost::system::error_code rec;

    raw_client(std::uint16_t port, const std::string& query) {
        if (query.find("encoding=etf") != std::string::npos) enc = dgw::Encoding::Etf;
        if (query.find("compress=zlib-stream") != std::string::npos)
            dec = dgw::compress::make_decompressor(dgw::compress::transport::zlib_stream);
        if (query.find("compress=zstd-stream") != std::string::npos)
            dec = dgw::compress::make_decompressor(dgw::compress::transport::zstd_stream);
        beast::get_lowest_layer(ws).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
        ws.handshake("127.0.0.1", "/?" + query);
    }

    /// The next gateway message, or nullopt when the connection ended (`ended`) or
    /// nothing came within `limit` (ended = timed_out; the read stays pending, and the
    /// next recv() goes on with it: a cancelled websocket read would fail the stream).
    std::optional<json::object> recv(std::chrono::milliseconds limit = 2000ms) {
        for (;;) {
            if (!reading) {
                rbuf.clear();
                rdone = false;
                reading = true;
                ws.async_read(rbuf, [this](boost::system::error_code e, std::size_t) {
                    rec = e;
                    rdone = true;
                });
            }
            io.restart();
            io.run_for(limit);
            if (!rdone) {
                ended = asio::error::timed_out;
                return std::nullopt;
            }
            reading = false;
            if (rec) {
                ended = rec;
                return std::nullopt;
            }
            beast::flat_buffer& buf = rbuf;
            std::string bytes = beast::buffers_to_string(buf.data());
            if (dec) {
                BOOST_TEST(ws.got_binary());
                auto r = dec->feed(bytes);
                BOOST_REQUIRE(!r.failed());
                if (r.needs_more()) {
                    ++partial;
                    continue;
                }
                bytes = std::string(r.message);
            } else {
                BOOST_TEST(ws.got_binary() == (enc == dgw::Encoding::Etf));
            }
            json::value v;
            if (enc == dgw::Encoding::Json) {
                v = json::parse(bytes);
            } else {
                dgw::decode_error err;
                v = dgw::etf::to_json(bytes, err, {}, {}, dgw::big_integers::string);
                BOOST_REQUIRE_MESSAGE(!err, err.message());
            }
            return std::move(v.as_object());
        }
    }

    /// The next message with opcode `op` (others are skipped); fails the test otherwise.
    json::object expect(int op) {
        for (;;) {
            auto m = recv();
            BOOST_REQUIRE_MESSAGE(m, "connection ended (" << ended.message() << ") while op " << op << " was expected");
            if (m->at("op").to_number<int>() == op) return *m;
        }
    }

    void send(const json::object& msg) {
        if (enc == dgw::Encoding::Json) {
            send_raw(json::serialize(msg), false);
        } else {
            std::string out;
            dgw::etf::from_json(msg, out); // binary keys, as clients must
            send_raw(out, true);
        }
    }
    void send_raw(std::string_view bytes, bool binary) {
        ws.binary(binary);
        boost::system::error_code ec;
        ws.write(asio::buffer(bytes.data(), bytes.size()), ec);
    }

    /// Reads until the connection ends; the server's close code (0 when it ended without
    /// a close frame).
    std::uint16_t close_code() {
        while (recv()) {
        }
        return ended == websocket::error::closed ? static_cast<std::uint16_t>(ws.reason().code) : 0;
    }
};

json::object op_msg(int op, json::value d) {
    json::object o;
    o["op"] = op;
    o["d"] = std::move(d);
    return o;
}

json::object identify_msg(const std::string& tok = token, json::value intents = guilds_intents,
                          std::optional<std::pair<int, int>> shard = std::nullopt) {
    json::object d;
    d["token"] = tok;
    d["intents"] = std::move(intents);
    json::object props;
    props["os"] = "linux";
    props["browser"] = "dgw-test";
    props["device"] = "dgw-test";
    d["properties"] = std::move(props);
    if (shard) d["shard"] = json::array{shard->first, shard->second};
    return op_msg(2, std::move(d));
}

json::object resume_msg(const std::string& session, std::int64_t seq, const std::string& tok = token) {
    json::object d;
    d["token"] = tok;
    d["session_id"] = session;
    d["seq"] = seq;
    return op_msg(6, std::move(d));
}

/// Connects, reads Hello, identifies and reads READY; returns READY's d.
json::object open_session(raw_client& c, std::optional<std::pair<int, int>> shard = std::nullopt) {
    c.expect(10);
    c.send(identify_msg(token, guilds_intents, shard));
    json::object ready = c.expect(0);
    BOOST_REQUIRE_EQUAL(ready.at("t").as_string(), "READY");
    BOOST_TEST(ready.at("s").to_number<int>() == 1);
    return ready.at("d").as_object();
}

std::string str(const json::value& v) { return std::string(v.as_string()); }

/// A snowflake as text: JSON has strings, Discord's ETF (and the server's) integers.
std::string id_of(const json::value& v) { return v.is_string() ? str(v) : std::to_string(v.to_number<std::uint64_t>()); }

/// One close-code case: what the bad client does after Hello, and the code it must get.
struct close_case {
    const char* name;
    std::uint16_t code;
    void (*act)(raw_client&);
    const char* query = "v=10&encoding=json";
    unsigned shards = 1;
};
std::ostream& operator<<(std::ostream& os, const close_case& c) { return os << c.name << " -> " << c.code; }

std::string etf_with_atom_keys() {
    // {op: 1, d: nil} as the server writes it (atom keys): a client must not.
    std::string out;
    json::object hb;
    hb["op"] = 1;
    hb["d"] = nullptr;
    dgw::etf::from_json(hb, out, {.atom_keys = true});
    return out;
}

const std::vector<close_case> close_cases{
    {"unknown opcode", 4001, [](raw_client& c) { c.send(op_msg(99, nullptr)); }},
    {"not JSON", 4002, [](raw_client& c) { c.send_raw("{\"op\":1,", false); }},
    {"ETF with atom keys", 4002, [](raw_client& c) { c.send_raw(etf_with_atom_keys(), true); },
     "v=10&encoding=etf"},
    {"payload over 4096 bytes", 4002,
     [](raw_client& c) {
         json::object hb = op_msg(1, nullptr);
         hb["pad"] = std::string(4100, 'x');
         c.send(hb);
     }},
    {"presence before identify", 4003,
     [](raw_client& c) {
         json::object d;
         d["since"] = nullptr;
         d["activities"] = json::array{};
         d["status"] = "idle";
         d["afk"] = false;
         c.send(op_msg(3, std::move(d)));
     }},
    {"bad token", 4004, [](raw_client& c) { c.send(identify_msg("wrong")); }},
    {"second identify", 4005,
     [](raw_client& c) {
         c.send(identify_msg());
         c.expect(0);
         c.send(identify_msg());
     }},
    {"over 120 payloads in 60 s", 4008,
     [](raw_client& c) {
         for (int i = 0; i < 121; ++i) c.send(op_msg(1, nullptr));
     }},
    {"shard id beyond count", 4010, [](raw_client& c) { c.send(identify_msg(token, guilds_intents, {{2, 2}})); }, "v=10",
     2},
    {"shard count other than --shards", 4010,
     [](raw_client& c) { c.send(identify_msg(token, guilds_intents, {{0, 3}})); }, "v=10", 2},
    {"v=9", 4012, [](raw_client&) {}, "v=9&encoding=json"},
    {"no v", 4012, [](raw_client&) {}, "encoding=json"},
    {"undefined intent bit 17", 4013, [](raw_client& c) { c.send(identify_msg(token, 1 << 17)); }},
    {"privileged intent GUILD_MEMBERS", 4014, [](raw_client& c) { c.send(identify_msg(token, 1 << 1)); }},
    {"privileged intent MESSAGE_CONTENT", 4014, [](raw_client& c) { c.send(identify_msg(token, 1 << 15)); }},
};

} // namespace

BOOST_AUTO_TEST_SUITE(gateway_serve)

BOOST_DATA_TEST_CASE(enforced_close_codes, bdata::make(close_cases), cc) {
    serve::options o = base_options();
    o.shards = cc.shards;
    server_fixture s(o);
    raw_client c(s.port(), cc.query);
    if (cc.code != 4012) c.expect(10);
    cc.act(c);
    BOOST_TEST(c.close_code() == cc.code);
    BOOST_REQUIRE(s.wait_log("close"));
    const auto closes = s.log("close");
    BOOST_TEST(closes.front().at("code").to_number<int>() == cc.code);
    BOOST_TEST(str(closes.front().at("by")) == "server");
}

// The controls of the cases above: the same kinds of payload, legal, are answered.
BOOST_AUTO_TEST_CASE(legal_payloads_are_answered) {
    serve::options o = base_options();
    o.privileged = true;
    server_fixture s(o);
    {
        raw_client c(s.port(), "v=10&encoding=etf");
        c.expect(10);
        c.send(op_msg(1, nullptr)); // binary keys, before identify: heartbeats are allowed
        c.expect(11);
        json::object hb = op_msg(1, nullptr);
        hb["pad"] = std::string(4000, 'x'); // under 4096 bytes
        c.send(hb);
        c.expect(11);
        for (int i = 0; i < 118; ++i) c.send(op_msg(1, nullptr)); // 120 in all: the limit, not over
        for (int i = 0; i < 118; ++i) c.expect(11);
    }
    raw_client c(s.port(), "v=10&encoding=json");
    c.expect(10);
    c.send(identify_msg(token, 1 << 1 | 1 << 15)); // privileged, allowed by --privileged
    BOOST_TEST(str(c.expect(0).at("t")) == "READY");
    BOOST_TEST(s.log("close").empty());
}

BOOST_AUTO_TEST_CASE(heartbeat_timeout_closes_4009) {
    serve::options o = base_options();
    o.heartbeat_timeout = 150ms;
    server_fixture s(o);
    raw_client c(s.port(), "v=10");
    open_session(c);
    BOOST_TEST(c.close_code() == 4009);
}

BOOST_AUTO_TEST_CASE(identify_faster_than_max_concurrency_gets_op9) {
    serve::options o = base_options();
    o.identify_interval = 60s;
    o.shards = 2;
    o.max_concurrency = 2;
    server_fixture s(o);
    raw_client a(s.port(), "v=10");
    open_session(a, {{0, 2}});
    // Shard 1 is bucket 1 % 2 = 1: allowed at once.
    raw_client b(s.port(), "v=10");
    open_session(b, {{1, 2}});
    // Shard 0 again within the interval: bucket 0 is taken.
    raw_client c(s.port(), "v=10");
    c.expect(10);
    c.send(identify_msg(token, guilds_intents, {{0, 2}}));
    json::object nine = c.expect(9);
    BOOST_TEST(nine.at("d").as_bool() == false);
    const auto inv = s.log("invalid_session");
    BOOST_REQUIRE_EQUAL(inv.size(), 1u);
    BOOST_TEST(str(inv[0].at("why")).find("bucket 0") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(resume_replays_after_seq_across_connections) {
    server_fixture s(base_options());
    std::string session;
    std::map<std::int64_t, std::string> got; // s -> message id, over both connections
    {
        raw_client c(s.port(), "v=10&encoding=json&compress=zlib-stream");
        json::object ready = open_session(c);
        session = str(ready.at("session_id"));
        BOOST_TEST(str(ready.at("resume_gateway_url")) == s.srv->url());
        for (int i = 0; i < 5; ++i) {
            json::object m = c.expect(0);
            got[m.at("s").to_number<std::int64_t>()] = id_of(m.at("d").at("id"));
        }
        c.ws.close(websocket::close_reason(static_cast<websocket::close_code>(4000)));
    }
    // READY was 1, so s 2..6 were read; the rest (sent or not) must come as replay, then
    // RESUMED, then the dispatches never sent.
    raw_client c(s.port(), "v=10&encoding=etf&compress=zstd-stream");
    c.expect(10);
    c.send(resume_msg(session, 6));
    std::int64_t expect_s = 7;
    bool resumed = false;
    while (got.size() < std::size_t(total_events) || !resumed) { // one shard: every event
        json::object m = c.expect(0);
        const std::int64_t sq = m.at("s").to_number<std::int64_t>();
        BOOST_TEST(sq == expect_s);
        ++expect_s;
        if (str(m.at("t")) == "RESUMED") {
            BOOST_TEST(!resumed);
            resumed = true;
            continue;
        }
        BOOST_TEST(!got.contains(sq));
        got[sq] = id_of(m.at("d").at("id"));
    }
    BOOST_TEST(resumed);
    std::set<std::string> ids;
    for (const auto& [sq, id] : got) ids.insert(id);
    BOOST_TEST(ids.size() == std::size_t(total_events)); // each event exactly once
    BOOST_REQUIRE(s.wait_log("resume"));
    const auto res = s.log("resume");
    BOOST_TEST(str(res[0].at("session")) == session);
    BOOST_TEST(res[0].at("seq").to_number<int>() == 6);
    std::int64_t replayed = 0;
    for (const auto& d : s.log("dispatch")) replayed += d.at("replay").as_bool();
    BOOST_TEST(res[0].at("replayed").to_number<std::int64_t>() == replayed);
    BOOST_TEST(replayed >= 1);
}

BOOST_AUTO_TEST_CASE(resume_failures) {
    server_fixture s(base_options());
    std::string session;
    std::int64_t last = 0;
    {
        raw_client c(s.port(), "v=10");
        session = str(open_session(c).at("session_id"));
        while (last < total_events + 1) last = c.expect(0).at("s").to_number<std::int64_t>();
    }
    { // unknown session: op 9 false
        raw_client c(s.port(), "v=10");
        c.expect(10);
        c.send(resume_msg("no-such-session", 1));
        BOOST_TEST(c.expect(9).at("d").as_bool() == false);
    }
    { // a seq the session never reached: 4007, and the session is over
        raw_client c(s.port(), "v=10");
        c.expect(10);
        c.send(resume_msg(session, last + 100));
        BOOST_TEST(c.close_code() == 4007);
    }
    raw_client c(s.port(), "v=10");
    c.expect(10);
    c.send(resume_msg(session, last));
    BOOST_TEST(c.expect(9).at("d").as_bool() == false);
    // A session the client ended with 1000 cannot be resumed either.
    std::string s2;
    {
        raw_client d(s.port(), "v=10");
        s2 = str(open_session(d).at("session_id"));
        d.ws.close(websocket::close_code::normal);
    }
    BOOST_REQUIRE(s.wait_log("session_end", 2));
    raw_client e(s.port(), "v=10");
    e.expect(10);
    e.send(resume_msg(s2, 1));
    BOOST_TEST(e.expect(9).at("d").as_bool() == false);
}

/// A server with one fault; a client that identifies and reads until op `op` (or the end).
struct fault_run {
    server_fixture s;
    raw_client c;
    std::vector<json::object> msgs;
    fault_run(const std::string& fault, const std::string& query = "v=10")
        : s([&] {
              serve::options o = base_options();
              o.faults.push_back(serve::parse_fault(fault));
              return o;
          }()),
          c(s.port(), query) {}
};

BOOST_AUTO_TEST_CASE(fault_op7_and_op9) {
    for (const char* f : {"after 3 dispatches: op7", "after 3 dispatches: op9 true", "after 3 dispatches: op9 false"}) {
        BOOST_TEST_CONTEXT(f) {
            fault_run r(f);
            const std::string session = str(open_session(r.c).at("session_id"));
            const int op = std::string(f).find("op7") != std::string::npos ? 7 : 9;
            json::object m = r.c.expect(op);
            if (op == 9) BOOST_TEST(m.at("d").as_bool() == (std::string(f).find("true") != std::string::npos));
            BOOST_REQUIRE(r.s.wait_log("fault"));
            BOOST_TEST(str(r.s.log("fault")[0].at("session")) == session);
            // op 7 and op 9 true leave the session resumable; op 9 false ends it.
            raw_client c2(r.s.port(), "v=10");
            c2.expect(10);
            c2.send(resume_msg(session, 1));
            json::object next = c2.recv().value();
            if (std::string(f).find("false") != std::string::npos) {
                BOOST_TEST(next.at("op").to_number<int>() == 9);
            } else {
                BOOST_TEST(next.at("op").to_number<int>() == 0); // the replay starts
                BOOST_TEST(next.at("s").to_number<int>() == 2);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(fault_op1_asks_for_a_heartbeat) {
    fault_run r("after 2 dispatches: op1");
    open_session(r.c);
    BOOST_TEST(r.c.expect(1).at("d").is_null());
    r.c.send(op_msg(1, 3));
    r.c.expect(11);
}

BOOST_AUTO_TEST_CASE(fault_close_and_drop) {
    {
        fault_run r("after 2 dispatches: close 4009 timed out here");
        open_session(r.c);
        BOOST_TEST(r.c.close_code() == 4009);
        BOOST_TEST(std::string(r.c.ws.reason().reason.c_str()) == "timed out here");
    }
    {
        fault_run r("after 2 dispatches: close 4000");
        const std::string session = str(open_session(r.c).at("session_id"));
        BOOST_TEST(r.c.close_code() == 4000);
        raw_client c2(r.s.port(), "v=10");
        c2.expect(10);
        c2.send(resume_msg(session, 1));
        BOOST_TEST(c2.recv().value().at("op").to_number<int>() == 0); // 4000 keeps the session
    }
    fault_run r("after 2 dispatches: drop");
    open_session(r.c);
    BOOST_TEST(r.c.close_code() == 0); // no close frame
    BOOST_TEST((r.c.ended != websocket::error::closed));
    BOOST_TEST((r.c.ended != asio::error::timed_out));
    BOOST_TEST(r.s.log("drop").size() == 1u);
}

BOOST_AUTO_TEST_CASE(fault_zombie_stops_acks) {
    fault_run r("after 1 dispatches: zombie");
    open_session(r.c);
    BOOST_REQUIRE(r.s.wait_log("fault"));
    r.c.send(op_msg(1, 2));
    // Every dispatch still comes; no ACK does.
    int dispatches = 0;
    while (auto m = r.c.recv(300ms)) {
        BOOST_TEST(m->at("op").to_number<int>() != 11);
        ++dispatches;
    }
    BOOST_TEST((r.c.ended == asio::error::timed_out));
    BOOST_TEST(dispatches >= 1);
    BOOST_REQUIRE(r.s.wait_log("heartbeat"));
    BOOST_TEST(r.s.log("heartbeat")[0].at("acked").as_bool() == false);
}

BOOST_AUTO_TEST_CASE(fault_delay_holds_the_next_message) {
    fault_run r("after 2 dispatches: delay 300ms");
    open_session(r.c);
    r.c.expect(0);
    r.c.expect(0);
    // The fault fired when dispatch 2 was written; the next write waits 300 ms.
    const auto t0 = std::chrono::steady_clock::now();
    json::object m = r.c.expect(0);
    const auto waited = std::chrono::steady_clock::now() - t0;
    BOOST_TEST(m.at("s").to_number<int>() == 4);
    BOOST_TEST((waited >= 250ms));
}

BOOST_AUTO_TEST_CASE(fault_split_zlib_message_over_two_websocket_messages) {
    fault_run r("after 2 dispatches: split", "v=10&encoding=etf&compress=zlib-stream");
    open_session(r.c);
    std::int64_t last = 1;
    while (last < total_events + 1) {
        json::object m = r.c.expect(0);
        BOOST_TEST(m.at("s").to_number<std::int64_t>() == last + 1);
        last = m.at("s").to_number<std::int64_t>();
    }
    BOOST_TEST(r.c.partial == 1); // one websocket message held half a gateway message
    BOOST_TEST(r.s.log("split").size() == 1u);
    // Where split has no meaning, it is skipped (and logged so).
    fault_run z("after 2 dispatches: split", "v=10&compress=zstd-stream");
    open_session(z.c);
    BOOST_REQUIRE(z.s.wait_log("fault"));
    BOOST_TEST(z.s.log("fault")[0].contains("skipped"));
}

BOOST_AUTO_TEST_CASE(fault_triggers_at_signal_every) {
    {
        fault_run r("at 300ms: op7");
        open_session(r.c);
        const auto t0 = std::chrono::steady_clock::now();
        r.c.expect(7);
        BOOST_TEST((std::chrono::steady_clock::now() - t0 < 1s));
    }
    {
        fault_run r("on SIGUSR1: close 4000");
        open_session(r.c);
        while (r.c.recv(200ms)) {
        }
        BOOST_TEST((r.c.ended == asio::error::timed_out)); // nothing happens until the signal
        r.s.raise(SIGUSR1);
        BOOST_TEST(r.c.close_code() == 4000);
    }
    fault_run r("every 4 dispatches: op7");
    open_session(r.c);
    int sevens = 0;
    while (auto m = r.c.recv(300ms)) sevens += m->at("op").to_number<int>() == 7;
    BOOST_TEST(sevens == total_events / 4);
}

BOOST_AUTO_TEST_CASE(fault_script_syntax) {
    const auto fs = serve::parse_fault_script("# comment\n\nafter 50 dispatches: op7\nat 2.5s: close 4009 bye now\n"
                                              "on SIGUSR1 shard 1: drop\nevery 3 dispatches: delay 20ms\n");
    BOOST_REQUIRE_EQUAL(fs.size(), 4u);
    BOOST_TEST(fs[0].count == 50u);
    BOOST_TEST(fs[1].at.count() == 2500);
    BOOST_TEST(fs[1].code == 4009);
    BOOST_TEST(fs[1].reason == "bye now");
    BOOST_TEST(fs[2].signal == SIGUSR1);
    BOOST_TEST(fs[2].shard.value() == 1u);
    BOOST_TEST(fs[3].delay.count() == 20);
    for (const char* bad : {"op7", "after x dispatches: op7", "at 1s: op9", "at 1s: close 99", "at 1s: close 1006", "soon: drop",
                            "at 1s: drop now", "on SIGHUP: drop"})
        BOOST_CHECK_THROW(serve::parse_fault(bad), serve::fault_syntax_error);
    BOOST_CHECK_THROW(serve::parse_fault_script("at 1s: drop\nbogus\n"), serve::fault_syntax_error);
}

const std::vector<std::string> queries{
    "v=10&encoding=json",
    "v=10&encoding=json&compress=zlib-stream",
    "v=10&encoding=json&compress=zstd-stream",
    "v=10&encoding=etf",
    "v=10&encoding=etf&compress=zlib-stream",
    "v=10&encoding=etf&compress=zstd-stream",
};

BOOST_DATA_TEST_CASE(every_encoding_and_compression, bdata::make(queries), q) {
    server_fixture s(base_options());
    raw_client c(s.port(), q);
    open_session(c);
    std::vector<std::string> ids;
    for (int k = 0; k < total_events; ++k) {
        json::object m = c.expect(0);
        BOOST_TEST(m.at("s").to_number<int>() == k + 2);
        BOOST_TEST(str(m.at("t")) == "MESSAGE_CREATE");
        // Snowflakes as Discord sends them: strings in JSON, integers in ETF.
        BOOST_TEST(m.at("d").at("id").is_string() == (c.enc == dgw::Encoding::Json));
        ids.push_back(id_of(m.at("d").at("id")));
    }
    BOOST_TEST(ids.front() == "1");
    BOOST_TEST(ids.back() == "102");
    c.send(op_msg(1, total_events + 1));
    c.expect(11);
    BOOST_REQUIRE(s.wait_log("dispatch", total_events + 1));
    BOOST_TEST(s.log("dispatch").size() == std::size_t(total_events + 1));
    const auto conn = s.log("connect");
    BOOST_TEST(str(conn[0].at("encoding")) == (q.find("etf") != std::string::npos ? "etf" : "json"));
}

BOOST_AUTO_TEST_CASE(rate_paces_dispatches) {
    serve::options o = base_options();
    o.rate = 100; // 10 ms apart: the 14 dispatches take at least 130 ms
    server_fixture s(o);
    raw_client c(s.port(), "v=10");
    open_session(c);
    const auto t0 = std::chrono::steady_clock::now();
    for (int k = 0; k < total_events; ++k) c.expect(0);
    BOOST_TEST((std::chrono::steady_clock::now() - t0 >= 120ms));
}

BOOST_AUTO_TEST_CASE(shards_get_their_guilds) {
    serve::options o = base_options();
    o.shards = 2;
    server_fixture s(o);
    std::map<int, std::vector<std::string>> got;
    for (int shard : {0, 1}) {
        raw_client c(s.port(), "v=10");
        json::object ready = open_session(c, {{shard, 2}});
        BOOST_TEST(ready.at("shard").as_array()[0].to_number<int>() == shard);
        while (auto m = c.recv(200ms)) got[shard].push_back(id_of(m->at("d").at("id")));
    }
    // Guild k (id k << 22) is on shard k % 2; the two events without a guild are on shard 0.
    BOOST_TEST(got[0].size() == std::size_t(guild_events / 2 + dm_events));
    BOOST_TEST(got[1].size() == std::size_t(guild_events / 2));
    for (const auto& id : got[1]) BOOST_TEST(std::stoi(id) % 2 == 0); // ids k + 1 for odd k
    BOOST_TEST(got[0].back() == "102");
}

// The library's shard as the client: four faults in one session, each followed by a
// Resume, and every dispatch delivered exactly once. Dispatches are paced (20/s) so that
// each fault meets a connection of its own; the zombie comes last, and the test waits for
// the shard to notice it (no ACK by the next beat) and resume.
BOOST_DATA_TEST_CASE(shard_client_resumes_through_faults, bdata::xrange(2), k) {
    // ETF + zlib-stream, JSON + zstd-stream.
    const dgw::Encoding enc = k == 0 ? dgw::Encoding::Etf : dgw::Encoding::Json;
    const auto comp = k == 0 ? dgw::transport_compression::zlib_stream : dgw::transport_compression::zstd_stream;
    serve::options o = base_options();
    o.heartbeat_interval = 150ms;
    o.rate = 20;
    for (const char* f : {"after 3 dispatches: op7", "after 6 dispatches: drop", "after 9 dispatches: op9 true",
                          "after 12 dispatches: zombie"})
        o.faults.push_back(serve::parse_fault(f));
    server_fixture s(o);

    asio::io_context io;
    dgw::event_handlers h;
    std::vector<std::int64_t> seqs;
    std::set<std::uint64_t> ids;
    std::vector<std::string> logs;
    int resumed = 0;
    dgw::shard* sh = nullptr;
    h.on<dgw::events::MessageCreate>([&](const dgw::events::MessageCreate& m, const dgw::dispatch_info& i) {
        seqs.push_back(i.s.value_or(-1));
        ids.insert(m.id.value);
        if (ids.size() == std::size_t(total_events) && resumed == 4) sh->shutdown();
    });
    h.on<dgw::events::Resumed>([&](const dgw::events::Resumed&) {
        if (++resumed == 4 && ids.size() == std::size_t(total_events)) sh->shutdown();
    });
    dgw::shard_options so;
    so.client.identify.token = token;
    so.client.identify.intents = dgw::Intents::Guilds | dgw::Intents::GuildMessages;
    so.client.gateway_url = s.srv->url();
    so.client.encoding = enc;
    so.client.compression = comp;
    so.client.await_identify_permit = false;
    so.client.jitter = [] { return 0.1; };
    so.client.backoff.initial = 20ms;
    so.client.backoff.max = 80ms;
    so.client.backoff.jitter = [] { return 1.0; };
    so.client.backoff.healthy_after = 10ms; // each connection here is short: no growing back-off
    so.client.log = [&](dgw::log_level, std::string_view l) { logs.emplace_back(l); };
    dgw::shard shard(io, so, h);
    sh = &shard;
    std::optional<dgw::stop> stopped;
    shard.on_stop([&](const dgw::stop& st) { stopped = st; });
    shard.start();
    io.run_for(10s);
    BOOST_TEST(stopped.has_value());
    BOOST_TEST(ids.size() == std::size_t(total_events));
    std::set<std::int64_t> unique(seqs.begin(), seqs.end());
    BOOST_TEST(unique.size() == seqs.size()); // no dispatch twice
    BOOST_TEST(resumed == 4);
    BOOST_TEST(s.log("identify").size() == 1u); // one session throughout
    BOOST_TEST(s.log("resume").size() == 4u);
    BOOST_TEST(s.log("fault").size() == 4u);
    if (ids.size() != std::size_t(total_events) || resumed != 4)
        for (const auto& l : logs) BOOST_TEST_MESSAGE("shard: " << l);
}

// The library's own GET /gateway/bot (dgw::fetch_gateway_bot) reads what the server answers.
BOOST_AUTO_TEST_CASE(library_fetch_gateway_bot) {
    serve::options o = base_options();
    o.shards = 4;
    o.max_concurrency = 2;
    server_fixture s(o);
    asio::io_context io;
    std::vector<dgw::gateway_bot_result> got;
    for (const char* tok : {"serve-test-token.SECRET", "wrong"}) {
        dgw::gateway_bot_request req;
        req.token = tok;
        req.api_base = "http://127.0.0.1:" + std::to_string(s.port()) + "/api/v10";
        dgw::fetch_gateway_bot(io, req, [&](dgw::gateway_bot_result r) { got.push_back(std::move(r)); });
    }
    io.run_for(5s);
    BOOST_REQUIRE_EQUAL(got.size(), 2u);
    std::sort(got.begin(), got.end(), [](const auto& a, const auto& b) { return a.ok() > b.ok(); });
    BOOST_REQUIRE_MESSAGE(got[0].ok(), got[0].message());
    BOOST_TEST(got[0].info->url == s.srv->url());
    BOOST_TEST(got[0].info->shards == 4u);
    BOOST_TEST(got[0].info->limit.max_concurrency == 2u);
    BOOST_TEST(got[1].status == 401);
    BOOST_TEST(got[1].detail == "401: Unauthorized");
}

BOOST_AUTO_TEST_CASE(gateway_bot_over_https_and_wss) {
    dgw_test::test_certificate cert;
    const auto dir = std::filesystem::temp_directory_path();
    const auto cert_path = dir / ("dgw_serve_cert_" + std::to_string(::getpid()) + ".pem");
    const auto key_path = dir / ("dgw_serve_key_" + std::to_string(::getpid()) + ".pem");
    std::ofstream(cert_path) << cert.cert_pem;
    std::ofstream(key_path) << cert.key_pem;
    serve::options o = base_options();
    o.listen = "localhost:0";
    o.tls_cert = cert_path.string();
    o.tls_key = key_path.string();
    server_fixture s(o);
    BOOST_TEST(s.srv->url() == "wss://localhost:" + std::to_string(s.port()));

    asio::io_context io;
    asio::ssl::context ctx = cert.client();
    for (const char* auth : {"", "Bot wrong", "Bot serve-test-token.SECRET"}) {
        beast::ssl_stream<beast::tcp_stream> st(io, ctx);
        SSL_set_tlsext_host_name(st.native_handle(), "localhost");
        st.set_verify_callback(asio::ssl::host_name_verification("localhost"));
        beast::get_lowest_layer(st).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), s.port()));
        st.handshake(asio::ssl::stream_base::client);
        beast::http::request<beast::http::empty_body> req(beast::http::verb::get, "/api/v10/gateway/bot", 11);
        req.set(beast::http::field::host, "localhost");
        if (*auth) req.set(beast::http::field::authorization, auth);
        beast::http::write(st, req);
        beast::flat_buffer b;
        beast::http::response<beast::http::string_body> res;
        beast::http::read(st, b, res);
        if (std::string(auth) != "Bot serve-test-token.SECRET") {
            BOOST_TEST(res.result_int() == 401u);
            continue;
        }
        BOOST_TEST(res.result_int() == 200u);
        json::object body = json::parse(res.body()).as_object();
        BOOST_TEST(str(body.at("url")) == s.srv->url());
        BOOST_TEST(body.at("shards").to_number<int>() == 1);
        const auto& lim = body.at("session_start_limit").as_object();
        BOOST_TEST(lim.at("total").to_number<int>() == 1000);
        BOOST_TEST(lim.at("remaining").to_number<int>() == 1000);
        BOOST_TEST(lim.at("max_concurrency").to_number<int>() == 1);
        BOOST_TEST(lim.at("reset_after").to_number<std::int64_t>() > 0);
    }
    // A websocket session over TLS.
    websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(io, ctx);
    SSL_set_tlsext_host_name(ws.next_layer().native_handle(), "localhost");
    ws.next_layer().set_verify_callback(asio::ssl::host_name_verification("localhost"));
    beast::get_lowest_layer(ws).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), s.port()));
    ws.next_layer().handshake(asio::ssl::stream_base::client);
    ws.handshake("localhost", "/?v=10&encoding=json");
    beast::flat_buffer b;
    ws.read(b);
    BOOST_TEST(json::parse(beast::buffers_to_string(b.data())).at("op").to_number<int>() == 10);
    ws.write(asio::buffer(json::serialize(identify_msg())));
    b.clear();
    ws.read(b);
    BOOST_TEST(str(json::parse(beast::buffers_to_string(b.data())).at("t")) == "READY");
    std::filesystem::remove(cert_path);
    std::filesystem::remove(key_path);
}

BOOST_AUTO_TEST_SUITE_END()
