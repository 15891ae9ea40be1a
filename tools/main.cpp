// dgw: decode and convert captured Discord gateway traffic; serve a local gateway.
//
//   dgw decode [options] [FILE|-]       one line of JSON per gateway message
//   dgw convert --to json|etf [options] IN OUT
//   dgw connect [options]               run a shard, one line of JSON per dispatch
//   dgw gateway serve --listen HOST:PORT --token TOKEN [--events FILE] [options]
//
// The command line is parsed here (CLI11); the work is in decode.cpp, convert.cpp,
// connect.cpp and serve/.
#include "commands.hpp"
#include "connect.hpp"
#include "serve/server.hpp"

#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iterator>

namespace {

using namespace dgw::tool;

// Shared by both subcommands' --help: what the tool reads and how it tells the forms apart.
constexpr const char* input_help = R"(
Input forms (--from; detected from the first bytes when omitted):
  json-lines   one JSON gateway message per line
  json         JSON documents one after another (pretty-printed is fine)
  etf          ETF terms one after another, each starting with byte 131
  framed       u32 big-endian length + bytes per websocket message; the payloads are
               JSON, ETF, or a zlib-stream / zstd-stream connection (detected from the
               first frame), as ../shared/corpus and `dgw convert` write them
  zlib-stream  the raw compressed bytes of a zlib-stream connection, no framing
  zstd-stream  the raw compressed bytes of a zstd-stream connection, no framing
  capture      dgw's capture format: frames, direction, timestamps (docs/capture-format.md)
The payload encoding (JSON or ETF) is detected per message. Input is streamed: stdin and
files of any size are read in bounded memory.

Errors: a message that cannot be decoded is reported on stderr with its index and byte
offset, and the tool goes on with the next one where the framing allows. Exit status:
0 all messages decoded, 1 some input was bad, 2 usage or file errors.)";

void add_read_options(CLI::App* cmd, read_options& r, std::string& from) {
    cmd->add_option("--from", from, "Input form (default: detect)")
        ->check(CLI::IsMember({"auto", "json-lines", "json", "etf", "framed", "zlib-stream", "zstd-stream", "capture"}));
    cmd->add_option("--events", r.events,
                    "Only these messages: event names (MESSAGE_CREATE,READY) or opcodes of "
                    "non-dispatch messages (HELLO, HEARTBEAT_ACK, op:11); comma-separated")
        ->allow_extra_args(false) // one list per --events: a file name after it stays positional
        ->take_all();            // --events may be repeated; event_filter splits the commas
    cmd->add_option("--direction", r.direction, "Captures: only received (recv) or sent (send) messages")
        ->check(CLI::IsMember({"recv", "send", "all"}))
        ->capture_default_str();
    cmd->add_option("--max-message-size", r.source.max_message,
                    "Largest message or frame accepted, e.g. 64MiB; larger is an error")
        ->transform(CLI::AsSizeValue(false))
        ->capture_default_str();
    cmd->add_flag("-q,--quiet", r.quiet, "No progress bar and no notes on stderr (errors are still reported)");
    cmd->add_option("--unknown", r.unknown,
                    "Fields the schema does not have: keep them in the typed output (written after "
                    "the known fields of their object) or drop them")
        ->check(CLI::IsMember({"keep", "drop"}))
        ->capture_default_str();
    cmd->add_option("--mismatched", r.mismatched,
                    "A value of the wrong type for its schema field (a null the schema does not allow "
                    "included): keep it in the typed output as received, with a warning naming its path "
                    "once per event and path, or fail the message")
        ->check(CLI::IsMember({"keep", "fail"}))
        ->capture_default_str();
}

void apply_from(read_options& r, const std::string& from) {
    if (!from.empty()) r.source.form = *parse_input_form(from);
}

constexpr const char* big_integers_help =
    "Integers beyond +-(2^53-1) where the schema gives no type (--raw, unknown events' d, "
    "`any` fields such as audit log values; typically ETF snowflakes): string writes them as "
    "decimal strings, as Discord's JSON spells snowflakes, so jq and JavaScript keep every digit "
    "and ETF and JSON input print alike; number writes JSON numbers, exact in the text";

CLI::Option* add_big_integers(CLI::App* cmd, std::string& big) {
    return cmd->add_option("--big-integers", big, big_integers_help)->check(CLI::IsMember({"string", "number"}));
}

dgw::big_integers parse_big_integers(const std::string& s) {
    return s == "number" ? dgw::big_integers::number : dgw::big_integers::string;
}

} // namespace

