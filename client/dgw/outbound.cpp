#include <dgw/outbound.hpp>

#include <dgw/etf/json.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace dgw {

template <class T>
json_box<T>::json_box() : p_(std::make_unique<T>()) {}
template <class T>
json_box<T>::json_box(T v) : p_(std::make_unique<T>(std::move(v))) {}
template <class T>
json_box<T>::json_box(const json_box& o) : p_(std::make_unique<T>(o.get())) {}
template <class T>
json_box<T>::json_box(json_box&& o) noexcept = default;
template <class T>
json_box<T>& json_box<T>::operator=(const json_box& o) {
    if (this != &o) p_ = std::make_unique<T>(o.get());
    return *this;
}
template <class T>
json_box<T>& json_box<T>::operator=(json_box&& o) noexcept = default;
template <class T>
json_box<T>::~json_box() = default;
template <class T>
T& json_box<T>::get() {
    if (!p_) p_ = std::make_unique<T>();
    return *p_;
}
template <class T>
const T& json_box<T>::get() const {
    static const T empty{};
    return p_ ? *p_ : empty;
}

template class json_box<boost::json::value>;
template class json_box<boost::json::object>;

json_box<boost::json::object> default_identify_properties() {
    return boost::json::object{{"os", "linux"}, {"browser", "dgw"}, {"device", "dgw"}};
}

bool is_user_command(Opcode op) noexcept {
    switch (op) {
    case Opcode::PresenceUpdate:
    case Opcode::VoiceStateUpdate:
    case Opcode::RequestGuildMembers:
    case Opcode::RequestSoundboardSounds:
    case Opcode::RequestChannelInfo:
        return true;
    default:
        return false;
    }
}

boost::json::value heartbeat_payload(std::optional<std::int64_t> seq) {
    boost::json::object o;
    o["op"] = static_cast<int>(Opcode::Heartbeat);
    if (seq) o["d"] = *seq;
    else o["d"] = nullptr;
    return o;
}

boost::json::value identify_payload(const identify_params& p) {
    boost::json::object d;
    d["token"] = p.token;
    d["properties"] = p.properties.get();
    d["intents"] = p.intents;
    d["shard"] = boost::json::array{p.shard_id, p.shard_count};
    if (p.presence) d["presence"] = p.presence->get();
    if (p.large_threshold) d["large_threshold"] = *p.large_threshold;
    if (p.compress) d["compress"] = true;
    boost::json::object o;
    o["op"] = static_cast<int>(Opcode::Identify);
    o["d"] = std::move(d);
    return o;
}

boost::json::value resume_payload(const std::string& token, const std::string& session_id,
                                  std::optional<std::int64_t> seq) {
    boost::json::object d;
    d["token"] = token;
    d["session_id"] = session_id;
    if (seq) d["seq"] = *seq;
    else d["seq"] = nullptr;
    boost::json::object o;
    o["op"] = static_cast<int>(Opcode::Resume);
    o["d"] = std::move(d);
    return o;
}

boost::json::value command_payload(const command& c) {
    boost::json::object o;
    o["op"] = static_cast<int>(c.op);
    o["d"] = c.d.get();
    return o;
}

frame encode_payload(const boost::json::value& payload, Encoding enc) {
    frame f;
    if (enc == Encoding::Json) {
        f.bytes = boost::json::serialize(payload);
        f.binary = false;
    } else {
        // Default writer options use binary keys: atom keys are what Discord sends, not accepts.
        etf::from_json(payload, f.bytes, etf::writer_options{});
        f.binary = true;
    }
    return f;
}

} // namespace dgw
