// MessagePack output (encode_msgpack_value, json_text_to_msgpack, etf_term_to_msgpack): the
// value the JSON writer writes, for @discordjs/brokers. Reference: msgpuck's own decoder
// reads our bytes into a boost::json::value, compared strictly (key order, integer vs
// double) with boost::json::parse of what the JSON writer writes for the same input.
//
// This file holds msgpuck's tables (MP_SOURCE) for its decoder, as any program using
// msgpuck beside dgw would: libdgw_codec's copies carry other names, so static and shared
// builds both link.
#define MP_SOURCE 1
#include <msgpuck.h>

#include "test_etf_util.hpp"
#include "test_event_fixtures.hpp"

#include <dgw/codec/typed.hpp>
#include <dgw/describe.hpp>
#include <dgw/detail/json/text.hpp>
#include <dgw/etf/json.hpp>
#include <dgw/gateway.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <charconv>
#include <cstring>
#include <filesystem>
#include <string>
#include <variant>

namespace json = boost::json;
using dgw::decode_error;
using dgw::Encoding;
using dgw::GatewayMessage;
using dgw_test::must_decode;

namespace {

// ---- the reference decoder ---------------------------------------------------------------

json::value read_one(const char*& p) {
    switch (mp_typeof(*p)) {
    case MP_NIL: mp_decode_nil(&p); return nullptr;
    case MP_BOOL: return mp_decode_bool(&p);
    case MP_UINT: {
        const std::uint64_t u = mp_decode_uint(&p);
        // As boost::json::parse types it: int64 when it fits.
        if (u <= static_cast<std::uint64_t>(INT64_MAX)) return static_cast<std::int64_t>(u);
        return u;
    }
    case MP_INT: return mp_decode_int(&p);
    case MP_FLOAT: return static_cast<double>(mp_decode_float(&p));
    case MP_DOUBLE: return mp_decode_double(&p);
    case MP_STR: {
        std::uint32_t n = 0;
        const char* s = mp_decode_str(&p, &n);
        return json::string(std::string_view(s, n));
    }
    case MP_ARRAY: {
        const std::uint32_t n = mp_decode_array(&p);
        json::array a;
        a.reserve(n);
        for (std::uint32_t i = 0; i < n; ++i) a.push_back(read_one(p));
        return a;
    }
    case MP_MAP: {
        const std::uint32_t n = mp_decode_map(&p);
        json::object o;
        o.reserve(n);
        for (std::uint32_t i = 0; i < n; ++i) {
            BOOST_REQUIRE_MESSAGE(mp_typeof(*p) == MP_STR, "a map key that is not a str");
            std::uint32_t len = 0;
            const char* k = mp_decode_str(&p, &len);
            const auto [it, fresh] = o.emplace(std::string_view(k, len), nullptr);
            BOOST_REQUIRE_MESSAGE(fresh, "duplicate key " << std::string_view(k, len));
            it->value() = read_one(p);
        }
        return o;
    }
    default: BOOST_FAIL("a msgpack type the writer never uses: " << int(mp_typeof(*p)));
    }
    return nullptr;
}

/// `bytes` must be exactly one well-formed msgpack value.
json::value from_msgpack(std::string_view bytes) {
    const char* p = bytes.data();
    BOOST_REQUIRE_MESSAGE(!bytes.empty() && mp_check(&p, bytes.data() + bytes.size()) == 0, "malformed msgpack");
    BOOST_REQUIRE_MESSAGE(p == bytes.data() + bytes.size(), "bytes after the value");
    p = bytes.data();
    return read_one(p);
}

/// Where two values first differ, stricter than ==: object keys in the same order, and
/// the same kind (an int64 1 is not the double 1.0; doubles bit for bit).
std::string strict_diff(const json::value& a, const json::value& b, const std::string& path = "$") {
    const auto show = [&] { return path + ": " + json::serialize(a) + " vs " + json::serialize(b); };
    if (a.kind() != b.kind()) return show() + " (kinds differ)";
    if (a.is_object()) {
        const auto &x = a.get_object(), &y = b.get_object();
        if (x.size() != y.size()) return show();
        for (auto i = x.begin(), j = y.begin(); i != x.end(); ++i, ++j) {
            if (i->key() != j->key()) return path + ": key " + std::string(i->key()) + " vs " + std::string(j->key());
            if (auto d = strict_diff(i->value(), j->value(), path + "." + std::string(i->key())); !d.empty()) return d;
        }
        return {};
    }
    if (a.is_array()) {
        const auto &x = a.get_array(), &y = b.get_array();
        if (x.size() != y.size()) return show();
        for (std::size_t i = 0; i < x.size(); ++i)
            if (auto d = strict_diff(x[i], y[i], path + "[" + std::to_string(i) + "]"); !d.empty()) return d;
        return {};
    }
    if (a.is_double()) {
        const double x = a.get_double(), y = b.get_double();
        return std::memcmp(&x, &y, sizeof x) == 0 ? std::string() : show();
    }
    return a == b ? std::string() : show();
}

#define CHECK_SAME(msgpack_bytes, reference)                                                                     \
    do {                                                                                                         \
        const std::string d_ = strict_diff(from_msgpack(msgpack_bytes), reference);                              \
        BOOST_TEST(d_.empty(), d_);                                                                              \
    } while (0)

// ---- what the JSON writer writes -----------------------------------------------------------

/// JSON text as deep as the decoders accept (boost::json::parse stops at 32 levels).
json::value parse_deep(std::string_view text) {
    json::parse_options deep;
    deep.max_depth = 1024;
    return json::parse(text, {}, deep);
}

/// The message's `d` as the JSON writer writes it (big integers as strings, the default).
json::value json_d(const GatewayMessage& m) {
    std::string out;
    decode_error err;
    BOOST_REQUIRE_MESSAGE(dgw::encode(m, Encoding::Json, out, err), err.message());
    return parse_deep(out).at("d");
}

/// The message's `d` in msgpack: typed through encode_msgpack_value, raw through the
/// conversions.
std::string msgpack_d(const GatewayMessage& m) {
    std::string out;
    std::visit(
        [&](const auto& ev) {
            using T = std::decay_t<decltype(ev)>;
            if constexpr (std::is_same_v<T, dgw::RawEvent>) {
                decode_error err;
                if (ev.data.empty()) out.assign(1, '\xc0'); // nil
                else if (ev.encoding == Encoding::Json)
                    BOOST_REQUIRE_MESSAGE(dgw::codec::json_text_to_msgpack(ev.data, out, err), err.message());
                else
                    BOOST_REQUIRE_MESSAGE(dgw::codec::etf_term_to_msgpack(ev.data, out, err), err.message());
            } else {
                out = dgw::encode_msgpack(ev);
            }
        },
        m.event);
    return out;
}

/// JSON text as the JSON writer copies a raw payload through: big integers quoted.
json::value json_writer_value(std::string_view text) {
    std::string quoted;
    dgw::json::append_quoting_big_integers(quoted, text);
    return parse_deep(quoted);
}

std::string to_msgpack(std::string_view text) {
    std::string out;
    decode_error err;
    BOOST_REQUIRE_MESSAGE(dgw::codec::json_text_to_msgpack(text, out, err), text << ": " << err.message());
    return out;
}

void check_text(std::string_view text) {
    BOOST_TEST_CONTEXT(text.substr(0, 80)) { CHECK_SAME(to_msgpack(text), json_writer_value(text)); }
}

dgw::decode_options keeping(bool raw = false) {
    dgw::decode_options o;
    o.limits.keep_unknown = true;
    o.keep_decoded_raw = raw;
    return o;
}

std::string hex(std::string_view b) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string h;
    for (unsigned char c : b) {
        h += digits[c >> 4];
        h += digits[c & 15];
    }
    return h;
}

