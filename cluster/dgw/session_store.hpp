#pragma once
/// Sessions kept in Redis, so that a process that replaces a dead one resumes its shards
/// instead of identifying (which costs the daily budget and loses the events in between).
///
/// One hash per shard, PREFIX:session:SHARD_ID, with fields session_id,
/// resume_gateway_url and seq, expiring `ttl` after its last write: Discord keeps a
/// session resumable for a few minutes after its connection drops, and an entry older than
/// that would only earn an op 9 and an Identify.
///
/// How stale an entry may be, and why that is safe: the writer (cluster_node) writes in
/// batches, every flush_interval. A Resume with an older seq is answered by Discord with
/// the dispatches after it, so a stale seq loses nothing; it can only repeat dispatches the
/// dead process had already handled. cluster_node avoids even that for published events by
/// writing each batch's seq in the same MULTI/EXEC as the batch's XADDs.

#include <dgw/client_state.hpp>
#include <dgw/redis.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dgw {

/// Reads and writes the session entries of one bot (one key prefix).
class redis_session_store {
public:
    /// Receives the sessions found (shards without an entry are absent from the map).
    using loaded = std::function<void(boost::system::error_code, std::map<std::uint32_t, session_info>)>;

    /// A store using `redis` (which must outlive it), keys under `prefix`.
    redis_session_store(redis::connection& redis, std::string prefix = "dgw",
                        std::chrono::seconds ttl = std::chrono::seconds(180));

    /// Reads the entries of `shard_ids` (pipelined HGETALLs); `done` gets them, or the
    /// Redis error (nothing is assumed then: the caller retries or identifies).
    void load(const std::vector<std::uint32_t>& shard_ids, loaded done);

    /// The commands that store `s` for `shard_id` (and restart its expiry), for the caller
    /// to send, alone or inside its own MULTI/EXEC.
    std::vector<std::vector<std::string>> write(std::uint32_t shard_id, const session_info& s) const;
    /// The command that deletes `shard_id`'s entry (its session ended: nothing to resume).
    std::vector<std::string> erase(std::uint32_t shard_id) const;

    /// The key of `shard_id`'s entry.
    std::string key(std::uint32_t shard_id) const;
    /// How long an entry lives after its last write.
    std::chrono::seconds ttl() const noexcept { return ttl_; }

private:
    redis::connection& redis_;
    std::string prefix_;
    std::chrono::seconds ttl_;
};

} // namespace dgw
