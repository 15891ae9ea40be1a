// `dgw connect`: one shard (or a shard_manager) against a gateway, every dispatch printed
// as one line of JSON the way `dgw decode` prints it, until SIGINT/SIGTERM or a fatal close.
//
// The lines come from the very bytes the client decoded: the client's capture hook keeps
// each received message (decompressed) while the client handles it, and the raw handler of
// scope `all` prints the one being delivered. So a dispatch is printed when, and only when,
// the client delivers it, and `dgw decode` of a --capture prints the same lines.
#include "connect.hpp"

#include "capture_format.hpp"
#include "commands.hpp"
#include "diag.hpp"
#include "filter.hpp"
#include "output.hpp"

#ifdef DGW_TOOL_CLUSTER
#include <dgw/cluster_node.hpp>
#include <dgw/metrics.hpp>
#endif
#include <dgw/close_code.hpp>
#include <dgw/gateway.hpp>
#include <dgw/gateway_bot.hpp>
#include <dgw/intents.hpp>
#include <dgw/protocol_error.hpp>
#include <dgw/shard.hpp>
#include <dgw/shard_manager.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/system/system_error.hpp>

#include <cctype>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace dgw::tool {

namespace {

using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;

// ---- option parsing --------------------------------------------------------------------

// "250", "250ms", "2s" -> milliseconds.
ms parse_duration(std::string_view s, std::string_view what) {
    std::uint64_t n = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    const std::string_view unit(p, static_cast<std::size_t>(s.data() + s.size() - p));
    if (ec != std::errc{} || p == s.data() || !(unit.empty() || unit == "ms" || unit == "s"))
        throw std::invalid_argument(std::string(what) + ": '" + std::string(s) +
                                    "' is not a duration (250, 250ms or 2s)");
    return unit == "s" ? ms(n * 1000) : ms(n);
}

// "GUILDS,GUILD_MESSAGES", "513", "GUILDS,512".
Intents parse_intents(std::string_view list) {
    Intents out = Intents::None;
    for (std::size_t p = 0; p <= list.size();) {
        const std::size_t c = std::min(list.find(',', p), list.size());
        std::string name(list.substr(p, c - p));
        p = c + 1;
        while (!name.empty() && name.back() == ' ') name.pop_back();
        while (!name.empty() && name.front() == ' ') name.erase(0, 1);
        if (name.empty()) continue;
        std::uint64_t n = 0;
        const auto [e, ec] = std::from_chars(name.data(), name.data() + name.size(), n);
        if (ec == std::errc{} && e == name.data() + name.size()) {
            out |= Intents(n);
            continue;
        }
        for (char& ch : name) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        bool found = false;
        for (int i = 0; i < 64 && !found; ++i) {
            const Intents bit = Intents(std::uint64_t{1} << i);
            if (to_string(bit) == name) {
                out |= bit;
                found = true;
            }
        }
        if (!found)
            throw std::invalid_argument("--intents: '" + name +
                                        "' is neither an intent name (GUILDS, GUILD_MESSAGES) nor a number");
    }
    return out;
}

std::optional<log_level> parse_level(std::string_view s) {
    if (s == "debug") return log_level::debug;
    if (s == "info") return log_level::info;
    if (s == "warning") return log_level::warning;
    if (s == "error") return log_level::error;
    return std::nullopt; // "off"
}

std::int64_t unix_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// ---- the run -----------------------------------------------------------------------------

class connect_run {
public:
    connect_run(const connect_options& o, std::string token) : o_(o), token_(std::move(token)), d_(false) {}