const std::filesystem::path etf_dir = std::filesystem::path(DGW_FIXTURES) / "events_etf";

// A MESSAGE_CREATE with what msgpack must carry exactly: a nonce (an `any` field) holding
// big integers, negative numbers, doubles and unicode, and fields the schema lacks.
const char* const message_with_extras = R"({"t":"MESSAGE_CREATE","s":42,"op":0,"d":{
  "id":"1100000000000000001","channel_id":"1100000000000000002","guild_id":"1100000000000000003",
  "author":{"id":"1100000000000000004","username":"ada","discriminator":"0","global_name":"Åda 🦆",
            "avatar":null,"clan":{"tag":"DGW","badge":"b1","identity_enabled":true},"x_float":2.5},
  "content":"héllo wörld ✓ 𝄞","timestamp":"2026-12-07T08:00:00.000000+00:00","edited_timestamp":null,"tts":false,
  "mention_everyone":false,
  "mentions":[{"id":"1100000000000000005","username":"bob","discriminator":"0","global_name":"B",
               "avatar":null,"x_extra":[1,-2,null,"s\u00e9\n",{"deep":[[]]}]}],
  "mention_roles":[],"attachments":[],"embeds":[],"pinned":false,"type":0,
  "nonce":{"z":[9007199254740991,9007199254740992,-9007199254740992,18446744073709551615,
                 123456789012345678901234567890,-0.0,1.5e300,-7,0.1,true,null],"a":"∑"},
  "x_top":{"b":[true,false],"a":null,"c":12345678901234,"big":1576183625941254149,"neg":-1576183625941254149},
  "x_text":"caf\u00e9 \"q\""}})";

} // namespace

