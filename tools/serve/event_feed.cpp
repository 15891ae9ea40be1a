// Loading, routing and encoding the served dispatches (event_feed.hpp).
#include "event_feed.hpp"

#include "../diag.hpp"
#include "../input.hpp"
#include "../output.hpp"

#include <dgw/etf/json.hpp>
#include <dgw/gateway.hpp>

#include <boost/json.hpp>

#include <charconv>
#include <stdexcept>

namespace dgw::tool::serve {

namespace {

struct entry {
    std::string t;
    std::optional<std::uint64_t> guild;
    // The message as read: decoded into the generated types and encoded again per send
    // (a GatewayMessage per event would cost kilobytes each: the largest event's size).
    std::string bytes;
    Encoding enc = Encoding::Json;
};

std::optional<std::uint64_t> snowflake(const boost::json::value* v) {
    if (!v) return std::nullopt;
    if (v->is_uint64()) return v->as_uint64();
    if (v->is_int64() && v->as_int64() >= 0) return static_cast<std::uint64_t>(v->as_int64());
    if (v->is_string()) {
        const auto& s = v->as_string();
        std::uint64_t x = 0;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
        if (ec == std::errc{} && p == s.data() + s.size()) return x;
    }
    return std::nullopt;
}

} // namespace

struct event_feed::impl {
    std::vector<entry> events;
    std::vector<std::vector<std::size_t>> shards{1};
};

event_feed::event_feed() : p_(std::make_unique<impl>()) {}
event_feed::~event_feed() = default;
event_feed::event_feed(event_feed&&) noexcept = default;
event_feed& event_feed::operator=(event_feed&&) noexcept = default;

event_feed event_feed::load(const std::string& path, unsigned shards) {
    event_feed feed;
    impl& p = *feed.p_;
    p.shards.assign(std::max(1u, shards), {});
    diag d(true);
    file_source in(path); // throws std::runtime_error
    auto src = open_source(in, {}, d);
    if (!src) throw std::runtime_error("--events " + path + ": unreadable (see above)");
    message m;
    boost::json::value generic;
    std::string why;
    while (src->next(m)) {
        if (m.dir != capture::direction::recv) continue;
        const Encoding enc = looks_like_etf(m.bytes) ? Encoding::Etf : Encoding::Json;
        if (!to_value(m.bytes, enc, generic, why) || !generic.is_object()) {
            d.error(position(m) + ": " + (why.empty() ? "not an object" : why) + "; skipped");
            continue;
        }
        auto& o = generic.as_object();
        const auto* op = o.if_contains("op");
        if (!op || !op->is_number() || op->to_number<std::int64_t>() != 0) continue;
        entry e;
        if (const auto* t = o.if_contains("t"); t && t->is_string()) e.t = std::string(t->as_string());
        if (e.t.empty() || e.t == "READY" || e.t == "RESUMED") continue;
        if (const auto* dv = o.if_contains("d"); dv && dv->is_object()) {
            const auto& dd = dv->as_object();
            e.guild = snowflake(dd.if_contains("guild_id"));
            if (!e.guild && (e.t == "GUILD_CREATE" || e.t == "GUILD_UPDATE" || e.t == "GUILD_DELETE"))
                e.guild = snowflake(dd.if_contains("id"));
        }
        e.bytes = std::string(m.bytes);
        e.enc = enc;
        const unsigned shard = e.guild ? static_cast<unsigned>((*e.guild >> 22) % p.shards.size()) : 0;
        p.shards[shard].push_back(p.events.size());
        p.events.push_back(std::move(e));
    }
    return feed;
}

std::size_t event_feed::size() const noexcept { return p_->events.size(); }

const std::vector<std::size_t>& event_feed::for_shard(unsigned shard) const {
    static const std::vector<std::size_t> none;
    return shard < p_->shards.size() ? p_->shards[shard] : none;
}

std::string_view event_feed::name(std::size_t i) const { return p_->events.at(i).t; }

std::vector<std::string> event_feed::guilds(unsigned shard) const {
    std::vector<std::string> out;
    for (std::size_t i : for_shard(shard)) {
        const entry& e = p_->events[i];
        if (e.t == "GUILD_CREATE" && e.guild) {
            const std::string id = std::to_string(*e.guild);
            if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
        }
    }
    return out;
}

bool event_feed::encode(std::size_t i, std::int64_t s, Encoding enc, std::string& out) const {
    const entry& e = p_->events.at(i);
    decode_options opt;
    opt.limits.keep_unknown = true; // serve what the file has, unknown fields included
    GatewayMessage msg;
    decode_error err;
    if (decode(e.bytes, e.enc, msg, err, opt)) {
        // What `dgw convert` writes: ETF as Discord sends it (atom keys, integer snowflakes).
        msg.s = s;
        return dgw::encode(msg, enc, out, err);
    }
    // Not of its schema type: the generic conversion (snowflakes beyond 2^53 as strings).
    boost::json::value v;
    std::string why;
    if (!to_value(e.bytes, e.enc, v, why) || !v.is_object()) return false;
    v.as_object()["s"] = s;
    if (enc == Encoding::Json) out += boost::json::serialize(v);
    else etf::from_json(v, out, {.atom_keys = true});
    return true;
}

} // namespace dgw::tool::serve
