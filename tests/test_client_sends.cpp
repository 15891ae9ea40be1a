// Every payload the client sends, checked against the schema, in both encodings.
//
// One scripted session per encoding sends each kind of payload: Identify (with the optional
// fields the client writes), Heartbeat before and after the first dispatch, the five user
// commands (generated structs) and a free-form dgw::command, then Resume.
//  - JSON: each frame is exactly {"op","d"}; d decodes as the schema's type for that opcode
//    with every required field present, and encodes back to the same JSON value, so it
//    has no field the schema lacks and no null where the schema allows none.
//  - ETF: the frames are the JSON session's, one for one, and Erlang's binary_to_term of
//    each must equal (=:=) the term its JSON frame stands for, written out here from the
//    JSON independently of our ETF writer: binary keys and strings (snowflakes too),
//    integers, `nil` for null, lists for arrays.
#include "test_client_harness.hpp"
#include "test_etf_util.hpp"

#include <dgw/codec/typed.hpp>
#include <dgw/commands.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

using namespace dgw;
using namespace dgw::test;

namespace {

/// A session that sends one of everything; returns the frames in the order sent.
std::vector<frame> one_of_everything(Encoding enc) {
    harness h(enc, [](client_config& c) {
        c.identify.large_threshold = 100;
        c.identify.presence.emplace();
        c.identify.presence->status = "dnd";
        c.identify.presence->activities.push_back({"tests", types::ActivityType::Playing, {}, {}, 0});
    });
    h.auto_ack = true;
    h.feed(hello());
    // The first heartbeat (at a quarter interval: the harness' jitter) before any dispatch,
    // so its d is null; READY still within ready_timeout.
    h.advance(std::chrono::milliseconds(interval_ms / 4 + 1));
    h.feed(ready(1));

    commands::UpdatePresence presence;
    presence.since = 91879201;
    presence.status = "idle";
    presence.afk = true;
    presence.activities.push_back({"a stream", types::ActivityType::Streaming, std::string("https://twitch.tv/x"), {},
                                   0});
    h.run(h.c.send(presence, h.now));
    commands::UpdateVoiceState voice;
    voice.guild_id = Snowflake{1103492780374335548u};
    voice.channel_id = std::nullopt; // null: leave the channel
    h.run(h.c.send(voice, h.now));
    commands::RequestGuildMembers members;
    members.guild_id = Snowflake{1103492780374335548u};
    members.user_ids = std::vector<Snowflake>{Snowflake{1}, Snowflake{1184957469982033952u}};
    members.presences = true;
    members.nonce = "n";
    h.run(h.c.send(members, h.now));
    commands::RequestSoundboardSounds sounds;
    sounds.guild_ids = {Snowflake{7}};
    h.run(h.c.send(sounds, h.now));
    commands::RequestChannelInfo info;
    info.guild_id = Snowflake{7};
    info.fields = {"status", "voice_start_time"};
    h.run(h.c.send(info, h.now));
    const boost::json::value own_d = {{"guild_id", "7"}, {"query", "ab"}, {"limit", 5}};
    h.run(h.c.send(command{Opcode::RequestGuildMembers, own_d}, h.now));

    h.advance(std::chrono::milliseconds(interval_ms)); // a heartbeat with d = 1
    h.feed(reconnect_op());
    h.reconnect_client();
    h.feed(hello()); // Resume

    std::vector<frame> frames;
    for (const auto& a : h.all)
        if (const auto* s = std::get_if<send_frame>(&a)) frames.push_back(s->message);
    for (const auto& r : h.refusals) BOOST_ERROR("refused: op " << static_cast<int>(r.op) << ": " << r.detail);
    return frames;
}

/// d decodes as C with nothing missing, and C encodes back to exactly d.
template <class C>
void conforms(const boost::json::value& d, const std::string& what) {
    C c;
    decode_error err;
    BOOST_TEST_REQUIRE(dgw::decode_json(boost::json::serialize(d), c, err), what << ": " << err.message());
    BOOST_TEST(c.missing_ == 0u, what << ": a required field is missing");
    BOOST_TEST(boost::json::parse(dgw::encode_json(c)) == d, what << ": " << d << " is not what the schema describes");
}

/// The Erlang term a client's JSON value stands for (binary keys and strings).
std::string erlang_term(const boost::json::value& v) {
    auto binary = [](std::string_view s) {
        // <<"...">> with every byte as a number, so no escaping question arises.
        std::string out = "<<";
        for (std::size_t i = 0; i < s.size(); ++i)
            out += (i ? "," : "") + std::to_string(static_cast<unsigned char>(s[i]));
        return out + ">>";
    };
    switch (v.kind()) {
    case boost::json::kind::null: return "nil";
    case boost::json::kind::bool_: return v.get_bool() ? "true" : "false";
    case boost::json::kind::int64: return std::to_string(v.get_int64());
    case boost::json::kind::uint64: return std::to_string(v.get_uint64());
    case boost::json::kind::double_: return boost::json::serialize(v);
    case boost::json::kind::string: return binary(v.get_string());
    case boost::json::kind::array: {
        std::string out = "[";
        for (const auto& e : v.get_array()) out += (out.size() > 1 ? "," : "") + erlang_term(e);
        return out + "]";
    }
    case boost::json::kind::object: {
        std::string out = "#{";
        for (const auto& [k, e] : v.get_object())
            out += (out.size() > 2 ? "," : "") + binary(k) + " => " + erlang_term(e);
        return out + "}";
    }
    }
    return "error";
}

} // namespace

