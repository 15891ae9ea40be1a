// Erlang as the oracle, both ways, in one `erl` run:
//  1. Erlang's term_to_binary (OTP default, minor_version 2 with UTF-8 atoms, and compressed)
//     of each term below must decode through etf::to_json to the expected JSON (or error).
//  2. Our writer's output must binary_to_term in Erlang to exactly (=:=) the intended term.
// erl comes from DGW_ERL (set by CTest) or PATH. Without it the suite fails rather than
// skips: CI installs erlang-base, so a missing erl is a broken environment.
#include "test_etf_util.hpp"

#include <dgw/etf/json.hpp>
#include <dgw/etf/writer.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <unistd.h>

namespace json = boost::json;
using dgw::etf_errc;

namespace {

// Term from Erlang -> expected JSON text, or the error we must report instead.
// Literals stay ASCII: non-ASCII text is spelled as UTF-8 bytes or code point lists.
struct from_erlang {
    std::string erl;
    std::string json;
    etf_errc err{};
};

std::string seq_json(int from, int to) {
    std::string s = "[";
    for (int k = from; k <= to; ++k) s += (k > from ? "," : "") + std::to_string(k);
    return s + "]";
}

std::vector<from_erlang> erlang_terms() {
    std::string forty = "{";
    for (int k = 1; k <= 40; ++k) forty += (k > 1 ? ",\"k" : "\"k") + std::to_string(k) + "\":" + std::to_string(k);
    forty += "}";
    std::string abc(3000, ' ');
    for (std::size_t k = 0; k < abc.size(); ++k) abc[k] = "abc"[k % 3];
    std::string bytes300 = "[";
    for (int k = 0; k < 300; ++k) bytes300 += (k ? "," : "") + std::to_string(k % 256);
    bytes300 += "]";
    return {
        {"81384788765712384", "81384788765712384"},
        {"-81384788765712384", "-81384788765712384"},
        {"18446744073709551615", "18446744073709551615"},
        {"9223372036854775808", "9223372036854775808"},
        {"9223372036854775807", "9223372036854775807"},
        {"-9223372036854775808", "-9223372036854775808"},
        {"-9223372036854775809", "", etf_errc::big_too_large},
        {"18446744073709551616", "", etf_errc::big_too_large},
        {"-18446744073709551615", "", etf_errc::big_too_large},
        {"1 bsl 100", "", etf_errc::big_too_large},
        {"2147483648", "2147483648"},
        {"2147483647", "2147483647"},
        {"-2147483648", "-2147483648"},
        {"-2147483649", "-2147483649"},
        {"4294967296", "4294967296"},
        {"255", "255"},
        {"256", "256"},
        {"0", "0"},
        {"-1", "-1"},
        {"0.5", "0.5"},
        {"-1.25e-300", "-1.25e-300"},
        {"1.7976931348623157e308", "1.7976931348623157e308"},
        {"0.1", "0.1"},
        {"3.0", "3.0"},
        {"#{op => 10, d => #{heartbeat_interval => 41250}, s => nil, t => nil}",
         R"({"op":10,"d":{"heartbeat_interval":41250},"s":null,"t":null})"},
        {"#{<<\"op\">> => 1, <<\"d\">> => nil}", R"({"op":1,"d":null})"},
        {"#{a => 1, <<\"b\">> => 2, 3 => 4, \"c\" => 5, -7 => 6, 81384788765712384 => 7}",
         R"({"a":1,"b":2,"3":4,"c":5,"-7":6,"81384788765712384":7})"},
        {"#{nil => 1, true => 2, false => 3}", R"({"nil":1,"true":2,"false":3})"},
        {"#{op => 0, s => 1, t => 'READY', d => #{v => 10, user => #{id => 81384788765712384, "
         "username => <<\"dgw\">>, bot => true}, guilds => [#{id => 18446744073709551615, unavailable => true}], "
         "shard => [0, 1], session_id => <<\"abc\">>}}",
         R"({"op":0,"s":1,"t":"READY","d":{"v":10,"user":{"id":81384788765712384,"username":"dgw","bot":true},
             "guilds":[{"id":18446744073709551615,"unavailable":true}],"shard":[0,1],"session_id":"abc"}})"},
        {"maps:from_list([{list_to_atom(\"k\" ++ integer_to_list(N)), N} || N <- lists:seq(1, 40)])", forty},
        {"<<16#68, 16#C3, 16#A9, 16#6C, 16#E2, 16#82, 16#AC, 16#F0, 16#9F, 16#98, 16#80>>", "\"h\u00e9l\u20ac\U0001F600\""},
        {"<<>>", "\"\""},
        {"<<255>>", "", etf_errc::invalid_utf8},
        {"[0, 1]", "[0,1]"},
        {"[]", "[]"},
        {"[1000, 2000]", "[1000,2000]"},
        {"[1 | 2]", "[1,2]"},
        {"[a, b | c]", R"(["a","b","c"])"},
        {"[[] | []]", "[[]]"},
        {"[N rem 256 || N <- lists:seq(0, 299)]", bytes300},
        {"{1, <<\"x\">>, []}", R"([1,"x",[]])"},
        {"{}", "[]"},
        {"list_to_tuple(lists:seq(1, 300))", seq_json(1, 300)},
        {"nil", "null"},
        {"true", "true"},
        {"false", "false"},
        {"'READY'", "\"READY\""},
        {"list_to_atom([99, 97, 102, 233])", "\"caf\u00e9\""},  // Latin-1: ATOM_EXT in OTP 25
        {"list_to_atom([128512])", "\"\U0001F600\""},            // beyond Latin-1: UTF-8 atom
        {"#{list_to_atom([233]) => 1}", "{\"\u00e9\":1}"},
        {"#{data => binary:copy(<<\"abc\">>, 1000)}", "{\"data\":\"" + abc + "\"}"},
        {"self()", "", etf_errc::unknown_tag},
        {"make_ref()", "", etf_errc::unknown_tag},
        {"fun() -> ok end", "", etf_errc::unknown_tag},
        {"<<1:3>>", "", etf_errc::unknown_tag},
        {"[1, self()]", "", etf_errc::unknown_tag},
    };
}

