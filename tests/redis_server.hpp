#pragma once
// A real redis-server for the cluster tests, on a free loopback port, in a temporary
// directory of its own; stopped (and the directory removed) when the object goes.

#include <cstdint>
#include <string>
#include <sys/types.h>

namespace dgw_test {

class redis_server {
public:
    /// Starts redis-server (from PATH or /usr/bin) and waits until it answers PING.
    redis_server();
    ~redis_server();
    redis_server(const redis_server&) = delete;
    redis_server& operator=(const redis_server&) = delete;

    std::uint16_t port() const noexcept { return port_; }
    /// redis://127.0.0.1:PORT
    std::string url() const;
    /// Kills the server (SIGKILL: no save, as a crash) and waits for it.
    void stop();
    /// Starts it again on the same port.
    void start();
    bool running() const noexcept { return pid_ > 0; }
    /// Runs one command through redis-cli and returns its output (for checks that do not
    /// go through the code under test).
    std::string cli(const std::string& args) const;

private:
    std::uint16_t port_ = 0;
    std::string dir_;
    pid_t pid_ = -1;
};

} // namespace dgw_test
