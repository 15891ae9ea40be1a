// zstd-stream transport decompression: dgw::compress::zstd_stream.
#include <dgw/compress/zstd_stream.hpp>

#include "test_compress_util.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>

using dgw::compress::zstd_stream;
using dgw::make_error_code;
using dgw::compress_errc;
using namespace dgw_test;

namespace {

const std::string hello =
    R"({"t":null,"s":null,"op":10,"d":{"heartbeat_interval":41250,"_trace":["[\"gateway-prd-us-east1-c-7s4x\",{\"micros\":0.0}]"]}})";

// A connection's websocket messages: one ZSTD_CCtx, one flush per message.
std::vector<std::string> compress_all(const std::vector<std::string>& msgs, int level = 3) {
    zstd_compressor c(level);
    std::vector<std::string> ws;
    ws.reserve(msgs.size());
    for (const auto& m : msgs) ws.push_back(c.compress(m));
    return ws;
}

// 1 GiB of zeros flushed as one websocket message (about 32 KB); made once.
const std::string& zstd_bomb() {
    static const std::string bomb = [] {
        zstd_compressor c(1);
        const std::string zeros(1u << 20, '\0');
        std::string out;
        for (int i = 0; i < 1024; ++i) out += c.compress(zeros, i == 1023 ? ZSTD_e_flush : ZSTD_e_continue);
        return out;
    }();
    return bomb;
}

void check_stream(zstd_stream& d, const std::vector<std::string>& ws, const std::vector<std::string>& msgs) {
    for (std::size_t i = 0; i < msgs.size(); ++i) {
        const auto r = d.feed(ws[i]);
        BOOST_TEST_REQUIRE(r.has_message(), "message " << i << ": " << r.error.message() << " " << r.detail);
        BOOST_TEST_REQUIRE(r.message == msgs[i], "message " << i);
    }
}

} // namespace

BOOST_AUTO_TEST_SUITE(compress_zstd)

BOOST_AUTO_TEST_CASE(single_message_is_a_flush_inside_an_open_frame) {
    zstd_compressor c;
    const std::string ws = c.compress(hello);
    BOOST_TEST(dgw::compress::looks_like_zstd(ws));
    BOOST_TEST(!dgw::compress::looks_like_zlib(ws));
    zstd_stream d;
    const auto r = d.feed(ws);
    BOOST_TEST_REQUIRE(r.has_message());
    BOOST_TEST(r.message == hello);
    BOOST_TEST(d.counters().messages == 1u);
    BOOST_TEST(d.counters().compressed_in == ws.size());
    BOOST_TEST(d.counters().decompressed_out == hello.size());
}

// Each websocket message is one chunk: feeding chunk by chunk through one context
// reproduces every message of a long connection exactly.
BOOST_AUTO_TEST_CASE(stream_of_thousands_of_messages) {
    const auto msgs = make_messages(5000, 11);
    for (int level : {1, 3, 9}) {
        const auto ws = compress_all(msgs, level);
        zstd_stream d;
        check_stream(d, ws, msgs);
        std::uint64_t in = 0, out = 0;
        for (std::size_t i = 0; i < msgs.size(); ++i) {
            in += ws[i].size();
            out += msgs[i].size();
        }
        BOOST_TEST(d.counters().messages == msgs.size());
        BOOST_TEST(d.counters().compressed_in == in);
        BOOST_TEST(d.counters().decompressed_out == out);
        BOOST_TEST(d.pending() == 0u);
    }
}

BOOST_AUTO_TEST_CASE(corpus_fixture_matches_expected_messages) {
    const auto ws = split_frames(read_fixture("small_etf.zstd"));
    const auto expected = read_digest("small_etf.digest");
    BOOST_TEST_REQUIRE(ws.size() == expected.size());
    BOOST_TEST(dgw::compress::looks_like_zstd(ws.front()));
    zstd_stream d;
    for (std::size_t i = 0; i < ws.size(); ++i) {
        const auto r = d.feed(ws[i]);
        BOOST_TEST_REQUIRE(r.has_message(), "message " << i);
        BOOST_TEST_REQUIRE(r.message.size() == expected[i].first, "message " << i);
        BOOST_TEST_REQUIRE(fnv1a64(r.message) == expected[i].second, "message " << i);
        BOOST_TEST_REQUIRE(static_cast<unsigned char>(r.message[0]) == 131u); // ETF version byte
    }
}

