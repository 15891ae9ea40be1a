// The public shard, forwarding to its implementation; and the shard as a whole: its
// construction, start and phase. Nothing here touches the socket, so Beast stays out.

#include <dgw/detail/shard_impl.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include <iterator>
#include <type_traits>
#include <utility>
#include <variant>

namespace dgw {

shard::impl::impl(boost::asio::io_context& io_, shard_options o, event_handlers& h)
    : io(io_), opt(std::move(o)), handlers(h), timer(io_), reconnect_timer(io_) {
    if (opt.client.compression != transport_compression::none) {
        compress::limits lim;
        lim.max_message_size = opt.max_message_bytes;
        dec = compress::make_decompressor(opt.client.compression == transport_compression::zlib_stream
                                              ? compress::transport::zlib_stream
                                              : compress::transport::zstd_stream,
                                          lim);
    }
}

shard::impl::~impl() = default;

void shard::impl::log(log_level level, const std::string& line) const {
    if (opt.client.log) opt.client.log(level, "shard " + std::to_string(opt.client.identify.shard_id) + ": " + line);
}

void shard::impl::start() {
    if (started || dead) return;
    started = true;
    // Both validate the configuration (and throw on a rule it breaks).
    if (opt.resume) cl.emplace(opt.client, *opt.resume);
    else cl.emplace(opt.client);
    if (opt.resume) ++stats.resumes; // a connection opened to resume, as a reconnect's
    connect(cl->url());
}

shard_phase shard::impl::phase() const noexcept {
    if (stopped) return shard_phase::stopped;
    if (!started) return shard_phase::idle;
    if (backing_off) return shard_phase::backing_off;
    if (auto step = connect_step()) return *step;
    if (!cl) return shard_phase::idle;
    return std::visit(
        [](const auto& s) {
            using S = std::decay_t<decltype(s)>;
            if constexpr (std::is_same_v<S, state::awaiting_hello>) return shard_phase::awaiting_hello;
            else if constexpr (std::is_same_v<S, state::identifying>)
                return s.identify_sent ? shard_phase::identifying : shard_phase::awaiting_identify_permit;
            else if constexpr (std::is_same_v<S, state::resuming>) return shard_phase::resuming;
            else if constexpr (std::is_same_v<S, state::connected>) return shard_phase::connected;
            else return shard_phase::backing_off; // closed: the reconnect is being set up
        },
        cl->state());
}

const char* to_string(shard_phase p) noexcept {
    constexpr const char* names[] = {"idle", "resolving", "connecting", "tls_handshake", "websocket_handshake",
                                     "awaiting_hello", "awaiting_identify_permit", "identifying", "resuming",
                                     "connected", "backing_off", "stopped"}; // in declaration order
    static_assert(std::size(names) == static_cast<std::size_t>(shard_phase::stopped) + 1);
    const auto i = static_cast<std::size_t>(p);
    return i < std::size(names) ? names[i] : "?";
}

shard::shard(boost::asio::io_context& io, shard_options options, event_handlers& handlers)
    : impl_(std::make_shared<impl>(io, std::move(options), handlers)) {}

shard::~shard() {
    if (impl_) impl_->abandon();
}

void shard::start() { impl_->start(); }
void shard::shutdown() { impl_->shutdown(); }

void shard::send(command cmd) {
    const Opcode op = cmd.op;
    impl_->send_through(op, [&](client& c) { return c.send(std::move(cmd), impl::now()); });
}

void shard::submit(encoded_command cmd) {
    const Opcode op = cmd.op;
    impl_->send_through(op, [&](client& c) {
        cmd.now = impl::now();
        return c.step(std::move(cmd));
    });
}

Encoding shard::encoding() const noexcept { return impl_->opt.client.encoding; }

void shard::on_stop(std::function<void(const stop&)> cb) { impl_->stop_cb = std::move(cb); }
void shard::on_command_refused(std::function<void(const command_refused&)> cb) { impl_->refused_cb = std::move(cb); }
bool shard::running() const noexcept { return impl_->started && !impl_->stopped; }
shard_phase shard::phase() const noexcept { return impl_->phase(); }
const client* shard::current_client() const noexcept { return impl_->cl ? &*impl_->cl : nullptr; }
const shard_stats& shard::stats() const noexcept { return impl_->stats; }

} // namespace dgw
