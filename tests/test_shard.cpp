// The shard over a real websocket: a local gateway (Boost.Beast server, C++20 coroutines on
// the same io_context) plays Discord's side of whole sessions, byte for byte on a TCP socket:
// Hello, Identify, READY, a dispatch, a resumable close, the Resume on resume_gateway_url with
// the right session and sequence, replayed dispatches, RESUMED, heartbeats answered, and the
// user's shutdown with 1000. Transport compression is produced the way the gateway does it
// (one zstd context flushed per message; one deflate stream with Z_SYNC_FLUSH).

#include "gateway_peer.hpp"

namespace {

using namespace gateway_peer;

void full_session(dgw::Encoding enc, dgw::transport_compression comp) {
    session t;
    std::vector<std::string> contents;
    std::vector<std::int64_t> seqs;
    bool resumed_seen = false;
    dgw::shard* shard_ptr = nullptr;
    t.handlers.on<dgw::events::MessageCreate>([&](const dgw::events::MessageCreate& m, const dgw::dispatch_info& i) {
        contents.push_back(m.content);
        seqs.push_back(i.s.value_or(-1));
    });
    t.handlers.on<dgw::events::Resumed>([&](const dgw::events::Resumed&) {
        resumed_seen = true;
        shard_ptr->shutdown(); // after the replayed dispatch: the session is whole again
    });
    // A user command from a handler: it goes out after READY, through the client's limiter.
    t.handlers.on<dgw::events::Ready>([&](const dgw::events::Ready&) {
        if (enc == dgw::Encoding::Etf) {
            dgw::commands::UpdatePresence p; // the generated command, encoded as ETF
            p.status = "idle";
            shard_ptr->send(p);
        } else {
            shard_ptr->send(dgw::command{dgw::Opcode::PresenceUpdate, presence()});
        }
    });
    dgw::shard sh(t.io, t.options(enc, comp), t.handlers);
    shard_ptr = &sh;
    std::vector<std::string> refused;
    t.handlers.on_decode_error([&](const dgw::event_decode_failed& e) { refused.push_back("decode " + e.t + ": " + e.error.message()); });
    sh.on_command_refused([&](const dgw::command_refused& r) { refused.push_back(r.detail); });

    json::object msg = fixture_d("MESSAGE_CREATE");
    json::object ready = ready_for("session-one", t.base()); // the Resume must go here

    std::string identify_token, resume_session, first_target, second_target, presence_status;
    std::int64_t identify_intents = 0, resume_seq = -1;
    int close_code = 0, first_heartbeats = 0;
    std::vector<int> beats_before_ready, second_heartbeats;

    auto script = [&]() -> awaitable<void> {
        {
            auto c = co_await accept(t.acc);
            first_target = c->target;
            co_await c->send(hello(2000));
            auto id = co_await c->expect(2);
            identify_token = str(id.at("d").at("token"));
            identify_intents = id.at("d").at("intents").to_number<std::int64_t>();
            // The first heartbeat (200 ms after Hello; a shorter interval would leave the 120/60 s
            // budget no room for commands beside the heartbeats) comes before any dispatch: d is null.
            co_await c->expect(1, true);
            co_await c->dispatch("READY", 1, ready);
            msg["content"] = "before the resume";
            co_await c->dispatch("MESSAGE_CREATE", 2, msg);
            auto cmd = co_await c->expect(3);
            presence_status = str(cmd.at("d").at("status"));
            // A resumable close, as the gateway does when it restarts a node.
            co_await c->close(4000);
            first_heartbeats = c->heartbeats;
            beats_before_ready = c->heartbeat_seq;
        }
        {
            auto c = co_await accept(t.acc);
            second_target = c->target;
            co_await c->send(hello(2000));
            auto r = co_await c->expect(6);
            resume_session = str(r.at("d").at("session_id"));
            resume_seq = r.at("d").at("seq").to_number<std::int64_t>();
            msg["content"] = "replayed after the resume";
            co_await c->dispatch("MESSAGE_CREATE", 3, msg);
            co_await c->dispatch("RESUMED", 4, {});
            auto end = co_await c->recv(); // heartbeats until the client's close frame
            BOOST_CHECK(!end);
            BOOST_CHECK(c->client_closed());
            close_code = c->close_code();
            second_heartbeats = c->heartbeat_seq;
        }
    };
    t.run(sh, script());

    BOOST_TEST(first_target.find("v=10") != std::string::npos);
    BOOST_TEST(identify_token == token);
    BOOST_TEST(identify_intents == 513);
    BOOST_TEST(presence_status == "idle");
    BOOST_TEST(refused.empty());
    for (const auto& r : refused) BOOST_TEST_MESSAGE("refused: " << r);
    BOOST_TEST(first_heartbeats >= 1);
    // Heartbeats before any dispatch carry null.
    BOOST_REQUIRE(!beats_before_ready.empty());
    BOOST_TEST(beats_before_ready.front() == -1);
    // On the resumed connection a heartbeat carries the last sequence seen, never null.
    for (int d : second_heartbeats) BOOST_TEST(d >= 2);
    BOOST_TEST(resume_session == "session-one");
    BOOST_TEST(resume_seq == 2);
    BOOST_TEST(second_target == first_target); // same v/encoding/compress query on resume_gateway_url
    BOOST_TEST(contents == (std::vector<std::string>{"before the resume", "replayed after the resume"}),
               boost::test_tools::per_element());
    BOOST_TEST(seqs == (std::vector<std::int64_t>{2, 3}), boost::test_tools::per_element());
    BOOST_TEST(close_code == 1000);
    BOOST_REQUIRE(t.stopped);
    BOOST_TEST(t.stopped->reason == dgw::make_error_code(dgw::protocol_errc::shutdown));
    BOOST_TEST(sh.stats().connects == 2u);
    BOOST_TEST(sh.stats().resumes == 1u);
    BOOST_TEST(sh.stats().connect_failures == 0u);
    BOOST_TEST(resumed_seen);
}

} // namespace

