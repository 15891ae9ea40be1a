// Input detection and the unframed forms: JSON lines, concatenated JSON documents,
// concatenated ETF terms, and raw zlib/zstd streams of either (framed forms and captures
// are in input_framed.cpp).
#include "input.hpp"

#include "diag.hpp"

#include <dgw/etf/reader.hpp>

#include <algorithm>
#include <cstring>

namespace dgw::tool {

std::string_view to_string(input_form f) noexcept {
    switch (f) {
    case input_form::automatic: return "auto";
    case input_form::json_lines: return "json-lines";
    case input_form::json: return "json";
    case input_form::etf: return "etf";
    case input_form::framed: return "framed";
    case input_form::zlib_stream: return "zlib-stream";
    case input_form::zstd_stream: return "zstd-stream";
    case input_form::capture: return "capture";
    }
    return "?";
}

std::optional<input_form> parse_input_form(std::string_view s) noexcept {
    for (auto f : {input_form::automatic, input_form::json_lines, input_form::json, input_form::etf,
                   input_form::framed, input_form::zlib_stream, input_form::zstd_stream, input_form::capture})
        if (to_string(f) == s) return f;
    return std::nullopt;
}

std::string position(std::uint64_t index, std::uint64_t offset, std::string_view where) {
    std::string s = "message " + std::to_string(index) + " at byte " + std::to_string(offset);
    if (where != "input") s += " of the " + std::string(where);
    return s;
}

std::string message_source::describe() const {
    std::string s(to_string(form_));
    if (auto t = transport(); t && form_ != input_form::zlib_stream && form_ != input_form::zstd_stream)
        s += ", " + std::string(compress::to_string(*t));
    return s;
}

std::size_t replay_source::read(char* dst, std::size_t n) {
    if (pos_ < head_.size()) {
        const std::size_t k = std::min(n, head_.size() - pos_);
        std::memcpy(dst, head_.data() + pos_, k);
        pos_ += k;
        if (pos_ == head_.size()) {
            std::string().swap(head_); // give the memory back; reads go to rest_ from now on
            pos_ = 0;
        }
        return k;
    }
    return rest_.read(dst, n);
}

namespace {

bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Erlang writes gateway messages as maps, so a term starts 131 116 (MAP_EXT): the place
// to resume after a term that cannot be parsed.
constexpr std::string_view etf_resync{"\x83t", 2};

// JSON lines, concatenated JSON documents and concatenated ETF terms, read from the file
// or from a decompressor over it.
class stream_source final : public message_source {
public:
    stream_source(input_form form, std::unique_ptr<byte_source> base, const source_options& opt, diag& d)
        : message_source(form), base_(std::move(base)), opt_(opt), d_(d) {
        byte_source* src = base_.get();
        if (form == input_form::zlib_stream) {
            auto z = std::make_unique<inflate_source>(*base_);
            zlib_ = z.get();
            filter_ = std::move(z);
        } else if (form == input_form::zstd_stream) {
            auto z = std::make_unique<zstd_source>(*base_, opt.max_message);
            zstd_ = z.get();
            filter_ = std::move(z);
        }
        if (filter_) {
            src = filter_.get();
            where_ = "decompressed stream";
        }
        win_ = std::make_unique<window>(*src, opt.max_message);
        if (form == input_form::json_lines) kind_ = kind::lines;
        else if (form == input_form::json) kind_ = kind::json;
        else if (form == input_form::etf) kind_ = kind::etf;
    }

