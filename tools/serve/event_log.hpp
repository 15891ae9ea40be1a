#pragma once
/// The log of `dgw gateway serve`: one JSON object per line, {"ts":SECONDS,"ev":KIND,...},
/// for people and for tests that assert on what the server did (docs/gateway-serve.md).

#include "options.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdio>

namespace dgw::tool::serve {

/// Writes log lines to a sink; `ts` is seconds since the log was created.
class event_log {
public:
    explicit event_log(log_sink sink) : sink_(std::move(sink)), start_(std::chrono::steady_clock::now()) {}
    /// Writes {"ts":..,"ev":ev, ...fields}.
    void write(std::string_view ev, const boost::json::object& fields);
    /// Seconds since the log was created.
    double now() const;

private:
    log_sink sink_;
    std::chrono::steady_clock::time_point start_;
    std::string line_;
};

/// A sink that writes each line to `f` and flushes it (stderr, or a --log file).
log_sink file_sink(std::FILE* f);

} // namespace dgw::tool::serve
