// libFuzzer target for the transport decompressors (encoding/dgw/compress/).
//
// Input: one mode byte, then records.
//   mode & 3 == 0 / 1: records are websocket messages fed to zlib_stream / zstd_stream:
//                      [u16 BE length][bytes]; length 0 means reset() (a new connection).
//   mode & 3 == 2 / 3: records are plain messages, compressed here the way the gateway
//                      does (one context, a flush per message) and fed back:
//                      [u16 BE length][split byte][bytes]; the output must match exactly.
//   mode & 4:          a 4 KiB message limit instead of the default, to reach too_large.
// Never crashes on any input; a broken invariant aborts (a finding).
#include <dgw/compress/zlib_stream.hpp>
#include <dgw/compress/zstd_stream.hpp>

#include <zlib.h>
#include <zstd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace {

using namespace dgw::compress;

void check(bool ok) {
    if (!ok) std::abort();
}

struct reader {
    const std::uint8_t* p;
    std::size_t n;
    bool u16(std::size_t& v) {
        if (n < 2) return false;
        v = std::size_t(p[0]) << 8 | p[1];
        p += 2;
        n -= 2;
        return true;
    }
    bool byte(std::uint8_t& v) {
        if (n < 1) return false;
        v = *p++;
        --n;
        return true;
    }
    std::string_view take(std::size_t len) {
        len = len < n ? len : n;
        std::string_view s(reinterpret_cast<const char*>(p), len);
        p += len;
        n -= len;
        return s;
    }
};

// Arbitrary websocket messages: any outcome is fine, but results must be coherent.
void feed_raw(decompressor& d, reader in) {
    std::size_t len;
    while (in.u16(len)) {
        if (len == 0) {
            d.reset();
            check(!d.failed() && d.pending() == 0);
            continue;
        }
        const result r = d.feed(in.take(len));
        if (r.has_message()) check(r.message.size() <= d.limits().max_message_size);
        if (r.failed()) {
            check(d.failed() && r.error.category() == dgw::compress_category());
            check(r.offset <= d.counters().compressed_in);
            const result again = d.feed("x");
            check(again.failed() && again.error == r.error && again.offset == r.offset);
        }
        check(d.buffer_capacity() <= d.limits().max_message_size + 1);
    }
}

std::string deflate_sync(z_stream& z, std::string_view msg) {
    std::string out;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(msg.data()));
    z.avail_in = static_cast<uInt>(msg.size());
    do {
        char buf[4096];
        z.next_out = reinterpret_cast<Bytef*>(buf);
        z.avail_out = sizeof buf;
        deflate(&z, Z_SYNC_FLUSH);
        out.append(buf, sizeof buf - z.avail_out);
    } while (z.avail_in > 0 || z.avail_out == 0);
    return out;
}

std::string zstd_flush(ZSTD_CCtx* c, std::string_view msg) {
    std::string out;
    ZSTD_inBuffer in{msg.data(), msg.size(), 0};
    std::size_t left;
    do {
        char buf[4096];
        ZSTD_outBuffer o{buf, sizeof buf, 0};
        left = ZSTD_compressStream2(c, &o, &in, ZSTD_e_flush);
        check(!ZSTD_isError(left));
        out.append(buf, o.pos);
    } while (left != 0 || in.pos < in.size);
    return out;
}

// Valid streams of arbitrary content, zlib messages cut in two anywhere.
void round_trip_zlib(zlib_stream& d, reader in) {
    z_stream z{};
    check(deflateInit(&z, Z_DEFAULT_COMPRESSION) == Z_OK);
    std::size_t len;
    std::uint8_t split;
    while (in.u16(len) && in.byte(split)) {
        const std::string_view msg = in.take(len);
        const std::string ws = deflate_sync(z, msg);
        if (ws.empty()) continue; // zlib flushes nothing for an empty message after a flush
        const std::size_t k = ws.size() * split / 256;
        const result a = d.feed(std::string_view(ws).substr(0, k));
        std::string got;
        // A cut right after a block whose bytes happen to end in 00 00 FF FF is a
        // message end by the protocol's rule: the output is then a prefix.
        if (a.has_message()) got.assign(a.message);
        else check(a.needs_more() || a.failed());
        const result b = d.feed(std::string_view(ws).substr(k));
        if (msg.size() > d.limits().max_message_size) {
            check(a.failed() || b.failed());
            break;
        }
        check(b.has_message());
        got.append(b.message);
        check(got == msg);
    }
    deflateEnd(&z);
}

void round_trip_zstd(zstd_stream& d, reader in) {
    ZSTD_CCtx* c = ZSTD_createCCtx();
    std::size_t len;
    std::uint8_t level;
    while (in.u16(len) && in.byte(level)) {
        const std::string_view msg = in.take(len);
        if (msg.empty()) continue; // an empty flush emits nothing: no websocket message
        ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, 1 + level % 9);
        const result r = d.feed(zstd_flush(c, msg));
        if (msg.size() > d.limits().max_message_size) {
            check(r.failed());
            break;
        }
        check(r.has_message() && r.message == msg);
    }
    ZSTD_freeCCtx(c);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::uint8_t mode = data[0];
    const reader in{data + 1, size - 1};
    limits lim;
    if (mode & 4) lim.max_message_size = 4096;
    switch (mode & 3) {
    case 0: {
        zlib_stream d(lim);
        feed_raw(d, in);
        break;
    }
    case 1: {
        zstd_stream d(lim);
        feed_raw(d, in);
        break;
    }
    case 2: {
        zlib_stream d(lim);
        round_trip_zlib(d, in);
        break;
    }
    default: {
        zstd_stream d(lim);
        round_trip_zstd(d, in);
        break;
    }
    }
    return 0;
}
