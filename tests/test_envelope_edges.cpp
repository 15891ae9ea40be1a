// The envelope's edges, in both encodings from one table: each row is written once as a
// term and encoded to JSON text and to an ETF message, and both must give the same
// outcome: the same envelope on success; on failure the same code and path when the
// envelope or schema refuses a value, and the same decode_condition when the bytes
// themselves are bad (JSON and ETF notice a cut or trailing bytes in their own words).
#include <dgw/gateway.hpp>

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

using dgw::codec_errc;
using dgw::decode_condition;
using dgw::decode_error;
using dgw::Encoding;
using dgw::GatewayMessage;

/// One value in both encodings (the ETF term without its version byte).
struct term {
    std::string json, etf;
};

void be(std::string& out, std::uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i) & 0xFF));
}

term integer(std::int64_t v) {
    term t{std::to_string(v), {}};
    if (v >= 0 && v <= 255) {
        t.etf = {'\x61', static_cast<char>(v)};
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
        t.etf = "\x62";
        be(t.etf, static_cast<std::uint32_t>(v), 4);
    } else { // SMALL_BIG_EXT, little-endian magnitude, as Erlang writes it
        std::uint64_t mag = v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
        t.etf = {'\x6e', '\x08', v < 0 ? '\x01' : '\x00'};
        for (int i = 0; i < 8; ++i) t.etf.push_back(static_cast<char>(mag >> (8 * i) & 0xFF));
    }
    return t;
}
term unsigned_big(std::uint64_t v) {
    term t{std::to_string(v), {'\x6e', '\x08', '\x00'}};
    for (int i = 0; i < 8; ++i) t.etf.push_back(static_cast<char>(v >> (8 * i) & 0xFF));
    return t;
}
term real(double d) {
    term t{"1.5", "\x46"};
    std::uint64_t bits;
    std::memcpy(&bits, &d, 8);
    be(t.etf, bits, 8);
    return t;
}
term text(const std::string& s) { // a binary in ETF
    term t{"\"" + s + "\"", "\x6d"};
    be(t.etf, s.size(), 4);
    t.etf += s;
    return t;
}
term atom(const std::string& s) { // t as Discord's ETF sends it; a string in JSON
    term t{"\"" + s + "\"", "\x77"};
    t.etf.push_back(static_cast<char>(s.size()));
    t.etf += s;
    return t;
}
term null() { return {"null", std::string("\x77\x03nil", 5)}; }
term boolean(bool b) { return {b ? "true" : "false", b ? std::string("\x77\x04true", 6) : std::string("\x77\x05" "false", 7)}; }

term list(const std::vector<term>& xs) {
    if (xs.empty()) return {"[]", "\x6a"};
    term t{"[", "\x6c"};
    be(t.etf, xs.size(), 4);
    for (std::size_t i = 0; i < xs.size(); ++i) {
        t.json += (i ? "," : "") + xs[i].json;
        t.etf += xs[i].etf;
    }
    t.json += "]";
    t.etf += "\x6a";
    return t;
}
/// Keys in the given order, repeats allowed (neither encoding forbids writing them).
term object(const std::vector<std::pair<std::string, term>>& kv) {
    term t{"{", "\x74"};
    be(t.etf, kv.size(), 4);
    for (std::size_t i = 0; i < kv.size(); ++i) {
        t.json += (i ? ",\"" : "\"") + kv[i].first + "\":" + kv[i].second.json;
        t.etf += atom(kv[i].first).etf + kv[i].second.etf;
    }
    t.json += "}";
    return t;
}
term nested(std::size_t levels) { // [[[...]]] with `levels` lists
    term t{"[]", "\x6a"};
    for (std::size_t i = 1; i < levels; ++i) t = list({t});
    return t;
}

std::string wire(const term& t, Encoding enc) { return enc == Encoding::Json ? t.json : "\x83" + t.etf; }

const term user_update_d = object({{"id", text("5")}, {"username", text("u")}, {"discriminator", text("0")}});

