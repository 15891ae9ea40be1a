#pragma once
/// The bytes of one gateway connection: what the server writes (encoded in the
/// connection's encoding, then compressed with its one per-connection context) and what
/// it accepts from the client (Discord's 4002 rules).

#include "../compressor.hpp"

#include <dgw/encoding.hpp>

#include <boost/json/object.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace dgw::tool::serve {

/// Largest payload a client may send (Discord closes with 4002 beyond it).
inline constexpr std::size_t max_client_payload = 4096;

/// The query of a gateway URL: ?v=10&encoding=json|etf&compress=zlib-stream|zstd-stream.
struct gateway_query {
    std::string v;                               ///< as sent; "" when absent
    Encoding encoding = Encoding::Json;
    std::optional<compress::transport> compress; ///< nullopt: none
};
/// Parses the query of `target` (an origin-form request target). On a value the gateway
/// does not know returns nullopt and sets `why`.
std::optional<gateway_query> parse_gateway_query(std::string_view target, std::string& why);

/// One connection's writer side: encoding and the transport compression context.
class wire_writer {
public:
    wire_writer(Encoding enc, std::optional<compress::transport> comp);
    /// Appends a control message (Hello, ACK, READY, op 7, op 9, ...) in the connection's
    /// encoding, as Discord writes it (ETF: atom keys).
    void encode(const boost::json::object& msg, std::string& out) const;
    /// The websocket message for an encoded gateway message: compressed and flushed with
    /// the connection's context, or `msg` itself. Valid until the next call.
    std::string_view frame(std::string_view msg);
    /// Discord writes uncompressed JSON as text, everything else as binary.
    bool binary() const noexcept { return enc_ == Encoding::Etf || comp_.has_value(); }
    Encoding encoding() const noexcept { return enc_; }
    std::optional<compress::transport> compression() const noexcept { return comp_; }

private:
    Encoding enc_;
    std::optional<compress::transport> comp_;
    std::unique_ptr<compressor> c_;
};

/// Parses a payload the client sent: an object with an integer `op`. Returns "" or why it
/// is refused with 4002: not decodable in `enc`, ETF with atom keys, over 4096 bytes.
std::string parse_client_payload(std::string_view bytes, Encoding enc, boost::json::object& out);

} // namespace dgw::tool::serve
