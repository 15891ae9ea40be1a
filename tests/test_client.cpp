// Scenario tests of the sans-IO client: whole sessions walked with an injected clock,
// in both encodings (the server side speaks ETF with atom keys, as Discord does).
#include "test_client_harness.hpp"

#include <dgw/gateway.hpp>
#include <dgw/protocol_error.hpp>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>

namespace bdata = boost::unit_test::data;
using namespace dgw;
using namespace dgw::test;

namespace {

std::string url_for(const std::string& base, const std::string& enc) {
    return base + "/?v=10&encoding=" + enc;
}

bool keeps_session(int code) { return code != 1000 && code != 1001; }

} // namespace

BOOST_AUTO_TEST_SUITE(client)

BOOST_DATA_TEST_CASE(identify_ready_dispatch_reconnect_resume_replay_resumed, bdata::make(encodings), enc_name) {
    harness h(parse_encoding(enc_name));
    BOOST_TEST(h.c.url() == url_for(gateway_base, enc_name));

    auto hello_at = h.now;
    h.feed(hello());
    BOOST_TEST_REQUIRE(h.sent.size() == 1u);
    BOOST_TEST(h.sent[0].op == Opcode::Identify);
    const auto& id = h.sent[0].v.at("d").as_object();
    BOOST_TEST(id.at("token").as_string() == token);
    BOOST_TEST(id.at("intents").to_number<std::int64_t>() == 513);
    BOOST_TEST(id.at("shard").as_array() == (boost::json::array{0, 1}));
    BOOST_TEST(id.at("properties").as_object().contains("os"));
    BOOST_TEST(id.at("properties").as_object().contains("browser"));
    BOOST_TEST(id.at("properties").as_object().contains("device"));
    BOOST_TEST((!id.contains("compress") || id.at("compress") == false));
    BOOST_TEST_REQUIRE(h.timer.has_value());
    BOOST_TEST((*h.timer == hello_at + std::chrono::microseconds(interval_ms * 250)));

    h.feed(ready(1));
    BOOST_TEST(std::holds_alternative<state::connected>(h.c.state()));
    h.feed(dispatch("GUILD_CREATE", 2, {{"id", "1"}, {"unavailable", false}}));
    h.feed(dispatch("MESSAGE_CREATE", 3, {{"id", "2"}, {"content", "hi"}}));
    h.feed(dispatch("SOME_EVENT_FROM_2030", 4));
    BOOST_TEST_REQUIRE(h.events.size() == 4u);
    BOOST_TEST(h.events[0].t == "READY");
    BOOST_TEST(h.events[3].t == "SOME_EVENT_FROM_2030");
    BOOST_TEST(*h.events[3].s == 4);

    h.advance_to(*h.timer);
    BOOST_TEST(h.last_sent().op == Opcode::Heartbeat);
    BOOST_TEST(h.last_sent().v.at("d").to_number<std::int64_t>() == 4);
    h.feed(ack());

    h.feed(reconnect_op());
    BOOST_TEST_REQUIRE(h.closes.size() == 1u);
    BOOST_TEST(keeps_session(h.closes[0].code));
    BOOST_TEST_REQUIRE(h.reconnects.size() == 1u);
    BOOST_TEST(h.reconnects[0].resume);
    BOOST_TEST(h.reconnects[0].url == url_for(resume_base, enc_name));
    BOOST_TEST(h.c.closed());
    BOOST_TEST(!h.timer.has_value());

    h.reconnect_client();
    BOOST_TEST(h.c.url() == url_for(resume_base, enc_name));
    std::size_t before = h.sent.size();
    h.feed(hello());
    BOOST_TEST_REQUIRE(h.sent.size() == before + 1);
    BOOST_TEST(h.last_sent().op == Opcode::Resume);
    const auto& rs = h.last_sent().v.at("d").as_object();
    BOOST_TEST(rs.at("token").as_string() == token);
    BOOST_TEST(rs.at("session_id").as_string() == "sess-1");
    BOOST_TEST(rs.at("seq").to_number<std::int64_t>() == 4);
    BOOST_TEST(std::holds_alternative<state::resuming>(h.c.state()));

    h.feed(dispatch("MESSAGE_CREATE", 5));
    h.feed(dispatch("MESSAGE_DELETE", 6));
    BOOST_TEST(std::holds_alternative<state::resuming>(h.c.state()));
    h.feed(dispatch("RESUMED", 7, {{"_trace", {"x"}}}));
    BOOST_TEST(std::holds_alternative<state::connected>(h.c.state()));
    BOOST_TEST_REQUIRE(h.events.size() == 7u);
    BOOST_TEST(*h.events[4].s == 5);
    BOOST_TEST(*h.events[5].s == 6);
    BOOST_TEST(h.events[6].t == "RESUMED");
    BOOST_TEST(h.sent_with(Opcode::Identify).size() == 1u);
    BOOST_TEST(h.c.stats().resumes == 1u);
    BOOST_TEST(h.c.stats().reconnects == 1u);

    h.advance_to(*h.timer);
    BOOST_TEST(h.last_sent().op == Opcode::Heartbeat);
    BOOST_TEST(h.last_sent().v.at("d").to_number<std::int64_t>() == 7);
    BOOST_TEST(h.stops.empty());
}

