// zlib-stream transport decompression: dgw::compress::zlib_stream.
#include <dgw/compress/zlib_stream.hpp>

#include "test_compress_util.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <random>

using dgw::compress::zlib_stream;
using namespace dgw_test;

namespace {

const std::string hello =
    R"({"t":null,"s":null,"op":10,"d":{"heartbeat_interval":41250,"_trace":["[\"gateway-prd-main-858d\",{\"micros\":0.0}]"]}})";

bool ends_with_sync_flush(std::string_view s) {
    return s.size() >= 4 && s.substr(s.size() - 4) == std::string_view("\0\0\xFF\xFF", 4);
}

// A connection's websocket messages: one deflate context, one sync flush per message.
std::vector<std::string> compress_all(const std::vector<std::string>& msgs, int level = Z_DEFAULT_COMPRESSION) {
    zlib_compressor c(level);
    std::vector<std::string> ws;
    ws.reserve(msgs.size());
    for (const auto& m : msgs) ws.push_back(c.compress(m));
    return ws;
}

// `megabytes` MiB of zeros in one sync-flushed message, without deflating all of them:
// after the first MiB the window holds only zeros, so the second MiB's blocks decode to
// zeros again wherever they are repeated.
std::string zlib_bomb(std::size_t megabytes) {
    zlib_compressor c(9);
    const std::string zeros(1u << 20, '\0');
    std::string out = c.compress(zeros);
    const std::string again = c.compress(zeros);
    out.reserve(out.size() + again.size() * megabytes);
    for (std::size_t i = 1; i < megabytes; ++i) out += again;
    return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(compress_zlib)

BOOST_AUTO_TEST_CASE(single_message_has_header_and_suffix) {
    zlib_compressor c;
    const std::string ws = c.compress(hello);
    BOOST_TEST(dgw::compress::looks_like_zlib(ws));
    BOOST_TEST(ends_with_sync_flush(ws));
    zlib_stream d;
    const auto r = d.feed(ws);
    BOOST_TEST_REQUIRE(r.has_message());
    BOOST_TEST(r.message == hello);
    BOOST_TEST(d.pending() == 0u);
    BOOST_TEST(d.counters().messages == 1u);
    BOOST_TEST(d.counters().compressed_in == ws.size());
    BOOST_TEST(d.counters().decompressed_out == hello.size());
}

// Split one gateway message over two websocket messages at every byte, for the first
// message (zlib header included) and for one in the middle of the stream.
BOOST_AUTO_TEST_CASE(every_split_point_two_websocket_messages) {
    auto msgs = make_messages(40, 7);
    msgs.insert(msgs.begin(), hello);
    const auto ws = compress_all(msgs);
    zlib_stream d;
    for (std::size_t target : {std::size_t(0), std::size_t(1), std::size_t(20)}) {
        const std::string& w = ws[target];
        for (std::size_t k = 1; k < w.size(); ++k) {
            d.reset();
            for (std::size_t i = 0; i < target; ++i) BOOST_TEST_REQUIRE(d.feed(ws[i]).has_message());
            const auto first = d.feed(std::string_view(w).substr(0, k));
            BOOST_TEST_REQUIRE(first.needs_more(), "message " << target << " split at " << k);
            BOOST_TEST_REQUIRE(d.pending() == k);
            const auto second = d.feed(std::string_view(w).substr(k));
            BOOST_TEST_REQUIRE(second.has_message(), "message " << target << " split at " << k);
            BOOST_TEST_REQUIRE(second.message == msgs[target]);
            // The connection goes on normally after a split message.
            const auto next = d.feed(ws[target + 1]);
            BOOST_TEST_REQUIRE(next.has_message());
            BOOST_TEST_REQUIRE(next.message == msgs[target + 1]);
        }
    }
}

// Every pair of cut points: three websocket messages, the 00 00 FF FF suffix split in
// all possible ways among them.
BOOST_AUTO_TEST_CASE(every_three_way_split) {
    zlib_compressor c;
    const std::string first = c.compress(hello);
    const std::string second = c.compress(R"({"t":null,"s":null,"op":11,"d":null})");
    zlib_stream d;
    for (std::size_t i = 1; i < second.size(); ++i) {
        for (std::size_t j = i; j < second.size(); ++j) {
            d.reset();
            BOOST_TEST_REQUIRE(d.feed(first).has_message());
            BOOST_TEST_REQUIRE(d.feed(std::string_view(second).substr(0, i)).needs_more());
            BOOST_TEST_REQUIRE(d.feed(std::string_view(second).substr(i, j - i)).needs_more());
            const auto r = d.feed(std::string_view(second).substr(j));
            BOOST_TEST_REQUIRE(r.has_message(), "cuts " << i << "," << j);
            BOOST_TEST_REQUIRE(r.message == R"({"t":null,"s":null,"op":11,"d":null})");
        }
    }
}

BOOST_AUTO_TEST_CASE(one_byte_websocket_messages) {
    const auto msgs = make_messages(30, 3);
    const auto ws = compress_all(msgs);
    zlib_stream d;
    for (std::size_t m = 0; m < msgs.size(); ++m) {
        for (std::size_t i = 0; i + 1 < ws[m].size(); ++i) BOOST_TEST_REQUIRE(d.feed(ws[m].substr(i, 1)).needs_more());
        const auto r = d.feed(ws[m].substr(ws[m].size() - 1));
        BOOST_TEST_REQUIRE(r.has_message());
        BOOST_TEST_REQUIRE(r.message == msgs[m]);
    }
}

BOOST_AUTO_TEST_CASE(stream_of_thousands_of_messages) {
    const auto msgs = make_messages(5000, 11);
    for (int level : {1, 6}) {
        const auto ws = compress_all(msgs, level);
        zlib_stream d;
        std::uint64_t in = 0, out = 0;
        for (std::size_t i = 0; i < msgs.size(); ++i) {
            BOOST_TEST_REQUIRE(ends_with_sync_flush(ws[i]));
            const auto r = d.feed(ws[i]);
            BOOST_TEST_REQUIRE(r.has_message(), "message " << i << " level " << level);
            BOOST_TEST_REQUIRE(r.message == msgs[i]);
            in += ws[i].size();
            out += msgs[i].size();
        }
        BOOST_TEST(d.counters().messages == msgs.size());
        BOOST_TEST(d.counters().compressed_in == in);
        BOOST_TEST(d.counters().decompressed_out == out);
    }
}

// Thousands of messages, each cut into a random number of websocket messages.
BOOST_AUTO_TEST_CASE(stream_with_random_splits) {
    const auto msgs = make_messages(3000, 5);
    const auto ws = compress_all(msgs);
    std::mt19937 rng(42);
    zlib_stream d;
    for (std::size_t m = 0; m < msgs.size(); ++m) {
        std::string_view rest = ws[m];
        while (rest.size() > 1 && rng() % 3 != 0) {
            const std::size_t k = 1 + rng() % (rest.size() - 1);
            BOOST_TEST_REQUIRE(d.feed(rest.substr(0, k)).needs_more());
            rest.remove_prefix(k);
        }
        const auto r = d.feed(rest);
        BOOST_TEST_REQUIRE(r.has_message(), "message " << m);
        BOOST_TEST_REQUIRE(r.message == msgs[m]);
    }
}

BOOST_AUTO_TEST_CASE(corpus_fixture_matches_expected_messages) {
    const auto ws = split_frames(read_fixture("small_json.zlib"));
    const auto expected = read_digest("small_json.digest");
    BOOST_TEST_REQUIRE(ws.size() == expected.size());
    BOOST_TEST(dgw::compress::looks_like_zlib(ws.front()));
    zlib_stream d;
    for (std::size_t i = 0; i < ws.size(); ++i) {
        const auto r = d.feed(ws[i]);
        BOOST_TEST_REQUIRE(r.has_message(), "message " << i);
        BOOST_TEST_REQUIRE(r.message.size() == expected[i].first, "message " << i);
        BOOST_TEST_REQUIRE(fnv1a64(r.message) == expected[i].second, "message " << i);
    }
}

// Output sizes that fill the output buffer exactly, so inflate returns with no room
// (and then Z_BUF_ERROR): that must mean "grow and go on", never failure.
BOOST_AUTO_TEST_CASE(output_exactly_fills_the_buffer) {
    const std::size_t cap = dgw::compress::detail::out_buffer::initial_capacity;
    std::vector<std::string> msgs;
    for (std::size_t n : {cap - 1, cap, cap + 1, 2 * cap, 4 * cap + 1}) msgs.emplace_back(n, 'a');
    msgs.push_back(hello);
    const auto ws = compress_all(msgs);
    zlib_stream d;
    for (std::size_t i = 0; i < msgs.size(); ++i) {
        const auto r = d.feed(ws[i]);
        BOOST_TEST_REQUIRE(r.has_message());
        BOOST_TEST_REQUIRE(r.message == msgs[i]);
    }
}

BOOST_AUTO_TEST_CASE(empty_websocket_message_needs_more) {
    zlib_stream d;
    BOOST_TEST(d.feed("").needs_more());
    zlib_compressor c;
    const std::string ws = c.compress(hello);
    BOOST_TEST(d.feed(ws).has_message());
    BOOST_TEST(d.feed("").needs_more());
    BOOST_TEST(d.pending() == 0u);
}

// Once the buffer fits the largest message, messages reuse it: same storage, no growth.
BOOST_AUTO_TEST_CASE(output_buffer_is_reused) {
    const auto msgs = make_messages(500, 9);
    const auto ws = compress_all(msgs);
    zlib_stream d;
    const char* data = nullptr;
    for (std::size_t i = 0; i < 200; ++i) data = d.feed(ws[i]).message.data(); // warm up: 2 big messages
    const std::size_t cap = d.buffer_capacity();
    for (std::size_t i = 200; i < msgs.size(); ++i) {
        const auto r = d.feed(ws[i]);
        BOOST_TEST_REQUIRE(r.has_message());
        if (r.message.size() <= cap) BOOST_TEST_REQUIRE(static_cast<const void*>(r.message.data()) == data);
    }
}

BOOST_AUTO_TEST_CASE(corrupt_data_reports_offset_then_sticks_until_reset) {
    const auto msgs = make_messages(10, 2);
    auto ws = compress_all(msgs);
    std::uint64_t start = 0;
    for (std::size_t i = 0; i < 5; ++i) start += ws[i].size();
    ws[5][0] = static_cast<char>(0xFF); // block type 3 does not exist
    zlib_stream d;
    for (std::size_t i = 0; i < 5; ++i) BOOST_TEST_REQUIRE(d.feed(ws[i]).has_message());
    const auto r = d.feed(ws[5]);
    BOOST_TEST_REQUIRE(r.failed());
    BOOST_TEST(r.error == dgw::make_error_code(dgw::compress_errc::corrupt));
    BOOST_TEST(r.offset >= start);
    BOOST_TEST(r.offset <= start + 1);
    BOOST_TEST(!r.detail.empty());
    BOOST_TEST(d.failed());
    // Unusable until reset: the same error, whatever comes next.
    const auto again = d.feed(ws[6]);
    BOOST_TEST(again.failed());
    BOOST_TEST(again.error == r.error);
    BOOST_TEST(again.offset == r.offset);

    d.reset();
    BOOST_TEST(!d.failed());
    const auto fresh = compress_all(msgs);
    for (std::size_t i = 0; i < fresh.size(); ++i) {
        const auto ok = d.feed(fresh[i]);
        BOOST_TEST_REQUIRE(ok.has_message());
        BOOST_TEST_REQUIRE(ok.message == msgs[i]);
    }
}

BOOST_AUTO_TEST_CASE(bad_header_fails_at_start) {
    zlib_stream d;
    const auto r = d.feed(std::string_view("{\"op\":10}\0\0\xFF\xFF", 13));
    BOOST_TEST_REQUIRE(r.failed());
    BOOST_TEST(r.error == dgw::make_error_code(dgw::compress_errc::corrupt));
    BOOST_TEST(r.offset <= 2u);
}

// A message whose end never arrives stays pending; the caller sees it at close. When
// later messages are fed on top of the hole the bit stream is out of step: the sync
// point is no longer at a block boundary, so no bogus message comes out, and inflate
// soon reports corrupt data.
BOOST_AUTO_TEST_CASE(truncated_message) {
    for (std::uint64_t seed = 1; seed < 20; ++seed) {
        for (std::size_t cut : {1u, 3u, 6u, 9u}) {
            const auto msgs = make_messages(8, seed);
            const auto ws = compress_all(msgs);
            zlib_stream d;
            BOOST_TEST_REQUIRE(d.feed(ws[0]).has_message());
            const std::string head = ws[1].substr(0, ws[1].size() - cut);
            BOOST_TEST_REQUIRE(d.feed(head).needs_more());
            BOOST_TEST_REQUIRE(d.pending() == head.size());
            std::uint64_t fed = ws[0].size() + head.size(); // includes the message that fails
            dgw::compress::result r;
            for (std::size_t i = 2; i < ws.size() && !r.failed(); ++i) {
                r = d.feed(ws[i]);
                BOOST_TEST_REQUIRE(!r.has_message(), "seed " << seed << " cut " << cut << " message " << i);
                fed += ws[i].size();
            }
            BOOST_TEST_REQUIRE(r.failed(), "seed " << seed << " cut " << cut);
            BOOST_TEST(r.error == dgw::make_error_code(dgw::compress_errc::corrupt));
            BOOST_TEST(r.offset >= ws[0].size() + head.size());
            BOOST_TEST(r.offset <= fed);
        }
    }
}

BOOST_AUTO_TEST_CASE(bomb_stops_at_the_limit) {
    const std::string bomb = zlib_bomb(1024); // 1 GiB of zeros in about 1 MB
    BOOST_TEST_REQUIRE(bomb.size() < (2u << 20));
    zlib_stream d;
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = d.feed(bomb);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    BOOST_TEST_REQUIRE(r.failed());
    BOOST_TEST(r.error == dgw::make_error_code(dgw::compress_errc::too_large));
    BOOST_TEST(r.offset < bomb.size());
    BOOST_TEST(d.buffer_capacity() <= d.limits().max_message_size + 1);
    BOOST_TEST(d.counters().decompressed_out <= d.limits().max_message_size + 1);
    BOOST_TEST_MESSAGE("zlib bomb rejected after " << d.counters().decompressed_out << " bytes in " << secs << " s");
}

BOOST_AUTO_TEST_CASE(small_bomb_decodes_when_within_the_limit) {
    zlib_stream d(dgw::compress::limits{16u << 20});
    const auto r = d.feed(zlib_bomb(8));
    BOOST_TEST_REQUIRE(r.has_message());
    BOOST_TEST(r.message.size() == 8u << 20);
    BOOST_TEST(std::all_of(r.message.begin(), r.message.end(), [](char ch) { return ch == 0; }));
}

// The limit is checked while inflating, so a message spread over many websocket
// messages is rejected as soon as it passes the limit, not at its end.
BOOST_AUTO_TEST_CASE(limit_checked_before_the_message_ends) {
    const std::size_t limit = 100000;
    zlib_compressor c;
    std::string big;
    for (int i = 0; big.size() < 10 * limit; ++i) big += "{\"n\":" + std::to_string(i * 7919 % 10007) + "},";
    const std::string ws = c.compress(big);
    zlib_stream d(dgw::compress::limits{limit});
    const std::size_t piece = ws.size() / 50 + 1;
    std::size_t fed = 0;
    dgw::compress::result r;
    for (; fed < ws.size(); fed += piece) {
        r = d.feed(std::string_view(ws).substr(fed, piece));
        if (!r.needs_more()) break;
    }
    BOOST_TEST_REQUIRE(r.failed());
    BOOST_TEST(r.error == dgw::make_error_code(dgw::compress_errc::too_large));
    BOOST_TEST(fed < ws.size() / 2);
    BOOST_TEST(d.buffer_capacity() <= limit + 1);
}

BOOST_AUTO_TEST_CASE(limit_is_inclusive) {
    const std::size_t limit = 70000;
    zlib_compressor c;
    const std::string exact = c.compress(std::string(limit, 'x'));
    const std::string over = c.compress(std::string(limit + 1, 'y'));
    zlib_stream d(dgw::compress::limits{limit});
    const auto r = d.feed(exact);
    BOOST_TEST_REQUIRE(r.has_message());
    BOOST_TEST(r.message.size() == limit);
    const auto r2 = d.feed(over);
    BOOST_TEST_REQUIRE(r2.failed());
    BOOST_TEST(r2.error == dgw::make_error_code(dgw::compress_errc::too_large));
}

// Each connection has its own deflate context: a new one starts with a zlib header,
// which only a reset inflater accepts.
BOOST_AUTO_TEST_CASE(reset_between_connections) {
    const auto a = make_messages(50, 100);
    const auto b = make_messages(50, 200);
    const auto ws_a = compress_all(a);
    const auto ws_b = compress_all(b);
    zlib_stream d;
    for (std::size_t i = 0; i < a.size(); ++i) BOOST_TEST_REQUIRE(d.feed(ws_a[i]).message == a[i]);
    BOOST_TEST(d.feed(ws_b[0]).failed()); // the old context does not take a new stream

    d.reset();
    for (std::size_t i = 0; i < b.size(); ++i) BOOST_TEST_REQUIRE(d.feed(ws_b[i]).message == b[i]);
    // A reset in the middle of a message drops the partial message.
    d.reset();
    BOOST_TEST(d.feed(ws_a[0].substr(0, 10)).needs_more());
    d.reset();
    BOOST_TEST(d.pending() == 0u);
    for (std::size_t i = 0; i < a.size(); ++i) BOOST_TEST_REQUIRE(d.feed(ws_a[i]).message == a[i]);
    BOOST_TEST(d.counters().messages == 2 * a.size() + b.size());
}

// Discord never ends the stream; if a peer does, the last message still completes and
// anything after the end is corrupt.
BOOST_AUTO_TEST_CASE(data_after_stream_end_is_corrupt) {
    zlib_compressor c;
    const std::string first = c.compress(hello);
    const std::string last = c.compress("{\"op\":11}", Z_FINISH);
    zlib_stream d;
    BOOST_TEST_REQUIRE(d.feed(first).has_message());
    const auto r = d.feed(last);
    BOOST_TEST_REQUIRE(r.has_message());
    BOOST_TEST(r.message == "{\"op\":11}");
    const auto after = d.feed(first);
    BOOST_TEST_REQUIRE(after.failed());
    BOOST_TEST(after.error == dgw::make_error_code(dgw::compress_errc::corrupt));
    BOOST_TEST(after.offset == first.size() + last.size());
}

BOOST_AUTO_TEST_CASE(large_message_grows_the_buffer) {
    std::string big;
    std::mt19937_64 rng(1);
    while (big.size() < (3u << 20)) big += std::to_string(rng() % 1000) + ",";
    zlib_compressor c;
    zlib_stream d;
    const auto r = d.feed(c.compress(big));
    BOOST_TEST_REQUIRE(r.has_message());
    BOOST_TEST(r.message == big);
    BOOST_TEST(d.buffer_capacity() >= big.size());
}

BOOST_AUTO_TEST_SUITE_END()
