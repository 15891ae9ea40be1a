// etf::to_json / etf::from_json: DOM conversion, round trips, and agreement of the ETF
// corpus with its JSON twin (same messages, snowflakes as integers in ETF, strings in JSON).
#include "test_etf_util.hpp"

#include <dgw/codec/encode.hpp>
#include <dgw/detail/json/dom.hpp>
#include <dgw/detail/json/text.hpp>
#include <dgw/etf/json.hpp>
#include <dgw/etf/writer.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <filesystem>
#include <limits>
#include <sstream>

namespace json = boost::json;
using etf_test::bytes;

namespace {

json::value decode(std::string_view etf) {
    dgw::decode_error ec;
    auto v = dgw::etf::to_json(etf, ec);
    BOOST_TEST_INFO(ec.message());
    BOOST_TEST(!ec);
    return v;
}

// Equality where the JSON side may spell an ETF integer as a decimal string (snowflakes).
bool same(const json::value& etf, const json::value& ref, std::string& where, const std::string& path = "") {
    if (ref.is_string() && (etf.is_int64() || etf.is_uint64())) {
        const std::string s = etf.is_int64() ? std::to_string(etf.get_int64()) : std::to_string(etf.get_uint64());
        if (s == ref.get_string()) return true;
    }
    if (etf.is_number() && ref.is_number() && etf.kind() != ref.kind()) {
        if (etf.to_number<double>() == ref.to_number<double>()) return true;
    }
    if (etf.kind() != ref.kind()) {
        where = path + ": " + json::serialize(etf) + " vs " + json::serialize(ref);
        return false;
    }
    if (etf.is_object()) {
        const auto& a = etf.get_object();
        const auto& b = ref.get_object();
        if (a.size() != b.size()) {
            where = path + ": object sizes differ";
            return false;
        }
        for (const auto& kv : b) {
            const auto* e = a.if_contains(kv.key());
            if (!e) {
                where = path + "." + std::string(kv.key()) + ": missing";
                return false;
            }
            if (!same(*e, kv.value(), where, path + "." + std::string(kv.key()))) return false;
        }
        return true;
    }
    if (etf.is_array()) {
        const auto& a = etf.get_array();
        const auto& b = ref.get_array();
        if (a.size() != b.size()) {
            where = path + ": array sizes differ";
            return false;
        }
        for (std::size_t k = 0; k < a.size(); ++k)
            if (!same(a[k], b[k], where, path + "[" + std::to_string(k) + "]")) return false;
        return true;
    }
    if (etf != ref) where = path + ": " + json::serialize(etf) + " vs " + json::serialize(ref);
    return etf == ref;
}

void check_corpus(const std::vector<std::string>& etf, const std::string& jsonl) {
    std::istringstream lines(jsonl);
    std::string line;
    std::size_t n = 0;
    for (; std::getline(lines, line) && n < etf.size(); ++n) {
        std::string where;
        BOOST_TEST_CONTEXT("message " << n) {
            BOOST_TEST(same(decode(etf[n]), json::parse(line), where), where);
        }
    }
    BOOST_TEST(n == etf.size());
}

} // namespace

BOOST_AUTO_TEST_SUITE(etf_json)

