#pragma once
/// The part of a received gateway message the state machine reads, and its decoder.
///
/// decode_inbound runs the generated decoder (dgw::decode): the envelope always, `d` only
/// for Hello, Invalid Session and the dispatches the options select (plus READY, whose
/// session the client needs). Every other dispatch is skipped past its envelope.

#include <dgw/wire_options.hpp>
#include <dgw/error.hpp>
#include <dgw/event_type.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace dgw {

struct GatewayMessage;

/// Which dispatches decode_inbound decodes past the envelope.
struct inbound_options {
    /// Events whose `d` is decoded into their struct; nullptr: every known event.
    /// READY is decoded whatever this says: the client needs its session_id.
    const event_set* events = nullptr;
    /// Known events left undecoded keep their `d` in RawEvent::data (a copy per event).
    bool keep_raw = false;
    /// Decoded events also keep their `d` as received in GatewayMessage::raw.
    bool keep_decoded_raw = false;
    /// Values of the wrong type are set aside, not fatal (decode_options::keep_mismatched).
    bool keep_mismatched = false;
};

/// What the state machine needs from one received message, and the message itself.
struct inbound {
    /// The decoded message. Its `s` is cleared on every op but 0: only dispatches carry a
    /// sequence, and taking one from another op would corrupt heartbeats. Set by decode_inbound.
    std::shared_ptr<GatewayMessage> message;
    std::int64_t heartbeat_interval = 0; ///< op 10 d.heartbeat_interval in ms, else 0
    bool resumable = false;         ///< op 9 d (true: the session may be resumed); false when d is null or absent
    std::string session_id;         ///< READY d.session_id, else empty
    std::string resume_gateway_url; ///< READY d.resume_gateway_url, else empty
    /// Op 0 only: the `d` of a selected event did not decode. The envelope fields are
    /// valid and `message->event` is a RawEvent with the undecoded `d`; the connection goes on.
    decode_error event_error;
};

/// Decodes one complete (already decompressed) gateway message.
///
/// `out.message` is reused when set (the client recycles the storage of non-dispatch
/// messages: a GatewayMessage is some 17 KB), allocated otherwise.
///
/// Fails (returns false, fills `err`) when the envelope is not an object, `op` is absent
/// or not an integer, `s` or `t` has the wrong type, or Hello lacks a positive
/// heartbeat_interval. A dispatch whose `d` does not fit its event type is *not* a failure:
/// see inbound::event_error. For READY, session_id and resume_gateway_url are then taken
/// from the undecoded `d` by a lenient generic parse, so a type change elsewhere in READY
/// cannot cost the session its resume.
bool decode_inbound(std::string_view bytes, Encoding enc, inbound& out, decode_error& err,
                    const inbound_options& opt = {});

} // namespace dgw