// Something we produce -> the Erlang term binary_to_term must give (=:=). Either a writer
// callback, or from_json of a JSON document (with atom keys when asked).
struct to_erlang {
    std::function<void(dgw::etf::writer&)> write;
    std::string erl;
    std::string json = {};
    bool atom_keys = false;
};

std::vector<to_erlang> writer_cases() {
    std::vector<to_erlang> c;
    // Integers over the whole int64 and uint64 range: powers of two, their neighbours, negatives.
    std::vector<std::uint64_t> us = {0, 1, 254, 255, 256, 65535, 65536, std::numeric_limits<std::uint64_t>::max()};
    for (int k = 0; k < 64; ++k) {
        const std::uint64_t p = std::uint64_t{1} << k;
        us.push_back(p - 1);
        us.push_back(p);
        us.push_back(p + 1);
    }
    for (const std::uint64_t u : us) {
        c.push_back({[u](dgw::etf::writer& w) { w.uint64(u); }, std::to_string(u)});
        if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            const auto i = static_cast<std::int64_t>(u);
            c.push_back({[i](dgw::etf::writer& w) { w.int64(i); }, std::to_string(i)});
            c.push_back({[i](dgw::etf::writer& w) { w.int64(-i); }, std::to_string(-i)});
        }
    }
    const auto min = std::numeric_limits<std::int64_t>::min();
    c.push_back({[min](dgw::etf::writer& w) { w.int64(min); }, std::to_string(min)});
    c.push_back({[](dgw::etf::writer& w) { w.float64(0.5); }, "0.5"});
    c.push_back({[](dgw::etf::writer& w) { w.float64(-1.25e-300); }, "-1.25e-300"});
    c.push_back({[](dgw::etf::writer& w) { w.float64(1.7976931348623157e308); }, "1.7976931348623157e308"});
    c.push_back({[](dgw::etf::writer& w) { w.null(); }, "nil"});
    c.push_back({[](dgw::etf::writer& w) { w.boolean(true); }, "true"});
    c.push_back({[](dgw::etf::writer& w) { w.boolean(false); }, "false"});
    c.push_back({[](dgw::etf::writer& w) { w.atom("READY"); }, "'READY'"});
    c.push_back({[](dgw::etf::writer& w) { w.atom("caf\xC3\xA9"); }, "list_to_atom([99, 97, 102, 233])"});
    c.push_back({[](dgw::etf::writer& w) { w.atom("\xF0\x9F\x98\x80"); }, "list_to_atom([128512])"});
    c.push_back({[](dgw::etf::writer& w) { w.string("h\xC3\xA9\xF0\x9F\x98\x80"); },
                 "<<16#68, 16#C3, 16#A9, 16#F0, 16#9F, 16#98, 16#80>>"});
    c.push_back({[](dgw::etf::writer& w) { w.string(""); }, "<<>>"});
    c.push_back({[](dgw::etf::writer& w) {
                     w.begin_array(0);
                     w.end_array();
                 },
                 "[]"});
    c.push_back({[](dgw::etf::writer& w) {
                     w.begin_array(3);
                     w.begin_array(0);
                     w.end_array();
                     w.begin_array(1);
                     w.int64(1);
                     w.end_array();
                     w.string("x");
                     w.end_array();
                 },
                 "[[], [1], <<\"x\">>]"});
    // From JSON documents: what a client sends (binary keys), and atom keys when asked.
    auto from = [&](const char* text, std::string erl, bool atom_keys = false) {
        c.push_back({nullptr, std::move(erl), text, atom_keys});
    };
    from(R"({"op":1,"d":null})", "#{<<\"op\">> => 1, <<\"d\">> => nil}");
    from(R"({"op":1,"d":251})", "#{op => 1, d => 251}", true);
    from(R"({"op":2,"d":{"token":"t","intents":513,"properties":{"os":"linux"},"shard":[0,1],
            "presence":{"since":null,"activities":[],"afk":false,"status":"online"},"large_threshold":250,
            "big":18446744073709551615,"neg":-9223372036854775808,"f":0.25}})",
         "#{<<\"op\">> => 2, <<\"d\">> => #{<<\"token\">> => <<\"t\">>, <<\"intents\">> => 513, "
         "<<\"properties\">> => #{<<\"os\">> => <<\"linux\">>}, <<\"shard\">> => [0, 1], "
         "<<\"presence\">> => #{<<\"since\">> => nil, <<\"activities\">> => [], <<\"afk\">> => false, "
         "<<\"status\">> => <<\"online\">>}, <<\"large_threshold\">> => 250, "
         "<<\"big\">> => 18446744073709551615, <<\"neg\">> => -9223372036854775808, <<\"f\">> => 0.25}}");
    from(R"([[[[[[[[[[[]]]]]]]]]]])", "[[[[[[[[[[[]]]]]]]]]]]");
    from(R"({"\u00e9":"\u00e9"})", "#{<<16#C3, 16#A9>> => <<16#C3, 16#A9>>}");
    from(R"({"\u00e9":1})", "#{list_to_atom([233]) => 1}", true);
    return c;
}