// Sizes around the output buffer's capacity and past the 128 KiB block size: the loop
// must go on while the decoder is output-bound, even with all input consumed.
BOOST_AUTO_TEST_CASE(output_bound_messages) {
    const std::size_t cap = dgw::compress::detail::out_buffer::initial_capacity;
    std::vector<std::string> msgs;
    for (std::size_t n : {cap - 1, cap, cap + 1, 2 * cap, std::size_t(128u << 10) + 3, 4 * cap + 1, std::size_t(1) << 20}) {
        std::string m(n, 'a');
        for (std::size_t i = 0; i < n; i += 61) m[i] = static_cast<char>('a' + i % 26);
        msgs.push_back(std::move(m));
    }
    msgs.push_back(hello);
    const auto ws = compress_all(msgs);
    zstd_stream d;
    check_stream(d, ws, msgs);
}

// A peer that ends a frame per message (ZSTD_e_end) decodes the same way.
BOOST_AUTO_TEST_CASE(one_frame_per_message_also_works) {
    const auto msgs = make_messages(300, 8);
    zstd_compressor c;
    std::vector<std::string> ws;
    for (const auto& m : msgs) ws.push_back(c.compress(m, ZSTD_e_end));
    zstd_stream d;
    check_stream(d, ws, msgs);
}

BOOST_AUTO_TEST_CASE(empty_websocket_message_needs_more) {
    zstd_stream d;
    BOOST_TEST(d.feed("").needs_more());
    zstd_compressor c;
    BOOST_TEST(d.feed(c.compress(hello)).message == hello);
    BOOST_TEST(d.feed("").needs_more());
    BOOST_TEST(d.feed(c.compress(hello)).message == hello);
}

BOOST_AUTO_TEST_CASE(output_buffer_is_reused) {
    const auto msgs = make_messages(500, 9);
    const auto ws = compress_all(msgs);
    zstd_stream d;
    const char* data = nullptr;
    for (std::size_t i = 0; i < 200; ++i) data = d.feed(ws[i]).message.data();
    const std::size_t cap = d.buffer_capacity();
    for (std::size_t i = 200; i < msgs.size(); ++i) {
        const auto r = d.feed(ws[i]);
        BOOST_TEST_REQUIRE(r.has_message());
        if (r.message.size() <= cap) BOOST_TEST_REQUIRE(static_cast<const void*>(r.message.data()) == data);
    }
}

// A cut anywhere inside a message, frame header included, is reported, never returned
// as a shorter message.
BOOST_AUTO_TEST_CASE(every_truncation_point_is_incomplete) {
    auto msgs = make_messages(30, 6);
    msgs.insert(msgs.begin(), hello);
    const auto ws = compress_all(msgs);
    zstd_stream d;
    for (std::size_t target : {std::size_t(0), std::size_t(1), std::size_t(17)}) {
        std::uint64_t before = 0;
        for (std::size_t i = 0; i < target; ++i) before += ws[i].size();
        for (std::size_t k = 1; k < ws[target].size(); ++k) {
            d.reset();
            for (std::size_t i = 0; i < target; ++i) BOOST_TEST_REQUIRE(d.feed(ws[i]).has_message());
            const auto r = d.feed(ws[target].substr(0, k));
            BOOST_TEST_REQUIRE(r.failed(), "message " << target << " cut at " << k);
            BOOST_TEST_REQUIRE(r.error == make_error_code(compress_errc::incomplete));
            BOOST_TEST_REQUIRE(r.offset == before + k);
        }
    }
}

BOOST_AUTO_TEST_CASE(corrupt_block_header_reports_offset_then_sticks_until_reset) {
    const auto msgs = make_messages(10, 2);
    auto ws = compress_all(msgs);
    std::uint64_t start = 0;
    for (std::size_t i = 0; i < 5; ++i) start += ws[i].size();
    ws[5][0] = static_cast<char>(ws[5][0] | 0x06); // block type 3 is reserved
    zstd_stream d;
    for (std::size_t i = 0; i < 5; ++i) BOOST_TEST_REQUIRE(d.feed(ws[i]).has_message());
    const auto r = d.feed(ws[5]);
    BOOST_TEST_REQUIRE(r.failed());
    BOOST_TEST(r.error == make_error_code(compress_errc::corrupt));
    BOOST_TEST(r.offset >= start);
    BOOST_TEST(r.offset <= start + ws[5].size());
    BOOST_TEST(!r.detail.empty());
    BOOST_TEST(d.failed());
    const auto again = d.feed(ws[6]);
    BOOST_TEST(again.failed());
    BOOST_TEST(again.offset == r.offset);

    d.reset();
    BOOST_TEST(!d.failed());
    check_stream(d, compress_all(msgs), msgs);
}

BOOST_AUTO_TEST_CASE(bad_magic_fails_at_start) {
    zstd_compressor c;
    std::string ws = c.compress(hello);
    ws[0] = 0x29;
    zstd_stream d;
    const auto r = d.feed(ws);
    BOOST_TEST_REQUIRE(r.failed());
    BOOST_TEST(r.error == make_error_code(compress_errc::corrupt));
    BOOST_TEST(r.offset <= 4u);
}

