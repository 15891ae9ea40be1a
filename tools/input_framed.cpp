// The framed forms: u32-big-endian-length frames (the corpus form) and our capture
// format. Both keep websocket message boundaries, so transport-compressed payloads go
// through the library's per-connection decompressors, one websocket message per feed().
#include "diag.hpp"
#include "input.hpp"

namespace dgw::tool {

namespace {

// What both framed forms share: the window, the decompressor and error reporting. The
// window's chunk of slack above max_message holds a frame's or a record's header.
class framed_base : public message_source {
protected:
    framed_base(input_form f, std::unique_ptr<byte_source> base, const source_options& opt, diag& d)
        : message_source(f), base_(std::move(base)), win_(*base_, opt.max_message), opt_(opt), d_(d) {}

public:
    bool next(message& m) final {
        if (done_) return false;
        try {
            win_.consume(pending_);
            pending_ = 0;
            if (next_impl(m)) return true;
        } catch (const fatal_error& e) {
            d_.error(std::string(to_string(form_)) + ": " + e.what() + " at byte " + std::to_string(e.offset));
        }
        done_ = true;
        return false;
    }

    transfer_totals totals() const override {
        if (!dec_) return {};
        return {dec_->counters().compressed_in, dec_->counters().decompressed_out};
    }

    std::optional<compress::transport> transport() const override {
        if (dec_) return dec_->kind();
        return std::nullopt;
    }

protected:
    virtual bool next_impl(message& m) = 0;

    void bad(std::uint64_t off, const std::string& why) { d_.error(position(index_++, off, "input") + ": " + why); }

    // At the end of input: a zlib message still waiting for its last websocket message
    // was cut off.
    void check_pending_at_end() {
        if (dec_ && dec_->pending() > 0)
            bad(msg_offset_, "input ends inside a compressed message (" + std::to_string(dec_->pending()) +
                                 " compressed bytes of it were read)");
    }

    // The failure text of a decompressor result.
    std::string describe_failure(const compress::result& r) const {
        std::string s = std::string(compress::to_string(dec_->kind())) + ": " + r.error.message() +
                        " at compressed byte " + std::to_string(r.offset);
        if (!r.detail.empty()) s += " (" + std::string(r.detail) + ")";
        return s;
    }

    // Fills `m` with a message whose bytes are `bytes`.
    void emit(message& m, std::string_view bytes, std::uint64_t off, std::uint64_t wire) {
        m = message{};
        m.bytes = bytes;
        m.index = index_++;
        m.offset = off;
        m.wire_bytes = wire;
        m.opcode = looks_like_etf(bytes) || wire ? capture::ws_opcode::binary : capture::ws_opcode::text;
    }

    std::unique_ptr<byte_source> base_;
    window win_;
    source_options opt_;
    diag& d_;
    std::unique_ptr<compress::decompressor> dec_;
    std::size_t pending_ = 0;     // bytes of the last uncompressed message, consumed on the next call
    std::uint64_t index_ = 0;
    std::uint64_t msg_offset_ = 0; // where the compressed message in progress started
    std::uint64_t wire_ = 0;       // its compressed bytes so far
    bool in_message_ = false;      // a compressed message has started and not completed
    bool done_ = false;
};

class framed_source final : public framed_base {
public:
    framed_source(std::unique_ptr<byte_source> base, const source_options& opt, diag& d)
        : framed_base(input_form::framed, std::move(base), opt, d) {}

private:
    bool next_impl(message& m) override {
        for (;;) {
            const std::uint64_t off = win_.offset();
            if (!win_.ensure(4)) {
                if (!win_.view().empty())
                    bad(off, "truncated frame header at end of input (" + std::to_string(win_.view().size()) + " bytes)");
                check_pending_at_end();
                return false;
            }
            const std::uint32_t n = load_be32(win_.view().data());
            if (n > opt_.max_message) {
                d_.error(position(index_, off, "input") + ": frame length " + std::to_string(n) +
                         " exceeds the maximum message size (" + std::to_string(opt_.max_message) +
                         "); the framing is lost, stopping");
                return false;
            }
            if (!win_.ensure(4 + std::size_t{n})) {
                bad(off, "truncated frame: " + std::to_string(n) + " bytes declared, " +
                             std::to_string(win_.view().size() - 4) + " present");
                return false;
            }
            const std::string_view frame = win_.view().substr(4, n);
            if (!decided_) {
                // The first websocket message of a compressed connection carries the
                // zlib header or zstd magic; plain JSON ('{') and ETF (131) cannot look so.
                decided_ = true;
                if (auto t = compress::detect_transport(frame))
                    dec_ = compress::make_decompressor(*t, compress::limits{opt_.max_message});
            }
            if (!dec_) {
                emit(m, frame, off, 0);
                pending_ = 4 + std::size_t{n};
                return true;
            }
            if (!in_message_) {
                msg_offset_ = off;
                wire_ = 0;
                in_message_ = true;
            }
            wire_ += n;
            const compress::result r = dec_->feed(frame);
            win_.consume(4 + std::size_t{n}); // the decompressor keeps what it needs
            if (r.needs_more()) continue;
            in_message_ = false;
            if (r.failed()) {
                d_.error(position(index_, msg_offset_, "input") + ": " + describe_failure(r) +
                         "; the stream cannot be decompressed past this point, stopping");
                return false;
            }
            emit(m, r.message, msg_offset_, wire_);
            return true;
        }
    }

