#include <dgw/inbound.hpp>

#include <dgw/etf/json.hpp>

#include <boost/json.hpp>

namespace dgw {
namespace {

bool fail(decode_error& err, codec_errc code, std::string path, std::string detail) {
    err.code = code;
    err.offset = 0;
    err.path = std::move(path);
    err.detail = std::move(detail);
    return false;
}

// Integers may arrive as int64 or uint64 (ETF bigs, JSON literals), and in ETF a whole
// number could be a float; accept any representation that is exactly an integer.
std::optional<std::int64_t> as_int(const boost::json::value* v) {
    if (v == nullptr) return std::nullopt;
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
        return static_cast<std::int64_t>(v->get_uint64());
    if (v->is_double()) {
        double d = v->get_double();
        if (d >= -9.0e18 && d <= 9.0e18 && d == static_cast<double>(static_cast<std::int64_t>(d)))
            return static_cast<std::int64_t>(d);
    }
    return std::nullopt;
}

std::string as_string(const boost::json::value* v) {
    if (v != nullptr && v->is_string()) return std::string(v->get_string());
    return {};
}

} // namespace

bool decode_inbound(std::string_view bytes, Encoding enc, inbound& out, decode_error& err) {
    out = inbound{};
    out.payload = bytes;
    out.encoding = enc;
    err = decode_error{};

    boost::json::value root;
    if (enc == Encoding::Json) {
        boost::system::error_code ec;
        root = boost::json::parse(bytes, ec);
        if (ec) return fail(err, codec_errc::syntax, "", ec.message());
    } else {
        root = etf::to_json(bytes, err);
        if (err) return false;
    }

    const boost::json::object* obj = root.if_object();
    if (obj == nullptr) return fail(err, codec_errc::not_an_object, "", "");
    auto op = as_int(obj->if_contains("op"));
    if (!op) return fail(err, codec_errc::missing_field, "op", "expected an integer opcode");
    if (*op < INT32_MIN || *op > INT32_MAX) return fail(err, codec_errc::number_out_of_range, "op", "");
    out.op = static_cast<int>(*op);

    const boost::json::value* d = obj->if_contains("d");
    const boost::json::object* dobj = d != nullptr ? d->if_object() : nullptr;
    switch (static_cast<Opcode>(out.op)) {
    case Opcode::Dispatch:
        // Only dispatches carry a meaningful s; taking it from any other op corrupts heartbeats.
        out.s = as_int(obj->if_contains("s"));
        out.t = as_string(obj->if_contains("t"));
        if (out.t == "READY" && dobj != nullptr) {
            out.session_id = as_string(dobj->if_contains("session_id"));
            out.resume_gateway_url = as_string(dobj->if_contains("resume_gateway_url"));
        }
        break;
    case Opcode::Hello: {
        auto iv = dobj != nullptr ? as_int(dobj->if_contains("heartbeat_interval")) : std::nullopt;
        if (!iv || *iv <= 0)
            return fail(err, codec_errc::missing_field, "d.heartbeat_interval", "Hello needs a positive interval");
        out.heartbeat_interval = *iv;
        break;
    }
    case Opcode::InvalidSession:
        out.resumable = d != nullptr && d->is_bool() && d->get_bool();
        break;
    default:
        break;
    }
    return true;
}

} // namespace dgw
