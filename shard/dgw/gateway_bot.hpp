#pragma once
/// GET /gateway/bot: where to connect, how many shards Discord recommends, and the
/// session_start_limit the identify queue needs.
///
/// A sharded bot asks this once before starting (and again when it reshards or runs low
/// on Identifies). fetch_gateway_bot() does the HTTPS request with Boost.Beast on the
/// caller's io_context; parse_gateway_bot() is the sans-IO half, for callers with their
/// own HTTP client. Beast and OpenSSL stay out of this header.

#include <dgw/detail/asio_fwd.hpp>
#include <dgw/identify_queue.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace dgw {

struct shard_manager_options;

/// The response of GET /gateway/bot.
struct gateway_bot {
    std::string url;           ///< the gateway's wss:// URL (without a query)
    std::uint32_t shards = 1;  ///< the shard count Discord recommends
    session_start_limit limit; ///< Identify budget and max_concurrency
};

/// Parses the JSON body. On failure returns false and says what is wrong in `error`
/// (which field, and what it held instead).
bool parse_gateway_bot(std::string_view body, gateway_bot& out, std::string& error);

/// Puts the URL, the recommended shard count and the session_start_limit into a manager's
/// options. A bot that runs its own count sets shard_count after this call. (Keeping a
/// count already set would keep the default of 1, and a bot in 2500+ guilds then gets 4011.)
void apply(const gateway_bot& info, shard_manager_options& options);

/// What fetch_gateway_bot() asks.
struct gateway_bot_request {
    std::string token;                                 ///< the bot token (without "Bot ")
    std::string api_base = "https://discord.com/api/v10"; ///< http:// only for tests
    /// TLS for https; nullptr: the system's trusted CAs, peer and host name verified.
    boost::asio::ssl::context* tls = nullptr;
    /// Resolve, connect, TLS, request and response must all finish within this.
    std::chrono::milliseconds timeout{10'000};
    /// Discord requires "DiscordBot ($url, $version)" on API requests; put your bot's or
    /// fork's URL here. The default names the library without one.
    std::string user_agent = "DiscordBot (dgw, 0.1)";
};

/// What fetch_gateway_bot() got.
struct gateway_bot_result {
    std::optional<gateway_bot> info;            ///< set on success
    int status = 0;                             ///< HTTP status, 0 when no response came
    std::string error;                          ///< what failed, empty on success; never holds the token
    std::chrono::milliseconds retry_after{0};   ///< 429: how long Discord asks to wait
    /// True when `info` is set.
    bool ok() const noexcept { return info.has_value(); }
};

/// Requests GET {api_base}/gateway/bot with the token and calls `done` exactly once on
/// `io`'s thread, never from inside this call. Errors (DNS, TLS, timeout, a non-200
/// status, a body that does not parse) come back in the result, not as exceptions.
void fetch_gateway_bot(boost::asio::io_context& io, gateway_bot_request request,
                       std::function<void(gateway_bot_result)> done);

} // namespace dgw
