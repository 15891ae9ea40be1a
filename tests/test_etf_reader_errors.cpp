// etf::reader on malformed and hostile input: rejected tags, lying lengths, depth, UTF-8,
// COMPRESSED bombs, truncation at every byte, and skip_value against the token walk.
#include "test_etf_util.hpp"

#include <dgw/etf/reader.hpp>

#include <boost/test/unit_test.hpp>

#include <zlib.h>

using dgw::etf_errc;
using etf_test::bytes;
using etf_test::walk;

namespace {

struct bad_case {
    const char* name;
    std::string in;
    etf_errc code;
    std::size_t offset;
};

void check(const bad_case& c, dgw::etf::limits lim = {}) {
    BOOST_TEST_CONTEXT(c.name) {
        auto r = walk(c.in, lim);
        BOOST_TEST(!r.ok);
        BOOST_TEST(r.err.code.message() == make_error_code(c.code).message());
        BOOST_TEST(r.err.offset == c.offset);
    }
}

std::string be32(std::uint32_t v) {
    std::string s;
    for (int k = 24; k >= 0; k -= 8) s.push_back(static_cast<char>(v >> k));
    return s;
}

std::string compressed(const std::string& inner, std::uint32_t declared, int trim = 0, std::string extra = {}) {
    uLongf zlen = compressBound(inner.size());
    std::string z(zlen, '\0');
    compress(reinterpret_cast<Bytef*>(z.data()), &zlen, reinterpret_cast<const Bytef*>(inner.data()), inner.size());
    z.resize(zlen - static_cast<uLongf>(trim));
    return bytes("83 50") + be32(declared) + z + extra;
}

const char* hello = R"(83 74 00 00 00 04 64 00 01 "d" 74 00 00 00 01 64 00 12 "heartbeat_interval"
    62 00 00 A1 22 64 00 02 "op" 61 0A 64 00 01 "s" 64 00 03 "nil" 64 00 01 "t" 64 00 03 "nil")";

} // namespace

BOOST_AUTO_TEST_SUITE(etf_reader_errors)

BOOST_AUTO_TEST_CASE(rejected_tags) {
    // Tags Discord never sends: bit binaries, atom cache refs, refs, ports, pids, funs, ...
    for (int tg : {77, 82, 101, 102, 103, 112, 113, 114, 117, 0, 1, 69, 88, 89, 90, 120, 255}) {
        std::string in = bytes("83 6C 00 00 00 01") + std::string(1, static_cast<char>(tg)) + std::string(16, '\0');
        auto r = walk(in);
        BOOST_TEST_CONTEXT("tag " << tg) {
            BOOST_TEST((r.err.code == etf_errc::unknown_tag));
            BOOST_TEST(r.err.offset == 6u);
            BOOST_TEST(r.err.detail.find(std::to_string(tg)) != std::string::npos);
        }
    }
    // COMPRESSED is only valid right after the version byte.
    check({"nested compressed", bytes("83 6C 00 00 00 01 50 00 00 00 01 78 9C"), etf_errc::unknown_tag, 6});
}