BOOST_DATA_TEST_CASE(heartbeat_cadence_null_before_first_dispatch, bdata::make(encodings), enc_name) {
    harness h(parse_encoding(enc_name));
    h.auto_grant = false; // no READY yet, so no dispatch has been seen
    auto hello_at = h.now;
    h.feed(hello());
    BOOST_TEST(h.identify_requests.size() == 1u);
    BOOST_TEST(h.sent.empty());

    h.advance_to(hello_at + std::chrono::milliseconds(interval_ms));
    auto beats = h.sent_with(Opcode::Heartbeat);
    BOOST_TEST_REQUIRE(beats.size() == 1u);
    BOOST_TEST((beats[0].at == hello_at + std::chrono::microseconds(interval_ms * 250)));
    BOOST_TEST(beats[0].v.at("d").is_null()); // null, never 0
    h.feed(ack());

    h.run(h.c.on_identify_granted(h.now));
    h.feed(ready(1));
    h.advance_to(beats[0].at + std::chrono::milliseconds(interval_ms));
    beats = h.sent_with(Opcode::Heartbeat);
    BOOST_TEST_REQUIRE(beats.size() == 2u);
    BOOST_TEST((beats[1].at - beats[0].at == std::chrono::milliseconds(interval_ms)));
    BOOST_TEST(beats[1].v.at("d").to_number<std::int64_t>() == 1);
}

BOOST_DATA_TEST_CASE(op1_is_answered_at_once, bdata::make(encodings), enc_name) {
    harness h(parse_encoding(enc_name));
    h.to_ready(1);
    h.feed(dispatch("MESSAGE_CREATE", 2));
    h.advance(1s);
    auto at = h.now;
    h.feed(heartbeat_request());
    BOOST_TEST(h.last_sent().op == Opcode::Heartbeat);
    BOOST_TEST((h.last_sent().at == at));
    BOOST_TEST(h.last_sent().v.at("d").to_number<std::int64_t>() == 2);
    // The early beat gets a full interval to be acknowledged before the next one.
    BOOST_TEST((*h.timer == at + std::chrono::milliseconds(interval_ms)));
    h.feed(ack());
    h.advance_to(*h.timer);
    BOOST_TEST(h.closes.empty());
    BOOST_TEST(h.sent_with(Opcode::Heartbeat).size() == 2u);
}

BOOST_DATA_TEST_CASE(zombie_connection_closes_without_1000_and_resumes, bdata::make(encodings), enc_name) {
    harness h(parse_encoding(enc_name));
    h.to_ready(1);
    h.advance_to(*h.timer);
    BOOST_TEST(h.sent_with(Opcode::Heartbeat).size() == 1u);
    h.feed(ack());
    h.advance_to(*h.timer); // second beat, never acknowledged
    BOOST_TEST(h.sent_with(Opcode::Heartbeat).size() == 2u);
    BOOST_TEST(h.closes.empty());
    h.advance_to(*h.timer); // third slot: zombie
    BOOST_TEST(h.sent_with(Opcode::Heartbeat).size() == 2u);
    BOOST_TEST_REQUIRE(h.closes.size() == 1u);
    BOOST_TEST(keeps_session(h.closes[0].code));
    BOOST_TEST_REQUIRE(h.reconnects.size() == 1u);
    BOOST_TEST(h.reconnects[0].resume);
    auto& cl = std::get<state::closed>(h.c.state());
    BOOST_TEST((cl.cause == close_cause::zombie));
    h.reconnect_client();
    h.feed(hello());
    BOOST_TEST(h.last_sent().op == Opcode::Resume);
}

