#pragma once
// A local gateway for the shard tests: a Boost.Beast websocket server (C++20 coroutines on
// an io_context) that plays Discord's side byte for byte over TCP or TLS, in the encoding
// and transport compression the client asked for in its URL, and the harness that runs it
// next to a shard until both sides are done.
//
// Declarations only: the Beast, zlib/zstd and TLS code is compiled once, in gateway_peer.cpp.
// Every shard test includes this header, and with the server inline each of them spent a
// minute or more (two under ASan) instantiating the same websocket and HTTP templates.

#include <dgw/commands.hpp>
#include <dgw/etf/json.hpp>
#include <dgw/event_handlers.hpp>
#include <dgw/gateway.hpp>
#include <dgw/protocol_error.hpp>
#include <dgw/shard.hpp>
#include <dgw/shard_manager.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <boost/system/error_code.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "test_tls_util.hpp"

namespace gateway_peer {

namespace asio = boost::asio;
namespace json = boost::json;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;
using namespace std::chrono_literals;

extern const std::string token; // "shard-test-token.SECRET"

/// `d` of tests/fixtures/events/<event>.json.
json::object fixture_d(const char* event);

// Built outside the coroutines: GCC 12 miscompiles braced initialiser lists of string
// literals inside a coroutine body ("array used as initializer").
json::object envelope(const char* t, int s, json::object d);
json::object hello(int interval_ms);
json::object heartbeat_ack();
json::object invalid_session_op(); ///< op 9, d=false
json::value presence();

/// Server side of one websocket connection (over TCP, or TLS over TCP), speaking the
/// encoding and compression the client asked for in its URL.
class peer_conn {
public:
    class transport; ///< the websocket stream under it (gateway_peer.cpp)

    /// Takes the connection `target` (the upgrade request's) asked for: encoding, compression.
    peer_conn(std::unique_ptr<transport> t, std::string target);
    peer_conn(const peer_conn&) = delete;
    peer_conn& operator=(const peer_conn&) = delete;
    ~peer_conn();

    std::string target;
    dgw::Encoding enc = dgw::Encoding::Json;
    dgw::transport_compression comp = dgw::transport_compression::none;
    int heartbeats = 0;
    std::vector<int> heartbeat_seq; // d of each heartbeat (-1 for null)

    /// Discord's command budget as Discord applies it: on this side's receive times, every
    /// message the client sends counting (heartbeats included), a message that makes more
    /// than `limit` within `window` closes the connection with 4008.
    struct budget_rule {
        std::chrono::steady_clock::duration window = std::chrono::seconds(60);
        std::size_t limit = 120;
    };
    std::optional<budget_rule> budget;    ///< enforced when set
    std::size_t budget_max = 0;           ///< most messages received within one window
    bool budget_exceeded = false;         ///< closed with 4008
    std::deque<std::chrono::steady_clock::time_point> budget_log; // receive times within the window

    boost::system::error_code ended; // why the last recv() returned nullopt

    std::string compress(const std::string& in);
    awaitable<void> send(json::object msg);
    awaitable<void> dispatch(const char* t, int s, json::object d);

    /// The next message that is not a heartbeat (heartbeats are acknowledged on the way,
    /// and returned too when `heartbeats`), or nullopt once the connection ended: `ended`
    /// is websocket::error::closed when the client sent a close frame (close_code() has it).
    awaitable<std::optional<json::object>> recv(bool heartbeats_too = false);

    /// Counts a message received now; false when it is one too many for the budget.
    bool within_budget();

    /// Writes `bytes` as one websocket message, as they are (no encoding, no compression).
    awaitable<void> send_raw(std::string_view bytes, bool binary);

    /// The start of a fresh session: Hello (interval `beat_ms`), the client's Identify
    /// (returned), then READY as s=1.
    awaitable<json::object> open_session(json::object ready, int beat_ms = 45000);

    /// The next message, which must have opcode `op` (heartbeats are acknowledged on the
    /// way, or are the expected message when `heartbeats_too`).
    awaitable<json::object> expect(int op, bool heartbeats_too = false);

