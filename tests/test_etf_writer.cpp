// etf::writer: exact bytes for each kind of term, checked against GATEWAY_NOTES §7.3 vectors
// (Erlang OTP 25 output) and read back through etf::reader.
#include "test_etf_util.hpp"

#include <dgw/etf/writer.hpp>

#include <boost/test/unit_test.hpp>

#include <functional>
#include <limits>
#include <stdexcept>

using etf_test::bytes;
using etf_test::hex;

namespace {

std::string write(const std::function<void(dgw::etf::writer&)>& f, dgw::etf::writer_options opt = {}) {
    std::string out;
    dgw::etf::writer w(out, opt);
    w.version();
    f(w);
    return out;
}

std::string int64_hex(std::int64_t v) {
    return hex(write([&](auto& w) { w.int64(v); }));
}
std::string uint64_hex(std::uint64_t v) {
    return hex(write([&](auto& w) { w.uint64(v); }));
}

} // namespace

BOOST_AUTO_TEST_SUITE(etf_writer)

BOOST_AUTO_TEST_CASE(client_heartbeat) {
    // {"op":1,"d":null} with binary keys, in Erlang's (sorted) key order.
    const auto out = write([](auto& w) {
        w.begin_map(2);
        w.key("d");
        w.null();
        w.key("op");
        w.int64(1);
    });
    BOOST_TEST(hex(out) == hex(bytes(R"(83 74 00 00 00 02 6D 00 00 00 01 "d" 64 00 03 "nil" 6D 00 00 00 02 "op" 61 01)")));
}