    int run() {
        try {
            filter_ = event_filter::parse(o_.events);
        } catch (const std::invalid_argument& e) {
            d_.error(e.what());
            return exit_usage;
        }
        shard_options so;
        try {
            if (!configure(so)) return exit_usage;
        } catch (const std::invalid_argument& e) {
            d_.error(e.what());
            return exit_usage;
        }
        try {
            out_ = std::make_unique<out_file>("-");
            if (!o_.capture.empty()) open_capture(so);
        } catch (const std::runtime_error& e) {
            d_.error(e.what());
            return exit_usage;
        }

        signals_.async_wait([this](boost::system::error_code ec, int sig) { on_signal(ec, sig); });
        try {
            if (o_.url.empty()) fetch_then_start(std::move(so));
            else start(std::move(so), std::nullopt);
        } catch (const boost::system::system_error& e) { // invalid configuration
            d_.error(e.what());
            return exit_usage;
        }
        io_.run();
        return finish();
    }

private:
    // ---- setup ----
    bool configure(shard_options& so) {
        client_config& c = so.client;
        c.identify.token = token_;
        c.gateway_url = o_.url;
        c.encoding = o_.encoding == "etf" ? Encoding::Etf : Encoding::Json;
        c.compression = o_.compress == "zlib-stream"   ? transport_compression::zlib_stream
                        : o_.compress == "zstd-stream" ? transport_compression::zstd_stream
                                                       : transport_compression::none;
        if (!o_.intents.empty()) {
            c.identify.intents = parse_intents(o_.intents);
        } else if (const event_set* ev = filter_.typed_events()) {
            c.identify.intents = intents_for(*ev); // the events asked for, and no more
        } else {
            c.identify.intents = all_intents & ~privileged_intents;
        }
        c.await_identify_permit = false; // one shard; the manager turns it on for many
        if (!o_.backoff.empty()) {
            const std::string_view b = o_.backoff;
            const std::size_t comma = b.find(',');
            c.backoff.initial = parse_duration(b.substr(0, comma), "--backoff");
            c.backoff.max = comma == std::string_view::npos ? std::max(c.backoff.initial, c.backoff.max)
                                                            : parse_duration(b.substr(comma + 1), "--backoff");
            if (c.backoff.max < c.backoff.initial) throw std::invalid_argument("--backoff: MAX is below INITIAL");
        }
        if (!o_.invalid_session_delay.empty()) {
            const ms delay = parse_duration(o_.invalid_session_delay, "--invalid-session-delay");
            c.invalid_session_delay = [delay] { return delay; };
        }
        // The client decodes READY only (it needs the session); the lines are decoded here,
        // from the bytes the capture hook kept, as `dgw decode` decodes them.
        c.decode_events = event_set{};
        c.capture = [this](capture_direction dir, std::string_view bytes, bool) {
            if (dir == capture_direction::received) current_.assign(bytes);
        };
        level_ = parse_level(o_.log_level);
        if (level_)
            c.log = [this](log_level l, std::string_view line) { log(l, line); };
        handlers_.on_raw([this](const RawEvent&, const dispatch_info& i) { print(i.t, i.s, i.shard_id); },
                         raw_scope::all);
        handlers_.on_decode_error([this](const event_decode_failed& e) { print(e.t, e.s, e.shard_id); });

        const std::size_t count = o_.shard_ids.empty() ? o_.shards.value_or(1) : o_.shard_ids.size();
        many_ = count > 1 || (o_.shards && *o_.shards > 1) || !o_.cluster.empty();
        if (o_.cluster.empty() && (!o_.process.empty() || !o_.publish.empty() || !o_.metrics.empty())) {
            d_.error("--process, --publish and --metrics need --cluster redis://HOST:PORT");
            return false;
        }
        if (!o_.capture.empty() && count > 1) {
            d_.error("--capture records one connection at a time: run one shard (--shard-ids N) per capture");
            return false;
        }
        dopt_.limits.keep_unknown = o_.unknown == "keep";
        dopt_.events = filter_.typed_events();
        return true;
    }