    bool next(message& m) override {
        if (done_) return false;
        try {
            win_->consume(pending_);
            pending_ = 0;
            if (kind_ == kind::undecided && !decide()) return false;
            std::string_view bytes;
            std::uint64_t off = 0;
            bool got = false;
            switch (kind_) {
            case kind::lines: got = next_line(bytes, off); break;
            case kind::json: got = next_document(bytes, off); break;
            case kind::etf: got = next_term(bytes, off); break;
            case kind::undecided: break;
            }
            if (!got) {
                done_ = true;
                return false;
            }
            m = message{};
            m.bytes = bytes;
            m.index = index_++;
            m.offset = off;
            m.where = where_;
            m.opcode = kind_ == kind::etf ? capture::ws_opcode::binary : capture::ws_opcode::text;
            return true;
        } catch (const fatal_error& e) {
            d_.error(std::string(to_string(form_)) + ": " + e.what() + " at byte " + std::to_string(e.offset) +
                     " of the " + std::string(e.where) + "; stopping after " + std::to_string(index_) +
                     " messages");
            done_ = true;
            return false;
        }
    }

    transfer_totals totals() const override {
        if (zlib_) return {zlib_->compressed(), zlib_->decompressed()};
        if (zstd_) return {zstd_->compressed(), zstd_->decompressed()};
        return {};
    }

    std::optional<compress::transport> transport() const override {
        if (zlib_) return compress::transport::zlib_stream;
        if (zstd_) return compress::transport::zstd_stream;
        return std::nullopt;
    }

private:
    enum class kind { undecided, lines, json, etf };

    // A decompressed stream holds JSON documents or ETF terms back to back (no
    // separators): decide from its first byte.
    bool decide() {
        if (!skip_space()) return false;
        kind_ = looks_like_etf(win_->view()) ? kind::etf : kind::json;
        return true;
    }

    // Drops whitespace before the next message; false at end of input.
    bool skip_space() {
        for (;;) {
            const std::string_view v = win_->view();
            std::size_t i = 0;
            while (i < v.size() && is_space(v[i])) ++i;
            win_->consume(i);
            if (i < v.size()) return true;
            if (!win_->fill()) return false;
        }
    }

    void bad(std::uint64_t off, const std::string& why) { d_.error(position(index_++, off, where_) + ": " + why); }

    bool next_line(std::string_view& out, std::uint64_t& off) {
        std::size_t scanned = 0;
        bool skipping = false; // inside a line that was too long: drop up to its newline
        for (;;) {
            const std::string_view v = win_->view();
            const void* nl = scanned < v.size() ? std::memchr(v.data() + scanned, '\n', v.size() - scanned) : nullptr;
            if (nl) {
                const std::size_t end = static_cast<std::size_t>(static_cast<const char*>(nl) - v.data());
                if (skipping) {
                    win_->consume(end + 1);
                    skipping = false;
                    scanned = 0;
                    continue;
                }
                std::string_view line = v.substr(0, end);
                if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
                if (std::all_of(line.begin(), line.end(), is_space)) {
                    win_->consume(end + 1);
                    scanned = 0;
                    continue;
                }
                out = line;
                off = win_->offset();
                pending_ = end + 1;
                return true;
            }
            if (!skipping && v.size() > opt_.max_message) {
                bad(win_->offset(), "line longer than the maximum message size (" + std::to_string(opt_.max_message) +
                                        " bytes); skipped");
                skipping = true;
            }
            if (skipping) {
                win_->consume(v.size());
                scanned = 0;
            } else {
                scanned = v.size();
            }
            if (!win_->fill()) {
                const std::string_view rest = win_->view();
                if (skipping || std::all_of(rest.begin(), rest.end(), is_space)) return false;
                out = rest; // the last line has no newline
                off = win_->offset();
                pending_ = rest.size();
                return true;
            }
        }
    }

