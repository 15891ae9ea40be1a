#include <dgw/gateway_bot.hpp>

#include <dgw/net_url.hpp>
#include <dgw/shard_manager.hpp>
#include <dgw/tls_client.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cmath>
#include <cstdlib>
#include <memory>
#include <utility>

namespace dgw {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;

/// A non-negative integer member of `obj` that fits `max`; false with `error` naming `path`.
bool get_uint(const json::object& obj, const char* key, const std::string& path, std::uint64_t max,
              std::uint64_t& out, std::string& error) {
    const json::value* v = obj.if_contains(key);
    if (v == nullptr) {
        error = path + key + " is missing";
        return false;
    }
    if (v->is_uint64()) out = v->get_uint64();
    else if (v->is_int64() && v->get_int64() >= 0) out = static_cast<std::uint64_t>(v->get_int64());
    else {
        error = path + key + " is not a non-negative integer";
        return false;
    }
    if (out > max) {
        error = path + key + " is out of range (" + std::to_string(out) + ")";
        return false;
    }
    return true;
}

} // namespace

bool parse_gateway_bot(std::string_view body, gateway_bot& out, std::string& error) {
    boost::system::error_code ec;
    const json::value doc = json::parse(body, ec);
    if (ec) {
        error = "the body is not JSON: " + ec.message();
        return false;
    }
    const json::object* root = doc.if_object();
    if (root == nullptr) {
        error = "the body is not a JSON object";
        return false;
    }
    gateway_bot g;
    const json::value* url = root->if_contains("url");
    if (url == nullptr || !url->is_string() || url->get_string().empty()) {
        error = "url is missing or not a non-empty string";
        return false;
    }
    g.url = std::string(url->get_string());
    std::uint64_t n = 0;
    constexpr std::uint64_t u32 = UINT32_MAX;
    if (!get_uint(*root, "shards", "", u32, n, error)) return false;
    if (n == 0) {
        error = "shards is 0";
        return false;
    }
    g.shards = static_cast<std::uint32_t>(n);
    const json::value* lim = root->if_contains("session_start_limit");
    if (lim == nullptr || !lim->is_object()) {
        error = "session_start_limit is missing or not an object";
        return false;
    }
    const json::object& l = lim->get_object();
    const std::string p = "session_start_limit.";
    if (!get_uint(l, "total", p, u32, n, error)) return false;
    g.limit.total = static_cast<std::uint32_t>(n);
    if (!get_uint(l, "remaining", p, u32, n, error)) return false;
    g.limit.remaining = static_cast<std::uint32_t>(n);
    // A day is 86.4M ms; anything up to a year is taken as given.
    if (!get_uint(l, "reset_after", p, std::uint64_t{366} * 86'400'000, n, error)) return false;
    g.limit.reset_after = std::chrono::milliseconds(static_cast<std::int64_t>(n));
    if (!get_uint(l, "max_concurrency", p, u32, n, error)) return false;
    if (n == 0) {
        error = p + "max_concurrency is 0";
        return false;
    }
    g.limit.max_concurrency = static_cast<std::uint32_t>(n);
    out = std::move(g);
    return true;
}

void apply(const gateway_bot& info, shard_manager_options& options) {
    options.shard.client.gateway_url = info.url;
    if (options.shard_count == 0) options.shard_count = info.shards;
    options.limit = info.limit;
}

namespace {

struct fetch_state {
    fetch_state(asio::io_context& io_, gateway_bot_request r, detail::net_endpoint w)
        : io(io_), req(std::move(r)), where(std::move(w)), resolver(io_), deadline(io_) {}

    asio::io_context& io;
    gateway_bot_request req;
    detail::net_endpoint where;
    tcp::resolver resolver;
    asio::steady_timer deadline;
    std::unique_ptr<asio::ssl::context> own_tls;
    std::optional<beast::tcp_stream> plain;
    std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
    bool timed_out = false;

    void abort() {
        timed_out = true;
        resolver.cancel();
        if (plain) plain->close();
        if (secure) beast::get_lowest_layer(*secure).close();
    }
    // A step that completed just as the deadline passed must not start the next one.
    void check() const {
        if (timed_out) throw boost::system::system_error(asio::error::timed_out);
    }

