#pragma once
// Shared scaffolding for the client's scenario tests: a fake gateway server that speaks
// JSON or ETF (atom keys, as Discord writes), an injected clock, and a driver that
// performs the client's actions the way a shard would. No sockets, no sleeping.

#include <dgw/client.hpp>
#include <dgw/etf/json.hpp>
#include <dgw/opcode.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

// Boost.Test prints compared values; teach it Opcode without claiming dgw's operator<<.
template <> struct boost::test_tools::tt_detail::print_log_value<dgw::Opcode> {
    void operator()(std::ostream& os, dgw::Opcode op) {
        os << dgw::to_string(op) << " (op " << static_cast<int>(op) << ")";
    }
};

namespace dgw::test {

using namespace std::chrono_literals;
using clock = gateway_clock;

/// A recognisable token: every test that logs or captures asserts it never shows up.
inline const std::string token = "MTE4NDk1NzQ2OTk4MjAzMzk1Mg.GxYzAb.SUPER-SECRET-TOKEN-do-not-leak-42";

/// The gateway base URLs of the scenarios.
inline const std::string gateway_base = "wss://gateway.discord.gg";
inline const std::string resume_base = "wss://gateway-us-east1-b.discord.gg";

/// The heartbeat interval Discord announces.
inline constexpr std::int64_t interval_ms = 41250;

/// The encodings every scenario runs in, as data for BOOST_DATA_TEST_CASE.
inline const std::vector<std::string> encodings{"json", "etf"};

inline Encoding parse_encoding(const std::string& name) {
    return name == "etf" ? Encoding::Etf : Encoding::Json;
}

/// Serializes a message the way the server would: JSON text, or ETF with atom keys.
inline std::string wire(const boost::json::value& v, Encoding enc) {
    if (enc == Encoding::Json) return boost::json::serialize(v);
    std::string out;
    etf::from_json(v, out, etf::writer_options{.atom_keys = true});
    return out;
}

inline boost::json::value hello(std::int64_t iv = interval_ms) {
    return {{"op", 10}, {"d", {{"heartbeat_interval", iv}, {"_trace", {"[\"gateway-prd\",{}]"}}}},
            {"s", nullptr}, {"t", nullptr}};
}
inline boost::json::value dispatch(const char* t, std::int64_t s, boost::json::value d = boost::json::object{}) {
    return {{"op", 0}, {"t", t}, {"s", s}, {"d", std::move(d)}};
}
inline boost::json::value ready(std::int64_t s, const std::string& session_id = "sess-1") {
    return dispatch("READY", s,
                    {{"v", 10},
                     {"session_id", session_id},
                     {"resume_gateway_url", resume_base},
                     {"user", {{"id", "1184957469982033952"}, {"username", "bot"}}},
                     {"guilds", boost::json::array{}},
                     {"shard", {0, 1}},
                     {"application", {{"id", "1184957469982033952"}, {"flags", 0}}}});
}
inline boost::json::value ack() { return {{"op", 11}, {"d", nullptr}, {"s", nullptr}, {"t", nullptr}}; }
inline boost::json::value reconnect_op() { return {{"op", 7}, {"d", nullptr}, {"s", nullptr}, {"t", nullptr}}; }
inline boost::json::value invalid_session(bool resumable) {
    return {{"op", 9}, {"d", resumable}, {"s", nullptr}, {"t", nullptr}};
}
inline boost::json::value heartbeat_request() { return {{"op", 1}, {"d", nullptr}, {"s", nullptr}, {"t", nullptr}}; }

/// Checks an ETF term written by the client: version byte, and every map key a BINARY_EXT.
/// Written independently of the codec under test; covers the tags a client may send.
class etf_key_checker {
public:
    explicit etf_key_checker(std::string_view b) : b_(b) {}
    bool ok() {
        if (b_.empty() || static_cast<unsigned char>(b_[0]) != 131) return false;
        pos_ = 1;
        return term(false) && pos_ == b_.size();
    }

private:
    std::uint32_t u(std::size_t n) {
        std::uint32_t v = 0;
        for (std::size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(b_.at(pos_++));
        return v;
    }
    bool term(bool is_key) {
        auto tag = static_cast<unsigned char>(b_.at(pos_++));
        if (is_key && tag != 109) return false;
        switch (tag) {
        case 97: pos_ += 1; return true;
        case 98: pos_ += 4; return true;
        case 70: pos_ += 8; return true;
        case 106: return true;
        case 109: pos_ += u(4); return true;
        case 100: pos_ += u(2); return true;
        case 115: pos_ += u(1); return true;
        case 110: { auto n = u(1); pos_ += 1 + n; return true; }
        case 108: {
            auto n = u(4);
            for (std::uint32_t i = 0; i < n; ++i)
                if (!term(false)) return false;
            return term(false); // tail
        }
        case 116: {
            auto n = u(4);
            for (std::uint32_t i = 0; i < n; ++i)
                if (!term(true) || !term(false)) return false;
            return true;
        }
        default: return false; // STRING_EXT, COMPRESSED, atoms-as-keys... a client must not send them
        }
    }
    std::string_view b_;
    std::size_t pos_ = 0;
};

/// One frame the client sent, decoded back to JSON.
struct sent_message {
    clock::time_point at;
    Opcode op;
    boost::json::value v;
    std::size_t size;
};

/// Drives one client (and its successors) like a shard would, recording everything.
struct harness {
    Encoding enc;
    client_config cfg;
    client c;
    clock::time_point now{std::chrono::hours(1000)};
    bool auto_grant = true; ///< answer request_identify at once
    bool auto_ack = false;  ///< answer each timed heartbeat with op 11 at once