// A frame header asking for a 2 GiB window is refused before anything is allocated.
BOOST_AUTO_TEST_CASE(huge_window_is_too_large) {
    const std::string ws("\x28\xB5\x2F\xFD\x00\xA8\x09\x00\x00\x7B", 10); // windowLog 31, raw block "{"
    zstd_stream d;
    const auto r = d.feed(ws);
    BOOST_TEST_REQUIRE(r.failed());
    BOOST_TEST(r.error == make_error_code(compress_errc::too_large));
}

// A frame's window is history the decoder keeps for the whole connection, so it is held
// to max(limit, 8 MiB) too (Discord's frames ask for 256 KiB; no zstd level below --ultra
// asks for more than 8 MiB). Frame header: magic, descriptor 0, window byte (log - 10) << 3;
// then a last raw block of one byte, "{".
BOOST_AUTO_TEST_CASE(window_above_the_limit_and_8_mib_is_too_large) {
    auto frame = [](int window_log) {
        std::string f("\x28\xB5\x2F\xFD\x00", 5);
        f += static_cast<char>((window_log - 10) << 3);
        f += std::string("\x09\x00\x00\x7B", 4);
        return f;
    };
    // The message, or "too large" (the message points into the decompressor: copied here).
    auto outcome = [&](int window_log, std::size_t limit) -> std::string {
        zstd_stream d(dgw::compress::limits{limit});
        const auto r = d.feed(frame(window_log));
        if (r.failed()) return r.error == make_error_code(compress_errc::too_large) ? "too large" : r.error.message();
        return std::string(r.message);
    };
    BOOST_TEST(outcome(18, 4u << 20) == "{"); // Discord's window
    BOOST_TEST(outcome(23, 4u << 20) == "{"); // 8 MiB whatever the limit
    BOOST_TEST(outcome(24, 4u << 20) == "too large");
    BOOST_TEST(outcome(24, 16u << 20) == "{"); // up to the limit
    BOOST_TEST(outcome(25, (32u << 20) - 1) == "too large");
    BOOST_TEST(outcome(26, 64u << 20) == "{"); // the default limit
    BOOST_TEST(outcome(27, 64u << 20) == "too large");
    BOOST_TEST(outcome(27, 1u << 30) == "{"); // never past the library's 128 MiB
    BOOST_TEST(outcome(28, 1u << 30) == "too large");
}

BOOST_AUTO_TEST_CASE(bomb_stops_at_the_limit) {
    const std::string& bomb = zstd_bomb();
    BOOST_TEST_REQUIRE(bomb.size() < (1u << 20));
    zstd_stream d;
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = d.feed(bomb);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    BOOST_TEST_REQUIRE(r.failed());
    BOOST_TEST(r.error == make_error_code(compress_errc::too_large));
    BOOST_TEST(r.offset < bomb.size());
    BOOST_TEST(d.buffer_capacity() <= d.limits().max_message_size + 1);
    BOOST_TEST(d.counters().decompressed_out <= d.limits().max_message_size + 1);
    BOOST_TEST_MESSAGE("zstd bomb rejected after " << d.counters().decompressed_out << " bytes in " << secs << " s");
}

BOOST_AUTO_TEST_CASE(limit_is_inclusive_and_reset_recovers) {
    const std::size_t limit = 200000; // over one 128 KiB block
    zstd_compressor c;
    const std::string exact = c.compress(std::string(limit, 'x'));
    const std::string over = c.compress(std::string(limit + 1, 'y'));
    zstd_stream d(dgw::compress::limits{limit});
    const auto r = d.feed(exact);
    BOOST_TEST_REQUIRE(r.has_message());
    BOOST_TEST(r.message.size() == limit);
    const auto r2 = d.feed(over);
    BOOST_TEST_REQUIRE(r2.failed());
    BOOST_TEST(r2.error == make_error_code(compress_errc::too_large));
    BOOST_TEST(d.buffer_capacity() <= limit + 1);

    d.reset();
    zstd_compressor fresh;
    BOOST_TEST(d.feed(fresh.compress(hello)).message == hello);
}

// Each connection has its own compression context and frame; after a reset the
// decoder takes a new frame from its start.
BOOST_AUTO_TEST_CASE(reset_between_connections) {
    const auto a = make_messages(60, 100);
    const auto b = make_messages(60, 200);
    const auto ws_a = compress_all(a);
    const auto ws_b = compress_all(b);
    zstd_stream d;
    check_stream(d, ws_a, a);
    d.reset();
    check_stream(d, ws_b, b);
    d.reset();
    check_stream(d, ws_a, a);
    BOOST_TEST(d.counters().messages == 180u);
}

BOOST_AUTO_TEST_SUITE_END()