BOOST_AUTO_TEST_CASE(corruption_table) {
    const bad_case cases[] = {
        {"empty", "", etf_errc::truncated, 0},
        {"version only", bytes("83"), etf_errc::truncated, 1},
        {"bad version", bytes("82 61 01"), etf_errc::bad_version, 0},
        {"trailing", bytes("83 61 01 00"), etf_errc::trailing_data, 3},
        {"binary len 2^32-1", bytes("83 6D FF FF FF FF 61"), etf_errc::length_too_large, 1},
        {"binary len 2^31", bytes("83 6D 80 00 00 00 61"), etf_errc::length_too_large, 1},
        {"binary len one too many", bytes("83 6D 00 00 00 03 61 62"), etf_errc::length_too_large, 1},
        {"list n 2^32-1", bytes("83 6C FF FF FF FF 6A"), etf_errc::length_too_large, 1},
        {"list without room for its tail", bytes("83 6C 00 00 00 02 61 01"), etf_errc::length_too_large, 1},
        {"map n 2^32-1 (2n overflows u32)", bytes("83 74 FF FF FF FF 61 01"), etf_errc::length_too_large, 1},
        {"map n 2^31", bytes("83 74 80 00 00 00 61 01"), etf_errc::length_too_large, 1},
        {"large tuple 2^32-2", bytes("83 69 FF FF FF FE 6A"), etf_errc::length_too_large, 1},
        {"small tuple 255", bytes("83 68 FF 6A"), etf_errc::length_too_large, 1},
        {"string len 0xFFFF", bytes("83 6B FF FF 01"), etf_errc::length_too_large, 1},
        {"atom len 0xFFFF", bytes("83 64 FF FF 61"), etf_errc::length_too_large, 1},
        {"small atom len 200", bytes("83 73 C8 61"), etf_errc::length_too_large, 1},
        {"large big n 2^32-1", bytes("83 6F FF FF FF FF 00 01"), etf_errc::length_too_large, 1},
        {"small big n 9 of 1", bytes("83 6E 09 00 01"), etf_errc::length_too_large, 1},
        {"big 2^64", bytes("83 6E 09 00 00 00 00 00 00 00 00 00 01"), etf_errc::big_too_large, 1},
        {"big -(2^63+1)", bytes("83 6E 08 01 01 00 00 00 00 00 00 80"), etf_errc::big_too_large, 1},
        {"big -(2^64-1)", bytes("83 6E 08 01 FF FF FF FF FF FF FF FF"), etf_errc::big_too_large, 1},
        {"large big 2^64", bytes("83 6F 00 00 00 09 00 00 00 00 00 00 00 00 00 01"), etf_errc::big_too_large, 1},
        {"atom 256 chars", bytes("83 64 01 00") + std::string(256, 'a'), etf_errc::bad_atom, 1},
        {"utf8 atom 1021 bytes", bytes("83 76 03 FD") + std::string(1021, 'a'), etf_errc::bad_atom, 1},
        {"NaN", bytes("83 46 7F F8 00 00 00 00 00 00"), etf_errc::bad_float, 1},
        {"+inf", bytes("83 46 7F F0 00 00 00 00 00 00"), etf_errc::bad_float, 1},
        {"FLOAT_EXT garbage", bytes("83 63") + std::string(31, 'x'), etf_errc::bad_float, 1},
        {"FLOAT_EXT empty", bytes("83 63") + std::string(31, '\0'), etf_errc::bad_float, 1},
        {"FLOAT_EXT short", bytes("83 63 31 2E 30"), etf_errc::truncated, 1},
        {"binary invalid utf8", bytes("83 6D 00 00 00 02 C3 28"), etf_errc::invalid_utf8, 1},
        {"binary overlong", bytes("83 6D 00 00 00 02 C0 AF"), etf_errc::invalid_utf8, 1},
        {"binary surrogate", bytes("83 6D 00 00 00 03 ED A0 80"), etf_errc::invalid_utf8, 1},
        {"binary > U+10FFFF", bytes("83 6D 00 00 00 04 F4 90 80 80"), etf_errc::invalid_utf8, 1},
        {"binary cut sequence", bytes("83 6D 00 00 00 0A 61 61 61 61 61 61 61 61 61 E2"), etf_errc::invalid_utf8, 1},
        {"utf8 atom invalid", bytes("83 77 01 FF"), etf_errc::invalid_utf8, 1},
        {"utf8 atom key invalid", bytes("83 74 00 00 00 01 77 01 FF 61 01"), etf_errc::invalid_utf8, 6},
        {"binary key invalid", bytes("83 74 00 00 00 01 6D 00 00 00 01 FF 61 01"), etf_errc::invalid_utf8, 6},
        {"string key invalid utf8", bytes("83 74 00 00 00 01 6B 00 01 FF 61 01"), etf_errc::invalid_utf8, 6},
        {"float key", bytes("83 74 00 00 00 01 46 3F E0 00 00 00 00 00 00 61 01"), etf_errc::unexpected_type, 6},
        {"map key", bytes("83 74 00 00 00 01 74 00 00 00 00 61 01"), etf_errc::unexpected_type, 6},
        {"nil key", bytes("83 74 00 00 00 01 6A 61 01"), etf_errc::unexpected_type, 6},
        {"list key", bytes("83 74 00 00 00 01 6C 00 00 00 00 6A 61 01"), etf_errc::unexpected_type, 6},
        {"unknown key tag", bytes("83 74 00 00 00 01 67 61 01"), etf_errc::unknown_tag, 6},
        {"missing list tail", bytes("83 6C 00 00 00 01 61 01"), etf_errc::truncated, 8},
        {"error deep inside", bytes(R"(83 74 00 00 00 01 64 00 01 "d" 68 02 61 01 6E 09 00 00 00 00 00 00 00 00 01 01)"),
         etf_errc::big_too_large, 14},
    };
    for (const auto& c : cases) check(c);
}

