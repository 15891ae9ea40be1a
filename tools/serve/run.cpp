// `dgw gateway serve` as a program: the server on one io_context until SIGINT/SIGTERM,
// SIGUSR1/SIGUSR2 passed to the `on SIGNAL` faults, the URL as the first line of stdout.
#include "server.hpp"

#include "../commands.hpp"
#include "event_log.hpp"

#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <cstdio>
#include <exception>

namespace dgw::tool::serve {

int run_serve(options opt, const std::string& log_path) {
    std::FILE* log_file = stderr;
    if (!log_path.empty() && log_path != "-") {
        log_file = std::fopen(log_path.c_str(), "a");
        if (!log_file) {
            std::fprintf(stderr, "dgw: cannot open --log %s\n", log_path.c_str());
            return exit_usage;
        }
    }
    boost::asio::io_context io(1);
    std::unique_ptr<server> srv;
    try {
        srv = std::make_unique<server>(io, std::move(opt), file_sink(log_file));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "dgw gateway serve: %s\n", e.what());
        return exit_usage;
    }
    srv->start();
    std::printf("%s\n", srv->url().c_str());
    std::fflush(stdout);

    boost::asio::signal_set stop_signals(io, SIGINT, SIGTERM);
    stop_signals.async_wait([&](boost::system::error_code ec, int) {
        if (ec) return;
        srv->stop();
        io.stop();
    });
    boost::asio::signal_set fault_signals(io, SIGUSR1, SIGUSR2);
    std::function<void(boost::system::error_code, int)> on_fault = [&](boost::system::error_code ec, int sig) {
        if (ec) return;
        srv->raise(sig);
        fault_signals.async_wait(on_fault);
    };
    fault_signals.async_wait(on_fault);
    io.run();
    srv.reset();
    if (log_file != stderr) std::fclose(log_file);
    return exit_ok;
}

} // namespace dgw::tool::serve