/// What a row expects: success, an exact code (and path) refused by the envelope or
/// schema, or a condition of the bytes.
struct outcome {
    enum class kind { ok, code, condition } k = kind::ok;
    boost::system::error_code code;
    std::string path;
    decode_condition cond{};
};
outcome ok() { return {}; }
outcome refused(codec_errc c, std::string path) { return {outcome::kind::code, c, std::move(path), {}}; }
outcome bad_bytes(decode_condition c) { return {outcome::kind::condition, {}, {}, c}; }

struct row {
    const char* name;
    term message;
    outcome expect;
};

std::vector<row> rows() {
    const term d = user_update_d;
    const term t = atom("USER_UPDATE");
    return {
        {"complete", object({{"op", integer(0)}, {"s", integer(1)}, {"t", t}, {"d", d}}), ok()},
        {"d before op and t (Erlang's order)", object({{"d", d}, {"op", integer(0)}, {"s", integer(1)}, {"t", t}}), ok()},
        {"d between op and t", object({{"op", integer(0)}, {"d", d}, {"t", t}}), ok()},
        // ETF predicts t from the message's tail; here the tail is a nested "t" of an
        // unknown event, so d is first kept raw on that guess, then decoded on the real t.
        {"misleading tail", object({{"d", d}, {"op", integer(0)}, {"t", t}, {"x", object({{"t", atom("X_UNKNOWN")}})}}), ok()},
        {"unknown key skipped", object({{"op", integer(0)}, {"x", object({{"y", list({integer(1)})}})}, {"t", t}, {"d", d}}), ok()},
        {"s null", object({{"op", integer(0)}, {"s", null()}, {"t", t}, {"d", d}}), ok()},
        {"t null, op 11", object({{"op", integer(11)}, {"s", null()}, {"t", null()}, {"d", null()}}), ok()},
        {"no d", object({{"op", integer(11)}}), ok()},
        {"op only after d", object({{"d", null()}, {"op", integer(11)}}), ok()},
        {"op 2^31-1", object({{"op", integer(INT32_MAX)}, {"d", null()}}), ok()},
        {"s 2^63-1", object({{"op", integer(0)}, {"s", integer(INT64_MAX)}, {"t", t}, {"d", d}}), ok()},

        {"no op", object({{"s", integer(1)}, {"t", t}, {"d", d}}), refused(codec_errc::missing_field, "op")},
        {"empty object", object({}), refused(codec_errc::missing_field, "op")},
        {"op null", object({{"op", null()}, {"d", null()}}), refused(codec_errc::type_mismatch, "op")},
        {"op a string", object({{"op", text("1")}}), refused(codec_errc::type_mismatch, "op")},
        {"op a float", object({{"op", real(1.5)}}), refused(codec_errc::type_mismatch, "op")},
        {"op a boolean", object({{"op", boolean(true)}}), refused(codec_errc::type_mismatch, "op")},
        {"op an object", object({{"op", object({})}}), refused(codec_errc::type_mismatch, "op")},
        {"op negative", object({{"op", integer(-1)}}), refused(codec_errc::number_out_of_range, "op")},
        {"op 2^31", object({{"op", integer(std::int64_t{1} << 31)}}), refused(codec_errc::number_out_of_range, "op")},
        {"op 2^63 (uint64)", object({{"op", unsigned_big(std::uint64_t{1} << 63)}}), refused(codec_errc::number_out_of_range, "op")},
        {"op 2^64-1 (uint64)", object({{"op", unsigned_big(UINT64_MAX)}}), refused(codec_errc::number_out_of_range, "op")},
        {"op repeated", object({{"op", integer(0)}, {"op", integer(11)}}), refused(codec_errc::repeated_key, "op")},
        {"s a string", object({{"op", integer(0)}, {"s", text("1")}, {"t", t}, {"d", d}}), refused(codec_errc::type_mismatch, "s")},
        {"s negative", object({{"op", integer(0)}, {"s", integer(-5)}, {"t", t}, {"d", d}}), refused(codec_errc::number_out_of_range, "s")},
        {"s uint64", object({{"op", integer(0)}, {"s", unsigned_big(UINT64_MAX)}, {"t", t}, {"d", d}}), refused(codec_errc::number_out_of_range, "s")},
        {"s repeated", object({{"op", integer(0)}, {"s", integer(1)}, {"s", integer(2)}}), refused(codec_errc::repeated_key, "s")},
        {"t an integer", object({{"op", integer(0)}, {"t", integer(3)}, {"d", d}}), refused(codec_errc::type_mismatch, "t")},
        {"t a list", object({{"op", integer(0)}, {"t", list({})}, {"d", d}}), refused(codec_errc::type_mismatch, "t")},
        {"t repeated", object({{"op", integer(0)}, {"t", t}, {"t", t}, {"d", d}}), refused(codec_errc::repeated_key, "t")},
        {"d repeated", object({{"op", integer(0)}, {"t", t}, {"d", d}, {"d", d}}), refused(codec_errc::repeated_key, "d")},
        {"d of the wrong type", object({{"op", integer(0)}, {"t", t}, {"d", integer(5)}}), refused(codec_errc::type_mismatch, "d")},
        {"d of the wrong type, before t", object({{"d", integer(5)}, {"op", integer(0)}, {"t", t}}), refused(codec_errc::type_mismatch, "d")},
        {"d with a field of the wrong type",
         object({{"op", integer(0)}, {"t", t}, {"d", object({{"id", text("5")}, {"username", integer(7)}, {"discriminator", text("0")}})}}),
         refused(codec_errc::type_mismatch, "d.username")},
        {"a list", list({integer(0)}), refused(codec_errc::not_an_object, "")},
        {"a string", text("op"), refused(codec_errc::not_an_object, "")},
        {"an integer", integer(7), refused(codec_errc::not_an_object, "")},

        // Depth counts from the message root (the envelope is level 1): 512 levels in all
        // pass, 513 do not, whether d is decoded, kept raw, skipped, or an unknown key.
        {"unknown event, d at the depth limit", object({{"op", integer(0)}, {"t", atom("X")}, {"d", nested(511)}}), ok()},
        {"unknown event, d past the depth limit", object({{"op", integer(0)}, {"t", atom("X")}, {"d", nested(512)}}),
         bad_bytes(decode_condition::too_deep)},
        {"unknown event, d first, past the limit", object({{"d", nested(512)}, {"op", integer(0)}, {"t", atom("X")}}),
         bad_bytes(decode_condition::too_deep)},
        {"op 11, d past the limit", object({{"op", integer(11)}, {"d", nested(512)}}), bad_bytes(decode_condition::too_deep)},
        {"unknown key past the limit", object({{"op", integer(11)}, {"x", nested(512)}}), bad_bytes(decode_condition::too_deep)},
        {"unknown key at the limit", object({{"op", integer(11)}, {"x", nested(511)}}), ok()},
        {"typed d, a field past the limit",
         object({{"op", integer(0)}, {"t", t}, {"d", object({{"id", text("5")}, {"username", text("u")}, {"discriminator", text("0")}, {"zz", nested(511)}})}}),
         bad_bytes(decode_condition::too_deep)},
    };
}

