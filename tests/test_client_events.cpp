// Typed events and typed commands through the client: handlers per event type, what is and
// is not decoded, decode failures that keep the session, raw events, intents derived from
// handlers, and the generated send commands against the JSON `command` path.
#include "test_files.hpp"
#include "test_client_harness.hpp"

#include <dgw/commands.hpp>
#include <dgw/event_handlers.hpp>
#include <dgw/gateway.hpp>
#include <dgw/protocol_error.hpp>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

namespace bdata = boost::unit_test::data;
namespace fs = std::filesystem;
using namespace dgw;
using namespace dgw::test;

namespace {

using dgw_test::read_file;

/// The MESSAGE_CREATE fixture (s = 42): the JSON file, or Erlang's term_to_binary of it.
std::string message_create_fixture(Encoding enc) {
    const fs::path dir(DGW_FIXTURES);
    return enc == Encoding::Json ? read_file(dir / "events" / "MESSAGE_CREATE.json")
                                 : read_file(dir / "events_etf" / "MESSAGE_CREATE.etf");
}

/// A MESSAGE_CREATE whose d has a type error: content must be a string.
boost::json::value bad_message(std::int64_t s) {
    return dispatch("MESSAGE_CREATE", s, {{"id", "1284936051227463720"}, {"content", 12}});
}

/// The same, with d first, as Erlang orders the keys (so ETF's d precedes s).
boost::json::value bad_message_d_first(std::int64_t s) {
    boost::json::object o;
    o["d"] = {{"id", "1284936051227463720"}, {"content", 12}};
    o["op"] = 0;
    o["s"] = s;
    o["t"] = "MESSAGE_CREATE";
    return o;
}

/// Bytes of the sent frames in `acts`.
std::vector<frame> frames_of(const std::vector<action>& acts) {
    std::vector<frame> r;
    for (auto& a : acts)
        if (auto* s = std::get_if<send_frame>(&a)) r.push_back(s->message);
    return r;
}

/// A client frame decoded back to JSON (ETF through the generic converter).
boost::json::value decoded(const frame& f, Encoding enc) {
    if (enc == Encoding::Json) return boost::json::parse(f.bytes);
    decode_error err;
    auto v = etf::to_json(f.bytes, err);
    BOOST_TEST_REQUIRE(!err, err.message());
    return v;
}

std::int64_t last_heartbeat_seq(const harness& h) {
    auto beats = h.sent_with(Opcode::Heartbeat);
    BOOST_TEST_REQUIRE(!beats.empty());
    return beats.back().v.at("d").to_number<std::int64_t>();
}

commands::UpdatePresence presence(const std::string& name) {
    commands::UpdatePresence p;
    p.activities.push_back({});
    p.activities[0].name = name;
    p.activities[0].type = types::ActivityType{0};
    p.status = "online";
    return p;
}

boost::json::value presence_json(const std::string& name) {
    return {{"since", nullptr}, {"activities", {{{"name", name}, {"type", 0}}}}, {"status", "online"}, {"afk", false}};
}

} // namespace

BOOST_AUTO_TEST_SUITE(client_events)

BOOST_DATA_TEST_CASE(handler_receives_the_typed_message_create, bdata::make(encodings), enc_name) {
    auto enc = parse_encoding(enc_name);
    event_handlers handlers;
    std::vector<std::string> calls;
    handlers.on<events::MessageCreate>([&](const events::MessageCreate& m, const dispatch_info& info) {
        calls.push_back("first");
        BOOST_TEST(info.t == "MESSAGE_CREATE");
        BOOST_TEST((info.type == EventType::MessageCreate));
        BOOST_TEST(*info.s == 42);
        BOOST_TEST(m.id.value == 1284936051227463720u);
        BOOST_TEST(m.channel_id.value == 1103492781045436436u);
        BOOST_TEST_REQUIRE(m.guild_id.has_value());
        BOOST_TEST(m.guild_id->value == 1103492780374335548u);
        BOOST_TEST(m.content == "<@290926444748734465> here is the forecast you asked for.");
        BOOST_TEST(m.author.username == "forecastbot");
        BOOST_TEST_REQUIRE(m.mentions.size() == 1u);
        BOOST_TEST(m.mentions[0].id.value == 290926444748734465u);
        BOOST_TEST_REQUIRE(m.attachments.size() == 1u);
        BOOST_TEST(m.attachments[0].filename == "forecast.png");
        BOOST_TEST(m.attachments[0].size == 48213);
        BOOST_TEST(!m.tts);
    });
    // A second handler for the same type, in the one-argument form: runs after the first.
    handlers.on<events::MessageCreate>([&](const events::MessageCreate&) { calls.push_back("second"); });
    bool other_called = false;
    handlers.on<events::GuildMemberAdd>([&](const events::GuildMemberAdd&) { other_called = true; });

    harness h(enc, [&](client_config& c) { handlers.apply(c); });
    h.to_ready(1);
    h.run(h.c.on_message(message_create_fixture(enc), h.now));
    BOOST_TEST(h.decode_failures.empty());
    BOOST_TEST_REQUIRE(h.events.size() == 2u);
    BOOST_TEST((h.events[1].type == EventType::MessageCreate));
    BOOST_TEST(std::holds_alternative<events::MessageCreate>(h.events[1].message->event));

    for (auto& a : h.all) handlers.dispatch(a);
    BOOST_TEST((calls == std::vector<std::string>{"first", "second"}));
    BOOST_TEST(!other_called);
    // The event's sequence became the session's.
    h.feed(heartbeat_request());
    BOOST_TEST(last_heartbeat_seq(h) == 42);
}

