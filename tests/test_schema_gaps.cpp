// The schema gaps of issue 16 (item 4), each with a payload from Discord's docs: the docs'
// examples where they have one, otherwise built from the docs' field tables (with values
// from a nearby example). Every payload is decoded from JSON and from ETF (made from the same
// JSON, once with ids as binaries and once as integers, as Discord sends them), its typed
// fields are checked, and re-encoding gives the input back, compared as JSON values (and, for
// ETF out, as generic terms).
#include "test_event_fixtures.hpp"

#include <dgw/codec/typed.hpp>
#include <dgw/describe.hpp>
#include <dgw/etf/json.hpp>
#include <dgw/etf/writer.hpp>
#include <dgw/gateway.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace json = boost::json;
using dgw::decode_error;
using dgw::Encoding;
using dgw::GatewayMessage;
using dgw::Snowflake;
using dgw_test::etf_of;
using dgw_test::first_diff;
using dgw_test::must_encode;

namespace {


/// The same value with every id-like string (15 to 20 digits) as an integer: how Discord's
/// ETF carries snowflakes. Object keys (snowflake-keyed maps) stay strings, as in Erlang.
json::value with_integer_ids(const json::value& v) {
    if (v.is_string()) {
        const std::string_view s = v.as_string();
        const bool digits = s.size() >= 15 && s.size() <= 20 &&
                            s.find_first_not_of("0123456789") == std::string_view::npos;
        if (digits) return json::value(std::stoull(std::string(s)));
        return v;
    }
    if (v.is_array()) {
        json::array out;
        for (const auto& e : v.as_array()) out.push_back(with_integer_ids(e));
        return out;
    }
    if (v.is_object()) {
        json::object out;
        for (const auto& [k, e] : v.as_object()) out[k] = with_integer_ids(e);
        return out;
    }
    return v;
}

/// A gateway envelope as Discord's ETF has it: keys as atoms in Erlang's order (d, op, s,
/// t), `t` an atom.
std::string etf_envelope(const json::value& msg, bool integer_ids) {
    const json::value d = integer_ids ? with_integer_ids(msg.at("d")) : msg.at("d");
    const std::string dterm = etf_of(d);
    std::string out;
    dgw::etf::writer w(out, dgw::etf::writer_options{true});
    w.version();
    w.begin_map(4);
    w.key("d");
    out.append(dterm, 1, std::string::npos); // without its version byte
    w.key("op");
    w.int64(msg.at("op").to_number<std::int64_t>());
    w.key("s");
    w.int64(msg.at("s").to_number<std::int64_t>());
    w.key("t");
    w.atom(std::string(msg.at("t").as_string()));
    return out;
}

json::value etf_to_json(std::string_view etf) {
    decode_error err;
    json::value v = dgw::etf::to_json(etf, err);
    BOOST_REQUIRE_MESSAGE(!err, "etf::to_json: " << err.message());
    return v;
}

GatewayMessage must_decode(std::string_view bytes, Encoding enc, const std::string& what) {
    GatewayMessage m;
    decode_error err;
    BOOST_REQUIRE_MESSAGE(dgw::decode(bytes, enc, m, err), what << ": " << err.message());
    return m;
}


/// Decodes a whole gateway message from JSON and from ETF (ids as binaries, then as
/// integers); all three decode equal, each re-encodes to the input as JSON, and ETF out
/// decodes equal again and reads as the integer-id input term. Returns the JSON decode.
GatewayMessage round_trip_message(const json::value& msg) {
    const GatewayMessage mj = must_decode(json::serialize(msg), Encoding::Json, "JSON");
    BOOST_TEST(mj.t == std::string(msg.at("t").as_string()));
    BOOST_TEST(mj.event.index() == static_cast<std::size_t>(mj.type)); // a typed event, not raw
    BOOST_TEST(mj.event.index() != 0u);
    const json::value back = json::parse(must_encode(mj, Encoding::Json));
    BOOST_TEST(back == msg, "JSON -> JSON: " << first_diff(back, msg));
    for (const bool integer_ids : {false, true}) {
        BOOST_TEST_CONTEXT("ETF in, integer ids " << integer_ids) {
            const std::string etf = etf_envelope(msg, integer_ids);
            const GatewayMessage me = must_decode(etf, Encoding::Etf, "ETF");
            BOOST_TEST((me == mj));
            const json::value as_json = json::parse(must_encode(me, Encoding::Json));
            BOOST_TEST(as_json == msg, "ETF -> JSON: " << first_diff(as_json, msg));
            const std::string etf_out = must_encode(me, Encoding::Etf);
            BOOST_TEST((must_decode(etf_out, Encoding::Etf, "ETF re-encoded") == mj));
            // Discord's style out (atom keys, integer snowflakes): the same term as the
            // integer-id input, compared generically (key order aside).
            const json::value term_out = etf_to_json(etf_out), term_in = etf_to_json(etf_envelope(msg, true));
            BOOST_TEST(term_out == term_in, "ETF -> ETF: " << first_diff(term_out, term_in));
        }
    }
    return mj;
}

/// The same for one value of a generated type T, through dgw::decode_json/decode_etf.
template <class T>
T round_trip_value(const json::value& v) {
    T fromj;
    decode_error err;
    BOOST_REQUIRE_MESSAGE(dgw::decode_json(json::serialize(v), fromj, err), "JSON: " << err.message());
    const json::value back = json::parse(dgw::encode_json(fromj));
    BOOST_TEST(back == v, "JSON -> JSON: " << first_diff(back, v));
    for (const bool integer_ids : {false, true}) {
        BOOST_TEST_CONTEXT("ETF in, integer ids " << integer_ids) {
            T frome;
            BOOST_REQUIRE_MESSAGE(dgw::decode_etf(etf_of(integer_ids ? with_integer_ids(v) : v), frome, err),
                                  "ETF: " << err.message());
            BOOST_TEST((frome == fromj));
            const json::value as_json = json::parse(dgw::encode_json(frome));
            BOOST_TEST(as_json == v, "ETF -> JSON: " << first_diff(as_json, v));
            const std::string etf_out = dgw::encode_etf(frome, {true, true});
            T again;
            BOOST_REQUIRE_MESSAGE(dgw::decode_etf(etf_out, again, err), "ETF re-encoded: " << err.message());
            BOOST_TEST((again == fromj));
            const json::value term_out = etf_to_json(etf_out), term_in = etf_to_json(etf_of(with_integer_ids(v)));
            BOOST_TEST(term_out == term_in, "ETF -> ETF: " << first_diff(term_out, term_in));
        }
    }
    return fromj;
}

json::value parse(std::string_view text) { return json::parse(text); }

// ---- payloads ------------------------------------------------------------------------------

/// resources/user.mdx, "Example User".
const char* const example_user = R"({
  "id": "80351110224678912", "username": "Nelly", "global_name": null, "discriminator": "1337",
  "avatar": "8342729096ea3675442027381ff50dfe", "verified": true, "email": "nelly@discord.com",
  "flags": 64, "banner": "06c16474723fe537c283b8efa61a30c8", "accent_color": 16711680,
  "premium_type": 0, "public_flags": 64,
  "avatar_decoration_data": {"sku_id": "1144058844004233369", "asset": "a_fed43ab12698df65902ba06727e20c0e"}
})";

