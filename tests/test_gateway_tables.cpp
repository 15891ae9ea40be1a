// The generated gateway tables (close codes, opcodes, intents, event names) and the
// command encoders, checked against tables written here by hand from Discord's docs
// (topics/opcodes-and-status-codes, events/gateway#list-of-intents, events/gateway-events)
// rather than read from schema/, so a slip in the schema shows up as a mismatch.
#include "test_files.hpp"

#include <dgw/close_code.hpp>
#include <dgw/commands.hpp>
#include <dgw/describe.hpp>
#include <dgw/etf/json.hpp>
#include <dgw/etf/reader.hpp>
#include <dgw/event_type.hpp>
#include <dgw/intents.hpp>
#include <dgw/opcode.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <span>
#include <type_traits>
#include <string>
#include <vector>

namespace fs = std::filesystem;
namespace json = boost::json;
using dgw::CloseAction;
using dgw::EventType;
using dgw::Intents;

namespace {

using dgw_test::read_file;

std::string action_name(CloseAction a) { return std::string(dgw::to_string(a)); }

// ---- Discord's close codes (topics/opcodes-and-status-codes#gateway-gateway-close-event-codes)
struct close_row {
    int code;
    const char* name;
    CloseAction action;
};
const close_row close_codes[] = {
    {4000, "UnknownError", CloseAction::Resume},
    {4001, "UnknownOpcode", CloseAction::Resume},
    {4002, "DecodeError", CloseAction::Resume},
    {4003, "NotAuthenticated", CloseAction::Resume},
    {4004, "AuthenticationFailed", CloseAction::Stop},
    {4005, "AlreadyAuthenticated", CloseAction::Resume},
    {4007, "InvalidSeq", CloseAction::NewSession},
    {4008, "RateLimited", CloseAction::Resume},
    {4009, "SessionTimedOut", CloseAction::NewSession},
    {4010, "InvalidShard", CloseAction::Stop},
    {4011, "ShardingRequired", CloseAction::Stop},
    {4012, "InvalidApiVersion", CloseAction::Stop},
    {4013, "InvalidIntents", CloseAction::Stop},
    {4014, "DisallowedIntents", CloseAction::Stop},
};

// ---- Discord's opcodes (topics/opcodes-and-status-codes#gateway-gateway-opcodes)
struct opcode_row {
    std::int64_t value;
    const char* name;
    dgw::Direction dir;
};
const opcode_row opcodes[] = {
    {0, "Dispatch", dgw::Direction::Receive},
    {1, "Heartbeat", dgw::Direction::Both},
    {2, "Identify", dgw::Direction::Send},
    {3, "PresenceUpdate", dgw::Direction::Send},
    {4, "VoiceStateUpdate", dgw::Direction::Send},
    {6, "Resume", dgw::Direction::Send},
    {7, "Reconnect", dgw::Direction::Receive},
    {8, "RequestGuildMembers", dgw::Direction::Send},
    {9, "InvalidSession", dgw::Direction::Receive},
    {10, "Hello", dgw::Direction::Receive},
    {11, "HeartbeatAck", dgw::Direction::Receive},
    {31, "RequestSoundboardSounds", dgw::Direction::Send},
    {43, "RequestChannelInfo", dgw::Direction::Send},
};

// ---- Discord's intents (events/gateway#list-of-intents): bit, name, privileged, events.
struct intent_row {
    int bit;
    const char* name;
    bool privileged;
    std::vector<const char*> events;
};
const std::vector<intent_row>& intent_table() {
    static const std::vector<intent_row> t = {
        {0, "GUILDS", false,
         {"GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE", "GUILD_ROLE_CREATE", "GUILD_ROLE_UPDATE", "GUILD_ROLE_DELETE",
          "CHANNEL_CREATE", "CHANNEL_UPDATE", "CHANNEL_DELETE", "CHANNEL_PINS_UPDATE", "THREAD_CREATE", "THREAD_UPDATE",
          "THREAD_DELETE", "THREAD_LIST_SYNC", "THREAD_MEMBER_UPDATE", "THREAD_MEMBERS_UPDATE",
          "STAGE_INSTANCE_CREATE", "STAGE_INSTANCE_UPDATE", "STAGE_INSTANCE_DELETE",
          // Newer channel events; not in the docs' list, but delivered with GUILDS.
          "VOICE_CHANNEL_STATUS_UPDATE", "VOICE_CHANNEL_START_TIME_UPDATE"}},
        {1, "GUILD_MEMBERS", true, {"GUILD_MEMBER_ADD", "GUILD_MEMBER_UPDATE", "GUILD_MEMBER_REMOVE", "THREAD_MEMBERS_UPDATE"}},
        {2, "GUILD_MODERATION", false, {"GUILD_AUDIT_LOG_ENTRY_CREATE", "GUILD_BAN_ADD", "GUILD_BAN_REMOVE"}},
        {3, "GUILD_EXPRESSIONS", false,
         {"GUILD_EMOJIS_UPDATE", "GUILD_STICKERS_UPDATE", "GUILD_SOUNDBOARD_SOUND_CREATE", "GUILD_SOUNDBOARD_SOUND_UPDATE",
          "GUILD_SOUNDBOARD_SOUND_DELETE", "GUILD_SOUNDBOARD_SOUNDS_UPDATE"}},
        {4, "GUILD_INTEGRATIONS", false, {"GUILD_INTEGRATIONS_UPDATE", "INTEGRATION_CREATE", "INTEGRATION_UPDATE", "INTEGRATION_DELETE"}},
        {5, "GUILD_WEBHOOKS", false, {"WEBHOOKS_UPDATE"}},
        {6, "GUILD_INVITES", false, {"INVITE_CREATE", "INVITE_DELETE"}},
        {7, "GUILD_VOICE_STATES", false, {"VOICE_CHANNEL_EFFECT_SEND", "VOICE_STATE_UPDATE"}},
        {8, "GUILD_PRESENCES", true, {"PRESENCE_UPDATE"}},
        {9, "GUILD_MESSAGES", false, {"MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE", "MESSAGE_DELETE_BULK"}},
        {10, "GUILD_MESSAGE_REACTIONS", false,
         {"MESSAGE_REACTION_ADD", "MESSAGE_REACTION_REMOVE", "MESSAGE_REACTION_REMOVE_ALL", "MESSAGE_REACTION_REMOVE_EMOJI"}},
        {11, "GUILD_MESSAGE_TYPING", false, {"TYPING_START"}},
        {12, "DIRECT_MESSAGES", false, {"MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE", "CHANNEL_PINS_UPDATE"}},
        {13, "DIRECT_MESSAGE_REACTIONS", false,
         {"MESSAGE_REACTION_ADD", "MESSAGE_REACTION_REMOVE", "MESSAGE_REACTION_REMOVE_ALL", "MESSAGE_REACTION_REMOVE_EMOJI"}},
        {14, "DIRECT_MESSAGE_TYPING", false, {"TYPING_START"}},
        {15, "MESSAGE_CONTENT", true, {}},
        {16, "GUILD_SCHEDULED_EVENTS", false,
         {"GUILD_SCHEDULED_EVENT_CREATE", "GUILD_SCHEDULED_EVENT_UPDATE", "GUILD_SCHEDULED_EVENT_DELETE",
          "GUILD_SCHEDULED_EVENT_USER_ADD", "GUILD_SCHEDULED_EVENT_USER_REMOVE"}},
        {20, "AUTO_MODERATION_CONFIGURATION", false,
         {"AUTO_MODERATION_RULE_CREATE", "AUTO_MODERATION_RULE_UPDATE", "AUTO_MODERATION_RULE_DELETE"}},
        {21, "AUTO_MODERATION_EXECUTION", false, {"AUTO_MODERATION_ACTION_EXECUTION"}},
        {24, "GUILD_MESSAGE_POLLS", false, {"MESSAGE_POLL_VOTE_ADD", "MESSAGE_POLL_VOTE_REMOVE"}},
        {25, "DIRECT_MESSAGE_POLLS", false, {"MESSAGE_POLL_VOTE_ADD", "MESSAGE_POLL_VOTE_REMOVE"}},
    };
    return t;
}

// Events no intent gates: sent to every session.
const std::set<std::string> ungated = {
    "READY", "RESUMED", "RATE_LIMITED", "APPLICATION_COMMAND_PERMISSIONS_UPDATE", "CHANNEL_INFO",
    "ENTITLEMENT_CREATE", "ENTITLEMENT_UPDATE", "ENTITLEMENT_DELETE", "GUILD_MEMBERS_CHUNK",
    "SOUNDBOARD_SOUNDS", "INTERACTION_CREATE", "SUBSCRIPTION_CREATE", "SUBSCRIPTION_UPDATE",
    "SUBSCRIPTION_DELETE", "USER_UPDATE", "VOICE_SERVER_UPDATE",
};

Intents bit(int b) { return static_cast<Intents>(std::uint64_t{1} << b); }
std::uint64_t u(Intents i) { return static_cast<std::uint64_t>(i); }

EventType ev(const char* name) {
    const EventType t = dgw::event_type_from_string(name);
    BOOST_REQUIRE_MESSAGE(t != EventType::Unknown, "unknown event name in the hand table: " << name);
    return t;
}

/// Hand table: event -> every intent that delivers it.
std::map<std::string, std::uint64_t> gating() {
    std::map<std::string, std::uint64_t> g;
    for (const auto& row : intent_table())
        for (const char* e : row.events) g[e] |= u(bit(row.bit));
    return g;
}

std::vector<EventType> all_events() {
    std::vector<EventType> v;
    for (std::size_t i = 1; i <= dgw::event_type_count; ++i) v.push_back(static_cast<EventType>(i));
    return v;
}

} // namespace

