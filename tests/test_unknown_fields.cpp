// decode_limits::keep_unknown: fields the schema does not know are kept in each object's
// unknown_ and written back by the encoders, so a typed round trip loses nothing, within
// an encoding and across them. References: the input itself (compared as JSON values),
// and Erlang's binary_to_term for ETF (terms compared with =:=).
#include "test_etf_util.hpp"
#include "test_event_fixtures.hpp"

#include <dgw/codec/typed.hpp>
#include <dgw/etf/json.hpp>
#include <dgw/gateway.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <unistd.h>
#include <zstd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace json = boost::json;
using dgw::decode_error;
using dgw::Encoding;
using dgw::GatewayMessage;
using dgw_test::must_decode;
using dgw_test::must_encode;

namespace {

dgw::decode_options keeping() {
    dgw::decode_options o;
    o.limits.keep_unknown = true;
    return o;
}



json::value etf_value(std::string_view etf) {
    decode_error err;
    json::value v = dgw::etf::to_json(etf, err);
    BOOST_REQUIRE_MESSAGE(!err, err.message());
    return v;
}

// A MESSAGE_CREATE with fields the schema lacks at several depths: on the payload, on its
// author, in an array element (a mention), and values of every JSON kind.
const char* const message_with_extras = R"({"t":"MESSAGE_CREATE","s":42,"op":0,"d":{
  "id":"1100000000000000001","channel_id":"1100000000000000002","guild_id":"1100000000000000003",
  "author":{"id":"1100000000000000004","username":"ada","discriminator":"0","global_name":null,
            "avatar":null,"clan":{"tag":"DGW","badge":"b1","identity_enabled":true},"x_float":2.5},
  "content":"hi","timestamp":"2026-12-07T08:00:00.000000+00:00","edited_timestamp":null,"tts":false,
  "mention_everyone":false,
  "mentions":[{"id":"1100000000000000005","username":"bob","discriminator":"0","global_name":"B",
               "avatar":null,"x_extra":[1,-2,null,"s\u00e9\n",{"deep":[[]]}]}],
  "mention_roles":[],"attachments":[],"embeds":[],"pinned":false,"type":0,
  "x_top":{"a":null,"b":[true,false],"c":12345678901234},"x_text":"caf\u00e9 \"q\""}})";

json::value without_extras(json::value v) {
    auto& d = v.at("d").as_object();
    d.erase("x_top");
    d.erase("x_text");
    d.at("author").as_object().erase("clan");
    d.at("author").as_object().erase("x_float");
    d.at("mentions").as_array().at(0).as_object().erase("x_extra");
    return v;
}

std::string unzstd(const std::string& z) {
    const unsigned long long n = ZSTD_getFrameContentSize(z.data(), z.size());
    BOOST_REQUIRE(n != ZSTD_CONTENTSIZE_ERROR && n != ZSTD_CONTENTSIZE_UNKNOWN);
    std::string out(static_cast<std::size_t>(n), '\0');
    BOOST_REQUIRE(ZSTD_decompress(out.data(), out.size(), z.data(), z.size()) == n);
    return out;
}

std::vector<std::string> corpus_json() {
    std::vector<std::string> out;
    std::istringstream lines(unzstd(etf_test::read_file(std::string(DGW_FIXTURES) + "/corpus/corpus_small.jsonl.zst")));
    for (std::string line; std::getline(lines, line);)
        if (!line.empty()) out.push_back(line);
    return out;
}

std::vector<std::string> corpus_etf() {
    return etf_test::unframe(unzstd(etf_test::read_file(std::string(DGW_FIXTURES) + "/corpus/corpus_small.etf.zst")));
}

} // namespace

BOOST_AUTO_TEST_SUITE(unknown_fields)

BOOST_AUTO_TEST_CASE(kept_where_they_stood_and_written_back_in_json) {
    const json::value in = json::parse(message_with_extras);
    const GatewayMessage m = must_decode(message_with_extras, Encoding::Json, keeping());
    const auto& mc = std::get<dgw::events::MessageCreate>(m.event);
    std::vector<std::string> keys;
    for (const auto f : mc.unknown_) keys.emplace_back(f.key);
    BOOST_TEST(keys == (std::vector<std::string>{"x_top", "x_text"}), boost::test_tools::per_element());
    BOOST_TEST(mc.author.unknown_.size() == 2u);
    const auto clan = *mc.author.unknown_.begin();
    BOOST_TEST(clan.key == "clan");
    BOOST_TEST(clan.value == R"({"tag":"DGW","badge":"b1","identity_enabled":true})");
    BOOST_TEST((clan.encoding == Encoding::Json));
    BOOST_REQUIRE(mc.mentions.size() == 1u);
    BOOST_TEST(mc.mentions[0].unknown_.size() == 1u);

    BOOST_TEST(json::parse(must_encode(m, Encoding::Json)) == in);
    // Off (the default), they are checked, skipped and not written.
    const GatewayMessage plain = must_decode(message_with_extras, Encoding::Json, {});
    BOOST_TEST(std::get<dgw::events::MessageCreate>(plain.event).unknown_.empty());
    BOOST_TEST(json::parse(must_encode(plain, Encoding::Json)) == without_extras(in));
}

