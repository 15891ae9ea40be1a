#pragma once
/// The one shape of every dgw error category (internal): a name and a table of messages.

#include <boost/system/error_category.hpp>

#include <cstddef>
#include <string>

namespace dgw::detail {

/// Messages are indexed by the enumerator's value - 1: every dgw error enum starts at 1,
/// so 0 stays "no error". Each table sits beside a static_assert that its length is the
/// last enumerator's value, so adding an enumerator without its message fails to compile.
class table_category : public boost::system::error_category {
public:
    template <std::size_t N>
    constexpr table_category(const char* name, const char* const (&messages)[N]) noexcept
        : name_(name), messages_(messages), count_(N) {}

    const char* name() const noexcept final { return name_; }
    std::string message(int ev) const final {
        if (ev >= 1 && static_cast<std::size_t>(ev) <= count_) return messages_[ev - 1];
        return std::string("unknown ") + name_ + " error " + std::to_string(ev);
    }

private:
    const char* name_;
    const char* const* messages_;
    std::size_t count_;
};

} // namespace dgw::detail