BOOST_DATA_TEST_CASE(a_type_error_fails_only_when_the_event_is_handled, bdata::make(encodings), enc_name) {
    auto enc = parse_encoding(enc_name);

    // Handled: d is decoded, so the integer content is a reported failure...
    event_handlers handled;
    handled.on<events::MessageCreate>([](const events::MessageCreate&) { BOOST_FAIL("must not be called"); });
    std::vector<std::string> errors;
    handled.on_decode_error([&](const event_decode_failed& f) { errors.push_back(f.error.path); });
    harness a(enc, [&](client_config& c) {
        handled.apply(c);
        c.keep_mismatched = false; // strict: the default sets the value aside (see below)
    });
    a.to_ready(1);
    a.feed(bad_message(2));
    BOOST_TEST(a.events.size() == 1u); // READY only
    BOOST_TEST_REQUIRE(a.decode_failures.size() == 1u);
    const auto& f = a.decode_failures[0];
    BOOST_TEST((f.error.code == codec_errc::type_mismatch));
    BOOST_TEST(f.error.path == "d.content");
    BOOST_TEST(f.t == "MESSAGE_CREATE");
    BOOST_TEST((f.type == EventType::MessageCreate));
    BOOST_TEST(*f.s == 2);
    BOOST_TEST(a.c.stats().event_decode_failures == 1u);
    for (auto& act : a.all) handled.dispatch(act);
    BOOST_TEST((errors == std::vector<std::string>{"d.content"}));

    // ...and not handled: nothing looks inside d, so the same bytes pass silently.
    event_handlers unhandled;
    unhandled.on<events::GuildMemberAdd>([](const events::GuildMemberAdd&) {});
    harness b(enc, [&](client_config& c) { unhandled.apply(c); });
    b.to_ready(1);
    b.feed(bad_message(2));
    BOOST_TEST(b.decode_failures.empty());
    BOOST_TEST(b.c.stats().event_decode_failures == 0u);
    BOOST_TEST_REQUIRE(b.events.size() == 2u);
    BOOST_TEST((b.events[1].type == EventType::MessageCreate));
    BOOST_TEST(*b.events[1].s == 2);
    const auto* raw = std::get_if<RawEvent>(&b.events[1].message->event);
    BOOST_TEST_REQUIRE(raw != nullptr);
    BOOST_TEST(raw->name == "MESSAGE_CREATE");
    BOOST_TEST(raw->data.empty()); // not even copied
    BOOST_TEST(!unhandled.dispatch(b.events[1]));
    b.feed(heartbeat_request());
    BOOST_TEST(last_heartbeat_seq(b) == 2);

    // Both clients are still in their sessions.
    for (auto* h : {&a, &b}) {
        BOOST_TEST(h->closes.empty());
        BOOST_TEST(h->reconnects.empty());
        BOOST_TEST(std::holds_alternative<state::connected>(h->c.state()));
    }
}

