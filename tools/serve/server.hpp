#pragma once
/// `dgw gateway serve`: a local Discord gateway on Boost.Beast (docs/gateway-serve.md).
/// GET /api/v10/gateway/bot, and websocket connections that get Hello, Identify/READY,
/// heartbeat ACKs, Resume with replay, the dispatches of an events file, Discord's
/// enforcement (close codes 4001-4014, op 9) and scripted faults; every step is logged
/// as a JSON line.

#include "options.hpp"

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace dgw::tool::serve {

struct server_state;

/// The server on an io_context the caller runs (one thread).
class server {
public:
    /// Binds `opt.listen`, reads `opt.events` and the TLS files. Throws std::runtime_error
    /// (or boost::system::system_error) for what the options cannot do.
    server(boost::asio::io_context& io, options opt, log_sink sink);
    ~server();
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    /// Starts accepting and arms the `at` faults.
    void start();
    /// Stops accepting and drops every connection; io.run() then returns.
    void stop();
    /// The bound port.
    std::uint16_t port() const;
    /// ws://HOST:PORT (wss:// with TLS): the gateway URL it serves, without a query.
    std::string url() const;
    /// Fires the `on SIGNAL` faults for `signal` (SIGUSR1, SIGUSR2).
    void raise(int signal);
    /// New dispatches written so far (replays not counted).
    std::uint64_t dispatches() const;

private:
    std::shared_ptr<server_state> s_;
};

/// Runs `dgw gateway serve` until SIGINT/SIGTERM: prints the URL as the first stdout line,
/// logs to `log_path` (stderr when empty). Returns the exit status.
int run_serve(options opt, const std::string& log_path);

} // namespace dgw::tool::serve