BOOST_AUTO_TEST_SUITE(shard)

BOOST_AUTO_TEST_CASE(json_zstd_session_resumes_after_close_4000) {
    full_session(dgw::Encoding::Json, dgw::transport_compression::zstd_stream);
}

BOOST_AUTO_TEST_CASE(etf_zlib_session_resumes_after_close_4000) {
    full_session(dgw::Encoding::Etf, dgw::transport_compression::zlib_stream);
}

BOOST_AUTO_TEST_CASE(json_plain_session_resumes_after_close_4000) {
    full_session(dgw::Encoding::Json, dgw::transport_compression::none);
}

// wss:// as Discord serves it: TLS with SNI, the certificate checked against the host name.
BOOST_AUTO_TEST_CASE(tls_session_with_a_verified_certificate) {
    tls_session t("localhost");
    auto opt = t.tls_options(dgw::Encoding::Etf, dgw::transport_compression::zstd_stream);
    ssl::context& server_tls = t.server_tls;
    std::string content, sni;
    dgw::shard* shard_ptr = nullptr;
    t.handlers.on<dgw::events::MessageCreate>([&](const dgw::events::MessageCreate& m) {
        content = m.content;
        shard_ptr->shutdown();
    });
    dgw::shard sh(t.io, opt, t.handlers);
    shard_ptr = &sh;
    json::object msg = fixture_d("MESSAGE_CREATE");
    msg["content"] = "over TLS";
    int close_code = 0;
    auto script = [&]() -> awaitable<void> {
        auto c = co_await accept_tls(t.acc, server_tls);
        sni = c->server_name();
        co_await c->send(hello(45000));
        auto id = co_await c->expect(2);
        co_await c->dispatch("READY", 1, fixture_d("READY"));
        co_await c->dispatch("MESSAGE_CREATE", 2, msg);
        auto end = co_await c->recv();
        BOOST_CHECK(!end);
        close_code = c->close_code();
    };
    t.run(sh, script());
    BOOST_TEST(sni == "localhost");
    BOOST_TEST(content == "over TLS");
    BOOST_TEST(close_code == 1000);
    BOOST_TEST(sh.stats().connect_failures == 0u);
}

