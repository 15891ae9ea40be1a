#pragma once
/// A heap-held value with value semantics: copies deep, compares by value. Used only where
/// a type contains itself (a Message's `referenced_message`, a Component's `accessory`),
/// since a struct cannot hold itself by value.

#include <memory>
#include <utility>

namespace dgw {

/// Owns one T on the heap; never null after construction (a moved-from box is re-filled on use).
template <class T>
class boxed {
public:
    /// Holds a value-initialised T.
    boxed() : p_(std::make_unique<T>()) {}
    /// Holds `v` (implicit, so a T assigns to a boxed field directly).
    boxed(T v) : p_(std::make_unique<T>(std::move(v))) {}
    /// Deep copy.
    boxed(const boxed& o) : p_(std::make_unique<T>(*o)) {}
    /// Takes the other's heap object; the source is re-filled when next used.
    boxed(boxed&&) noexcept = default;
    /// Deep copy.
    boxed& operator=(const boxed& o) { if (this != &o) p_ = std::make_unique<T>(*o); return *this; }
    /// Takes the other's heap object; the source is re-filled when next used.
    boxed& operator=(boxed&&) noexcept = default;
    ~boxed() = default;

    /// The held value (a moved-from box first gets a fresh T).
    T& get() { if (!p_) p_ = std::make_unique<T>(); return *p_; }
    /// The held value; a moved-from box reads as a value-initialised T.
    const T& get() const { static const T empty{}; return p_ ? *p_ : empty; }
    /// Same as get().
    T& operator*() { return get(); }
    /// Same as get().
    const T& operator*() const { return get(); }
    /// Member access to the held value.
    T* operator->() { return &get(); }
    /// Member access to the held value.
    const T* operator->() const { return &get(); }

    /// Compares the held values, not the pointers.
    friend bool operator==(const boxed& a, const boxed& b) { return a.get() == b.get(); }

private:
    std::unique_ptr<T> p_;
};

} // namespace dgw
