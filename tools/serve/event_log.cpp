// JSON lines out of the server (event_log.hpp).
#include "event_log.hpp"

#include <boost/json/serialize.hpp>

#include <cstdio>

namespace dgw::tool::serve {

double event_log::now() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void event_log::write(std::string_view ev, const boost::json::object& fields) {
    if (!sink_) return;
    // ts as fixed-point text (Boost.JSON would write 2.008283E0).
    char ts[32];
    std::snprintf(ts, sizeof ts, "%.6f", now());
    boost::json::object o;
    o.reserve(fields.size() + 1);
    o["ev"] = ev;
    for (const auto& kv : fields) o[kv.key()] = kv.value();
    line_ = "{\"ts\":";
    line_ += ts;
    line_ += ',';
    line_ += std::string_view(boost::json::serialize(o)).substr(1);
    sink_(line_);
}

log_sink file_sink(std::FILE* f) {
    return [f](std::string_view line) {
        std::fwrite(line.data(), 1, line.size(), f);
        std::fputc('\n', f);
        std::fflush(f);
    };
}

} // namespace dgw::tool::serve