BOOST_AUTO_TEST_SUITE(gateway_tables)

// ---------------------------------------------------------------------------------------
// Close codes.

BOOST_AUTO_TEST_CASE(close_codes_and_what_to_do_next) {
    for (const auto& r : close_codes) {
        BOOST_TEST_CONTEXT(r.code) {
            const auto c = dgw::close_code_from_int(r.code);
            BOOST_REQUIRE(c.has_value());
            BOOST_TEST(static_cast<int>(*c) == r.code);
            BOOST_TEST(dgw::to_string(*c) == r.name);
            BOOST_TEST(action_name(dgw::close_action(*c)) == action_name(r.action));
            BOOST_TEST(action_name(dgw::close_action(r.code)) == action_name(r.action));
        }
    }
    // 4006 was retired (session no longer valid), and is no close code today.
    BOOST_TEST(!dgw::close_code_from_int(4006).has_value());
    // Transport-level closes and unknown codes: the connection dropped, resume.
    for (int code : {1000, 1001, 1006, 1011, 4006, 4015, 4999, 0, -1}) {
        BOOST_TEST_CONTEXT(code) {
            if (code != 4006) BOOST_TEST(!dgw::close_code_from_int(code).has_value());
            BOOST_TEST(action_name(dgw::close_action(code)) == "resume");
        }
    }
    // Every code in 4000..4014 except 4006 is known, and nothing else in 3000..4999 is.
    std::size_t known = 0;
    for (int code = 3000; code < 5000; ++code)
        if (dgw::close_code_from_int(code)) ++known;
    BOOST_TEST(known == std::size(close_codes));
    BOOST_TEST(action_name(CloseAction::Resume) == "resume");
    BOOST_TEST(action_name(CloseAction::NewSession) == "new_session");
    BOOST_TEST(action_name(CloseAction::Stop) == "stop");
    BOOST_TEST(dgw::to_string(static_cast<dgw::CloseCode>(4006)).empty());
}