BOOST_AUTO_TEST_CASE(json_in_etf_out_and_back_is_lossless) {
    const json::value in = json::parse(message_with_extras);
    const GatewayMessage m = must_decode(message_with_extras, Encoding::Json, keeping());
    const std::string etf = must_encode(m, Encoding::Etf);
    const GatewayMessage back = must_decode(etf, Encoding::Etf, keeping());
    const auto& mc = std::get<dgw::events::MessageCreate>(back.event);
    BOOST_TEST(((*mc.author.unknown_.begin()).encoding == Encoding::Etf));
    BOOST_TEST(json::parse(must_encode(back, Encoding::Json)) == in);
}

BOOST_AUTO_TEST_CASE(etf_in_keeps_the_terms_bytes) {
    const json::value in = json::parse(message_with_extras);
    const std::string etf = dgw_test::etf_of(in);
    for (const bool direct : {true, false}) {
        dgw::decode_options o = keeping();
        o.limits.etf_direct = direct;
        const GatewayMessage m = must_decode(etf, Encoding::Etf, o);
        const auto& mc = std::get<dgw::events::MessageCreate>(m.event);
        const auto top = *mc.unknown_.begin();
        BOOST_TEST(top.key == "x_top");
        // The value's bytes are the input's, found again in the message as they came.
        BOOST_TEST(etf.find(top.value) != std::string::npos);
        // In the input's own style (atom keys, snowflakes as binaries), the same term.
        std::string out;
        decode_error err;
        BOOST_REQUIRE(dgw::encode(m, Encoding::Etf, out, err, dgw::codec::etf_style{true, false}));
        BOOST_TEST(etf_value(out) == etf_value(etf));
        BOOST_TEST(json::parse(must_encode(m, Encoding::Json)) == in);
    }
}

// A kept value is read as strictly as a decoded one: ETF text that is not UTF-8 fails the
// decode when kept (so no conversion can fail later), and is skipped unread when not.
BOOST_AUTO_TEST_CASE(a_kept_value_is_checked_like_a_read_one) {
    json::value v = json::parse(message_with_extras);
    v.at("d").as_object()["x_bad"] = "MARK";
    std::string etf = dgw_test::etf_of(v);
    const std::size_t at = etf.find("MARK");
    BOOST_REQUIRE(at != std::string::npos);
    etf[at] = static_cast<char>(0xFF);
    std::vector<decode_error> errors;
    for (const bool direct : {true, false}) {
        dgw::decode_options o = keeping();
        o.limits.etf_direct = direct;
        GatewayMessage m;
        decode_error err;
        BOOST_TEST(!dgw::decode(etf, Encoding::Etf, m, err, o));
        BOOST_TEST((err.code == dgw::decode_condition::invalid_utf8));
        BOOST_TEST(err.offset == at - 5); // the BINARY_EXT holding it: tag, u32 length
        errors.push_back(err);
        o.limits.keep_unknown = false;
        BOOST_TEST(dgw::decode(etf, Encoding::Etf, m, err, o));
    }
    BOOST_TEST(errors[0].message() == errors[1].message());
}

BOOST_AUTO_TEST_CASE(decoding_into_used_storage_replaces_them) {
    GatewayMessage m;
    decode_error err;
    BOOST_REQUIRE(dgw::decode(message_with_extras, Encoding::Json, m, err, keeping()));
    json::value other = json::parse(message_with_extras);
    other.at("d").as_object().erase("x_top");
    BOOST_REQUIRE(dgw::decode(json::serialize(other), Encoding::Json, m, err, keeping()));
    const auto& mc = std::get<dgw::events::MessageCreate>(m.event);
    BOOST_TEST(mc.unknown_.size() == 1u);
    BOOST_TEST((*mc.unknown_.begin()).key == "x_text");
    dgw::events::MessageCreate copy = mc;
    BOOST_TEST((copy == mc));
    copy.unknown_.clear();
    BOOST_TEST(!(copy == mc));
}