BOOST_DATA_TEST_CASE(op9_true_resumes, bdata::make(encodings), enc_name) {
    harness h(parse_encoding(enc_name));
    h.to_ready(1);
    h.feed(dispatch("X", 2));
    h.feed(invalid_session(true));
    BOOST_TEST_REQUIRE(h.closes.size() == 1u);
    BOOST_TEST(keeps_session(h.closes[0].code));
    BOOST_TEST_REQUIRE(h.reconnects.size() == 1u);
    BOOST_TEST(h.reconnects[0].resume);
    BOOST_TEST(h.reconnects[0].url == url_for(resume_base, enc_name));
    BOOST_TEST(h.stops.empty());
    h.reconnect_client();
    h.feed(hello());
    BOOST_TEST(h.last_sent().op == Opcode::Resume);
    BOOST_TEST(h.last_sent().v.at("d").at("seq").to_number<std::int64_t>() == 2);
}

BOOST_DATA_TEST_CASE(op9_false_new_session_on_cached_url_after_delay, bdata::make(encodings), enc_name) {
    harness h(parse_encoding(enc_name));
    h.to_ready(1);
    h.feed(invalid_session(false));
    BOOST_TEST_REQUIRE(h.closes.size() == 1u);
    BOOST_TEST(keeps_session(h.closes[0].code)); // a reconnect never closes with 1000
    BOOST_TEST_REQUIRE(h.reconnects.size() == 1u);
    BOOST_TEST(!h.reconnects[0].resume);
    BOOST_TEST(h.reconnects[0].url == url_for(gateway_base, enc_name));
    BOOST_TEST((h.reconnects[0].delay == 3000ms)); // the injected draw
    h.reconnect_client();
    h.feed(hello());
    BOOST_TEST(h.last_sent().op == Opcode::Identify);
    h.advance_to(*h.timer); // a new session restarts the sequence: the old s is gone
    BOOST_TEST(h.last_sent().op == Opcode::Heartbeat);
    BOOST_TEST(h.last_sent().v.at("d").is_null());
}

BOOST_AUTO_TEST_CASE(op9_default_delay_is_between_one_and_five_seconds) {
    for (int i = 0; i < 50; ++i) {
        auto cfg = harness::make_config(Encoding::Json);
        cfg.invalid_session_delay = nullptr;
        harness h(Encoding::Json, cfg);
        h.to_ready(1);
        h.feed(invalid_session(false));
        BOOST_TEST_REQUIRE(h.reconnects.size() == 1u);
        BOOST_TEST((h.reconnects[0].delay >= 1000ms && h.reconnects[0].delay <= 5000ms));
    }
}

BOOST_DATA_TEST_CASE(failed_resume_op9_false_identifies, bdata::make(encodings), enc_name) {
    harness h(parse_encoding(enc_name));
    h.to_ready(1);
    h.feed(reconnect_op());
    h.reconnect_client();
    h.feed(hello());
    BOOST_TEST(h.last_sent().op == Opcode::Resume);
    h.feed(invalid_session(false));
    BOOST_TEST(!h.reconnects.back().resume);
    BOOST_TEST(h.reconnects.back().url == url_for(gateway_base, enc_name));
    h.reconnect_client();
    h.feed(hello());
    BOOST_TEST(h.last_sent().op == Opcode::Identify);
    h.feed(ready(1, "sess-2"));
    BOOST_TEST(std::get<state::connected>(h.c.state()).session.session_id == "sess-2");
}

BOOST_DATA_TEST_CASE(op7_before_hello, bdata::make(encodings), enc_name) {
    harness h(parse_encoding(enc_name));
    h.feed(reconnect_op()); // no session yet: reconnect and identify
    BOOST_TEST_REQUIRE(h.closes.size() == 1u);
    BOOST_TEST(keeps_session(h.closes[0].code));
    BOOST_TEST(!h.reconnects.back().resume);
    h.reconnect_client();
    h.to_ready(1);
    h.feed(reconnect_op());
    h.reconnect_client();
    h.feed(reconnect_op()); // a resuming connection told to reconnect before Hello keeps the session
    BOOST_TEST(h.reconnects.back().resume);
    BOOST_TEST(h.reconnects.back().url == url_for(resume_base, enc_name));
    h.reconnect_client();
    h.feed(hello());
    BOOST_TEST(h.last_sent().op == Opcode::Resume);
}

