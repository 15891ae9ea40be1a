// The fault script syntax (faults.hpp): TRIGGER [shard K]: ACTION, one per line.
#include "faults.hpp"

#include <charconv>
#include <csignal>
#include <cstdlib>

namespace dgw::tool::serve {

const char* const fault_syntax_help = R"(Faults (--fault LINE, repeatable, or --faults SCRIPT with one per line, # comments):
  TRIGGER [shard K]: ACTION
Triggers:
  at DURATION              once, DURATION after the server started (2.5s, 300ms); hits every
                           live connection
  after N dispatches       once, when the N-th new dispatch has been written (server-wide,
                           replays not counted); hits the connection that wrote it
  every N dispatches       the same after every N-th new dispatch
  on SIGUSR1 | on SIGUSR2  each time the signal arrives; hits every live connection
  shard K                  only connections identified (or resumed) as shard K; after/every
                           then count that shard's dispatches only
Actions:
  op7                      send op 7 Reconnect (the client should resume)
  op9 true | op9 false     send op 9 Invalid Session; false also ends the session
  op1                      send op 1 Heartbeat (the client must heartbeat at once)
  close CODE [REASON]      close with CODE; 4003, 4004, 4007 and 4009-4014 end the session
                           (a Resume then gets op 9 false), other codes keep it resumable
  drop                     close the TCP connection without a close frame
  zombie                   stop acknowledging heartbeats on that connection
  delay DURATION           hold the connection's next message that long
  split                    write the next message as two websocket messages (zlib-stream only:
                           its 00 00 ff ff suffix marks the end; elsewhere Discord never splits,
                           so the fault is logged as skipped)
Messages a fault sends (op 7, op 9, a close frame) queue behind the dispatches already
queued for that connection, at most 4.
Examples: "after 50 dispatches: op7"  "at 2.5s: close 4009"  "on SIGUSR1 shard 1: drop")";

namespace {

std::vector<std::string_view> words(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
        const std::size_t b = i;
        while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
        if (i > b) out.push_back(s.substr(b, i - b));
    }
    return out;
}

[[noreturn]] void fail(std::string_view line, const std::string& why) {
    throw fault_syntax_error("fault \"" + std::string(line) + "\": " + why);
}

std::uint64_t number(std::string_view line, std::string_view w) {
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(w.data(), w.data() + w.size(), v);
    if (ec != std::errc{} || p != w.data() + w.size()) fail(line, "not a number: " + std::string(w));
    return v;
}

// 2.5s, 300ms, 1m; a bare number is seconds.
std::chrono::milliseconds duration(std::string_view line, std::string_view w) {
    double scale = 1000;
    std::string_view n = w;
    if (n.ends_with("ms")) {
        scale = 1;
        n.remove_suffix(2);
    } else if (n.ends_with("s")) {
        n.remove_suffix(1);
    } else if (n.ends_with("m")) {
        scale = 60000;
        n.remove_suffix(1);
    }
    const std::string text(n);
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || v < 0)
        fail(line, "not a duration (2.5s, 300ms): " + std::string(w));
    return std::chrono::milliseconds(static_cast<std::int64_t>(v * scale + 0.5));
}

} // namespace

std::string_view to_string(fault_kind k) noexcept {
    switch (k) {
    case fault_kind::reconnect: return "op7";
    case fault_kind::invalid_session: return "op9";
    case fault_kind::close: return "close";
    case fault_kind::drop: return "drop";
    case fault_kind::zombie: return "zombie";
    case fault_kind::delay: return "delay";
    case fault_kind::split: return "split";
    case fault_kind::heartbeat: return "op1";
    }
    return "?";
}