int main(int argc, char** argv) {
    // Writing to a closed pipe (`dgw decode | head`) returns EPIPE instead of killing us,
    // so the commands can stop cleanly.
    std::signal(SIGPIPE, SIG_IGN);

    CLI::App app{"dgw: decode and convert captured Discord gateway traffic (JSON or ETF, plain,\n"
                 "framed, zlib-stream or zstd-stream), connect to a gateway, and serve a local one.",
                 "dgw"};
    app.set_version_flag("--version", "dgw 0.1.0");
    app.require_subcommand(1);
    app.footer("Run `dgw decode --help`, `dgw convert --help`, `dgw connect --help` or `dgw gateway serve "
               "--help` for each command's options.");

    decode_command_options dec;
    std::string dec_from;
    std::uint64_t dec_limit = 0;
    CLI::App* dcmd = app.add_subcommand(
        "decode", "Print one line of JSON per gateway message: the envelope {\"t\",\"s\",\"op\",\"d\"}");
    dcmd->add_option("input", dec.read.input, "Capture file, or - for stdin")->capture_default_str();
    add_read_options(dcmd, dec.read, dec_from);
    dcmd->add_flag("--raw", dec.raw,
                   "Generic conversion instead of the typed round trip: every field kept, ETF "
                   "integers stay integers (those beyond +-(2^53-1), snowflakes, as strings: see "
                   "--big-integers)");
    std::string dec_big = "string";
    add_big_integers(dcmd, dec_big)->capture_default_str();
    dcmd->add_flag("--stats", dec.stats,
                   "After the lines, print a table: messages, bytes and decode time per event type, "
                   "compressed vs decompressed bytes");
    dcmd->add_flag("--stats-only", dec.stats_only, "Print only the --stats table, no lines");
    dcmd->add_option("-n,--limit", dec_limit,
                     "Print at most N lines (with --stats the whole input is still counted)");
    dcmd->add_option("-o,--output", dec.output, "Write the lines to this file instead of stdout");
    dcmd->footer(std::string(R"(
By default each message is decoded into dgw's generated types and written back as JSON
(snowflakes as strings, as Discord's JSON has them), so ETF and JSON captures of the same
traffic print the same lines. Fields the schema does not know are dropped; --raw keeps them.
Where no schema type applies (--raw, unknown events, `any` fields), integers beyond
+-(2^53-1) are printed as strings, so an ETF snowflake prints as its JSON string does and
jq keeps every digit; --big-integers=number prints them as numbers.
)") + input_help);

    convert_options conv;
    std::string conv_from;
    std::uint64_t conv_limit = 0;
    CLI::App* ccmd = app.add_subcommand(
        "convert", "Re-encode a capture: JSON <-> ETF, optionally compressed as a zlib-stream or zstd-stream");
    ccmd->add_option("input", conv.read.input, "Capture to read, or - for stdin")->required();
    ccmd->add_option("output", conv.output, "File to write, or - for stdout")->required();
    add_read_options(ccmd, conv.read, conv_from);
    ccmd->add_option("--to", conv.to, "Payload encoding to write")
        ->check(CLI::IsMember({"json", "etf"}))
        ->required();
    ccmd->add_option("--compress", conv.compress,
                     "Transport compression: one context for the whole output, flushed per message")
        ->check(CLI::IsMember({"none", "zlib-stream", "zstd-stream"}))
        ->capture_default_str();
    ccmd->add_option("--format", conv.format,
                     "framed: u32 big-endian length + websocket message; capture: dgw's capture "
                     "format; lines: JSON lines (--to json, no compression); raw: no framing")
        ->check(CLI::IsMember({"framed", "capture", "lines", "raw"}))
        ->capture_default_str();
    int conv_level = 0;
    ccmd->add_option("--level", conv_level, "Compression level (default: zlib 6, zstd 3)");
    ccmd->add_flag("--raw", conv.raw,
                   "Generic conversion instead of the typed round trip (keeps fields the schema does "
                   "not know; ETF integers stay integers in ETF output, see --big-integers for JSON)");
    std::string conv_big;
    add_big_integers(ccmd, conv_big)->description(std::string(big_integers_help) +
                                                  ". --to json only (default: string)");
    ccmd->add_option("-n,--limit", conv_limit, "Write at most N messages");
    ccmd->footer(std::string(R"(
Messages are decoded into dgw's generated types and encoded again: ETF as Discord sends it
(atom keys, integer snowflakes), JSON with the keys t, s, op, d (integers beyond +-(2^53-1)
without a schema type as strings unless --big-integers=number). A message that fails the
typed decode is reported and written with the generic conversion. Examples:
  dgw convert --to etf --compress zstd-stream traffic.jsonl traffic.zstd
  dgw convert --to json --format lines capture.zstd - | head
)") + input_help);

    connect_options con;
    std::string con_big = "string";
    std::string con_ids;
    CLI::App* kcmd = app.add_subcommand(
        "connect", "Connect to a gateway as a bot (token from $DISCORD_TOKEN) and print one line of JSON per dispatch");
    kcmd->add_option("--url", con.url,
                     "Gateway URL (ws:// or wss://, without query); default: GET /gateway/bot's url");
    kcmd->add_option("--encoding", con.encoding, "Payload encoding")
        ->check(CLI::IsMember({"json", "etf"}))
        ->capture_default_str();
    kcmd->add_option("--compress", con.compress, "Transport compression")
        ->check(CLI::IsMember({"none", "zlib-stream", "zstd-stream"}))
        ->capture_default_str();
    kcmd->add_option("--events", con.events,
                     "Only print these dispatches (MESSAGE_CREATE,READY); without --intents they also "
                     "choose the intents")
        ->take_all();
    kcmd->add_option("--intents", con.intents,
                     "Identify intents: names (GUILDS,GUILD_MESSAGES) or a number; default: the intents "
                     "of --events (the schema's table), else every non-privileged intent");
    kcmd->add_flag("--raw", con.raw, "Generic conversion instead of the typed round trip (as dgw decode --raw)");
    kcmd->add_option("--unknown", con.unknown, "Fields the schema does not have: keep or drop (typed lines)")
        ->check(CLI::IsMember({"keep", "drop"}))
        ->capture_default_str();
    add_big_integers(kcmd, con_big)->capture_default_str();
    kcmd->add_option("--shards", con.shards, "Total shard count; more than one runs a shard manager");
    kcmd->add_option("--shard-ids", con_ids, "The shards to run, e.g. 0,2,5 (default: all of --shards)");
    kcmd->add_option("--max-concurrency", con.max_concurrency,
                     "Identifies per 5 s (buckets) for --shards with --url; default: GET /gateway/bot's, or 1");
    kcmd->add_option("--log-level", con.log_level, "Logs on stderr: connects, resumes, closes, reconnects")
        ->check(CLI::IsMember({"debug", "info", "warning", "error", "off"}))
        ->capture_default_str();
    kcmd->add_option("--capture", con.capture,
                     "Record the session in dgw's capture format (docs/capture-format.md), the token "
                     "replaced by [REDACTED]; one shard only");
    kcmd->add_option("--backoff", con.backoff,
                     "Reconnect back-off INITIAL[,MAX] after short-lived connections, e.g. 20ms,100ms "
                     "(default 1s,60s; shorter only against a test gateway)");
    kcmd->add_option("--invalid-session-delay", con.invalid_session_delay,
                     "Wait after op 9 d=false before identifying, e.g. 50ms (default: 1-5 s at random, as "
                     "Discord asks; shorter only against a test gateway)");
    kcmd->add_option("--api-base", con.api_base, "Where GET /gateway/bot goes (a test server)")->group("");
    kcmd->add_option("--cluster", con.cluster,
                     "redis://HOST:PORT: share the identify queue and keep sessions in Redis, so shards can run "
                     "in many processes and a replacement process resumes them (docs/cluster.md)")
        ->group("Across processes");
    kcmd->add_option("--process", con.process, "K/M: run the shards whose id % M == K (needs --cluster, --shards)")
        ->group("Across processes");
    kcmd->add_option("--prefix", con.prefix, "Prefix of this bot's Redis keys")->capture_default_str()->group("Across processes");
    kcmd->add_option("--publish", con.publish,
                     "Publish these dispatches (MESSAGE_CREATE,GUILD_CREATE or all) to Redis Streams in "
                     "@discordjs/brokers' layout: XADD <name> * data <d>")
        ->delimiter(',')
        ->group("Across processes");
    kcmd->add_option("--publish-format", con.publish_format, "Encoding of the published d")
        ->check(CLI::IsMember({"msgpack", "json"}))
        ->capture_default_str()
        ->group("Across processes");
    kcmd->add_option("--publish-maxlen", con.publish_maxlen, "MAXLEN ~ of each stream")
        ->capture_default_str()
        ->group("Across processes");
    kcmd->add_option("--metrics", con.metrics,
                     "HOST:PORT: serve Prometheus metrics (shard states, latency, events, reconnects, identify "
                     "queue, Redis) at GET /metrics")
        ->group("Across processes");
    kcmd->add_option("--identify-period", con.identify_period,
                     "One identify per bucket per this window (default 5s, Discord's; shorter only against a "
                     "test gateway)")
        ->group("");
    kcmd->footer(R"(
The bot token is read from the environment variable DISCORD_TOKEN, never from the command
line, and appears in no output, log line or capture. Each dispatch is printed as it arrives,
as `dgw decode` prints it: {"t":...,"s":...,"op":0,"d":...}, decoded into dgw's types and
written back (unknown fields kept), or with --raw the generic conversion; with more than one
shard each line ends with "shard":N. Runs until SIGINT or SIGTERM (closes with 1000).

Exit status: 0 stopped by SIGINT/SIGTERM; 1 as 0, but some dispatches could not be decoded
(reported on stderr) or the capture could not be written; 2 usage error, DISCORD_TOKEN unset,
a file that cannot be created; 3 the gateway closed with a code that forbids reconnecting
(4004, 4010-4014; stderr names it); 4 no session could start (GET /gateway/bot failed, the
gateway URL is unusable).
  DISCORD_TOKEN=... dgw connect --events MESSAGE_CREATE
  DISCORD_TOKEN=... dgw connect --encoding etf --compress zstd-stream --capture s.cap
  dgw decode --events op:0 s.cap         # the same lines again (op 0 only: no Hello, ACKs, sends)
)");

    // dgw gateway serve
    CLI::App* gcmd = app.add_subcommand("gateway", "A local Discord gateway for bots and tests");
    gcmd->require_subcommand(1);
    CLI::App* scmd = gcmd->add_subcommand(
        "serve", "Serve a local gateway: GET /api/v10/gateway/bot, websocket sessions, the dispatches of a "
                 "capture, Discord's close codes, injected faults; logs JSON lines");
    dgw::tool::serve::options srv;
    std::string srv_log, srv_faults;
    std::vector<std::string> srv_fault_lines, srv_tls;
    long long identify_ms = 5000, heartbeat_ms = 41250, heartbeat_timeout_ms = 0;
    scmd->add_option("--listen", srv.listen, "HOST:PORT to listen on; port 0 picks a free one")->capture_default_str();
    scmd->add_option("--token", srv.token, "The bot token clients must send (default: $DISCORD_TOKEN)");
    scmd->add_option("--events", srv.events,
                     "Dispatches to send, from a capture or JSON lines (any form `dgw decode` reads); "
                     "READY and RESUMED in it are skipped, the server writes its own");
    scmd->add_option("--shards", srv.shards,
                     "Shard count Identify must carry (4010 otherwise). An event with a guild (d.guild_id, "
                     "or d.id of GUILD_CREATE/UPDATE/DELETE) goes to shard (guild_id >> 22) % N, others "
                     "to shard 0")
        ->capture_default_str();
    scmd->add_option("--rate", srv.rate, "Dispatches per second per session (default: as fast as the socket allows)");
    scmd->add_option("--max-concurrency", srv.max_concurrency,
                     "session_start_limit.max_concurrency: identify buckets shard_id % N")
        ->capture_default_str();
    scmd->add_option("--identify-interval-ms", identify_ms,
                     "One identify per bucket per this many ms; a faster one gets op 9 (Discord: 5000)")
        ->capture_default_str();
    scmd->add_option("--heartbeat-interval-ms", heartbeat_ms, "Hello's heartbeat_interval")->capture_default_str();
    scmd->add_option("--heartbeat-timeout-ms", heartbeat_timeout_ms,
                     "Close with 4009 when no heartbeat came for this long (default: twice the interval)");
    scmd->add_flag("--privileged", srv.privileged,
                   "Allow the privileged intents (GUILD_MEMBERS, GUILD_PRESENCES, MESSAGE_CONTENT); "
                   "without it Identify with them closes with 4014");
    scmd->add_option("--session-start-total", srv.session_start_total,
                     "session_start_limit.total; each identify takes one from remaining, none left gives op 9")
        ->capture_default_str();
    scmd->add_option("--fault", srv_fault_lines, "A fault, e.g. \"after 50 dispatches: op7\" (repeatable; below)");
    scmd->add_option("--faults", srv_faults, "A file of faults, one per line (below)");
    scmd->add_option("--log", srv_log, "Write the JSON-lines log to this file (appended) instead of stderr");
    scmd->add_option("--tls", srv_tls, "CERT KEY (PEM files): serve wss:// and https://")->expected(2);
    scmd->footer(std::string(R"(
The first line on stdout is the ws:// (wss://) URL served, flushed; GET /api/v10/gateway/bot
(Authorization: Bot TOKEN, else 401) returns it with shards and session_start_limit.
Websocket connections on any path, query v=10 (else close 4012), encoding=json|etf,
compress=zlib-stream|zstd-stream. Enforced: 4001 unknown op, 4002 undecodable payload / ETF
atom keys / over 4096 bytes, 4003 before identify, 4004 bad token, 4005 second identify,
4007 bad resume seq, 4008 over 120 payloads per 60 s, 4009 no heartbeat in time, 4010 bad
shard, 4013 invalid intents, 4014 privileged intents; op 9 for identifies faster than
max_concurrency per interval. Sessions outlive connections: Resume replays every dispatch
after its seq, then RESUMED. Each session numbers its own s (READY is 1).
Log lines (stderr or --log): {"ts":SECONDS,"ev":KIND,...} with KIND listen, http, connect,
hello... see docs/gateway-serve.md. The token is never logged.

)") + dgw::tool::serve::fault_syntax_help);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e);
        return rc == 0 ? exit_ok : exit_usage;
    }
    try {
        if (kcmd->parsed()) {
            con.big = parse_big_integers(con_big);
            for (std::size_t p = 0; p < con_ids.size();) {
                const std::size_t c = std::min(con_ids.find(',', p), con_ids.size());
                const std::string id = con_ids.substr(p, c - p);
                p = c + 1;
                if (id.empty()) continue;
                try {
                    std::size_t used = 0;
                    const unsigned long v = std::stoul(id, &used);
                    if (used != id.size() || v > 0xFFFFFFFFul) throw std::invalid_argument(id);
                    con.shard_ids.push_back(static_cast<std::uint32_t>(v));
                } catch (const std::exception&) {
                    std::fprintf(stderr, "dgw: error: --shard-ids: '%s' is not a shard id\n", id.c_str());
                    return exit_usage;
                }
            }
            return run_connect(con);
        }
        if (scmd->parsed()) {
            if (srv.token.empty())
                if (const char* env = std::getenv("DISCORD_TOKEN")) srv.token = env;
            srv.identify_interval = std::chrono::milliseconds(identify_ms);
            srv.heartbeat_interval = std::chrono::milliseconds(heartbeat_ms);
            srv.heartbeat_timeout = std::chrono::milliseconds(heartbeat_timeout_ms);
            if (srv_tls.size() == 2) {
                srv.tls_cert = srv_tls[0];
                srv.tls_key = srv_tls[1];
            }
            try {
                for (const auto& line : srv_fault_lines) srv.faults.push_back(dgw::tool::serve::parse_fault(line));
                if (!srv_faults.empty()) {
                    std::ifstream f(srv_faults);
                    if (!f) {
                        std::fprintf(stderr, "dgw: cannot open --faults %s\n", srv_faults.c_str());
                        return exit_usage;
                    }
                    const std::string text((std::istreambuf_iterator<char>(f)), {});
                    for (auto& x : dgw::tool::serve::parse_fault_script(text)) srv.faults.push_back(std::move(x));
                }
            } catch (const dgw::tool::serve::fault_syntax_error& e) {
                std::fprintf(stderr, "dgw: %s\n", e.what());
                return exit_usage;
            }
            return dgw::tool::serve::run_serve(std::move(srv), srv_log);
        }
        if (dcmd->parsed()) {
            apply_from(dec.read, dec_from);
            if (dcmd->count("--limit")) dec.read.limit = dec_limit;
            dec.big = parse_big_integers(dec_big);
            return run_decode(dec);
        }
        if (!ccmd->parsed()) return exit_usage;
        apply_from(conv.read, conv_from);
        if (ccmd->count("--limit")) conv.read.limit = conv_limit;
        if (ccmd->count("--level")) conv.level = conv_level;
        if (ccmd->count("--big-integers")) conv.big = parse_big_integers(conv_big);
        return run_convert(conv);
    } catch (const std::exception& e) {
        // Nothing should get here; if it does, report instead of aborting.
        std::fprintf(stderr, "dgw: internal error: %s\n", e.what());
        return exit_bad_input;
    }
}
