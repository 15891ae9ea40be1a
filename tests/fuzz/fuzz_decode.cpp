// libFuzzer target for the typed decoder (dgw::decode), JSON and ETF: input starting with
// byte 131 is ETF, anything else JSON. Beyond "no crash, no sanitizer report":
//  - the hand-written JSON reader is never more lenient than Boost.JSON: whatever we
//    decode, boost::json::parse must accept too;
//  - a decoded message encodes and decodes again, to an equal message.
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
    dgw::DecodeOptions opt;
    opt.keep_raw = true;
    dgw::GatewayMessage m;
    dgw::decode_error err;
    if (!dgw::decode(in, enc, m, err, opt)) {
        if (!err.code) std::abort(); // a failure must say what failed
        return 0;
    }
    if (enc == dgw::Encoding::Json) {
        boost::system::error_code ec;
        (void)boost::json::parse(in, ec);
        if (ec) std::abort(); // accepted text Boost.JSON rejects
    }
    std::string again;
    dgw::encode(m, enc, again);
    dgw::GatewayMessage m2;
    if (!dgw::decode(again, enc, m2, err, opt)) std::abort();
    return 0;
}
