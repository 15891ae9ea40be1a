#include <dgw/redis.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/system/system_error.hpp>
#include <boost/url/parse.hpp>

#include <hiredis/hiredis.h>

#include <algorithm>
#include <charconv>
#include <array>
#include <deque>
#include <optional>

namespace dgw::redis {
namespace {

struct category_impl final : boost::system::error_category {
    const char* name() const noexcept override { return "dgw.redis"; }
    std::string message(int ev) const override {
        switch (static_cast<errc>(ev)) {
        case errc::unreachable: return "Redis is unreachable";
        case errc::connection_lost: return "the connection to Redis was lost before the reply";
        case errc::server_error: return "Redis answered with an error";
        case errc::protocol_error: return "Redis sent bytes that are not RESP";
        case errc::bad_url: return "not a redis:// URL";
        case errc::shut_down: return "the Redis connection was shut down";
        }
        return "unknown dgw.redis error";
    }
};

[[noreturn]] void bad_url(std::string_view url, std::string_view why) {
    throw boost::system::system_error(make_error_code(errc::bad_url),
                                      std::string(url) + ": " + std::string(why) +
                                          " (expected redis://[[user]:password@]host[:port][/db])");
}

reply convert(const redisReply* r) {
    reply out;
    switch (r->type) {
    case REDIS_REPLY_STRING: out.type = reply::kind::string; out.str.assign(r->str, r->len); break;
    case REDIS_REPLY_STATUS: out.type = reply::kind::status; out.str.assign(r->str, r->len); break;
    case REDIS_REPLY_ERROR: out.type = reply::kind::error; out.str.assign(r->str, r->len); break;
    case REDIS_REPLY_INTEGER: out.type = reply::kind::integer; out.integer = r->integer; break;
    case REDIS_REPLY_ARRAY:
        out.type = reply::kind::array;
        out.elements.reserve(r->elements);
        for (std::size_t i = 0; i < r->elements; ++i) out.elements.push_back(convert(r->element[i]));
        break;
    default: break; // REDIS_REPLY_NIL
    }
    return out;
}

/// A formatted command with its callback.
struct queued {
    std::string bytes;
    connection::callback cb;
};

} // namespace

const boost::system::error_category& category() noexcept {
    static const category_impl c;
    return c;
}

boost::system::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), category()}; }

std::string endpoint::display() const {
    return "redis://" + host + ":" + std::to_string(port) + (db ? "/" + std::to_string(db) : std::string());
}

endpoint parse_url(std::string_view url) {
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed) bad_url(url, parsed.error().message());
    const auto& u = *parsed;
    if (u.scheme() != "redis") bad_url(url, "the scheme is not redis");
    endpoint e;
    e.host = u.host_address();
    if (e.host.empty()) bad_url(url, "no host");
    if (u.has_port()) {
        // port_number() wraps a number beyond 16 bits; read the digits.
        const std::string_view p = u.port();
        unsigned n = 0;
        auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), n);
        if (ec != std::errc{} || end != p.data() + p.size() || n == 0 || n > 65535)
            bad_url(url, "the port is not a number from 1 to 65535");
        e.port = static_cast<std::uint16_t>(n);
    }
    if (u.has_userinfo()) {
        e.username = u.user();
        if (u.has_password()) e.password = u.password();
        else std::swap(e.username, e.password); // redis://secret@host: the lone part is a password
    }
    std::string_view path = u.encoded_path();
    if (!path.empty() && path != "/") {
        path.remove_prefix(1);
        auto [end, ec] = std::from_chars(path.data(), path.data() + path.size(), e.db);
        if (ec != std::errc{} || end != path.data() + path.size()) bad_url(url, "the path is not a database number");
    }
    if (!u.encoded_query().empty() || u.has_fragment()) bad_url(url, "query and fragment are not supported");
    return e;
}

struct connection::impl : std::enable_shared_from_this<impl> {
    enum class phase { idle, connecting, up, waiting, stopped };

    boost::asio::io_context& io;
    connection_options opt;
    boost::asio::ip::tcp::resolver resolver;
    boost::asio::ip::tcp::socket socket;
    boost::asio::steady_timer timer; // connect deadline, then the retry wait
    phase ph = phase::idle;
    std::uint64_t generation = 0; // bumps with each socket, so stale completions are ignored
    redisReader* reader = nullptr;
    std::deque<queued> before_up;            // commands given while connecting
    std::deque<connection::callback> inflight; // sent, awaiting replies, in order
    std::string out, writing;                // to write; being written
    bool write_busy = false;
    std::array<char, 16 * 1024> in{};
    std::chrono::milliseconds retry_wait{0};
    std::optional<std::chrono::steady_clock::time_point> down_since; // in an outage since
    connection_stats st;

