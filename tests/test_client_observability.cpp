// Observability of the client: counters, heartbeat latency, the log hook, and the rule
// that the bot token appears in no log line, error message or capture.
#include "test_client_harness.hpp"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

namespace bdata = boost::unit_test::data;
using namespace dgw;
using namespace dgw::test;

namespace {

/// Every string a user of the client could see, other than the frames it must send.
std::vector<std::string> visible_text(const harness& h) {
    std::vector<std::string> all = h.log_lines;
    all.insert(all.end(), h.captures.begin(), h.captures.end());
    for (auto& c : h.closes) all.push_back(c.reason);
    for (auto& s : h.stops) all.push_back(s.detail + s.reason.message());
    for (auto& r : h.refusals) all.push_back(r.detail + r.reason.message());
    for (auto& f : h.decode_failures) all.push_back(f.error.message());
    if (auto* cl = std::get_if<state::closed>(&h.c.state())) all.push_back(cl->detail);
    return all;
}

} // namespace

BOOST_AUTO_TEST_SUITE(client_observability)

BOOST_DATA_TEST_CASE(the_token_never_appears_in_logs_errors_or_captures, bdata::make(encodings), enc_name) {
    auto enc = parse_encoding(enc_name);
    harness h(enc);
    h.auto_ack = true;
    h.to_ready(1);
    h.feed(dispatch("MESSAGE_CREATE", 2, {{"content", "someone pasted " + token}}));
    h.feed(dispatch("MESSAGE_CREATE", 3, {{"id", token}})); // not a snowflake: set aside, and logged
    BOOST_TEST(h.c.stats().events_with_mismatches == 1u);
    h.feed(heartbeat_request());
    h.feed(ack());
    h.advance(2min);
    // A command quoting the token, one too large to send, and one refused as invalid.
    h.send_command(Opcode::PresenceUpdate, {{"since", nullptr}, {"activities", boost::json::array{}},
                                             {"status", token}, {"afk", false}});
    h.send_command(Opcode::PresenceUpdate, {{"status", token + std::string(5000, 'x')}});
    h.send_command(Opcode::Identify, {{"token", token}});
    h.feed(reconnect_op());
    h.reconnect_client();
    h.feed(hello()); // Resume carries the token
    h.feed(invalid_session(false));
    h.reconnect_client();
    h.feed(hello()); // a second Identify
    h.run(h.c.on_message("{\"op\":0,\"t\":\"" + token + "\",broken", h.now));
    h.reconnect_client();
    h.close_from_server(4004, "Authentication failed: " + token);

    BOOST_TEST(h.sent_with(Opcode::Identify).size() == 2u);
    BOOST_TEST(h.sent_with(Opcode::Resume).size() == 1u);
    BOOST_TEST(!h.log_lines.empty());
    BOOST_TEST(h.captures.size() > 10u);
    const std::string masked(token.size(), '*');
    bool identify_captured_masked = false;
    for (auto& c : h.captures) identify_captured_masked = identify_captured_masked || c.find(masked) != std::string::npos;
    BOOST_TEST(identify_captured_masked);
    for (const auto& line : visible_text(h)) {
        BOOST_TEST_CONTEXT("text: " << line.substr(0, 200)) {
            BOOST_TEST(line.find(token) == std::string::npos);
            // Nor its secret part on its own (a token is id.timestamp.hmac).
            BOOST_TEST(line.find(token.substr(token.rfind('.') + 1)) == std::string::npos);
        }
    }
}

BOOST_DATA_TEST_CASE(masked_etf_captures_stay_decodable, bdata::make(encodings), enc_name) {
    auto enc = parse_encoding(enc_name);
    harness h(enc);
    h.to_ready(1);
    BOOST_TEST_REQUIRE(h.captures.size() == 3u); // Hello in, Identify out, READY in
    const std::string& identify = h.captures[1];
    boost::json::value v;
    if (enc == Encoding::Json) {
        v = boost::json::parse(identify);
    } else {
        decode_error err;
        v = etf::to_json(identify, err);
        BOOST_TEST_REQUIRE(!err);
    }
    BOOST_TEST(v.at("d").at("token").as_string() == std::string(token.size(), '*'));
}

BOOST_DATA_TEST_CASE(counters_and_latency, bdata::make(encodings), enc_name) {
    auto enc = parse_encoding(enc_name);
    harness h(enc);
    std::uint64_t in_msgs = 0, in_bytes = 0;
    auto feed = [&](const boost::json::value& v) {
        ++in_msgs;
        in_bytes += wire(v, enc).size();
        h.feed(v);
    };
    feed(hello());
    feed(ready(1));
    feed(dispatch("MESSAGE_CREATE", 2));
    feed(dispatch("GUILD_CREATE", 3));
    h.advance_to(*h.timer);
    h.advance(120ms);
    feed(ack());
    BOOST_TEST_REQUIRE(h.c.stats().heartbeat_latency.has_value());
    BOOST_TEST((*h.c.stats().heartbeat_latency == std::chrono::milliseconds(120)));
    feed(reconnect_op());
    h.reconnect_client();
    feed(hello());
    feed(dispatch("RESUMED", 4));

    const auto& st = h.c.stats();
    BOOST_TEST(st.messages_received == in_msgs);
    BOOST_TEST(st.bytes_received == in_bytes);
    std::uint64_t out_bytes = 0;
    for (auto& m : h.sent) out_bytes += m.size;
    BOOST_TEST(st.messages_sent == h.sent.size());
    BOOST_TEST(st.bytes_sent == out_bytes);
    BOOST_TEST(st.dispatches == 4u);
    BOOST_TEST(st.heartbeats_sent == 1u);
    BOOST_TEST(st.heartbeat_acks == 1u);
    BOOST_TEST(st.identifies == 1u);
    BOOST_TEST(st.resumes == 1u);
    BOOST_TEST(st.reconnects == 1u);
}

BOOST_AUTO_TEST_CASE(log_levels_say_how_bad_it_is) {
    harness h(Encoding::Json);
    h.to_ready(1);
    h.close_from_server(4014, "Disallowed intent(s).");
    bool error_logged = false;
    for (auto& l : h.log_lines) error_logged = error_logged || (l.rfind("error: ", 0) == 0 && l.find("4014") != std::string::npos);
    BOOST_TEST(error_logged);
}

BOOST_AUTO_TEST_CASE(no_hooks_no_problem) {
    auto cfg = harness::make_config(Encoding::Json);
    harness h(Encoding::Json, cfg); // make_config without sinks: log and capture unset
    BOOST_TEST(!h.cfg.log);
    h.to_ready(1);
    h.feed(reconnect_op());
    BOOST_TEST(h.log_lines.empty());
}

BOOST_AUTO_TEST_SUITE_END()