    http::request<http::empty_body> make_request() const {
        std::string target = where.target;
        if (target.back() != '/') target += '/';
        target += "gateway/bot";
        http::request<http::empty_body> r(http::verb::get, target, 11);
        r.set(http::field::host, where.host_header);
        r.set(http::field::authorization, "Bot " + req.token);
        r.set(http::field::user_agent, req.user_agent);
        r.set(http::field::accept, "application/json");
        return r;
    }
};

using response = http::response<http::string_body>;

template <class Stream>
asio::awaitable<response> exchange(Stream& stream, http::request<http::empty_body> req) {
    co_await http::async_write(stream, req, asio::use_awaitable);
    beast::flat_buffer buf;
    http::response_parser<http::string_body> parser;
    parser.body_limit(1 << 20); // the real body is ~150 bytes
    co_await http::async_read(stream, buf, parser, asio::use_awaitable);
    co_return parser.release();
}

/// Discord's error bodies are {"message": "...", "code": N} (429 adds retry_after).
std::string discord_message(const response& res) {
    boost::system::error_code ec;
    const json::value v = json::parse(res.body(), ec);
    if (!ec && v.is_object())
        if (const json::value* m = v.get_object().if_contains("message"); m && m->is_string())
            return std::string(m->get_string());
    return {};
}

void interpret(const response& res, gateway_bot_result& out) {
    out.status = static_cast<int>(res.result_int());
    if (res.result() == http::status::ok) {
        gateway_bot g;
        std::string why;
        if (parse_gateway_bot(res.body(), g, why)) out.info = std::move(g);
        else out.error = "GET /gateway/bot: unexpected response: " + why;
        return;
    }
    std::string what = "GET /gateway/bot: HTTP " + std::to_string(out.status) + " " + std::string(res.reason());
    if (const std::string m = discord_message(res); !m.empty()) what += " (" + m + ")";
    if (res.result() == http::status::unauthorized) what += ": Discord refused the token";
    if (res.result() == http::status::too_many_requests) {
        // retry_after in the body is in seconds, with a fraction; Retry-After is whole seconds.
        double secs = 0;
        boost::system::error_code ec;
        const json::value v = json::parse(res.body(), ec);
        if (!ec && v.is_object())
            if (const json::value* r = v.get_object().if_contains("retry_after"); r && r->is_number())
                secs = r->to_number<double>();
        if (secs <= 0)
            if (auto h = res.find(http::field::retry_after); h != res.end()) secs = std::atof(std::string(h->value()).c_str());
        if (std::isfinite(secs) && secs > 0 && secs < 86'400)
            out.retry_after = std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(secs * 1000)));
    }
    out.error = std::move(what);
}

asio::awaitable<gateway_bot_result> run(std::shared_ptr<fetch_state> s) {
    gateway_bot_result out;
    const char* step = "resolve";
    try {
        auto endpoints = co_await s->resolver.async_resolve(s->where.host, s->where.port, asio::use_awaitable);
        s->check();
        step = "connect";
        response res;
        if (s->where.tls) {
            asio::ssl::context* ctx = s->req.tls;
            if (ctx == nullptr) ctx = (s->own_tls = detail::default_tls_context()).get();
            auto& stream = s->secure.emplace(s->io, *ctx);
            co_await beast::get_lowest_layer(stream).async_connect(endpoints, asio::use_awaitable);
            s->check();
            step = "tls handshake";
            boost::system::error_code ec;
            if (!detail::prepare_tls(stream, s->where.host, ec)) throw boost::system::system_error(ec);
            co_await stream.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
            s->check();
            step = "request";
            res = co_await exchange(stream, s->make_request());
        } else {
            auto& stream = s->plain.emplace(s->io);
            co_await stream.async_connect(endpoints, asio::use_awaitable);
            s->check();
            step = "request";
            res = co_await exchange(stream, s->make_request());
        }
        interpret(res, out);
    } catch (const boost::system::system_error& e) {
        out.error = s->timed_out ? "GET /gateway/bot: timed out after " + std::to_string(s->req.timeout.count()) +
                                       " ms (during " + step + ")"
                                 : "GET /gateway/bot: " + std::string(step) + " failed: " + e.code().message();
    }
    co_return out;
}

} // namespace

void fetch_gateway_bot(asio::io_context& io, gateway_bot_request request, std::function<void(gateway_bot_result)> done) {
    auto where = detail::parse_net_url(request.api_base);
    if (!where || (where->scheme != "http" && where->scheme != "https")) {
        gateway_bot_result r;
        r.error = "GET /gateway/bot: not an http:// or https:// URL: \"" + request.api_base + "\"";
        asio::post(io, [done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); });
        return;
    }
    auto s = std::make_shared<fetch_state>(io, std::move(request), std::move(*where));
    s->deadline.expires_after(s->req.timeout);
    s->deadline.async_wait([w = std::weak_ptr<fetch_state>(s)](boost::system::error_code ec) {
        if (ec) return;
        if (auto st = w.lock()) st->abort();
    });
    asio::co_spawn(io, run(s), [s, done = std::move(done)](std::exception_ptr ep, gateway_bot_result r) {
        s->deadline.cancel();
        if (ep) { // only bad_alloc and the like get here: system errors are caught in run()
            r = {};
            r.error = "GET /gateway/bot: failed unexpectedly";
        }
        done(std::move(r));
    });
}

} // namespace dgw
