#pragma once
/// The sans-IO gateway client: one per connection, a state machine from inputs to actions.
///
/// A client is born for one websocket connection and dies with it (state::closed). To
/// reconnect, make a new client with the dead one as parent: it resumes the parent's
/// session when there is one, otherwise it identifies. Nothing here sleeps, spawns,
/// locks or reads a clock; the driver passes time in and performs the actions out.
///
/// Received messages are decoded with the generated decoder; each dispatch leaves as a
/// deliver_event holding the typed event (for the types client_config::decode_events
/// selects) or a RawEvent. event_handlers (event_handlers.hpp) routes those actions to
/// per-type handlers and derives decode_events and the Identify intents from them.

#include <dgw/client_io.hpp>
#include <dgw/client_state.hpp>
#include <dgw/wire_options.hpp>
#include <dgw/gateway_url.hpp>
#include <dgw/detail/inbound.hpp>
#include <dgw/log.hpp>
#include <dgw/outbound.hpp>

#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace dgw {

/// How reconnects are paced when connections keep dying soon after they opened.
///
/// A connection is *short-lived* unless it reached READY or RESUMED and then stayed up for
/// `healthy_after`; that rule uses lifetime alone because a gateway that replays events and
/// then drops the connection would pass any test based on dispatches. Failed attempts
/// (refused, TLS, no Hello, no READY) are short-lived too. The first short-lived connection
/// in a row reconnects at once, as Discord asks for op 7 and resumable closes; each further
/// one waits `initial`, 2x, 4x, ... up to `max`, scaled by a jitter factor in [0.5, 1) so
/// that shards dropped together do not come back together. A healthy connection resets it.
/// The close code does not matter: op 7, op 9 and 4000 storms back off alike.
struct backoff_policy {
    std::chrono::milliseconds initial{1'000};        ///< wait after the second short-lived connection in a row
    std::chrono::milliseconds max{60'000};           ///< the cap
    std::chrono::milliseconds healthy_after{30'000}; ///< READY/RESUMED-to-close time that proves a connection healthy
    std::function<double()> jitter; ///< a draw in [0, 1) mapped onto the factor 0.5 + draw / 2; default: uniform random
};

/// Everything a client needs to know; the same config is reused for every reconnect.
struct client_config {
    identify_params identify;    ///< token, intents, shard, presence, properties
    std::string gateway_url;     ///< cached GET /gateway(/bot) URL, no query; new sessions connect here
    Encoding encoding = Encoding::Json; ///< `?encoding=`, both directions

    /// `?compress=`; the driver decompresses before on_message. Excludes identify.compress.
    transport_compression compression = transport_compression::none;
    /// Wait for identify_granted before Identify (emit request_identify). Turn off only
    /// when a single process identifies rarely and the daily budget cannot be at risk.
    bool await_identify_permit = true;
    /// Commands before READY/RESUMED wait in the queue (true) or are refused with not_ready.
    bool queue_until_ready = true;
    std::size_t max_queued = 1024; ///< queued commands beyond this are refused with rate_limited

    /// Code for closes meant to resume (op 7, op 9, zombie); never 1000/1001, which end the session.
    int reconnect_close_code = 4000;
    std::function<double()> jitter; ///< first-beat jitter in [0, 1); default: uniform random

    /// Delay before identifying after op 9 d=false; default: uniform random 1-5 s. The
    /// back-off applies on top (the longer of the two).
    std::function<std::chrono::milliseconds()> invalid_session_delay;
    /// Reconnect pacing when connections keep dying (see backoff_policy).
    backoff_policy backoff;
    /// Hello must arrive this long after socket_opened; else the connection is closed and
    /// counted short-lived. Zero: no limit. The timer starts only at socket_opened.
    std::chrono::milliseconds hello_timeout{20'000};
    /// READY (or RESUMED) must arrive this long after Identify (or Resume) was sent; else
    /// as hello_timeout. Waiting for the identify queue does not count. Zero: no limit.
    std::chrono::milliseconds ready_timeout{15'000};
    /// The window of the gateway's 120-command budget (Discord: 60 s). The limiter counts
    /// each send for this plus a margin of a thirtieth of it (command_ratelimiter). Only a
    /// test against a gateway with a shorter window has a reason to change it.
    std::chrono::milliseconds command_window{60'000};
    /// The dispatches whose `d` is decoded into their generated struct; all others leave as
    /// a RawEvent without their `d` being parsed. Unset: every known event is decoded.
    /// READY is always decoded (the client needs its session). event_handlers::apply sets
    /// this to exactly the handled events.
    std::optional<event_set> decode_events;
    /// Known events left undecoded keep their `d` (RawEvent::data, one copy per event),
    /// for a raw handler that wants them. Unknown event names always keep their `d`.
    bool keep_unhandled_raw = false;
    /// Events decoded into their struct (those in decode_events, and READY) also keep their
    /// `d` as received, in deliver_event::message->raw (GatewayMessage::raw): one copy per
    /// event, for a raw log or a forwarder next to typed handlers.
    bool keep_decoded_raw = false;
    /// A field of the wrong type does not fail its event (Discord documents that it does
    /// not validate the types in some events, such as PRESENCE_UPDATE): the event is
    /// delivered with the field as if absent, the value kept in the object's `unknown_`,
    /// and the path in GatewayMessage::mismatched; each event type's first such event is
    /// logged as a warning with the paths. Off: such an event arrives as event_decode_failed.
    bool keep_mismatched = true;
    log_hook log;         ///< optional; lines never contain the token
    capture_hook capture; ///< optional; frames with the token masked
};

/// Counters and measurements; a child client continues its parent's.
struct client_stats {
    std::uint64_t messages_received = 0; ///< gateway messages decoded or attempted
    std::uint64_t bytes_received = 0;    ///< their (decompressed) sizes
    std::uint64_t messages_sent = 0;     ///< frames sent, heartbeats included
    std::uint64_t bytes_sent = 0;        ///< their sizes
    std::uint64_t dispatches = 0;        ///< op 0 messages
    std::uint64_t heartbeats_sent = 0;   ///< op 1 sent, scheduled or asked for
    std::uint64_t heartbeat_acks = 0;    ///< op 11 received
    std::uint64_t identifies = 0;        ///< Identify payloads sent
    std::uint64_t resumes = 0;           ///< successful resumes (RESUMED received)
    std::uint64_t reconnects = 0;        ///< clients made from a parent
    std::uint64_t commands_sent = 0;     ///< user commands that left
    std::uint64_t commands_refused = 0;  ///< user commands refused (command_refused actions)
    std::uint64_t event_decode_failures = 0; ///< dispatches whose `d` did not fit their type
    /// Dispatches delivered with values set aside (client_config::keep_mismatched).
    std::uint64_t events_with_mismatches = 0;
    std::uint64_t hello_timeouts = 0;    ///< connections closed for want of Hello
    std::uint64_t ready_timeouts = 0;    ///< connections closed for want of READY/RESUMED
    std::uint64_t short_lived = 0;       ///< connections that ended before proving healthy

    /// Short-lived connections in a row, this one included once it has closed; 0 after a healthy one.
    std::uint32_t short_lived_streak = 0;
    /// Time from the last acknowledged heartbeat to its op 11.
    std::optional<gateway_clock::duration> heartbeat_latency;
};

/// One gateway connection's protocol logic.
class client {
public:
    /// The clock of every time point passed in.
    using clock = gateway_clock;

    /// A client for a new session (it will Identify on config.gateway_url).
    /// Throws boost::system::system_error(protocol_errc::invalid_config) on a bad config.
    explicit client(client_config config);

    /// A client that resumes `session`, kept from an earlier process (a session store):
    /// it connects to session.resume_gateway_url and sends Resume after Hello. Should
    /// Discord refuse (op 9 d=false: the session is gone), its child identifies as usual.
    client(client_config config, session_info session);

    /// The next client after `parent` died: it resumes when the parent is resumable.
    ///
    /// Takes over the parent's unsent command queue (those commands never left) and its
    /// statistics. Throws std::logic_error if the parent is not closed.
    client(client_config config, client& parent);

    /// Moves the connection's state; the moved-from client must not be used.
    client(client&&) = default;
    /// As the move constructor.
    client& operator=(client&&) = default;
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    /// Feeds one input; returns what the driver must do, in order.
    std::vector<action> step(input in);

    /// step(message_received{bytes, now}).
    std::vector<action> on_message(std::string_view bytes, clock::time_point now);
    /// step(socket_closed{code, reason, now}).
    std::vector<action> on_close(int code, std::string_view reason, clock::time_point now);
    /// step(timer_fired{now}).
    std::vector<action> on_timer(clock::time_point now);
    /// step(identify_granted{now}).
    std::vector<action> on_identify_granted(clock::time_point now);
    /// step(socket_opened{now}).
    std::vector<action> on_open(clock::time_point now);
    /// Sends a generated user command (commands::UpdatePresence, commands::RequestGuildMembers,
    /// ...: see commands::user_command) in this connection's encoding (ETF: binary keys,
    /// snowflakes as strings), through the 4096-byte limit, the queue until READY and the
    /// 120/60 s budget. A refusal is the command_refused action among the result.
    template <commands::user_command C>
    std::vector<action> send(const C& cmd, clock::time_point now) {
        return step(encoded_command{static_cast<Opcode>(C::opcode), encode_frame(cmd, config_.encoding), now});
    }
    /// step(user_command{cmd, now}): a free-form command, treated as the generated ones are.
    std::vector<action> send(command cmd, clock::time_point now);
    /// step(shutdown_requested{now}).
    std::vector<action> shutdown(clock::time_point now);

    /// The current state.
    const client_state& state() const noexcept { return state_; }
    /// True once dead.
    bool closed() const noexcept { return std::holds_alternative<state::closed>(state_); }
    /// True when this client will Resume (or, when closed, when its child would).
    bool resumes() const noexcept;
    /// The session this client has or resumes (id, resume URL, last sequence), if any:
    /// what a session store keeps so that another process can resume it.
    std::optional<session_info> session() const { return current_session(); }
    /// Where this client's socket must connect (gateway URL or resume URL, with query).
    std::string url() const;
    /// The query every URL of this client carries.
    gateway_query query() const noexcept;
    /// Counters so far, parent's included.
    const client_stats& stats() const noexcept { return stats_; }
    /// Commands waiting for READY or for a rate-limit permit.
    std::size_t queued() const noexcept { return pending_.size(); }
    /// The armed timer, if any.
    std::optional<clock::time_point> timer() const noexcept { return timer_; }

private:
    struct queued_command {
        frame message;
        Opcode op;
    };
    using actions = std::vector<action>;

    void validate() const;
    void handle(const message_received& in, actions& out);
    void handle(const socket_closed& in, actions& out);
    void handle(const timer_fired& in, actions& out);
    void handle(const identify_granted& in, actions& out);
    void handle(const user_command& in, actions& out);
    void handle(encoded_command& in, actions& out);
    void handle(const shutdown_requested& in, actions& out);
    void handle(const socket_opened& in, actions& out);

    void on_hello(std::int64_t interval_ms, clock::time_point now, actions& out);
    void on_dispatch(inbound& msg, clock::time_point now, actions& out);
    void note_mismatches(const GatewayMessage& m);
    void submit(frame f, Opcode op, clock::time_point now, actions& out);
    void send_identify(link& conn, clock::time_point now, actions& out);
    void send_heartbeat(link& conn, clock::time_point now, actions& out);
    void emit(frame f, Opcode op, actions& out);
    void flush_queue(clock::time_point now, actions& out);
    void sync_timer(clock::time_point now, actions& out);
    void refuse(boost::system::error_code ec, Opcode op, std::string detail, actions& out);

    /// Why a connection ends toward a reconnect, and how the next one starts. A struct so
    /// call sites name each value (designated initialisers) instead of passing bare bools.
    struct reconnect_plan {
        close_cause cause;                  ///< why, as state::closed reports it
        std::string detail;                 ///< what happened, for the log and the close reason; the token is masked here
        std::optional<int> our_close{};     ///< the close code we send; empty when the server closed first
        int code = 0;                       ///< the close code state::closed reports (sent or received)
        bool resume = true;                 ///< keep the session if there is one; false identifies anew
        std::chrono::milliseconds delay{0}; ///< the least wait before reconnecting (back-off may add more)
    };

    /// Closes toward a reconnect as `plan` says.
    void reconnect_after(reconnect_plan plan, clock::time_point now, actions& out);
    /// Counts the ending connection as healthy or short-lived; returns the back-off to add.
    std::chrono::milliseconds settle_backoff(clock::time_point now);
    /// The deadline of the handshake step being waited for, if any.
    std::optional<clock::time_point> deadline() const noexcept;
    void enter_closed(state::closed next, actions& out);

    link* current_link() noexcept;
    std::optional<session_info> current_session() const;
    void log(log_level level, std::string line) const;

    client_config config_;
    client_state state_;
    client_stats stats_;
    std::deque<queued_command> pending_;
    std::optional<clock::time_point> timer_;
    std::minstd_rand rng_;
    /// Storage of the last non-dispatch message, reused for the next one: a GatewayMessage
    /// is ~17 KB, and only dispatches need their own (they leave in deliver_event).
    std::shared_ptr<GatewayMessage> spare_;
    event_set mismatch_logged_; // event types whose mismatched fields were logged (once each)
    /// The live (or resuming) session's id, shared with every deliver_event and
    /// event_decode_failed it produces; null before READY.
    std::shared_ptr<const std::string> session_id_;
};

} // namespace dgw
