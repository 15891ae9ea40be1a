// `dgw convert`: re-encodes a capture (JSON <-> ETF, Discord's receive conventions),
// compresses it as the gateway would (one context per connection, a flush per message)
// and writes it framed, as our capture format, as JSON lines or unframed.
#include "commands.hpp"
#include "compressor.hpp"
#include "diag.hpp"
#include "filter.hpp"
#include "output.hpp"

#include <dgw/etf/json.hpp>
#include <dgw/gateway.hpp>

#include <stdexcept>

namespace dgw::tool {

namespace {

enum class out_format { framed, capture, lines, raw };

// Validates the option combination; throws std::invalid_argument with the reason.
out_format check_options(const convert_options& o, Encoding& to, std::optional<compress::transport>& transport) {
    if (o.to == "json") to = Encoding::Json;
    else if (o.to == "etf") to = Encoding::Etf;
    else throw std::invalid_argument("--to must be json or etf");
    if (o.compress == "none") transport.reset();
    else if (auto t = compress::parse_transport(o.compress)) transport = t;
    else throw std::invalid_argument("--compress must be none, zlib-stream or zstd-stream");
    out_format f;
    if (o.format == "framed") f = out_format::framed;
    else if (o.format == "capture") f = out_format::capture;
    else if (o.format == "lines") f = out_format::lines;
    else if (o.format == "raw") f = out_format::raw;
    else throw std::invalid_argument("--format must be framed, capture, lines or raw");
    if (f == out_format::lines && (to != Encoding::Json || transport))
        throw std::invalid_argument("--format lines needs --to json and --compress none");
    if (o.big && to != Encoding::Json)
        throw std::invalid_argument("--big-integers applies to --to json (ETF keeps integers as integers)");
    return f;
}

capture::compression capture_compression(std::optional<compress::transport> t) {
    if (!t) return capture::compression::none;
    return *t == compress::transport::zlib_stream ? capture::compression::zlib_stream
                                                  : capture::compression::zstd_stream;
}

// The generic conversion of `v` into `to`: every field kept, ETF map keys as atoms.
void encode_generic(const boost::json::value& v, Encoding to, big_integers big, std::string& out) {
    if (to == Encoding::Json) append_envelope(v, out, big);
    else etf::from_json(v, out, etf::writer_options{true});
}

} // namespace

int run_convert(const convert_options& o) {
    diag d(o.read.quiet);
    Encoding to{};
    std::optional<compress::transport> transport;
    out_format format{};
    event_filter filter;
    try {
        format = check_options(o, to, transport);
        filter = event_filter::parse(o.read.events);
    } catch (const std::invalid_argument& e) {
        d.error(e.what());
        return exit_usage;
    }
    std::unique_ptr<file_source> in;
    std::unique_ptr<out_file> out;
    std::unique_ptr<compressor> comp;
    try {
        in = std::make_unique<file_source>(o.read.input);
        // Check before opening OUT, which truncates it.
        if (auto id = file_identity(o.output); id && o.read.input != "-" && *id == in->identity())
            throw std::runtime_error("OUT is the input file; write to another file");
        out = std::make_unique<out_file>(o.output);
        if (transport) comp = make_compressor(*transport, o.level);
    } catch (const std::runtime_error& e) {
        d.error(e.what());
        return exit_usage;
    }
    auto src = open_source(*in, o.read.source, d);
    if (!src) return exit_bad_input;
    d.track(in.get());

    std::string& buf = out->buffer();
    if (format == out_format::capture) {
        capture::file_header h;
        h.encoding = to == Encoding::Json ? capture::encoding::json : capture::encoding::etf;
        h.compression = capture_compression(transport);
        capture::write_header(buf, h); // created_us stays 0: converted files are reproducible
    }
    const big_integers big = o.big.value_or(big_integers::string);
    dgw::decode_options dopt;
    dopt.limits.keep_unknown = o.read.unknown == "keep";
    dopt.keep_mismatched = o.read.mismatched == "keep";
    mismatch_notes mismatches;
    dopt.events = filter.typed_events();
    GatewayMessage msg;
    decode_error err;
    boost::json::value generic;
    std::string payload, why;
    message m;
    std::uint64_t seen = 0, written = 0, dropped_sent = 0, raw_fallbacks = 0;
    try {
        while (src->next(m)) {
            d.tick(++seen);
            if (!direction_selected(o.read.direction, m.dir)) continue;
            const Encoding enc = looks_like_etf(m.bytes) ? Encoding::Etf : Encoding::Json;
            payload.clear();
            std::int64_t op = -1;
            std::string_view t;
            bool typed_ok = false;
            if (!o.raw) {
                typed_ok = decode(m.bytes, enc, msg, err, dopt);
                if (typed_ok) {
                    if (!msg.mismatched.empty()) mismatches.add(d, position(m), msg.t, msg.mismatched);
                    op = msg.op;
                    t = msg.t;
                } else {
                    d.error(position(m) + ": " + err.message() + "; written with the generic conversion");
                }
            }
            if (!typed_ok) {
                if (!to_value(m.bytes, enc, generic, why)) {
                    d.error(position(m) + ": " + why + "; message dropped");
                    continue;
                }
                envelope_fields(generic, op, t);
                if (!o.raw) ++raw_fallbacks;
            }
            if (!filter.matches(op, t)) continue;
            if (o.read.limit && written >= *o.read.limit) break;
            // The typed round trip writes Discord's receive style: atom keys, integer snowflakes.
            if (typed_ok && !encode(msg, to, payload, err, codec::etf_style{true, true}, big)) {
                d.error(position(m) + ": " + err.message() + "; message dropped");
                continue;
            }
            if (!typed_ok) encode_generic(generic, to, big, payload);

            const bool sent = m.dir == capture::direction::send;
            if (sent && comp && format != out_format::capture) {
                // Clients send uncompressed; a framed compressed stream has no place for it.
                ++dropped_sent;
                continue;
            }
            if (m.new_connection && written > 0 && comp) comp->reset();
            const std::string_view wire = comp && !sent ? comp->compress(payload) : std::string_view(payload);
            switch (format) {
            case out_format::framed:
                append_be(buf, wire.size(), 4);
                buf.append(wire);
                break;
            case out_format::capture: {
                capture::record_header rh;
                rh.length = static_cast<std::uint32_t>(wire.size());
                rh.direction = m.dir;
                rh.opcode = to == Encoding::Json && !(comp && !sent) ? capture::ws_opcode::text
                                                                     : capture::ws_opcode::binary;
                rh.flags = written == 0 || m.new_connection ? capture::flag_new_connection : 0;
                rh.timestamp_us = m.timestamp_us;
                capture::write_record_header(buf, rh);
                buf.append(wire);
                break;
            }
            case out_format::lines:
                buf.append(wire);
                buf.push_back('\n');
                break;
            case out_format::raw:
                buf.append(wire);
                if (!comp && to == Encoding::Json) buf.push_back('\n'); // keeps the documents apart for readers
                break;
            }
            out->maybe_flush();
            ++written;
        }
        d.finish();
        out->close();
    } catch (const broken_pipe&) {
        d.finish();
    } catch (const std::runtime_error& e) {
        d.finish();
        d.error(e.what());
        return exit_usage;
    }
    if (dropped_sent > 0)
        d.warning(std::to_string(dropped_sent) + " sent messages left out: a compressed framed stream holds "
                  "received traffic only (use --format capture to keep them)");
    if (raw_fallbacks > 0)
        d.warning(std::to_string(raw_fallbacks) + " messages failed the typed decode and were written with "
                  "the generic conversion");
    d.note("wrote " + std::to_string(written) + " messages (" + src->describe() + " -> " + o.to + ", " +
           o.compress + ", " + o.format + ") to " + (o.output == "-" ? "stdout" : o.output));
    return d.errors() > 0 ? exit_bad_input : exit_ok;
}

} // namespace dgw::tool
