#pragma once
/// The numbers of a cluster_node for the dashboards operators already run: the Prometheus
/// text exposition format, and a small HTTP endpoint (Boost.Beast) that serves it.

#include <dgw/cluster_node.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace dgw {

/// A snapshot in the Prometheus text format (version 0.0.4): per-shard gauges and counters
/// labelled shard="N" (dgw_shard_state, dgw_shard_latency_seconds, dgw_shard_dispatches_total,
/// dgw_shard_connects_total, dgw_shard_resumes_total, dgw_shard_identifies_total), and the
/// process' Redis, identify queue and publishing numbers. `labels` (e.g. process="0/4") is
/// added to every sample when not empty.
std::string prometheus_text(const cluster_snapshot& s, std::string_view labels = {});

/// Serves GET /metrics on `listen` (HOST:PORT, port 0: any) with the text `render` returns;
/// every other path is 404. One request per connection, answered on the io_context.
class metrics_server {
public:
    /// Listens at once; throws boost::system::system_error when it cannot.
    metrics_server(boost::asio::io_context& io, std::string_view listen, std::function<std::string()> render);
    ~metrics_server();
    metrics_server(const metrics_server&) = delete;
    metrics_server& operator=(const metrics_server&) = delete;

    /// The port listened on.
    std::uint16_t port() const noexcept;
    /// Stops accepting; connections being answered finish.
    void shutdown();

private:
    struct impl;
    std::shared_ptr<impl> impl_;
};

} // namespace dgw
