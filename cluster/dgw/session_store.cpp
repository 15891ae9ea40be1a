#include <dgw/session_store.hpp>

#include <charconv>
#include <memory>

namespace dgw {

redis_session_store::redis_session_store(redis::connection& redis, std::string prefix, std::chrono::seconds ttl)
    : redis_(redis), prefix_(std::move(prefix)), ttl_(ttl) {}

std::string redis_session_store::key(std::uint32_t shard_id) const {
    return prefix_ + ":session:" + std::to_string(shard_id);
}

std::vector<std::vector<std::string>> redis_session_store::write(std::uint32_t shard_id, const session_info& s) const {
    std::vector<std::vector<std::string>> cmds;
    std::vector<std::string> hset{"HSET", key(shard_id), "session_id", s.session_id, "resume_gateway_url",
                                  s.resume_gateway_url};
    if (s.seq) {
        hset.push_back("seq");
        hset.push_back(std::to_string(*s.seq));
        cmds.push_back(std::move(hset));
    } else {
        cmds.push_back(std::move(hset));
        cmds.push_back({"HDEL", key(shard_id), "seq"});
    }
    cmds.push_back({"EXPIRE", key(shard_id), std::to_string(ttl_.count())});
    return cmds;
}

std::vector<std::string> redis_session_store::erase(std::uint32_t shard_id) const { return {"DEL", key(shard_id)}; }

void redis_session_store::load(const std::vector<std::uint32_t>& shard_ids, loaded done) {
    struct state {
        std::size_t left;
        boost::system::error_code ec;
        std::map<std::uint32_t, session_info> found;
        loaded done;
    };
    auto st = std::make_shared<state>(state{shard_ids.size(), {}, {}, std::move(done)});
    if (shard_ids.empty()) {
        // Keep the promise of an asynchronous answer through the connection's own path.
        redis_.command({"PING"}, [st](boost::system::error_code ec, redis::reply) { st->done(ec, {}); });
        return;
    }
    for (std::uint32_t id : shard_ids) {
        redis_.command({"HGETALL", key(id)}, [st, id](boost::system::error_code ec, redis::reply r) {
            if (ec && !st->ec) st->ec = ec;
            if (!ec && r.type == redis::reply::kind::array) {
                session_info s;
                for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2) {
                    const std::string& f = r.elements[i].str;
                    const std::string& v = r.elements[i + 1].str;
                    if (f == "session_id") s.session_id = v;
                    else if (f == "resume_gateway_url") s.resume_gateway_url = v;
                    else if (f == "seq") {
                        std::int64_t n = 0;
                        auto [end, e] = std::from_chars(v.data(), v.data() + v.size(), n);
                        if (e == std::errc{} && end == v.data() + v.size()) s.seq = n;
                    }
                }
                // An entry without its id is not resumable (written by something else): ignore it.
                if (!s.session_id.empty()) st->found.emplace(id, std::move(s));
            }
            if (--st->left == 0) st->done(st->ec, st->ec ? std::map<std::uint32_t, session_info>{} : std::move(st->found));
        });
    }
}

} // namespace dgw