    impl(boost::asio::io_context& io_, connection_options o)
        : io(io_), opt(std::move(o)), resolver(io_), socket(io_), timer(io_), retry_wait(opt.retry_initial) {}
    ~impl() {
        if (reader) redisReaderFree(reader);
    }

    void log(log_level l, std::string line) const {
        if (opt.log) opt.log(l, line);
    }

    static std::string format(const std::vector<std::string>& args) {
        std::vector<const char*> argv;
        std::vector<std::size_t> lens;
        argv.reserve(args.size());
        lens.reserve(args.size());
        for (const auto& a : args) {
            argv.push_back(a.data());
            lens.push_back(a.size());
        }
        char* cmd = nullptr;
        const int n = redisFormatCommandArgv(&cmd, static_cast<int>(args.size()), argv.data(), lens.data());
        if (n < 0) throw std::bad_alloc();
        std::string s(cmd, static_cast<std::size_t>(n));
        redisFreeCommand(cmd);
        return s;
    }

    /// Runs `cb` with `ec` later on the io_context: a callback never runs inside the call
    /// that queued it, so callers need not guard against re-entry.
    void fail_later(callback cb, errc e) {
        ++st.failed;
        boost::asio::post(io, [cb = std::move(cb), e] { cb(make_error_code(e), reply{}); });
    }

    void connect() {
        ph = phase::connecting;
        const std::uint64_t gen = ++generation;
        if (reader) redisReaderFree(reader);
        reader = redisReaderCreate();
        out.clear();
        timer.expires_after(opt.connect_timeout);
        timer.async_wait([w = weak_from_this(), gen](boost::system::error_code ec) {
            auto self = w.lock();
            if (ec || !self || self->generation != gen || self->ph != phase::connecting) return;
            self->failed("no connection within " + std::to_string(self->opt.connect_timeout.count()) + " ms");
        });
        resolver.async_resolve(
            opt.where.host, std::to_string(opt.where.port),
            [w = weak_from_this(), gen](boost::system::error_code ec, boost::asio::ip::tcp::resolver::results_type rs) {
                auto self = w.lock();
                if (!self || self->generation != gen || self->ph != phase::connecting) return;
                if (ec) return self->failed("cannot resolve " + self->opt.where.host + ": " + ec.message());
                boost::asio::async_connect(self->socket, rs,
                                           [w, gen](boost::system::error_code ec2, const boost::asio::ip::tcp::endpoint&) {
                                               auto s = w.lock();
                                               if (!s || s->generation != gen || s->ph != phase::connecting) return;
                                               if (ec2) return s->failed(ec2.message());
                                               s->handshake(gen);
                                           });
            });
    }

    /// AUTH and SELECT go first, through the normal pipeline; the phase becomes `up` with
    /// the last of their replies, and the commands queued meanwhile follow.
    void handshake(std::uint64_t gen) {
        boost::system::error_code ignored;
        socket.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
        read(gen);
        std::vector<std::vector<std::string>> hello;
        if (!opt.where.password.empty()) {
            if (opt.where.username.empty()) hello.push_back({"AUTH", opt.where.password});
            else hello.push_back({"AUTH", opt.where.username, opt.where.password});
        }
        if (opt.where.db != 0) hello.push_back({"SELECT", std::to_string(opt.where.db)});
        hello.push_back({"PING"}); // also proves the peer speaks RESP before we call it up
        for (std::size_t i = 0; i < hello.size(); ++i) {
            const bool last = i + 1 == hello.size();
            send(format(hello[i]), [w = weak_from_this(), gen, last, what = hello[i][0]](boost::system::error_code ec, reply r) {
                auto self = w.lock();
                if (!self || self->generation != gen || self->ph != phase::connecting) return;
                if (ec == errc::server_error) return self->failed(what + " refused: " + r.str);
                if (ec) return; // the connection failed; failed() already ran
                if (last) self->came_up();
            });
        }
    }