// The default (client_config::keep_mismatched): a value of the wrong type is set aside, the
// event reaches its handler, and each event type's first such event is logged once.
BOOST_DATA_TEST_CASE(a_wrong_type_is_set_aside_and_logged_once_per_event_type, bdata::make(encodings), enc_name) {
    auto enc = parse_encoding(enc_name);
    event_handlers handlers;
    std::vector<std::string> seen;
    handlers.on<events::MessageCreate>([&](const events::MessageCreate& m, const dispatch_info& i) {
        seen.push_back("MESSAGE_CREATE " + std::to_string(*i.s) + " content=" + m.content);
    });
    handlers.on<events::PresenceUpdate>([&](const events::PresenceUpdate&, const dispatch_info& i) {
        seen.push_back("PRESENCE_UPDATE " + std::to_string(*i.s));
    });
    harness h(enc, [&](client_config& c) { handlers.apply(c); });
    h.feed(hello());
    auto r = ready(1, "sess-odd");
    r.at("d").as_object()["v"] = "ten"; // even READY: the session opens, typed
    h.feed(r);
    BOOST_TEST_REQUIRE(std::holds_alternative<state::connected>(h.c.state()));
    h.feed(bad_message(2));
    h.feed(bad_message_d_first(3));
    h.feed(dispatch("PRESENCE_UPDATE", 4, {{"user", {{"id", "80351110224678912"}, {"username", 5}}},
                                           {"guild_id", "41771983423143937"}, {"status", "online"},
                                           {"activities", boost::json::array{}}}));
    // A new connection (resume) keeps the record of what was logged.
    h.feed(reconnect_op());
    h.reconnect_client();
    h.feed(hello());
    h.feed(dispatch("RESUMED", 5));
    h.feed(bad_message(6));
    for (auto& e : h.events) handlers.dispatch(e);

    BOOST_TEST(h.decode_failures.empty());
    BOOST_TEST(seen == (std::vector<std::string>{"MESSAGE_CREATE 2 content=", "MESSAGE_CREATE 3 content=",
                                                 "PRESENCE_UPDATE 4", "MESSAGE_CREATE 6 content="}),
               boost::test_tools::per_element());
    const auto& m = *h.events[1].message;
    BOOST_REQUIRE(m.mismatched.size() == 1u);
    BOOST_TEST(m.mismatched[0].path == "d.content");
    BOOST_TEST((m.mismatched[0].code == codec_errc::type_mismatch));
    std::vector<std::string> logged;
    for (const auto& l : h.log_lines)
        if (l.find("values of the wrong type") != std::string::npos) logged.push_back(l);
    BOOST_TEST_REQUIRE(logged.size() == 3u); // READY, MESSAGE_CREATE, PRESENCE_UPDATE: once each
    BOOST_TEST(logged[0].find("warning: event READY") == 0u);
    BOOST_TEST(logged[1].find("at d.content") != std::string::npos);
    BOOST_TEST(logged[2].find("at d.user.username") != std::string::npos);
    BOOST_TEST(h.c.stats().events_with_mismatches == 5u);
    BOOST_TEST(h.c.stats().event_decode_failures == 0u);
}

BOOST_DATA_TEST_CASE(a_failed_event_still_advances_the_sequence, bdata::make(encodings), enc_name) {
    auto enc = parse_encoding(enc_name);
    event_handlers handlers;
    int good = 0;
    handlers.on<events::MessageCreate>([&](const events::MessageCreate&) { ++good; });
    harness h(enc, [&](client_config& c) {
        handlers.apply(c);
        c.keep_mismatched = false;
    });
    h.auto_ack = true;
    h.to_ready(1);

    // Discord's JSON order (t, s, op, d), then Erlang's (d, op, s, t): in ETF the
    // failure inside d comes before s was read.
    h.feed(bad_message(2));
    BOOST_TEST_REQUIRE(h.decode_failures.size() == 1u);
    BOOST_TEST(*h.decode_failures[0].s == 2);
    h.advance_to(*h.timer);
    BOOST_TEST(last_heartbeat_seq(h) == 2);

    h.feed(bad_message_d_first(3));
    BOOST_TEST_REQUIRE(h.decode_failures.size() == 2u);
    BOOST_TEST(*h.decode_failures[1].s == 3);
    BOOST_TEST(h.decode_failures[1].t == "MESSAGE_CREATE");
    BOOST_TEST(h.decode_failures[1].error.path == "d.content");
    // The failure carries the undecoded d for a look by hand.
    const auto* raw = std::get_if<RawEvent>(&h.decode_failures[1].message->event);
    BOOST_TEST_REQUIRE(raw != nullptr);
    BOOST_TEST(!raw->data.empty());
    BOOST_TEST((raw->encoding == enc));
    h.advance_to(*h.timer);
    BOOST_TEST(last_heartbeat_seq(h) == 3);

    // The session goes on: later events decode, and a resume asks for what followed s = 4.
    h.feed(dispatch("MESSAGE_CREATE", 4, {{"id", "5"}, {"content", "fine"}}));
    for (auto& e : h.events) handlers.dispatch(e);
    BOOST_TEST(good == 1);
    h.feed(reconnect_op());
    h.reconnect_client();
    h.feed(hello());
    BOOST_TEST_REQUIRE(h.last_sent().op == Opcode::Resume);
    BOOST_TEST(h.last_sent().v.at("d").at("seq").to_number<std::int64_t>() == 4);
    BOOST_TEST(h.c.stats().event_decode_failures == 2u);
}

BOOST_DATA_TEST_CASE(a_ready_that_fails_to_decode_still_opens_the_session, bdata::make(encodings), enc_name) {
    auto enc = parse_encoding(enc_name);
    // Nothing handled: READY is decoded anyway, for the client's own sake.
    harness h(enc, [](client_config& c) {
        event_handlers{}.apply(c);
        c.keep_mismatched = false;
    });
    h.feed(hello());
    auto r = ready(1, "sess-broken");
    r.at("d").as_object()["v"] = "ten"; // Discord changed a type elsewhere in READY
    h.feed(r);
    BOOST_TEST_REQUIRE(h.decode_failures.size() == 1u);
    BOOST_TEST((h.decode_failures[0].type == EventType::Ready));
    BOOST_TEST(h.decode_failures[0].error.path == "d.v");
    BOOST_TEST_REQUIRE(std::holds_alternative<state::connected>(h.c.state()));
    h.feed(reconnect_op());
    BOOST_TEST(h.reconnects.back().url.rfind(resume_base, 0) == 0u);
    h.reconnect_client();
    h.feed(hello());
    BOOST_TEST_REQUIRE(h.last_sent().op == Opcode::Resume);
    BOOST_TEST(h.last_sent().v.at("d").at("session_id").as_string() == "sess-broken");
}