    void open_capture(shard_options& so) {
        capture_ = std::make_unique<out_file>(o_.capture);
        capture::file_header h;
        h.encoding = so.client.encoding == Encoding::Etf ? capture::encoding::etf : capture::encoding::json;
        h.compression = so.client.compression == transport_compression::zlib_stream   ? capture::compression::zlib_stream
                        : so.client.compression == transport_compression::zstd_stream ? capture::compression::zstd_stream
                                                                                      : capture::compression::none;
        h.created_us = unix_us();
        capture::write_header(capture_->buffer(), h);
        uncompressed_ = so.client.compression == transport_compression::none;
        etf_ = so.client.encoding == Encoding::Etf;
        so.observe_wire = [this](const wire_message& m) { record(m); };
    }

    void fetch_then_start(shard_options so) {
        gateway_bot_request req;
        req.token = token_;
        if (!o_.api_base.empty()) req.api_base = o_.api_base;
        pending_ = 1; // the fetch holds the run open
        fetch_gateway_bot(io_, std::move(req), [this, so = std::move(so)](gateway_bot_result r) mutable {
            pending_ = 0;
            if (stopping_) return done_if_idle();
            if (!r.ok()) {
                d_.error(r.message());
                status_ = exit_no_session;
                return done_if_idle();
            }
            so.client.gateway_url = r.info->url;
            log(log_level::info, "GET /gateway/bot: " + r.info->url + ", " + std::to_string(r.info->shards) +
                                     " shard(s) recommended, max_concurrency " +
                                     std::to_string(r.info->limit.max_concurrency) + ", " +
                                     std::to_string(r.info->limit.remaining) + " identifies left");
            try {
                start(std::move(so), r.info->limit);
            } catch (const boost::system::system_error& e) {
                d_.error(e.what());
                status_ = exit_usage;
                done_if_idle();
            }
        });
    }

    void start(shard_options so, std::optional<session_start_limit> limit) {
        if (!o_.cluster.empty()) return start_cluster(std::move(so), limit);
        if (!many_) {
            if (!o_.shard_ids.empty()) {
                so.client.identify.shard_id = o_.shard_ids.front();
                so.client.identify.shard_count = o_.shards.value_or(o_.shard_ids.front() + 1);
            }
            const std::uint32_t id = so.client.identify.shard_id;
            shard_ = std::make_unique<shard>(io_, std::move(so), handlers_);
            shard_->on_stop([this, id](const stop& s) { on_stop(id, s); });
            pending_ = 1;
            shard_->start();
            return;
        }
        shard_manager_options mo;
        mo.shard = std::move(so);
        mo.shard_ids = o_.shard_ids;
        mo.shard_count = o_.shards.value_or(0);
        if (mo.shard_count == 0)
            for (std::uint32_t id : o_.shard_ids) mo.shard_count = std::max(mo.shard_count, id + 1);
        if (limit) mo.limit = *limit;
        if (o_.max_concurrency) mo.limit.max_concurrency = *o_.max_concurrency;
        pending_ = mo.shard_ids.empty() ? mo.shard_count : mo.shard_ids.size(); // before start(): a stop may come at once
        manager_ = std::make_unique<shard_manager>(io_, std::move(mo), handlers_);
        manager_->on_stop([this](std::uint32_t id, const stop& s) { on_stop(id, s); });
        manager_->start();
    }

    // "3/4" -> {3, 4}.
    static std::pair<std::uint32_t, std::uint32_t> parse_process(std::string_view s) {
        const std::size_t slash = s.find('/');
        std::uint32_t k = 0, m = 0;
        bool ok = slash != std::string_view::npos;
        if (ok) {
            auto a = std::from_chars(s.data(), s.data() + slash, k);
            auto b = std::from_chars(s.data() + slash + 1, s.data() + s.size(), m);
            ok = a.ec == std::errc{} && a.ptr == s.data() + slash && b.ec == std::errc{} && b.ptr == s.data() + s.size() &&
                 m > 0 && k < m;
        }
        if (!ok)
            throw std::invalid_argument("--process: '" + std::string(s) +
                                        "' is not K/M with K below M (process K of M, counted from 0)");
        return {k, m};
    }

