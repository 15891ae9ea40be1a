#pragma once
/// A Boost.JSON value held behind a pointer, for the one free-form JSON field of the
/// client's API: the `d` of a dgw::command (an opcode this build has no struct for).
///
/// Why not a boost::json::value member: it would make every client header include
/// Boost.JSON's DOM (value, object, array, string and their allocators), which a program
/// that only uses the typed commands never touches. json_box needs only
/// <boost/json/fwd.hpp>; its members are defined (and instantiated for boost::json::value)
/// in the library, so making, copying and destroying one needs
/// nothing more. Code that reads or builds the JSON includes the Boost.JSON headers it uses.
/// Inside, it is a dgw::boxed: the same value semantics, compiled where T is complete.

#include <dgw/boxed.hpp>

#include <boost/json/fwd.hpp>

namespace dgw {

/// Owns one T (boost::json::value) with value semantics; never
/// observed empty (a moved-from box reads as a default T, and is re-filled on write).
template <class T>
class json_box {
public:
    json_box(); ///< a default T (null)
    json_box(T v); ///< implicit, so `command{op, d}` reads naturally
    json_box(const json_box& o); ///< deep copy
    json_box(json_box&& o) noexcept; ///< takes o's value; o reads as a default T afterwards
    json_box& operator=(const json_box& o); ///< deep copy
    json_box& operator=(json_box&& o) noexcept; ///< takes o's value; o reads as a default T afterwards
    ~json_box(); ///< frees the value

    T& get(); ///< the value (a default T is made first if the box was moved from)
    const T& get() const; ///< the value (a default T if the box was moved from)
    T& operator*() { return get(); } ///< get()
    const T& operator*() const { return get(); } ///< get()
    T* operator->() { return &get(); } ///< &get()
    const T* operator->() const { return &get(); } ///< &get()

private:
    boxed<T> b_;
};

// The only instantiation; it lives in the library (outbound.cpp).
extern template class json_box<boost::json::value>;

} // namespace dgw
