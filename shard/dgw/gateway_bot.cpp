#include <dgw/gateway_bot.hpp>

#include <dgw/codec/typed.hpp>
#include <dgw/detail/error_category.hpp>
#include <dgw/detail/net_url.hpp>
#include <dgw/shard_manager.hpp>
#include <dgw/detail/tls_client.hpp>
#include <dgw/types.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <cmath>
#include <cstdlib>
#include <iterator>
#include <memory>
#include <utility>

namespace dgw {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr const char* messages[] = {
    "Discord answered with an HTTP error status",                  // http_status
    "the response body is not a usable Get Gateway Bot response",  // bad_body
    "the API base is not an absolute http:// or https:// URL",     // bad_api_base
};
static_assert(std::size(messages) == static_cast<std::size_t>(gateway_bot_errc::bad_api_base));

/// The integer `v`, the field `name` of `obj`: present, and within [min, max] so the
/// narrower field of gateway_bot holds it. Nothing here has a default to fall back on.
template <class T>
bool in_range(const T& obj, const char* name, std::int64_t v, const char* path, std::int64_t min, std::int64_t max,
              decode_error& err) {
    if (missing(obj, name)) return err.fail(codec_errc::missing_field, 0, path);
    if (v >= min && v <= max) return true;
    return err.fail(codec_errc::number_out_of_range, 0, path,
                    std::to_string(v) + " is not in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
}

} // namespace

const boost::system::error_category& gateway_bot_category() noexcept {
    static constexpr detail::table_category c{"dgw.gateway_bot", messages};
    return c;
}

bool parse_gateway_bot(std::string_view body, gateway_bot& out, decode_error& err) {
    types::GatewayBot g;
    if (!decode_json(body, g, err)) return false;
    const types::SessionStartLimit& l = g.session_start_limit;
    constexpr std::int64_t u32 = UINT32_MAX;
    // A day is 86.4M ms; anything up to a year is taken as given.
    constexpr std::int64_t year_ms = std::int64_t{366} * 86'400'000;
    // 0 shards or 0 max_concurrency would leave the manager nothing to run or the identify
    // queue nothing to grant.
    if (missing(g, "url")) return err.fail(codec_errc::missing_field, 0, "$.url");
    if (g.url.empty()) return err.fail(codec_errc::missing_field, 0, "$.url", "an empty string");
    if (!in_range(g, "shards", g.shards, "$.shards", 1, u32, err)) return false;
    if (missing(g, "session_start_limit")) return err.fail(codec_errc::missing_field, 0, "$.session_start_limit");
    if (!in_range(l, "total", l.total, "$.session_start_limit.total", 0, u32, err) ||
        !in_range(l, "remaining", l.remaining, "$.session_start_limit.remaining", 0, u32, err) ||
        !in_range(l, "reset_after", l.reset_after, "$.session_start_limit.reset_after", 0, year_ms, err) ||
        !in_range(l, "max_concurrency", l.max_concurrency, "$.session_start_limit.max_concurrency", 1, u32, err))
        return false;
    out.url = std::move(g.url);
    out.shards = static_cast<std::uint32_t>(g.shards);
    out.limit.total = static_cast<std::uint32_t>(l.total);
    out.limit.remaining = static_cast<std::uint32_t>(l.remaining);
    out.limit.reset_after = std::chrono::milliseconds(l.reset_after);
    out.limit.max_concurrency = static_cast<std::uint32_t>(l.max_concurrency);
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
        if (parse_gateway_bot(res.body(), g, out.body_error)) out.info = std::move(g);
        else out.ec = gateway_bot_errc::bad_body;
        return;
    }
    out.ec = gateway_bot_errc::http_status;
    // Discord's error bodies are {"message": "...", "code": N}; 429 adds retry_after. A
    // proxy's error page is not JSON: the status alone then says what happened.
    types::ApiError body;
    decode_error ignored;
    if (!decode_json(res.body(), body, ignored)) body = types::ApiError{};
    if (body.message) out.detail = std::move(*body.message);
    if (res.result() == http::status::too_many_requests) {
        // retry_after in the body is in seconds, with a fraction; Retry-After is whole seconds.
        double secs = body.retry_after.value_or(0);
        if (secs <= 0)
            if (auto h = res.find(http::field::retry_after); h != res.end()) secs = std::atof(std::string(h->value()).c_str());
        if (std::isfinite(secs) && secs > 0 && secs < 86'400)
            out.retry_after = std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(secs * 1000)));
    }
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
        // The deadline closes the socket, so the step sees operation_aborted; the caller
        // wants the cause, and Beast's own stream deadlines report it with this code.
        out.ec = timed_out ? make_error_code(beast::error::timeout) : ec;
        out.step = step;
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

std::string gateway_bot_result::message() const {
    std::string m = "GET /gateway/bot: ";
    if (!ec) return m + "ok";
    if (ec == gateway_bot_errc::http_status) {
        m += "HTTP " + std::to_string(status);
        if (!detail.empty()) m += " (" + detail + ")";
        if (status == 401) m += ": Discord refused the token";
        if (retry_after.count() > 0) m += ": retry after " + std::to_string(retry_after.count()) + " ms";
        return m;
    }
    if (!step.empty()) m += std::string(step) + ": ";
    m += ec.message();
    if (ec == gateway_bot_errc::bad_body) m += ": " + body_error.message();
    else if (!detail.empty()) m += ": " + detail;
    return m;
}

void fetch_gateway_bot(asio::io_context& io, gateway_bot_request request, std::function<void(gateway_bot_result)> done) {
    std::string why;
    auto where = detail::parse_net_url(request.api_base, why);
    if (where && where->scheme != "http" && where->scheme != "https") why = "scheme " + where->scheme;
    if (!where || !why.empty()) {
        gateway_bot_result r;
        r.ec = gateway_bot_errc::bad_api_base;
        r.detail = "\"" + request.api_base + "\": " + why;
        asio::post(io, [done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); });
        return;
    }
    std::make_shared<fetch_op>(io, std::move(request), std::move(*where), std::move(done))->start();
}

} // namespace dgw