BOOST_AUTO_TEST_CASE(utf8_validation_can_be_disabled) {
    dgw::etf::limits lim;
    lim.validate_utf8 = false;
    BOOST_TEST(walk(bytes("83 6D 00 00 00 02 C3 28"), lim).ok);
    BOOST_TEST(walk(bytes("83 77 01 FF"), lim).ok);
}

BOOST_AUTO_TEST_CASE(depth_limit) {
    auto nested = [](int n) {
        std::string in = "\x83";
        for (int k = 0; k < n; ++k) in += bytes("6C 00 00 00 01");
        in += bytes("6A");
        for (int k = 0; k < n; ++k) in += bytes("6A");
        return in;
    };
    dgw::etf::limits lim;
    lim.max_depth = 10;
    BOOST_TEST(walk(nested(9), lim).ok);                     // 9 lists + the innermost []
    check({"11 deep, limit 10", nested(10), etf_errc::too_deep, 51}, lim);
    BOOST_TEST(walk(nested(511)).ok);                        // default limit 512
    check({"513 deep, default", nested(512), etf_errc::too_deep, 1 + 512 * 5});
    lim.max_depth = 0;
    BOOST_TEST(walk(bytes("83 61 01"), lim).ok);             // scalars need no depth
    check({"limit 0", bytes("83 6A"), etf_errc::too_deep, 1}, lim);
    lim.max_depth = 100000;
    BOOST_TEST(walk(nested(5000), lim).ok);                  // no recursion: deep is fine
}

BOOST_AUTO_TEST_CASE(compressed_errors) {
    const std::string inner = bytes(hello).substr(1);
    const auto n = static_cast<std::uint32_t>(inner.size());
    BOOST_TEST(walk(compressed(inner, n)).ok);
    dgw::etf::limits small;
    small.max_compressed_size = n - 1;
    check({"declared size over the limit", compressed(inner, n), etf_errc::compressed_too_large, 1}, small);
    // A bomb: 1 GiB declared; the default limit is 64 MiB.
    check({"bomb", compressed(inner, 1u << 30), etf_errc::compressed_too_large, 1});
    // Within the limit, but more than the compressed bytes could ever produce.
    check({"impossible size", compressed(inner, 60u << 20), etf_errc::compressed_corrupt, 1});
    check({"size lies (larger)", compressed(inner, n + 1), etf_errc::compressed_corrupt, 1});
    check({"size lies (smaller)", compressed(inner, n - 1), etf_errc::compressed_corrupt, 1});
    check({"size zero", compressed(inner, 0), etf_errc::compressed_corrupt, 1});
    check({"zlib cut short", compressed(inner, n, 6), etf_errc::truncated, 1});
    std::string garbage = compressed(inner, n);
    garbage[8] = static_cast<char>(garbage[8] ^ 0x55);
    garbage[9] = static_cast<char>(garbage[9] ^ 0x55);
    auto g = walk(garbage);
    BOOST_TEST(!g.ok);
    BOOST_TEST((g.err.code == etf_errc::compressed_corrupt || g.err.code == etf_errc::truncated));
    const std::string trailing = compressed(inner, n, 0, "xy");
    check({"bytes after the zlib stream", trailing, etf_errc::trailing_data, trailing.size() - 2});
    check({"header cut", bytes("83 50 00 00"), etf_errc::truncated, 1});
    // Errors inside the inflated term are reported at inflated offsets, and say so.
    const std::string bad_inner = bytes("6C 00 00 00 01 4D 6A");
    auto r = walk(compressed(bad_inner, static_cast<std::uint32_t>(bad_inner.size())));
    BOOST_TEST((r.err.code == etf_errc::unknown_tag));
    BOOST_TEST(r.err.offset == 5u);
    BOOST_TEST(r.err.detail.find("inflated") != std::string::npos);
    const std::string long_inner = bytes("61 01 61 02");
    check({"inflated trailing", compressed(long_inner, 4), etf_errc::trailing_data, 2});
}

