// User commands through the client: the 4096-byte limit, queueing until READY, the
// 120/60 s budget under a burst, heartbeats keeping their slots meanwhile, and the
// margin that keeps a burst received late within the gateway's window.
#include "test_client_harness.hpp"

#include <dgw/protocol_error.hpp>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>

namespace bdata = boost::unit_test::data;
using namespace dgw;
using namespace dgw::test;

namespace {

boost::json::value presence(const std::string& name) {
    return {{"since", nullptr},
            {"activities", {{{"name", name}, {"type", 0}}}},
            {"status", "online"},
            {"afk", false}};
}

boost::json::value members(std::uint64_t guild) {
    return {{"guild_id", std::to_string(guild)}, {"query", ""}, {"limit", 0}};
}

// The activity name that makes the serialized Update Presence exactly `size` bytes: each
// ASCII character adds one byte in JSON and in an ETF BINARY_EXT alike.
std::string padding_for(std::size_t size, Encoding enc) {
    auto base = encode_frame(command{Opcode::PresenceUpdate, presence("")}, enc).bytes.size();
    return std::string(size - base, 'x');
}

/// Largest number of sends inside any window [t, t + 60 s).
std::size_t max_in_any_window(const std::vector<sent_message>& sent) {
    std::size_t worst = 0;
    for (std::size_t i = 0; i < sent.size(); ++i) {
        std::size_t n = 0;
        for (std::size_t j = i; j < sent.size() && sent[j].at < sent[i].at + 60s; ++j) ++n;
        worst = std::max(worst, n);
    }
    return worst;
}

/// Largest number of `times` (any order) inside any window [t, t + window).
std::size_t max_in_any_window(std::vector<clock::time_point> times, clock::duration window) {
    std::sort(times.begin(), times.end());
    std::size_t worst = 0;
    for (std::size_t i = 0, j = 0; i < times.size(); ++i) {
        while (j < times.size() && times[j] < times[i] + window) ++j;
        worst = std::max(worst, j - i);
    }
    return worst;
}

/// The load on a client whose gateway counts `window` (and whose config says so),
/// heartbeats every window / 12 (5 s at 60 s): 200 presences at READY, then the timers
/// until all left. Returns when the gateway receives each payload if everything sent at
/// READY arrives `late` and the rest on time; `at_ready` gets how many left at READY.
std::vector<clock::time_point> burst_received(Encoding enc, clock::duration window, clock::duration late,
                                              std::size_t& at_ready) {
    harness h(enc, [&](client_config& c) { c.command_window = std::chrono::duration_cast<std::chrono::milliseconds>(window); });
    h.auto_ack = true;
    h.feed(hello(std::chrono::duration_cast<std::chrono::milliseconds>(window / 12).count()));
    h.feed(ready(1));
    const auto ready_at = h.now;
    for (int i = 0; i < 200; ++i) BOOST_TEST_REQUIRE(!h.send_command(Opcode::PresenceUpdate, presence("p")));
    while (h.c.queued() > 0 && h.timer) h.advance_to(*h.timer);
    BOOST_TEST_REQUIRE(h.sent_with(Opcode::PresenceUpdate).size() == 200u);
    at_ready = 0;
    std::vector<clock::time_point> received;
    for (const auto& m : h.sent) {
        at_ready += m.at == ready_at && m.op == Opcode::PresenceUpdate;
        received.push_back(m.at == ready_at ? m.at + late : m.at);
    }
    return received;
}

} // namespace

BOOST_AUTO_TEST_SUITE(client_commands)

BOOST_DATA_TEST_CASE(payload_of_4096_bytes_is_sent_4097_refused, bdata::make(encodings), enc_name) {
    auto enc = parse_encoding(enc_name);
    harness h(enc);
    h.to_ready(1);
    auto ok = padding_for(4096, enc);
    BOOST_TEST(!h.send_command(Opcode::PresenceUpdate, presence(ok)));
    BOOST_TEST(h.last_sent().op == Opcode::PresenceUpdate);
    BOOST_TEST(h.last_sent().size == 4096u);

    std::size_t before = h.sent.size();
    auto ec = h.send_command(Opcode::PresenceUpdate, presence(ok + "x"));
    BOOST_TEST((ec == protocol_errc::payload_too_large));
    BOOST_TEST(h.sent.size() == before);
    BOOST_TEST(h.c.queued() == 0u);
    BOOST_TEST_REQUIRE(h.refusals.size() == 1u);
    BOOST_TEST(h.refusals[0].detail.find("4097") != std::string::npos);
    BOOST_TEST(h.refusals[0].detail.find("4096") != std::string::npos);
}