BOOST_DATA_TEST_CASE(shutdown_closes_with_1000_and_stops, bdata::make(encodings), enc_name) {
    harness h(parse_encoding(enc_name));
    h.to_ready(1);
    h.run(h.c.shutdown(h.now));
    BOOST_TEST_REQUIRE(h.closes.size() == 1u);
    BOOST_TEST(h.closes[0].code == 1000);
    BOOST_TEST(h.reconnects.empty());
    BOOST_TEST_REQUIRE(h.stops.size() == 1u);
    BOOST_TEST((h.stops[0].reason == protocol_errc::shutdown));
    BOOST_TEST(!h.c.resumes());
    BOOST_TEST(!h.timer.has_value());
    h.close_from_server(1000); // the close echo changes nothing
    BOOST_TEST(h.reconnects.empty());
    h.feed(dispatch("X", 2)); // a dead client ignores input
    BOOST_TEST(h.events.size() == 1u);
}

BOOST_DATA_TEST_CASE(identify_waits_for_the_queue_and_cancels_when_closed, bdata::make(encodings), enc_name) {
    harness h(parse_encoding(enc_name));
    h.auto_grant = false;
    h.feed(hello());
    BOOST_TEST(h.identify_requests == std::vector<std::uint32_t>{0});
    BOOST_TEST(h.sent_with(Opcode::Identify).empty());
    h.run(h.c.on_identify_granted(h.now));
    BOOST_TEST(h.sent_with(Opcode::Identify).size() == 1u);
    h.run(h.c.on_identify_granted(h.now)); // a duplicate grant must not cause a second Identify (4005)
    BOOST_TEST(h.sent_with(Opcode::Identify).size() == 1u);

    harness w(parse_encoding(enc_name));
    w.auto_grant = false;
    w.feed(hello());
    w.close_from_server(1006);
    bool cancelled = false;
    for (auto& a : w.all) cancelled = cancelled || std::holds_alternative<cancel_identify>(a);
    BOOST_TEST(cancelled);
}

BOOST_DATA_TEST_CASE(identify_fields_and_urls, bdata::make(encodings), enc_name) {
    auto enc = parse_encoding(enc_name);
    auto cfg = harness::make_config(enc);
    cfg.identify.shard_id = 3;
    cfg.identify.shard_count = 8;
    cfg.identify.large_threshold = 250;
    cfg.identify.presence.emplace();
    cfg.identify.presence->status = "idle";
    cfg.compression = transport_compression::zstd_stream;
    harness h(enc, cfg);
    BOOST_TEST(h.c.url() == gateway_base + "/?v=10&encoding=" + enc_name + "&compress=zstd-stream");
    h.feed(hello());
    BOOST_TEST(h.identify_requests == std::vector<std::uint32_t>{3});
    const auto& d = h.last_sent().v.at("d").as_object();
    BOOST_TEST(d.at("shard").as_array() == (boost::json::array{3, 8}));
    BOOST_TEST(d.at("large_threshold").to_number<int>() == 250);
    BOOST_TEST(d.at("presence").at("status").as_string() == "idle");
    BOOST_TEST((!d.contains("compress") || d.at("compress") == false)); // never with transport compression
    h.feed(ready(1));
    h.feed(reconnect_op());
    BOOST_TEST(h.reconnects.back().url == resume_base + "/?v=10&encoding=" + enc_name + "&compress=zstd-stream");
}

// READY's resume_gateway_url is the server's word: a trailing slash or a query of its own
// leaves the query we send unchanged, and one that is no ws(s) URL is not used (the client
// resumes on gateway_url) instead of costing the session at the reconnect.
BOOST_DATA_TEST_CASE(resume_gateway_url_from_ready_as_sent_or_refused, bdata::make(encodings), enc_name) {
    auto resume_on = [&](const char* url) {
        harness h(parse_encoding(enc_name));
        auto r = ready(1);
        r.at("d").as_object()["resume_gateway_url"] = url;
        h.feed(hello());
        h.feed(r);
        h.feed(reconnect_op());
        BOOST_TEST_REQUIRE(h.reconnects.size() == 1u);
        BOOST_TEST(h.reconnects[0].resume);
        return std::make_pair(h.reconnects[0].url, h.log_lines);
    };
    BOOST_TEST(resume_on("wss://gateway-us-east1-b.discord.gg/").first == url_for(resume_base, enc_name));
    BOOST_TEST(resume_on("wss://gateway-us-east1-b.discord.gg/?v=9").first == url_for(resume_base, enc_name));
    auto [url, logs] = resume_on("gateway-us-east1-b.discord.gg");
    BOOST_TEST(url == url_for(gateway_base, enc_name));
    BOOST_TEST(std::any_of(logs.begin(), logs.end(), [](const std::string& l) {
        return l.find("\"gateway-us-east1-b.discord.gg\" is not a URL") != std::string::npos &&
               l.find("resuming on gateway_url instead") != std::string::npos;
    }));
}

