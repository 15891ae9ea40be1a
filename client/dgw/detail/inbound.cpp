#include <dgw/detail/inbound.hpp>

#include <dgw/codec/typed.hpp>
#include <dgw/gateway.hpp>

namespace dgw {
namespace {

// Only for a READY whose typed decode failed: the session must survive a type change in
// some unrelated READY field, so read the two strings the client needs on their own (the
// schema's ReadySession; every other field is skipped unread).
void session_from_raw(const RawEvent& raw, inbound& out) {
    types::ReadySession s;
    decode_error ignored;
    const bool ok = raw.encoding == Encoding::Json ? decode_json(raw.data, s, ignored) : decode_etf(raw.data, s, ignored);
    if (!ok) return;
    out.session_id = std::move(s.session_id);
    if (s.resume_gateway_url) out.resume_gateway_url = std::move(*s.resume_gateway_url);
}

} // namespace

bool decode_inbound(std::string_view bytes, Encoding enc, inbound& out, decode_error& err, const inbound_options& opt) {
    auto storage = std::move(out.message);
    out = inbound{};
    out.message = storage ? std::move(storage) : std::make_shared<GatewayMessage>();
    GatewayMessage& m = *out.message;
    err = decode_error{};

    event_set chosen;
    decode_options first;
    if (opt.events != nullptr) {
        chosen = *opt.events;
        chosen.insert(EventType::Ready);
        first.events = &chosen;
    }
    first.keep_raw = opt.keep_raw;
    first.keep_decoded_raw = opt.keep_decoded_raw;
    first.keep_mismatched = opt.keep_mismatched;
    auto selected = [&](EventType t) {
        return t != EventType::Unknown && (opt.events == nullptr || chosen.contains(t));
    };

    if (!decode(bytes, enc, m, err, first)) {
        // Perhaps only a dispatch's d failed. Read the envelope again without decoding any
        // event: in ETF, d precedes op, s and t (Erlang sorts map keys), so a failure inside
        // d leaves s unread, and s must advance whatever happens to d. Keeping d raw costs a
        // copy, but only on this rare path, and the failure report carries it.
        decode_error event_err = std::move(err);
        const event_set none;
        decode_options envelope_only;
        envelope_only.events = &none;
        envelope_only.keep_raw = true;
        envelope_only.limits = first.limits;
        err = decode_error{};
        if (!decode(bytes, enc, m, err, envelope_only)) return false;
        // A dispatch that was not selected cannot fail on its d; the envelope-only result
        // is then simply the complete message (the ETF decoder's guess of t went wrong).
        if (m.op == static_cast<std::int64_t>(Opcode::Dispatch) && selected(m.type))
            out.event_error = std::move(event_err);
    }
    // (decode() refuses an envelope without op, so m.op is a real opcode here.)
    switch (static_cast<Opcode>(m.op)) {
    case Opcode::Dispatch:
        if (m.type == EventType::Ready) {
            if (const auto* ready = std::get_if<events::Ready>(&m.event)) {
                out.session_id = ready->session_id;
                out.resume_gateway_url = ready->resume_gateway_url;
            } else if (const auto* raw = std::get_if<RawEvent>(&m.event)) {
                session_from_raw(*raw, out);
            }
        }
        return true;
    case Opcode::Hello:
        if (!m.hello || m.hello->heartbeat_interval <= 0)
            return err.fail(codec_errc::missing_field, 0, "d.heartbeat_interval", "Hello needs a positive interval");
        out.heartbeat_interval = m.hello->heartbeat_interval;
        break;
    case Opcode::InvalidSession:
        out.resumable = m.resumable.value_or(false);
        break;
    default:
        break;
    }
    m.s.reset();
    return true;
}

} // namespace dgw
