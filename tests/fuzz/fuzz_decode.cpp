// libFuzzer target for the typed decoder (dgw::decode), JSON and ETF: input starting with
// byte 131 is ETF, anything else JSON. Beyond "no crash, no sanitizer report":
//  - the hand-written JSON reader is never more lenient than Boost.JSON: whatever we
//    decode, boost::json::parse must accept too;
//  - a decoded message encodes and decodes again, to an equal message;
//  - ETF: the direct byte reader and the general etf::reader give the same answer
//    (equal messages, or the same error code, offset and path);
//  - decoding into a GatewayMessage that holds an earlier input's result gives the same
//    answer as decoding into a new one.
#include <dgw/gateway.hpp>

#include <boost/json/parse.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);
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