// ---------------------------------------------------------------------------------------
// Opcodes.

BOOST_AUTO_TEST_CASE(all_thirteen_opcodes_with_names) {
    BOOST_TEST(std::size(opcodes) == 13u);
    for (const auto& r : opcodes) {
        BOOST_TEST_CONTEXT(r.value) {
            const auto op = static_cast<dgw::Opcode>(r.value);
            BOOST_TEST(dgw::to_string(op) == r.name);
            const auto back = dgw::opcode_from_string(r.name);
            BOOST_REQUIRE(back.has_value());
            BOOST_TEST(static_cast<std::int64_t>(*back) == r.value);
            const auto d = dgw::direction(op);
            BOOST_REQUIRE(d.has_value());
            BOOST_TEST(static_cast<int>(*d) == static_cast<int>(r.dir));
        }
    }
    std::size_t named = 0;
    for (std::int64_t v = -5; v < 200; ++v)
        if (!dgw::to_string(static_cast<dgw::Opcode>(v)).empty()) ++named;
    BOOST_TEST(named == 13u);
    for (std::int64_t v : {5, 12, 30, 42, 99}) {
        BOOST_TEST(dgw::to_string(static_cast<dgw::Opcode>(v)).empty());
        BOOST_TEST(!dgw::direction(static_cast<dgw::Opcode>(v)).has_value());
    }
    BOOST_TEST(!dgw::opcode_from_string("Nope").has_value());
    BOOST_TEST(!dgw::opcode_from_string("").has_value());
}

