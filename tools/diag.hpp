#pragma once
/// Diagnostics on stderr: error and warning lines, counted, and a progress bar that is
/// drawn only when stderr is a terminal and cleared before any other line is written.

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace dgw {
struct decode_error;
}

namespace dgw::tool {

class file_source;

/// Writes the tool's stderr output.
class diag {
public:
    /// `quiet` silences the progress bar and notes (errors are always printed).
    explicit diag(bool quiet);

    /// Shows progress through `src` (its size, when known, gives a percentage).
    void track(const file_source* src) noexcept { src_ = src; }
    /// Reports a bad message or input problem; counted for the exit status.
    void error(std::string_view text);
    /// Reports something the user should know that does not make the run fail.
    void warning(std::string_view text);
    /// Informational line; suppressed by --quiet.
    void note(std::string_view text);
    /// Called once per message: redraws the progress bar at most ten times a second.
    void tick(std::uint64_t messages) {
        if (bar_ && (++ticks_ & 63) == 0) redraw(messages, false);
    }
    /// Clears the bar and says how many errors were not shown.
    void finish();
    /// Errors reported so far.
    std::uint64_t errors() const noexcept { return errors_; }

    /// At most this many error lines are printed; the rest are only counted.
    static constexpr std::uint64_t max_printed_errors = 100;

private:
    void redraw(std::uint64_t messages, bool force);
    void clear_bar();
    void line(std::string_view prefix, std::string_view text);

    const file_source* src_ = nullptr;
    bool quiet_;
    bool bar_ = false;       // stderr is a terminal and not --quiet
    bool bar_shown_ = false; // a bar is on screen and must be cleared before other output
    std::uint64_t ticks_ = 0;
    std::uint64_t errors_ = 0;
    std::uint64_t last_messages_ = 0;
    std::chrono::steady_clock::time_point start_, last_draw_;
};

/// Values set aside by --mismatched=keep (GatewayMessage::mismatched): each event name and
/// path is reported once, as a warning, with the first message it was seen in.
class mismatch_notes {
public:
    /// Warns about the reports of one message (`where`: its position) not seen before.
    void add(diag& d, std::string_view where, std::string_view t, const std::vector<decode_error>& found);

private:
    std::set<std::string> seen_;
};

} // namespace dgw::tool