    // Finds the end of the JSON document at the window's start by counting brackets
    // outside strings; the scan state survives refills, so each byte is looked at once.
    bool next_document(std::string_view& out, std::uint64_t& off) {
        for (;;) {
            if (!skip_space()) return false;
            const std::string_view v = win_->view();
            if (v[0] == '{' || v[0] == '[') break;
            // Not a document: report once, resume at the next '{'.
            bad(win_->offset(), "not a JSON document (starts with byte " + std::to_string(static_cast<unsigned char>(v[0])) +
                                    "); skipping to the next '{'");
            for (;;) {
                const std::string_view w = win_->view();
                const auto p = w.find('{');
                if (p != std::string_view::npos) {
                    win_->consume(p);
                    break;
                }
                win_->consume(w.size());
                if (!win_->fill()) return false;
            }
        }
        std::size_t pos = 0, depth = 0;
        bool in_string = false, escape = false;
        for (;;) {
            const std::string_view v = win_->view();
            const char* p = v.data();
            for (; pos < v.size(); ++pos) {
                const char c = p[pos];
                if (in_string) {
                    if (escape) escape = false;
                    else if (c == '\\') escape = true;
                    else if (c == '"') in_string = false;
                } else if (c == '"') {
                    in_string = true;
                } else if (c == '{' || c == '[') {
                    ++depth;
                } else if (c == '}' || c == ']') {
                    if (--depth == 0) {
                        out = v.substr(0, pos + 1);
                        off = win_->offset();
                        pending_ = pos + 1;
                        return true;
                    }
                }
            }
            if (pos > opt_.max_message)
                throw fatal_error("JSON document larger than the maximum message size (" +
                                      std::to_string(opt_.max_message) + " bytes) or unbalanced brackets",
                                  win_->offset(), where_);
            if (!win_->fill()) {
                bad(win_->offset(), "truncated JSON document at end of input (" + std::to_string(v.size()) + " bytes)");
                pending_ = v.size();
                return false;
            }
        }
    }

    // Finds the end of the ETF term at the window's start with the reader's skip_value.
    // A failure that more input could fix (truncated, or a length beyond the bytes read so
    // far) reads more; any other is the term's fault: report it and resume at the next
    // 131 116 (a map, as every gateway message is).
    bool next_term(std::string_view& out, std::uint64_t& off) {
        for (;;) {
            std::string_view v = win_->view();
            if (v.empty()) {
                if (!win_->fill()) return false;
                continue;
            }
            if (!looks_like_etf(v)) {
                bad(win_->offset(), "not an ETF term (starts with byte " + std::to_string(static_cast<unsigned char>(v[0])) +
                                        "); skipping to the next term");
                resync_etf();
                continue;
            }
            etf::reader r(v);
            if (r.skip_value()) {
                out = v.substr(0, r.offset());
                off = win_->offset();
                pending_ = r.offset();
                return true;
            }
            const auto code = r.error().code;
            const bool may_grow =
                code == make_error_code(etf_errc::truncated) || code == make_error_code(etf_errc::length_too_large);
            if (may_grow && v.size() <= opt_.max_message && win_->fill()) continue;
            if (may_grow && win_->eof()) {
                bad(win_->offset(), "truncated ETF term at end of input (" + std::to_string(v.size()) + " bytes)");
                pending_ = v.size();
                return false;
            }
            bad(win_->offset(), r.error().message() + "; skipping to the next term");
            resync_etf();
        }
    }

    // Drops the byte at the window's start and everything up to the next 131 116.
    void resync_etf() {
        win_->consume(1);
        for (;;) {
            const std::string_view v = win_->view();
            const auto p = v.find(etf_resync);
            if (p != std::string_view::npos) {
                win_->consume(p);
                return;
            }
            // Keep a trailing 131: its 116 may be in the next chunk.
            const std::size_t keep = !v.empty() && static_cast<unsigned char>(v.back()) == 131 ? 1 : 0;
            win_->consume(v.size() - keep);
            if (!win_->fill()) {
                win_->consume(win_->view().size());
                return;
            }
        }
    }

