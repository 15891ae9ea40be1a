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
    boxed() : p_(std::make_unique<T>()) {}
    boxed(T v) : p_(std::make_unique<T>(std::move(v))) {}
    boxed(const boxed& o) : p_(std::make_unique<T>(*o)) {}
    boxed(boxed&&) noexcept = default;
    boxed& operator=(const boxed& o) { if (this != &o) p_ = std::make_unique<T>(*o); return *this; }
    boxed& operator=(boxed&&) noexcept = default;
    ~boxed() = default;

    T& get() { if (!p_) p_ = std::make_unique<T>(); return *p_; }
    const T& get() const { static const T empty{}; return p_ ? *p_ : empty; }
    T& operator*() { return get(); }
    const T& operator*() const { return get(); }
    T* operator->() { return &get(); }
    const T* operator->() const { return &get(); }

    friend bool operator==(const boxed& a, const boxed& b) { return a.get() == b.get(); }

private:
    std::unique_ptr<T> p_;
};

} // namespace dgw