BOOST_AUTO_TEST_SUITE(msgpack)

// Integers take msgpack's smallest form; positive ones are unsigned, as msgpack writes them.
BOOST_AUTO_TEST_CASE(bytes_of_scalars) {
    const std::pair<const char*, const char*> cases[] = {
        {"0", "00"},
        {"127", "7f"},
        {"128", "cc80"},
        {"65535", "cdffff"},
        {"65536", "ce00010000"},
        {"4294967296", "cf0000000100000000"},
        {"-1", "ff"},
        {"-32", "e0"},
        {"-33", "d0df"},
        {"-129", "d1ff7f"},
        {"-40000", "d2ffff63c0"},
        {"-4294967296", "d3ffffffff00000000"},
        {"1.5", "cb3ff8000000000000"},
        {"true", "c3"},
        {"false", "c2"},
        {"null", "c0"},
        {"\"\"", "a0"},
        {"\"abc\"", "a3616263"},
        {"[]", "90"},
        {"{}", "80"},
        {"{\"a\":[1,-1]}", "81a16192" "01ff"},
        // Beyond +-2^53-1: the digits as a str, as JSON's big_integers::string writes them.
        {"9007199254740992", "b0" "39303037313939323534373430393932"},
        {"-9007199254740992", "b1" "2d39303037313939323534373430393932"},
    };
    for (const auto& [text, bytes] : cases) BOOST_TEST(hex(to_msgpack(text)) == bytes, text);
}

BOOST_AUTO_TEST_CASE(numbers_as_the_json_writer_writes_them) {
    for (const char* t : {"9007199254740991", "-9007199254740991", "9007199254740992", "-9007199254740992",
                          "9223372036854775807", "-9223372036854775808", "9223372036854775808",
                          "18446744073709551615", "18446744073709551616", "-9223372036854775809",
                          "123456789012345678901234567890", "-123456789012345678901234567890",
                          "0", "-0", "-0.0", "0.1", "-2.5e-308", "1e300", "1E+2", "12345678901234567890.5",
                          "9007199254740993.0", "4.9e-324", "0.30000000000000004", "1.7976931348623157e308"})
        check_text(t);
    // Digits beyond 64 bits survive as text, every one (a double would keep 17).
    BOOST_TEST(from_msgpack(to_msgpack("[123456789012345678901234567890]")).at(0) == "123456789012345678901234567890");
    // Doubles are read from their text, correctly rounded, as JSON.parse reads it.
    for (const char* t : {"0.1", "2.2250738585072011e-308", "1.00000000000000011102230246251565404236316680908203125",
                          "7.038531e-26", "123456.789012345678901234"}) {
        double want = 0;
        std::from_chars(t, t + std::strlen(t), want);
        BOOST_TEST(from_msgpack(to_msgpack(t)).as_double() == want, t);
    }
}