BOOST_DATA_TEST_CASE(unknown_events_go_to_the_raw_handler_with_their_data, bdata::make(encodings), enc_name) {
    auto enc = parse_encoding(enc_name);
    event_handlers handlers;
    std::vector<std::pair<std::string, boost::json::value>> raws;
    handlers.on<events::MessageCreate>([](const events::MessageCreate&) {});
    handlers.on_raw([&](const RawEvent& e, const dispatch_info& info) {
        BOOST_TEST(info.t == e.name);
        BOOST_TEST((e.encoding == enc));
        boost::json::value d;
        if (e.encoding == Encoding::Json) {
            d = boost::json::parse(e.data);
        } else {
            decode_error err;
            d = etf::to_json(e.data, err);
            BOOST_TEST_REQUIRE(!err, err.message());
        }
        raws.emplace_back(e.name, d);
    });
    harness h(enc, [&](client_config& c) { handlers.apply(c); });
    BOOST_TEST(!h.cfg.keep_unhandled_raw);
    h.to_ready(1);
    h.feed(dispatch("SOME_EVENT_FROM_2030", 2, {{"answer", 42}, {"list", {"a", "b"}}}));
    h.feed(dispatch("TYPING_START", 3, {{"channel_id", "1"}})); // known, unhandled: not raw by default
    for (auto& e : h.events) handlers.dispatch(e);
    BOOST_TEST_REQUIRE(raws.size() == 1u);
    BOOST_TEST(raws[0].first == "SOME_EVENT_FROM_2030");
    BOOST_TEST(raws[0].second.at("answer").to_number<int>() == 42);
    BOOST_TEST(raws[0].second.at("list").as_array() == (boost::json::array{"a", "b"}));
    BOOST_TEST((h.events.back().type == EventType::TypingStart));
    h.feed(heartbeat_request());
    BOOST_TEST(last_heartbeat_seq(h) == 3);

    // Widened scope: known events without a typed handler reach the raw handler too, with d.
    event_handlers wide;
    wide.on<events::MessageCreate>([](const events::MessageCreate&) {});
    std::vector<std::string> names;
    wide.on_raw(
        [&](const RawEvent& e, const dispatch_info&) { names.push_back(e.name + (e.data.empty() ? ":" : ":d")); },
        raw_scope::unknown_and_unhandled);
    harness w(enc, [&](client_config& c) { wide.apply(c); });
    BOOST_TEST(w.cfg.keep_unhandled_raw);
    w.to_ready(1);
    w.feed(dispatch("SOME_EVENT_FROM_2030", 2, {{"answer", 42}}));
    w.feed(dispatch("TYPING_START", 3, {{"channel_id", "1"}}));
    w.feed(dispatch("MESSAGE_CREATE", 4, {{"id", "1"}, {"content", "typed, not raw"}}));
    for (auto& e : w.events) wide.dispatch(e);
    BOOST_TEST((names == std::vector<std::string>{"SOME_EVENT_FROM_2030:d", "TYPING_START:d"}));
}

namespace {
/// What a raw handler saw of one dispatch: "T s session shard d?" on one line.
std::string seen(const RawEvent& e, const dispatch_info& i) {
    BOOST_TEST(e.name == i.t);
    return std::string(i.t) + " " + (i.s ? std::to_string(*i.s) : std::string("-")) + " " +
           (i.session_id.empty() ? std::string("-") : std::string(i.session_id)) + " " + std::to_string(i.shard_id) +
           (e.data.empty() ? "" : " d");
}
} // namespace