/// resources/guild.mdx, "Example Guild Member", without `user` (a mention's member is the
/// "partial member field" of MESSAGE_CREATE's mentions row, attached to the user).
const char* const example_member = R"({
  "nick": "NOT API SUPPORT", "avatar": null, "banner": null, "roles": [],
  "joined_at": "2015-04-26T06:26:56.936000+00:00", "deaf": false, "mute": false
})";

/// A mention as MESSAGE_CREATE's extra fields table describes it: a user object with an
/// additional partial member field.
json::value mentioned_user() {
    json::value u = parse(example_user);
    u.as_object()["member"] = parse(example_member);
    return u;
}

/// resources/message.mdx, "Example Message", in a MESSAGE_CREATE envelope with the extra
/// fields of MESSAGE_CREATE (guild_id, member) and one mention with its member. It replies
/// to the docs' "Example Crossposted Message" (the referenced_message), which mentions the
/// same user, and forwards a snapshot of the docs' subset of message fields.
json::value message_create(const char* t) {
    json::value d = parse(R"({
      "reactions": [{"count": 1, "count_details": {"burst": 0, "normal": 1}, "me": false, "me_burst": false,
                     "emoji": {"id": null, "name": "🔥"}, "burst_colors": []}],
      "attachments": [], "tts": false, "embeds": [], "timestamp": "2017-07-11T17:27:07.299000+00:00",
      "mention_everyone": false, "id": "334385199974967042", "pinned": false, "edited_timestamp": null,
      "author": {"username": "Mason", "discriminator": "9999", "id": "53908099506183680",
                 "avatar": "a_bab14f271d565501444b2ca3be944b25"},
      "mention_roles": [], "content": "Supa Hot", "channel_id": "290926798999357250", "mentions": [], "type": 0,
      "guild_id": "290926798626357260",
      "member": {"roles": [], "joined_at": "2015-04-26T06:26:56.936000+00:00", "deaf": false, "mute": false}
    })");
    json::value ref = parse(R"({
      "reactions": [], "attachments": [], "tts": false, "embeds": [], "timestamp": "2017-07-11T17:27:07.299000+00:00",
      "mention_everyone": false, "id": "334385199974967042", "pinned": false, "edited_timestamp": null,
      "author": {"username": "Mason", "discriminator": "9999", "id": "53908099506183680",
                 "avatar": "a_bab14f271d565501444b2ca3be944b25"},
      "mention_roles": [],
      "mention_channels": [{"id": "278325129692446722", "guild_id": "278325129692446720", "name": "big-news", "type": 5}],
      "content": "Big news! In this <#278325129692446722> channel!", "channel_id": "290926798999357250",
      "mentions": [], "type": 0, "flags": 2,
      "message_reference": {"type": 0, "channel_id": "278325129692446722", "guild_id": "278325129692446720",
                            "message_id": "306588351130107906"}
    })");
    json::value snapshot = parse(R"({"message": {
      "type": 0, "content": "Supa Hot", "embeds": [], "attachments": [],
      "timestamp": "2017-07-11T17:27:07.299000+00:00", "edited_timestamp": null, "flags": 0,
      "mentions": [], "mention_roles": [], "components": []
    }})");
    d.as_object()["mentions"].as_array().push_back(mentioned_user());
    ref.as_object()["mentions"].as_array().push_back(mentioned_user());
    snapshot.as_object()["message"].as_object()["mentions"].as_array().push_back(mentioned_user());
    d.as_object()["referenced_message"] = ref;
    d.as_object()["message_snapshots"] = json::array{snapshot};
    return json::object{{"t", t}, {"s", 7}, {"op", 0}, {"d", d}};
}