BOOST_AUTO_TEST_CASE(single_values_keep_them_too) {
    const char* text = R"({"id":"1","username":"u","discriminator":"0","global_name":null,"avatar":null,"x":[1]})";
    dgw::types::User u;
    decode_error err;
    dgw::codec::decode_limits lim;
    lim.keep_unknown = true;
    BOOST_REQUIRE(dgw::decode_json(text, u, err, lim));
    BOOST_TEST(json::parse(dgw::encode_json(u)) == json::parse(text));
    BOOST_REQUIRE(dgw::decode_etf(dgw::encode_etf(u), u, err, lim));
    BOOST_TEST(json::parse(dgw::encode_json(u)) == json::parse(text));
}

// Kept as the encoders write JSON: compact, whatever the layout of the input.
BOOST_AUTO_TEST_CASE(json_values_are_kept_compact) {
    const char* text = "{ \"id\" : \"1\", \"username\":\"u\", \"discriminator\":\"0\", \"global_name\":null,\n"
                       "  \"avatar\":null, \"x\" : { \"a\" : [ 1 ,\t\"b c \\\" d\" ] }\r\n}";
    dgw::types::User u;
    decode_error err;
    dgw::codec::decode_limits lim;
    lim.keep_unknown = true;
    BOOST_REQUIRE_MESSAGE(dgw::decode_json(text, u, err, lim), err.message());
    BOOST_REQUIRE(u.unknown_.size() == 1u);
    BOOST_TEST((*u.unknown_.begin()).value == R"({"a":[1,"b c \" d"]})");
}

// The shared corpus (tests/fixtures/corpus: 472 messages of realistic traffic, in JSON and
// as Erlang wrote it), each message decoded with unknown fields kept and encoded again.
BOOST_AUTO_TEST_CASE(the_corpus_round_trips_in_json) {
    const auto msgs = corpus_json();
    BOOST_REQUIRE(msgs.size() == 472u);
    std::size_t same = 0;
    for (std::size_t i = 0; i < msgs.size(); ++i) {
        const GatewayMessage m = must_decode(msgs[i], Encoding::Json, keeping());
        const json::value in = json::parse(msgs[i]);
        const json::value out = json::parse(must_encode(m, Encoding::Json));
        if (out == in) ++same;
        else BOOST_TEST_MESSAGE("message " << i << " (" << m.t << ") differs");
    }
    BOOST_TEST(same == msgs.size());
}

BOOST_AUTO_TEST_CASE(the_corpus_round_trips_in_etf_as_erlang_sees_it) {
    const auto msgs = corpus_etf();
    BOOST_REQUIRE(msgs.size() == 472u);
    const std::string erl = etf_test::find_erl();
    BOOST_REQUIRE_MESSAGE(!erl.empty(), "erl not found (set DGW_ERL or install erlang-base); this suite must not skip");
    // Inputs and outputs framed in two files; one erl run compares each pair with =:=
    // (so 1 and 1.0 differ, as do an atom and a binary) and prints the indexes that differ.
    auto frame = [](std::string& to, std::string_view b) {
        const auto n = static_cast<std::uint32_t>(b.size());
        for (int shift = 24; shift >= 0; shift -= 8) to.push_back(static_cast<char>(n >> shift & 0xFF));
        to.append(b);
    };
    std::string ins, outs;
    for (const auto& msg : msgs) {
        frame(ins, msg);
        frame(outs, must_encode(must_decode(msg, Encoding::Etf, keeping()), Encoding::Etf));
    }
    const auto dir = std::filesystem::temp_directory_path() / ("dgw_unknown_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "in.etf", std::ios::binary) << ins;
    std::ofstream(dir / "out.etf", std::ios::binary) << outs;
    const std::string script =
        "{ok, A} = file:read_file(\"" + (dir / "in.etf").string() + "\"),\n"
        "{ok, B} = file:read_file(\"" + (dir / "out.etf").string() + "\"),\n"
        "Split = fun S(<<N:32, T:N/binary, R/binary>>, Acc) -> S(R, [T | Acc]); S(<<>>, Acc) -> lists:reverse(Acc) end,\n"
        "As = Split(A, []), Bs = Split(B, []),\n"
        "io:format(\"COUNT ~p ~p~n\", [length(As), length(Bs)]),\n"
        "lists:foldl(fun({X, Y}, I) -> case binary_to_term(X) =:= binary_to_term(Y) of true -> ok; "
        "false -> io:format(\"DIFF ~p~n\", [I]) end, I + 1 end, 0, lists:zip(As, Bs)),\n"
        "io:format(\"DONE~n\").\n";
    const std::string out = etf_test::run_erl(erl, script);
    std::filesystem::remove_all(dir);
    BOOST_TEST(out.find("COUNT 472 472") != std::string::npos, out.substr(0, 2000));
    BOOST_TEST(out.find("DONE") != std::string::npos, out.substr(0, 2000));
    BOOST_TEST(out.find("DIFF") == std::string::npos, out.substr(0, 2000));
}

BOOST_AUTO_TEST_SUITE_END()
