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

bool redact_token(std::string& message, std::string_view token, Encoding enc) {
    if (token.empty()) return false;
    bool found = false;
    for (auto pos = message.find(token); pos != std::string::npos;) {
        found = true;
        const auto at = [&](std::size_t i) { return static_cast<unsigned char>(message[i]); };
        std::size_t prefix = 0; // bytes of the ETF length prefix to rewrite, 0: none
        if (enc == Encoding::Etf) {
            if (pos >= 5 && at(pos - 5) == 109 &&
                (std::size_t(at(pos - 4)) << 24 | std::size_t(at(pos - 3)) << 16 | std::size_t(at(pos - 2)) << 8 |
                 at(pos - 1)) == token.size())
                prefix = 4; // BINARY_EXT: 109, u32 length
            else if (pos >= 3 && at(pos - 3) == 107 && (std::size_t(at(pos - 2)) << 8 | at(pos - 1)) == token.size())
                prefix = 2; // STRING_EXT: 107, u16 length
        }
        std::size_t next = pos + token.size();
        if (enc == Encoding::Json || prefix != 0) {
            message.replace(pos, token.size(), redacted_token);
            for (std::size_t i = 0; i < prefix; ++i)
                message[pos - 1 - i] = static_cast<char>((redacted_token.size() >> (8 * i)) & 0xFF);
            next = pos + redacted_token.size();
        } else {
            message.replace(pos, token.size(), token.size(), '*');
        }
        pos = message.find(token, next);
    }
    return found;
}

} // namespace dgw
