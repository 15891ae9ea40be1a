// Encoding, compression and client payload checks of one connection (wire.hpp).
#include "wire.hpp"

#include <dgw/etf/json.hpp>
#include <dgw/etf/reader.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

namespace dgw::tool::serve {

std::optional<gateway_query> parse_gateway_query(std::string_view target, std::string& why) {
    auto u = boost::urls::parse_origin_form(target);
    if (!u) {
        why = "bad request target";
        return std::nullopt;
    }
    gateway_query q;
    for (auto p : u->params()) {
        if (p.key == "v") {
            q.v = p.value;
        } else if (p.key == "encoding") {
            if (p.value == "json") q.encoding = Encoding::Json;
            else if (p.value == "etf") q.encoding = Encoding::Etf;
            else {
                why = "encoding must be json or etf";
                return std::nullopt;
            }
        } else if (p.key == "compress") {
            if (p.value == "zlib-stream") q.compress = compress::transport::zlib_stream;
            else if (p.value == "zstd-stream") q.compress = compress::transport::zstd_stream;
            else if (p.value == "none" || p.value.empty()) q.compress.reset();
            else {
                why = "compress must be zlib-stream or zstd-stream";
                return std::nullopt;
            }
        }
    }
    return q;
}

wire_writer::wire_writer(Encoding enc, std::optional<compress::transport> comp) : enc_(enc), comp_(comp) {
    if (comp_) c_ = make_compressor(*comp_, std::nullopt);
}

void wire_writer::encode(const boost::json::object& msg, std::string& out) const {
    if (enc_ == Encoding::Json) out += boost::json::serialize(msg);
    else etf::from_json(msg, out, {.atom_keys = true});
}

std::string_view wire_writer::frame(std::string_view msg) { return c_ ? c_->compress(msg) : msg; }

namespace {

// True when some map key of the ETF message is an atom (Discord: 4002 for clients).
bool has_atom_keys(std::string_view bytes) {
    etf::reader r(bytes);
    etf::token t;
    while (r.next(t)) {
        if (t.kind == etf::token_kind::key && t.atom) return true;
        if (t.kind == etf::token_kind::end) break;
    }
    return false;
}

} // namespace

std::string parse_client_payload(std::string_view bytes, Encoding enc, boost::json::object& out) {
    if (bytes.size() > max_client_payload)
        return "payload of " + std::to_string(bytes.size()) + " bytes, over 4096";
    boost::json::value v;
    if (enc == Encoding::Json) {
        boost::system::error_code ec;
        v = boost::json::parse(bytes, ec);
        if (ec) return "not JSON: " + ec.message();
    } else {
        decode_error err;
        v = etf::to_json(bytes, err);
        if (err) return "not ETF: " + err.message();
        if (has_atom_keys(bytes)) return "ETF with atom keys (clients must send binary keys)";
    }
    if (!v.is_object()) return "not an object";
    const auto* op = v.as_object().if_contains("op");
    if (!op || !(op->is_int64() || op->is_uint64())) return "no integer op";
    out = std::move(v.as_object());
    return {};
}

} // namespace dgw::tool::serve
