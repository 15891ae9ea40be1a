#pragma once
/// Templates that build `type_info` tables for a concrete C++ type. Included only by
/// generated .cpp files and codec/builtin.cpp: every instantiation lives there, so the
/// public headers stay template-light.

#include <dgw/boxed.hpp>
#include <dgw/detail/codec/type_info.hpp>
#include <dgw/maybe.hpp>
#include <dgw/snowflake.hpp>

#include <map>
#include <optional>
#include <type_traits>
#include <vector>

namespace dgw::codec {

template <class T>
struct wrap_ops {
    static void* opt_emplace(void* p) { return &static_cast<std::optional<T>*>(p)->emplace(); }
    static void opt_reset(void* p) { static_cast<std::optional<T>*>(p)->reset(); }
    static const void* opt_get(const void* p) {
        auto& o = *static_cast<const std::optional<T>*>(p);
        return o ? &*o : nullptr;
    }
    static void* maybe_emplace(void* p) { return &static_cast<maybe<T>*>(p)->emplace(); }
    static void maybe_set_null(void* p) { static_cast<maybe<T>*>(p)->set_null(); }
    static void maybe_reset(void* p) { static_cast<maybe<T>*>(p)->reset(); }
    static int maybe_state(const void* p) { return static_cast<int>(static_cast<const maybe<T>*>(p)->which()); }
    static const void* maybe_get(const void* p) {
        auto& m = *static_cast<const maybe<T>*>(p);
        return m.has_value() ? &*m : nullptr;
    }
    static void clear(void* p) { *static_cast<T*>(p) = T{}; }
};

/// The kind-independent part: wrappers of T.
template <class T>
constexpr type_info base_info(kind k, std::string_view name) {
    type_info ti{};
    ti.k = k;
    ti.name = name;
    ti.opt_emplace = &wrap_ops<T>::opt_emplace;
    ti.opt_reset = &wrap_ops<T>::opt_reset;
    ti.opt_get = &wrap_ops<T>::opt_get;
    ti.maybe_emplace = &wrap_ops<T>::maybe_emplace;
    ti.maybe_set_null = &wrap_ops<T>::maybe_set_null;
    ti.maybe_reset = &wrap_ops<T>::maybe_reset;
    ti.maybe_state = &wrap_ops<T>::maybe_state;
    ti.maybe_get = &wrap_ops<T>::maybe_get;
    ti.clear = &wrap_ops<T>::clear;
    return ti;
}

template <class S>
struct object_ops {
    static std::uint64_t* missing(void* p) { return &static_cast<S*>(p)->missing_; }
    static std::uint64_t cmissing(const void* p) { return static_cast<const S*>(p)->missing_; }
    static unknown_fields* unknown(void* p) { return &static_cast<S*>(p)->unknown_; }
    static const unknown_fields* cunknown(const void* p) { return &static_cast<const S*>(p)->unknown_; }
};

/// A generated struct S with its field table (`n` entries) and key lookup.
template <class S>
constexpr type_info object_info(std::string_view name, const field_info* fields, std::size_t n,
                                int (*find)(std::string_view), std::uint64_t required_mask,
                                field_order* order = nullptr) {
    type_info ti = base_info<S>(kind::object, name);
    ti.fields = fields;
    ti.field_count = static_cast<std::uint16_t>(n);
    ti.find = find;
    ti.required_mask = required_mask;
    ti.order = order;
    ti.missing = &object_ops<S>::missing;
    ti.cmissing = &object_ops<S>::cmissing;
    ti.unknown = &object_ops<S>::unknown;
    ti.cunknown = &object_ops<S>::cunknown;
    return ti;
}

template <class E>
struct int_ops {
    static void set(void* p, std::int64_t v) { *static_cast<E*>(p) = static_cast<E>(v); }
    static std::int64_t get(const void* p) { return static_cast<std::int64_t>(*static_cast<const E*>(p)); }
};

/// An integer enum or a flags type (kind int_enum, flags or string_flags).
template <class E>
constexpr type_info int_info(kind k, std::string_view name) {
    // The decoder stores these by copying 8 bytes (see detail/codec/pull.hpp store_int).
    static_assert(sizeof(E) == sizeof(std::int64_t) && std::is_trivially_copyable_v<E>);
    type_info ti = base_info<E>(k, name);
    ti.set_int = &int_ops<E>::set;
    ti.get_int = &int_ops<E>::get;
    return ti;
}

template <class T>
struct vector_ops {
    using V = std::vector<T>;
    static void* emplace_back(void* p) { return &static_cast<V*>(p)->emplace_back(); }
    static void reserve(void* p, std::size_t n) { static_cast<V*>(p)->reserve(n); }
    static std::size_t size(const void* p) { return static_cast<const V*>(p)->size(); }
    static const void* at(const void* p, std::size_t i) { return &(*static_cast<const V*>(p))[i]; }
};

/// std::vector<T> where `elem` describes T.
template <class T>
constexpr type_info array_info(std::string_view name, const type_info* elem) {
    type_info ti = base_info<std::vector<T>>(kind::array, name);
    ti.elem = elem;
    ti.emplace_back = &vector_ops<T>::emplace_back;
    ti.reserve = &vector_ops<T>::reserve;
    ti.elem_size = static_cast<std::uint32_t>(sizeof(T));
    ti.size = &vector_ops<T>::size;
    ti.at = &vector_ops<T>::at;
    return ti;
}

template <class T>
struct map_ops {
    using M = std::map<Snowflake, T>;
    static void* emplace(void* p, std::uint64_t k) { return &(*static_cast<M*>(p))[Snowflake{k}]; }
    static std::size_t size(const void* p) { return static_cast<const M*>(p)->size(); }
    static void each(const void* p, void* ctx, void (*cb)(void*, std::uint64_t, const void*)) {
        for (auto& [k, v] : *static_cast<const M*>(p)) cb(ctx, k.value, &v);
    }
};

/// std::map<Snowflake, T> where `elem` describes T.
template <class T>
constexpr type_info map_info(std::string_view name, const type_info* elem) {
    type_info ti = base_info<std::map<Snowflake, T>>(kind::map, name);
    ti.elem = elem;
    ti.map_emplace = &map_ops<T>::emplace;
    ti.size = &map_ops<T>::size;
    ti.map_each = &map_ops<T>::each;
    return ti;
}

template <class T>
struct box_ops {
    static void* unbox(void* p) { return &static_cast<boxed<T>*>(p)->get(); }
    static const void* cunbox(const void* p) { return &static_cast<const boxed<T>*>(p)->get(); }
};

/// dgw::boxed<T> where `elem` describes T.
template <class T>
constexpr type_info boxed_info(std::string_view name, const type_info* elem) {
    type_info ti = base_info<boxed<T>>(kind::boxed, name);
    ti.elem = elem;
    ti.unbox = &box_ops<T>::unbox;
    ti.cunbox = &box_ops<T>::cunbox;
    return ti;
}

} // namespace dgw::codec