    std::unique_ptr<byte_source> base_;
    std::unique_ptr<byte_source> filter_;
    inflate_source* zlib_ = nullptr;
    zstd_source* zstd_ = nullptr;
    std::unique_ptr<window> win_;
    source_options opt_;
    diag& d_;
    kind kind_ = kind::undecided;
    std::string_view where_ = "input";
    std::size_t pending_ = 0; // bytes of the last message, consumed on the next call
    std::uint64_t index_ = 0;
    bool done_ = false;
};

// Guesses the form from the first bytes (see `dgw decode --help`).
std::optional<input_form> detect(std::string_view head, std::size_t max_message) {
    if (head.substr(0, capture::magic.size()) == capture::magic) return input_form::capture;
    if (compress::looks_like_zstd(head)) return input_form::zstd_stream;
    if (compress::looks_like_zlib(head)) return input_form::zlib_stream;
    if (looks_like_etf(head)) return input_form::etf;
    if (head.size() >= 5) {
        // A length prefix followed by something a payload starts with. JSON text is not
        // mistaken for it: '{', ' ' or '\n' as the high byte means a length of 167 MB or
        // more, above the default --max-message-size.
        const std::uint32_t n = load_be32(head.data());
        const std::string_view p = head.substr(4);
        const auto c = static_cast<unsigned char>(p[0]);
        if (n > 0 && n <= max_message &&
            (c == 131 || c == '{' || compress::looks_like_zstd(p) || compress::looks_like_zlib(p)))
            return input_form::framed;
    }
    std::size_t i = 0;
    while (i < head.size() && is_space(head[i])) ++i;
    if (i == head.size() || (head[i] != '{' && head[i] != '[')) return std::nullopt;
    // JSON lines when the first document has no newline inside and one follows it.
    std::size_t depth = 0;
    bool in_string = false, escape = false;
    for (std::size_t p = i; p < head.size(); ++p) {
        const char c = head[p];
        if (c == '\n') return input_form::json; // a newline inside: pretty-printed documents
        if (in_string) {
            if (escape) escape = false;
            else if (c == '\\') escape = true;
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            ++depth;
        } else if ((c == '}' || c == ']') && --depth == 0) {
            for (std::size_t q = p + 1; q < head.size(); ++q) {
                if (head[q] == '\n') return input_form::json_lines;
                if (!is_space(head[q])) return input_form::json;
            }
            return input_form::json_lines; // one document: either form reads it
        }
    }
    return input_form::json_lines; // a long first line
}

} // namespace

std::unique_ptr<message_source> open_source(file_source& in, const source_options& opt, diag& d) {
    // Read the head for detection; replay_source hands it to whichever reader is chosen.
    constexpr std::size_t head_size = 64u << 10;
    std::string head(head_size, '\0');
    std::size_t got = 0;
    try {
        while (got < head_size) {
            const std::size_t n = in.read(head.data() + got, head_size - got);
            if (n == 0) break;
            got += n;
        }
    } catch (const fatal_error& e) {
        d.error(e.what());
        return nullptr;
    }
    head.resize(got);
    input_form form = opt.form;
    if (form == input_form::automatic) {
        if (head.empty()) {
            form = input_form::json_lines; // an empty input holds no messages in any form
        } else if (auto f = detect(head, opt.max_message)) {
            form = *f;
        } else {
            std::string hex;
            for (std::size_t i = 0; i < std::min<std::size_t>(8, head.size()); ++i) {
                char b[4];
                std::snprintf(b, sizeof b, "%02x ", static_cast<unsigned char>(head[i]));
                hex += b;
            }
            d.error("cannot tell the input form from its first bytes (" + hex +
                    "); name it with --from (json-lines, json, etf, framed, zlib-stream, zstd-stream, capture)");
            return nullptr;
        }
    }
    auto base = std::make_unique<replay_source>(std::move(head), in);
    source_options o = opt;
    o.form = form;
    switch (form) {
    case input_form::framed: return make_framed_source(std::move(base), o, d);
    case input_form::capture: return make_capture_source(std::move(base), o, d);
    default: return std::make_unique<stream_source>(form, std::move(base), o, d);
    }
}

} // namespace dgw::tool
