// GET /gateway/bot: decoding the documented response, and the request against a local
// HTTP(S) server (Boost.Beast): headers sent, TLS verified, error statuses, 429's
// retry_after, a server that never answers; and which error_code each failure carries.
#include <dgw/codec/typed.hpp>
#include <dgw/gateway_bot.hpp>
#include <dgw/types.hpp>
#include <dgw/protocol_error.hpp>
#include <dgw/shard_manager.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/test/unit_test.hpp>

#include <optional>
#include <string>

#include "test_tls_util.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// The example of Discord's "Get Gateway Bot" documentation (topics/gateway).
const std::string documented = R"({
  "url": "wss://gateway.discord.gg",
  "shards": 9,
  "session_start_limit": {
    "total": 1000,
    "remaining": 999,
    "reset_after": 14400000,
    "max_concurrency": 1
  }
})";

const std::string token = "gateway-bot-test-token.SECRET";

using request = http::request<http::string_body>;
using response = http::response<http::string_body>;

response reply(http::status st, std::string body) {
    response r(st, 11);
    r.set(http::field::content_type, "application/json");
    r.body() = std::move(body);
    r.prepare_payload();
    return r;
}

/// Serves one request on `stream` with `res`, keeping what was asked in `seen`.
template <class Stream>
asio::awaitable<void> serve(Stream& stream, std::optional<request>& seen, response res) {
    beast::flat_buffer buf;
    request req;
    co_await http::async_read(stream, buf, req, asio::use_awaitable);
    seen = std::move(req);
    co_await http::async_write(stream, res, asio::use_awaitable);
}

struct local_server {
    asio::io_context io;
    tcp::acceptor acc{io, tcp::endpoint(asio::ip::address_v4::loopback(), 0)};
    std::optional<request> seen;
    std::optional<dgw::gateway_bot_result> result;

    std::string port() const { return std::to_string(acc.local_endpoint().port()); }
    std::string base(const char* scheme = "http", const char* host = "127.0.0.1") const {
        return std::string(scheme) + "://" + host + ":" + port() + "/api/v10";
    }
    dgw::gateway_bot_request req(std::string base) const {
        dgw::gateway_bot_request r;
        r.token = token;
        r.api_base = std::move(base);
        r.timeout = 3s;
        return r;
    }
    void fetch(dgw::gateway_bot_request r) {
        dgw::fetch_gateway_bot(io, std::move(r), [this](dgw::gateway_bot_result res) { result = std::move(res); });
        BOOST_TEST(!result.has_value()); // never from inside the call
    }
    /// Runs until the result arrived (and the server finished), at most 10 s.
    void run() {
        io.run_for(10s);
        BOOST_REQUIRE(result.has_value());
    }
    /// Answers one plain HTTP request with `res`.
    void answer(response res) {
        asio::co_spawn(io, [this, res = std::move(res)]() mutable -> asio::awaitable<void> {
            beast::tcp_stream s(co_await acc.async_accept(asio::use_awaitable));
            co_await serve(s, seen, std::move(res));
        }, asio::detached);
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(gateway_bot)

BOOST_AUTO_TEST_CASE(parses_the_documented_example) {
    dgw::gateway_bot g;
    dgw::decode_error err;
    BOOST_TEST_REQUIRE(dgw::parse_gateway_bot(documented, g, err), err.message());
    BOOST_TEST(!err);
    BOOST_TEST(g.url == "wss://gateway.discord.gg");
    BOOST_TEST(g.shards == 9u);
    BOOST_TEST(g.limit.total == 1000u);
    BOOST_TEST(g.limit.remaining == 999u);
    BOOST_TEST(g.limit.reset_after.count() == 14'400'000);
    BOOST_TEST(g.limit.max_concurrency == 1u);

    dgw::shard_manager_options mo; // shard_count defaults to 1
    dgw::apply(g, mo);
    BOOST_TEST(mo.shard.client.gateway_url == "wss://gateway.discord.gg");
    BOOST_TEST(mo.shard_count == 9u); // the recommendation, not the default
    BOOST_TEST(mo.limit.remaining == 999u);
    BOOST_TEST(mo.limit.max_concurrency == 1u);
}

BOOST_AUTO_TEST_CASE(parse_errors_name_the_field) {
    using dgw::codec_errc;
    struct bad {
        std::string body;
        codec_errc code;
        std::string path;
    };
    const bad cases[] = {
        {"{", codec_errc::truncated, ""},
        {"[]", codec_errc::type_mismatch, "$"},
        {R"({"shards": 1, "session_start_limit": {}})", codec_errc::missing_field, "$.url"},
        {R"({"url": "", "shards": 1})", codec_errc::missing_field, "$.url"},
        {R"({"url": "wss://g", "shards": "9"})", codec_errc::type_mismatch, "$.shards"},
        {R"({"url": "wss://g", "shards": 0})", codec_errc::number_out_of_range, "$.shards"},
        {R"({"url": "wss://g", "shards": 4294967296})", codec_errc::number_out_of_range, "$.shards"},
        {R"({"url": "wss://g", "shards": 1})", codec_errc::missing_field, "$.session_start_limit"},
        {R"({"url": "wss://g", "shards": 1, "session_start_limit": {"total": 1000, "remaining": -1,
            "reset_after": 0, "max_concurrency": 1}})", codec_errc::number_out_of_range, "$.session_start_limit.remaining"},
        {R"({"url": "wss://g", "shards": 1, "session_start_limit": {"total": 1000, "remaining": 1,
            "reset_after": 0}})", codec_errc::missing_field, "$.session_start_limit.max_concurrency"},
        {R"({"url": "wss://g", "shards": 1, "session_start_limit": {"total": 1000, "remaining": 1,
            "reset_after": 0, "max_concurrency": 0}})", codec_errc::number_out_of_range, "$.session_start_limit.max_concurrency"},
        {R"({"url": "wss://g", "shards": 1, "session_start_limit": {"total": 1000, "remaining": 1,
            "reset_after": 31622400001, "max_concurrency": 1}})", codec_errc::number_out_of_range, "$.session_start_limit.reset_after"},
    };
    for (const auto& [body, code, path] : cases) {
        BOOST_TEST_CONTEXT(body) {
            dgw::gateway_bot g;
            g.url = "untouched";
            dgw::decode_error err;
            BOOST_TEST(!dgw::parse_gateway_bot(body, g, err));
            BOOST_TEST(err.code == make_error_code(code), err.message());
            if (!path.empty()) BOOST_TEST(err.path == path, err.message());
            BOOST_TEST(g.url == "untouched"); // a failed parse leaves the output alone
        }
    }
}

