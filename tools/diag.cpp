#include "diag.hpp"

#include "byte_source.hpp"

#include <dgw/error.hpp>

#include <cstdio>
#include <string>
#include <sys/ioctl.h>
#include <unistd.h>

namespace dgw::tool {

namespace {

using clock = std::chrono::steady_clock;

// Short inputs finish before a bar would be readable; only draw after this long.
constexpr auto show_after = std::chrono::milliseconds(300);
constexpr auto redraw_every = std::chrono::milliseconds(100);

int terminal_width() {
    winsize ws{};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40) return ws.ws_col;
    return 80;
}

std::string human_bytes(double b) {
    char buf[32];
    if (b >= 1e9) std::snprintf(buf, sizeof buf, "%.2f GB", b / 1e9);
    else if (b >= 1e6) std::snprintf(buf, sizeof buf, "%.1f MB", b / 1e6);
    else std::snprintf(buf, sizeof buf, "%.0f kB", b / 1e3);
    return buf;
}

} // namespace

diag::diag(bool quiet) : quiet_(quiet), start_(clock::now()), last_draw_(start_) {
    bar_ = !quiet && ::isatty(STDERR_FILENO) == 1;
}

void diag::line(std::string_view prefix, std::string_view text) {
    clear_bar();
    std::fprintf(stderr, "dgw: %.*s%.*s\n", static_cast<int>(prefix.size()), prefix.data(),
                 static_cast<int>(text.size()), text.data());
}

void diag::error(std::string_view text) {
    if (++errors_ <= max_printed_errors) line("error: ", text);
}

void diag::warning(std::string_view text) { line("warning: ", text); }

void diag::note(std::string_view text) {
    if (!quiet_) line("", text);
}

void diag::clear_bar() {
    if (!bar_shown_) return;
    std::fputs("\r\x1b[K", stderr);
    bar_shown_ = false;
}

void diag::redraw(std::uint64_t messages, bool force) {
    last_messages_ = messages;
    const auto now = clock::now();
    if (!force && (now - start_ < show_after || now - last_draw_ < redraw_every)) return;
    last_draw_ = now;
    const double secs = std::chrono::duration<double>(now - start_).count();
    const double done = src_ ? static_cast<double>(src_->consumed()) : 0;
    const auto total = src_ ? src_->size() : std::nullopt;
    char tail[160];
    std::snprintf(tail, sizeof tail, " %s  %llu msgs  %s/s", human_bytes(done).c_str(),
                  static_cast<unsigned long long>(messages), human_bytes(secs > 0 ? done / secs : 0).c_str());
    std::string text;
    if (total && *total > 0) {
        const double frac = std::min(1.0, done / static_cast<double>(*total));
        const int width = std::max(10, terminal_width() - static_cast<int>(std::string_view(tail).size()) - 10);
        const int filled = static_cast<int>(frac * width);
        // Appended piecewise: GCC 12 -O3 misreports "literal" + std::string (-Wrestrict).
        text.push_back('[');
        text.append(static_cast<std::size_t>(filled), '#');
        text.append(static_cast<std::size_t>(width - filled), '.');
        text += "] ";
        char pct[8];
        std::snprintf(pct, sizeof pct, "%3d%%", static_cast<int>(frac * 100));
        text += pct;
    }
    text += tail;
    std::fprintf(stderr, "\r\x1b[K%s", text.c_str());
    std::fflush(stderr);
    bar_shown_ = true;
}

void diag::finish() {
    clear_bar();
    bar_ = false;
    if (errors_ > max_printed_errors)
        std::fprintf(stderr, "dgw: %llu more errors not shown\n",
                     static_cast<unsigned long long>(errors_ - max_printed_errors));
}

void mismatch_notes::add(diag& d, std::string_view where, std::string_view t, const std::vector<decode_error>& found) {
    for (const decode_error& e : found) {
        std::string key = std::string(t) + ' ' + e.path;
        if (!seen_.insert(std::move(key)).second) continue;
        d.warning(std::string(where) + " (" + std::string(t) + "): " + e.message() +
                  "; kept as received (--mismatched=fail refuses such messages; later ones at this path not shown)");
    }
}

} // namespace dgw::tool