BOOST_AUTO_TEST_CASE(config_breaking_protocol_rules_is_rejected) {
    auto bad = [](auto mutate) {
        auto cfg = harness::make_config(Encoding::Json);
        mutate(cfg);
        try {
            dgw::client c(cfg);
        } catch (const boost::system::system_error& e) {
            return e.code() == protocol_errc::invalid_config;
        }
        return false;
    };
    BOOST_TEST(bad([](client_config& c) { c.identify.compress = true; c.compression = transport_compression::zlib_stream; }));
    BOOST_TEST(bad([](client_config& c) { c.identify.compress = true; c.encoding = Encoding::Etf; }));
    BOOST_TEST(bad([](client_config& c) { c.reconnect_close_code = 1000; }));
    BOOST_TEST(bad([](client_config& c) { c.reconnect_close_code = 1001; }));
    BOOST_TEST(bad([](client_config& c) { c.identify.shard_id = 2; c.identify.shard_count = 2; }));
    BOOST_TEST(bad([](client_config& c) { c.gateway_url.clear(); }));
    BOOST_TEST(bad([](client_config& c) { c.gateway_url = "gateway.discord.gg"; }));
    BOOST_TEST(bad([](client_config& c) { c.gateway_url = "https://discord.com/api/v10"; }));
    BOOST_TEST(bad([](client_config& c) { c.command_window = std::chrono::milliseconds(0); }));
    BOOST_TEST(!bad([](client_config& c) { c.identify.compress = true; }));
}

BOOST_AUTO_TEST_CASE(parent_must_be_closed) {
    harness h(Encoding::Json);
    BOOST_CHECK_THROW(dgw::client(h.cfg, h.c), std::logic_error);
}

BOOST_DATA_TEST_CASE(sequence_comes_only_from_dispatches, bdata::make(encodings), enc_name) {
    harness h(parse_encoding(enc_name));
    h.to_ready(5);
    h.feed({{"op", 11}, {"d", nullptr}, {"s", 99}, {"t", nullptr}});
    h.feed({{"op", 1}, {"d", nullptr}, {"s", 98}, {"t", nullptr}});
    BOOST_TEST(h.last_sent().v.at("d").to_number<std::int64_t>() == 5);
    h.feed({{"op", 0}, {"t", "TYPING_START"}, {"s", nullptr}, {"d", boost::json::object{}}}); // no s: keep ours
    h.feed(heartbeat_request());
    BOOST_TEST(h.last_sent().v.at("d").to_number<std::int64_t>() == 5);
}

BOOST_DATA_TEST_CASE(events_carry_the_typed_event, bdata::make(encodings), enc_name) {
    auto enc = parse_encoding(enc_name);
    harness h(enc); // decode_events unset: every known event is decoded
    h.to_ready(1);
    h.feed(dispatch("MESSAGE_CREATE", 2, {{"id", "7"}, {"content", "hello"}}));
    BOOST_TEST_REQUIRE(h.events.size() == 2u);
    const auto& e = h.events[1];
    BOOST_TEST(e.t == "MESSAGE_CREATE");
    BOOST_TEST((e.type == EventType::MessageCreate));
    BOOST_TEST(*e.s == 2);
    BOOST_TEST_REQUIRE(e.message);
    const auto* m = std::get_if<events::MessageCreate>(&e.message->event);
    BOOST_TEST_REQUIRE(m != nullptr);
    BOOST_TEST(m->content == "hello");
    BOOST_TEST(m->id.value == 7u);
}

BOOST_DATA_TEST_CASE(malformed_message_resumes, bdata::make(encodings), enc_name) {
    harness h(parse_encoding(enc_name));
    h.to_ready(3);
    h.run(h.c.on_message("\x83\x74garbage{", h.now));
    BOOST_TEST_REQUIRE(h.closes.size() == 1u);
    BOOST_TEST(keeps_session(h.closes[0].code));
    BOOST_TEST(h.closes[0].reason.size() <= 123u);
    BOOST_TEST(h.reconnects.back().resume);
}

BOOST_AUTO_TEST_SUITE_END()
