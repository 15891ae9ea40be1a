// `dgw decode`: one line of JSON per gateway message, typed (decode into the generated
// types, encode back as JSON) or generic (--raw), with filters and --stats.
#include "commands.hpp"
#include "diag.hpp"
#include "filter.hpp"
#include "output.hpp"
#include "stats.hpp"

#include <dgw/gateway.hpp>

#include <chrono>
#include <cstdio>
#include <stdexcept>

namespace dgw::tool {

namespace {

using clock = std::chrono::steady_clock;

double seconds(clock::time_point a, clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

// decode_error::message() says "(byte N)"; in our reports the message's own position
// comes first, so say which bytes N counts.
std::string reason(const decode_error& e) {
    std::string m = e.code.message();
    if (!e.path.empty()) m += " at " + e.path;
    m += " (byte " + std::to_string(e.offset) + " of the message)";
    if (!e.detail.empty()) m += ": " + e.detail;
    return m;
}

} // namespace

bool direction_selected(const std::string& want, capture::direction d) {
    if (want == "recv") return d == capture::direction::recv;
    if (want == "send") return d == capture::direction::send;
    return true;
}

int run_decode(const decode_command_options& o) {
    const auto wall0 = clock::now();
    diag d(o.read.quiet);
    event_filter filter;
    try {
        filter = event_filter::parse(o.read.events);
    } catch (const std::invalid_argument& e) {
        d.error(e.what());
        return exit_usage;
    }
    std::unique_ptr<file_source> in;
    std::unique_ptr<out_file> out;
    try {
        in = std::make_unique<file_source>(o.read.input);
        // Opening OUT truncates it: never when it is the input.
        if (auto id = file_identity(o.output); id && o.read.input != "-" && *id == in->identity())
            throw std::runtime_error("--output is the input file; write to another file");
        out = std::make_unique<out_file>(o.output);
    } catch (const std::runtime_error& e) {
        d.error(e.what());
        return exit_usage;
    }
    auto src = open_source(*in, o.read.source, d);
    if (!src) return exit_bad_input;
    d.track(in.get());

    const bool print_lines = !o.stats_only;
    const bool want_stats = o.stats || o.stats_only;
    dgw::decode_options dopt;
    dopt.limits.keep_unknown = o.read.unknown == "keep";
    dopt.keep_mismatched = o.read.mismatched == "keep";
    mismatch_notes mismatches;
    // Filtered-out dispatches need not be decoded, unless --stats is to time every message.
    dopt.events = want_stats ? nullptr : filter.typed_events();
    GatewayMessage msg;
    decode_error err;
    boost::json::value generic;
    std::string why;
    stats table;
    run_summary sum;
    message m;
    std::uint64_t seen = 0;
    std::string& buf = out->buffer();
    try {
        for (;;) {
            const auto t0 = clock::now();
            if (!src->next(m)) break;
            const auto t1 = clock::now();
            sum.read_s += seconds(t0, t1);
            d.tick(++seen);
            if (!direction_selected(o.read.direction, m.dir)) continue;
            const Encoding enc = looks_like_etf(m.bytes) ? Encoding::Etf : Encoding::Json;
            std::int64_t op = -1;
            std::string_view t;
            bool ok;
            if (o.raw) {
                ok = to_value(m.bytes, enc, generic, why);
                if (ok) envelope_fields(generic, op, t);
            } else {
                ok = decode(m.bytes, enc, msg, err, dopt);
                if (!ok) why = reason(err);
                else if (!msg.mismatched.empty()) mismatches.add(d, position(m), msg.t, msg.mismatched);
                op = msg.op;
                t = msg.t;
            }
            const auto t2 = clock::now();
            sum.decode_s += seconds(t1, t2);
            if (!ok) {
                d.error(position(m) + ": " + why);
                continue;
            }
            if (want_stats) table.add(stats::key(op, t), m.bytes.size(), m.wire_bytes, seconds(t1, t2));
            const bool limited = o.read.limit && sum.printed >= *o.read.limit;
            if (print_lines && !limited && filter.matches(op, t)) {
                const std::size_t start = buf.size();
                if (o.raw) {
                    append_envelope(generic, buf, o.big);
                } else if (!encode(msg, Encoding::Json, buf, err, {true, true}, o.big)) {
                    d.error(position(m) + ": " + reason(err) + "; not printable as JSON");
                    buf.resize(start);
                    continue;
                }
                buf.push_back('\n');
                out->maybe_flush();
                ++sum.printed;
                sum.output_s += seconds(t2, clock::now());
            }
            // Without --stats nothing after the limit matters.
            if (o.read.limit && sum.printed >= *o.read.limit && !want_stats) break;
        }
        d.finish();
        if (want_stats) {
            sum.input = src->describe();
            sum.input_bytes = in->consumed();
            sum.transport = src->totals();
            sum.errors = d.errors();
            sum.wall_s = seconds(wall0, clock::now());
            table.print(buf, sum);
        }
        out->close();
    } catch (const broken_pipe&) {
        // The reader of our output has gone (e.g. `| head`): nothing more to do.
        d.finish();
    } catch (const std::runtime_error& e) {
        d.finish();
        d.error(e.what());
        return exit_usage;
    }
    if (d.errors() > 0) {
        std::fprintf(stderr, "dgw: %llu error%s\n", static_cast<unsigned long long>(d.errors()),
                     d.errors() == 1 ? "" : "s");
        return exit_bad_input;
    }
    return exit_ok;
}

} // namespace dgw::tool
