#pragma once
/// A Redis connection on an io_context: commands pipelined over one TCP socket, replies
/// parsed by hiredis' RESP reader (no hiredis type appears here), reconnects with back-off.
///
/// Redis being down is an expected condition for a bot spread over machines, never a crash:
/// while the connection is down, a command fails at once with errc::unreachable (the caller
/// decides when to try again: an identify waits, a publish batch is kept), commands in
/// flight when it drops fail with errc::connection_lost, and the connection retries on its
/// own (retry_initial, doubling to retry_max). Each outage is logged once as an error with
/// what failed, and its end once with how long it lasted.
///
/// Everything runs on the io_context given: call every member from a thread running it.

#include <dgw/detail/asio_fwd.hpp>
#include <dgw/log.hpp>

#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace dgw::redis {

/// Why a command did not get a reply from the server.
enum class errc {
    unreachable = 1, ///< not connected (refused, timed out, retrying): nothing was sent
    connection_lost, ///< the connection dropped after the command was sent: it may or may not have run
    server_error,    ///< Redis answered with an error reply (reply::str holds it)
    protocol_error,  ///< the server's bytes are not RESP
    bad_url,         ///< parse_url: not a redis:// URL of the form documented there
    shut_down,       ///< the connection was shut down before a reply came
};

/// The category of errc ("dgw.redis").
const boost::system::error_category& category() noexcept;
/// An error_code of `e` in category().
boost::system::error_code make_error_code(errc e) noexcept;

/// One RESP reply.
struct reply {
    /// The RESP type.
    enum class kind : std::uint8_t { nil, string, status, error, integer, array };
    kind type = kind::nil;        ///< which fields below hold the value
    std::string str;              ///< string, status and error replies
    long long integer = 0;        ///< integer replies
    std::vector<reply> elements;  ///< array replies
};

/// Where Redis listens.
struct endpoint {
    std::string host = "127.0.0.1"; ///< name or address
    std::uint16_t port = 6379;       ///< TCP port
    std::string username;            ///< AUTH user (Redis 6 ACL); empty: the default user
    std::string password;            ///< AUTH password; empty: no AUTH
    unsigned db = 0;                 ///< SELECT index
    /// redis://host:port/db, the password never included (for logs).
    std::string display() const;
};

/// Parses `redis://[[user]:password@]host[:port][/db]` (Boost.URL); throws
/// boost::system::system_error with errc::bad_url saying what is wrong.
endpoint parse_url(std::string_view url);

/// How a connection behaves.
struct connection_options {
    endpoint where;                               ///< the server
    std::chrono::milliseconds connect_timeout{2000}; ///< resolve + TCP connect + AUTH/SELECT
    std::chrono::milliseconds retry_initial{100};  ///< first wait after a failure
    std::chrono::milliseconds retry_max{5000};     ///< the cap of the doubling waits
    log_hook log;                                  ///< optional: outages, recoveries
};

/// What the connection has done (a snapshot for metrics).
struct connection_stats {
    bool up = false;                   ///< connected now
    std::uint64_t connects = 0;        ///< connections established
    std::uint64_t connect_failures = 0; ///< attempts that failed
    std::uint64_t commands = 0;        ///< commands sent
    std::uint64_t replies = 0;         ///< replies received (error replies included)
    std::uint64_t failed = 0;          ///< commands failed without a reply (unreachable, lost, shut down)
    std::string last_error;            ///< the last connection failure, empty if none
};

/// One connection to one Redis server, reconnecting until shutdown().
class connection {
public:
    /// Receives a command's reply. ec empty: `r` is the reply; errc::server_error: `r` is the
    /// error reply; any other error: `r` is nil.
    using callback = std::function<void(boost::system::error_code ec, reply r)>;

    /// A connection on `io`; nothing happens before start().
    connection(boost::asio::io_context& io, connection_options options);
    /// Drops the socket; pending callbacks are not called.
    ~connection();
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    /// Connects, and keeps reconnecting after failures until shutdown().
    void start();
    /// Closes the socket and stops retrying; commands without a reply fail with
    /// errc::shut_down (posted, not called from inside shutdown()).
    void shutdown();

    /// Sends one command (`args[0]` the command name); `cb` runs once with its reply or
    /// why there is none, never from inside command() itself. Commands are pipelined: they
    /// leave in the order given and replies come back in that order. While connecting,
    /// commands wait for the outcome of the attempt.
    void command(std::vector<std::string> args, callback cb);

    /// Connected now.
    bool connected() const noexcept;
    /// Counters so far.
    const connection_stats& stats() const noexcept;
    /// The server, as configured.
    const endpoint& where() const noexcept;

private:
    struct impl;
    std::shared_ptr<impl> impl_;
};

} // namespace dgw::redis

namespace boost::system {
template <>
struct is_error_code_enum<dgw::redis::errc> : std::true_type {};
} // namespace boost::system
