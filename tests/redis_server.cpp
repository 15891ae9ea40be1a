#include "redis_server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include <csignal>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace dgw_test {
namespace {

std::uint16_t free_port() {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::address_v4::loopback(), 0});
    return a.local_endpoint().port();
}

std::string find_redis_server() {
    for (const char* p : {"/usr/bin/redis-server", "/usr/local/bin/redis-server"})
        if (::access(p, X_OK) == 0) return p;
    throw std::runtime_error("redis-server not found (apt-get install redis-server; scripts/install-deps.sh does)");
}

} // namespace

redis_server::redis_server() {
    char tmpl[] = "/tmp/dgw-redis-XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    port_ = free_port();
    start();
}

redis_server::~redis_server() {
    stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

std::string redis_server::url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

void redis_server::start() {
    if (pid_ > 0) return;
    const std::string exe = find_redis_server(), port = std::to_string(port_);
    std::vector<std::string> args{exe, "--port", port, "--bind", "127.0.0.1", "--dir", dir_, "--save", "",
                                  "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning",
                                  "--logfile", dir_ + "/redis.log"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (::posix_spawn(&pid_, exe.c_str(), nullptr, nullptr, argv.data(), environ) != 0)
        throw std::runtime_error("cannot start redis-server");
    // Ready when it answers on the port.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
        if (cli("PING").find("PONG") != std::string::npos) return;
        if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("redis-server did not answer within 10 s");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

void redis_server::stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
}

std::string redis_server::cli(const std::string& args) const {
    const std::string cmd = "redis-cli -h 127.0.0.1 -p " + std::to_string(port_) + " " + args + " 2>&1";
    std::string out;
    if (FILE* f = ::popen(cmd.c_str(), "r")) {
        std::array<char, 4096> buf{};
        while (std::size_t n = std::fread(buf.data(), 1, buf.size(), f)) out.append(buf.data(), n);
        ::pclose(f);
    }
    return out;
}

} // namespace dgw_test
