// The transport decompressors' shared interface: factory, names, detection, errors.
#include <dgw/compress/decompressor.hpp>
#include <dgw/compress/zlib_stream.hpp>
#include <dgw/compress/zstd_stream.hpp>

#include "test_compress_util.hpp"

#include <boost/test/unit_test.hpp>

#include <type_traits>

using namespace dgw::compress;
using namespace dgw_test;

namespace {

std::vector<std::string> compress_for(transport t, const std::vector<std::string>& msgs) {
    std::vector<std::string> ws;
    if (t == transport::zlib_stream) {
        zlib_compressor c;
        for (const auto& m : msgs) ws.push_back(c.compress(m));
    } else {
        zstd_compressor c;
        for (const auto& m : msgs) ws.push_back(c.compress(m));
    }
    return ws;
}

} // namespace

BOOST_AUTO_TEST_SUITE(compress_common)

BOOST_AUTO_TEST_CASE(transport_names_round_trip) {
    BOOST_TEST(to_string(transport::zlib_stream) == "zlib-stream");
    BOOST_TEST(to_string(transport::zstd_stream) == "zstd-stream");
    BOOST_TEST((parse_transport("zlib-stream") == transport::zlib_stream));
    BOOST_TEST((parse_transport("zstd-stream") == transport::zstd_stream));
    BOOST_TEST(!parse_transport("zlib").has_value());
    BOOST_TEST(!parse_transport("").has_value());
    BOOST_TEST(!parse_transport("ZLIB-STREAM").has_value());
}

BOOST_AUTO_TEST_CASE(detection_by_magic_bytes) {
    for (const char* h : {"\x78\x01", "\x78\x5E", "\x78\x9C", "\x78\xDA"}) BOOST_TEST(looks_like_zlib(h));
    BOOST_TEST(!looks_like_zlib("x"));           // too short to tell
    BOOST_TEST(!looks_like_zlib("xyz"));         // 'x' but not a valid header checksum
    BOOST_TEST(!looks_like_zlib("{\"op\":10}")); // uncompressed JSON
    BOOST_TEST(!looks_like_zlib(std::string_view("\x83\x74", 2))); // ETF
    BOOST_TEST(looks_like_zstd(std::string_view("\x28\xB5\x2F\xFD\x00", 5)));
    BOOST_TEST(!looks_like_zstd(std::string_view("\x28\xB5\x2F", 3)));
    BOOST_TEST(!looks_like_zstd(std::string_view("\x78\x9C\x00\x00", 4)));
    BOOST_TEST((detect_transport(std::string_view("\x28\xB5\x2F\xFD", 4)) == transport::zstd_stream));
    BOOST_TEST((detect_transport("\x78\x9C") == transport::zlib_stream));
    BOOST_TEST(!detect_transport("{}").has_value());
}

BOOST_AUTO_TEST_CASE(factory_makes_each_kind) {
    for (transport t : {transport::zlib_stream, transport::zstd_stream}) {
        const auto d = make_decompressor(t, limits{1234});
        BOOST_TEST_REQUIRE(d != nullptr);
        BOOST_TEST((d->kind() == t));
        BOOST_TEST(d->limits().max_message_size == 1234u);
        BOOST_TEST(d->buffer_capacity() == 0u); // nothing allocated before the first message
        BOOST_TEST(!d->failed());
    }
    BOOST_TEST(limits{}.max_message_size == 64u << 20);
}

BOOST_AUTO_TEST_CASE(decompressors_are_neither_copyable_nor_movable) {
    static_assert(!std::is_copy_constructible_v<zlib_stream> && !std::is_move_constructible_v<zlib_stream>);
    static_assert(!std::is_copy_constructible_v<zstd_stream> && !std::is_move_constructible_v<zstd_stream>);
    static_assert(std::has_virtual_destructor_v<decompressor>);
    BOOST_TEST(true);
}

// The same caller code drives either transport through the interface; the first
// message tells the transport, as a capture tool would find it.
BOOST_AUTO_TEST_CASE(one_loop_for_both_transports) {
    const auto msgs = make_messages(400, 77);
    for (transport t : {transport::zlib_stream, transport::zstd_stream}) {
        const auto ws = compress_for(t, msgs);
        BOOST_TEST_REQUIRE((detect_transport(ws.front()) == t));
        const auto d = make_decompressor(*detect_transport(ws.front()));
        for (int connection = 0; connection < 2; ++connection) {
            for (std::size_t i = 0; i < msgs.size(); ++i) {
                const result r = d->feed(ws[i]);
                BOOST_TEST_REQUIRE(r.has_message());
                BOOST_TEST_REQUIRE(!r.needs_more());
                BOOST_TEST_REQUIRE(!r.failed());
                BOOST_TEST_REQUIRE(r.message == msgs[i]);
            }
            d->reset();
        }
        BOOST_TEST(d->counters().messages == 2 * msgs.size());
    }
}

// Garbage is rejected by both with a compression-category error and a byte offset.
BOOST_AUTO_TEST_CASE(errors_are_in_the_compress_category) {
    for (transport t : {transport::zlib_stream, transport::zstd_stream}) {
        const auto d = make_decompressor(t);
        const result r = d->feed("this is not compressed at all, not even a little");
        BOOST_TEST_REQUIRE(r.failed());
        BOOST_TEST(r.message.empty());
        BOOST_TEST(&r.error.category() == &dgw::compress_category());
        BOOST_TEST(std::string(r.error.category().name()) == "dgw.compress");
        BOOST_TEST(!r.error.message().empty());
        BOOST_TEST(r.offset <= 4u);
        BOOST_TEST(d->failed());
        d->reset();
        BOOST_TEST(!d->failed());
    }
    BOOST_TEST(dgw::make_error_code(dgw::compress_errc::too_large).message() ==
               "decompressed message exceeds the size limit");
}

BOOST_AUTO_TEST_SUITE_END()
