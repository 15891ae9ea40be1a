// libFuzzer target for the typed decoder (dgw::decode), JSON and ETF: input starting with
// byte 131 is ETF, anything else JSON. Beyond "no crash, no sanitizer report":
//  - the hand-written JSON reader is never more lenient than Boost.JSON: whatever we
//    decode, boost::json::parse must accept too;
//  - a decoded message encodes and decodes again, to an equal message;
//  - ETF: the direct byte reader and the general etf::reader give the same answer
//    (equal messages, or the same error code, offset and path);
//  - decoding into a GatewayMessage that holds an earlier input's result gives the same
//    answer as decoding into a new one;
//  - with unknown fields kept, nothing is accepted that is refused without (JSON: the
//    same verdict), both ETF paths agree, and encoding reaches a fixed point: what the
//    encoder writes decodes and encodes again, in both encodings, to the same bytes
//    within three rounds;
//  - with mismatched values set aside (keep_mismatched), nothing refused before is refused
//    now, a message is accepted only where the strict decode accepts it or some value was
//    set aside (each report names a code and a path in d), both ETF paths report the same,
//    and what decodes encodes and decodes again.
//  - the same bytes as MessagePack (what a worker reads from a stream): msgpack_to_json_text
//    either fails saying why or writes JSON that Boost.JSON parses, and MessagePack made
//    from that JSON reads back to a fixed point within two rounds.
#include <dgw/codec/encode.hpp>
#include <dgw/gateway.hpp>

#include <boost/json/parse.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

void check_msgpack(std::string_view in) {
    std::string text;
    dgw::decode_error e;
    if (!dgw::codec::msgpack_to_json_text(in, text, e)) {
        if (!e.code) std::abort();
        return;
    }
    boost::json::parse_options po;
    po.max_depth = 1024;
    boost::system::error_code ec;
    boost::json::parse(text, ec, {}, po);
    if (ec) std::abort();
    // Integers beyond +-2^53 become strings on the way back: one round reaches the fixed point.
    std::string packed, text2, packed2, text3;
    if (!dgw::codec::json_text_to_msgpack(text, packed, e) || !dgw::codec::msgpack_to_json_text(packed, text2, e))
        std::abort();
    if (!dgw::codec::json_text_to_msgpack(text2, packed2, e) || !dgw::codec::msgpack_to_json_text(packed2, text3, e))
        std::abort();
    if (text3 != text2 || packed2 != packed) std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    check_msgpack(in);
    const dgw::Encoding enc = !in.empty() && data[0] == 131 ? dgw::Encoding::Etf : dgw::Encoding::Json;
    dgw::decode_options opt;
    opt.keep_raw = true;
    dgw::GatewayMessage m;
    dgw::decode_error err;
    const bool ok = dgw::decode(in, enc, m, err, opt);
    if (!ok && !err.code) std::abort(); // a failure must say what failed
    static dgw::GatewayMessage used;     // whatever the previous inputs left in it
    dgw::decode_error eu;
    const bool ok_used = dgw::decode(in, enc, used, eu, opt);
    if (ok != ok_used || (ok && !(m == used)) || (!ok && eu.message() != err.message())) std::abort();
    if (enc == dgw::Encoding::Etf) {
        dgw::decode_options slow = opt;
        slow.limits.etf_direct = false;
        dgw::GatewayMessage ms;
        dgw::decode_error es;
        const bool ok_slow = dgw::decode(in, enc, ms, es, slow);
        if (ok != ok_slow) std::abort();
        if (ok && !(m == ms)) std::abort();
        if (!ok && (err.code != es.code || err.offset != es.offset || err.path != es.path)) std::abort();
    }
    {
        dgw::decode_options keep = opt;
        keep.limits.keep_unknown = true;
        dgw::GatewayMessage mk;
        dgw::decode_error ek;
        const bool ok_keep = dgw::decode(in, enc, mk, ek, keep);
        if (ok_keep && !ok) std::abort();
        if (enc == dgw::Encoding::Json && ok_keep != ok) std::abort();
        if (enc == dgw::Encoding::Etf) {
            keep.limits.etf_direct = false;
            dgw::GatewayMessage mks;
            dgw::decode_error eks;
            const bool ok_keep_slow = dgw::decode(in, enc, mks, eks, keep);
            if (ok_keep != ok_keep_slow || (ok_keep && !(mk == mks))) std::abort();
            if (!ok_keep && (ek.code != eks.code || ek.offset != eks.offset)) std::abort();
            keep.limits.etf_direct = true;
        }
        if (ok_keep) {
            for (const auto out_enc : {dgw::Encoding::Json, dgw::Encoding::Etf}) {
                std::string first, second;
                if (!dgw::encode(mk, out_enc, first, ek)) {
                    if (out_enc == enc || !ek) std::abort(); // only a raw d's conversion may fail
                    continue;
                }
                // A few rounds may still move fields: a value the typed member holds in a form
                // the decoder then keeps as received (a snowflake small enough for an ETF
                // INTEGER_EXT) joins the unknown fields, which are written sorted after the
                // known ones. The bytes must settle within three rounds, every round decoding.
                bool settled = false;
                for (int round = 0; round < 3 && !settled; ++round) {
                    dgw::GatewayMessage again_m;
                    if (!dgw::decode(first, out_enc, again_m, ek, keep) || !dgw::encode(again_m, out_enc, second, ek))
                        std::abort();
                    settled = first == second;
                    first.swap(second);
                    second.clear();
                }
                if (!settled) std::abort();
            }
        }
    }
    {
        dgw::decode_options lenient = opt;
        lenient.keep_mismatched = true;
        dgw::GatewayMessage ml;
        dgw::decode_error el;
        const bool ok_len = dgw::decode(in, enc, ml, el, lenient);
        if (ok && !ok_len) std::abort();
        if (ok_len && !ok && ml.mismatched.empty()) std::abort();
        for (const auto& e : ml.mismatched)
            if (!e.code || e.path.rfind("d", 0) != 0) std::abort();
        if (enc == dgw::Encoding::Etf) {
            lenient.limits.etf_direct = false;
            dgw::GatewayMessage mls;
            dgw::decode_error els;
            const bool ok_len_slow = dgw::decode(in, enc, mls, els, lenient);
            if (ok_len != ok_len_slow || (ok_len && !(ml == mls))) std::abort();
            lenient.limits.etf_direct = true;
        }
        if (ok_len) {
            for (const auto out_enc : {dgw::Encoding::Json, dgw::Encoding::Etf}) {
                std::string out;
                if (!dgw::encode(ml, out_enc, out, el)) {
                    if (out_enc == enc || !el) std::abort(); // only a raw d's conversion may fail
                    continue;
                }
                dgw::GatewayMessage back;
                if (!dgw::decode(out, out_enc, back, el, lenient)) std::abort();
            }
        }
    }
    if (!ok) return 0;
    if (enc == dgw::Encoding::Json) {
        boost::system::error_code ec;
        (void)boost::json::parse(in, ec);
        if (ec) std::abort(); // accepted text Boost.JSON rejects
    }
    std::string again;
    if (!dgw::encode(m, enc, again, err)) std::abort(); // nothing to convert: cannot fail
    // Into the other encoding a kept raw d is converted, which may fail, but only cleanly.
    std::string other;
    const auto other_enc = enc == dgw::Encoding::Json ? dgw::Encoding::Etf : dgw::Encoding::Json;
    if (!dgw::encode(m, other_enc, other, err) && (!err || !other.empty())) std::abort();
    dgw::GatewayMessage m2;
    if (!dgw::decode(again, enc, m2, err, opt)) std::abort();
    return 0;
}
