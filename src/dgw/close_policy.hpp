#pragma once
/// What the client does after the server closes the socket, by close code.
///
/// One function so the table can later be swapped for the generated CloseCode policy
/// (schema/gateway.yaml close_codes[].action) without touching the state machine.

namespace dgw {

/// The next step after a close.
enum class close_action {
    resume,      ///< reconnect on resume_gateway_url and Resume (Identify if there is no session)
    new_session, ///< reconnect on the cached gateway URL and Identify
    stop,        ///< do not reconnect: the cause (token, shards, version, intents) needs a human
};

/// The action for a close code received from the server (or 1006 for a dropped connection).
///
/// 4004 and 4010-4014 stop; 4007 (invalid seq) and 4009 (session timed out) need a new
/// session; every other code, including 1000/1001/1006, 4003 and codes Discord has not
/// documented, resumes: a stale session only costs an op 9 and then an Identify.
close_action close_policy(int code) noexcept;

/// "resume", "new_session" or "stop".
const char* to_string(close_action a) noexcept;

} // namespace dgw