BOOST_DATA_TEST_CASE(oversized_command_is_refused_even_before_ready, bdata::make(encodings), enc_name) {
    auto enc = parse_encoding(enc_name);
    harness h(enc);
    auto ec = h.send_command(Opcode::PresenceUpdate, presence(padding_for(4097, enc)));
    BOOST_TEST((ec == protocol_errc::payload_too_large));
    BOOST_TEST(h.c.queued() == 0u);
}

BOOST_DATA_TEST_CASE(commands_before_ready_are_queued_then_sent_in_order, bdata::make(encodings), enc_name) {
    harness h(parse_encoding(enc_name));
    BOOST_TEST(!h.send_command(Opcode::RequestGuildMembers, members(1)));
    h.feed(hello());
    BOOST_TEST(!h.send_command(Opcode::RequestGuildMembers, members(2)));
    BOOST_TEST(h.c.queued() == 2u);
    BOOST_TEST(h.sent_with(Opcode::RequestGuildMembers).empty()); // before READY Discord closes with 4003
    h.feed(ready(1));
    auto sent = h.sent_with(Opcode::RequestGuildMembers);
    BOOST_TEST_REQUIRE(sent.size() == 2u);
    BOOST_TEST(sent[0].v.at("d").at("guild_id").as_string() == "1");
    BOOST_TEST(sent[1].v.at("d").at("guild_id").as_string() == "2");
    BOOST_TEST(h.c.queued() == 0u);
}

BOOST_DATA_TEST_CASE(queued_commands_survive_a_reconnect, bdata::make(encodings), enc_name) {
    harness h(parse_encoding(enc_name));
    h.to_ready(1);
    h.feed(reconnect_op());
    h.reconnect_client();
    BOOST_TEST(!h.send_command(Opcode::RequestGuildMembers, members(7)));
    h.close_from_server(1006); // dies before Hello; the command never left
    h.reconnect_client();
    BOOST_TEST(h.c.queued() == 1u);
    h.feed(hello());
    h.feed(dispatch("RESUMED", 2));
    BOOST_TEST(h.sent_with(Opcode::RequestGuildMembers).size() == 1u);
}

BOOST_DATA_TEST_CASE(refusing_before_ready_when_queueing_is_off, bdata::make(encodings), enc_name) {
    auto enc = parse_encoding(enc_name);
    auto cfg = harness::make_config(enc);
    cfg.queue_until_ready = false;
    harness h(enc, cfg);
    BOOST_TEST((h.send_command(Opcode::PresenceUpdate, presence("a")) == protocol_errc::not_ready));
    h.feed(hello());
    BOOST_TEST((h.send_command(Opcode::PresenceUpdate, presence("a")) == protocol_errc::not_ready));
    h.feed(ready(1));
    BOOST_TEST(!h.send_command(Opcode::PresenceUpdate, presence("a")));
    BOOST_TEST(h.sent_with(Opcode::PresenceUpdate).size() == 1u);
}

BOOST_DATA_TEST_CASE(other_refusals, bdata::make(encodings), enc_name) {
    auto enc = parse_encoding(enc_name);
    auto cfg = harness::make_config(enc);
    cfg.max_queued = 2;
    harness h(enc, cfg);
    BOOST_TEST((h.send_command(Opcode::Identify, boost::json::object{}) == protocol_errc::invalid_command));
    BOOST_TEST((h.send_command(Opcode::Heartbeat, nullptr) == protocol_errc::invalid_command));
    BOOST_TEST((h.send_command(Opcode::Resume, boost::json::object{}) == protocol_errc::invalid_command));
    BOOST_TEST(!h.send_command(Opcode::VoiceStateUpdate, {{"guild_id", "1"}, {"channel_id", nullptr},
                                                            {"self_mute", false}, {"self_deaf", false}}));
    BOOST_TEST(!h.send_command(Opcode::RequestSoundboardSounds, {{"guild_ids", {"1", "2"}}}));
    BOOST_TEST((h.send_command(Opcode::RequestChannelInfo, {{"guild_id", "1"}, {"fields", {"status"}}}) ==
                protocol_errc::rate_limited));
    h.run(h.c.shutdown(h.now));
    BOOST_TEST((h.send_command(Opcode::PresenceUpdate, presence("a")) == protocol_errc::client_closed));
    BOOST_TEST(h.c.stats().commands_refused == 5u);
}