/// The mention the payloads above carry, as typed fields.
void check_mention(const dgw::types::MentionedUser& u) {
    BOOST_TEST(u.id.value == 80351110224678912u);
    BOOST_TEST(u.username == "Nelly");
    BOOST_TEST((u.global_name == std::nullopt));
    BOOST_TEST(!dgw::missing(u, "global_name")); // sent as null, not absent
    BOOST_REQUIRE(u.member.has_value());
    BOOST_TEST(u.member->nick.has_value());
    BOOST_TEST(*u.member->nick == "NOT API SUPPORT");
    BOOST_TEST(u.member->avatar.is_null());
    BOOST_TEST(u.member->roles.has_value());
    BOOST_TEST(u.member->roles->empty());
    BOOST_TEST(u.member->joined_at.has_value());
    BOOST_TEST((u.member->deaf == std::optional<bool>(false)));
    BOOST_TEST(!u.member->user.has_value());
    BOOST_TEST(!u.member->flags.has_value()); // not sent: stays absent
}

/// resources/application.mdx, "Example Application Object", with `guild` and
/// `install_params` built from the application's table (values from the docs' example invite
/// guild and integration_types_config); the team member's `permissions` is the example's
/// legacy field (not in the team member table, which has `role`, absent from the example).
json::value example_application() {
    json::value a = parse(R"({
      "bot_public": true, "bot_require_code_grant": false, "cover_image": "31deabb7e45b6c8ecfef77d2f99c81a5",
      "description": "Test", "flags": 8192, "flags_new": "8192", "guild_id": "290926798626357260", "icon": null,
      "id": "172150183260323840",
      "integration_types_config": {
        "0": {"oauth2_install_params": {"scopes": ["applications.commands", "bot"], "permissions": "2048"}},
        "1": {"oauth2_install_params": {"scopes": ["applications.commands"], "permissions": "0"}}
      },
      "name": "Baba O-Riley", "interactions_endpoint_url": null, "role_connections_verification_url": null,
      "event_webhooks_url": null, "event_webhooks_status": 1,
      "owner": {"avatar": null, "discriminator": "1738", "flags": 1024, "id": "172150183260323840", "username": "i own a bot"},
      "primary_sku_id": "172150183260323840", "slug": "test",
      "team": {
        "name": "A team", "icon": "dd9b7dcfdf5351b9c3de0fe167bacbe1", "id": "531992624043786253",
        "owner_user_id": "511972282709709995",
        "members": [{"membership_state": 2, "permissions": ["*"], "team_id": "531992624043786253",
                     "user": {"avatar": "d9e261cd35999608eb7e3de1fae3688b", "discriminator": "0001",
                              "id": "511972282709709995", "username": "Mr Owner"}}]
      },
      "verify_key": "1e0a356058d627ca38a5c8c9648818061d49e49bd9da9e3ab17d98ad4d6bg2u8"
    })");
    a.as_object()["guild"] = parse(R"({
      "id": "290926798626357260", "name": "CS:GO Fraggers Only", "splash": null, "banner": null,
      "description": "Very good description", "icon": null, "features": ["NEWS", "DISCOVERABLE"],
      "verification_level": 2, "vanity_url_code": null, "premium_subscription_count": 5
    })");
    a.as_object()["install_params"] = parse(R"({"scopes": ["applications.commands", "bot"], "permissions": "2048"})");
    return a;
}

