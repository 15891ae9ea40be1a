// Listening, HTTP (GET /api/v10/gateway/bot), sessions and faults of `dgw gateway serve`
// (server.hpp); one websocket connection's protocol is in connection.cpp.
#include "server.hpp"

#include "server_state.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/json/serialize.hpp>

#include <random>
#include <stdexcept>

namespace dgw::tool::serve {

namespace asio = boost::asio;
namespace json = boost::json;
namespace http = boost::beast::http;
using asio::awaitable;
using tcp = asio::ip::tcp;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

namespace {

std::pair<std::string, std::uint16_t> split_listen(const std::string& listen) {
    const std::size_t colon = listen.rfind(':');
    if (colon == std::string::npos) throw std::runtime_error("--listen wants HOST:PORT, got " + listen);
    std::string host = listen.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    const std::string port = listen.substr(colon + 1);
    char* end = nullptr;
    const unsigned long p = std::strtoul(port.c_str(), &end, 10);
    if (port.empty() || *end || p > 65535) throw std::runtime_error("--listen: bad port " + port);
    return {host, static_cast<std::uint16_t>(p)};
}

tcp::endpoint resolve(asio::io_context& io, const std::string& host, std::uint16_t port) {
    tcp::resolver r(io);
    auto results = r.resolve(host, std::to_string(port), tcp::resolver::passive | tcp::resolver::numeric_service);
    if (results.empty()) throw std::runtime_error("--listen: cannot resolve " + host);
    // localhost: IPv4 when there is one, as clients that connect to 127.0.0.1 expect.
    for (const auto& r : results)
        if (r.endpoint().address().is_v4()) return r.endpoint();
    return results.begin()->endpoint();
}

json::object discord_error(int status) {
    json::object o;
    o["message"] = status == 401   ? "401: Unauthorized"
                   : status == 404 ? "404: Not Found"
                   : status == 405 ? "405: Method Not Allowed"
                                   : "400: Bad Request";
    o["code"] = 0;
    return o;
}

http_response respond(const http_request& req, http::status st, const json::object& body) {
    http_response res(st, req.version());
    res.set(http::field::server, "dgw-gateway-serve");
    res.set(http::field::content_type, "application/json");
    res.keep_alive(req.keep_alive());
    res.body() = json::serialize(body);
    res.prepare_payload();
    return res;
}

} // namespace

server_state::server_state(asio::io_context& io_, options o, log_sink sink)
    : io(io_), opt(std::move(o)), log(std::move(sink)), acceptor(io_) {
    if (opt.shards < 1) throw std::runtime_error("--shards must be at least 1");
    if (opt.max_concurrency < 1) throw std::runtime_error("--max-concurrency must be at least 1");
    if (opt.token.empty()) throw std::runtime_error("no token: give --token or set DISCORD_TOKEN");
    if (!opt.events.empty()) feed = event_feed::load(opt.events, opt.shards);
    if (!opt.tls_cert.empty()) {
        tls.emplace(asio::ssl::context::tls_server);
        tls->use_certificate_chain_file(opt.tls_cert);
        tls->use_private_key_file(opt.tls_key, asio::ssl::context::pem);
    }
    auto [h, port] = split_listen(opt.listen);
    host = h;
    const tcp::endpoint ep = resolve(io, h, port);
    acceptor.open(ep.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(ep);
    acceptor.listen();
    session_start_remaining = opt.session_start_total;
    fault_fired.assign(opt.faults.size(), false);
    fault_count.assign(opt.faults.size(), 0);
}

std::uint16_t server_state::port() const { return acceptor.local_endpoint().port(); }

std::string server_state::url() const {
    std::string h = host;
    if (h == "0.0.0.0" || h.empty()) h = "127.0.0.1";
    else if (h == "::") h = "::1";
    if (h.find(':') != std::string::npos) h = "[" + h + "]";
    return std::string(tls ? "wss://" : "ws://") + h + ":" + std::to_string(port());
}

std::string server_state::new_session_id() {
    static std::mt19937_64 rng{std::random_device{}()};
    static constexpr char hex[] = "0123456789abcdef";
    for (;;) {
        std::string id;
        for (int i = 0; i < 32; ++i) id.push_back(hex[rng() & 15]);
        if (!sessions.contains(id)) return id;
    }
}

void server_state::end_session(session& s, std::string_view why) {
    if (s.ended) return;
    s.ended = true;
    json::object o;
    o["session"] = s.id;
    o["shard"] = s.shard;
    o["last_s"] = s.last_s();
    o["why"] = why;
    log.write("session_end", o);
}

json::object server_state::gateway_bot() const {
    json::object limit;
    limit["total"] = opt.session_start_total;
    limit["remaining"] = session_start_remaining;
    const auto up = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    limit["reset_after"] = std::max<std::int64_t>(0, 86'400'000 - up.count());
    limit["max_concurrency"] = opt.max_concurrency;
    json::object o;
    o["url"] = url();
    o["shards"] = opt.shards;
    o["session_start_limit"] = std::move(limit);
    return o;
}

void server_state::apply_fault(std::size_t i, connection& c) {
    const fault& f = opt.faults[i];
    json::object o;
    o["fault"] = f.text;
    o["action"] = to_string(f.kind);
    o["conn"] = c.id();
    if (c.sess()) o["session"] = c.sess()->id;
    if (f.kind == fault_kind::split && c.sess() && !c.split_next()) {
        o["skipped"] = "split needs zlib-stream";
        log.write("fault", o);
        return;
    }
    log.write("fault", o);
    switch (f.kind) {
    case fault_kind::reconnect: c.send_control(7, nullptr, "reconnect"); break;
    case fault_kind::invalid_session:
        if (!f.resumable && c.sess()) {
            end_session(*c.sess(), "fault: op9 false");
            c.detach();
        }
        c.send_control(9, f.resumable, "invalid_session");
        break;
    case fault_kind::heartbeat: c.send_control(1, nullptr, "heartbeat_request"); break;
    case fault_kind::close: c.close_with(f.code, f.reason, "fault"); break;
    case fault_kind::drop: c.drop("fault"); break;
    case fault_kind::zombie: c.zombie(); break;
    case fault_kind::delay: c.delay_next(f.delay); break;
    case fault_kind::split:
        if (!c.sess()) c.split_next();
        break;
    }
}

void server_state::fire_broadcast(std::size_t i) {
    const fault& f = opt.faults[i];
    std::vector<std::shared_ptr<connection>> targets;
    for (const auto& c : connections)
        if (c->alive() && (!f.shard || (c->sess() && c->sess()->shard == *f.shard))) targets.push_back(c);
    if (targets.empty()) {
        json::object o;
        o["fault"] = f.text;
        o["action"] = to_string(f.kind);
        o["skipped"] = "no connection";
        log.write("fault", o);
    }
    for (const auto& c : targets) apply_fault(i, *c);
}

void server_state::dispatch_written(connection& c) {
    ++new_dispatches;
    for (std::size_t i = 0; i < opt.faults.size(); ++i) {
        const fault& f = opt.faults[i];
        if (f.trigger != trigger_kind::after && f.trigger != trigger_kind::every) continue;
        if (f.shard && !(c.sess() && c.sess()->shard == *f.shard)) continue;
        const std::uint64_t n = ++fault_count[i];
        if (f.trigger == trigger_kind::after ? (!fault_fired[i] && n == f.count) : n % f.count == 0) {
            fault_fired[i] = true;
            apply_fault(i, c);
        }
    }
}

namespace {

http_response handle_http(server_state& st, const http_request& req) {
    const std::string_view target(req.target().data(), req.target().size());
    const std::string_view path = target.substr(0, target.find('?'));
    http_response res;
    if (req.method() != http::verb::get) {
        res = respond(req, http::status::method_not_allowed, discord_error(405));
    } else if (path == "/api/v10/gateway/bot") {
        const auto auth = req[http::field::authorization];
        if (std::string_view(auth.data(), auth.size()) != "Bot " + st.opt.token)
            res = respond(req, http::status::unauthorized, discord_error(401));
        else
            res = respond(req, http::status::ok, st.gateway_bot());
    } else if (path == "/api/v10/gateway") {
        json::object o;
        o["url"] = st.url();
        res = respond(req, http::status::ok, o);
    } else {
        res = respond(req, http::status::not_found, discord_error(404));
    }
    json::object o;
    o["method"] = std::string_view(req.method_string().data(), req.method_string().size());
    o["target"] = path;
    o["status"] = static_cast<int>(res.result_int());
    st.log.write("http", o);
    return res;
}

http_response bad_upgrade(server_state& st, const http_request& req, const std::string& why) {
    json::object o;
    o["target"] = std::string_view(req.target().data(), req.target().size());
    o["status"] = 400;
    o["why"] = why;
    st.log.write("http", o);
    json::object body = discord_error(400);
    body["why"] = why;
    http_response res = respond(req, http::status::bad_request, body);
    res.keep_alive(false);
    return res;
}

awaitable<void> serve_socket(std::shared_ptr<server_state> st, tcp::socket sock) {
    std::unique_ptr<transport> t =
        st->tls ? make_tls_transport(std::move(sock), *st->tls) : make_plain_transport(std::move(sock));
    if (co_await t->handshake()) co_return;
    for (;;) {
        http_request req;
        if (co_await t->read_request(req)) co_return;
        if (boost::beast::websocket::is_upgrade(req)) {
            std::string why;
            auto q = parse_gateway_query(std::string_view(req.target().data(), req.target().size()), why);
            if (!q) {
                http_response res = bad_upgrade(*st, req, why);
                co_await t->write_response(res);
                co_return;
            }
            auto c = std::make_shared<connection>(*st, std::move(t), st->next_conn++, *q);
            st->connections.insert(c);
            co_await c->run(std::move(req));
            st->connections.erase(c);
            co_return;
        }
        http_response res = handle_http(*st, req);
        if (co_await t->write_response(res) || !res.keep_alive()) co_return;
    }
}

awaitable<void> accept_loop(std::shared_ptr<server_state> st) {
    for (;;) {
        auto [ec, sock] = co_await st->acceptor.async_accept(tuple_awaitable);
        if (st->stopped) co_return;
        if (ec) continue;
        asio::co_spawn(st->io, serve_socket(st, std::move(sock)), asio::detached);
    }
}

} // namespace

server::server(asio::io_context& io, options opt, log_sink sink)
    : s_(std::make_shared<server_state>(io, std::move(opt), std::move(sink))) {}

server::~server() { stop(); }

void server::start() {
    json::object o;
    o["url"] = s_->url();
    o["events"] = s_->feed.size();
    o["shards"] = s_->opt.shards;
    o["tls"] = s_->tls.has_value();
    s_->log.write("listen", o);
    asio::co_spawn(s_->io, accept_loop(s_), asio::detached);
    for (std::size_t i = 0; i < s_->opt.faults.size(); ++i) {
        if (s_->opt.faults[i].trigger != trigger_kind::at) continue;
        auto t = std::make_unique<asio::steady_timer>(s_->io, s_->started + s_->opt.faults[i].at);
        t->async_wait([w = std::weak_ptr<server_state>(s_), i](boost::system::error_code ec) {
            if (auto st = w.lock(); st && !ec && !st->stopped) st->fire_broadcast(i);
        });
        s_->fault_timers.push_back(std::move(t));
    }
}

void server::stop() {
    if (s_->stopped) return;
    s_->stopped = true;
    boost::system::error_code ignored;
    s_->acceptor.close(ignored);
    for (auto& t : s_->fault_timers) t->cancel();
    const auto conns = s_->connections;
    for (const auto& c : conns) c->drop("server stopping");
}

std::uint16_t server::port() const { return s_->port(); }
std::string server::url() const { return s_->url(); }
std::uint64_t server::dispatches() const { return s_->new_dispatches; }

void server::raise(int signal) {
    json::object o;
    o["signal"] = signal;
    s_->log.write("signal", o);
    for (std::size_t i = 0; i < s_->opt.faults.size(); ++i)
        if (s_->opt.faults[i].trigger == trigger_kind::on && s_->opt.faults[i].signal == signal) s_->fire_broadcast(i);
}

} // namespace dgw::tool::serve