    void start_cluster(shard_options so, std::optional<session_start_limit> limit) {
#ifdef DGW_TOOL_CLUSTER
        cluster_options co;
        co.redis_url = o_.cluster;
        co.prefix = o_.prefix;
        co.manager.shard = std::move(so);
        co.manager.shard_count = o_.shards.value_or(0);
        if (co.manager.shard_count == 0)
            for (std::uint32_t id : o_.shard_ids) co.manager.shard_count = std::max(co.manager.shard_count, id + 1);
        if (co.manager.shard_count == 0) co.manager.shard_count = 1;
        if (!o_.process.empty()) {
            const auto [k, m] = parse_process(o_.process);
            co.manager.shard_ids = process_shards(co.manager.shard_count, k, m);
        } else {
            co.manager.shard_ids = o_.shard_ids;
        }
        if (limit) co.manager.limit = *limit;
        if (o_.max_concurrency) co.manager.limit.max_concurrency = *o_.max_concurrency;
        if (!o_.identify_period.empty()) co.identify.bucket_period = parse_duration(o_.identify_period, "--identify-period");
        if (!o_.publish.empty()) {
            publish_options p;
            for (const std::string& name : o_.publish) {
                if (name == "all") {
                    p.events = event_set::all();
                    p.unknown = true;
                    continue;
                }
                const EventType t = event_type_from_string(name);
                if (t == EventType::Unknown)
                    throw std::invalid_argument("--publish: '" + name + "' is not an event name this build knows (or all)");
                p.events.insert(t);
            }
            p.format = o_.publish_format == "json" ? publish_format::json : publish_format::msgpack;
            p.maxlen = o_.publish_maxlen;
            co.publish = p;
        }
        if (level_) co.log = [this](log_level l, std::string_view line) { log(l, line); };
        pending_ = co.manager.shard_ids.empty() ? co.manager.shard_count : co.manager.shard_ids.size();
        node_ = std::make_unique<cluster_node>(io_, std::move(co), handlers_);
        node_->on_stop([this](std::uint32_t id, const stop& s) { on_stop(id, s); });
        if (!o_.metrics.empty()) {
            const std::string labels = o_.process.empty() ? std::string() : "process=\"" + o_.process + "\"";
            metrics_ = std::make_unique<metrics_server>(io_, o_.metrics, [this, labels] {
                return prometheus_text(node_->snapshot(), labels);
            });
            log(log_level::info, "metrics: http://" + o_.metrics.substr(0, o_.metrics.rfind(':')) + ":" +
                                     std::to_string(metrics_->port()) + "/metrics");
        }
        node_->start();
#else
        (void)so;
        (void)limit;
        throw std::invalid_argument("--cluster: this dgw was built without dgw::cluster (DGW_BUILD_CLUSTER=OFF)");
#endif
    }

    // ---- events ----
    void on_signal(boost::system::error_code ec, int sig) {
        if (ec) return;
        if (stopping_) { // a second Ctrl-C: do not wait for the close handshakes
            log(log_level::warning, std::string(sig == SIGINT ? "SIGINT" : "SIGTERM") + " again: exiting now");
            io_.stop();
            return;
        }
        log(log_level::info, std::string(sig == SIGINT ? "SIGINT" : "SIGTERM") + ": closing with 1000");
        signals_.async_wait([this](boost::system::error_code e, int s) { on_signal(e, s); });
        stop_all();
    }

    void stop_all() {
        if (stopping_) return;
        stopping_ = true;
        if (shard_) shard_->shutdown();
        if (manager_) manager_->shutdown();
#ifdef DGW_TOOL_CLUSTER
        if (node_) {
            if (!node_->manager()) pending_ = 0; // the shards never started (Redis never answered)
            node_->shutdown();
        }
        if (metrics_) metrics_->shutdown();
#endif
        done_if_idle();
    }