BOOST_DATA_TEST_CASE(raw_scope_all_sees_every_dispatch_with_its_session, bdata::make(encodings), enc_name) {
    auto enc = parse_encoding(enc_name);
    event_handlers handlers;
    std::vector<std::string> all, unknown_only, typed;
    handlers.on<events::MessageCreate>([&](const events::MessageCreate& m, const dispatch_info& i) {
        typed.push_back(m.content + " " + std::to_string(*i.s) + " " + std::string(i.session_id) + " " +
                        std::to_string(i.shard_id));
    });
    handlers.on_raw([&](const RawEvent& e, const dispatch_info& i) { all.push_back(seen(e, i)); }, raw_scope::all);
    handlers.on_raw([&](const RawEvent& e, const dispatch_info& i) { unknown_only.push_back(seen(e, i)); });
    harness h(enc, [&](client_config& c) {
        c.identify.shard_id = 3;
        c.identify.shard_count = 4;
        handlers.apply(c);
    });
    BOOST_TEST(!h.cfg.keep_unhandled_raw); // `all` alone asks for no copy of d
    BOOST_TEST(h.cfg.decode_events->contains(EventType::MessageCreate));
    BOOST_TEST(!h.cfg.decode_events->contains(EventType::Resumed));
    auto handle_new = [&](std::size_t from) {
        for (std::size_t k = from; k < h.events.size(); ++k) handlers.dispatch(h.events[k]);
        return h.events.size();
    };
    std::size_t done = 0;

    h.feed(hello());
    h.feed(ready(1, "sess-A"));
    h.feed(dispatch("MESSAGE_CREATE", 2, {{"id", "1"}, {"content", "first"}}));
    h.feed(dispatch("SOME_EVENT_FROM_2030", 3, {{"answer", 42}}));
    h.feed(dispatch("TYPING_START", 4, {{"channel_id", "1"}}));
    done = handle_new(done);
    // Resume on a new client made from the parent: replays and RESUMED keep the session id.
    h.feed(reconnect_op());
    h.reconnect_client();
    h.feed(hello());
    BOOST_TEST_REQUIRE(h.last_sent().op == Opcode::Resume);
    h.feed(dispatch("MESSAGE_CREATE", 5, {{"id", "2"}, {"content", "replayed"}}));
    h.feed(dispatch("RESUMED", 6, {{"_trace", {"x"}}}));
    h.feed(dispatch("MESSAGE_CREATE", 7, {{"id", "3"}, {"content", "live"}}));
    done = handle_new(done);
    // A session that cannot resume: the next client identifies and READY brings a new id.
    h.feed(invalid_session(false));
    h.reconnect_client();
    h.feed(hello());
    BOOST_TEST_REQUIRE(h.last_sent().op == Opcode::Identify);
    h.feed(ready(1, "sess-B"));
    h.feed(dispatch("MESSAGE_CREATE", 2, {{"id", "4"}, {"content", "new session"}}));
    handle_new(done);

    BOOST_TEST(all == (std::vector<std::string>{
                          "READY 1 sess-A 3",
                          "MESSAGE_CREATE 2 sess-A 3",
                          "SOME_EVENT_FROM_2030 3 sess-A 3 d", // unknown names always keep d
                          "TYPING_START 4 sess-A 3",           // known, unhandled: no d unless asked
                          "MESSAGE_CREATE 5 sess-A 3",
                          "RESUMED 6 sess-A 3",
                          "MESSAGE_CREATE 7 sess-A 3",
                          "READY 1 sess-B 3",
                          "MESSAGE_CREATE 2 sess-B 3",
                      }),
               boost::test_tools::per_element());
    BOOST_TEST(unknown_only == (std::vector<std::string>{"SOME_EVENT_FROM_2030 3 sess-A 3 d"}),
               boost::test_tools::per_element());
    BOOST_TEST(typed == (std::vector<std::string>{"first 2 sess-A 3", "replayed 5 sess-A 3", "live 7 sess-A 3",
                                                  "new session 2 sess-B 3"}),
               boost::test_tools::per_element());
    // Every dispatch of one session shares one string: a reference count per event, not a copy.
    BOOST_TEST_REQUIRE(h.events.size() == 9u);
    BOOST_TEST(h.events[1].session_id == h.events[6].session_id);
    BOOST_TEST(h.events[7].session_id != h.events[6].session_id);
}

namespace {
/// A RawEvent's `d` as a JSON tree, whichever encoding it came in.
boost::json::value raw_d(const RawEvent& e) {
    if (e.encoding == Encoding::Json) return boost::json::parse(e.data);
    decode_error err;
    auto d = etf::to_json(e.data, err);
    BOOST_TEST_REQUIRE(!err, err.message());
    return d;
}
} // namespace