BOOST_DATA_TEST_CASE(burst_of_500_respects_120_per_minute_and_heartbeat_slots, bdata::make(encodings), enc_name) {
    harness h(parse_encoding(enc_name));
    auto cfg_hello_at = h.now;
    h.to_ready(1);
    for (int i = 0; i < 500; ++i)
        BOOST_TEST_REQUIRE(!h.send_command(Opcode::RequestGuildMembers, members(static_cast<std::uint64_t>(i))));
    // Every send counts, Identify included: Identify + 116 commands = 117, and the
    // reserve of 3 (ceil(60 / 41.25) + 1) stays free for heartbeats.
    BOOST_TEST(h.sent_with(Opcode::RequestGuildMembers).size() == 116u);
    BOOST_TEST(h.sent.size() == 117u);

    auto end = h.now + 6min;
    while (h.timer && *h.timer <= end) {
        h.advance_to(*h.timer);
        if (h.last_sent().op == Opcode::Heartbeat && h.last_sent().at == h.now) h.feed(ack());
    }
    BOOST_TEST(h.c.queued() == 0u);
    auto cmds = h.sent_with(Opcode::RequestGuildMembers);
    BOOST_TEST_REQUIRE(cmds.size() == 500u);
    for (std::size_t i = 0; i < cmds.size(); ++i) // order kept
        BOOST_TEST_REQUIRE(cmds[i].v.at("d").at("guild_id").as_string() == std::to_string(i));
    BOOST_TEST(max_in_any_window(h.sent) <= 120u);
    BOOST_TEST(h.closes.empty()); // no zombie verdict along the way

    auto beats = h.sent_with(Opcode::Heartbeat);
    BOOST_TEST_REQUIRE(beats.size() >= 8u);
    auto slot = cfg_hello_at + std::chrono::microseconds(interval_ms * 250);
    for (const auto& b : beats) {
        BOOST_TEST((b.at == slot)); // exactly on time, never pushed back by the burst
        slot += std::chrono::milliseconds(interval_ms);
    }
}

// The case through the client on a fake clock: 200 presences at once with 5 s
// heartbeats, the gateway counting on its receive times. Everything sent at READY
// reaching it up to 2 s late (the margin) keeps every 60 s window at 120 or below; later
// than that, the batch sent when the burst expired here lands in the burst's window.
BOOST_DATA_TEST_CASE(burst_of_200_received_late_by_up_to_the_margin_stays_within_120, bdata::make(encodings),
                     enc_name) {
    const auto enc = parse_encoding(enc_name);
    std::size_t at_ready = 0;
    BOOST_TEST(max_in_any_window(burst_received(enc, 60s, 0s, at_ready), 60s) <= 120u);
    BOOST_TEST(at_ready == 105u); // 120 - 14 reserved (ceil(62 / 5) + 1), less Identify
    BOOST_TEST(max_in_any_window(burst_received(enc, 60s, 2s - 1ms, at_ready), 60s) <= 120u);
    BOOST_TEST(max_in_any_window(burst_received(enc, 60s, 2s + 1ms, at_ready), 60s) > 120u);
}

// client_config::command_window scales the window and the margin with it (a thirtieth),
// for tests against a gateway with a shorter window.
BOOST_DATA_TEST_CASE(a_scaled_command_window_scales_the_margin, bdata::make(encodings), enc_name) {
    const auto enc = parse_encoding(enc_name);
    std::size_t at_ready = 0;
    BOOST_TEST(max_in_any_window(burst_received(enc, 3s, 100ms - 1ms, at_ready), 3s) <= 120u);
    BOOST_TEST(at_ready == 105u);
    BOOST_TEST(max_in_any_window(burst_received(enc, 3s, 100ms + 1ms, at_ready), 3s) > 120u);
}

BOOST_DATA_TEST_CASE(server_heartbeat_requests_during_a_burst_still_go_out, bdata::make(encodings), enc_name) {
    harness h(parse_encoding(enc_name));
    h.to_ready(1);
    for (int i = 0; i < 200; ++i) h.send_command(Opcode::RequestGuildMembers, members(1));
    auto before = h.sent_with(Opcode::Heartbeat).size();
    h.feed(heartbeat_request());
    BOOST_TEST(h.sent_with(Opcode::Heartbeat).size() == before + 1);
    BOOST_TEST(max_in_any_window(h.sent) <= 120u);
}

BOOST_AUTO_TEST_SUITE_END()
