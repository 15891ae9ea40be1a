#include <dgw/outbound.hpp>

#include <dgw/codec/encode.hpp>
#include <dgw/etf/json.hpp>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace dgw {

template <class T>
json_box<T>::json_box() = default;
template <class T>
json_box<T>::json_box(T v) : b_(std::move(v)) {}
template <class T>
json_box<T>::json_box(const json_box&) = default;
template <class T>
json_box<T>::json_box(json_box&&) noexcept = default;
template <class T>
json_box<T>& json_box<T>::operator=(const json_box&) = default;
template <class T>
json_box<T>& json_box<T>::operator=(json_box&&) noexcept = default;
template <class T>
json_box<T>::~json_box() = default;
template <class T>
T& json_box<T>::get() { return b_.get(); }
template <class T>
const T& json_box<T>::get() const { return b_.get(); }

template class json_box<boost::json::value>;

commands::IdentifyConnectionProperties default_identify_properties() {
    commands::IdentifyConnectionProperties p;
    p.os = "linux";
    p.browser = "dgw";
    p.device = "dgw";
    return p;
}

commands::Identify identify_command(const identify_params& p) {
    commands::Identify id;
    id.token = p.token;
    id.properties = p.properties;
    id.intents = static_cast<std::int64_t>(p.intents);
    id.shard = std::vector<std::int64_t>{p.shard_id, p.shard_count};
    id.presence = p.presence;
    if (p.large_threshold) id.large_threshold = *p.large_threshold;
    if (p.compress) id.compress = true;
    return id;
}

// The user's own d is the one Boost.JSON DOM on the send path: it is serialized here and
// handed to the same envelope writer as the generated commands.
frame encode_frame(const command& c, Encoding enc) {
    frame f;
    f.binary = enc == Encoding::Etf;
    std::string d;
    if (f.binary) etf::from_json(c.d.get(), d, etf::writer_options{false}); // binary keys, as clients must send
    else d = boost::json::serialize(c.d.get());
    codec::encode_command(static_cast<std::int64_t>(c.op), codec::payload_ref{nullptr, nullptr, d}, f.binary, f.bytes);
    return f;
}

} // namespace dgw
