#pragma once
// A TLS certificate made at test time, for local servers (shard and HTTP tests).
#include <boost/asio/buffer.hpp>
#include <boost/asio/ssl/context.hpp> // not ssl.hpp: every shard test includes this, none needs a stream from it

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <string>

namespace dgw_test {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;

/// A self-signed certificate for "localhost" (made here, so no key ships with the tests).
struct test_certificate {
    std::string cert_pem, key_pem;
    test_certificate() {
        EVP_PKEY* key = EVP_EC_gen("prime256v1");
        X509* x = X509_new();
        X509_set_version(x, 2);
        ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
        X509_gmtime_adj(X509_getm_notBefore(x), -60);
        X509_gmtime_adj(X509_getm_notAfter(x), 3600);
        X509_set_pubkey(x, key);
        X509_NAME* name = X509_get_subject_name(x);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
        X509_set_issuer_name(x, name);
        X509V3_CTX ctx;
        X509V3_set_ctx_nodb(&ctx);
        X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
        X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "DNS:localhost");
        X509_add_ext(x, san, -1);
        X509_EXTENSION_free(san);
        X509_sign(x, key, EVP_sha256());
        auto pem = [](auto write) {
            BIO* b = BIO_new(BIO_s_mem());
            write(b);
            char* data = nullptr;
            const long n = BIO_get_mem_data(b, &data);
            std::string out(data, static_cast<std::size_t>(n));
            BIO_free(b);
            return out;
        };
        cert_pem = pem([&](BIO* b) { PEM_write_bio_X509(b, x); });
        key_pem = pem([&](BIO* b) { PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr); });
        X509_free(x);
        EVP_PKEY_free(key);
    }
    ssl::context server() const {
        ssl::context c(ssl::context::tls_server);
        c.use_certificate(asio::buffer(cert_pem), ssl::context::pem);
        c.use_private_key(asio::buffer(key_pem), ssl::context::pem);
        return c;
    }
    /// A client context that trusts only this certificate, with peer verification on.
    ssl::context client() const {
        ssl::context c(ssl::context::tls_client);
        c.add_certificate_authority(asio::buffer(cert_pem));
        c.set_verify_mode(ssl::verify_peer);
        return c;
    }
};


} // namespace dgw_test
