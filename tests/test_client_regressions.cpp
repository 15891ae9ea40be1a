// Regression tests named after the bugs of the Go library this one replaces. Each shows,
// in both encodings, that the behaviour the Go state pattern got wrong is right here.
#include "test_client_harness.hpp"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

namespace bdata = boost::unit_test::data;
using namespace dgw;
using namespace dgw::test;

BOOST_AUTO_TEST_SUITE(client_regressions)

// Go: the sequence field was read but never stored, so heartbeats and Resume sent a stale s.
BOOST_DATA_TEST_CASE(the_sequence_never_advanced, bdata::make(encodings), enc_name) {
    harness h(parse_encoding(enc_name));
    h.to_ready(1);
    for (std::int64_t s = 2; s <= 40; ++s) h.feed(dispatch("MESSAGE_CREATE", s));
    h.feed(heartbeat_request());
    BOOST_TEST(h.last_sent().v.at("d").to_number<std::int64_t>() == 40);
    h.feed(reconnect_op());
    h.reconnect_client();
    h.feed(hello());
    BOOST_TEST(h.last_sent().v.at("d").at("seq").to_number<std::int64_t>() == 40);
}

// Go: the resuming state existed but nothing ever sent op 6; every reconnect identified.
BOOST_DATA_TEST_CASE(resume_was_never_sent, bdata::make(encodings), enc_name) {
    harness h(parse_encoding(enc_name));
    h.to_ready(1);
    for (int round = 0; round < 3; ++round) {
        h.close_from_server(1006);
        h.reconnect_client();
        h.feed(hello());
        BOOST_TEST(h.last_sent().op == Opcode::Resume);
        h.feed(dispatch("RESUMED", 2 + round));
    }
    BOOST_TEST(h.sent_with(Opcode::Identify).size() == 1u);
    BOOST_TEST(h.sent_with(Opcode::Resume).size() == 3u);
    BOOST_TEST(h.c.stats().resumes == 3u);
}

// Go: op 9's d was read inverted, so d=true ("may be resumed") ended the client.
BOOST_DATA_TEST_CASE(op9_d_true_reported_as_not_reconnectable, bdata::make(encodings), enc_name) {
    harness h(parse_encoding(enc_name));
    h.to_ready(1);
    h.feed(invalid_session(true));
    BOOST_TEST(h.stops.empty());
    BOOST_TEST_REQUIRE(h.reconnects.size() == 1u);
    BOOST_TEST(h.reconnects[0].resume);
    BOOST_TEST(h.c.resumes());

    harness f(parse_encoding(enc_name));
    f.to_ready(1);
    f.feed(invalid_session(false));
    BOOST_TEST(f.stops.empty()); // d=false is reconnectable too, just not resumable
    BOOST_TEST_REQUIRE(f.reconnects.size() == 1u);
    BOOST_TEST(!f.reconnects[0].resume);
}

// Go: the limiter's comparison was inverted: it blocked while under the limit and let
// sends through once over it.
BOOST_DATA_TEST_CASE(rate_limiting_inverted, bdata::make(encodings), enc_name) {
    harness h(parse_encoding(enc_name));
    h.auto_ack = true;
    h.to_ready(1);
    auto t0 = h.now;
    h.send_command(Opcode::RequestGuildMembers, {{"guild_id", "1"}, {"query", ""}, {"limit", 0}});
    BOOST_TEST(h.sent_with(Opcode::RequestGuildMembers).size() == 1u); // under the limit: at once
    BOOST_TEST((h.last_sent().at == t0));
    for (int i = 0; i < 200; ++i)
        h.send_command(Opcode::RequestGuildMembers, {{"guild_id", "1"}, {"query", ""}, {"limit", 0}});
    auto in_first_minute = h.sent_with(Opcode::RequestGuildMembers).size();
    BOOST_TEST(in_first_minute == 116u); // over the limit: held back
    BOOST_TEST(h.c.queued() == 201u - in_first_minute);
    h.advance(61s);
    BOOST_TEST(h.sent_with(Opcode::RequestGuildMembers).size() == in_first_minute);
    h.advance(1s); // the window and its 2 s margin slide: permits come back
    BOOST_TEST(h.sent_with(Opcode::RequestGuildMembers).size() > in_first_minute);
}

// Go: a heartbeat goroutine read the sequence while the reader goroutine wrote it, and
// kept beating on a connection the reader had already abandoned. Here the beat is just
// another input: it sees exactly the messages fed before it, and a dead client never beats.
BOOST_DATA_TEST_CASE(heartbeats_racing_the_reader, bdata::make(encodings), enc_name) {
    harness h(parse_encoding(enc_name));
    h.to_ready(1);
    auto due = *h.timer;
    h.advance_to(due - 1ms);
    h.now = due;
    h.feed(dispatch("MESSAGE_CREATE", 2)); // arrives at the very instant the beat is due
    h.run(h.c.on_timer(due));
    BOOST_TEST(h.last_sent().op == Opcode::Heartbeat);
    BOOST_TEST(h.last_sent().v.at("d").to_number<std::int64_t>() == 2);
    h.feed(ack());

    due = *h.timer;
    h.now = due;
    h.run(h.c.on_timer(due)); // this time the beat goes first
    h.feed(dispatch("MESSAGE_CREATE", 3));
    BOOST_TEST(h.sent_with(Opcode::Heartbeat).back().v.at("d").to_number<std::int64_t>() == 2);

    h.close_from_server(1006);
    auto beats = h.sent_with(Opcode::Heartbeat).size();
    h.run(h.c.on_timer(h.now + 10min)); // a stale timer on a dead connection
    BOOST_TEST(h.sent_with(Opcode::Heartbeat).size() == beats);
    BOOST_TEST(!h.c.timer().has_value());
}

BOOST_AUTO_TEST_SUITE_END()
