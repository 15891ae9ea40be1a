// What the client does after each server close code, checked against a table written
// here by hand from the docs' close-code table (GATEWAY_NOTES.md §1.8), independent of
// the schema's generated close_action policy, so a mistake in either shows.
#include "test_client_harness.hpp"

#include <dgw/close_code.hpp>
#include <dgw/protocol_error.hpp>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

namespace bdata = boost::unit_test::data;
using namespace dgw;
using namespace dgw::test;

namespace {

enum class next { resume, new_session, stop };

struct row {
    int code;
    next expected;
    const char* meaning;
};

// 4006 is not a Discord code; an undocumented code is treated like any other: resume.
const row table[] = {
    {4000, next::resume, "unknown error"},
    {4001, next::resume, "unknown opcode"},
    {4002, next::resume, "decode error"},
    {4003, next::resume, "not authenticated"},
    {4004, next::stop, "authentication failed"},
    {4005, next::resume, "already authenticated"},
    {4006, next::resume, "(unassigned)"},
    {4007, next::new_session, "invalid seq"},
    {4008, next::resume, "rate limited"},
    {4009, next::new_session, "session timed out"},
    {4010, next::stop, "invalid shard"},
    {4011, next::stop, "sharding required"},
    {4012, next::stop, "invalid API version"},
    {4013, next::stop, "invalid intents"},
    {4014, next::stop, "disallowed intents"},
    {1000, next::resume, "normal closure from the server"},
    {1001, next::resume, "going away"},
    {1006, next::resume, "abnormal closure (no close frame)"},
};

} // namespace

BOOST_AUTO_TEST_SUITE(client_close_codes)

BOOST_AUTO_TEST_CASE(policy_matches_the_hand_written_table) {
    for (const auto& r : table) {
        BOOST_TEST_CONTEXT("close code " << r.code << " (" << r.meaning << ")") {
            auto got = close_action(r.code);
            switch (r.expected) {
            case next::resume: BOOST_TEST((got == CloseAction::Resume)); break;
            case next::new_session: BOOST_TEST((got == CloseAction::NewSession)); break;
            case next::stop: BOOST_TEST((got == CloseAction::Stop)); break;
            }
        }
    }
}

BOOST_DATA_TEST_CASE(every_close_code_in_a_live_session, bdata::make(encodings), enc_name) {
    const std::string enc = enc_name;
    for (const auto& r : table) {
        BOOST_TEST_CONTEXT("close code " << r.code << " (" << r.meaning << ")") {
            harness h(parse_encoding(enc));
            h.to_ready(1);
            h.feed(dispatch("MESSAGE_CREATE", 2));
            h.close_from_server(r.code, "bye");
            BOOST_TEST(h.c.closed());
            BOOST_TEST(h.closes.empty()); // the server closed; nothing for us to close
            BOOST_TEST(!h.timer.has_value());
            if (r.expected == next::stop) {
                BOOST_TEST(h.reconnects.empty());
                BOOST_TEST_REQUIRE(h.stops.size() == 1u);
                BOOST_TEST((h.stops[0].reason == protocol_errc::fatal_close));
                BOOST_TEST(h.stops[0].close_code == r.code);
                BOOST_TEST(!h.c.resumes());
                continue;
            }
            BOOST_TEST(h.stops.empty());
            BOOST_TEST_REQUIRE(h.reconnects.size() == 1u);
            const bool resume = r.expected == next::resume;
            BOOST_TEST(h.reconnects[0].resume == resume);
            BOOST_TEST(h.reconnects[0].url == (resume ? resume_base : gateway_base) + "/?v=10&encoding=" + enc);
            h.reconnect_client();
            h.feed(hello());
            BOOST_TEST(h.last_sent().op == (resume ? Opcode::Resume : Opcode::Identify));
            if (resume) BOOST_TEST(h.last_sent().v.at("d").at("seq").to_number<std::int64_t>() == 2);
        }
    }
}

BOOST_DATA_TEST_CASE(close_before_ready_has_no_session_to_resume, bdata::make(encodings), enc_name) {
    const std::string enc = enc_name;
    for (const auto& r : table) {
        BOOST_TEST_CONTEXT("close code " << r.code) {
            harness h(parse_encoding(enc));
            h.feed(hello()); // Identify sent, no READY yet
            h.close_from_server(r.code);
            if (r.expected == next::stop) {
                BOOST_TEST(h.stops.size() == 1u);
                continue;
            }
            BOOST_TEST_REQUIRE(h.reconnects.size() == 1u);
            BOOST_TEST(!h.reconnects[0].resume);
            BOOST_TEST(h.reconnects[0].url == gateway_base + "/?v=10&encoding=" + enc);
        }
    }
}

BOOST_DATA_TEST_CASE(resume_connection_closed_keeps_the_parent_session, bdata::make(encodings), enc_name) {
    harness h(parse_encoding(enc_name));
    h.to_ready(1);
    h.feed(dispatch("X", 9));
    h.close_from_server(1006);
    h.reconnect_client();
    h.close_from_server(1006); // dropped again before Hello: the session is still worth resuming
    BOOST_TEST(h.reconnects.back().resume);
    h.reconnect_client();
    h.feed(hello());
    BOOST_TEST(h.last_sent().op == Opcode::Resume);
    BOOST_TEST(h.last_sent().v.at("d").at("seq").to_number<std::int64_t>() == 9);
    h.close_from_server(4007); // the resume came too late: new session
    BOOST_TEST(!h.reconnects.back().resume);
}

BOOST_DATA_TEST_CASE(our_own_closes_never_use_1000_or_1001, bdata::make(encodings), enc_name) {
    std::vector<boost::json::value> causes{reconnect_op(), invalid_session(true), invalid_session(false)};
    for (auto& cause : causes) {
        harness h(parse_encoding(enc_name));
        h.to_ready(1);
        h.feed(cause);
        BOOST_TEST_REQUIRE(h.closes.size() == 1u);
        BOOST_TEST(h.closes[0].code != 1000);
        BOOST_TEST(h.closes[0].code != 1001);
    }
}

BOOST_AUTO_TEST_SUITE_END()
