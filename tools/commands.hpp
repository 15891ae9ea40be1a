#pragma once
/// The subcommands of `dgw`; main.cpp parses the command line into these options.

#include "input.hpp"

#include <dgw/encoding.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dgw::tool {

/// Exit status: every message decoded.
inline constexpr int exit_ok = 0;
/// Exit status: some messages or the input were bad (reported on stderr).
inline constexpr int exit_bad_input = 1;
/// Exit status: usage errors, files that cannot be opened or written.
inline constexpr int exit_usage = 2;

/// Options shared by decode and convert: where to read and what to select.
struct read_options {
    std::string input = "-";          ///< a file, or "-" for stdin
    source_options source;            ///< --from, --max-message-size
    std::vector<std::string> events;  ///< --events
    std::string direction = "all";    ///< --direction recv|send|all (captures)
    std::optional<std::uint64_t> limit; ///< --limit: at most this many messages out
    bool quiet = false;               ///< --quiet: no progress bar, no notes
    std::string unknown = "keep";     ///< --unknown keep|drop: typed output keeps the fields the schema lacks
    std::string mismatched = "keep";  ///< --mismatched keep|fail: a value of the wrong type is kept as received, or fails its message
};

/// `dgw decode`.
struct decode_command_options {
    read_options read;
    std::string output = "-"; ///< --output
    bool raw = false;         ///< --raw: generic conversion instead of the typed round trip
    /// --big-integers: integers beyond +-2^53-1 without a schema type (--raw, unknown
    /// events, `any` fields) as strings (default) or numbers
    big_integers big = big_integers::string;
    bool stats = false;       ///< --stats: table after the lines
    bool stats_only = false;  ///< --stats-only: the table without the lines
};

/// `dgw convert`.
struct convert_options {
    read_options read;
    std::string output;                 ///< OUT, or "-" for stdout
    std::string to = "etf";             ///< --to json|etf
    std::string compress = "none";      ///< --compress none|zlib-stream|zstd-stream
    std::string format = "framed";      ///< --format framed|capture|lines|raw
    std::optional<int> level;           ///< --level: compression level
    bool raw = false;                   ///< --raw: generic conversion (every field kept)
    /// --big-integers (--to json only): as for decode; unset means string
    std::optional<big_integers> big;
};

/// True when a message travelling in direction `d` is selected by --direction `want`.
bool direction_selected(const std::string& want, capture::direction d);

/// Runs `dgw decode`; returns the exit status.
int run_decode(const decode_command_options& o);
/// Runs `dgw convert`; returns the exit status.
int run_convert(const convert_options& o);

} // namespace dgw::tool