BOOST_AUTO_TEST_CASE(a_wrong_type_names_the_path_and_byte) {
    const std::string body = R"({"url": "wss://g", "shards": 1, "session_start_limit": {"total": "1000", "remaining": 1,
        "reset_after": 0, "max_concurrency": 1}})";
    dgw::gateway_bot g;
    dgw::decode_error err;
    BOOST_TEST_REQUIRE(!dgw::parse_gateway_bot(body, g, err));
    BOOST_TEST(err.code == make_error_code(dgw::codec_errc::type_mismatch));
    BOOST_TEST(err.path == "$.session_start_limit.total");
    BOOST_TEST(err.offset == body.find("\"1000\""), err.message());
}

BOOST_AUTO_TEST_CASE(error_codes_have_their_own_category) {
    const boost::system::error_code ec = dgw::gateway_bot_errc::http_status;
    BOOST_TEST(std::string(ec.category().name()) == "dgw.gateway_bot");
    BOOST_TEST(&ec.category() == &dgw::gateway_bot_category());
    BOOST_TEST(ec != make_error_code(dgw::gateway_bot_errc::bad_body));
    BOOST_TEST(ec != dgw::make_error_code(dgw::protocol_errc::fatal_close)); // same value 1, other layer
    for (auto e : {dgw::gateway_bot_errc::http_status, dgw::gateway_bot_errc::bad_body, dgw::gateway_bot_errc::bad_api_base})
        BOOST_TEST(dgw::make_error_code(e).message().find("unknown") == std::string::npos);

    dgw::gateway_bot_result ok;
    ok.info.emplace();
    BOOST_TEST(ok.ok());
    BOOST_TEST(!ok.ec);
}

BOOST_AUTO_TEST_CASE(fetch_sends_the_token_and_user_agent) {
    local_server t;
    t.answer(reply(http::status::ok, documented));
    t.fetch(t.req(t.base()));
    t.run();
    BOOST_TEST_REQUIRE(t.result->ok(), t.result->message());
    BOOST_TEST(!t.result->ec);
    BOOST_TEST(t.result->status == 200);
    BOOST_TEST(t.result->info->shards == 9u);
    BOOST_REQUIRE(t.seen.has_value());
    BOOST_TEST(t.seen->method() == http::verb::get);
    BOOST_TEST(std::string(t.seen->target()) == "/api/v10/gateway/bot");
    BOOST_TEST(std::string((*t.seen)[http::field::authorization]) == "Bot " + token);
    BOOST_TEST(std::string((*t.seen)[http::field::user_agent]).starts_with("DiscordBot ("));
    BOOST_TEST(std::string((*t.seen)[http::field::host]) == "127.0.0.1:" + t.port());
}