// ---------------------------------------------------------------------------------------
// Intents.

BOOST_AUTO_TEST_CASE(intent_bits_names_and_privilege) {
    std::uint64_t all = 0, privileged = 0;
    for (const auto& r : intent_table()) {
        all |= u(bit(r.bit));
        if (r.privileged) privileged |= u(bit(r.bit));
        BOOST_TEST(dgw::to_string(bit(r.bit)) == r.name);
    }
    BOOST_TEST(all == 0x331FFFFu);
    BOOST_TEST(u(dgw::all_intents) == 0x331FFFFu);
    BOOST_TEST(u(dgw::privileged_intents) == privileged);
    BOOST_TEST(u(dgw::privileged_intents) == ((1u << 1) | (1u << 8) | (1u << 15)));
    // Named constants agree with the docs' bits.
    BOOST_TEST(u(Intents::Guilds) == 1u);
    BOOST_TEST(u(Intents::GuildMembers) == (1u << 1));
    BOOST_TEST(u(Intents::GuildPresences) == (1u << 8));
    BOOST_TEST(u(Intents::GuildMessages) == (1u << 9));
    BOOST_TEST(u(Intents::DirectMessages) == (1u << 12));
    BOOST_TEST(u(Intents::MessageContent) == (1u << 15));
    BOOST_TEST(u(Intents::AutoModerationExecution) == (1u << 21));
    BOOST_TEST(u(Intents::DirectMessagePolls) == (1u << 25));
    // Undocumented bits have no name; several bits are not "one intent".
    for (int b : {17, 18, 19, 22, 23, 26, 40}) BOOST_TEST(dgw::to_string(bit(b)).empty());
    BOOST_TEST(dgw::to_string(Intents::Guilds | Intents::GuildMembers).empty());
    BOOST_TEST(dgw::has(dgw::all_intents, Intents::MessageContent));
    BOOST_TEST(!dgw::has(Intents::Guilds, Intents::Guilds | Intents::GuildMembers));
}