std::string produce(const to_erlang& c) {
    std::string out;
    if (!c.json.empty()) {
        dgw::etf::writer_options opt;
        opt.atom_keys = c.atom_keys;
        dgw::etf::from_json(json::parse(c.json), out, opt);
        return out;
    }
    dgw::etf::writer w(out);
    w.version();
    c.write(w);
    return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(etf_erlang)

BOOST_AUTO_TEST_CASE(erlang_oracle) {
    const std::string erl = etf_test::find_erl();
    BOOST_REQUIRE_MESSAGE(!erl.empty(), "erl not found (set DGW_ERL or install erlang-base); this suite must not skip");

    const auto terms = erlang_terms();
    const auto writes = writer_cases();
    std::vector<std::string> written;
    for (const auto& w : writes) written.push_back(produce(w));

    // One script, one erl process: A lines give three encodings per term, B lines a verdict.
    std::string s = "Hex = fun(B) -> binary_to_list(binary:encode_hex(B)) end,\n"
                    "A = fun(T) -> io:format(\"A ~s ~s ~s~n\", [Hex(term_to_binary(T)), "
                    "Hex(term_to_binary(T, [{minor_version, 2}])), Hex(term_to_binary(T, [compressed]))]) end,\n"
                    "B = fun(H, E) -> R = try binary_to_term(binary:decode_hex(list_to_binary(H))) of "
                    "V when V =:= E -> ok; V -> {mismatch, V} catch C:X -> {error, C, X} end, "
                    "io:format(\"B ~w~n\", [R]) end,\n";
    for (const auto& t : terms) s += "A(" + t.erl + "),\n";
    for (std::size_t k = 0; k < writes.size(); ++k)
        s += "B(\"" + etf_test::hex(written[k]) + "\", " + writes[k].erl + "),\n";
    s += "ok.\n";

    const std::string out = etf_test::run_erl(erl, s);
    std::istringstream lines(out);
    std::vector<std::string> a, b;
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("A ", 0) == 0) a.push_back(line.substr(2));
        else if (line.rfind("B ", 0) == 0) b.push_back(line.substr(2));
        else BOOST_TEST_MESSAGE("erl: " << line);
    }
    BOOST_REQUIRE_MESSAGE(a.size() == terms.size() && b.size() == writes.size(), "erl output:\n" << out);

    for (std::size_t k = 0; k < terms.size(); ++k) {
        std::istringstream hexes(a[k]);
        const char* names[] = {"default", "minor_version 2", "compressed"};
        for (const char* name : names) {
            std::string h;
            hexes >> h;
            BOOST_TEST_CONTEXT(terms[k].erl << " (" << name << ": " << h.substr(0, 80) << ")") {
                dgw::decode_error ec;
                const auto v = dgw::etf::to_json(etf_test::unhex(h), ec);
                if (terms[k].err != etf_errc{}) {
                    BOOST_TEST(ec.code.message() == make_error_code(terms[k].err).message());
                } else {
                    BOOST_TEST(!ec, ec.message());
                    BOOST_TEST(v == json::parse(terms[k].json), json::serialize(v));
                    // uint64 above INT64_MAX must stay uint64, not become a double.
                    BOOST_TEST(v.kind() == json::parse(terms[k].json).kind());
                }
            }
        }
    }
    for (std::size_t k = 0; k < writes.size(); ++k) {
        BOOST_TEST_CONTEXT(writes[k].erl << " written as " << etf_test::hex(written[k])) {
            BOOST_TEST(b[k] == "ok");
        }
    }
    BOOST_TEST_MESSAGE(terms.size() << " Erlang terms x 3 encodings decoded, " << writes.size()
                                    << " writer outputs checked in Erlang");
}

BOOST_AUTO_TEST_SUITE_END()
