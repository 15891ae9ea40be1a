#pragma once
/// A worker's side of the event streams cluster_node publishes: a Redis consumer group over
/// one stream per event name (\@discordjs/brokers' layout), so that several workers share
/// the events and each event is handled by one of them.
///
/// The group is created if it does not exist, at the start of the streams (XGROUP CREATE
/// ... 0 MKSTREAM, as PubSubRedisBroker 1.x does): a new group reads what the streams still
/// hold (MAXLEN bounds it), then what comes. The consumer first takes back what it was given
/// before and never acknowledged (a crash before ack: its pending entries), then reads new
/// entries with XREADGROUP ... BLOCK. Each entry reaches the handler with an ack function;
/// an entry not acknowledged stays pending in Redis for this consumer name.
///
/// XREADGROUP BLOCK holds its connection: give the consumer a connection of its own.

#include <dgw/redis.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace dgw {

/// One stream entry as published: the stream (the event name), its id and its data field.
struct stream_entry {
    std::string stream; ///< e.g. "MESSAGE_CREATE"
    std::string id;     ///< the entry id, "1700000000000-0"
    std::string data;   ///< the `data` field: msgpack or JSON of the event's d
};

/// What a stream_consumer reads.
struct stream_consumer_options {
    std::vector<std::string> streams;  ///< event names (with the publisher's stream_prefix)
    std::string group = "dgw";         ///< consumer group: workers sharing the events
    std::string name = "worker";       ///< this consumer within the group (unique per worker)
    std::size_t count = 100;           ///< entries per read
    std::chrono::milliseconds block{2000}; ///< how long one read waits for entries
    std::chrono::milliseconds retry{1000}; ///< wait after an error (Redis down)
    log_hook log;                      ///< optional: errors
};

/// Reads a consumer group's entries until shutdown().
class stream_consumer {
public:
    /// Receives one entry; calling `ack` (any time, once) acknowledges it (XACK).
    using handler = std::function<void(const stream_entry& e, std::function<void()> ack)>;

    /// A consumer on `redis` (its own connection, started by the caller; it must outlive
    /// the consumer), calling `on_entry` for each entry.
    stream_consumer(boost::asio::io_context& io, redis::connection& redis, stream_consumer_options options,
                    handler on_entry);
    ~stream_consumer();
    stream_consumer(const stream_consumer&) = delete;
    stream_consumer& operator=(const stream_consumer&) = delete;

    /// Creates the group where missing and starts reading.
    void start();
    /// Stops reading after the read in flight (at most `block`); acks still go out.
    void shutdown();

    /// Entries handed to the handler so far.
    std::uint64_t received() const noexcept;
    /// Entries acknowledged so far.
    std::uint64_t acked() const noexcept;

private:
    struct impl;
    std::shared_ptr<impl> impl_;
};

} // namespace dgw