void check_application(const dgw::types::InviteTargetApplication& a) {
    using dgw::types::ApplicationEventWebhookStatus;
    BOOST_TEST(a.id.value == 172150183260323840u);
    BOOST_REQUIRE(a.team.has_value());
    BOOST_TEST(a.team->name == "A team");
    BOOST_TEST(a.team->owner_user_id.value == 511972282709709995u);
    BOOST_REQUIRE(a.team->members.size() == 1u);
    BOOST_TEST(a.team->members[0].user.id.value == 511972282709709995u);
    BOOST_TEST((a.team->members[0].permissions == std::vector<std::string>{"*"}));
    BOOST_TEST(dgw::missing(a.team->members[0], "role")); // the example predates `role`
    BOOST_REQUIRE(a.guild.has_value());
    BOOST_TEST(a.guild->id.value == 290926798626357260u);
    BOOST_TEST((a.guild->name == std::optional<std::string>("CS:GO Fraggers Only")));
    BOOST_TEST((a.event_webhooks_status == ApplicationEventWebhookStatus::Disabled));
    BOOST_REQUIRE(a.install_params.has_value());
    BOOST_TEST((a.install_params->scopes == std::vector<std::string>{"applications.commands", "bot"}));
    BOOST_TEST(static_cast<std::uint64_t>(a.install_params->permissions) == 2048u);
    BOOST_REQUIRE(a.integration_types_config.has_value());
    BOOST_REQUIRE(a.integration_types_config->size() == 2u);
    const auto& guild_install = a.integration_types_config->at(Snowflake{0});
    BOOST_REQUIRE(guild_install.oauth2_install_params.has_value());
    BOOST_TEST(guild_install.oauth2_install_params->scopes.size() == 2u);
    const auto& user_install = a.integration_types_config->at(Snowflake{1});
    BOOST_REQUIRE(user_install.oauth2_install_params.has_value());
    BOOST_TEST(static_cast<std::uint64_t>(user_install.oauth2_install_params->permissions) == 0u);
}

} // namespace

