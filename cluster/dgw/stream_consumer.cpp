#include <dgw/stream_consumer.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace dgw {

struct stream_consumer::impl : std::enable_shared_from_this<impl> {
    boost::asio::io_context& io;
    redis::connection& redis;
    stream_consumer_options opt;
    handler on_entry;
    boost::asio::steady_timer retry_timer;
    bool stopped = false;
    bool backlog = true; // reading this consumer's pending entries before new ones (>)
    std::vector<std::string> cursor; // per stream: the last pending id seen in the backlog pass
    std::size_t groups_left = 0;
    std::uint64_t received = 0, acked = 0;
    bool error_logged = false;

    impl(boost::asio::io_context& io_, redis::connection& r, stream_consumer_options o, handler h)
        : io(io_), redis(r), opt(std::move(o)), on_entry(std::move(h)), retry_timer(io_) {}

    void log(log_level l, const std::string& line) {
        if (opt.log) opt.log(l, line);
    }

    void create_groups() {
        if (stopped) return;
        groups_left = opt.streams.size();
        for (const auto& s : opt.streams) {
            redis.command({"XGROUP", "CREATE", s, opt.group, "0", "MKSTREAM"},
                          [w = weak_from_this()](boost::system::error_code ec, redis::reply r) {
                              auto self = w.lock();
                              if (!self || self->stopped) return;
                              // BUSYGROUP: it exists already, which is what we want.
                              if (ec && !(ec == redis::errc::server_error && r.str.rfind("BUSYGROUP", 0) == 0))
                                  return self->failed("XGROUP CREATE: " + (r.str.empty() ? ec.message() : r.str), true);
                              if (--self->groups_left == 0) self->read();
                          });
        }
    }

    void failed(const std::string& why, bool regroup) {
        if (!error_logged) log(log_level::error, "stream consumer: " + why + "; retrying");
        error_logged = true;
        retry_timer.expires_after(opt.retry);
        retry_timer.async_wait([w = weak_from_this(), regroup](boost::system::error_code ec) {
            auto self = w.lock();
            if (ec || !self || self->stopped) return;
            if (regroup) self->create_groups();
            else self->read();
        });
    }

    void read() {
        if (stopped) return;
        std::vector<std::string> args{"XREADGROUP", "GROUP", opt.group, opt.name, "COUNT", std::to_string(opt.count)};
        if (!backlog) {
            args.push_back("BLOCK");
            args.push_back(std::to_string(opt.block.count()));
        }
        args.push_back("STREAMS");
        for (const auto& s : opt.streams) args.push_back(s);
        cursor.resize(opt.streams.size(), "0");
        for (std::size_t i = 0; i < opt.streams.size(); ++i) args.push_back(backlog ? cursor[i] : ">");
        redis.command(std::move(args), [w = weak_from_this()](boost::system::error_code ec, redis::reply r) {
            auto self = w.lock();
            if (!self || self->stopped) return;
            if (ec) {
                // The streams were deleted (or Redis restarted empty): create them again. A read
                // blocked at that moment hears UNBLOCKED, the next one NOGROUP.
                const bool gone = ec == redis::errc::server_error &&
                                  (r.str.rfind("NOGROUP", 0) == 0 || r.str.rfind("UNBLOCKED", 0) == 0);
                return self->failed("XREADGROUP: " + (r.str.empty() ? ec.message() : r.str), gone || ec != redis::errc::server_error);
            }
            self->error_logged = false;
            self->deliver(r);
        });
    }

    /// Reply: [[stream, [[id, [field, value, ...]], ...]], ...] or nil after BLOCK.
    void deliver(const redis::reply& r) {
        std::size_t n = 0;
        for (const auto& s : r.elements) {
            if (s.elements.size() != 2) continue;
            const std::string& stream = s.elements[0].str;
            for (const auto& e : s.elements[1].elements) {
                if (e.elements.size() != 2) continue;
                stream_entry entry{stream, e.elements[0].str, {}};
                // A pending entry whose data was trimmed away (MAXLEN) comes back as nil fields.
                const auto& fields = e.elements[1].elements;
                for (std::size_t i = 0; i + 1 < fields.size(); i += 2)
                    if (fields[i].str == "data") entry.data = fields[i + 1].str;
                ++n;
                ++received;
                if (backlog)
                    for (std::size_t i = 0; i < opt.streams.size(); ++i)
                        if (opt.streams[i] == stream) cursor[i] = entry.id;
                auto ack = [w = weak_from_this(), stream, id = entry.id] {
                    auto self = w.lock();
                    if (!self) return;
                    self->redis.command({"XACK", stream, self->opt.group, id},
                                        [w](boost::system::error_code ec, redis::reply) {
                                            if (auto s2 = w.lock(); s2 && !ec) ++s2->acked;
                                        });
                };
                on_entry(entry, std::move(ack));
                if (stopped) return;
            }
        }
        if (backlog && n == 0) backlog = false; // the pending entries are all seen
        read();
    }
};

stream_consumer::stream_consumer(boost::asio::io_context& io, redis::connection& redis, stream_consumer_options options,
                                 handler on_entry)
    : impl_(std::make_shared<impl>(io, redis, std::move(options), std::move(on_entry))) {}

stream_consumer::~stream_consumer() { shutdown(); }

void stream_consumer::start() { impl_->create_groups(); }

void stream_consumer::shutdown() {
    impl_->stopped = true;
    impl_->retry_timer.cancel();
}

std::uint64_t stream_consumer::received() const noexcept { return impl_->received; }
std::uint64_t stream_consumer::acked() const noexcept { return impl_->acked; }

} // namespace dgw
