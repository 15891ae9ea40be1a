// dgw: decode and convert captured Discord gateway traffic.
//
//   dgw decode [options] [FILE|-]       one line of JSON per gateway message
//   dgw convert --to json|etf [options] IN OUT
//   dgw connect [options]               run a shard, one line of JSON per dispatch
//
// The command line is parsed here (CLI11); the work is in decode.cpp and convert.cpp.
#include "commands.hpp"
#include "connect.hpp"

#include <CLI/CLI.hpp>

#include <csignal>

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
                 "framed, zlib-stream or zstd-stream), and connect to a gateway.",
                 "dgw"};
    app.set_version_flag("--version", "dgw 0.1.0");
    app.require_subcommand(1);
    app.footer("Run `dgw decode --help`, `dgw convert --help` or `dgw connect --help` for each command's options.");

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
        if (dcmd->parsed()) {
            apply_from(dec.read, dec_from);
            if (dcmd->count("--limit")) dec.read.limit = dec_limit;
            dec.big = parse_big_integers(dec_big);
            return run_decode(dec);
        }
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