BOOST_AUTO_TEST_CASE(errors_are_sticky) {
    const std::string in = bytes("83 6C 00 00 00 02 61 01 4D 61 02 6A");
    dgw::etf::reader r(in);
    dgw::etf::token t;
    BOOST_TEST(r.next(t));
    BOOST_TEST(r.next(t));
    BOOST_TEST(!r.next(t));
    const auto first = r.error();
    BOOST_TEST(!r.next(t));
    BOOST_TEST(!r.skip_value());
    BOOST_TEST((r.error().code == first.code));
    BOOST_TEST(r.error().offset == first.offset);
}

BOOST_AUTO_TEST_CASE(truncation_at_every_byte) {
    std::vector<std::string> terms = {
        bytes(hello),
        bytes(R"(83 74 00 00 00 02 77 01 "d" 74 00 00 00 01 77 02 "hb" 61 01 77 02 "op" 6D 00 00 00 01 "x")"),
        bytes("83 6E 08 00 00 20 80 C0 08 23 21 01"),
        bytes("83 6C 00 00 00 02 6B 00 02 00 01 6C 00 00 00 01 61 01 61 02 6A"),
        bytes(R"(83 68 03 46 3F E0 00 00 00 00 00 00 76 00 02 C3 A9 6F 00 00 00 01 00 07)"),
        compressed(bytes(hello).substr(1), static_cast<std::uint32_t>(bytes(hello).size() - 1)),
    };
    for (const auto& m : etf_test::sample_messages()) terms.push_back(m);
    for (const auto& term : terms) {
        BOOST_TEST(walk(term).ok);
        for (std::size_t len = 0; len < term.size(); ++len) {
            const std::string prefix = term.substr(0, len);
            auto r = walk(prefix);
            BOOST_TEST_CONTEXT("prefix " << len << " of " << term.size()) {
                BOOST_TEST(!r.ok);
                const bool expected = r.err.code == etf_errc::truncated || r.err.code == etf_errc::length_too_large;
                BOOST_TEST(expected, r.err.message());
                BOOST_TEST(r.err.offset <= len);
            }
            dgw::etf::reader s(prefix);
            BOOST_TEST(!s.skip_value());
        }
    }
}

namespace {

// The token stream of `in` as (text, depth change) pairs, for skip_value comparisons.
std::vector<std::string> all_tokens(const std::string& in) {
    auto r = walk(in);
    BOOST_REQUIRE(r.ok);
    return r.tokens;
}

bool is_begin(const std::string& t) { return t[0] == '{' || t[0] == '['; }
bool is_end(const std::string& t) { return t[0] == '}' || t[0] == ']' || t == "$"; }

} // namespace

