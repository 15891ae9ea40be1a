#pragma once
/// GET /gateway/bot: where to connect, how many shards Discord recommends, and the
/// session_start_limit the identify queue needs.
///
/// A sharded bot asks this once before starting (and again when it reshards or runs low
/// on Identifies). fetch_gateway_bot() does the HTTPS request with Boost.Beast on the
/// caller's io_context; parse_gateway_bot() is the sans-IO half, for callers with their
/// own HTTP client. Beast and OpenSSL stay out of this header.
///
/// Failures are boost::system::error_code values like everywhere else in dgw: this layer
/// adds codes only for what no lower layer has one for (an HTTP status, a bad body, a bad
/// URL); a network failure keeps the code Asio, OpenSSL or Beast gave.

#include <dgw/detail/asio_fwd.hpp>
#include <dgw/error.hpp>
#include <dgw/identify_queue.hpp>

#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace dgw {

/// What went wrong with GET /gateway/bot, where no lower layer has a code for it.
enum class gateway_bot_errc {
    http_status = 1, ///< Discord answered with a status other than 200 (see gateway_bot_result::status)
    bad_body,        ///< a 200 whose body is not a usable response (see gateway_bot_result::body_error)
    bad_api_base,    ///< gateway_bot_request::api_base is not an absolute http:// or https:// URL
};

/// The category of gateway_bot_errc; its name is "dgw.gateway_bot".
const boost::system::error_category& gateway_bot_category() noexcept;

/// Makes gateway_bot_errc usable wherever a boost::system::error_code is expected.
inline boost::system::error_code make_error_code(gateway_bot_errc e) noexcept {
    return {static_cast<int>(e), gateway_bot_category()};
}

struct shard_manager_options;

/// The response of GET /gateway/bot.
struct gateway_bot {
    std::string url;           ///< the gateway's wss:// URL (without a query)
    std::uint32_t shards = 1;  ///< the shard count Discord recommends
    session_start_limit limit; ///< Identify budget and max_concurrency
};

/// Decodes the JSON body as the schema's types::GatewayBot and checks what the decoder lets
/// through (a required field absent, a count of 0, a number beyond 32 bits). On failure
/// returns false, leaves `out` alone, and `err` names the field (`$.session_start_limit.total`);
/// its offset is the byte where a malformed body went wrong, or 0 for a field found absent
/// or out of range by the check after decoding (which no longer knows where it stood).
bool parse_gateway_bot(std::string_view body, gateway_bot& out, decode_error& err);

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

/// What fetch_gateway_bot() got: `info`, or `ec` and whatever detail the failure has.
struct gateway_bot_result {
    std::optional<gateway_bot> info; ///< set on success (and only then is `ec` empty)

    /// Why it failed, empty on success. gateway_bot_errc for an HTTP status, a bad body or a
    /// bad api_base; otherwise the lower layer's code as it was: Asio's for resolve and
    /// connect, Asio SSL's or OpenSSL's for the handshake, Beast's for a malformed response,
    /// and boost::beast::error::timeout when gateway_bot_request::timeout ran out.
    boost::system::error_code ec;
    int status = 0; ///< HTTP status, 0 when no response came

    /// For gateway_bot_errc::http_status, Discord's own words: the error body's `message`
    /// ("401: Unauthorized"), empty when it had none; for bad_api_base, what is wrong with
    /// the URL. Never holds the token.
    std::string detail;
    decode_error body_error; ///< for gateway_bot_errc::bad_body: the field and byte that failed

    /// Where a network failure or the timeout happened: "resolve", "connect",
    /// "tls handshake" or "request" (writing it or reading the response); empty otherwise.
    std::string_view step;
    std::chrono::milliseconds retry_after{0}; ///< 429: how long Discord asks to wait

    /// True when `info` is set.
    bool ok() const noexcept { return info.has_value(); }
    /// One line for a log: the code, the step, the status and the detail or body error,
    /// e.g. "GET /gateway/bot: HTTP 401 (401: Unauthorized): Discord refused the token".
    std::string message() const;
};

/// Requests GET {api_base}/gateway/bot with the token and calls `done` exactly once on
/// `io`'s thread, never from inside this call. Errors (DNS, TLS, timeout, a non-200
/// status, a body that does not decode) come back in the result, not as exceptions.
void fetch_gateway_bot(boost::asio::io_context& io, gateway_bot_request request,
                       std::function<void(gateway_bot_result)> done);

} // namespace dgw

namespace boost::system {
template <> struct is_error_code_enum<dgw::gateway_bot_errc> : std::true_type {};
} // namespace boost::system