BOOST_AUTO_TEST_CASE(strings_of_every_length_class) {
    // fixstr, str8, str16 and str32, with multi-byte UTF-8 (2, 3 and 4 bytes a character).
    const std::string unit = "é✓𝄞a"; // 2 + 3 + 4 + 1 bytes
    for (const std::size_t n : {std::size_t{1}, std::size_t{3}, std::size_t{4}, std::size_t{30}, std::size_t{7000}}) {
        std::string s;
        for (std::size_t i = 0; i < n; ++i) s += unit;
        std::string text;
        dgw::json::append_string(text, s);
        const std::string b = to_msgpack(text);
        const auto tag = static_cast<unsigned char>(b[0]);
        const std::size_t len = s.size();
        if (len < 32) BOOST_TEST((tag & 0xe0) == 0xa0);
        else if (len < 256) BOOST_TEST(tag == 0xd9);
        else if (len < 65536) BOOST_TEST(tag == 0xda);
        else BOOST_TEST(tag == 0xdb);
        BOOST_TEST(std::string_view(from_msgpack(b).as_string()) == s);
    }
    check_text(R"(["\u0000\u001f\"\\\/\b\f\n\r\t","\ud83e\udd86","日本語",""])");
}

BOOST_AUTO_TEST_CASE(containers_of_every_size_class) {
    // fix, 16-bit and 32-bit headers of arrays and maps, nested, keys in the text's order.
    for (const std::size_t n : {std::size_t{0}, std::size_t{15}, std::size_t{16}, std::size_t{65535},
                                std::size_t{65536}, std::size_t{70000}}) {
        std::string arr = "[", obj = "{";
        for (std::size_t i = 0; i < n; ++i) {
            if (i) arr += ',', obj += ',';
            arr += i % 3 ? std::to_string(i) : "[" + std::to_string(i) + ",{\"k\":null}]";
            obj += "\"k" + std::to_string(n - i) + "\":" + (i % 2 ? "-1" : "{\"x\":[]}");
        }
        arr += "]", obj += "}";
        const std::string a = to_msgpack(arr), o = to_msgpack(obj);
        const auto at = static_cast<unsigned char>(a[0]), ot = static_cast<unsigned char>(o[0]);
        if (n < 16) BOOST_TEST(((at & 0xf0) == 0x90 && (ot & 0xf0) == 0x80));
        else if (n < 65536) BOOST_TEST((at == 0xdc && ot == 0xde));
        else BOOST_TEST((at == 0xdd && ot == 0xdf));
        BOOST_TEST_CONTEXT("n = " << n) {
            CHECK_SAME(a, json::parse(arr));
            CHECK_SAME(o, json::parse(obj));
        }
    }
    check_text(R"({"a":{"b":{"c":[[[],[{}]],{"d":[1,[2,[3,{"e":null}]]]}]}},"f":[true,false,null]})");
}

// A message's typed `d` in msgpack is the JSON writer's `d`, decoded from JSON and from ETF
// (Erlang's bytes: snowflakes as integers, atom keys), unknown fields kept or not; the raw
// `d` of each (keep_decoded_raw) converts to the same value as well.
BOOST_AUTO_TEST_CASE(every_event_fixture) {
    std::size_t etf_seen = 0;
    for (const auto& f : dgw_test::event_fixtures()) {
        BOOST_TEST_CONTEXT(f.name) {
            std::vector<std::pair<std::string, Encoding>> inputs{{f.text, Encoding::Json}};
            if (std::filesystem::exists(etf_dir / (f.name + ".etf"))) {
                inputs.emplace_back(dgw_test::read_file(etf_dir / (f.name + ".etf")), Encoding::Etf);
                ++etf_seen;
            }
            for (const auto& [bytes, enc] : inputs)
                for (const bool keep : {false, true}) {
                    BOOST_TEST_CONTEXT(dgw::to_string(enc) << (keep ? " keep_unknown" : "")) {
                        dgw::decode_options o = keeping(true);
                        o.limits.keep_unknown = keep;
                        const GatewayMessage m = must_decode(bytes, enc, o);
                        BOOST_TEST(!std::holds_alternative<dgw::RawEvent>(m.event));
                        const json::value want = json_d(m);
                        CHECK_SAME(msgpack_d(m), want);
                        // The raw d: the JSON writer copies JSON through with big integers
                        // quoted; ETF goes through etf_term_to_json_text.
                        std::string raw;
                        decode_error err;
                        if (enc == Encoding::Json) {
                            BOOST_REQUIRE(dgw::codec::json_text_to_msgpack(m.raw.data, raw, err));
                            CHECK_SAME(raw, json_writer_value(m.raw.data));
                        } else {
                            BOOST_REQUIRE(dgw::codec::etf_term_to_msgpack(m.raw.data, raw, err));
                            std::string text;
                            BOOST_REQUIRE(dgw::codec::etf_term_to_json_text(m.raw.data, text, err));
                            CHECK_SAME(raw, json::parse(text));
                        }
                        // Unknown events stay raw (RawEvent) and convert the same way.
                        dgw::event_set none;
                        o.events = &none;
                        o.keep_raw = true;
                        const GatewayMessage r = must_decode(bytes, enc, o);
                        BOOST_REQUIRE(std::holds_alternative<dgw::RawEvent>(r.event));
                        CHECK_SAME(msgpack_d(r), json_d(r));
                    }
                }
        }
    }
    BOOST_TEST(etf_seen > 50u);
}

