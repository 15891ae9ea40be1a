#pragma once
/// Three-state field: absent, null, or a value. Discord's optional *and* nullable fields
/// (`field?: ?type`) mean different things in each state, e.g. GUILD_MEMBER_UPDATE with
/// `"nick": null` clears the nickname while a missing `nick` leaves it unchanged.

#include <optional>
#include <utility>

namespace dgw {

/// An optional, nullable field. Default-constructed it is absent.
template <class T>
class maybe {
public:
    /// Which of the three states the field is in.
    enum class state : unsigned char {
        absent, ///< the key was not sent
        null,   ///< the key was sent as null
        value,  ///< the key was sent with a value
    };

    /// Absent.
    maybe() = default;
    /// Null: `field = nullptr`.
    maybe(std::nullptr_t) : state_(state::null) {}
    /// Holds `v`.
    maybe(T v) : state_(state::value), value_(std::move(v)) {}

    /// True when the key was not sent.
    bool is_absent() const noexcept { return state_ == state::absent; }
    /// True when the key was sent as null.
    bool is_null() const noexcept { return state_ == state::null; }
    /// True when there is a value.
    bool has_value() const noexcept { return state_ == state::value; }
    /// The state, for a switch over all three.
    state which() const noexcept { return state_; }

    /// The value; only when has_value() (unchecked, like std::optional's operator*).
    T& value() { return *value_; }
    /// The value; only when has_value() (unchecked).
    const T& value() const { return *value_; }
    /// The value; only when has_value() (unchecked).
    T& operator*() { return *value_; }
    /// The value; only when has_value() (unchecked).
    const T& operator*() const { return *value_; }
    /// Member access to the value; only when has_value().
    T* operator->() { return &*value_; }
    /// Member access to the value; only when has_value().
    const T* operator->() const { return &*value_; }

    /// Sets the value and returns it (like std::optional::emplace).
    template <class... A> T& emplace(A&&... a) {
        state_ = state::value;
        return value_.emplace(std::forward<A>(a)...);
    }
    /// Makes it null (the key is sent as null), dropping any value.
    void set_null() noexcept { state_ = state::null; value_.reset(); }
    /// Makes it absent (the key is not sent), dropping any value.
    void reset() noexcept { state_ = state::absent; value_.reset(); }

    /// Same state and, when both hold one, equal values.
    friend bool operator==(const maybe&, const maybe&) = default;

private:
    state state_ = state::absent;
    std::optional<T> value_;
};

} // namespace dgw