struct result {
    bool ok;
    GatewayMessage m;
    decode_error err;
};

result run(const std::string& bytes, Encoding enc, const dgw::decode_options& opt = {}) {
    result r;
    // Each input in a heap block of exactly its size, so ASan sees a read past the end.
    std::unique_ptr<char[]> block(new char[bytes.empty() ? 1 : bytes.size()]);
    std::memcpy(block.get(), bytes.data(), bytes.size());
    r.ok = dgw::decode(std::string_view(block.get(), bytes.size()), enc, r.m, r.err, opt);
    return r;
}

void check(const row& rw, const outcome& want, const result& r, Encoding enc) {
    const char* e = enc == Encoding::Json ? "JSON" : "ETF";
    switch (want.k) {
    case outcome::kind::ok: BOOST_TEST(r.ok, rw.name << " (" << e << "): " << r.err.message()); break;
    case outcome::kind::code:
        BOOST_TEST(!r.ok, rw.name << " (" << e << ") was accepted");
        BOOST_TEST(r.err.code == want.code, rw.name << " (" << e << "): " << r.err.message());
        BOOST_TEST(r.err.path == want.path, rw.name << " (" << e << "): " << r.err.message());
        break;
    case outcome::kind::condition:
        BOOST_TEST(!r.ok, rw.name << " (" << e << ") was accepted");
        BOOST_TEST((r.err.code == want.cond), rw.name << " (" << e << "): " << r.err.message());
        break;
    }
}

} // namespace