BOOST_AUTO_TEST_CASE(which_intents_gate_which_events) {
    // The brief's spot checks first, spelled out.
    BOOST_TEST(u(dgw::intents_for(EventType::GuildCreate)) == u(Intents::Guilds));
    BOOST_TEST(u(dgw::intents_for(EventType::ChannelCreate)) == u(Intents::Guilds));
    BOOST_TEST(u(dgw::intents_for(EventType::ThreadCreate)) == u(Intents::Guilds));
    BOOST_TEST(u(dgw::intents_for(EventType::GuildMemberAdd)) == u(Intents::GuildMembers));
    BOOST_TEST(u(dgw::intents_for(EventType::PresenceUpdate)) == u(Intents::GuildPresences));
    BOOST_TEST(u(dgw::intents_for(EventType::MessageCreate)) == u(Intents::GuildMessages | Intents::DirectMessages));
    BOOST_TEST(u(dgw::intents_for(EventType::TypingStart)) ==
               u(Intents::GuildMessageTyping | Intents::DirectMessageTyping));
    BOOST_TEST(u(dgw::intents_for(EventType::ThreadMembersUpdate)) == u(Intents::Guilds | Intents::GuildMembers));
    for (EventType t : all_events()) BOOST_TEST(!dgw::has(dgw::intents_for(t), Intents::MessageContent));

    // Then every event against the hand table.
    const auto g = gating();
    std::size_t n_ungated = 0;
    for (EventType t : all_events()) {
        const std::string name(dgw::to_string(t));
        BOOST_TEST_CONTEXT(name) {
            const bool hand_ungated = ungated.count(name) != 0;
            const auto it = g.find(name);
            BOOST_TEST(hand_ungated != (it != g.end()), "hand tables: gated and ungated, or neither");
            const std::uint64_t expected = it == g.end() ? 0 : it->second;
            BOOST_TEST(u(dgw::intents_for(t)) == expected);
            BOOST_TEST(dgw::is_ungated(t) == hand_ungated);
            n_ungated += dgw::is_ungated(t);
        }
    }
    BOOST_TEST(n_ungated == 16u);
    BOOST_TEST(ungated.size() == 16u);
    for (const auto& name : ungated) BOOST_TEST(dgw::is_ungated(ev(name.c_str())), name);
}

BOOST_AUTO_TEST_CASE(events_for_and_intents_for_sets) {
    const auto g = gating();
    dgw::event_set only_ungated;
    for (const auto& n : ungated) only_ungated.insert(ev(n.c_str()));
    BOOST_TEST((dgw::events_for(Intents::None) == only_ungated));
    BOOST_TEST(dgw::events_for(Intents::None).size() == 16u);
    BOOST_TEST((dgw::events_for(dgw::all_intents) == dgw::event_set::all()));
    // MESSAGE_CONTENT alone adds nothing.
    BOOST_TEST((dgw::events_for(Intents::MessageContent) == only_ungated));
    // Each intent alone: the ungated events plus the ones it gates.
    for (const auto& r : intent_table()) {
        BOOST_TEST_CONTEXT(r.name) {
            dgw::event_set expected = only_ungated;
            for (const char* e : r.events) expected.insert(ev(e));
            BOOST_TEST((dgw::events_for(bit(r.bit)) == expected));
            BOOST_TEST(dgw::events_for(bit(r.bit)).size() == 16u + r.events.size());
        }
    }
    // A combination: DMs only.
    const dgw::event_set dms = dgw::events_for(Intents::DirectMessages);
    BOOST_TEST(dms.contains(EventType::MessageCreate));
    BOOST_TEST(dms.contains(EventType::ChannelPinsUpdate));
    BOOST_TEST(!dms.contains(EventType::MessageDeleteBulk)); // guild-only
    BOOST_TEST(!dms.contains(EventType::GuildCreate));
    BOOST_TEST(dms.contains(EventType::Ready));

    // intents_for(set): the union over the events' gating intents.
    const dgw::event_set bot{EventType::MessageCreate, EventType::GuildMemberAdd, EventType::Ready, EventType::InteractionCreate};
    const std::uint64_t want = u(Intents::GuildMessages | Intents::DirectMessages | Intents::GuildMembers);
    BOOST_TEST(u(dgw::intents_for(bot)) == want);
    const std::vector<EventType> list{EventType::MessageCreate, EventType::GuildMemberAdd, EventType::Ready, EventType::InteractionCreate};
    BOOST_TEST(u(dgw::intents_for(std::span<const EventType>(list))) == want);
    BOOST_TEST(u(dgw::intents_for(only_ungated)) == 0u);
    BOOST_TEST(u(dgw::intents_for(dgw::event_set{})) == 0u);
    // Every gated event together needs every intent but MESSAGE_CONTENT.
    BOOST_TEST(u(dgw::intents_for(dgw::event_set::all())) == (0x331FFFFu & ~(1u << 15)));
    // Round trip: the events of intents_for(S) include S.
    const dgw::event_set back = dgw::events_for(dgw::intents_for(bot));
    for (EventType t : {EventType::MessageCreate, EventType::GuildMemberAdd, EventType::Ready, EventType::InteractionCreate})
        BOOST_TEST(back.contains(t));
}