// The same certificate reached under another name (127.0.0.1) must be refused: the shard
// never talks to a gateway whose certificate does not name the host it asked for.
BOOST_AUTO_TEST_CASE(tls_host_name_mismatch_is_refused) {
    tls_session t("127.0.0.1");
    auto opt = t.tls_options(dgw::Encoding::Json, dgw::transport_compression::none);
    ssl::context& server_tls = t.server_tls;
    dgw::shard sh(t.io, opt, t.handlers);
    bool server_handshake_failed = false;
    auto script = [&]() -> awaitable<void> {
        try {
            auto c = co_await accept_tls(t.acc, server_tls);
        } catch (const boost::system::system_error&) {
            server_handshake_failed = true;
        }
        sh.shutdown();
    };
    t.run(sh, script());
    BOOST_TEST(server_handshake_failed);
    BOOST_TEST(sh.stats().connect_failures >= 1u);
    BOOST_REQUIRE(t.stopped);
    BOOST_TEST(t.stopped->reason == dgw::make_error_code(dgw::protocol_errc::shutdown));
    bool logged = false;
    for (const auto& l : t.logs) logged = logged || l.find("tls handshake failed") != std::string::npos;
    BOOST_TEST(logged);
}

// 4004 (authentication failed) needs a human: the shard stops and never reconnects.
BOOST_AUTO_TEST_CASE(fatal_close_code_stops_without_reconnecting) {
    session t;
    dgw::shard sh(t.io, t.options(dgw::Encoding::Json, dgw::transport_compression::none), t.handlers);
    auto script = [&]() -> awaitable<void> {
        auto c = co_await accept(t.acc);
        co_await c->send(hello(45000));
        co_await c->expect(2);
        co_await c->close(4004, "Authentication failed.");
    };
    t.run(sh, script());
    BOOST_REQUIRE(t.stopped);
    BOOST_TEST(t.stopped->reason == dgw::make_error_code(dgw::protocol_errc::fatal_close));
    BOOST_TEST(t.stopped->close_code == 4004);
    BOOST_TEST(sh.stats().connects == 1u);
    BOOST_TEST(!sh.running());
}

// Nobody listens: every attempt fails before Hello, and the retries back off (0, 20, 40,
// 80 ms: the client's back-off) instead of spinning. The shard keeps trying until told to stop.
BOOST_AUTO_TEST_CASE(unreachable_gateway_backs_off_and_shuts_down) {
    session t;
    auto opt = t.options(dgw::Encoding::Json, dgw::transport_compression::none);
    t.acc.close(); // the port is now closed: connections are refused
    dgw::shard sh(t.io, opt, t.handlers);
    const auto begin = std::chrono::steady_clock::now();
    std::chrono::steady_clock::duration to_fifth{};
    auto script = [&]() -> awaitable<void> {
        while (sh.stats().connect_failures < 5) {
            asio::steady_timer poll(t.io, 2ms);
            co_await poll.async_wait(use_awaitable);
        }
        to_fifth = std::chrono::steady_clock::now() - begin;
        sh.shutdown();
    };
    t.run(sh, script());
    BOOST_REQUIRE(t.stopped);
    BOOST_TEST(t.stopped->reason == dgw::make_error_code(dgw::protocol_errc::shutdown));
    // Five refusals take milliseconds; the waits between them (timers never fire early)
    // add up to 0 + 20 + 40 + 80 = 140 ms at least.
    BOOST_TEST(to_fifth >= 140ms);
    BOOST_TEST(to_fifth < 10s);
    BOOST_TEST(sh.stats().connects == sh.stats().connect_failures);
}