BOOST_DATA_TEST_CASE(raw_scope_all_with_data_keeps_every_d, bdata::make(encodings), enc_name) {
    auto enc = parse_encoding(enc_name);
    event_handlers handlers;
    std::vector<std::string> all, names_only;
    std::vector<boost::json::value> ds;
    std::vector<std::string> typed;
    handlers.on<events::MessageCreate>([&](const events::MessageCreate& m) { typed.push_back(m.content); });
    handlers.on_raw([&](const RawEvent& e, const dispatch_info& i) {
        all.push_back(seen(e, i));
        BOOST_TEST((e.encoding == enc));
        ds.push_back(raw_d(e));
    }, raw_scope::all_with_data);
    harness h(enc, [&](client_config& c) { handlers.apply(c); });
    BOOST_TEST(h.cfg.keep_unhandled_raw);
    BOOST_TEST(h.cfg.keep_decoded_raw);
    h.to_ready(1);
    h.feed(dispatch("TYPING_START", 2, {{"channel_id", "9"}}));
    h.feed(dispatch("MESSAGE_CREATE", 3, {{"id", "1"}, {"content", "typed"}, {"extra", {1, 2}}}));
    h.feed(dispatch("SOME_EVENT_FROM_2030", 4, {{"answer", 42}}));
    for (auto& e : h.events) handlers.dispatch(e);
    // The typed event's d went into its struct, and also reached the raw handler as received,
    // undocumented fields included (the struct has no "extra").
    BOOST_TEST(all == (std::vector<std::string>{"READY 1 sess-1 0 d", "TYPING_START 2 sess-1 0 d",
                                                "MESSAGE_CREATE 3 sess-1 0 d", "SOME_EVENT_FROM_2030 4 sess-1 0 d"}),
               boost::test_tools::per_element());
    BOOST_TEST_REQUIRE(ds.size() == 4u);
    BOOST_TEST(ds[0].at("session_id").as_string() == "sess-1");
    BOOST_TEST(ds[1].at("channel_id").as_string() == "9");
    BOOST_TEST(ds[2].at("content").as_string() == "typed");
    BOOST_TEST(ds[2].at("extra").as_array().size() == 2u);
    BOOST_TEST(ds[3].at("answer").as_int64() == 42);
    BOOST_TEST((typed == std::vector<std::string>{"typed"}));
}

BOOST_DATA_TEST_CASE(raw_scope_all_alone_copies_no_decoded_d, bdata::make(encodings), enc_name) {
    auto enc = parse_encoding(enc_name);
    event_handlers handlers;
    std::vector<std::string> all;
    handlers.on<events::MessageCreate>([](const events::MessageCreate&) {});
    handlers.on_raw([&](const RawEvent& e, const dispatch_info& i) { all.push_back(seen(e, i)); }, raw_scope::all);
    harness h(enc, [&](client_config& c) { handlers.apply(c); });
    BOOST_TEST(!h.cfg.keep_unhandled_raw);
    BOOST_TEST(!h.cfg.keep_decoded_raw);
    h.to_ready(1);
    h.feed(dispatch("MESSAGE_CREATE", 2, {{"id", "1"}, {"content", "typed"}}));
    for (auto& e : h.events) handlers.dispatch(e);
    BOOST_TEST(all == (std::vector<std::string>{"READY 1 sess-1 0", "MESSAGE_CREATE 2 sess-1 0"}),
               boost::test_tools::per_element());
    BOOST_TEST_REQUIRE(!h.events.empty());
    BOOST_TEST(h.events.back().message->raw.data.empty()); // nothing copied
}

BOOST_DATA_TEST_CASE(decode_failures_carry_the_session, bdata::make(encodings), enc_name) {
    harness h(parse_encoding(enc_name), [](client_config& c) {
        c.decode_events = event_set{EventType::MessageCreate};
        c.keep_mismatched = false;
    });
    h.feed(hello());
    h.feed(bad_message(1)); // before READY: no session yet
    h.feed(ready(2, "sess-F"));
    h.feed(bad_message(3));
    BOOST_TEST_REQUIRE(h.decode_failures.size() == 2u);
    BOOST_TEST(!h.decode_failures[0].session_id);
    BOOST_TEST_REQUIRE(h.decode_failures[1].session_id);
    BOOST_TEST(*h.decode_failures[1].session_id == "sess-F");
    BOOST_TEST(!h.events.empty());
    BOOST_TEST(*h.events.back().session_id == "sess-F"); // READY itself carries its new id
}

BOOST_DATA_TEST_CASE(intents_come_from_the_handlers, bdata::make(encodings), enc_name) {
    auto enc = parse_encoding(enc_name);
    // Bits from Discord's "List of Intents", written out by hand rather than taken from
    // the schema: GUILD_MEMBERS 1 << 1, GUILD_MESSAGES 1 << 9, DIRECT_MESSAGES 1 << 12.
    constexpr std::uint64_t guild_members = 1u << 1, guild_messages = 1u << 9, direct_messages = 1u << 12;
    event_handlers handlers;
    handlers.on<events::MessageCreate>([](const events::MessageCreate&) {});
    handlers.on<events::GuildMemberAdd>([](const events::GuildMemberAdd&) {});
    handlers.on<events::Ready>([](const events::Ready&) {}); // gated by no intent
    handlers.on_raw([](const RawEvent&, const dispatch_info&) {}); // adds none
    BOOST_TEST(static_cast<std::uint64_t>(handlers.intents()) == (guild_members | guild_messages | direct_messages));
    BOOST_TEST((handlers.events() == event_set{EventType::MessageCreate, EventType::GuildMemberAdd, EventType::Ready}));

    // More rows of the docs' table: TYPING_START is gated by GUILD_MESSAGE_TYPING (1 << 11)
    // and DIRECT_MESSAGE_TYPING (1 << 14); GUILD_BAN_ADD by GUILD_MODERATION (1 << 2);
    // PRESENCE_UPDATE by GUILD_PRESENCES (1 << 8).
    event_handlers more;
    more.on<events::TypingStart>([](const events::TypingStart&) {});
    BOOST_TEST(static_cast<std::uint64_t>(more.intents()) == ((1u << 11) | (1u << 14)));
    more.on<events::GuildBanAdd>([](const events::GuildBanAdd&) {});
    more.on<events::PresenceUpdate>([](const events::PresenceUpdate&) {});
    BOOST_TEST(static_cast<std::uint64_t>(more.intents()) == ((1u << 11) | (1u << 14) | (1u << 2) | (1u << 8)));
    BOOST_TEST(static_cast<std::uint64_t>(event_handlers{}.intents()) == 0u);

    // apply() ORs them into Identify and keeps bits already there (MESSAGE_CONTENT gates no event).
    constexpr std::uint64_t message_content = 1u << 15;
    harness h(enc, [&](client_config& c) {
        c.identify.intents = Intents(message_content);
        handlers.apply(c);
    });
    BOOST_TEST_REQUIRE(h.cfg.decode_events.has_value());
    BOOST_TEST((*h.cfg.decode_events == handlers.events()));
    h.feed(hello());
    BOOST_TEST_REQUIRE(h.last_sent().op == Opcode::Identify);
    BOOST_TEST(h.last_sent().v.at("d").at("intents").to_number<std::uint64_t>() ==
               (message_content | guild_members | guild_messages | direct_messages));
}