BOOST_AUTO_TEST_SUITE(schema_gaps)

// ---- 1. mentions carry their partial member ----------------------------------------------

BOOST_AUTO_TEST_CASE(message_create_mentions_keep_their_member) {
    const GatewayMessage m = round_trip_message(message_create("MESSAGE_CREATE"));
    const auto& e = std::get<dgw::events::MessageCreate>(m.event);
    BOOST_REQUIRE(e.mentions.size() == 1u);
    check_mention(e.mentions[0]);
    // A reply's referenced message and a forward's snapshot carry theirs too.
    BOOST_REQUIRE(e.referenced_message.has_value());
    const dgw::types::Message& ref = e.referenced_message->get();
    BOOST_REQUIRE(ref.mentions.size() == 1u);
    check_mention(ref.mentions[0]);
    BOOST_REQUIRE(e.message_snapshots.has_value());
    BOOST_REQUIRE(e.message_snapshots->size() == 1u);
    BOOST_REQUIRE((*e.message_snapshots)[0].message.mentions.size() == 1u);
    check_mention((*e.message_snapshots)[0].message.mentions[0]);
    // The author's member (MESSAGE_CREATE's own extra field) is unaffected.
    BOOST_REQUIRE(e.member.has_value());
    BOOST_TEST((e.member->deaf == std::optional<bool>(false)));
}

BOOST_AUTO_TEST_CASE(message_update_mentions_keep_their_member) {
    const GatewayMessage m = round_trip_message(message_create("MESSAGE_UPDATE"));
    const auto& e = std::get<dgw::events::MessageUpdate>(m.event);
    BOOST_REQUIRE(e.mentions.size() == 1u);
    check_mention(e.mentions[0]);
}

BOOST_AUTO_TEST_CASE(mention_without_member_stays_without) {
    // A plain user object (DMs, or where Discord sends none) is still a valid mention.
    json::value msg = message_create("MESSAGE_CREATE");
    msg.at("d").as_object()["mentions"] = json::array{parse(example_user)};
    const GatewayMessage m = round_trip_message(msg);
    const auto& e = std::get<dgw::events::MessageCreate>(m.event);
    BOOST_REQUIRE(e.mentions.size() == 1u);
    BOOST_TEST(!e.mentions[0].member.has_value());
}

