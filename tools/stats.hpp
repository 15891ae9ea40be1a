#pragma once
/// --stats: messages, bytes and decode time per event type, and transport totals.

#include "input.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace dgw::tool {

/// Whole-run figures printed under the table.
struct run_summary {
    std::string input;             ///< the detected form, e.g. "framed, zstd-stream"
    std::uint64_t input_bytes = 0; ///< bytes read from the file or stdin
    transfer_totals transport;     ///< compressed in / decompressed out (zero when uncompressed)
    std::uint64_t printed = 0;     ///< lines written
    std::uint64_t errors = 0;      ///< problems reported on stderr
    double read_s = 0;             ///< reading, framing and decompressing
    double decode_s = 0;           ///< decoding (typed or generic)
    double output_s = 0;           ///< encoding and writing the lines
    double wall_s = 0;             ///< the whole run
};

/// Per-event-type totals.
class stats {
public:
    /// Counts one decoded message under `key` (an event name or an opcode label).
    void add(std::string_view key, std::uint64_t bytes, std::uint64_t wire, double decode_s);
    /// The --stats key of a message: its t for dispatches, "op N (Name)" for other opcodes.
    static std::string key(std::int64_t op, std::string_view t);
    /// Appends the table and the summary lines.
    void print(std::string& out, const run_summary& s) const;

private:
    struct row {
        std::uint64_t messages = 0, bytes = 0, wire = 0;
        double decode_s = 0;
    };
    std::map<std::string, row, std::less<>> rows_;
};

} // namespace dgw::tool
