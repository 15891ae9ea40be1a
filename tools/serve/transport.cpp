// Plain and TLS connections behind one interface (transport.hpp).
#include "transport.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

namespace dgw::tool::serve {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::awaitable;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

template <class Next> class basic_transport final : public transport {
public:
    template <class... A> explicit basic_transport(A&&... a) : ws_(std::forward<A>(a)...) {
        // Read up to 1 MiB so that a payload over 4096 bytes is seen and closed with 4002
        // as Discord does, rather than failing inside the websocket layer.
        ws_.read_message_max(1u << 20);
        ws_.auto_fragment(false); // one gateway message, one frame
        websocket::stream_base::timeout t{};
        t.handshake_timeout = std::chrono::seconds(30);
        t.idle_timeout = websocket::stream_base::none();
        t.keep_alive_pings = false;
        ws_.set_option(t);
        ws_.set_option(websocket::stream_base::decorator(
            [](websocket::response_type& r) { r.set(beast::http::field::server, "dgw-gateway-serve"); }));
    }

    awaitable<error_code> handshake() override {
        if constexpr (std::is_same_v<Next, beast::tcp_stream>) {
            co_return error_code{};
        } else {
            beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(30));
            auto [ec] = co_await ws_.next_layer().async_handshake(asio::ssl::stream_base::server, tuple_awaitable);
            beast::get_lowest_layer(ws_).expires_never();
            co_return ec;
        }
    }

    awaitable<error_code> read_request(http_request& req) override {
        beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(60));
        auto [ec, n] = co_await beast::http::async_read(ws_.next_layer(), buf_, req, tuple_awaitable);
        beast::get_lowest_layer(ws_).expires_never();
        co_return ec;
    }

    awaitable<error_code> write_response(http_response& res) override {
        auto [ec, n] = co_await beast::http::async_write(ws_.next_layer(), res, tuple_awaitable);
        co_return ec;
    }

    awaitable<error_code> accept(const http_request& req) override {
        auto [ec] = co_await ws_.async_accept(req, tuple_awaitable);
        co_return ec;
    }

    awaitable<error_code> read(std::string& out) override {
        beast::flat_buffer b;
        auto [ec, n] = co_await ws_.async_read(b, tuple_awaitable);
        if (!ec) out = beast::buffers_to_string(b.data());
        co_return ec;
    }

    awaitable<error_code> write(std::string_view msg, bool binary) override {
        ws_.binary(binary);
        auto [ec, n] = co_await ws_.async_write(asio::buffer(msg.data(), msg.size()), tuple_awaitable);
        co_return ec;
    }

    awaitable<error_code> close(std::uint16_t code, std::string_view reason) override {
        websocket::close_reason cr(static_cast<websocket::close_code>(code));
        cr.reason = std::string(reason);
        auto [ec] = co_await ws_.async_close(cr, tuple_awaitable);
        co_return ec;
    }

    void drop() noexcept override {
        error_code ignored;
        auto& sock = beast::get_lowest_layer(ws_).socket();
        sock.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
        sock.close(ignored);
    }

    std::uint16_t peer_close_code() const override { return static_cast<std::uint16_t>(ws_.reason().code); }
    std::string peer_close_reason() const override { return std::string(ws_.reason().reason.c_str()); }

    std::string remote() const override {
        error_code ec;
        const auto ep = beast::get_lowest_layer(ws_).socket().remote_endpoint(ec);
        if (ec) return "?";
        return ep.address().to_string() + ":" + std::to_string(ep.port());
    }

private:
    websocket::stream<Next> ws_;
    beast::flat_buffer buf_;
};

} // namespace

std::unique_ptr<transport> make_plain_transport(asio::ip::tcp::socket s) {
    return std::make_unique<basic_transport<beast::tcp_stream>>(std::move(s));
}

std::unique_ptr<transport> make_tls_transport(asio::ip::tcp::socket s, asio::ssl::context& tls) {
    return std::make_unique<basic_transport<beast::ssl_stream<beast::tcp_stream>>>(beast::tcp_stream(std::move(s)),
                                                                                    tls);
}

} // namespace dgw::tool::serve