// Big integers, negative numbers, doubles and unicode inside an `any` field, and unknown
// fields at several depths: from JSON and from ETF the same bytes, the JSON writer's value.
BOOST_AUTO_TEST_CASE(any_and_unknown_fields_from_json_and_etf) {
    const GatewayMessage from_json = must_decode(message_with_extras, Encoding::Json, keeping());
    const std::string b = msgpack_d(from_json);
    CHECK_SAME(b, json_d(from_json));
    const json::value v = from_msgpack(b);
    BOOST_TEST(v.at("nonce").at("z").at(3) == "18446744073709551615");
    // (The decoder's RawJson capture holds an integer beyond 64 bits as a double already.)
    BOOST_TEST(v.at("nonce").at("z").at(6).as_double() == 1.5e300);
    BOOST_TEST(v.at("x_top").at("big") == "1576183625941254149");
    BOOST_TEST(v.at("x_top").at("neg") == "-1576183625941254149");
    BOOST_TEST(v.at("author").at("global_name") == "Åda 🦆");
    // Unknown fields after the known ones, sorted, objects inside them sorted too.
    const auto& d = v.as_object();
    BOOST_TEST(std::prev(d.end(), 2)->key() == "x_text");
    BOOST_TEST(std::prev(d.end(), 1)->key() == "x_top");
    BOOST_TEST(d.at("x_top").as_object().begin()->key() == "a");

    // ETF input: the integer beyond 64 bits cannot be a JSON value's integer, so it goes.
    json::value in = json::parse(message_with_extras);
    in.at("d").at("nonce").at("z").as_array().erase(in.at("d").at("nonce").at("z").as_array().begin() + 4);
    const GatewayMessage reference = must_decode(json::serialize(in), Encoding::Json, keeping());
    for (const bool direct : {true, false}) {
        dgw::decode_options o = keeping();
        o.limits.etf_direct = direct;
        const GatewayMessage from_etf = must_decode(dgw_test::etf_of(in), Encoding::Etf, o);
        BOOST_TEST(!(*std::get<dgw::events::MessageCreate>(from_etf.event).unknown_.begin()).value.empty());
        const std::string e = msgpack_d(from_etf);
        CHECK_SAME(e, json_d(from_etf));
        // ETF and JSON input give the same bytes (unknown objects sorted in both).
        BOOST_TEST(hex(e) == hex(msgpack_d(reference)));
    }
}

// Typed scalars: negative integers, doubles, long unicode strings, arrays past 15 elements.
BOOST_AUTO_TEST_CASE(typed_scalars_and_sizes) {
    json::value in = json::parse(message_with_extras);
    std::string content;
    for (int i = 0; i < 9000; ++i) content += "ü✓𝄞"; // 81000 bytes: str32
    in.at("d").at("content") = content;
    auto& mentions = in.at("d").at("mentions").as_array();
    const json::value one = mentions.at(0);
    for (int i = 0; i < 20; ++i) mentions.push_back(one);
    const GatewayMessage m = must_decode(json::serialize(in), Encoding::Json, keeping());
    const std::string b = msgpack_d(m);
    CHECK_SAME(b, json_d(m));
    BOOST_TEST(std::string_view(from_msgpack(b).at("content").as_string()) == content);
    BOOST_TEST(from_msgpack(b).at("mentions").as_array().size() == 21u);

    const std::string rl = R"({"t":"RATE_LIMITED","s":1,"op":0,"d":{"opcode":-8,"retry_after":0.1,
        "meta":{"guild_id":"1100000000000000003","nonce":"n"},"x":-1e-7}})";
    for (const Encoding enc : {Encoding::Json, Encoding::Etf}) {
        const std::string bytes = enc == Encoding::Json ? rl : dgw_test::etf_of(json::parse(rl));
        const GatewayMessage r = must_decode(bytes, enc, keeping());
        const std::string rb = msgpack_d(r);
        CHECK_SAME(rb, json_d(r));
        BOOST_TEST(from_msgpack(rb).at("opcode") == -8);
        BOOST_TEST(from_msgpack(rb).at("retry_after").as_double() == 0.1);
    }
}

