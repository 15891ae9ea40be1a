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
    enum class state : unsigned char { absent, null, value };

    maybe() = default;
    maybe(std::nullptr_t) : state_(state::null) {}
    maybe(T v) : state_(state::value), value_(std::move(v)) {}

    bool is_absent() const noexcept { return state_ == state::absent; }
    bool is_null() const noexcept { return state_ == state::null; }
    bool has_value() const noexcept { return state_ == state::value; }
    state which() const noexcept { return state_; }

    T& value() { return *value_; }
    const T& value() const { return *value_; }
    T& operator*() { return *value_; }
    const T& operator*() const { return *value_; }
    T* operator->() { return &*value_; }
    const T* operator->() const { return &*value_; }

    /// Sets the value and returns it (like std::optional::emplace).
    template <class... A> T& emplace(A&&... a) {
        state_ = state::value;
        return value_.emplace(std::forward<A>(a)...);
    }
    void set_null() noexcept { state_ = state::null; value_.reset(); }
    void reset() noexcept { state_ = state::absent; value_.reset(); }

    friend bool operator==(const maybe&, const maybe&) = default;

private:
    state state_ = state::absent;
    std::optional<T> value_;
};

} // namespace dgw