BOOST_AUTO_TEST_SUITE(envelope_edges)

BOOST_AUTO_TEST_CASE(every_row_has_the_same_outcome_in_json_and_etf) {
    for (const row& rw : rows()) {
        const result j = run(wire(rw.message, Encoding::Json), Encoding::Json);
        const result x = run(wire(rw.message, Encoding::Etf), Encoding::Etf);
        check(rw, rw.expect, j, Encoding::Json);
        check(rw, rw.expect, x, Encoding::Etf);
        // The ETF reader alone (no direct source) must agree too.
        dgw::decode_options slow;
        slow.limits.etf_direct = false;
        check(rw, rw.expect, run(wire(rw.message, Encoding::Etf), Encoding::Etf, slow), Encoding::Etf);
        if (j.ok && x.ok) {
            BOOST_TEST(j.m.op == x.m.op, rw.name);
            BOOST_TEST((j.m.s == x.m.s), rw.name);
            BOOST_TEST(j.m.t == x.m.t, rw.name);
            BOOST_TEST((j.m.type == x.m.type), rw.name);
            BOOST_TEST(j.m.event.index() == x.m.event.index(), rw.name);
        }
    }
}

BOOST_AUTO_TEST_CASE(skipped_and_kept_d_refuse_the_same_nesting) {
    // A filtered event: its d is skipped (keep_raw off) or kept raw (keep_raw on).
    const dgw::event_set none;
    for (bool keep : {false, true}) {
        dgw::decode_options opt;
        opt.events = &none;
        opt.keep_raw = keep;
        const term deep = object({{"op", integer(0)}, {"t", atom("USER_UPDATE")}, {"d", nested(512)}});
        const term fine = object({{"op", integer(0)}, {"t", atom("USER_UPDATE")}, {"d", nested(511)}});
        for (Encoding enc : {Encoding::Json, Encoding::Etf}) {
            const result bad = run(wire(deep, enc), enc, opt);
            BOOST_TEST(!bad.ok, "keep_raw " << keep);
            BOOST_TEST((bad.err.code == decode_condition::too_deep), "keep_raw " << keep << ": " << bad.err.message());
            BOOST_TEST(run(wire(fine, enc), enc, opt).ok, "keep_raw " << keep);
        }
    }
}

BOOST_AUTO_TEST_CASE(trailing_bytes_are_refused_in_both) {
    const term m = object({{"op", integer(0)}, {"s", integer(1)}, {"t", atom("USER_UPDATE")}, {"d", user_update_d}});
    for (Encoding enc : {Encoding::Json, Encoding::Etf}) {
        const result r = run(wire(m, enc) + "x", enc);
        BOOST_TEST(!r.ok);
        BOOST_TEST((r.err.code == decode_condition::trailing_data), r.err.message());
        BOOST_TEST((r.err.code == decode_condition::malformed), r.err.message());
    }
}

BOOST_AUTO_TEST_CASE(a_cut_at_every_byte_is_truncation_in_both) {
    std::vector<term> messages;
    for (const row& rw : rows())
        if (rw.expect.k == outcome::kind::ok && rw.message.json.size() < 400) messages.push_back(rw.message);
    BOOST_TEST_REQUIRE(messages.size() >= 8u);
    for (const term& m : messages) {
        for (Encoding enc : {Encoding::Json, Encoding::Etf}) {
            const std::string full = wire(m, enc);
            for (std::size_t n = 0; n < full.size(); ++n) {
                const result r = run(full.substr(0, n), enc);
                BOOST_TEST(!r.ok, m.json << " cut at " << n);
                if (n == 0) continue; // nothing at all: JSON expects a value, ETF its version byte
                BOOST_TEST((r.err.code == decode_condition::truncated),
                           (enc == Encoding::Json ? "JSON " : "ETF ") << m.json << " cut at " << n << ": " << r.err.message());
            }
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
