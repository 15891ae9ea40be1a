#pragma once
/// Per-type event handlers on top of the client's deliver_event actions.
///
/// The registry is also the source of two client settings, so that what a bot handles,
/// what it decodes and what it subscribes to cannot drift apart:
///
/// ```cpp
/// dgw::event_handlers handlers;
/// handlers.on<dgw::events::MessageCreate>([](const auto& m, const dgw::dispatch_info&) { ... });
/// handlers.on_raw([](const dgw::RawEvent& e, const dgw::dispatch_info&) { ... });
/// // every dispatch, READY and RESUMED included, as t/s/session/shard (no copy of `d`):
/// handlers.on_raw([](const dgw::RawEvent&, const dgw::dispatch_info& i) { log(i.t, i.s, i.session_id); },
///                 dgw::raw_scope::all);
/// dgw::client_config cfg = ...;
/// handlers.apply(cfg); // decode_events = handled events; identify.intents |= their intents
/// // or by hand: cfg.identify.intents = handlers.intents();
/// ...
/// for (auto& a : client.on_message(bytes, now)) handlers.dispatch(a); // events; other actions as before
/// ```
///
/// Not thread-safe; register everything before the first dispatch.

#include <dgw/client.hpp>
#include <dgw/events.hpp>
#include <dgw/intents.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace dgw {

/// The envelope of the dispatch a handler is called for.
///
/// Everything a handler may want to know about where an event came from, so that it
/// never needs the client: the views point into the deliver_event being dispatched and
/// are valid during the call only (copy them to keep them).
struct dispatch_info {
    std::string_view t;                  ///< event name as received; valid during the call only
    std::optional<std::int64_t> s;       ///< sequence number
    EventType type = EventType::Unknown; ///< t as an EventType
    std::uint32_t shard_id = 0;          ///< the shard that received it
    /// The session the event belongs to: READY's session_id from READY on (READY included),
    /// the resumed session's id on a resuming connection (replays and RESUMED included).
    /// Empty before READY. Valid during the call only.
    std::string_view session_id;
};

namespace detail {
template <class E, class... Ts>
constexpr std::size_t index_in_variant(const std::variant<Ts...>*) noexcept {
    constexpr bool same[] = {std::is_same_v<E, Ts>...};
    for (std::size_t i = 0; i < sizeof...(Ts); ++i)
        if (same[i]) return i;
    return sizeof...(Ts);
}
} // namespace detail

/// True for the generated event structs (alternatives of dgw::Event other than RawEvent).
template <class E>
inline constexpr bool is_event_v = !std::is_same_v<E, RawEvent> &&
                                   detail::index_in_variant<E>(static_cast<const Event*>(nullptr)) <
                                       std::variant_size_v<Event>;

/// The EventType of an event struct, e.g. EventType::MessageCreate for events::MessageCreate.
///
/// The generated dgw::Event lists its alternatives in EventType order (RawEvent first, for
/// Unknown), so the index of E in the variant is its EventType; no table to keep in sync.
template <class E>
    requires is_event_v<E>
inline constexpr EventType event_type_of =
    static_cast<EventType>(detail::index_in_variant<E>(static_cast<const Event*>(nullptr)));

/// Which dispatches reach an on_raw handler, and whether they keep `d`.
///
/// Each handler gets the scope it registered with. `RawEvent::data` holds `d` when the
/// client kept it: always for unknown names; for known events left undecoded when
/// client_config::keep_unhandled_raw is set (apply() sets it when any handler asked for
/// `unknown_and_unhandled` or `all_with_data`); for events the client decoded (those with
/// a typed handler, and READY) when client_config::keep_decoded_raw is set (apply() sets
/// it for `all_with_data`): `d` as received, beside the struct.
/// A handler may see `d` it did not ask for; test `data.empty()`.
enum class raw_scope {
    /// Only names this build does not know (Discord adds events every month); always with `d`.
    unknown,
    /// Also known events nobody registered a typed handler for. apply() then sets
    /// client_config::keep_unhandled_raw, which costs a copy of every such event's `d`.
    unknown_and_unhandled,
    /// Every dispatch, READY and RESUMED included, after the typed handlers of the same
    /// event. Costs no copy of `d`: known events arrive as name and envelope (dispatch_info).
    all,
    /// As `all`, with every `d`: known events without a typed handler keep theirs (as
    /// `unknown_and_unhandled`), and decoded ones (typed, READY) keep theirs as received.
    /// Costs a copy of every dispatch's `d`: for raw logs and forwarders.
    all_with_data,
};