BOOST_AUTO_TEST_SUITE(client_sends)

BOOST_AUTO_TEST_CASE(every_json_payload_is_what_the_schema_describes) {
    const auto frames = one_of_everything(Encoding::Json);
    std::vector<int> ops;
    for (const auto& f : frames) {
        BOOST_TEST(!f.binary);
        const boost::json::value v = boost::json::parse(f.bytes);
        const auto& o = v.as_object();
        BOOST_TEST_REQUIRE(o.size() == 2u, f.bytes);
        BOOST_TEST_REQUIRE(o.contains("op"));
        BOOST_TEST_REQUIRE(o.contains("d"));
        const int op = o.at("op").to_number<int>();
        ops.push_back(op);
        const auto& d = o.at("d");
        const std::string what = "op " + std::to_string(op);
        switch (static_cast<Opcode>(op)) {
        case Opcode::Heartbeat: BOOST_TEST((d.is_null() || d.is_int64()), d); break; // `?int`, d itself
        case Opcode::Identify: conforms<commands::Identify>(d, what); break;
        case Opcode::Resume: conforms<commands::Resume>(d, what); break;
        case Opcode::PresenceUpdate: conforms<commands::UpdatePresence>(d, what); break;
        case Opcode::VoiceStateUpdate: conforms<commands::UpdateVoiceState>(d, what); break;
        case Opcode::RequestGuildMembers: conforms<commands::RequestGuildMembers>(d, what); break;
        case Opcode::RequestSoundboardSounds: conforms<commands::RequestSoundboardSounds>(d, what); break;
        case Opcode::RequestChannelInfo: conforms<commands::RequestChannelInfo>(d, what); break;
        default: BOOST_ERROR("the client sent op " << op);
        }
    }
    // One of everything, in order; the heartbeats' d are null, then the READY's s.
    BOOST_TEST_REQUIRE(ops == (std::vector<int>{2, 1, 3, 4, 8, 31, 43, 8, 1, 6}), boost::test_tools::per_element());
    BOOST_TEST(boost::json::parse(frames[1].bytes).at("d").is_null());
    BOOST_TEST(boost::json::parse(frames[8].bytes).at("d").as_int64() == 1);
    BOOST_TEST(boost::json::parse(frames[9].bytes).at("d").at("seq").as_int64() == 1);
}

BOOST_AUTO_TEST_CASE(every_etf_payload_is_its_json_payload_for_erlang) {
    const auto json_frames = one_of_everything(Encoding::Json);
    const auto etf_frames = one_of_everything(Encoding::Etf);
    BOOST_TEST_REQUIRE(etf_frames.size() == json_frames.size());
    const std::string erl = etf_test::find_erl();
    BOOST_REQUIRE_MESSAGE(!erl.empty(), "erl not found (set DGW_ERL or install erlang-base); this suite must not skip");
    std::string script = "C = fun(N, H, E) -> io:format(\"~b ~s~n\", [N, case binary_to_term(binary:decode_hex("
                         "list_to_binary(H))) =:= E of true -> ok; false -> bad end]) end,\n";
    for (std::size_t i = 0; i < etf_frames.size(); ++i) {
        BOOST_TEST(etf_frames[i].binary);
        script += "C(" + std::to_string(i) + ", \"" + etf_test::hex(etf_frames[i].bytes) + "\", " +
                  erlang_term(boost::json::parse(json_frames[i].bytes)) + "),\n";
    }
    script += "ok.\n";
    const std::string out = etf_test::run_erl(erl, script);
    std::string expected;
    for (std::size_t i = 0; i < etf_frames.size(); ++i) expected += std::to_string(i) + " ok\n";
    BOOST_TEST(out == expected);
}

BOOST_AUTO_TEST_SUITE_END()
