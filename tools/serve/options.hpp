#pragma once
/// `dgw gateway serve`: the options of the local gateway (main.cpp fills them from the
/// command line; tests fill them directly).

#include "faults.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace dgw::tool::serve {

/// Receives each JSON line of the event log (without the newline).
using log_sink = std::function<void(std::string_view line)>;

/// How the server behaves; every default is Discord's.
struct options {
    std::string listen = "127.0.0.1:0"; ///< HOST:PORT; port 0 picks a free one
    std::string token;                  ///< the bot token Identify, Resume and GET /gateway/bot must carry
    std::string events;                 ///< --events FILE (any form `dgw decode` reads); empty: no dispatches
    unsigned shards = 1;                ///< --shards: the shard count Identify must carry
    double rate = 0;                    ///< --rate: dispatches per second per session; 0 as fast as the socket allows
    unsigned max_concurrency = 1;       ///< --max-concurrency: identify buckets
    std::chrono::milliseconds identify_interval{5000};    ///< one identify per bucket per interval
    std::chrono::milliseconds heartbeat_interval{41250};  ///< Hello's heartbeat_interval
    /// A connection that sends no heartbeat for this long after the last one (or Hello) is
    /// closed with 4009 (session timed out); 0: twice heartbeat_interval.
    std::chrono::milliseconds heartbeat_timeout{0};
    bool privileged = false;            ///< --privileged: allow GUILD_MEMBERS, GUILD_PRESENCES, MESSAGE_CONTENT
    std::uint32_t session_start_total = 1000; ///< session_start_limit.total (remaining counts identifies)
    std::size_t command_limit = 120;    ///< payloads a client may send per command_window (4008 beyond)
    std::chrono::milliseconds command_window{60000};
    std::vector<fault> faults;          ///< --fault and --faults SCRIPT
    std::string tls_cert, tls_key;      ///< --tls CERT KEY: wss:// and https://
};

} // namespace dgw::tool::serve
