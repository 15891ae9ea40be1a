#include "output.hpp"

#include <dgw/etf/json.hpp>
#include <dgw/detail/json/dom.hpp>
#include <dgw/detail/json/text.hpp>

#include <boost/json/parse.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace dgw::tool {

// ---- out_file ---------------------------------------------------------------------------

out_file::out_file(const std::string& path) : path_(path == "-" ? "stdout" : path) {
    if (path == "-") {
        fd_ = STDOUT_FILENO;
    } else {
        fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (fd_ < 0) throw std::runtime_error("cannot create " + path + ": " + std::strerror(errno));
        owned_ = true;
        struct stat st {};
        if (::fstat(fd_, &st) == 0) {
            dev_ = st.st_dev;
            ino_ = st.st_ino;
        }
    }
    buf_.reserve(block + (64u << 10));
}

out_file::~out_file() {
    try {
        flush();
    } catch (...) { // close() reports errors; a destructor on an error path must not throw
    }
    if (owned_) ::close(fd_);
}

void out_file::flush() {
    std::size_t done = 0;
    while (done < buf_.size()) {
        const ssize_t n = ::write(fd_, buf_.data() + done, buf_.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            buf_.clear();
            if (errno == EPIPE) throw broken_pipe{};
            throw std::runtime_error("write error on " + path_ + ": " + std::strerror(errno));
        }
        done += static_cast<std::size_t>(n);
    }
    written_ += done;
    buf_.clear();
}

void out_file::close() {
    flush();
    if (owned_) {
        owned_ = false;
        if (::close(fd_) != 0) throw std::runtime_error("error closing " + path_ + ": " + std::strerror(errno));
    }
}

std::optional<std::pair<std::uint64_t, std::uint64_t>> file_identity(const std::string& path) {
    struct stat st {};
    if (path == "-" || ::stat(path.c_str(), &st) != 0) return std::nullopt;
    return std::pair<std::uint64_t, std::uint64_t>{st.st_dev, st.st_ino};
}

// ---- generic conversion -----------------------------------------------------------------

bool to_value(std::string_view bytes, Encoding enc, boost::json::value& out, std::string& why) {
    if (enc == Encoding::Etf) {
        decode_error err;
        out = etf::to_json(bytes, err);
        if (err) {
            why = err.message();
            return false;
        }
        return true;
    }
    boost::json::parse_options po;
    po.max_depth = 512; // as deep as the typed decoder goes (Boost's default is 32)
    boost::system::error_code ec;
    out = boost::json::parse(bytes, ec, {}, po);
    if (ec) {
        why = "invalid JSON: " + ec.message();
        return false;
    }
    return true;
}

void append_envelope(const boost::json::value& v, std::string& out, big_integers big) {
    if (!v.is_object()) return json::append_value(out, v, big);
    // ETF maps arrive sorted (d, op, s, t); print the envelope in the gateway's JSON order.
    static constexpr std::string_view order[] = {"t", "s", "op", "d"};
    const auto& obj = v.get_object();
    out.push_back('{');
    bool first = true;
    auto put = [&](std::string_view k, const boost::json::value& val) {
        if (!first) out.push_back(',');
        first = false;
        json::append_string(out, k);
        out.push_back(':');
        json::append_value(out, val, big);
    };
    for (std::string_view k : order)
        if (const auto* val = obj.if_contains(k)) put(k, *val);
    for (const auto& kv : obj) {
        const std::string_view k = kv.key();
        if (k != "t" && k != "s" && k != "op" && k != "d") put(k, kv.value());
    }
    out.push_back('}');
}

void envelope_fields(const boost::json::value& v, std::int64_t& op, std::string_view& t) {
    op = -1;
    t = {};
    const auto* obj = v.if_object();
    if (!obj) return;
    if (const auto* o = obj->if_contains("op"); o && o->is_int64()) op = o->get_int64();
    if (const auto* s = obj->if_contains("t"); s && s->is_string()) t = s->get_string();
}

} // namespace dgw::tool
