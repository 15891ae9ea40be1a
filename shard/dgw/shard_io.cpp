// An open connection's traffic: messages in (through the decompressor, to the client) and
// frames out (queued, since Beast allows one write at a time).

#include <dgw/detail/shard_connection.hpp>

#include <string>
#include <string_view>
#include <utility>

namespace dgw {

namespace {

namespace asio = boost::asio;
namespace websocket = boost::beast::websocket;

} // namespace

// ---- reading ---------------------------------------------------------------------------

void shard::impl::read(const conn_ptr& c) {
    c->with_ws([&](auto& ws) {
        ws.async_read(c->buffer, [self = shared_from_this(), c](boost::system::error_code ec, std::size_t) {
            self->on_read(c, ec);
        });
    });
}

void shard::impl::on_read(const conn_ptr& c, boost::system::error_code ec) {
    if (dead || c->gen != gen) return;
    if (ec) return connection_lost(c, ec);
    c->got_message = true;
    const auto data = c->buffer.cdata();
    std::string_view bytes(static_cast<const char*>(data.data()), data.size());
    if (opt.observe_wire) {
        bool binary = true;
        c->with_ws([&](auto& ws) { binary = ws.got_binary(); });
        observe(*c, capture_direction::received, binary ? wire_frame::binary : wire_frame::text, bytes);
    }
    if (dec) {
        const compress::result r = dec->feed(bytes);
        if (r.failed()) {
            // The stream state is lost; so is this connection (the session is not).
            const std::string why = "transport decompression failed at byte " + std::to_string(r.offset) + ": " +
                                    r.error.message();
            log(log_level::warning, why);
            close_and_lose(c, why);
            return;
        }
        c->buffer.consume(c->buffer.size());
        if (r.has_message()) deliver(r.message);
    } else {
        deliver(bytes);
        c->buffer.consume(c->buffer.size());
    }
    if (c->gen == gen && c->is<connection::open>()) read(c);
}

void shard::impl::deliver(std::string_view message) {
    ++stats.messages;
    perform(cl->on_message(message, now()));
}

void shard::impl::connection_lost(const conn_ptr& c, boost::system::error_code ec) {
    int code = 1006;
    std::string reason;
    c->with_ws([&](auto& ws) {
        if (ec == websocket::error::closed) {
            code = ws.reason().code;
            reason = std::string(ws.reason().reason.data(), ws.reason().reason.size());
        }
    });
    if (opt.observe_wire && ec == websocket::error::closed) observe_close(*c, capture_direction::received, code, reason);
    if (code == 1006 && !c->got_message) ++stats.connect_failures;
    teardown(c);
    log(log_level::info, "connection ended (" + (ec == websocket::error::closed ? "close " + std::to_string(code)
                                                                                   : ec.message()) + ")");
    if (!stopped) perform(cl->on_close(code, reason, now()));
}

// Our side gives up on a connection the client still thinks is fine.
void shard::impl::close_and_lose(const conn_ptr& c, const std::string& why) {
    teardown(c);
    if (!stopped) perform(cl->on_close(1006, why, now()));
}

// ---- writing ---------------------------------------------------------------------------

void shard::impl::enqueue(frame f) {
    const auto& c = conn;
    // Frames wait for the handshake if need be; nothing may follow our close frame.
    if (!c || c->is<connection::closing>() || c->is<connection::closed>()) {
        log(log_level::warning, "frame dropped: no open connection");
        return;
    }
    c->outq.push_back(std::move(f));
    if (auto* o = c->as<connection::open>(); o && !o->writing) write_next(c);
}

void shard::impl::write_next(const conn_ptr& c) {
    std::get<connection::open>(c->state).writing = true;
    const frame& f = c->outq.front();
    if (opt.observe_wire) {
        const std::string& token = opt.client.identify.token;
        const wire_frame type = f.binary ? wire_frame::binary : wire_frame::text;
        if (!token.empty() && f.bytes.find(token) != std::string::npos) {
            std::string copy = f.bytes; // an Identify or a Resume: the observer never sees the token
            redact_token(copy, token, f.binary ? Encoding::Etf : Encoding::Json);
            observe(*c, capture_direction::sent, type, copy);
        } else {
            observe(*c, capture_direction::sent, type, f.bytes);
        }
    }
    c->with_ws([&](auto& ws) {
        ws.binary(f.binary);
        ws.async_write(asio::buffer(f.bytes), [self = shared_from_this(), c](boost::system::error_code ec, std::size_t) {
            if (auto* o = c->as<connection::open>()) o->writing = false;
            auto* closing = c->as<connection::closing>();
            const bool close_next = closing && std::exchange(closing->behind_write, false);
            if (ec) return; // the read side reports the loss
            c->outq.pop_front();
            ++self->stats.frames_sent;
            if (close_next) return self->close_now(c);
            if (c->is<connection::open>() && !c->outq.empty()) self->write_next(c);
        });
    });
}

// ---- observing ---------------------------------------------------------------------------

void shard::impl::observe(connection& c, capture_direction d, wire_frame f, std::string_view bytes) {
    wire_message m;
    m.direction = d;
    m.frame = f;
    m.bytes = bytes;
    m.first_of_connection = !std::exchange(c.observed, true);
    m.shard_id = opt.client.identify.shard_id;
    opt.observe_wire(m);
}

void shard::impl::observe_close(connection& c, capture_direction d, int code, std::string_view reason) {
    std::string payload;
    payload.push_back(static_cast<char>((code >> 8) & 0xFF));
    payload.push_back(static_cast<char>(code & 0xFF));
    payload.append(reason);
    observe(c, d, wire_frame::close, payload);
}

} // namespace dgw