    /// Sends a close frame with `code` and `reason`, and waits for the client's answer.
    awaitable<void> close(int code, std::string reason = {});
    /// The code of the close frame the client sent (websocket::stream::reason()).
    int close_code() const;
    /// Whether the last recv() ended on the client's close frame (`ended` is websocket::error::closed).
    bool client_closed() const;
    /// The host name the client sent in its TLS ClientHello (SNI); empty over TCP or without one.
    std::string server_name() const;
    /// Closes the TCP socket under the websocket: no close frame, the connection just ends.
    void drop_tcp();

private:
    struct deflater; // the zstd or zlib stream of transport compression
    std::unique_ptr<transport> t_;
    std::unique_ptr<deflater> z_;
};

using tls_peer_conn = peer_conn;

/// Accepts one plain websocket connection.
awaitable<std::unique_ptr<peer_conn>> accept(tcp::acceptor& acc);

/// Accepts one websocket connection over TLS.
awaitable<std::unique_ptr<tls_peer_conn>> accept_tls(tcp::acceptor& acc, ssl::context& tls);

std::string str(const json::value& v);

/// READY from the fixture, for session `id`, resuming at `resume_url`.
json::object ready_for(const std::string& id, const std::string& resume_url);

/// What a test's shard saw, and the harness around one io_context.
struct session {
    asio::io_context io;
    tcp::acceptor acc; ///< on 127.0.0.1, a port of its own
    dgw::event_handlers handlers;
    std::optional<dgw::stop> stopped;
    std::string server_error;
    bool server_done = false;
    bool timed_out = false;
    std::vector<std::string> logs;
    std::chrono::seconds limit{20}; ///< drive() gives up after this

    session();
    session(const session&) = delete;

    std::string base() const;

    dgw::shard_options options(dgw::Encoding enc, dgw::transport_compression comp);

    /// Runs the server script and the shard until both are done (or 20 s passed).
    std::function<void()> notify; // call when `stopped` or `server_done` changes

    /// Runs the server script and whatever `start` starts until the script is done and
    /// `stopped` is set (or 20 s passed); `abort` ends the client side if the script fails.
    void drive(std::function<void()> start, std::function<void()> abort, awaitable<void> script);

    void run(dgw::shard& sh, awaitable<void> script);
};

/// A session whose shard connects with wss:// to `host` (the certificate names localhost).
struct tls_session : session {
    std::string host;
    dgw_test::test_certificate cert;
    ssl::context server_tls = cert.server();
    ssl::context client_tls = cert.client();
    explicit tls_session(std::string h) : host(std::move(h)) {}
    dgw::shard_options tls_options(dgw::Encoding enc, dgw::transport_compression comp);
};

// ---- a stalling gateway on its own thread ------------------------------------------------

/// How the stalling gateway treats each connection.
enum class stall {
    tcp_silent,      ///< accept TCP, never answer (TLS or websocket handshake hangs)
    no_hello,        ///< websocket upgrade, then silence
    no_ready,        ///< Hello, then the Identify is never answered
    session,         ///< Hello, READY after Identify, then reads (answers the close)
    deaf_after_op9,  ///< a session, then op 9 (d=false) and no more reading: our close is never answered
    deaf_session,    ///< a session, then no more reading: the shutdown's close is never answered
};

/// A gateway on its own io_context and thread, so that the shard's io.run() measures the
/// shard alone. It records when each connection arrives; it asserts nothing (Boost.Test is
/// not thread-safe), the test checks what it recorded.
class stall_gateway {
public:
    explicit stall_gateway(stall mode);
    stall_gateway(const stall_gateway&) = delete;
    ~stall_gateway();
    std::string url() const;
    std::string wss_url() const;
    int connections() const;
    std::vector<std::chrono::steady_clock::time_point> arrivals() const;

private:
    struct server;
    std::unique_ptr<server> s_;
};

} // namespace gateway_peer
