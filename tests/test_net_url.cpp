// Splitting the URLs the shard connects to (ws, wss) and GET /gateway/bot asks (http,
// https) into host, port, request target and Host header, and refusing the ones that
// cannot be used with a reason the shard's stop and fetch_gateway_bot's error quote.
#include <dgw/detail/net_url.hpp>

#include <boost/test/unit_test.hpp>

using dgw::detail::net_endpoint;
using dgw::detail::parse_net_url;

namespace {

net_endpoint ok(std::string_view url) {
    std::string why;
    auto e = parse_net_url(url, why);
    BOOST_TEST_REQUIRE(e.has_value(), url << ": " << why);
    return *e;
}

std::string refused(std::string_view url) {
    std::string why;
    auto e = parse_net_url(url, why);
    BOOST_TEST(!e.has_value(), url << " was accepted");
    BOOST_TEST(!why.empty());
    return why;
}

} // namespace

BOOST_AUTO_TEST_SUITE(net_url)

BOOST_AUTO_TEST_CASE(gateway_url_with_query) {
    const auto e = ok("wss://gateway.discord.gg/?v=10&encoding=etf&compress=zstd-stream");
    BOOST_TEST(e.scheme == "wss");
    BOOST_TEST(e.tls);
    BOOST_TEST(e.host == "gateway.discord.gg");
    BOOST_TEST(e.port == "443");
    BOOST_TEST(e.target == "/?v=10&encoding=etf&compress=zstd-stream");
    BOOST_TEST(e.host_header == "gateway.discord.gg");
}

BOOST_AUTO_TEST_CASE(ports_paths_and_defaults) {
    auto e = ok("ws://127.0.0.1:8080");
    BOOST_TEST(!e.tls);
    BOOST_TEST(e.host == "127.0.0.1");
    BOOST_TEST(e.port == "8080");
    BOOST_TEST(e.target == "/");
    BOOST_TEST(e.host_header == "127.0.0.1:8080");
    BOOST_TEST(ok("http://example.com").port == "80");
    BOOST_TEST(ok("https://discord.com/api/v10").target == "/api/v10");
    BOOST_TEST(ok("https://discord.com:/api").port == "443"); // an empty port is the scheme's
    BOOST_TEST(ok("ws://h?x=1").target == "/?x=1");
    BOOST_TEST(ok("wss://h/p?q#fragment").target == "/p?q"); // a fragment is never sent
    BOOST_TEST(ok("WSS://Gateway.Example").scheme == "wss");
}

BOOST_AUTO_TEST_CASE(ipv6_literals_lose_their_brackets_except_in_the_host_header) {
    const auto e = ok("wss://[::1]:8443/gw");
    BOOST_TEST(e.host == "::1");
    BOOST_TEST(e.port == "8443");
    BOOST_TEST(e.host_header == "[::1]:8443");
    BOOST_TEST(e.target == "/gw");
    BOOST_TEST(ok("ws://[2001:db8::7]").port == "80");
}

BOOST_AUTO_TEST_CASE(unusable_urls_say_why) {
    BOOST_TEST(refused("gateway.discord.gg").find("not a URL") == 0u);
    BOOST_TEST(refused("wss://[::1/").find("not a URL") == 0u);
    BOOST_TEST(refused("wss://h:99x/").find("not a URL") == 0u);
    BOOST_TEST(refused("wss://h:8080x").find("not a URL") == 0u);
    BOOST_TEST(refused("ftp://example.com/") == "scheme ftp is not ws, wss, http or https");
    BOOST_TEST(refused("wss://") == "no host");
    BOOST_TEST(refused("wss:///path") == "no host");
    BOOST_TEST(refused("wss://h:0/") == "port 0 is not from 1 to 65535");
    BOOST_TEST(refused("wss://h:65536/") == "port 65536 is not from 1 to 65535");
    BOOST_TEST(refused("wss://user:token@h/").find("user name") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