BOOST_AUTO_TEST_CASE(server_hello_with_atom_keys) {
    // atom_keys reproduces OTP 25's term_to_binary of the HELLO map byte for byte.
    dgw::etf::writer_options opt;
    opt.atom_keys = true;
    const auto out = write(
        [](auto& w) {
            w.begin_map(4);
            w.key("d");
            w.begin_map(1);
            w.key("heartbeat_interval");
            w.int64(41250);
            w.key("op");
            w.int64(10);
            w.key("s");
            w.null();
            w.key("t");
            w.null();
        },
        opt);
    BOOST_TEST(hex(out) == hex(bytes(R"(83 74 00 00 00 04 64 00 01 "d" 74 00 00 00 01 64 00 12 "heartbeat_interval"
        62 00 00 A1 22 64 00 02 "op" 61 0A 64 00 01 "s" 64 00 03 "nil" 64 00 01 "t" 64 00 03 "nil")")));
}

BOOST_AUTO_TEST_CASE(integers) {
    BOOST_TEST(int64_hex(0) == "836100");
    BOOST_TEST(int64_hex(200) == "8361C8");
    BOOST_TEST(int64_hex(255) == "8361FF");
    BOOST_TEST(int64_hex(256) == "836200000100");
    BOOST_TEST(int64_hex(300) == "83620000012C");
    BOOST_TEST(int64_hex(-1) == "8362FFFFFFFF");
    BOOST_TEST(int64_hex(std::numeric_limits<std::int32_t>::min()) == "836280000000");
    BOOST_TEST(int64_hex(std::numeric_limits<std::int32_t>::max()) == "83627FFFFFFF");
    BOOST_TEST(int64_hex(2147483648) == "836E040000000080");                  // notes: n=4 big
    BOOST_TEST(int64_hex(-2147483649) == "836E040101000080");
    BOOST_TEST(int64_hex(4294967296) == "836E05000000000001");
    BOOST_TEST(int64_hex(81384788765712384) == hex(bytes("83 6E 08 00 00 20 80 C0 08 23 21 01")));
    BOOST_TEST(int64_hex(-81384788765712384) == hex(bytes("83 6E 08 01 00 20 80 C0 08 23 21 01")));
    BOOST_TEST(int64_hex(std::numeric_limits<std::int64_t>::max()) == "836E0800FFFFFFFFFFFFFF7F");
    BOOST_TEST(int64_hex(std::numeric_limits<std::int64_t>::min()) == "836E08010000000000000080");
    BOOST_TEST(uint64_hex(0) == "836100");
    BOOST_TEST(uint64_hex(2147483647) == "83627FFFFFFF");
    BOOST_TEST(uint64_hex(2147483648) == "836E040000000080");
    BOOST_TEST(uint64_hex(std::numeric_limits<std::uint64_t>::max()) == "836E0800FFFFFFFFFFFFFFFF");
    BOOST_TEST(uint64_hex(9223372036854775808ull) == "836E08000000000000000080");
}

BOOST_AUTO_TEST_CASE(floats_strings_atoms) {
    BOOST_TEST(hex(write([](auto& w) { w.float64(0.5); })) == "83463FE0000000000000");
    BOOST_TEST(hex(write([](auto& w) { w.float64(-0.0); })) == "83468000000000000000");
    BOOST_TEST(hex(write([](auto& w) { w.string(""); })) == "836D00000000");
    BOOST_TEST(hex(write([](auto& w) { w.string("h\xC3\xA9"); })) == "836D0000000368C3A9");
    BOOST_TEST(hex(write([](auto& w) { w.boolean(true); })) == hex(bytes(R"(83 64 00 04 "true")")));
    BOOST_TEST(hex(write([](auto& w) { w.boolean(false); })) == hex(bytes(R"(83 64 00 05 "false")")));
    BOOST_TEST(hex(write([](auto& w) { w.atom("READY"); })) == hex(bytes(R"(83 64 00 05 "READY")")));
    BOOST_TEST(hex(write([](auto& w) { w.atom("caf\xC3\xA9"); })) == hex(bytes(R"(83 76 00 05 "caf" C3 A9)")));
    dgw::etf::writer_options opt;
    opt.atom_keys = true;
    BOOST_TEST(hex(write([](auto& w) { w.key("\xC3\xA9"); }, opt)) == "83760002C3A9");
    BOOST_TEST(hex(write([](auto& w) { w.key("op"); })) == hex(bytes(R"(83 6D 00 00 00 02 "op")")));
}

BOOST_AUTO_TEST_CASE(arrays) {
    BOOST_TEST(hex(write([](auto& w) {
                   w.begin_array(0);
                   w.end_array();
               })) == "836A"); // a bare NIL_EXT, not NIL_EXT plus an empty list
    BOOST_TEST(hex(write([](auto& w) {
                   w.begin_array(2);
                   w.int64(1);
                   w.int64(2);
                   w.end_array();
               })) == "836C00000002610161026A");
    BOOST_TEST(hex(write([](auto& w) {
                   w.begin_array(2);
                   w.begin_array(0);
                   w.end_array();
                   w.begin_array(1);
                   w.int64(1);
                   w.end_array();
                   w.end_array();
               })) == hex(bytes("83 6C 00 00 00 02 6A 6C 00 00 00 01 61 01 6A 6A")));
    std::string out;
    dgw::etf::writer w(out);
    BOOST_CHECK_THROW(w.end_array(), std::logic_error);
}

BOOST_AUTO_TEST_CASE(deep_arrays_spill_past_64_levels) {
    // 150 nested arrays alternating empty/non-empty at the innermost levels, beyond the
    // writer's one-word bit stack.
    std::string out;
    dgw::etf::writer w(out);
    w.version();
    std::string want = "\x83";
    for (int k = 0; k < 150; ++k) {
        w.begin_array(2);
        w.begin_array(0);
        w.end_array();
        want += bytes("6C 00 00 00 02 6A");
    }
    w.int64(7);
    want += bytes("61 07");
    for (int k = 0; k < 150; ++k) {
        w.end_array();
        want += bytes("6A");
    }
    BOOST_TEST(hex(out) == hex(want));
    auto r = etf_test::walk(out);
    BOOST_TEST(r.ok);
    BOOST_TEST(r.tokens.size() == 150u * 4 + 2);
}

BOOST_AUTO_TEST_CASE(reads_back) {
    const auto out = write([](auto& w) {
        w.begin_map(3);
        w.key("id");
        w.uint64(std::numeric_limits<std::uint64_t>::max());
        w.key("list");
        w.begin_array(3);
        w.int64(std::numeric_limits<std::int64_t>::min());
        w.float64(2.5);
        w.boolean(false);
        w.end_array();
        w.key("name");
        w.string("x");
    });
    BOOST_TEST(etf_test::walk(out).text() ==
               "{3 k:id u:18446744073709551615 k:list [3 i:-9223372036854775808 f:2.5 false ]3 k:name s:x }3 $");
}

BOOST_AUTO_TEST_CASE(appends_to_existing_output) {
    std::string out = "prefix";
    dgw::etf::writer w(out);
    w.int64(1);
    BOOST_TEST(out == std::string("prefix\x61\x01"));
}

BOOST_AUTO_TEST_SUITE_END()
