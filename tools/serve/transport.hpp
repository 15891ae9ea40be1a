#pragma once
/// One accepted TCP connection of `dgw gateway serve`, plain or TLS: HTTP requests first,
/// then (after an upgrade) websocket messages. The gateway logic sees only this interface.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace boost::asio::ssl {
class context;
}

namespace dgw::tool::serve {

using http_request = boost::beast::http::request<boost::beast::http::string_body>;
using http_response = boost::beast::http::response<boost::beast::http::string_body>;
using error_code = boost::system::error_code;

/// A server-side connection. One read and one write may be in progress at a time.
class transport {
public:
    virtual ~transport() = default;
    /// The TLS handshake (nothing for plain connections).
    virtual boost::asio::awaitable<error_code> handshake() = 0;
    /// Reads the next HTTP request.
    virtual boost::asio::awaitable<error_code> read_request(http_request& req) = 0;
    /// Writes an HTTP response.
    virtual boost::asio::awaitable<error_code> write_response(http_response& res) = 0;
    /// Answers the websocket upgrade request `req`.
    virtual boost::asio::awaitable<error_code> accept(const http_request& req) = 0;
    /// Reads one websocket message into `out`; websocket::error::closed when the client
    /// sent a close frame (peer_close_code() has its code).
    virtual boost::asio::awaitable<error_code> read(std::string& out) = 0;
    /// Writes one websocket message (one frame).
    virtual boost::asio::awaitable<error_code> write(std::string_view msg, bool binary) = 0;
    /// Sends a close frame and waits for the client's (a pending read completes too).
    virtual boost::asio::awaitable<error_code> close(std::uint16_t code, std::string_view reason) = 0;
    /// Closes the TCP socket at once: no close frame, no TLS close_notify.
    virtual void drop() noexcept = 0;
    /// The code of the client's close frame (0 when none).
    virtual std::uint16_t peer_close_code() const = 0;
    /// The reason of the client's close frame.
    virtual std::string peer_close_reason() const = 0;
    /// "address:port" of the client.
    virtual std::string remote() const = 0;
};

/// A plain TCP connection.
std::unique_ptr<transport> make_plain_transport(boost::asio::ip::tcp::socket s);
/// A TLS connection with `tls` (which must outlive it).
std::unique_ptr<transport> make_tls_transport(boost::asio::ip::tcp::socket s, boost::asio::ssl::context& tls);

} // namespace dgw::tool::serve