namespace {
/// The refusal among a send's actions, or none; the client reports a refusal once.
boost::system::error_code refused(const std::vector<action>& acts) {
    boost::system::error_code ec;
    int n = 0;
    for (const auto& a : acts)
        if (const auto* r = std::get_if<command_refused>(&a)) ec = r->reason, ++n;
    BOOST_TEST(n <= 1);
    return ec;
}
/// Performs a send's actions on `h` and returns its refusal, if any.
boost::system::error_code sent_via(harness& h, std::vector<action> acts) {
    auto ec = refused(acts);
    h.run(std::move(acts));
    return ec;
}
} // namespace

BOOST_DATA_TEST_CASE(typed_sends_equal_the_json_commands, bdata::make(encodings), enc_name) {
    auto enc = parse_encoding(enc_name);
    harness h(enc);
    h.to_ready(1);
    auto check = [&](std::vector<action> typed_acts, Opcode op, boost::json::value d) {
        BOOST_TEST(!refused(typed_acts));
        h.run(typed_acts); // checks binary keys in ETF and the op
        auto typed = frames_of(typed_acts);
        auto old_acts = h.c.send(command{op, std::move(d)}, h.now);
        BOOST_TEST(!refused(old_acts));
        auto old = frames_of(old_acts);
        BOOST_TEST_REQUIRE(typed.size() == 1u);
        BOOST_TEST_REQUIRE(old.size() == 1u);
        BOOST_TEST(typed[0].binary == (enc == Encoding::Etf));
        BOOST_TEST(etf_key_checker(typed[0].bytes).ok() == (enc == Encoding::Etf));
        // JSON: the same text. ETF: the same terms (a map's pair order is free, and the
        // generated writer sorts keys as Erlang does), hence the same size.
        if (enc == Encoding::Json) BOOST_TEST(typed[0].bytes == old[0].bytes);
        BOOST_TEST(typed[0].bytes.size() == old[0].bytes.size());
        BOOST_TEST(decoded(typed[0], enc) == decoded(old[0], enc));
    };

    check(h.c.send(presence("chess"), h.now), Opcode::PresenceUpdate, presence_json("chess"));

    commands::UpdateVoiceState voice;
    voice.guild_id = Snowflake{1103492780374335548u};
    voice.channel_id = Snowflake{1103492781045436436u};
    voice.self_deaf = true;
    check(h.c.send(voice, h.now), Opcode::VoiceStateUpdate,
          {{"guild_id", "1103492780374335548"}, {"channel_id", "1103492781045436436"}, {"self_mute", false},
           {"self_deaf", true}});

    commands::RequestGuildMembers members;
    members.guild_id = Snowflake{1103492780374335548u};
    members.query = "";
    members.limit = 0;
    members.nonce = "n-1";
    check(h.c.send(members, h.now), Opcode::RequestGuildMembers,
          {{"guild_id", "1103492780374335548"}, {"query", ""}, {"limit", 0}, {"nonce", "n-1"}});

    commands::RequestSoundboardSounds sounds;
    sounds.guild_ids = {Snowflake{1}, Snowflake{1103492780374335548u}};
    check(h.c.send(sounds, h.now), Opcode::RequestSoundboardSounds,
          {{"guild_ids", {"1", "1103492780374335548"}}});

    commands::RequestChannelInfo info;
    info.guild_id = Snowflake{1103492780374335548u};
    info.fields = {"status", "voice_start_time"};
    check(h.c.send(info, h.now), Opcode::RequestChannelInfo,
          {{"guild_id", "1103492780374335548"}, {"fields", {"status", "voice_start_time"}}});

    // Snowflakes leave as strings in ETF too (binaries), as Discord requires of clients.
    auto sent = h.sent_with(Opcode::RequestGuildMembers);
    BOOST_TEST_REQUIRE(!sent.empty());
    BOOST_TEST(sent.front().v.at("d").at("guild_id").is_string());
    BOOST_TEST(h.c.stats().commands_sent == 10u);
}

