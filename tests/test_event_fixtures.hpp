#pragma once
// The event fixtures (tests/fixtures/events/*.json: one gateway message per file, modeled
// on Discord's documented examples), loaded once, and hand-made ETF from JSON values.

#include "test_files.hpp"

#include <dgw/etf/json.hpp>
#include <dgw/gateway.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace dgw_test {

struct event_fixture {
    std::string name;         // file stem, e.g. "GUILD_CREATE.unavailable"
    std::string text;         // the JSON file as written
    boost::json::value value; // a whole gateway message {"t","s","op","d"}
};

/// Every fixture, sorted by name.
inline const std::vector<event_fixture>& event_fixtures() {
    static const std::vector<event_fixture> all = [] {
        std::vector<event_fixture> v;
        for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(DGW_FIXTURES) / "events"))
            if (e.path().extension() == ".json") {
                std::string text = read_file(e.path());
                boost::json::value val = boost::json::parse(text);
                v.push_back({e.path().stem().string(), std::move(text), std::move(val)});
            }
        std::sort(v.begin(), v.end(), [](const event_fixture& a, const event_fixture& b) { return a.name < b.name; });
        return v;
    }();
    return all;
}

inline const event_fixture& event_fixture_named(const std::string& name) {
    for (const auto& f : event_fixtures())
        if (f.name == name) return f;
    BOOST_FAIL("no fixture " << name);
    throw std::logic_error("unreachable");
}

/// An ETF message from a JSON value with atom keys (Discord's receive style, except that
/// strings stay binaries); for hand-made cases where Erlang's exact bytes do not matter.
inline std::string etf_of(const boost::json::value& v) {
    std::string out;
    dgw::etf::from_json(v, out, dgw::etf::writer_options{true});
    return out;
}

/// Where two JSON values first differ, for messages that say which field broke.
inline std::string first_diff(const boost::json::value& a, const boost::json::value& b, const std::string& path = "$") {
    if (a == b) return {};
    if (a.is_object() && b.is_object()) {
        for (const auto& [k, v] : a.as_object()) {
            const boost::json::value* w = b.as_object().if_contains(k);
            if (!w) return path + "." + std::string(k) + ": only on the left";
            if (auto d = first_diff(v, *w, path + "." + std::string(k)); !d.empty()) return d;
        }
        for (const auto& [k, v] : b.as_object())
            if (!a.as_object().contains(k)) return path + "." + std::string(k) + ": only on the right";
    }
    if (a.is_array() && b.is_array() && a.as_array().size() == b.as_array().size()) {
        for (std::size_t i = 0; i < a.as_array().size(); ++i)
            if (auto d = first_diff(a.as_array()[i], b.as_array()[i], path + "[" + std::to_string(i) + "]"); !d.empty())
                return d;
    }
    return path + ": " + boost::json::serialize(a) + " vs " + boost::json::serialize(b);
}

/// The message decoded with `opt`, or the test case fails with the reason.
inline dgw::GatewayMessage must_decode(std::string_view bytes, dgw::Encoding enc, const dgw::decode_options& opt) {
    dgw::GatewayMessage m;
    dgw::decode_error err;
    BOOST_REQUIRE_MESSAGE(dgw::decode(bytes, enc, m, err, opt), dgw::to_string(enc) << ": " << err.message());
    return m;
}

/// The message encoded, or the test case fails with the reason.
inline std::string must_encode(const dgw::GatewayMessage& m, dgw::Encoding enc) {
    std::string out;
    dgw::decode_error err;
    BOOST_REQUIRE_MESSAGE(dgw::encode(m, enc, out, err), err.message());
    return out;
}

} // namespace dgw_test
