// etf::reader on well-formed input: the verified vectors of GATEWAY_NOTES §7.3, every tag,
// every key kind, COMPRESSED, and the parse() driver. Malformed input is in
// test_etf_reader_errors.cpp.
#include "test_etf_util.hpp"

#include <dgw/etf/parse.hpp>
#include <dgw/etf/reader.hpp>

#include <boost/test/unit_test.hpp>

#include <zlib.h>

using etf_test::bytes;
using etf_test::walk;

namespace {

std::string tokens(std::string_view in, dgw::etf::limits lim = {}) {
    auto r = walk(in, lim);
    BOOST_TEST_INFO("error: " << r.err.message());
    BOOST_TEST(r.ok);
    return r.text();
}

// version byte + COMPRESSED header + zlib stream of `inner` (a term without version byte).
std::string compress_term(const std::string& inner, std::uint32_t declared) {
    uLongf zlen = compressBound(inner.size());
    std::string z(zlen, '\0');
    compress(reinterpret_cast<Bytef*>(z.data()), &zlen, reinterpret_cast<const Bytef*>(inner.data()), inner.size());
    z.resize(zlen);
    std::string out = bytes("83 50");
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>(declared >> s));
    return out + z;
}

const char* hello_otp25 =
    R"(83 74 00 00 00 04 64 00 01 "d" 74 00 00 00 01 64 00 12 "heartbeat_interval"
       62 00 00 A1 22 64 00 02 "op" 61 0A 64 00 01 "s" 64 00 03 "nil" 64 00 01 "t" 64 00 03 "nil")";
const char* hello_tokens = "{4 k@:d {1 k@:heartbeat_interval i:41250 }1 k@:op i:10 k@:s nil k@:t nil }4 $";

} // namespace

BOOST_AUTO_TEST_SUITE(etf_reader)