fault parse_fault(std::string_view line) {
    fault f;
    f.text = std::string(line);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) fail(line, "expected TRIGGER: ACTION");
    const auto trig = words(line.substr(0, colon));
    const auto act = words(line.substr(colon + 1));
    if (trig.empty()) fail(line, "no trigger before ':'");
    if (act.empty()) fail(line, "no action after ':'");

    std::size_t i = 0;
    if (trig[0] == "at" && trig.size() >= 2) {
        f.trigger = trigger_kind::at;
        f.at = duration(line, trig[1]);
        i = 2;
    } else if ((trig[0] == "after" || trig[0] == "every") && trig.size() >= 3 &&
               (trig[2] == "dispatches" || trig[2] == "dispatch")) {
        f.trigger = trig[0] == "after" ? trigger_kind::after : trigger_kind::every;
        f.count = number(line, trig[1]);
        if (f.count == 0) fail(line, "N must be at least 1");
        i = 3;
    } else if (trig[0] == "on" && trig.size() >= 2) {
        f.trigger = trigger_kind::on;
        if (trig[1] == "SIGUSR1") f.signal = SIGUSR1;
        else if (trig[1] == "SIGUSR2") f.signal = SIGUSR2;
        else fail(line, "signals: SIGUSR1, SIGUSR2");
        i = 2;
    } else {
        fail(line, "triggers: at DURATION, after N dispatches, every N dispatches, on SIGUSR1");
    }
    if (i + 2 == trig.size() && trig[i] == "shard") {
        f.shard = static_cast<unsigned>(number(line, trig[i + 1]));
        i += 2;
    }
    if (i != trig.size()) fail(line, "unexpected \"" + std::string(trig[i]) + "\" in the trigger");

    const std::string_view a = act[0];
    std::size_t want = 1;
    if (a == "op7" || a == "reconnect") {
        f.kind = fault_kind::reconnect;
    } else if (a == "op9" || a == "invalid-session") {
        f.kind = fault_kind::invalid_session;
        if (act.size() < 2 || (act[1] != "true" && act[1] != "false")) fail(line, "op9 takes true or false");
        f.resumable = act[1] == "true";
        want = 2;
    } else if (a == "close") {
        f.kind = fault_kind::close;
        if (act.size() < 2) fail(line, "close takes a code");
        const std::uint64_t c = number(line, act[1]);
        // What a close frame may carry (RFC 6455 7.4): 1004-1006 and 1015 are not sent.
        if (c < 1000 || c > 4999 || (c >= 1004 && c <= 1006) || (c >= 1015 && c < 3000))
            fail(line, "close codes are 1000-1003, 1007-1014, 3000-4999 (for 1006, a drop, use drop)");
        f.code = static_cast<std::uint16_t>(c);
        // The rest of the line is the reason, as written.
        const std::string_view rest = line.substr(colon + 1);
        const std::size_t at = rest.find(act[1]) + act[1].size();
        std::string_view reason = rest.substr(at);
        while (!reason.empty() && (reason.front() == ' ' || reason.front() == '\t')) reason.remove_prefix(1);
        while (!reason.empty() && (reason.back() == ' ' || reason.back() == '\t' || reason.back() == '\r'))
            reason.remove_suffix(1);
        if (reason.size() > 123) fail(line, "a close reason has at most 123 bytes");
        f.reason = std::string(reason);
        want = act.size();
    } else if (a == "op1" || a == "heartbeat") {
        f.kind = fault_kind::heartbeat;
    } else if (a == "drop") {
        f.kind = fault_kind::drop;
    } else if (a == "zombie") {
        f.kind = fault_kind::zombie;
    } else if (a == "delay") {
        f.kind = fault_kind::delay;
        if (act.size() < 2) fail(line, "delay takes a duration");
        f.delay = duration(line, act[1]);
        want = 2;
    } else if (a == "split") {
        f.kind = fault_kind::split;
    } else {
        fail(line, "actions: op7, op9 true|false, op1, close CODE [REASON], drop, zombie, delay DURATION, split");
    }
    if (act.size() != want) fail(line, "unexpected \"" + std::string(act[want]) + "\" after the action");
    return f;
}

std::vector<fault> parse_fault_script(std::string_view text) {
    std::vector<fault> out;
    std::size_t lineno = 0;
    while (!text.empty()) {
        const std::size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        ++lineno;
        if (const std::size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
        if (words(line).empty()) continue;
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
        try {
            out.push_back(parse_fault(line));
        } catch (const fault_syntax_error& e) {
            throw fault_syntax_error("line " + std::to_string(lineno) + ": " + e.what());
        }
    }
    return out;
}

} // namespace dgw::tool::serve