BOOST_DATA_TEST_CASE(typed_sends_respect_the_4096_byte_limit, bdata::make(encodings), enc_name) {
    auto enc = parse_encoding(enc_name);
    harness h(enc);
    h.to_ready(1);
    const auto base = commands::encode(presence(""), enc).size();
    boost::system::error_code ec;
    ec = sent_via(h, h.c.send(presence(std::string(4096 - base, 'x')), h.now));
    BOOST_TEST(!ec);
    BOOST_TEST(h.last_sent().op == Opcode::PresenceUpdate);
    BOOST_TEST(h.last_sent().size == 4096u);

    const auto before = h.sent.size();
    ec = sent_via(h, h.c.send(presence(std::string(4097 - base, 'x')), h.now));
    BOOST_TEST((ec == protocol_errc::payload_too_large));
    BOOST_TEST(h.sent.size() == before);
    BOOST_TEST(h.c.queued() == 0u);
    BOOST_TEST_REQUIRE(h.refusals.size() == 1u);
    BOOST_TEST((h.refusals[0].op == Opcode::PresenceUpdate));
    BOOST_TEST(h.refusals[0].detail.find("4097") != std::string::npos);
}

BOOST_DATA_TEST_CASE(typed_sends_wait_for_ready_like_json_commands, bdata::make(encodings), enc_name) {
    auto enc = parse_encoding(enc_name);
    harness h(enc);
    boost::system::error_code ec;
    commands::RequestSoundboardSounds sounds;
    sounds.guild_ids = {Snowflake{7}};
    ec = sent_via(h, h.c.send(presence("first"), h.now));
    BOOST_TEST(!ec);
    h.send_command(Opcode::RequestGuildMembers, {{"guild_id", "1"}, {"query", ""}, {"limit", 0}});
    ec = sent_via(h, h.c.send(sounds, h.now));
    BOOST_TEST(!ec);
    BOOST_TEST(h.c.queued() == 3u);
    BOOST_TEST(h.sent.empty());

    h.to_ready(1); // Identify, then the queue in submission order
    BOOST_TEST(h.c.queued() == 0u);
    BOOST_TEST_REQUIRE(h.sent.size() == 4u);
    BOOST_TEST(h.sent[1].op == Opcode::PresenceUpdate);
    BOOST_TEST(h.sent[1].v.at("d").at("activities").at(0).at("name").as_string() == "first");
    BOOST_TEST(h.sent[2].op == Opcode::RequestGuildMembers);
    BOOST_TEST(h.sent[3].op == Opcode::RequestSoundboardSounds);

    // Without queueing, before READY: refused, as send(command) is.
    harness strict(enc, [](client_config& c) { c.queue_until_ready = false; });
    ec = sent_via(strict, strict.c.send(sounds, strict.now));
    BOOST_TEST((ec == protocol_errc::not_ready));
    BOOST_TEST(strict.c.queued() == 0u);
    // A pre-encoded command in the wrong frame type, or for an opcode users may not send.
    auto enc_bytes = commands::encode(sounds, enc);
    const bool wrong_type = enc == Encoding::Json;
    strict.run(strict.c.step(encoded_command{Opcode::RequestSoundboardSounds, {enc_bytes, wrong_type}, strict.now}));
    strict.run(strict.c.step(encoded_command{Opcode::Heartbeat, {enc_bytes, enc == Encoding::Etf}, strict.now}));
    BOOST_TEST_REQUIRE(strict.refusals.size() == 3u);
    BOOST_TEST((strict.refusals[1].reason == protocol_errc::invalid_command));
    BOOST_TEST((strict.refusals[2].reason == protocol_errc::invalid_command));
    // And a dead client refuses it.
    strict.run(strict.c.shutdown(strict.now));
    ec = sent_via(strict, strict.c.send(sounds, strict.now));
    BOOST_TEST((ec == protocol_errc::client_closed));
}

BOOST_AUTO_TEST_CASE(event_types_follow_the_variant_order) {
    BOOST_TEST((event_type_of<events::MessageCreate> == EventType::MessageCreate));
    BOOST_TEST((event_type_of<events::GuildMemberAdd> == EventType::GuildMemberAdd));
    BOOST_TEST((event_type_of<events::VoiceStateUpdate> == EventType::VoiceStateUpdate));
    BOOST_TEST(to_string(event_type_of<events::ThreadListSync>) == "THREAD_LIST_SYNC");
    BOOST_TEST(!is_event_v<RawEvent>);
    BOOST_TEST(!is_event_v<types::User>);
}

BOOST_AUTO_TEST_SUITE_END()