// A corrupt compressed stream costs the connection, not the session: the shard resumes.
BOOST_AUTO_TEST_CASE(corrupt_zstd_stream_drops_the_connection_and_resumes) {
    session t;
    dgw::shard sh(t.io, t.options(dgw::Encoding::Json, dgw::transport_compression::zstd_stream), t.handlers);
    json::object ready = ready_for("session-two", t.base());
    std::string resume_session;
    auto script = [&]() -> awaitable<void> {
        {
            auto c = co_await accept(t.acc);
            co_await c->open_session(ready);
            co_await c->send_raw("\xff\xfe this is not zstd", true);
            auto end = co_await c->recv(); // the shard drops the TCP connection, no close frame
            BOOST_CHECK(!end);
            BOOST_CHECK(!c->client_closed());
        }
        {
            auto c = co_await accept(t.acc);
            co_await c->send(hello(45000));
            auto r = co_await c->expect(6);
            resume_session = str(r.at("d").at("session_id"));
            sh.shutdown();
            auto end = co_await c->recv();
            BOOST_CHECK(!end);
        }
    };
    t.run(sh, script());
    BOOST_TEST(resume_session == "session-two");
    BOOST_TEST(sh.stats().connects == 2u);
}

// An undecodable message may have been a dispatch: the client closes with 4000 (keeping
// the session) and the shard resumes on a new connection, which the gateway replays from.
BOOST_AUTO_TEST_CASE(undecodable_message_closes_with_4000_and_resumes) {
    session t;
    dgw::shard sh(t.io, t.options(dgw::Encoding::Json, dgw::transport_compression::none), t.handlers);
    json::object ready = ready_for("session-three", t.base());
    int first_close = 0;
    std::int64_t resume_seq = -1;
    auto script = [&]() -> awaitable<void> {
        {
            auto c = co_await accept(t.acc);
            co_await c->open_session(ready);
            co_await c->send_raw("{\"op\":0,\"s\":2,\"t\":\"MESSAGE_CREATE\",\"d\":{\"id\":", false);
            auto end = co_await c->recv();
            BOOST_CHECK(!end);
            first_close = c->close_code();
        }
        {
            auto c = co_await accept(t.acc);
            co_await c->send(hello(45000));
            auto r = co_await c->expect(6);
            resume_seq = r.at("d").at("seq").to_number<std::int64_t>();
            sh.shutdown();
            auto end = co_await c->recv();
            BOOST_CHECK(!end);
        }
    };
    t.run(sh, script());
    BOOST_TEST(first_close == 4000);
    BOOST_TEST(resume_seq == 1); // the truncated dispatch's s was never read
    BOOST_TEST(sh.stats().connects == 2u);
}