// ---------------------------------------------------------------------------------------
// Event names.

BOOST_AUTO_TEST_CASE(event_names_round_trip) {
    BOOST_TEST(dgw::event_type_count == 79u);
    std::set<std::string> names;
    for (EventType t : all_events()) {
        const std::string_view n = dgw::to_string(t);
        BOOST_TEST(!n.empty());
        BOOST_TEST((dgw::event_type_from_string(n) == t), n);
        names.insert(std::string(n));
    }
    BOOST_TEST(names.size() == 79u);
    // The hand tables name only real events, and together with the ungated list cover all.
    std::set<std::string> hand(ungated.begin(), ungated.end());
    for (const auto& r : intent_table())
        for (const char* e : r.events) hand.insert(e);
    BOOST_TEST(hand == names, boost::test_tools::per_element());
    BOOST_TEST(dgw::to_string(EventType::Unknown).empty());
    for (const char* unknown : {"FUTURE_EVENT", "", "message_create", "MESSAGE_CREATE ", "READY_"}) {
        BOOST_TEST((dgw::event_type_from_string(unknown) == EventType::Unknown), unknown);
    }
    BOOST_TEST((dgw::event_type_from_string(std::string_view("READY\0", 6)) == EventType::Unknown));
}

// ---------------------------------------------------------------------------------------
// Commands.

namespace {

/// No key token of an ETF message is an atom (clients must send binary keys, or 4002).
void expect_binary_keys(const std::string& etf) {
    dgw::etf::reader r(etf);
    dgw::etf::token t;
    std::size_t keys = 0;
    while (r.next(t) && t.kind != dgw::etf::token_kind::end) {
        if (t.kind == dgw::etf::token_kind::key) {
            ++keys;
            BOOST_TEST(!t.atom, "atom key " << t.str);
        }
        if (t.kind == dgw::etf::token_kind::string) BOOST_TEST(!t.atom, "atom string value " << t.str);
    }
    BOOST_TEST(!r.error(), r.error().message());
    BOOST_TEST(keys >= 2u);
}

json::value etf_to_json(const std::string& etf) {
    dgw::decode_error err;
    json::value v = dgw::etf::to_json(etf, err);
    BOOST_TEST(!err, err.message());
    return v;
}

template <class T>
void check_command(const std::string& name, std::int64_t op) {
    BOOST_TEST_CONTEXT(name) {
        const std::string text = read_file(fs::path(DGW_FIXTURES) / "commands" / (name + ".json"));
        const json::value fixture = json::parse(text);
        BOOST_TEST(fixture.at("op") == op);
        BOOST_TEST(T::opcode == op);
        T c{};
        dgw::decode_error err;
        bool ok;
        if constexpr (std::is_same_v<T, dgw::commands::Heartbeat>) {
            // Heartbeat's d is a bare number, modelled as a field named `d`: decoding the
            // whole message fills it (op is an unknown field and ignored).
            ok = dgw::decode_json(text, c, err);
        } else {
            ok = dgw::decode_json(json::serialize(fixture.at("d")), c, err);
        }
        BOOST_REQUIRE_MESSAGE(ok, err.message());
        const std::string js = dgw::commands::encode(c, dgw::Encoding::Json);
        BOOST_TEST(json::parse(js) == fixture, js);
        // ETF as a client sends it: binary keys, ids as binaries, so the generic
        // conversion gives back the very same JSON.
        const std::string etf = dgw::commands::encode(c, dgw::Encoding::Etf);
        BOOST_REQUIRE(!etf.empty());
        BOOST_TEST(static_cast<unsigned char>(etf[0]) == 131u);
        expect_binary_keys(etf);
        BOOST_TEST(etf_to_json(etf) == fixture);
    }
}

} // namespace