BOOST_AUTO_TEST_CASE(verified_vectors) {
    BOOST_TEST(tokens(bytes("83 6E 08 00 00 20 80 C0 08 23 21 01")) == "i:81384788765712384 $");
    BOOST_TEST(tokens(bytes("83 6E 08 01 00 20 80 C0 08 23 21 01")) == "i:-81384788765712384 $");
    BOOST_TEST(tokens(bytes("83 6E 04 00 00 00 00 80")) == "i:2147483648 $");
    BOOST_TEST(tokens(bytes("83 61 C8")) == "i:200 $");
    BOOST_TEST(tokens(bytes("83 62 00 00 01 2C")) == "i:300 $");
    BOOST_TEST(tokens(bytes("83 62 FF FF FF FF")) == "i:-1 $");
    BOOST_TEST(tokens(bytes("83 46 3F E0 00 00 00 00 00 00")) == "f:0.5 $");
    BOOST_TEST(tokens(bytes("83 6B 00 02 00 01")) == "[2 i:0 i:1 ]2 $");
    BOOST_TEST(tokens(bytes("83 6A")) == "[0 ]0 $");
    BOOST_TEST(tokens(bytes("83 6D 00 00 00 00")) == "s: $");
    BOOST_TEST(tokens(bytes(hello_otp25)) == hello_tokens);
    // minor_version 2 (OTP 26+): the same message with SMALL_ATOM_UTF8_EXT atoms.
    BOOST_TEST(tokens(bytes(R"(83 74 00 00 00 04 77 01 "d" 74 00 00 00 01 77 12 "heartbeat_interval"
        62 00 00 A1 22 77 02 "op" 61 0A 77 01 "s" 77 03 "nil" 77 01 "t" 77 03 "nil")")) == hello_tokens);
    BOOST_TEST(tokens(bytes(R"(83 74 00 00 00 02 6D 00 00 00 01 "d" 64 00 03 "nil" 6D 00 00 00 02 "op" 61 01)")) ==
               "{2 k:d nil k:op i:1 }2 $");
}

BOOST_AUTO_TEST_CASE(integers) {
    BOOST_TEST(tokens(bytes("83 61 FF")) == "i:255 $"); // unsigned, not -1
    BOOST_TEST(tokens(bytes("83 62 80 00 00 00")) == "i:-2147483648 $");
    BOOST_TEST(tokens(bytes("83 62 7F FF FF FF")) == "i:2147483647 $");
    BOOST_TEST(tokens(bytes("83 6E 08 00 FF FF FF FF FF FF FF FF")) == "u:18446744073709551615 $");
    BOOST_TEST(tokens(bytes("83 6E 08 00 00 00 00 00 00 00 00 80")) == "u:9223372036854775808 $");
    BOOST_TEST(tokens(bytes("83 6E 08 00 FF FF FF FF FF FF FF 7F")) == "i:9223372036854775807 $");
    BOOST_TEST(tokens(bytes("83 6E 08 01 00 00 00 00 00 00 00 80")) == "i:-9223372036854775808 $");
    BOOST_TEST(tokens(bytes("83 6E 00 00")) == "i:0 $");
    BOOST_TEST(tokens(bytes("83 6E 01 01 00")) == "i:0 $");          // negative zero
    BOOST_TEST(tokens(bytes("83 6E 01 02 05")) == "i:-5 $");         // Erlang: any nonzero sign is minus
    BOOST_TEST(tokens(bytes("83 6E 0A 00 01 02 00 00 00 00 00 00 00 00")) == "i:513 $"); // zero high bytes
    BOOST_TEST(tokens(bytes("83 6F 00 00 00 08 00 FF FF FF FF FF FF FF FF")) == "u:18446744073709551615 $");
    BOOST_TEST(tokens(bytes("83 6F 00 00 00 0C 01 01 00 00 00 00 00 00 00 00 00 00 00")) == "i:-1 $");
}

BOOST_AUTO_TEST_CASE(floats) {
    BOOST_TEST(tokens(bytes("83 46 C0 09 21 FB 54 44 2D 18")) == "f:-3.14159 $");
    std::string ft = bytes("83 63") + "1.50000000000000000000e+00";
    ft.resize(2 + 31, '\0');
    BOOST_TEST(tokens(ft) == "f:1.5 $");
    std::string neg = bytes("83 63") + "-2.50000000000000000000e-01";
    neg.resize(2 + 31, '\0');
    BOOST_TEST(tokens(neg) == "f:-0.25 $");
}

BOOST_AUTO_TEST_CASE(atoms) {
    BOOST_TEST(tokens(bytes(R"(83 64 00 03 "nil")")) == "nil $");
    BOOST_TEST(tokens(bytes(R"(83 73 04 "true")")) == "true $");
    BOOST_TEST(tokens(bytes(R"(83 76 00 05 "false")")) == "false $");
    BOOST_TEST(tokens(bytes(R"(83 77 03 "nil")")) == "nil $");
    BOOST_TEST(tokens(bytes(R"(83 77 05 "READY")")) == "a:READY $");
    BOOST_TEST(tokens(bytes(R"(83 64 00 04 "null")")) == "a:null $"); // only nil means null
    BOOST_TEST(tokens(bytes(R"(83 64 00 00)")) == "a: $");
    // Latin-1 atoms (OTP <= 25 ATOM_EXT) are converted to UTF-8.
    BOOST_TEST(tokens(bytes(R"(83 64 00 04 "caf" E9)")) == "a:caf\xC3\xA9 $");
    BOOST_TEST(tokens(bytes(R"(83 73 02 FF 41)")) == "a:\xC3\xBF" "A $");
    BOOST_TEST(tokens(bytes(R"(83 77 05 "caf" C3 A9)")) == "a:caf\xC3\xA9 $");
    BOOST_TEST(tokens(bytes(R"(83 76 00 04 F0 9F 98 80)")) == "a:\xF0\x9F\x98\x80 $");
    // A 255-character Latin-1 atom is the longest Erlang allows and fits the scratch buffer.
    std::string longest = bytes("83 64 00 FF") + std::string(255, '\xE9');
    auto r = walk(longest);
    BOOST_TEST(r.ok);
    BOOST_TEST(r.tokens[0].size() == 2 + 510);
}

BOOST_AUTO_TEST_CASE(binaries) {
    BOOST_TEST(tokens(bytes(R"(83 6D 00 00 00 05 "hello")")) == "s:hello $");
    BOOST_TEST(tokens(bytes(R"(83 6D 00 00 00 06 "h" C3 A9 E2 82 AC)")) == "s:h\xC3\xA9\xE2\x82\xAC $");
    BOOST_TEST(tokens(bytes(R"(83 6D 00 00 00 02 00 7F)")) == std::string("s:\0\x7F $", 6));
}

BOOST_AUTO_TEST_CASE(lists_and_tuples) {
    BOOST_TEST(tokens(bytes("83 6C 00 00 00 02 61 01 6D 00 00 00 01 78 6A")) == "[2 i:1 s:x ]2 $");
    // Improper list [1|2]: the tail is one more element.
    BOOST_TEST(tokens(bytes("83 6C 00 00 00 01 61 01 61 02")) == "[1 i:1 i:2 ]2 $");
    // Improper list whose tail is a container: [1|{3}].
    BOOST_TEST(tokens(bytes("83 6C 00 00 00 01 61 01 68 01 61 03")) == "[1 i:1 [1 i:3 ]1 ]2 $");
    BOOST_TEST(tokens(bytes("83 6C 00 00 00 01 6A 6A")) == "[1 [0 ]0 ]1 $");
    BOOST_TEST(tokens(bytes("83 6B 00 00")) == "[0 ]0 $");
    BOOST_TEST(tokens(bytes("83 6B 00 03 FF 00 80")) == "[3 i:255 i:0 i:128 ]3 $");
    BOOST_TEST(tokens(bytes("83 68 02 61 01 64 00 02 \"ok\"")) == "[2 i:1 a:ok ]2 $");
    BOOST_TEST(tokens(bytes("83 68 00")) == "[0 ]0 $");
    BOOST_TEST(tokens(bytes("83 69 00 00 00 01 6A")) == "[1 [0 ]0 ]1 $");
}

BOOST_AUTO_TEST_CASE(map_keys) {
    BOOST_TEST(tokens(bytes(R"(83 74 00 00 00 03 64 00 01 "a" 61 01 6D 00 00 00 01 "b" 61 02 6B 00 01 63 61 03)")) ==
               "{3 k@:a i:1 k:b i:2 k:c i:3 }3 $");
    // nil/true/false as keys stay keys; they are not null or bool.
    BOOST_TEST(tokens(bytes(R"(83 74 00 00 00 02 64 00 03 "nil" 61 01 73 04 "true" 61 02)")) ==
               "{2 k@:nil i:1 k@:true i:2 }2 $");
    // Integer keys as decimal text.
    BOOST_TEST(tokens(bytes("83 74 00 00 00 04 61 07 6A 62 FF FF FF FE 6A 6E 08 00 00 20 80 C0 08 23 21 01 6A "
                            "6E 08 00 FF FF FF FF FF FF FF FF 6A")) ==
               "{4 k:7 [0 ]0 k:-2 [0 ]0 k:81384788765712384 [0 ]0 k:18446744073709551615 [0 ]0 }4 $");
    BOOST_TEST(tokens(bytes(R"(83 74 00 00 00 01 64 00 01 "d" 74 00 00 00 00)")) == "{1 k@:d {0 }0 }1 $");
    BOOST_TEST(tokens(bytes(R"(83 74 00 00 00 01 77 02 C3 A9 61 01)")) == "{1 k@:\xC3\xA9 i:1 }1 $");
    BOOST_TEST(tokens(bytes(R"(83 74 00 00 00 01 64 00 01 E9 61 01)")) == "{1 k@:\xC3\xA9 i:1 }1 $");
}

BOOST_AUTO_TEST_CASE(token_fields) {
    const std::string in = bytes(R"(83 74 00 00 00 02 64 00 01 "a" 6D 00 00 00 01 "x" 6D 00 00 00 01 "b" 64 00 01 "y")");
    dgw::etf::reader r(in);
    dgw::etf::token t;
    BOOST_TEST(r.depth() == 0u);
    BOOST_TEST(r.next(t));
    BOOST_TEST((t.kind == dgw::etf::token_kind::map_begin));
    BOOST_TEST(t.offset == 1u);
    BOOST_TEST(r.depth() == 1u);
    BOOST_TEST(r.next(t));
    BOOST_TEST(t.atom);
    BOOST_TEST(t.offset == 6u);
    BOOST_TEST(r.next(t));
    BOOST_TEST(!t.atom);
    BOOST_TEST(t.offset == 10u);
    // The view points into the input itself: no copy.
    BOOST_TEST(static_cast<const void*>(t.str.data()) == static_cast<const void*>(in.data() + 15));
    BOOST_TEST(r.next(t));
    BOOST_TEST(!t.atom);
    BOOST_TEST(r.next(t));
    BOOST_TEST(t.atom);
    BOOST_TEST((t.kind == dgw::etf::token_kind::string));
    BOOST_TEST(r.next(t));
    BOOST_TEST((t.kind == dgw::etf::token_kind::map_end));
    BOOST_TEST(r.depth() == 0u);
    BOOST_TEST(r.next(t));
    BOOST_TEST((t.kind == dgw::etf::token_kind::end));
    BOOST_TEST(r.offset() == in.size());
    BOOST_TEST(r.next(t)); // end is repeated
    BOOST_TEST((t.kind == dgw::etf::token_kind::end));
}

BOOST_AUTO_TEST_CASE(compressed) {
    const std::string plain = bytes(hello_otp25);
    const std::string inner = plain.substr(1);
    const std::string c = compress_term(inner, static_cast<std::uint32_t>(inner.size()));
    dgw::etf::reader r(c);
    dgw::etf::token t;
    BOOST_TEST(r.next(t));
    BOOST_TEST(r.inflated());
    BOOST_TEST(t.offset == 0u); // offsets are into the inflated buffer
    BOOST_TEST(tokens(c) == hello_tokens);
    dgw::etf::limits exact;
    exact.max_compressed_size = inner.size();
    BOOST_TEST(tokens(c, exact) == hello_tokens);
    // A large compressible binary, whose view points into the inflated buffer.
    std::string big = bytes("6D 00 01 00 00") + std::string(65536, 'z');
    auto w = walk(compress_term(big, static_cast<std::uint32_t>(big.size())));
    BOOST_TEST(w.ok);
    BOOST_TEST(w.tokens[0] == "s:" + std::string(65536, 'z'));
}

BOOST_AUTO_TEST_CASE(depth_and_heap_frames) {
    // 200 nested single-element lists: past the 32 inline frames into the heap stack.
    std::string in = "\x83";
    for (int k = 0; k < 200; ++k) in += bytes("6C 00 00 00 01");
    in += bytes("61 07");
    for (int k = 0; k < 200; ++k) in += bytes("6A");
    dgw::etf::reader r(in);
    dgw::etf::token t;
    std::size_t max_depth = 0;
    while (r.next(t) && t.kind != dgw::etf::token_kind::end) max_depth = std::max(max_depth, r.depth());
    BOOST_TEST(!r.error());
    BOOST_TEST(max_depth == 200u);
    dgw::etf::limits lim;
    lim.max_depth = 200;
    BOOST_TEST(walk(in, lim).ok);
    // A moved reader keeps its stack (heap frames) and position.
    dgw::etf::reader a(in);
    for (int k = 0; k < 100; ++k) a.next(t);
    dgw::etf::reader b(std::move(a));
    std::size_t rest = 0;
    while (b.next(t) && t.kind != dgw::etf::token_kind::end) ++rest;
    BOOST_TEST(!b.error());
    BOOST_TEST(rest == 301u);
}

BOOST_AUTO_TEST_CASE(samples_walk) {
    // Ten real-shaped gateway messages (HELLO, READY, MESSAGE_CREATE, ...) from the corpus.
    const auto msgs = etf_test::sample_messages();
    BOOST_TEST(msgs.size() == 10u);
    for (const auto& m : msgs) {
        auto r = walk(m);
        BOOST_TEST_INFO(r.err.message());
        BOOST_TEST(r.ok);
        BOOST_TEST(r.tokens.front().rfind("{4", 0) == 0u);
    }
}

namespace {
struct recorder {
    std::vector<std::string> ev;
    std::size_t stop_after = SIZE_MAX;
    bool add(std::string s) {
        ev.push_back(std::move(s));
        return ev.size() < stop_after;
    }
    bool on_document_begin() { return add("begin"); }
    bool on_document_end() { return add("end"); }
    bool on_map_begin(std::size_t n) { return add("{" + std::to_string(n)); }
    bool on_map_end(std::size_t n) { return add("}" + std::to_string(n)); }
    bool on_array_begin(std::size_t n) { return add("[" + std::to_string(n)); }
    bool on_array_end(std::size_t n) { return add("]" + std::to_string(n)); }
    bool on_key(std::string_view k) { return add("k:" + std::string(k)); }
    bool on_string(std::string_view s) { return add("s:" + std::string(s)); }
    bool on_int64(std::int64_t v) { return add("i:" + std::to_string(v)); }
    bool on_uint64(std::uint64_t v) { return add("u:" + std::to_string(v)); }
    bool on_double(double) { return add("f"); }
    bool on_bool(bool b) { return add(b ? "true" : "false"); }
    bool on_null() { return add("nil"); }
};
} // namespace

BOOST_AUTO_TEST_CASE(parse_driver) {
    recorder h;
    dgw::decode_error ec;
    BOOST_TEST(dgw::etf::parse(bytes(hello_otp25), h, ec));
    BOOST_TEST(!ec);
    std::string all;
    for (const auto& e : h.ev) all += e + " ";
    BOOST_TEST(all == "begin {4 k:d {1 k:heartbeat_interval i:41250 }1 k:op i:10 k:s nil k:t nil }4 end ");

    recorder stop;
    stop.stop_after = 3; // refuses the first key
    dgw::decode_error ec2;
    BOOST_TEST(!dgw::etf::parse(bytes(hello_otp25), stop, ec2));
    BOOST_TEST((ec2.code == dgw::etf_errc::handler_stopped));
    BOOST_TEST(ec2.offset == 6u);

    recorder h3;
    dgw::decode_error ec3;
    BOOST_TEST(!dgw::etf::parse(bytes("83 6C 00 00 00 01 61 01 4D"), h3, ec3));
    BOOST_TEST((ec3.code == dgw::etf_errc::unknown_tag));
    BOOST_TEST(ec3.offset == 8u);
}

BOOST_AUTO_TEST_SUITE_END()