    void on_stop(std::uint32_t id, const stop& s) {
        if (pending_ > 0) --pending_;
        if (s.reason == make_error_code(protocol_errc::fatal_close)) {
            const auto name = close_code_from_int(s.close_code);
            d_.error("shard " + std::to_string(id) + ": the gateway closed with " + std::to_string(s.close_code) +
                     (name ? " (" + std::string(to_string(*name)) + ")" : std::string()) + ": " + s.detail);
            if (s.close_code == static_cast<int>(CloseCode::ShardingRequired))
                d_.note("run more shards: --shards N (GET /gateway/bot recommends a count)");
            if (status_ == exit_ok) status_ = exit_fatal_close;
        } else if (s.reason != make_error_code(protocol_errc::shutdown)) {
            d_.error("shard " + std::to_string(id) + " stopped: " + s.detail);
            if (status_ == exit_ok) status_ = exit_no_session;
        }
        if (!stopping_ && (s.reason != make_error_code(protocol_errc::shutdown))) {
            // One shard cannot go on: neither do the others (a fatal close is a configuration
            // error they all share).
            stopping_ = true;
            if (manager_) manager_->shutdown();
#ifdef DGW_TOOL_CLUSTER
            if (node_) node_->shutdown();
#endif
        }
        done_if_idle();
    }

    void done_if_idle() {
        if (pending_ == 0) signals_.cancel(); // nothing else keeps io.run() going
    }

    void print(std::string_view t, std::optional<std::int64_t> s, std::uint32_t shard_id) {
        if (!filter_.matches(0, t) || broken_pipe_) return;
        std::string& buf = out_->buffer();
        const std::size_t start = buf.size();
        const Encoding enc = looks_like_etf(current_) ? Encoding::Etf : Encoding::Json;
        std::string why;
        bool ok;
        if (o_.raw) {
            ok = to_value(current_, enc, generic_, why);
            if (ok) append_envelope(generic_, buf, o_.big);
        } else {
            ok = decode(current_, enc, msg_, err_, dopt_);
            if (ok && !encode(msg_, Encoding::Json, buf, err_, {true, true}, o_.big)) {
                ok = false;
                buf.resize(start);
            }
            if (!ok) why = err_.message();
        }
        if (!ok) {
            d_.error("shard " + std::to_string(shard_id) + ": dispatch " + std::string(t) + " s=" +
                     (s ? std::to_string(*s) : std::string("null")) + ": " + why);
            return;
        }
        if (many_ && !buf.empty() && buf.back() == '}') { // which shard, after the envelope's own keys
            buf.pop_back();
            buf += ",\"shard\":" + std::to_string(shard_id) + "}";
        }
        buf.push_back('\n');
        try {
            out_->flush(); // a line per dispatch, as it arrives
            ++printed_;
        } catch (const broken_pipe&) {
            broken_pipe_ = true; // the reader went away (`dgw connect | head`): end the session
            stop_all();
        } catch (const std::runtime_error& e) {
            d_.error(e.what());
            broken_pipe_ = true;
            stop_all();
        }
    }

    void record(const wire_message& m) {
        capture::record_header rh;
        rh.direction = m.direction == capture_direction::received ? capture::direction::recv : capture::direction::send;
        rh.opcode = m.frame == wire_frame::close    ? capture::ws_opcode::close
                    : m.frame == wire_frame::text   ? capture::ws_opcode::text
                                                    : capture::ws_opcode::binary;
        rh.flags = m.first_of_connection ? capture::flag_new_connection : 0;
        rh.timestamp_us = unix_us();
        std::string_view bytes = m.bytes;
        // Sent messages arrive with the token redacted already; an uncompressed gateway that
        // echoed it would not get it onto the disk either.
        if (m.direction == capture_direction::received && uncompressed_ && bytes.find(token_) != bytes.npos) {
            scratch_.assign(bytes);
            redact_token(scratch_, token_, etf_ ? Encoding::Etf : Encoding::Json);
            bytes = scratch_;
        }
        rh.length = static_cast<std::uint32_t>(bytes.size());
        std::string& buf = capture_->buffer();
        capture::write_record_header(buf, rh);
        buf.append(bytes);
        try {
            capture_->maybe_flush();
        } catch (const std::exception& e) {
            d_.error(std::string("--capture: ") + e.what());
            capture_failed_ = true;
            stop_all();
        }
    }

