#include <dgw/metrics.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/system/system_error.hpp>

#include <charconv>

namespace dgw {
namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

struct writer {
    std::string& out;
    std::string_view extra; // labels of every sample

    void help(std::string_view name, std::string_view type, std::string_view text) {
        out.append("# HELP ").append(name).append(" ").append(text).append("\n# TYPE ").append(name).append(" ");
        out.append(type).append("\n");
    }
    void sample(std::string_view name, std::string_view labels, double v) {
        out.append(name);
        if (!labels.empty() || !extra.empty()) {
            out += '{';
            out.append(labels);
            if (!labels.empty() && !extra.empty()) out += ',';
            out.append(extra);
            out += '}';
        }
        out += ' ';
        char buf[32];
        auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
        out.append(buf, ec == std::errc{} ? end : buf);
        out += '\n';
    }
};

std::string shard_label(std::uint32_t id) { return "shard=\"" + std::to_string(id) + "\""; }

} // namespace

std::string prometheus_text(const cluster_snapshot& s, std::string_view labels) {
    std::string out;
    writer w{out, labels};
    w.help("dgw_shard_state", "gauge", "1 for the phase the shard is in (label phase)");
    for (const auto& sh : s.shards)
        w.sample("dgw_shard_state", shard_label(sh.id) + ",phase=\"" + to_string(sh.phase) + "\"", 1);
    w.help("dgw_shard_latency_seconds", "gauge", "Last heartbeat round trip");
    for (const auto& sh : s.shards)
        if (sh.latency) w.sample("dgw_shard_latency_seconds", shard_label(sh.id), static_cast<double>(sh.latency->count()) / 1000.0);
    struct counter {
        const char* name;
        const char* text;
        std::uint64_t shard_snapshot::*field;
    };
    const counter counters[] = {
        {"dgw_shard_dispatches_total", "Dispatches received", &shard_snapshot::dispatches},
        {"dgw_shard_connects_total", "Connection attempts", &shard_snapshot::connects},
        {"dgw_shard_resumes_total", "Connections opened to resume", &shard_snapshot::resumes},
        {"dgw_shard_identifies_total", "Identify payloads sent", &shard_snapshot::identifies},
        {"dgw_shard_reconnects_total", "Connections after the first", &shard_snapshot::reconnects},
    };
    for (const auto& c : counters) {
        w.help(c.name, "counter", c.text);
        for (const auto& sh : s.shards) w.sample(c.name, shard_label(sh.id), static_cast<double>(sh.*c.field));
    }
    w.help("dgw_shard_resumed_from_store", "gauge", "1 when the shard's first connection resumed a stored session");
    for (const auto& sh : s.shards) w.sample("dgw_shard_resumed_from_store", shard_label(sh.id), sh.resumed_from_store);
    struct process_sample {
        const char* name;
        const char* type;
        const char* text;
        double value;
    };
    const process_sample process[] = {
        {"dgw_redis_up", "gauge", "1 while the Redis connection is up", s.redis_up ? 1.0 : 0.0},
        {"dgw_redis_connects_total", "counter", "Redis connections established", double(s.redis_connects)},
        {"dgw_redis_connect_failures_total", "counter", "Redis connection attempts that failed", double(s.redis_failures)},
        {"dgw_identify_waiting", "gauge", "Identify requests of this process waiting for their turn", double(s.identify_waiting)},
        {"dgw_identify_grants_total", "counter", "Identifies granted to this process", double(s.identify_grants)},
        {"dgw_published_total", "counter", "Events written to Redis Streams", double(s.published)},
        {"dgw_publish_dropped_total", "counter", "Events dropped because Redis stayed unreachable", double(s.publish_dropped)},
        {"dgw_publish_buffered", "gauge", "Events waiting for the next write", double(s.publish_buffered)},
        {"dgw_session_writes_total", "counter", "Session entries written to Redis", double(s.sessions_written)},
    };
    for (const auto& p : process) {
        w.help(p.name, p.type, p.text);
        w.sample(p.name, "", p.value);
    }
    // Unknown until this process has been granted an identify: no sample rather than a made-up one.
    if (s.identify_budget) {
        w.help("dgw_identify_budget_remaining", "gauge", "The bot's shared daily identify budget after the last grant");
        w.sample("dgw_identify_budget_remaining", "", static_cast<double>(*s.identify_budget));
    }
    return out;
}

struct metrics_server::impl : std::enable_shared_from_this<impl> {
    tcp::acceptor acceptor;
    std::function<std::string()> render;

    impl(boost::asio::io_context& io, std::function<std::string()> r) : acceptor(io), render(std::move(r)) {}

    void accept() {
        acceptor.async_accept([w = weak_from_this()](boost::system::error_code ec, tcp::socket sock) {
            auto self = w.lock();
            if (!self || !self->acceptor.is_open()) return;
            if (!ec) self->serve(std::move(sock));
            self->accept();
        });
    }

    struct exchange {
        beast::tcp_stream stream;
        beast::flat_buffer buf;
        http::request<http::string_body> req;
        http::response<http::string_body> res;
        explicit exchange(tcp::socket s) : stream(std::move(s)) {}
    };

    void serve(tcp::socket sock) {
        auto ex = std::make_shared<exchange>(std::move(sock));
        ex->stream.expires_after(std::chrono::seconds(10));
        http::async_read(ex->stream, ex->buf, ex->req, [w = weak_from_this(), ex](boost::system::error_code ec, std::size_t) {
            auto self = w.lock();
            if (ec || !self) return;
            const bool ok = ex->req.method() == http::verb::get && ex->req.target() == "/metrics";
            ex->res.version(ex->req.version());
            ex->res.keep_alive(false);
            ex->res.result(ok ? http::status::ok : http::status::not_found);
            ex->res.set(http::field::content_type, ok ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain");
            ex->res.body() = ok ? self->render() : "not found: GET /metrics\n";
            ex->res.prepare_payload();
            http::async_write(ex->stream, ex->res, [ex](boost::system::error_code, std::size_t) {
                boost::system::error_code ignored;
                ex->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
            });
        });
    }
};

metrics_server::metrics_server(boost::asio::io_context& io, std::string_view listen, std::function<std::string()> render)
    : impl_(std::make_shared<impl>(io, std::move(render))) {
    const std::size_t colon = listen.rfind(':');
    if (colon == std::string_view::npos)
        throw boost::system::system_error(make_error_code(boost::system::errc::invalid_argument),
                                          "metrics: '" + std::string(listen) + "' is not HOST:PORT");
    std::string host(listen.substr(0, colon));
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    unsigned port = 0;
    const std::string_view p = listen.substr(colon + 1);
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
    if (ec != std::errc{} || end != p.data() + p.size() || port > 65535)
        throw boost::system::system_error(make_error_code(boost::system::errc::invalid_argument),
                                          "metrics: '" + std::string(listen) + "' has no port number");
    const tcp::endpoint at(boost::asio::ip::make_address(host), static_cast<std::uint16_t>(port));
    auto& a = impl_->acceptor;
    a.open(at.protocol());
    a.set_option(tcp::acceptor::reuse_address(true));
    a.bind(at);
    a.listen();
    impl_->accept();
}

metrics_server::~metrics_server() { shutdown(); }

std::uint16_t metrics_server::port() const noexcept {
    boost::system::error_code ec;
    return impl_->acceptor.local_endpoint(ec).port();
}

void metrics_server::shutdown() {
    boost::system::error_code ignored;
    impl_->acceptor.close(ignored);
}

} // namespace dgw