BOOST_AUTO_TEST_CASE(interaction_message_mentions_keep_their_member) {
    // interactions/application-commands.mdx, "Example Interaction" of a message command
    // (without the member's legacy `is_pending`, which the guild member table does not list);
    // the resolved message mentions a user, with the member field of gateway message events.
    json::value d = parse(R"({
      "application_id": "775799577604522054", "channel_id": "772908445358620702",
      "data": {
        "id": "866818195033292851", "name": "context-menu-message-2",
        "resolved": {"messages": {"867793854505943041": {
          "attachments": [],
          "author": {"avatar": "a_f03401914fb4f3caa9037578ab980920", "discriminator": "6538",
                     "id": "167348773423415296", "public_flags": 1, "username": "ian"},
          "channel_id": "772908445358620702", "components": [], "content": "some message",
          "edited_timestamp": null, "embeds": [], "flags": 0, "id": "867793854505943041",
          "mention_everyone": false, "mention_roles": [], "mentions": [], "pinned": false,
          "timestamp": "2021-07-22T15:42:57.744000+00:00", "tts": false, "type": 0}}},
        "target_id": "867793854505943041", "type": 3
      },
      "guild_id": "772904309264089089", "guild_locale": "en-US", "app_permissions": "442368",
      "id": "867793873336926249", "locale": "en-US",
      "member": {"avatar": null, "deaf": false, "joined_at": "2020-11-02T20:46:57.364000+00:00",
                 "mute": false, "nick": null, "pending": false, "permissions": "274877906943",
                 "premium_since": null, "roles": ["785609923542777878"],
                 "user": {"avatar": "a_f03401914fb4f3caa9037578ab980920", "discriminator": "6538",
                          "id": "167348773423415296", "public_flags": 1, "username": "ian"}},
      "token": "UNIQUE_TOKEN", "type": 2, "version": 1
    })");
    d.at("data").at("resolved").at("messages").at("867793854505943041").as_object()["mentions"] =
        json::array{mentioned_user()};
    // And the same message as the interaction's `message` (component interactions).
    d.as_object()["message"] = d.at("data").at("resolved").at("messages").at("867793854505943041");
    const GatewayMessage m = round_trip_message(json::object{{"t", "INTERACTION_CREATE"}, {"s", 3}, {"op", 0}, {"d", d}});
    const auto& e = std::get<dgw::events::InteractionCreate>(m.event);
    BOOST_REQUIRE(e.message.has_value());
    BOOST_REQUIRE(e.message->mentions.size() == 1u);
    check_mention(e.message->mentions[0]);
    BOOST_REQUIRE(e.data.has_value());
    BOOST_REQUIRE(e.data->resolved.has_value());
    BOOST_REQUIRE(e.data->resolved->messages.has_value());
    const auto& resolved = e.data->resolved->messages->at(Snowflake{867793854505943041u});
    BOOST_REQUIRE(resolved.mentions.size() == 1u);
    check_mention(resolved.mentions[0]);
}

// ---- 2. the invite target application has the application's documented fields -----------

BOOST_AUTO_TEST_CASE(invite_target_application_keeps_team_guild_install_params) {
    check_application(round_trip_value<dgw::types::InviteTargetApplication>(example_application()));
}

BOOST_AUTO_TEST_CASE(invite_create_with_target_application) {
    // INVITE_CREATE from the event's field table; values from the docs' example invite and
    // example application.
    json::value d = parse(R"({
      "channel_id": "165176875973476352", "code": "0vCdhLbwjZZTWZLD",
      "created_at": "2016-03-31T19:15:39.954000+00:00", "guild_id": "165176875973476352",
      "inviter": {"id": "115590097100865541", "username": "speed", "avatar": "deadbeef",
                  "discriminator": "7653", "public_flags": 131328},
      "max_age": 86400, "max_uses": 0, "target_type": 2, "temporary": false, "uses": 0, "expires_at": null
    })");
    d.as_object()["target_application"] = example_application();
    const GatewayMessage m = round_trip_message(json::object{{"t", "INVITE_CREATE"}, {"s", 12}, {"op", 0}, {"d", d}});
    const auto& e = std::get<dgw::events::InviteCreate>(m.event);
    BOOST_TEST((e.target_type == dgw::types::InviteTargetType::EmbeddedApplication));
    BOOST_REQUIRE(e.target_application.has_value());
    check_application(*e.target_application);
}

// ---- 3. unfurled media items -------------------------------------------------------------

