#pragma once
/// The part of a received gateway message the state machine reads, and its decoder.
///
/// This is a seam: today decode_inbound parses the whole message generically (Boost.JSON,
/// or ETF through dgw::etf::to_json); the generated envelope decoder will replace it
/// without the state machine noticing, because the machine only ever sees `inbound`.

#include <dgw/wire_options.hpp>
#include <dgw/error.hpp>
#include <dgw/opcode.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dgw {

/// What the state machine needs from one received message; everything else stays undecoded.
struct inbound {
    int op = -1;                  ///< opcode; unknown values are kept, not rejected
    std::optional<std::int64_t> s; ///< sequence, set only for op 0 (s on other ops is ignored)
    std::string t;                ///< event name for op 0; empty when null or absent
    std::int64_t heartbeat_interval = 0; ///< op 10 d.heartbeat_interval in ms, else 0
    bool resumable = false;       ///< op 9 d (true: the session may be resumed)
    std::string session_id;       ///< READY d.session_id, else empty
    std::string resume_gateway_url; ///< READY d.resume_gateway_url, else empty
    std::string_view payload;     ///< the whole undecoded message; views the decoder's input
    Encoding encoding = Encoding::Json; ///< how `payload` is encoded
};

/// Decodes the envelope of one complete (already decompressed) gateway message.
///
/// Only `op` is required; a missing or mistyped optional field is treated as absent,
/// because Discord adds and nulls fields freely (op 11 may lack d, s and t). Hello without
/// a positive heartbeat_interval is an error: the connection cannot work without it.
/// `out.payload` views `bytes`, so `bytes` must outlive `out`.
/// Returns false and fills `err` on failure.
bool decode_inbound(std::string_view bytes, Encoding enc, inbound& out, decode_error& err);

} // namespace dgw
