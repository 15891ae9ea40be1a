#include <dgw/event_handlers.hpp>

#include <dgw/gateway.hpp>

#include <algorithm>
#include <stdexcept>

namespace dgw {

// The registry relies on the generated variant order; check a few fixed points of it.
static_assert(event_type_of<events::ApplicationCommandPermissionsUpdate> ==
              EventType::ApplicationCommandPermissionsUpdate);
static_assert(event_type_of<events::MessageCreate> == EventType::MessageCreate);
static_assert(event_type_of<events::Ready> == EventType::Ready);
static_assert(event_type_of<events::WebhooksUpdate> == EventType::WebhooksUpdate);
static_assert(std::variant_size_v<Event> == event_type_count + 1);
static_assert(!is_event_v<RawEvent> && !is_event_v<int>);

void event_handlers::add(EventType t, erased_handler fn) {
    typed_[static_cast<std::size_t>(t)].push_back(std::move(fn));
}

event_handlers& event_handlers::on_type(EventType t, erased_handler fn) {
    if (t == EventType::Unknown || static_cast<std::size_t>(t) > event_type_count)
        throw std::invalid_argument("event_handlers::on_type: not a known event type");
    add(t, std::move(fn));
    return *this;
}

event_handlers& event_handlers::on_raw(raw_handler fn, raw_scope scope) {
    raw_.push_back(raw_entry{std::move(fn), scope});
    raw_all_ = raw_all_ || scope == raw_scope::all || scope == raw_scope::all_with_data;
    return *this;
}

event_handlers& event_handlers::on_decode_error(error_handler fn) {
    errors_.push_back(std::move(fn));
    return *this;
}

event_set event_handlers::events() const noexcept {
    event_set s;
    for (std::size_t i = 1; i < typed_.size(); ++i)
        if (!typed_[i].empty()) s.insert(static_cast<EventType>(i));
    return s;
}

Intents event_handlers::intents() const noexcept { return intents_for(events()); }

void event_handlers::apply(client_config& cfg) const {
    cfg.decode_events = events();
    cfg.keep_unhandled_raw = std::any_of(raw_.begin(), raw_.end(), [](const raw_entry& r) {
        return r.scope == raw_scope::unknown_and_unhandled || r.scope == raw_scope::all_with_data;
    });
    cfg.keep_decoded_raw = std::any_of(raw_.begin(), raw_.end(),
                                       [](const raw_entry& r) { return r.scope == raw_scope::all_with_data; });
    cfg.identify.intents |= intents();
}

bool event_handlers::dispatch(const deliver_event& e) const {
    if (!e.message) return false;
    const Event& ev = e.message->event;
    const std::string_view session = e.session_id ? std::string_view(*e.session_id) : std::string_view();
    const dispatch_info info{e.t, e.s, e.type, e.shard_id, session};
    auto covers = [](raw_scope s, bool unknown, bool unhandled) {
        switch (s) {
        case raw_scope::unknown: return unknown;
        case raw_scope::unknown_and_unhandled: return unknown || unhandled;
        case raw_scope::all:
        case raw_scope::all_with_data: return true;
        }
        return false;
    };
    bool ran = false;
    auto run_raw = [&](const RawEvent& raw, bool unknown, bool unhandled) {
        for (const auto& r : raw_)
            if (covers(r.scope, unknown, unhandled)) {
                r.fn(raw, info);
                ran = true;
            }
        return ran;
    };
    if (!std::holds_alternative<RawEvent>(ev)) {
        const auto& hs = typed_[ev.index()];
        for (const auto& h : hs) h(ev, info);
        ran = !hs.empty();
        if (!raw_all_) return ran;
        // d as received when the client kept it (keep_decoded_raw), else the name only:
        // the struct is then all there is of d.
        RawEvent named;
        const bool kept = !e.message->raw.data.empty();
        if (!kept) named.name = e.t;
        return run_raw(kept ? e.message->raw : named, false, false);
    }
    const bool unknown = e.type == EventType::Unknown;
    const bool unhandled = !unknown && typed_[static_cast<std::size_t>(e.type)].empty();
    return run_raw(std::get<RawEvent>(ev), unknown, unhandled);
}

bool event_handlers::dispatch(const event_decode_failed& e) const {
    for (const auto& h : errors_) h(e);
    return !errors_.empty();
}

bool event_handlers::dispatch(const action& a) const {
    if (const auto* e = std::get_if<deliver_event>(&a)) return dispatch(*e);
    if (const auto* f = std::get_if<event_decode_failed>(&a)) return dispatch(*f);
    return false;
}

} // namespace dgw