// Unknown fields as deep as the decoder accepts (512 levels by default) are written back.
BOOST_AUTO_TEST_CASE(deep_unknown_fields) {
    const std::string deep = std::string(100, '[') + "1" + std::string(100, ']');
    for (const Encoding enc : {Encoding::Json, Encoding::Etf}) {
        json::value in = json::parse(message_with_extras);
        in.at("d").as_object()["x_deep"] = json_writer_value(deep);
        const std::string bytes = enc == Encoding::Json ? json::serialize(in) : dgw_test::etf_of(in);
        const GatewayMessage m = must_decode(bytes, enc, keeping());
        CHECK_SAME(msgpack_d(m), json_d(m));
        // The ETF writer keeps it too (it wrote null for JSON kept deeper than 32 levels).
        const GatewayMessage back = must_decode(dgw_test::must_encode(m, Encoding::Etf), Encoding::Etf, keeping());
        CHECK_SAME(msgpack_d(back), json_d(m));
    }
}

BOOST_AUTO_TEST_CASE(malformed_json_fails_with_an_offset) {
    struct bad {
        const char* text;
        std::size_t offset;
    };
    for (const auto& [text, offset] : {bad{"", 0}, bad{"[1,2", 4}, bad{"{\"a\":1,}", 7}, bad{"{\"a\" 1}", 5},
                                       bad{"[1] x", 4}, bad{"nul", 3}, bad{"[01]", 2}, bad{"\"\\x\"", 2},
                                       bad{"\"\xff\"", 1}, bad{"[1,2]]", 5}, bad{"{\"a\":[1,{\"b\":tru}]}", 13}}) {
        std::string out = "kept";
        decode_error err;
        BOOST_TEST(!dgw::codec::json_text_to_msgpack(text, out, err), text);
        BOOST_TEST(!!err.code, text);
        BOOST_TEST(err.offset == offset, text << ": " << err.message());
        BOOST_TEST(out == "kept");
    }
    // Deeper than the typed decoders accept (512) fails too, and 512 converts.
    std::string deep(513, '[');
    deep.append(513, ']');
    std::string out;
    decode_error err;
    BOOST_TEST(!dgw::codec::json_text_to_msgpack(deep, out, err));
    BOOST_TEST(out.empty());
    check_text(deep.substr(1, 1024));
}

BOOST_AUTO_TEST_CASE(malformed_etf_fails) {
    const std::string etf = dgw_test::read_file(etf_dir / "MESSAGE_CREATE.etf");
    std::string out = "kept";
    decode_error err;
    BOOST_TEST(!dgw::codec::etf_term_to_msgpack(etf.substr(0, etf.size() / 2), out, err));
    BOOST_TEST(!!err.code);
    BOOST_TEST(out == "kept");
}

// Every prefix of a fixture (and the whole): converted or refused, never out of bounds, and
// a refusal leaves `out` as it was and points inside the input.
BOOST_AUTO_TEST_CASE(every_prefix_of_a_fixture) {
    for (const char* name : {"MESSAGE_CREATE", "GUILD_CREATE"}) {
        const std::string& text = dgw_test::event_fixture_named(name).text;
        std::size_t ok = 0;
        for (std::size_t n = 0; n <= text.size(); ++n) {
            std::string out = "x";
            decode_error err;
            if (dgw::codec::json_text_to_msgpack(std::string_view(text).substr(0, n), out, err)) {
                ++ok;
                from_msgpack(std::string_view(out).substr(1));
            } else {
                BOOST_TEST(out == "x");
                BOOST_TEST(err.offset <= n);
            }
        }
        // Only the whole text (with or without its trailing whitespace) is a JSON value.
        BOOST_TEST(ok >= 1u);
        BOOST_TEST(ok <= 2u);

        const std::string etf = dgw_test::read_file(etf_dir / (std::string(name) + ".etf"));
        for (std::size_t n = 0; n < etf.size(); ++n) {
            std::string out = "x";
            decode_error err;
            BOOST_TEST(!dgw::codec::etf_term_to_msgpack(std::string_view(etf).substr(0, n), out, err));
            BOOST_TEST(out == "x");
        }
    }
}