BOOST_AUTO_TEST_CASE(fetch_over_tls_checks_the_certificate) {
    const dgw_test::test_certificate cert;
    for (const char* host : {"localhost", "127.0.0.1"}) { // the certificate names localhost only
        BOOST_TEST_CONTEXT("host " << host) {
            local_server t;
            ssl::context server = cert.server();
            ssl::context client = cert.client();
            asio::co_spawn(t.io, [&]() -> asio::awaitable<void> {
                beast::ssl_stream<beast::tcp_stream> s(beast::tcp_stream(co_await t.acc.async_accept(asio::use_awaitable)), server);
                try {
                    co_await s.async_handshake(ssl::stream_base::server, asio::use_awaitable);
                } catch (const boost::system::system_error&) {
                    co_return; // the client refused us
                }
                co_await serve(s, t.seen, reply(http::status::ok, documented));
            }, asio::detached);
            auto r = t.req(t.base("https", host));
            r.tls = &client;
            t.fetch(std::move(r));
            t.run();
            if (std::string(host) == "localhost") {
                BOOST_TEST(t.result->ok(), t.result->message());
                BOOST_TEST(t.seen.has_value());
            } else {
                BOOST_TEST(!t.result->ok());
                // OpenSSL's verdict as Asio reports it, not one of ours.
                BOOST_TEST(&t.result->ec.category() == &asio::error::get_ssl_category(), t.result->message());
                BOOST_TEST(t.result->step == "tls handshake");
                BOOST_TEST(t.result->message().find("tls handshake: ") != std::string::npos, t.result->message());
                BOOST_TEST(!t.seen.has_value()); // nothing, not even the token, was sent
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(fetch_unauthorized_is_http_status_with_discords_message) {
    local_server t;
    t.answer(reply(http::status::unauthorized, R"({"message": "401: Unauthorized", "code": 0})"));
    t.fetch(t.req(t.base()));
    t.run();
    const dgw::gateway_bot_result& r = *t.result;
    BOOST_TEST(!r.ok());
    BOOST_TEST(r.ec == make_error_code(dgw::gateway_bot_errc::http_status), r.ec.message());
    BOOST_TEST(r.status == 401);
    BOOST_TEST(r.detail == "401: Unauthorized");
    BOOST_TEST(!r.body_error);
    BOOST_TEST(r.step.empty());
    BOOST_TEST(r.retry_after.count() == 0);
    BOOST_TEST(r.message() == "GET /gateway/bot: HTTP 401 (401: Unauthorized): Discord refused the token");
    BOOST_TEST(r.message().find("SECRET") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(fetch_rate_limited_reports_retry_after) {
    local_server t;
    t.answer(reply(http::status::too_many_requests,
                   R"({"message": "You are being rate limited.", "retry_after": 1.2345, "global": false})"));
    t.fetch(t.req(t.base()));
    t.run();
    BOOST_TEST(!t.result->ok());
    BOOST_TEST(t.result->ec == make_error_code(dgw::gateway_bot_errc::http_status));
    BOOST_TEST(t.result->status == 429);
    BOOST_TEST(t.result->retry_after.count() == 1235); // rounded up, never early
    BOOST_TEST(t.result->detail == "You are being rate limited.");
    BOOST_TEST(t.result->message().find("retry after 1235 ms") != std::string::npos, t.result->message());

    // A 429 from a proxy in front of Discord: no JSON body, only the Retry-After header.
    local_server u;
    response r = reply(http::status::too_many_requests, "slow down");
    r.set(http::field::retry_after, "3");
    u.answer(std::move(r));
    u.fetch(u.req(u.base()));
    u.run();
    BOOST_TEST(u.result->ec == make_error_code(dgw::gateway_bot_errc::http_status));
    BOOST_TEST(u.result->status == 429);
    BOOST_TEST(u.result->retry_after.count() == 3000);
    BOOST_TEST(u.result->detail.empty()); // no message to keep, and no decode error for it
}

BOOST_AUTO_TEST_CASE(fetch_wrong_type_is_bad_body_with_path_and_offset) {
    const std::string body = R"({"url": "wss://gateway.discord.gg", "shards": 9,
        "session_start_limit": {"total": true, "remaining": 999, "reset_after": 14400000, "max_concurrency": 1}})";
    local_server t;
    t.answer(reply(http::status::ok, body));
    t.fetch(t.req(t.base()));
    t.run();
    const dgw::gateway_bot_result& r = *t.result;
    BOOST_TEST(!r.ok());
    BOOST_TEST(r.ec == make_error_code(dgw::gateway_bot_errc::bad_body), r.ec.message());
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.body_error.code == make_error_code(dgw::codec_errc::type_mismatch), r.body_error.message());
    BOOST_TEST(r.body_error.path == "$.session_start_limit.total");
    BOOST_TEST(r.body_error.offset == body.find("true"));
    BOOST_TEST(r.message().find("$.session_start_limit.total") != std::string::npos, r.message());

    // Well-typed but unusable: the check after decoding names the field too.
    local_server u;
    u.answer(reply(http::status::ok, R"({"url": "wss://gateway.discord.gg", "shards": -3})"));
    u.fetch(u.req(u.base()));
    u.run();
    BOOST_TEST(u.result->ec == make_error_code(dgw::gateway_bot_errc::bad_body));
    BOOST_TEST(u.result->body_error.code == make_error_code(dgw::codec_errc::number_out_of_range));
    BOOST_TEST(u.result->body_error.path == "$.shards");
}

BOOST_AUTO_TEST_CASE(fetch_times_out_when_the_server_never_answers) {
    local_server t;
    std::optional<tcp::socket> held;
    asio::co_spawn(t.io, [&]() -> asio::awaitable<void> {
        held.emplace(co_await t.acc.async_accept(asio::use_awaitable)); // accepts, reads nothing
    }, asio::detached);
    auto r = t.req(t.base());
    r.timeout = 300ms;
    const auto t0 = std::chrono::steady_clock::now();
    t.fetch(std::move(r));
    t.run();
    const auto took = std::chrono::steady_clock::now() - t0;
    BOOST_TEST(!t.result->ok());
    BOOST_TEST(t.result->status == 0);
    // The cause, not the operation_aborted it made the pending step see.
    BOOST_TEST(t.result->ec == make_error_code(beast::error::timeout), t.result->ec.message());
    BOOST_TEST(t.result->step == "request");
    BOOST_TEST(took >= 290ms);
    BOOST_TEST(took < 5s);
}

BOOST_AUTO_TEST_CASE(fetch_reports_a_refused_connection_and_a_bad_url) {
    local_server t;
    const std::string closed = t.base();
    t.acc.close(); // nothing listens on that port any more
    t.fetch(t.req(closed));
    t.run();
    BOOST_TEST(!t.result->ok());
    // Asio's own code, as a Beast user would compare it.
    BOOST_TEST(t.result->ec == make_error_code(asio::error::connection_refused), t.result->ec.message());
    BOOST_TEST(t.result->step == "connect");
    BOOST_TEST(t.result->status == 0);

    local_server u;
    u.fetch(u.req("wss://discord.com/api/v10"));
    u.run();
    BOOST_TEST(u.result->ec == make_error_code(dgw::gateway_bot_errc::bad_api_base));
    BOOST_TEST(u.result->detail == "\"wss://discord.com/api/v10\": scheme wss");
}

// parse_gateway_bot asks dgw::missing by name: absent required fields answer true, present
// ones false, and so does a name the type does not have (a renamed field fails loudly).
BOOST_AUTO_TEST_CASE(missing_asks_by_field_name) {
    dgw::types::GatewayBot g;
    dgw::decode_error err;
    BOOST_REQUIRE(dgw::decode_json(R"({"url":"wss://gateway.discord.gg","shards":2,"session_start_limit":)"
                                   R"({"total":1000,"remaining":999,"reset_after":1,"max_concurrency":1}})",
                                   g, err));
    BOOST_TEST(!dgw::missing(g, "url"));
    BOOST_TEST(!dgw::missing(g, "session_start_limit"));
    BOOST_TEST(!dgw::missing(g.session_start_limit, "max_concurrency"));
    BOOST_TEST(dgw::missing(g, "no_such_field"));
    BOOST_REQUIRE(dgw::decode_json(R"({"shards":2,"session_start_limit":{"total":1}})", g, err));
    BOOST_TEST(dgw::missing(g, "url"));
    BOOST_TEST(!dgw::missing(g, "shards"));
    BOOST_TEST(dgw::missing(g.session_start_limit, "remaining"));
    BOOST_TEST(!dgw::missing(g.session_start_limit, "total"));
}

BOOST_AUTO_TEST_SUITE_END()