    void log(log_level l, std::string_view line) {
        if (!level_ || l < *level_) return;
        std::string text(line);
        mask_secret(text, token_); // lines never hold it; this makes sure
        const auto now = std::chrono::system_clock::now();
        const std::time_t secs = std::chrono::system_clock::to_time_t(now);
        const auto msec = std::chrono::duration_cast<ms>(now.time_since_epoch()).count() % 1000;
        std::tm tm{};
        gmtime_r(&secs, &tm);
        std::fprintf(stderr, "dgw: %02d:%02d:%02d.%03lld %s: %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
                     static_cast<long long>(msec), to_string(l), text.c_str());
    }

    int finish() {
        if (capture_) {
            try {
                capture_->close();
            } catch (const std::exception& e) {
                d_.error(std::string("--capture: ") + e.what());
                capture_failed_ = true;
            }
        }
        try {
            out_->close();
        } catch (const broken_pipe&) {
        } catch (const std::runtime_error& e) {
            d_.error(e.what());
        }
        // A summary for logs and tests: how many lines, connections, resumes.
        std::uint64_t connects = 0, resumed = 0, identified = 0;
        auto add = [&](const shard& s) {
            connects += s.stats().connects;
            if (const client* c = s.current_client()) {
                resumed += c->stats().resumes;
                identified += c->stats().identifies;
            }
        };
        if (shard_) add(*shard_);
        if (manager_)
            for (const auto& s : manager_->shards()) add(*s);
#ifdef DGW_TOOL_CLUSTER
        if (node_ && node_->manager())
            for (const auto& s : node_->manager()->shards()) add(*s);
        if (node_) {
            const cluster_snapshot cs = node_->snapshot();
            log(log_level::info, "cluster: " + std::to_string(cs.published) + " events published, " +
                                     std::to_string(cs.publish_dropped) + " dropped, " +
                                     std::to_string(cs.publish_buffered) + " unwritten, " +
                                     std::to_string(cs.sessions_written) + " session writes");
        }
#endif
        log(log_level::info, std::to_string(printed_) + " dispatches printed, " + std::to_string(connects) +
                                 " connections, " + std::to_string(identified) + " identified, " +
                                 std::to_string(resumed) + " resumed");
        if (status_ != exit_ok) return status_;
        if (d_.errors() > 0 || capture_failed_) return exit_bad_input;
        return exit_ok;
    }

    const connect_options& o_;
    std::string token_;
    diag d_;
    boost::asio::io_context io_;
    boost::asio::signal_set signals_{io_, SIGINT, SIGTERM};
    event_filter filter_;
    event_handlers handlers_;
    decode_options dopt_;
    std::optional<log_level> level_;
    std::unique_ptr<shard> shard_;
    std::unique_ptr<shard_manager> manager_;
#ifdef DGW_TOOL_CLUSTER
    std::unique_ptr<cluster_node> node_;
    std::unique_ptr<metrics_server> metrics_;
#endif
    std::unique_ptr<out_file> out_, capture_;
    bool many_ = false, stopping_ = false, broken_pipe_ = false, capture_failed_ = false;
    bool uncompressed_ = false, etf_ = false;
    std::size_t pending_ = 0; // shards not yet stopped (or the GET /gateway/bot in flight)
    int status_ = exit_ok;
    std::string current_; // the received message the client is handling (decompressed)
    std::string scratch_;
    GatewayMessage msg_;
    decode_error err_;
    boost::json::value generic_;
    std::uint64_t printed_ = 0;
};

} // namespace

int run_connect(const connect_options& o) {
    const char* token = std::getenv("DISCORD_TOKEN");
    if (!token || !*token) {
        std::fprintf(stderr, "dgw: error: DISCORD_TOKEN is not set: put the bot token in the environment "
                             "(never on the command line)\n");
        return exit_usage;
    }
    connect_run r(o, token);
    return r.run();
}

} // namespace dgw::tool