    std::vector<action> all;          ///< every action of every client, in order
    std::vector<sent_message> sent;
    std::vector<deliver_event> events;
    std::vector<event_decode_failed> decode_failures;
    std::vector<close_socket> closes;
    std::vector<reconnect> reconnects;
    std::vector<stop> stops;
    std::vector<command_refused> refusals;
    std::vector<std::uint32_t> identify_requests;
    std::vector<std::string> log_lines;
    std::vector<std::string> captures;
    std::optional<clock::time_point> timer;

    static client_config make_config(Encoding e, std::vector<std::string>* logs = nullptr,
                                      std::vector<std::string>* caps = nullptr) {
        client_config c;
        c.identify.token = token;
        c.identify.intents = Intents::Guilds | Intents::GuildMessages; // 513
        c.gateway_url = gateway_base;
        c.encoding = e;
        c.jitter = [] { return 0.25; };
        c.invalid_session_delay = [] { return std::chrono::milliseconds(3000); };
        if (logs) c.log = [logs](log_level l, std::string_view s) { logs->push_back(std::string(to_string(l)) + ": " + std::string(s)); };
        if (caps) c.capture = [caps](capture_direction, std::string_view b, bool) { caps->emplace_back(b); };
        return c;
    }

    explicit harness(Encoding e) : enc(e), cfg(make_config(e, &log_lines, &captures)), c(cfg) {}
    harness(Encoding e, client_config config) : enc(e), cfg(std::move(config)), c(cfg) {}
    /// The default config with hooks, adjusted by `tweak` before the client is made.
    harness(Encoding e, const std::function<void(client_config&)>& tweak)
        : enc(e), cfg(tweaked(make_config(e, &log_lines, &captures), tweak)), c(cfg) {}

    static client_config tweaked(client_config c, const std::function<void(client_config&)>& tweak) {
        tweak(c);
        return c;
    }