/// Handlers by event type, one raw handler set for the rest, and one for decode failures.
///
/// Several handlers for one type run in registration order. A handler that throws
/// propagates out of dispatch(); the client's state is not involved (it already moved on).
class event_handlers {
public:
    /// A type-erased typed handler: receives the Event holding the registered alternative.
    using erased_handler = std::function<void(const Event&, const dispatch_info&)>;
    /// Receives a RawEvent (name, undecoded `d` as JSON text or an ETF term, encoding).
    using raw_handler = std::function<void(const RawEvent&, const dispatch_info&)>;
    /// Receives a dispatch whose `d` did not fit its type (the session goes on).
    using error_handler = std::function<void(const event_decode_failed&)>;

    /// Registers `fn` for event E; `fn` takes (const E&, const dispatch_info&) or (const E&).
    template <class E, class F>
        requires is_event_v<E>
    event_handlers& on(F fn) {
        constexpr bool with_info = std::is_invocable_v<F&, const E&, const dispatch_info&>;
        static_assert(with_info || std::is_invocable_v<F&, const E&>,
                      "an event handler takes (const E&, const dispatch_info&) or (const E&)");
        add(event_type_of<E>, [fn = std::move(fn)](const Event& e, const dispatch_info& i) mutable {
            if constexpr (with_info) fn(*std::get_if<E>(&e), i);
            else fn(*std::get_if<E>(&e));
        });
        return *this;
    }

    /// Registers `fn` for the event type `t` chosen at run time (a forwarder that publishes
    /// a configured list of events); `fn` gets the Event holding that type's struct.
    /// Unknown is refused (std::invalid_argument): unknown names reach on_raw handlers.
    event_handlers& on_type(EventType t, erased_handler fn);

    /// Registers a raw handler; `scope` says what reaches it (see raw_scope).
    event_handlers& on_raw(raw_handler fn, raw_scope scope = raw_scope::unknown);

    /// Registers a handler for event_decode_failed actions.
    event_handlers& on_decode_error(error_handler fn);

    /// The event types with at least one typed handler.
    event_set events() const noexcept;

    /// The intents that deliver every handled event (intents_for(events())).
    ///
    /// MESSAGE_CONTENT gates no event, only message fields, so it is never derived: add it
    /// yourself. Raw handlers add nothing (an unknown event's intent is unknown).
    Intents intents() const noexcept;

    /// Configures a client for these handlers: decode_events = events(),
    /// keep_unhandled_raw = a raw handler asked for the `d` of unhandled events,
    /// keep_decoded_raw = a raw handler asked for every `d` (all_with_data), and the derived
    /// intents OR-ed into identify.intents (bits already set, like MESSAGE_CONTENT, stay).
    void apply(client_config& cfg) const;

    /// Calls the handlers for one delivered event; true if any ran.
    ///
    /// A typed event goes to the handlers of its type, then to the raw handlers of scope
    /// `all`/`all_with_data` as a RawEvent with its name, and its `d` when the client kept
    /// it (client_config::keep_decoded_raw). A RawEvent goes to
    /// each raw handler whose scope covers it: unknown names to all of them; known events
    /// without a typed handler to the `unknown_and_unhandled` and `all*` ones. A handled
    /// type that arrives as a RawEvent (the client's decode_events left it out: apply() was
    /// not called) reaches only the `all*` raw handlers.
    bool dispatch(const deliver_event& e) const;
    /// Calls the decode-error handlers; true if any ran.
    bool dispatch(const event_decode_failed& e) const;
    /// Routes deliver_event and event_decode_failed; false for every other action.
    bool dispatch(const action& a) const;

private:
    void add(EventType t, erased_handler fn);

    std::array<std::vector<erased_handler>, event_type_count + 1> typed_;
    struct raw_entry {
        raw_handler fn;
        raw_scope scope;
    };
    std::vector<raw_entry> raw_;
    bool raw_all_ = false; // a raw handler of scope all or all_with_data exists
    std::vector<error_handler> errors_;
};

} // namespace dgw
