#include <dgw/gateway_bot.hpp>

#include <dgw/detail/net_url.hpp>
#include <dgw/shard_manager.hpp>
#include <dgw/detail/tls_client.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
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
    options.shard_count = info.shards;
    options.limit = info.limit;
}

namespace {

using response = http::response<http::string_body>;

void interpret(const response& res, gateway_bot_result& out) {
    out.status = static_cast<int>(res.result_int());
    if (res.result() == http::status::ok) {
        gateway_bot g;
        std::string why;
        if (parse_gateway_bot(res.body(), g, why)) out.info = std::move(g);
        else out.error = "GET /gateway/bot: unexpected response: " + why;
        return;
    }
    // Discord's error bodies are {"message": "...", "code": N}; 429 adds retry_after.
    boost::system::error_code ec;
    const json::value body = json::parse(res.body(), ec);
    const json::object* obj = ec ? nullptr : body.if_object();
    const json::value* message = obj ? obj->if_contains("message") : nullptr;
    std::string what = "GET /gateway/bot: HTTP " + std::to_string(out.status) + " " + std::string(res.reason());
    if (message && message->is_string()) what += " (" + std::string(message->get_string()) + ")";
    if (res.result() == http::status::unauthorized) what += ": Discord refused the token";
    if (res.result() == http::status::too_many_requests) {
        // retry_after in the body is in seconds, with a fraction; Retry-After is whole seconds.
        double secs = 0;
        if (const json::value* r = obj ? obj->if_contains("retry_after") : nullptr; r && r->is_number())
            secs = r->to_number<double>();
        if (secs <= 0)
            if (auto h = res.find(http::field::retry_after); h != res.end()) secs = std::atof(std::string(h->value()).c_str());
        if (std::isfinite(secs) && secs > 0 && secs < 86'400)
            out.retry_after = std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(secs * 1000)));
    }
    out.error = std::move(what);
}

/// One request: resolve, connect, (TLS), write, read, each step a callback. (Not a C++20
/// coroutine: clang 14 fails to compile coroutines under the fuzz build's sanitizer
/// coverage, "Cannot represent a difference across sections", and embedders may use it.)
struct fetch_op : std::enable_shared_from_this<fetch_op> {
    fetch_op(asio::io_context& io_, gateway_bot_request r, detail::net_endpoint w,
             std::function<void(gateway_bot_result)> d)
        : io(io_), req(std::move(r)), where(std::move(w)), done(std::move(d)), resolver(io_), deadline(io_) {
        parser.body_limit(1 << 20); // the real body is ~150 bytes
    }

    asio::io_context& io;
    gateway_bot_request req;
    detail::net_endpoint where;
    std::function<void(gateway_bot_result)> done;
    tcp::resolver resolver;
    asio::steady_timer deadline;
    std::unique_ptr<asio::ssl::context> own_tls;
    std::optional<beast::tcp_stream> plain;
    std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
    http::request<http::empty_body> request_msg;
    beast::flat_buffer buf;
    http::response_parser<http::string_body> parser;
    const char* step = "resolve";
    bool timed_out = false;
    bool finished = false;

    void start() {
        deadline.expires_after(req.timeout);
        deadline.async_wait([w = weak_from_this()](boost::system::error_code ec) {
            if (ec) return;
            if (auto self = w.lock()) self->abort();
        });
        resolver.async_resolve(where.host, where.port,
                               [self = shared_from_this()](boost::system::error_code ec, tcp::resolver::results_type r) {
                                   if (self->failed(ec)) return;
                                   self->connect(r);
                               });
    }

    void abort() {
        timed_out = true;
        resolver.cancel();
        if (plain) plain->close();
        if (secure) beast::get_lowest_layer(*secure).close();
    }

    /// True (and the result delivered) when the step failed or time ran out; a step that
    /// completed just as the deadline passed must not start the next one.
    bool failed(boost::system::error_code ec) {
        if (finished) return true;
        if (!ec && !timed_out) return false;
        gateway_bot_result out;
        out.error = timed_out ? "GET /gateway/bot: timed out after " + std::to_string(req.timeout.count()) +
                                    " ms (during " + step + ")"
                              : "GET /gateway/bot: " + std::string(step) + " failed: " + ec.message();
        finish(std::move(out));
        return true;
    }

    void finish(gateway_bot_result out) {
        finished = true;
        deadline.cancel();
        auto cb = std::move(done);
        cb(std::move(out));
    }

    template <class F> void with_stream(F f) {
        if (secure) f(*secure);
        else f(*plain);
    }

    void connect(const tcp::resolver::results_type& endpoints) {
        step = "connect";
        auto on_connect = [self = shared_from_this()](boost::system::error_code ec, const tcp::endpoint&) {
            if (self->failed(ec)) return;
            if (self->secure) self->handshake();
            else self->send();
        };
        if (where.tls) {
            asio::ssl::context* ctx = req.tls;
            if (ctx == nullptr) ctx = (own_tls = detail::default_tls_context()).get();
            beast::get_lowest_layer(secure.emplace(io, *ctx)).async_connect(endpoints, on_connect);
        } else {
            plain.emplace(io).async_connect(endpoints, on_connect);
        }
    }

    void handshake() {
        step = "tls handshake";
        boost::system::error_code ec;
        if (!detail::prepare_tls(*secure, where.host, ec)) {
            failed(ec);
            return;
        }
        secure->async_handshake(asio::ssl::stream_base::client, [self = shared_from_this()](boost::system::error_code e) {
            if (self->failed(e)) return;
            self->send();
        });
    }

    void send() {
        step = "request";
        std::string target = where.target;
        if (target.back() != '/') target += '/';
        target += "gateway/bot";
        request_msg = http::request<http::empty_body>(http::verb::get, target, 11);
        request_msg.set(http::field::host, where.host_header);
        request_msg.set(http::field::authorization, "Bot " + req.token);
        request_msg.set(http::field::user_agent, req.user_agent);
        request_msg.set(http::field::accept, "application/json");
        with_stream([&](auto& s) {
            http::async_write(s, request_msg, [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                if (self->failed(ec)) return;
                self->receive();
            });
        });
    }

    void receive() {
        with_stream([&](auto& s) {
            http::async_read(s, buf, parser, [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                if (self->failed(ec)) return;
                gateway_bot_result out;
                interpret(self->parser.get(), out);
                self->finish(std::move(out));
            });
        });
    }
};

} // namespace

void fetch_gateway_bot(asio::io_context& io, gateway_bot_request request, std::function<void(gateway_bot_result)> done) {
    std::string why;
    auto where = detail::parse_net_url(request.api_base, why);
    if (where && where->scheme != "http" && where->scheme != "https") why = "not an http:// or https:// URL";
    if (!where || !why.empty()) {
        gateway_bot_result r;
        r.error = "GET /gateway/bot: \"" + request.api_base + "\": " + why;
        asio::post(io, [done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); });
        return;
    }
    std::make_shared<fetch_op>(io, std::move(request), std::move(*where), std::move(done))->start();
}

} // namespace dgw