// Two shards of one bot with max_concurrency 1: both connect at once, but the second
// Identify waits for the shared queue's next 5 s window; each shard identifies with its
// own [id, count] and gets its own session; shutdown() closes both with 1000. Shard 1 is
// started first and gets its Hello 300 ms earlier, yet shard 0 identifies first, as
// Discord asks (each bucket in shard id order).
BOOST_AUTO_TEST_CASE(manager_spaces_identifies_by_concurrency_bucket) {
    session t;
    dgw::shard_manager_options mo;
    mo.shard = t.options(dgw::Encoding::Json, dgw::transport_compression::zstd_stream);
    mo.shard_count = 2;
    mo.shard_ids = {1, 0};
    mo.limit.max_concurrency = 1;
    mo.limit.total = mo.limit.remaining = 10;
    dgw::shard_manager manager(t.io, mo, t.handlers);
    std::vector<std::uint32_t> ready_shards;
    std::optional<std::chrono::steady_clock::time_point> shut_at;
    t.handlers.on<dgw::events::Ready>([&](const dgw::events::Ready&, const dgw::dispatch_info& i) {
        ready_shards.push_back(i.shard_id);
        if (ready_shards.size() == 2) {
            shut_at = std::chrono::steady_clock::now();
            manager.shutdown(); // from inside a handler, halfway through the shard's actions
        }
    });
    struct seen {
        std::int64_t id = -1, count = -1;
        std::chrono::steady_clock::time_point at;
        int close_code = 0;
    };
    std::vector<seen> identifies;
    std::vector<std::uint32_t> stopped_ids;
    manager.on_stop([&](std::uint32_t id, const dgw::stop& s) {
        stopped_ids.push_back(id);
        BOOST_TEST(s.reason == dgw::make_error_code(dgw::protocol_errc::shutdown));
        if (stopped_ids.size() == 2) {
            t.stopped = s;
            t.notify();
        }
    });
    int finished = 0;
    auto one = [&](std::unique_ptr<peer_conn> c, std::chrono::milliseconds hello_after) -> awaitable<void> {
        asio::steady_timer later(t.io, hello_after);
        co_await later.async_wait(use_awaitable);
        co_await c->send(hello(45000));
        auto id = co_await c->expect(2);
        seen s;
        s.id = id.at("d").at("shard").at(0).to_number<std::int64_t>();
        s.count = id.at("d").at("shard").at(1).to_number<std::int64_t>();
        s.at = std::chrono::steady_clock::now();
        json::object ready = fixture_d("READY");
        ready["session_id"] = "session-of-shard-" + std::to_string(s.id);
        co_await c->dispatch("READY", 1, ready);
        auto end = co_await c->recv();
        BOOST_CHECK(!end);
        s.close_code = c->close_code();
        identifies.push_back(s);
        ++finished;
    };
    auto script = [&]() -> awaitable<void> {
        auto a = co_await accept(t.acc);
        auto b = co_await accept(t.acc);
        // Both connections are served at once, as the gateway would.
        asio::co_spawn(t.io, one(std::move(a), 0ms), asio::detached);
        co_await one(std::move(b), 300ms);
        while (finished < 2) {
            asio::steady_timer poll(t.io, 10ms);
            co_await poll.async_wait(use_awaitable);
        }
    };
    t.drive([&] { manager.start(); }, [&] { manager.shutdown(); }, script());
    // Nothing of the manager or its shards stays pending (it once kept the heartbeat timer
    // of the shard whose READY handler shut down, for 45 s).
    BOOST_REQUIRE(shut_at);
    BOOST_TEST((std::chrono::steady_clock::now() - *shut_at < 1s));
    BOOST_TEST(manager.shards().size() == 2u);
    BOOST_TEST(manager.find(1) == manager.shards()[0].get());
    BOOST_TEST(manager.find(0) == manager.shards()[1].get());
    BOOST_TEST(manager.find(2) == nullptr);
    BOOST_REQUIRE_EQUAL(identifies.size(), 2u);
    std::sort(identifies.begin(), identifies.end(), [](const seen& x, const seen& y) { return x.at < y.at; });
    BOOST_TEST(identifies[0].id == 0);
    BOOST_TEST(identifies[1].id == 1);
    BOOST_TEST(identifies[0].count == 2);
    BOOST_TEST(identifies[1].count == 2);
    const auto gap = identifies[1].at - identifies[0].at;
    BOOST_TEST(gap >= 5000ms); // Discord's 5 s, measured where the gateway reads the Identify
    BOOST_TEST(gap < 8s);
    BOOST_TEST(identifies[0].close_code == 1000);
    BOOST_TEST(identifies[1].close_code == 1000);
    BOOST_TEST(stopped_ids.size() == 2u);
    BOOST_TEST(manager.running() == 0u);
    BOOST_TEST(manager.identify_queue().remaining() == 8u);
}

BOOST_AUTO_TEST_CASE(manager_rejects_invalid_shard_lists) {
    asio::io_context io;
    dgw::event_handlers handlers;
    auto start_with = [&](std::uint32_t count, std::vector<std::uint32_t> ids) {
        dgw::shard_manager_options mo;
        mo.shard_count = count;
        mo.shard_ids = std::move(ids);
        dgw::shard_manager m(io, mo, handlers);
        m.start();
    };
    const auto invalid_config = [](const boost::system::system_error& e) {
        return e.code() == dgw::protocol_errc::invalid_config;
    };
    BOOST_CHECK_EXCEPTION(start_with(0, {}), boost::system::system_error, invalid_config);
    BOOST_CHECK_EXCEPTION(start_with(2, {0, 2}), boost::system::system_error, invalid_config);
    BOOST_CHECK_EXCEPTION(start_with(4, {1, 3, 1}), boost::system::system_error, invalid_config);
}

BOOST_AUTO_TEST_SUITE_END()