// msgpack_to_json_text, the worker's way back: every fixture's msgpack reads back as the
// JSON writer's text (so the typed decoder gets the same event), and bad bytes fail with
// an offset.
BOOST_AUTO_TEST_CASE(msgpack_reads_back_as_the_json_writers_text) {
    for (const auto& f : dgw_test::event_fixtures()) {
        BOOST_TEST_CONTEXT(f.name) {
            const GatewayMessage m = must_decode(f.text, Encoding::Json, keeping(true));
            const auto d = dgw::payload_of(m.event);
            BOOST_REQUIRE(d.ti);
            std::string packed, text, want;
            dgw::codec::encode_msgpack_value(*d.ti, d.obj, packed);
            dgw::codec::encode_json_value(*d.ti, d.obj, want);
            decode_error err;
            BOOST_REQUIRE_MESSAGE(dgw::codec::msgpack_to_json_text(packed, text, err), err.message());
            BOOST_TEST(text == want); // byte for byte: key order, numbers, escapes
            // Every strict prefix fails as truncated, and leaves the output alone.
            for (std::size_t n = 0; n < packed.size(); n += 1 + n / 16) {
                std::string out = "x";
                BOOST_TEST(!dgw::codec::msgpack_to_json_text(std::string_view(packed).substr(0, n), out, err));
                BOOST_TEST(out == "x");
                BOOST_TEST((err.code == dgw::codec_errc::truncated), n << ": " << err.message());
                BOOST_TEST(err.offset <= n);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(msgpack_without_a_json_form_or_lying_fails_with_an_offset) {
    struct bad {
        std::string bytes;
        dgw::codec_errc code;
        std::size_t at;
    };
    const std::string deep(100000, '\x91'); // [[[[...: a nesting bomb
    const bad cases[] = {
        {std::string("\x81\x01\x02", 3), dgw::codec_errc::type_mismatch, 1},       // {1: 2}: integer key
        {std::string("\x91\xc4\x01z", 4), dgw::codec_errc::syntax, 1},             // bin
        {std::string("\xd4\x01\x00", 3), dgw::codec_errc::syntax, 0},              // fixext
        {std::string("\xc1", 1), dgw::codec_errc::syntax, 0},                        // never used
        {std::string("\xc0\xc0", 2), dgw::codec_errc::trailing_data, 1},
        {std::string("\xdb\xff\xff\xff\xff", 5), dgw::codec_errc::truncated, 5},  // a 4 GiB string
        {std::string("\xdd\xff\xff\xff\xff", 5), dgw::codec_errc::truncated, 5},  // 4 G elements
        {std::string("\xdf\xff\xff\xff\xff\xc0", 6), dgw::codec_errc::truncated, 5},
        {std::string("\xa2\xc3\x28", 3), dgw::codec_errc::invalid_utf8, 1},        // bad UTF-8
        {deep, dgw::codec_errc::too_deep, 512}, // as deep as the JSON reader and writer go
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(etf_test::hex(c.bytes.substr(0, 8))) {
            std::string out;
            decode_error err;
            BOOST_TEST(!dgw::codec::msgpack_to_json_text(c.bytes, out, err));
            BOOST_TEST(out.empty());
            BOOST_TEST((err.code == c.code), err.message());
            BOOST_TEST(err.offset == c.at);
        }
    }
    // float32, negative fixints and every integer width read back as numbers.
    std::string out;
    decode_error err;
    BOOST_REQUIRE(dgw::codec::msgpack_to_json_text(std::string("\x95\xca\x3f\xc0\x00\x00\xff\xd0\x80\xcd\xff\xff\xd3\x80\x00\x00\x00\x00\x00\x00\x00", 21), out, err));
    BOOST_TEST(out == "[1.5,-1,-128,65535,-9223372036854775808]");
}

BOOST_AUTO_TEST_SUITE_END()
