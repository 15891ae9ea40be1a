#include <dgw/unknown_fields.hpp>

#include <cstring>
#include <iterator>

namespace dgw {
namespace {

constexpr std::size_t header = 1 + 4 + 4;

std::uint32_t u32_at(const char* p) {
    std::uint32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

} // namespace

unknown_fields::unknown_fields(const unknown_fields& o)
    : data_(o.empty() ? nullptr : std::make_unique<std::string>(*o.data_)) {}

unknown_fields& unknown_fields::operator=(const unknown_fields& o) {
    if (this == &o) return *this;
    if (o.empty()) clear();
    else if (data_) *data_ = *o.data_;
    else data_ = std::make_unique<std::string>(*o.data_);
    return *this;
}

unknown_fields::field unknown_fields::iterator::operator*() const {
    const std::uint32_t k = u32_at(at_ + 1), v = u32_at(at_ + 5);
    return {std::string_view(at_ + header, k), std::string_view(at_ + header + k, v),
            static_cast<Encoding>(static_cast<unsigned char>(at_[0]))};
}

unknown_fields::iterator& unknown_fields::iterator::operator++() {
    at_ += header + u32_at(at_ + 1) + u32_at(at_ + 5);
    return *this;
}

std::size_t unknown_fields::size() const noexcept {
    return static_cast<std::size_t>(std::distance(begin(), end()));
}

unknown_fields::iterator unknown_fields::begin() const noexcept { return iterator(empty() ? nullptr : data_->data()); }
unknown_fields::iterator unknown_fields::end() const noexcept {
    return iterator(empty() ? nullptr : data_->data() + data_->size());
}

// Keeps the buffer: a decode into used storage reuses it.
void unknown_fields::clear() noexcept {
    if (data_) data_->clear();
}

bool operator==(const unknown_fields& a, const unknown_fields& b) noexcept {
    if (a.empty() || b.empty()) return a.empty() == b.empty();
    return *a.data_ == *b.data_;
}

void unknown_fields::add(Encoding enc, std::string_view key, std::string_view value) {
    if (!data_) data_ = std::make_unique<std::string>();
    const auto k = static_cast<std::uint32_t>(key.size()), v = static_cast<std::uint32_t>(value.size());
    char h[header];
    h[0] = static_cast<char>(enc);
    std::memcpy(h + 1, &k, 4);
    std::memcpy(h + 5, &v, 4);
    data_->append(h, header).append(key).append(value);
}

} // namespace dgw
