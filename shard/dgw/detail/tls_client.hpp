#pragma once
/// TLS client setup shared by the shard and the HTTP fetch (internal; includes OpenSSL).

#include <boost/asio/ssl.hpp>

#include <memory>
#include <string>

namespace dgw::detail {

/// The system's trusted CAs, peer verified: what a client without its own context gets.
inline std::unique_ptr<boost::asio::ssl::context> default_tls_context() {
    auto ctx = std::make_unique<boost::asio::ssl::context>(boost::asio::ssl::context::tls_client);
    ctx->set_default_verify_paths();
    ctx->set_verify_mode(boost::asio::ssl::verify_peer);
    return ctx;
}

/// SNI (Discord's load balancers pick the certificate by name) and host name verification
/// on a stream about to handshake. False, with `ec` set, when OpenSSL refuses the name.
template <class SslStream>
bool prepare_tls(SslStream& tls, const std::string& host, boost::system::error_code& ec) {
    if (!SSL_set_tlsext_host_name(tls.native_handle(), host.c_str())) {
        ec = boost::system::error_code(static_cast<int>(::ERR_get_error()), boost::asio::error::get_ssl_category());
        return false;
    }
    tls.set_verify_callback(boost::asio::ssl::host_name_verification(host));
    return true;
}

} // namespace dgw::detail