BOOST_AUTO_TEST_CASE(command_fixtures_decode_and_encode_back) {
    std::set<std::string> seen;
    for (const auto& e : fs::directory_iterator(fs::path(DGW_FIXTURES) / "commands"))
        if (e.path().extension() == ".json") seen.insert(e.path().stem().string());
    const std::set<std::string> expected = {"Heartbeat", "Identify", "RequestChannelInfo", "RequestGuildMembers",
                                            "RequestSoundboardSounds", "Resume", "UpdatePresence", "UpdateVoiceState"};
    BOOST_TEST(seen == expected, boost::test_tools::per_element());
    check_command<dgw::commands::Heartbeat>("Heartbeat", 1);
    check_command<dgw::commands::Identify>("Identify", 2);
    check_command<dgw::commands::UpdatePresence>("UpdatePresence", 3);
    check_command<dgw::commands::UpdateVoiceState>("UpdateVoiceState", 4);
    check_command<dgw::commands::Resume>("Resume", 6);
    check_command<dgw::commands::RequestGuildMembers>("RequestGuildMembers", 8);
    check_command<dgw::commands::RequestSoundboardSounds>("RequestSoundboardSounds", 31);
    check_command<dgw::commands::RequestChannelInfo>("RequestChannelInfo", 43);
}

BOOST_AUTO_TEST_CASE(heartbeat_with_and_without_sequence) {
    dgw::commands::Heartbeat h;
    BOOST_TEST(json::parse(dgw::commands::encode(h, dgw::Encoding::Json)) == json::parse(R"({"op":1,"d":null})"));
    BOOST_TEST(etf_to_json(dgw::commands::encode(h, dgw::Encoding::Etf)) == json::parse(R"({"op":1,"d":null})"));
    h.d = 251;
    BOOST_TEST(json::parse(dgw::commands::encode(h, dgw::Encoding::Json)) == json::parse(R"({"op":1,"d":251})"));
    BOOST_TEST(etf_to_json(dgw::commands::encode(h, dgw::Encoding::Etf)) == json::parse(R"({"op":1,"d":251})"));
    // A sequence beyond 32 bits still goes out as a number.
    h.d = 5000000000;
    BOOST_TEST(json::parse(dgw::commands::encode(h, dgw::Encoding::Json)) == json::parse(R"({"op":1,"d":5000000000})"));
}

BOOST_AUTO_TEST_CASE(identify_etf_has_binary_keys_and_parses_back) {
    dgw::commands::Identify id;
    id.token = "Bot abc.def";
    id.properties.os = "linux";
    id.properties.browser = "dgw";
    id.properties.device = "dgw";
    id.intents = static_cast<std::int64_t>(u(Intents::Guilds | Intents::GuildMessages | Intents::MessageContent));
    id.shard = std::vector<std::int64_t>{3, 16};
    id.large_threshold = 250;
    dgw::commands::UpdatePresence p;
    p.status = "idle";
    p.since = 91879201;
    p.afk = false;
    dgw::commands::UpdatePresenceActivity a;
    a.name = "caf\xC3\xA9";
    a.type = static_cast<dgw::types::ActivityType>(4);
    a.state = std::string("busy");
    p.activities.push_back(a);
    id.presence = p;

    const json::value expected = json::parse(R"({"op":2,"d":{"token":"Bot abc.def",
        "properties":{"os":"linux","browser":"dgw","device":"dgw"},"large_threshold":250,"shard":[3,16],
        "presence":{"since":91879201,"activities":[{"name":"café","type":4,"state":"busy"}],"status":"idle","afk":false},
        "intents":33281}})");
    BOOST_TEST(json::parse(dgw::commands::encode(id, dgw::Encoding::Json)) == expected);
    const std::string etf = dgw::commands::encode(id, dgw::Encoding::Etf);
    expect_binary_keys(etf);
    BOOST_TEST(etf_to_json(etf) == expected);
    // And it decodes back to the same command from both encodings.
    dgw::commands::Identify back;
    dgw::decode_error err;
    BOOST_REQUIRE(dgw::decode_json(json::serialize(expected.at("d")), back, err));
    BOOST_TEST((back == id));
}

BOOST_AUTO_TEST_SUITE_END()