BOOST_AUTO_TEST_CASE(unfurled_media_item_keeps_every_documented_field) {
    // components/reference.mdx, "Unfurled Media Item Structure": every field, with the values
    // of the docs' example uploaded attachment (File Upload's modal submit example; its
    // 21-digit placeholder id does not fit a snowflake, so the id has 19 digits here).
    const json::value v = parse(R"({
      "url": "https://cdn.discordapp.com/ephemeral-attachments/2222222222222222222/111111111111111111111/bug.png",
      "proxy_url": "https://media.discordapp.net/ephemeral-attachments/2222222222222222222/111111111111111111111/bug.png",
      "height": 604, "width": 2482, "placeholder": "/PcBAoBQydvKesabEIoMsdg=", "placeholder_version": 1,
      "content_type": "image/png", "flags": 1, "attachment_id": "1111111111111111111"
    })");
    const auto item = round_trip_value<dgw::types::UnfurledMediaItem>(v);
    BOOST_TEST(item.height.has_value());
    BOOST_TEST(*item.height == 604);
    BOOST_TEST((item.placeholder == std::optional<std::string>("/PcBAoBQydvKesabEIoMsdg=")));
    BOOST_TEST((item.placeholder_version == std::optional<std::int64_t>(1)));
    BOOST_TEST((item.content_type == std::optional<std::string>("image/png")));
    BOOST_TEST((item.flags == dgw::types::UnfurledMediaItemFlags::IsAnimated));
    BOOST_TEST((item.attachment_id == std::optional<Snowflake>(Snowflake{1111111111111111111u})));
    // Only url is the developer's: the rest absent stays absent.
    const auto sent = round_trip_value<dgw::types::UnfurledMediaItem>(parse(R"({"url": "attachment://bug.png"})"));
    BOOST_TEST(!sent.placeholder.has_value());
    BOOST_TEST(sent.height.is_absent());
}

// ---- 4. nullable component value ---------------------------------------------------------

BOOST_AUTO_TEST_CASE(modal_submit_component_values_keep_null) {
    // components/reference.mdx, Radio Group's "Modal Submit Interaction Data Example", then
    // the response structure's "null if no option is selected", and a Checkbox's boolean.
    const char* const submit = R"({
      "custom_id": "class_selection_modal",
      "components": [{"id": 1, "type": 18,
                      "component": {"custom_id": "class_radio", "id": 2, "type": 21, "value": "warrior"}}]
    })";
    const auto chosen = round_trip_value<dgw::types::InteractionData>(parse(submit));
    BOOST_REQUIRE(chosen.components.has_value());
    const dgw::types::Component& label = chosen.components->at(0);
    BOOST_TEST((label.type == dgw::types::ComponentType::Label));
    BOOST_REQUIRE(label.component.has_value());
    BOOST_TEST(label.component->get().value.has_value());
    BOOST_TEST(label.component->get().value->text == R"("warrior")");

    json::value none = parse(submit);
    none.at("components").at(0).at("component").as_object()["value"] = nullptr;
    const auto unchosen = round_trip_value<dgw::types::InteractionData>(none);
    const dgw::types::Component& radio = unchosen.components->at(0).component->get();
    BOOST_TEST(radio.value.is_null()); // null, not absent: re-encoded as null
    BOOST_TEST(!radio.value.is_absent());
    BOOST_TEST(!(unchosen == chosen));

    json::value checkbox = parse(submit);
    checkbox.at("components").at(0).at("component") = parse(R"({"custom_id": "tos", "id": 2, "type": 23, "value": true})");
    const auto checked = round_trip_value<dgw::types::InteractionData>(checkbox);
    BOOST_TEST(checked.components->at(0).component->get().value->text == "true");
}

BOOST_AUTO_TEST_CASE(auto_moderation_custom_message) {
    // resources/auto-moderation.mdx, the example rule's BLOCK_MESSAGE action. The docs and
    // discord-api-types both call custom_message a (non-null) string: it stays one.
    const auto action = round_trip_value<dgw::types::AutoModerationAction>(parse(R"({
      "type": 1,
      "metadata": {"custom_message": "Please keep financial discussions limited to the #finance channel"}
    })"));
    BOOST_REQUIRE(action.metadata.has_value());
    BOOST_TEST((action.metadata->custom_message ==
               std::optional<std::string>("Please keep financial discussions limited to the #finance channel")));
}

// ---- 5. flags and features beyond the named values ----------------------------------------