BOOST_AUTO_TEST_CASE(hello_to_json) {
    const auto v = decode(bytes(R"(83 74 00 00 00 04 64 00 01 "d" 74 00 00 00 01 64 00 12 "heartbeat_interval"
        62 00 00 A1 22 64 00 02 "op" 61 0A 64 00 01 "s" 64 00 03 "nil" 64 00 01 "t" 64 00 03 "nil")"));
    BOOST_TEST(v == json::parse(R"({"op":10,"d":{"heartbeat_interval":41250},"s":null,"t":null})"));
}

BOOST_AUTO_TEST_CASE(values_keep_their_kind) {
    const auto big = decode(bytes("83 6E 08 00 FF FF FF FF FF FF FF FF"));
    BOOST_TEST(big.is_uint64());
    BOOST_TEST(big.get_uint64() == 18446744073709551615ull);
    const auto small = decode(bytes("83 6E 08 00 00 20 80 C0 08 23 21 01"));
    BOOST_TEST(small.is_int64());
    BOOST_TEST(decode(bytes("83 6B 00 02 00 01")) == json::parse("[0,1]"));
    BOOST_TEST(decode(bytes("83 6A")) == json::parse("[]"));
    BOOST_TEST(decode(bytes(R"(83 64 00 05 "READY")")) == json::value("READY"));
    BOOST_TEST(decode(bytes("83 6C 00 00 00 01 61 01 61 02")) == json::parse("[1,2]")); // improper
    BOOST_TEST(decode(bytes("83 68 02 61 01 6A")) == json::parse("[1,[]]"));
    BOOST_TEST(decode(bytes("83 74 00 00 00 02 61 05 61 01 6E 08 00 00 20 80 C0 08 23 21 01 61 02")) ==
               json::parse(R"({"5":1,"81384788765712384":2})"));
    // An atom key and a binary key with the same text collapse to one (the last wins).
    BOOST_TEST(decode(bytes(R"(83 74 00 00 00 02 64 00 01 "a" 61 01 6D 00 00 00 01 "a" 61 02)")) ==
               json::parse(R"({"a":2})"));
}

BOOST_AUTO_TEST_CASE(errors) {
    dgw::decode_error ec;
    const auto v = dgw::etf::to_json(bytes("83 6C 00 00 00 01 61 01 4D"), ec);
    BOOST_TEST(v.is_null());
    BOOST_TEST((ec.code == dgw::etf_errc::unknown_tag));
    BOOST_TEST(ec.offset == 8u);
    // A previous error in ec does not leak into a successful call.
    BOOST_TEST(dgw::etf::to_json(bytes("83 61 01"), ec) == json::value(1));
    BOOST_TEST(!ec);
    dgw::etf::limits lim;
    lim.max_depth = 2;
    dgw::etf::to_json(bytes("83 6C 00 00 00 01 6C 00 00 00 01 6A 6A 6A"), ec, lim);
    BOOST_TEST((ec.code == dgw::etf_errc::too_deep));
}

BOOST_AUTO_TEST_CASE(round_trips) {
    const char* docs[] = {
        "null", "true", "false", "0", "255", "256", "-1", "2147483647", "2147483648", "-2147483649",
        "9223372036854775807", "-9223372036854775808", "18446744073709551615", "0.5", "-1.25e-300",
        "1.7976931348623157e308", R"("")", R"("h\u00e9llo \ud83d\ude00")", "[]", "[[]]", "[1,[2,[3,[]]]]",
        "{}", R"({"op":1,"d":null})",
        R"({"op":2,"d":{"token":"t","intents":513,"properties":{"os":"linux"},"shard":[0,1],"presence":{"since":null,"activities":[],"afk":false}}})",
        R"({"a":{"b":{"c":{"d":[{"e":1.5}]}}}})",
    };
    for (const char* d : docs) {
        BOOST_TEST_CONTEXT(d) {
            const json::value v = json::parse(d);
            std::string etf;
            dgw::etf::from_json(v, etf);
            BOOST_TEST(decode(etf) == v);
            std::string atoms;
            dgw::etf::writer_options opt;
            opt.atom_keys = true;
            dgw::etf::from_json(v, atoms, opt);
            BOOST_TEST(decode(atoms) == v);
        }
    }
}

BOOST_AUTO_TEST_CASE(from_json_bytes) {
    std::string out;
    dgw::etf::from_json(json::parse(R"({"op":1,"d":null})"), out);
    // Boost.JSON keeps insertion order, so op comes first here.
    BOOST_TEST(etf_test::hex(out) ==
               etf_test::hex(bytes(R"(83 74 00 00 00 02 6D 00 00 00 02 "op" 61 01 6D 00 00 00 01 "d" 64 00 03 "nil")")));
}

BOOST_AUTO_TEST_CASE(sample_agrees_with_json) {
    check_corpus(etf_test::sample_messages(),
                 etf_test::read_file(std::string(DGW_FIXTURES) + "/etf/gateway_sample.jsonl"));
}

BOOST_AUTO_TEST_CASE(shared_corpus_agrees_with_json) {
    // The whole small corpus (472 messages), when the shared folder sits beside the checkout.
    const std::string dir = std::string(DGW_SOURCE_DIR) + "/../shared/corpus/data/";
    if (!std::filesystem::exists(dir + "corpus_small.etf")) {
        BOOST_TEST_MESSAGE("shared corpus not found at " << dir << "; only the fixture sample was checked");
        return;
    }
    const auto msgs = etf_test::unframe(etf_test::read_file(dir + "corpus_small.etf"));
    BOOST_TEST(msgs.size() == 472u);
    check_corpus(msgs, etf_test::read_file(dir + "corpus_small.jsonl"));
}

// Integers outside +-(2^53-1) where no schema type applies: JSON output writes them as
// strings by default (big_integers::string), as numbers when asked. 2^53 itself is a
// string: a reader with doubles cannot tell it from 2^53 + 1.
namespace {

constexpr std::int64_t safe = (std::int64_t{1} << 53) - 1;

// [2^53-1, 2^53, -(2^53-1), -2^53, uint64 max, int64 min, 0, 2^53+1, {"id": 2^53}] as ETF.
std::string boundary_etf() {
    std::string out;
    dgw::etf::writer w(out);
    w.version();
    w.begin_array(9);
    w.int64(safe);
    w.int64(safe + 1);
    w.int64(-safe);
    w.int64(-safe - 1);
    w.uint64(std::numeric_limits<std::uint64_t>::max());
    w.int64(std::numeric_limits<std::int64_t>::min());
    w.int64(0);
    w.int64(safe + 2);
    w.begin_map(1);
    w.key("id");
    w.int64(safe + 1);
    w.end_array();
    return out;
}

constexpr std::string_view boundary_numbers =
    R"([9007199254740991,9007199254740992,-9007199254740991,-9007199254740992,18446744073709551615,)"
    R"(-9223372036854775808,0,9007199254740993,{"id":9007199254740992}])";
constexpr std::string_view boundary_strings =
    R"([9007199254740991,"9007199254740992",-9007199254740991,"-9007199254740992","18446744073709551615",)"
    R"("-9223372036854775808",0,"9007199254740993",{"id":"9007199254740992"}])";

} // namespace

BOOST_AUTO_TEST_CASE(safe_integer_bounds) {
    BOOST_TEST(dgw::max_safe_integer == 9007199254740991ull);
    BOOST_TEST(dgw::is_safe_integer(safe));
    BOOST_TEST(dgw::is_safe_integer(-safe));
    BOOST_TEST(!dgw::is_safe_integer(safe + 1));
    BOOST_TEST(!dgw::is_safe_integer(-safe - 1));
    BOOST_TEST(dgw::is_safe_integer(std::uint64_t{9007199254740991ull}));
    BOOST_TEST(!dgw::is_safe_integer(std::uint64_t{9007199254740992ull}));
    BOOST_TEST(!dgw::is_safe_integer(std::numeric_limits<std::int64_t>::min()));
    BOOST_TEST(!dgw::is_safe_integer(std::numeric_limits<std::uint64_t>::max()));
}

BOOST_AUTO_TEST_CASE(big_integers_in_the_dom) {
    const std::string etf = boundary_etf();
    // Default: exact numbers (the DOM is data; output decides).
    const json::value num = decode(etf);
    BOOST_TEST(num == json::parse(boundary_numbers));
    BOOST_TEST(num.at(4).is_uint64());
    BOOST_TEST(num.at(5).is_int64());
    dgw::decode_error ec;
    const json::value str = dgw::etf::to_json(etf, ec, {}, {}, dgw::big_integers::string);
    BOOST_TEST(!ec);
    BOOST_TEST(str == json::parse(boundary_strings));
    BOOST_TEST(str.at(0).is_int64());
    BOOST_TEST(str.at(1).is_string());
}

BOOST_AUTO_TEST_CASE(big_integers_in_json_text) {
    const std::string etf = boundary_etf();
    for (const auto big : {dgw::big_integers::string, dgw::big_integers::number}) {
        const std::string_view want = big == dgw::big_integers::string ? boundary_strings : boundary_numbers;
        BOOST_TEST_CONTEXT((big == dgw::big_integers::string ? "string" : "number")) {
            std::string out;
            dgw::decode_error err;
            BOOST_TEST(dgw::codec::etf_term_to_json_text(etf, out, err, big));
            BOOST_TEST(out == want);
            out.clear();
            dgw::json::append_value(out, decode(etf), big);
            BOOST_TEST(out == want);
            out.clear();
            dgw::json::append_int(out, -safe - 1, big);
            dgw::json::append_uint(out, std::uint64_t{9007199254740992ull}, big);
            dgw::json::append_int(out, safe, big);
            BOOST_TEST(out == (big == dgw::big_integers::string ? R"("-9007199254740992""9007199254740992"9007199254740991)"
                                                               : "-90071992547409929007199254740992" "9007199254740991"));
        }
    }
    // The default is string; doubles keep dgw's form (1.5, not Boost's 1.5E0).
    std::string out;
    dgw::decode_error err;
    BOOST_TEST(dgw::codec::etf_term_to_json_text(etf, out, err));
    BOOST_TEST(out == boundary_strings);
    std::string f;
    dgw::etf::from_json(json::parse("[1.5,2.0]"), f);
    out.clear();
    BOOST_TEST(dgw::codec::etf_term_to_json_text(f, out, err));
    BOOST_TEST(out == "[1.5,2.0]");
}

BOOST_AUTO_TEST_CASE(big_integers_quoted_in_text) {
    auto quoted = [](std::string_view text) {
        std::string out = "<";
        dgw::json::append_quoting_big_integers(out, text);
        return out;
    };
    BOOST_TEST(quoted(boundary_numbers) == "<" + std::string(boundary_strings));
    BOOST_TEST(quoted(boundary_strings) == "<" + std::string(boundary_strings)); // nothing twice
    // Strings (keys and values, escaped quotes included), fractions and exponents are left
    // alone; whitespace is kept.
    BOOST_TEST(quoted(R"({"12345678901234567890":"a \"9007199254740992\" b\\","x":[1.5e300,-0.5,9007199254740992.0,)"
                      R"(1E16,90071992547409920e0,12345678901234567890123], "y" :  -9007199254740993 , "z":true})") ==
               R"(<{"12345678901234567890":"a \"9007199254740992\" b\\","x":[1.5e300,-0.5,9007199254740992.0,)"
               R"(1E16,90071992547409920e0,"12345678901234567890123"], "y" :  "-9007199254740993" , "z":true})");
    BOOST_TEST(quoted("9007199254740992") == R"(<"9007199254740992")");
    BOOST_TEST(quoted("-9007199254740991") == "<-9007199254740991");
    BOOST_TEST(quoted("") == "<");
    BOOST_TEST(quoted("\"unterminated 9007199254740992") == "<\"unterminated 9007199254740992");
    BOOST_TEST(quoted("\"ends in a backslash\\") == "<\"ends in a backslash\\");
}

BOOST_AUTO_TEST_SUITE_END()