    void came_up() {
        timer.cancel();
        ph = phase::up;
        ++st.connects;
        st.up = true;
        retry_wait = opt.retry_initial;
        if (down_since) {
            const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - *down_since);
            log(log_level::info, "redis: reconnected to " + opt.where.display() + " after " + std::to_string(ms.count()) + " ms");
            down_since.reset();
        } else {
            log(log_level::info, "redis: connected to " + opt.where.display());
        }
        while (!before_up.empty()) {
            send(std::move(before_up.front().bytes), std::move(before_up.front().cb));
            before_up.pop_front();
        }
    }

    /// The attempt or the connection failed: everything without a reply fails, and a new
    /// attempt is scheduled.
    void failed(const std::string& why) {
        if (ph == phase::stopped || ph == phase::waiting) return;
        const bool was_up = ph == phase::up;
        ++generation;
        boost::system::error_code ignored;
        socket.close(ignored);
        resolver.cancel();
        timer.cancel();
        st.up = false;
        if (!was_up) ++st.connect_failures;
        st.last_error = why;
        for (auto& cb : inflight) fail_later(std::move(cb), was_up ? errc::connection_lost : errc::unreachable);
        inflight.clear();
        for (auto& q : before_up) fail_later(std::move(q.cb), errc::unreachable);
        before_up.clear();
        out.clear();
        write_busy = false;
        if (!down_since) {
            down_since = std::chrono::steady_clock::now();
            log(log_level::error, "redis: " + opt.where.display() + (was_up ? " connection lost: " : " unreachable: ") + why +
                                      "; retrying every " + std::to_string(opt.retry_initial.count()) + "-" +
                                      std::to_string(opt.retry_max.count()) + " ms until it answers");
        }
        ph = phase::waiting;
        timer.expires_after(retry_wait);
        retry_wait = std::min(retry_wait * 2, opt.retry_max);
        timer.async_wait([w = weak_from_this()](boost::system::error_code ec) {
            auto self = w.lock();
            if (ec || !self || self->ph != phase::waiting) return;
            self->connect();
        });
    }

    void send(std::string bytes, callback cb) {
        ++st.commands;
        out += bytes;
        inflight.push_back(std::move(cb));
        flush();
    }

    void flush() {
        if (write_busy || out.empty()) return;
        write_busy = true;
        writing.swap(out);
        out.clear();
        boost::asio::async_write(socket, boost::asio::buffer(writing),
                                 [w = weak_from_this(), gen = generation](boost::system::error_code ec, std::size_t) {
                                     auto self = w.lock();
                                     if (!self || self->generation != gen) return;
                                     self->write_busy = false;
                                     if (ec) return self->failed("write: " + ec.message());
                                     self->writing.clear();
                                     self->flush();
                                 });
    }

    void read(std::uint64_t gen) {
        socket.async_read_some(boost::asio::buffer(in), [w = weak_from_this(), gen](boost::system::error_code ec, std::size_t n) {
            auto self = w.lock();
            if (!self || self->generation != gen) return;
            if (ec) return self->failed(ec == boost::asio::error::eof ? "closed by the server" : "read: " + ec.message());
            if (redisReaderFeed(self->reader, self->in.data(), n) != REDIS_OK) return self->protocol_failure();
            for (;;) {
                void* raw = nullptr;
                if (redisReaderGetReply(self->reader, &raw) != REDIS_OK) return self->protocol_failure();
                if (!raw) break;
                auto* rr = static_cast<redisReply*>(raw);
                reply r = convert(rr);
                freeReplyObject(rr);
                if (self->inflight.empty()) return self->failed("a reply nobody asked for");
                callback cb = std::move(self->inflight.front());
                self->inflight.pop_front();
                ++self->st.replies;
                const bool err = r.type == reply::kind::error;
                cb(err ? make_error_code(errc::server_error) : boost::system::error_code{}, std::move(r));
                // The callback may have shut the connection down or lost it.
                if (self->generation != gen) return;
            }
            self->read(gen);
        });
    }

    void protocol_failure() {
        std::string why = "protocol error";
        if (reader && reader->errstr[0]) why += std::string(": ") + reader->errstr;
        failed(why);
    }

    void shutdown() {
        if (ph == phase::stopped) return;
        ph = phase::stopped;
        ++generation;
        st.up = false;
        boost::system::error_code ignored;
        socket.close(ignored);
        resolver.cancel();
        timer.cancel();
        for (auto& cb : inflight) fail_later(std::move(cb), errc::shut_down);
        inflight.clear();
        for (auto& q : before_up) fail_later(std::move(q.cb), errc::shut_down);
        before_up.clear();
    }
};

connection::connection(boost::asio::io_context& io, connection_options options)
    : impl_(std::make_shared<impl>(io, std::move(options))) {}

connection::~connection() {
    // Callbacks may point into their owners, which are being destroyed too: drop them.
    impl_->inflight.clear();
    impl_->before_up.clear();
    impl_->shutdown();
}

void connection::start() {
    if (impl_->ph == impl::phase::idle) impl_->connect();
}

void connection::shutdown() { impl_->shutdown(); }

void connection::command(std::vector<std::string> args, callback cb) {
    switch (impl_->ph) {
    case impl::phase::up: impl_->send(impl::format(args), std::move(cb)); return;
    case impl::phase::connecting: impl_->before_up.push_back({impl::format(args), std::move(cb)}); return;
    case impl::phase::stopped: impl_->fail_later(std::move(cb), errc::shut_down); return;
    default: impl_->fail_later(std::move(cb), errc::unreachable); return;
    }
}

bool connection::connected() const noexcept { return impl_->ph == impl::phase::up; }
const connection_stats& connection::stats() const noexcept { return impl_->st; }
const endpoint& connection::where() const noexcept { return impl_->opt.where; }

} // namespace dgw::redis
