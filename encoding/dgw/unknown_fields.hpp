#pragma once
/// The fields of an object that its generated type does not know, kept as received, so
/// that a typed decode -> encode loses nothing (`decode_options::keep_unknown`; the model
/// is protobuf's unknown-field set).

#include <dgw/encoding.hpp>

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>

namespace dgw {

namespace codec {
struct unknown_access;
}

/// Every generated struct has one (`unknown_`). Empty, it is one null pointer: types
/// decoded without `keep_unknown` pay nothing else. The encoders write the fields back
/// after the known ones, converted when the output's encoding differs from the input's.
class unknown_fields {
public:
    /// One field as it came: its key, and its value's bytes in `encoding`: compact JSON
    /// text, or an ETF term without the version byte.
    struct field {
        std::string_view key;               ///< as received (an atom's or a binary's text in ETF)
        std::string_view value;             ///< JSON text, or an ETF term without version byte
        Encoding encoding = Encoding::Json; ///< what `value` is written in

    };

    /// Walks the fields in the order they came.
    class iterator {
    public:
        using iterator_category = std::forward_iterator_tag; ///< a forward iterator
        using value_type = field;                            ///< fields are views, made on access
        using difference_type = std::ptrdiff_t;              ///< as for any iterator
        using reference = field;                             ///< by value: a field is two views
        using pointer = void;                                ///< no operator->

        /// An iterator of no sequence.
        iterator() noexcept = default;
        /// The field here.
        field operator*() const;
        /// To the next field.
        iterator& operator++();
        /// To the next field, returning this one.
        iterator operator++(int) {
            iterator was = *this;
            ++*this;
            return was;
        }
        /// Same position.
        bool operator==(const iterator& o) const noexcept { return at_ == o.at_; }

    private:
        friend class unknown_fields;
        iterator(const char* at) noexcept : at_(at) {}
        const char* at_ = nullptr;
    };

    /// No fields (no allocation).
    unknown_fields() noexcept = default;
    /// A deep copy.
    unknown_fields(const unknown_fields& o);
    /// Takes the other's fields.
    unknown_fields(unknown_fields&&) noexcept = default;
    /// A deep copy.
    unknown_fields& operator=(const unknown_fields& o);
    /// Takes the other's fields.
    unknown_fields& operator=(unknown_fields&&) noexcept = default;
    /// Inline: every generated struct is destroyed through it, mostly with nothing to free.
    ~unknown_fields() = default;

    /// No fields.
    bool empty() const noexcept { return !data_ || data_->empty(); }
    /// How many fields there are (walks them).
    std::size_t size() const noexcept;
    /// The first field, in the order they came.
    iterator begin() const noexcept;
    /// Past the last field.
    iterator end() const noexcept;
    /// Removes every field (keeps the buffer).
    void clear() noexcept;

    /// The same fields, in the same order, with the same bytes.
    friend bool operator==(const unknown_fields& a, const unknown_fields& b) noexcept;

private:
    // Only the decoder adds fields: it checked each value (a JSON value in full, an ETF
    // term with the reader), so the encoders can always convert them.
    friend struct codec::unknown_access;
    void add(Encoding enc, std::string_view key, std::string_view value);

    // Entries back to back: encoding (1 byte), key length, value length (4 bytes each,
    // native order), key, value. One allocation for all of an object's fields.
    std::unique_ptr<std::string> data_;
};

} // namespace dgw
