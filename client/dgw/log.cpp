#include <dgw/log.hpp>

namespace dgw {

const char* to_string(log_level l) noexcept {
    switch (l) {
    case log_level::debug: return "debug";
    case log_level::info: return "info";
    case log_level::warning: return "warning";
    case log_level::error: return "error";
    }
    return "?";
}

void mask_secret(std::string& text, std::string_view secret) {
    if (secret.empty()) return;
    for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos + secret.size()))
        text.replace(pos, secret.size(), secret.size(), '*');
}

} // namespace dgw