BOOST_AUTO_TEST_CASE(unnamed_flag_bits_and_features_survive) {
    // ACTIVE_DEVELOPER (1 << 22) left the docs' user flags (discord-api-docs #8249) and the
    // channel flag 1 << 17 (obfuscated channels) is not in the docs checkout yet: neither has
    // a name in the schema, but the bits are kept; so is a guild feature the docs do not list.
    auto user = parse(example_user);
    user.as_object()["public_flags"] = (1 << 22) | 64;
    const auto u = round_trip_value<dgw::types::User>(user);
    BOOST_REQUIRE(u.public_flags.has_value());
    BOOST_TEST(static_cast<std::uint64_t>(*u.public_flags) == ((1u << 22) | 64u));
    BOOST_TEST(dgw::types::has(*u.public_flags, dgw::types::UserFlags::HypesquadOnlineHouse1));

    const auto ch = round_trip_value<dgw::types::Channel>(
        parse(R"({"id": "41771983423143937", "type": 0, "flags": 131074})")); // PINNED | 1 << 17
    BOOST_REQUIRE(ch.flags.has_value());
    BOOST_TEST(static_cast<std::uint64_t>(*ch.flags) == ((1u << 17) | 2u));
    BOOST_TEST(dgw::types::has(*ch.flags, dgw::types::ChannelFlags::Pinned));

    const auto g = round_trip_value<dgw::types::ApplicationGuild>(parse(R"({
      "id": "165176875973476352", "features": ["NEWS", "GUILD_TAGS", "PIN_PERMISSION_MIGRATION_COMPLETE"]
    })"));
    BOOST_REQUIRE(g.features.has_value());
    BOOST_TEST(g.features->at(1) == dgw::types::guild_feature::GuildTags);
    BOOST_TEST(g.features->at(2) == "PIN_PERMISSION_MIGRATION_COMPLETE");
}

// ---- 6. READY's application flags --------------------------------------------------------

BOOST_AUTO_TEST_CASE(ready_application_flags_absent_or_present) {
    // events/gateway-events.mdx, Ready Event Fields: a partial application that "contains
    // id and flags" (flags optional in the application object itself): absent stays absent.
    const auto with = round_trip_value<dgw::types::ReadyApplication>(parse(R"({"id": "172150183260323840", "flags": 8192})"));
    BOOST_TEST(with.flags.has_value());
    BOOST_TEST((with.flags == dgw::types::ApplicationFlags::GatewayPresenceLimited)); // 1 << 13
    const auto without = round_trip_value<dgw::types::ReadyApplication>(parse(R"({"id": "172150183260323840"})"));
    BOOST_TEST(!without.flags.has_value());
}

// ---- 7. nulls the corpus shows where the docs say nothing ----------------------------------

BOOST_AUTO_TEST_CASE(select_option_description_and_emoji_null_absent_or_value) {
    // components/reference.mdx, String Select's "Message Example" (as received in a message:
    // the action row), then the corpus's form: description and emoji sent as null.
    json::value row = parse(R"json({
      "type": 1, "id": 1,
      "components": [{"type": 3, "id": 2, "custom_id": "favorite_bug", "placeholder": "Favorite bug?",
        "options": [
          {"label": "Ant", "value": "ant", "description": "(best option)", "emoji": {"name": "🐜"}},
          {"label": "Butterfly", "value": "butterfly", "emoji": {"name": "🦋"}},
          {"label": "Caterpillar", "value": "caterpillar", "emoji": {"name": "🐛"}}
        ]}]
    })json");
    row.at("components").at(0).at("options").as_array().push_back(
        parse(R"({"label": "Dragonfly", "value": "dragonfly", "description": null, "emoji": null})"));
    const auto c = round_trip_value<dgw::types::Component>(row);
    BOOST_REQUIRE(c.components.has_value());
    const auto& options = c.components->at(0).options;
    BOOST_REQUIRE(options.has_value());
    BOOST_REQUIRE(options->size() == 4u);
    BOOST_TEST(options->at(0).description.has_value());
    BOOST_TEST(*options->at(0).description == "(best option)");
    BOOST_REQUIRE(options->at(0).emoji.has_value());
    BOOST_TEST((options->at(0).emoji->name == std::optional<std::string>("🐜")));
    BOOST_TEST(options->at(1).description.is_absent());
    BOOST_TEST(options->at(3).description.is_null());
    BOOST_TEST(options->at(3).emoji.is_null());
}

BOOST_AUTO_TEST_SUITE_END()