    bool decided_ = false;
};

class capture_source final : public framed_base {
public:
    capture_source(std::unique_ptr<byte_source> base, const source_options& opt, diag& d)
        : framed_base(input_form::capture, std::move(base), opt, d) {}

    // Reads the file header; false (reported) when it is not a capture this build reads.
    bool init() {
        std::string why;
        win_.ensure(capture::header_size_v1);
        const auto h = capture::parse_header(win_.view(), why);
        if (!h) {
            d_.error("capture: " + why);
            return false;
        }
        header_ = *h;
        if (!win_.ensure(h->header_size)) {
            d_.error("capture: truncated header");
            return false;
        }
        win_.consume(h->header_size);
        if (h->compression == capture::compression::zlib_stream)
            dec_ = compress::make_decompressor(compress::transport::zlib_stream, compress::limits{opt_.max_message});
        else if (h->compression == capture::compression::zstd_stream)
            dec_ = compress::make_decompressor(compress::transport::zstd_stream, compress::limits{opt_.max_message});
        return true;
    }

private:
    bool next_impl(message& m) override {
        for (;;) {
            const std::uint64_t off = win_.offset();
            if (!win_.ensure(capture::record_header_size)) {
                if (!win_.view().empty())
                    bad(off, "truncated record header at end of input (" + std::to_string(win_.view().size()) + " bytes)");
                check_pending_at_end();
                return false;
            }
            const capture::record_header rh = capture::parse_record_header(win_.view());
            if (rh.length > opt_.max_message) {
                d_.error(position(index_, off, "input") + ": record length " + std::to_string(rh.length) +
                         " exceeds the maximum message size (" + std::to_string(opt_.max_message) +
                         "); the capture is corrupt, stopping");
                return false;
            }
            const std::size_t total = capture::record_header_size + rh.length;
            if (!win_.ensure(total)) {
                bad(off, "truncated record: " + std::to_string(rh.length) + " bytes declared, " +
                             std::to_string(win_.view().size() - capture::record_header_size) + " present");
                return false;
            }
            const std::string_view payload = win_.view().substr(capture::record_header_size, rh.length);
            const bool new_conn = (rh.flags & capture::flag_new_connection) != 0;
            if (new_conn) {
                if (in_message_) bad(msg_offset_, "a new connection starts before this compressed message completed");
                in_message_ = false;
                if (dec_) dec_->reset();
                skip_to_connection_ = false;
                new_conn_pending_ = true;
            }
            if (skip_to_connection_) {
                win_.consume(total);
                continue;
            }
            if (rh.opcode == capture::ws_opcode::close) {
                std::string text = "record at byte " + std::to_string(off) + ": websocket close";
                if (payload.size() >= 2) {
                    text += ' ';
                    text += std::to_string(load_be16(payload.data()));
                }
                if (payload.size() > 2) {
                    text += " (";
                    text += payload.substr(2);
                    text += ')';
                }
                d_.note(text);
                win_.consume(total);
                continue;
            }
            if (rh.opcode != capture::ws_opcode::text && rh.opcode != capture::ws_opcode::binary) {
                d_.warning("record at byte " + std::to_string(off) + ": websocket opcode " +
                           std::to_string(static_cast<int>(rh.opcode)) + " skipped");
                win_.consume(total);
                continue;
            }
            // Clients send uncompressed messages; only received ones use the transport.
            if (!dec_ || rh.direction != capture::direction::recv) {
                emit(m, payload, off, 0);
                fill_meta(m, rh);
                pending_ = total;
                return true;
            }
            if (!in_message_) {
                msg_offset_ = off;
                wire_ = 0;
                in_message_ = true;
            }
            wire_ += rh.length;
            const compress::result r = dec_->feed(payload);
            win_.consume(total);
            if (r.needs_more()) continue;
            in_message_ = false;
            if (r.failed()) {
                // The connection's compression state is lost, but the next connection
                // starts afresh: resume there.
                d_.error(position(index_++, msg_offset_, "input") + ": " + describe_failure(r) +
                         "; skipping to the next connection in the capture");
                skip_to_connection_ = true;
                continue;
            }
            emit(m, r.message, msg_offset_, wire_);
            fill_meta(m, rh);
            return true;
        }
    }

    void fill_meta(message& m, const capture::record_header& rh) {
        m.dir = rh.direction;
        m.opcode = rh.opcode;
        m.timestamp_us = rh.timestamp_us; // for multi-record messages: when the last part arrived
        m.new_connection = new_conn_pending_;
        new_conn_pending_ = false;
    }

    capture::file_header header_;
    bool skip_to_connection_ = false;
    bool new_conn_pending_ = false;
};

} // namespace

std::unique_ptr<message_source> make_framed_source(std::unique_ptr<byte_source> base, const source_options& opt,
                                                   diag& d) {
    return std::make_unique<framed_source>(std::move(base), opt, d);
}

std::unique_ptr<message_source> make_capture_source(std::unique_ptr<byte_source> base, const source_options& opt,
                                                    diag& d) {
    auto s = std::make_unique<capture_source>(std::move(base), opt, d);
    try {
        if (!s->init()) return nullptr;
    } catch (const fatal_error& e) {
        d.error(std::string("capture: ") + e.what());
        return nullptr;
    }
    return s;
}

} // namespace dgw::tool