    /// Performs actions like a shard: records them and answers identify requests.
    void run(std::vector<action> acts) {
        for (auto& a : acts) {
            all.push_back(a);
            if (auto* s = std::get_if<send_frame>(&a)) {
                BOOST_TEST_REQUIRE(s->message.binary == (enc == Encoding::Etf));
                boost::json::value v;
                if (enc == Encoding::Json) {
                    v = boost::json::parse(s->message.bytes);
                } else {
                    BOOST_TEST_REQUIRE(etf_key_checker(s->message.bytes).ok(), "client ETF must use binary keys");
                    decode_error err;
                    v = etf::to_json(s->message.bytes, err);
                    BOOST_TEST_REQUIRE(!err, err.message());
                }
                BOOST_TEST_REQUIRE(v.as_object().at("op").to_number<int>() == static_cast<int>(s->op));
                sent.push_back({now, s->op, std::move(v), s->message.bytes.size()});
            } else if (auto* t = std::get_if<set_timer>(&a)) {
                timer = t->at;
            } else if (std::holds_alternative<cancel_timer>(a)) {
                timer.reset();
            } else if (auto* e = std::get_if<deliver_event>(&a)) {
                BOOST_TEST_REQUIRE(e->message != nullptr);
                events.push_back(*e);
            } else if (auto* f = std::get_if<event_decode_failed>(&a)) {
                BOOST_TEST_REQUIRE(f->message != nullptr);
                decode_failures.push_back(*f);
            } else if (auto* cl = std::get_if<close_socket>(&a)) {
                closes.push_back(*cl);
            } else if (auto* r = std::get_if<reconnect>(&a)) {
                reconnects.push_back(*r);
            } else if (auto* st = std::get_if<stop>(&a)) {
                stops.push_back(*st);
            } else if (auto* rf = std::get_if<command_refused>(&a)) {
                refusals.push_back(*rf);
            } else if (auto* ri = std::get_if<request_identify>(&a)) {
                identify_requests.push_back(ri->shard_id);
            }
        }
        // Granting after the batch, as an async queue would: never inside step().
        for (auto& a : acts)
            if (std::holds_alternative<request_identify>(a) && auto_grant) run(c.on_identify_granted(now));
    }

    void feed(const boost::json::value& v) { run(c.on_message(wire(v, enc), now)); }
    void close_from_server(int code, std::string_view reason = "") { run(c.on_close(code, reason, now)); }
    /// Sends a free-form command; returns the refusal among the actions (at most one), if any.
    boost::system::error_code send_command(Opcode op, boost::json::value d) {
        boost::system::error_code ec;
        auto acts = c.send(dgw::command{op, std::move(d)}, now);
        int refusals = 0;
        for (const auto& a : acts)
            if (const auto* r = std::get_if<command_refused>(&a)) ec = r->reason, ++refusals;
        BOOST_TEST(refusals <= 1);
        run(std::move(acts));
        return ec;
    }

    /// Moves the clock to `t`, firing the timer at each armed time on the way.
    void advance_to(clock::time_point t) {
        while (timer && *timer <= t) {
            now = std::max(now, *timer);
            auto beats = sent.size();
            run(c.on_timer(now));
            if (auto_ack && sent.size() > beats && sent.back().op == Opcode::Heartbeat) feed(ack());
        }
        now = std::max(now, t);
    }
    void advance(clock::duration d) { advance_to(now + d); }

    /// Replaces the dead client with its successor, as a shard does on reconnect.
    void reconnect_client() {
        BOOST_TEST_REQUIRE(c.closed());
        c = client(cfg, c);
        timer.reset();
    }

    /// A full fresh session up to READY with sequence `s`.
    void to_ready(std::int64_t s = 1) {
        feed(hello());
        feed(ready(s));
        BOOST_TEST_REQUIRE(std::holds_alternative<state::connected>(c.state()));
    }

    std::vector<sent_message> sent_with(Opcode op) const {
        std::vector<sent_message> r;
        for (auto& m : sent)
            if (m.op == op) r.push_back(m);
        return r;
    }
    const sent_message& last_sent() const {
        if (sent.empty()) throw std::logic_error("nothing sent");
        return sent.back();
    }
};

} // namespace dgw::test
