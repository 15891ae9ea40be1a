#pragma once
/// Fault injection for `dgw gateway serve`: what can go wrong on a connection, when, and
/// the one-line syntax that says so (`after 50 dispatches: op7`, `at 2.5s: close 4009`,
/// `on SIGUSR1: drop`; docs/gateway-serve.md).

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace dgw::tool::serve {

/// What a fault does to a connection.
enum class fault_kind : std::uint8_t {
    reconnect,       ///< `op7`: send op 7 Reconnect
    invalid_session, ///< `op9 true|false`: send op 9; false also ends the session
    close,           ///< `close CODE [REASON]`: a close frame with CODE
    drop,            ///< `drop`: close the TCP connection without a close frame
    zombie,          ///< `zombie`: stop acknowledging heartbeats on this connection
    delay,           ///< `delay DURATION`: hold the next message that long
    split,           ///< `split`: write the next zlib-stream message as two websocket messages
    heartbeat,       ///< `op1`: ask for a heartbeat now (op 1 from the server)
};

/// When a fault fires.
enum class trigger_kind : std::uint8_t {
    at,    ///< `at DURATION`: that long after the server started, once
    after, ///< `after N dispatches`: when the N-th new dispatch (server-wide) has been written, once
    every, ///< `every N dispatches`: after every N-th new dispatch
    on,    ///< `on SIGUSR1|SIGUSR2`: each time the signal arrives
};

/// One line of a fault script.
struct fault {
    trigger_kind trigger = trigger_kind::at;
    std::chrono::milliseconds at{0};    ///< trigger_kind::at
    std::uint64_t count = 0;            ///< after / every
    int signal = 0;                     ///< on: SIGUSR1 or SIGUSR2
    std::optional<unsigned> shard;      ///< `shard K` after the trigger: only that shard's connections
    fault_kind kind = fault_kind::reconnect;
    bool resumable = false;             ///< invalid_session
    std::uint16_t code = 4000;          ///< close
    std::string reason;                 ///< close
    std::chrono::milliseconds delay{0}; ///< delay
    std::string text;                   ///< the line as written (for the log)
};

/// A script line that does not parse; what() names the problem.
struct fault_syntax_error : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
};

/// Parses one fault line. Throws fault_syntax_error.
fault parse_fault(std::string_view line);
/// Parses a script: one fault per line, blank lines and `#` comments ignored. Errors name
/// the line number. Throws fault_syntax_error.
std::vector<fault> parse_fault_script(std::string_view text);
/// `op7`, `op9`, `close`, `drop`, `zombie`, `delay`, `split`.
std::string_view to_string(fault_kind k) noexcept;

/// The syntax, for --help and errors.
extern const char* const fault_syntax_help;

} // namespace dgw::tool::serve
