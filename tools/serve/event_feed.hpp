#pragma once
/// The dispatches `dgw gateway serve` sends: read once from an --events file (any form
/// `dgw decode` reads), routed to shards, and encoded per connection with that session's
/// sequence number in the connection's encoding.

#include <dgw/encoding.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dgw::tool::serve {

/// The dispatches of an events file. Only the file's received op 0 messages count;
/// READY and RESUMED are left out (the server writes its own).
class event_feed {
public:
    /// No dispatches.
    event_feed();
    ~event_feed();
    event_feed(event_feed&&) noexcept;
    event_feed& operator=(event_feed&&) noexcept;

    /// Reads `path` and routes each dispatch to shard (guild_id >> 22) % shards (guild_id
    /// from `d.guild_id`, or `d.id` for GUILD_CREATE/UPDATE/DELETE), others to shard 0.
    /// Messages that cannot be read are reported on stderr and skipped. Throws
    /// std::runtime_error when the file cannot be opened or its form not told.
    static event_feed load(const std::string& path, unsigned shards);

    /// Dispatches in file order (`index` below numbers these).
    std::size_t size() const noexcept;
    /// The dispatches of `shard`, as indices in file order.
    const std::vector<std::size_t>& for_shard(unsigned shard) const;
    /// Event name of dispatch `i`.
    std::string_view name(std::size_t i) const;
    /// Guild ids of the GUILD_CREATE dispatches of `shard` (READY lists them as unavailable).
    std::vector<std::string> guilds(unsigned shard) const;
    /// Appends dispatch `i` with sequence number `s`, encoded in `enc` as Discord sends it
    /// (ETF: atom keys, integer snowflakes). False when it cannot be written in `enc`.
    bool encode(std::size_t i, std::int64_t s, Encoding enc, std::string& out) const;

private:
    struct impl;
    std::unique_ptr<impl> p_;
};

} // namespace dgw::tool::serve