BOOST_AUTO_TEST_CASE(skip_value_at_every_token) {
    std::vector<std::string> msgs = {
        bytes(hello),
        bytes("83 6C 00 00 00 02 6B 00 02 00 01 6C 00 00 00 01 61 01 68 01 61 02 6A"),
        bytes("83 6C 00 00 00 01 61 01 74 00 00 00 01 61 05 6A"), // improper tail that is a map
        bytes("83 61 05"),
    };
    for (const auto& m : etf_test::sample_messages()) msgs.push_back(m);
    for (const auto& m : msgs) {
        const auto full = all_tokens(m);
        for (std::size_t k = 0; k < full.size(); ++k) {
            BOOST_TEST_CONTEXT("token " << k << " (" << full[k] << ")") {
                dgw::etf::reader r(m);
                dgw::etf::token t;
                for (std::size_t j = 0; j < k; ++j) BOOST_REQUIRE(r.next(t));
                if (is_end(full[k])) {
                    BOOST_TEST(!r.skip_value());
                    BOOST_TEST((r.error().code == etf_errc::unexpected_type));
                    continue;
                }
                std::size_t stop = k + 1;
                if (is_begin(full[k]))
                    for (int d = 1; d > 0; ++stop) d += is_begin(full[stop]) ? 1 : is_end(full[stop]) ? -1 : 0;
                const std::size_t depth = r.depth();
                BOOST_REQUIRE(r.skip_value());
                BOOST_TEST(r.depth() == depth);
                std::vector<std::string> rest;
                while (r.next(t)) {
                    rest.push_back(etf_test::render(t));
                    if (t.kind == dgw::etf::token_kind::end) break;
                }
                BOOST_TEST(!r.error());
                const std::vector<std::string> want(full.begin() + static_cast<std::ptrdiff_t>(stop), full.end());
                BOOST_TEST(rest == want, boost::test_tools::per_element());
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(skip_value_checks_structure_not_content) {
    // Invalid UTF-8 and a too-large big are skipped without complaint...
    const std::string lax = bytes("83 6C 00 00 00 02 6D 00 00 00 01 FF 6E 09 00 00 00 00 00 00 00 00 00 01 6A");
    dgw::etf::reader a(lax);
    BOOST_TEST(a.skip_value());
    dgw::etf::token t;
    BOOST_TEST(a.next(t));
    BOOST_TEST((t.kind == dgw::etf::token_kind::end));
    // ...but unknown tags, lying counts and trailing bytes are not. A lying count is caught
    // at the first term after which the input cannot hold the terms still owed.
    const bad_case cases[] = {
        {"unknown tag", bytes("83 6C 00 00 00 01 67 6A"), etf_errc::unknown_tag, 6},
        {"map count lies", bytes("83 74 00 00 00 02 61 01 61 02 61 03"), etf_errc::length_too_large, 10},
        {"nested count lies", bytes("83 6C 00 00 00 01 68 03 61 01 61 02 6A"), etf_errc::length_too_large, 10},
        {"nested compressed", bytes("83 68 01 50 00 00 00 01 00"), etf_errc::unknown_tag, 3},
    };
    for (const auto& c : cases) {
        dgw::etf::reader r(c.in);
        BOOST_TEST_CONTEXT(c.name) {
            BOOST_TEST(!r.skip_value());
            BOOST_TEST((r.error().code == c.code));
            BOOST_TEST(r.error().offset == c.offset);
        }
    }
    const std::string trailing = bytes("83 61 01 61");
    dgw::etf::reader tr(trailing);
    BOOST_TEST(tr.skip_value());
    BOOST_TEST(!tr.next(t));
    BOOST_TEST((tr.error().code == etf_errc::trailing_data));
    const std::string one = bytes("83 61 01");
    dgw::etf::reader done(one);
    BOOST_TEST(done.skip_value());
    BOOST_TEST(!done.skip_value());
    BOOST_TEST((done.error().code == etf_errc::unexpected_type));
    // skip_value also works over COMPRESSED.
    const std::string inner = bytes(hello).substr(1);
    const std::string z = compressed(inner, static_cast<std::uint32_t>(inner.size()));
    dgw::etf::reader c(z);
    BOOST_TEST(c.skip_value());
    BOOST_TEST(c.next(t));
    BOOST_TEST((t.kind == dgw::etf::token_kind::end));
}

BOOST_AUTO_TEST_SUITE_END()
