#!/usr/bin/env python3
"""End to end: shards of one bot across processes, coordinated through a real redis-server
(started here on loopback): `dgw connect --cluster` processes against `dgw gateway serve`,
whose JSON-lines log records every identify, resume and dispatch.

- four processes x eight shards, max_concurrency 2: never two identifies of one bucket
  within 5 s (as the server saw them), each bucket in shard order, the daily budget in
  Redis counted once per identify the server saw, no op 9;
- kill -9 of a process and its replacement: the replacement resumes its shards (no new
  identify) and every MESSAGE_CREATE of the feed reaches the Redis stream exactly once;
- Redis killed and started again mid-run: the process keeps running, says so once, makes
  no identify, and publishes again after the recovery;
- a process started while Redis is down: it waits (no identify, no exit), says so once,
  and starts its shards when Redis comes.

    test_cluster.py --bin-dir BUILD --source-dir SRC
"""
# needs: dgw::cluster
import json
import os
import re
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_cases import Failure, check, read_log, run_procs, served_dispatches, stop, tail, tool_main  # noqa: E402
from redis_fixture import Redis  # noqa: E402

TOKEN = "MTEyMzQ1Njc4OTAxMjM0NTY3.GclusT.cluster-test-distinctive-token"


# ---- the processes

class Ctx:
    def __init__(self, bin_dir, src):
        self.dgw = os.path.join(bin_dir, "tools", "dgw")
        self.events = os.path.join(src, "examples", "capture.zstd")
        self.env = dict(os.environ, DISCORD_TOKEN=TOKEN)
        self.feed = None

    def load_feed(self):
        if self.feed is None:
            self.feed = served_dispatches(self.dgw, self.events)
        return self.feed


def shard_of(e):
    """The shard of a log line: identify logs [id, count], the others the id."""
    return e["shard"][0] if isinstance(e["shard"], list) else e["shard"]




def serve(ctx, tmp, shards, mc, rate, extra=()):
    slog = os.path.join(tmp, "serve.log")
    p = subprocess.Popen([ctx.dgw, "gateway", "serve", "--listen", "127.0.0.1:0", "--events", ctx.events,
                          "--shards", str(shards), "--max-concurrency", str(mc), "--rate", str(rate),
                          "--heartbeat-interval-ms", "1000", "--log", slog, *extra],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ctx.env)
    url = p.stdout.readline().decode().strip()
    check(url.startswith("ws://"), f"serve printed {url!r}")
    api = "http://" + url[len("ws://"):].split("/")[0] + "/api/v10"
    return p, slog, api


def connect(ctx, tmp, name, api, redis, shards, process, publish=(), fmt="json"):
    out = open(os.path.join(tmp, f"{name}.out"), "wb")
    err = open(os.path.join(tmp, f"{name}.err"), "wb")
    cmd = [ctx.dgw, "connect", "--api-base", api, "--compress", "zlib-stream", "--cluster", redis.url,
           "--shards", str(shards), "--process", process, "--events", "READY", "--log-level", "info",
           "--backoff", "50ms,200ms", "--invalid-session-delay", "50ms", "--metrics", "127.0.0.1:0"]
    if publish:
        cmd += ["--publish", ",".join(publish), "--publish-format", fmt]
    p = subprocess.Popen(cmd, stdout=out, stderr=err, env=ctx.env)
    p.err_path = err.name
    return p


def scrape(p, limit=10):
    """{(name, labels): value} from the process' GET /metrics (its port from its log)."""
    deadline = time.monotonic() + limit
    port = None
    while port is None:
        m = re.search(r"metrics: http://127\.0\.0\.1:(\d+)/metrics", open(p.err_path, encoding="utf-8").read())
        if m:
            port = int(m.group(1))
        else:
            check(time.monotonic() < deadline, "no metrics address in the log")
            time.sleep(0.05)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        check(r.status == 200 and r.headers["Content-Type"].startswith("text/plain; version=0.0.4"),
              f"metrics: {r.status} {r.headers['Content-Type']}")
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.fullmatch(r"([a-z_]+)(?:\{(.*)\})? (\S+)", line)
        check(m, f"not a Prometheus sample: {line!r}")
        labels = tuple(sorted(re.findall(r'(\w+)="([^"]*)"', m.group(2) or "")))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def per_shard(samples, name, process):
    """{shard id: value} of a per-shard metric."""
    out = {}
    for (n, labels), v in samples.items():
        d = dict(labels)
        if n == name:
            check(d.get("process") == process, f"{n} without process=\"{process}\": {labels}")
            out[int(d["shard"])] = (v, d.get("phase"))
    return out




def wait_for(what, cond, limit, procs=()):
    deadline = time.monotonic() + limit
    while not cond():
        for p in procs:
            check(p.poll() is None, f"a process exited early ({p.returncode}):\n{tail(p.err_path)}")
        check(time.monotonic() < deadline, f"{what}: not within {limit} s")
        time.sleep(0.05)






# ---- the cases

def case_four_processes_share_buckets_and_budget(ctx, tmp):
    redis = Redis(tmp)

    def body(procs):
        srv, slog, api = serve(ctx, tmp, 32, 2, 20)
        procs.append(srv)
        for k in range(4):
            procs.append(connect(ctx, tmp, f"p{k}", api, redis, 32, f"{k}/4"))
        # 16 identifies per bucket, 5 s apart (plus the 250 ms margin): about 80 s.
        wait_for("32 identifies", lambda: sum(e["ev"] == "identify" for e in read_log(slog)) >= 32, 150, procs[1:])
        # Scraped while running, each process' metrics agree with what the gateway saw.
        def settled():
            for k in range(4):
                states = per_shard(scrape(procs[1 + k]), "dgw_shard_state", f"{k}/4")
                if sorted(states) != list(range(k, 32, 4)) or any(ph != "connected" for _, ph in states.values()):
                    return False
            return True
        wait_for("every shard connected in the metrics", settled, 15, procs[1:])
        for k in range(4):
            m = scrape(procs[1 + k])
            ident = per_shard(m, "dgw_shard_identifies_total", f"{k}/4")
            check(sorted(ident) == list(range(k, 32, 4)) and all(v == 1 for v, _ in ident.values()),
                  f"process {k}: identifies per shard {ident}")
            res = per_shard(m, "dgw_shard_resumes_total", f"{k}/4")
            check(all(v == 0 for v, _ in res.values()), f"process {k}: resumes {res}")
            check(m[("dgw_redis_up", (("process", f"{k}/4"),))] == 1, f"process {k}: redis down in the metrics")
            check(m[("dgw_identify_grants_total", (("process", f"{k}/4"),))] == 8, f"process {k}: grants")
            check(m[("dgw_identify_waiting", (("process", f"{k}/4"),))] == 0, f"process {k}: still waiting")
        for p in procs[1:]:
            check(stop(p) == 0, f"dgw connect exit {p.returncode}:\n{tail(p.err_path)}")
        stop(srv)
        log = read_log(slog)
        ids = [e for e in log if e["ev"] == "identify"]
        check(len(ids) == 32, f"{len(ids)} identifies, expected 32")
        check(not any(e["ev"] == "invalid_session" for e in log),
              f"op 9 sent: {[e for e in log if e['ev'] == 'invalid_session'][:3]}")
        check(sorted(e["shard"][0] for e in ids) == list(range(32)), "not every shard identified once")
        for bucket in (0, 1):
            b = [e for e in ids if e["shard"][0] % 2 == bucket]
            for prev, cur in zip(b, b[1:]):
                gap = cur["ts"] - prev["ts"]
                check(gap >= 5.0, f"bucket {bucket}: shards {prev['shard'][0]} and {cur['shard'][0]} identified "
                                  f"{gap:.3f} s apart")
            order = [e["shard"][0] for e in b]
            check(order == sorted(order), f"bucket {bucket} out of shard order: {order}")
        # One budget for the bot: what the server counted is what Redis counted.
        budget = int(redis.call("GET", "dgw:identify:budget"))
        check(budget == 1000 - 32, f"the shared budget is {budget}, expected {1000 - 32}")
        for k in range(4):
            err = open(os.path.join(tmp, f"p{k}.err"), encoding="utf-8").read()
            check("8 identified" in err, f"process {k} summary: {err[-400:]}")
            check(TOKEN not in err, "the token appears in a log")

    try:
        run_procs(body)
    finally:
        redis.kill()


def case_kill_9_and_replacement_resumes_exactly_once(ctx, tmp):
    redis = Redis(tmp)
    feed = ctx.load_feed()

    def body(procs):
        # 4 shards, 2 processes, max_concurrency 4 (no wait), slow enough that the kill lands mid-feed.
        srv, slog, api = serve(ctx, tmp, 4, 4, 25)
        procs.append(srv)
        p0 = connect(ctx, tmp, "p0", api, redis, 4, "0/2", publish=("MESSAGE_CREATE",))
        p1 = connect(ctx, tmp, "p1", api, redis, 4, "1/2", publish=("MESSAGE_CREATE",))
        procs += [p0, p1]
        def dispatched(shard, n):
            return sum(1 for e in read_log(slog) if e["ev"] == "dispatch" and shard_of(e) == shard and e["t"] == "MESSAGE_CREATE") >= n
        # Shard 0 carries nearly all of the feed's MESSAGE_CREATE: kill its process mid-feed.
        wait_for("process 0 under way", lambda: dispatched(0, 20), 30, procs[1:])
        p0.kill()  # SIGKILL: no close frame, no final write
        p0.wait()
        stored = redis.call("HGETALL", "dgw:session:0")
        check(stored, "no stored session for shard 0")
        p0b = connect(ctx, tmp, "p0b", api, redis, 4, "0/2", publish=("MESSAGE_CREATE",))
        procs.append(p0b)
        def fed():
            log = read_log(slog)
            done = {shard_of(e) for e in log if e["ev"] == "feed_done"}
            return done >= {0, 1, 2, 3}
        wait_for("every shard's feed sent", fed, 60, [p1, p0b])
        time.sleep(0.5)  # the last batch (written every 100 ms)
        m = scrape(p0b)
        check({k: v for k, (v, _) in per_shard(m, "dgw_shard_resumed_from_store", "0/2").items()} == {0: 1, 2: 1},
              f"resumed_from_store: {per_shard(m, 'dgw_shard_resumed_from_store', '0/2')}")
        check({k: v for k, (v, _) in per_shard(m, "dgw_shard_resumes_total", "0/2").items()} == {0: 1, 2: 1},
              f"resumes: {per_shard(m, 'dgw_shard_resumes_total', '0/2')}")
        check(all(v == 0 for v, _ in per_shard(m, "dgw_shard_identifies_total", "0/2").values()),
              "the replacement identified")
        check(m[("dgw_publish_buffered", (("process", "0/2"),))] == 0, "events left unwritten")
        for p in (p1, p0b):
            check(stop(p) == 0, f"dgw connect exit {p.returncode}:\n{tail(p.err_path)}")
        stop(srv)
        log = read_log(slog)
        check(sum(e["ev"] == "identify" for e in log) == 4, "identifies: expected one per shard, none after the kill")
        resumed = {shard_of(e) for e in log if e["ev"] == "resume"}
        check(resumed == {0, 2}, f"the replacement resumed shards {resumed}, expected 0 and 2")
        check(not any(e["ev"] == "resume_failed" for e in log), "a resume failed")
        err = open(p0b.err_path, encoding="utf-8").read()
        
        check("resuming stored sessions of shard(s) 0" in err, f"replacement log: {err[-600:]}")
        # Every MESSAGE_CREATE of the feed in the stream, exactly once; per shard in feed order.
        expected = [l["d"]["id"] for l in feed if l["t"] == "MESSAGE_CREATE"]
        got = [json.loads(p)["id"] for _, p in redis.stream("MESSAGE_CREATE")]
        dup = sorted({i for i in got if got.count(i) > 1})
        check(not dup, f"published twice: {dup[:5]} ({len(got)} entries)")
        missing = sorted(set(expected) - set(got))
        check(not missing, f"never published: {missing[:5]} ({len(got)} of {len(expected)})")
        check(len(got) == len(expected), f"{len(got)} published, {len(expected)} in the feed")

    try:
        run_procs(body)
    finally:
        redis.kill()


def case_redis_outage_is_survived_without_identifies(ctx, tmp):
    redis = Redis(tmp)

    def body(procs):
        srv, slog, api = serve(ctx, tmp, 2, 2, 10)
        procs.append(srv)
        p = connect(ctx, tmp, "p0", api, redis, 2, "0/1", publish=("MESSAGE_CREATE",))
        procs.append(p)
        wait_for("published", lambda: len(redis.stream("MESSAGE_CREATE")) >= 3, 30, [p])
        redis.kill()
        time.sleep(1.5)
        check(p.poll() is None, "dgw connect exited when Redis went away")
        redis.start()  # empty: no persistence
        wait_for("published again", lambda: len(redis.stream("MESSAGE_CREATE")) >= 3, 30, [p])
        check(stop(p) == 0, f"dgw connect exit {p.returncode}")
        stop(srv)
        log = read_log(slog)
        check(sum(e["ev"] == "identify" for e in log) == 2, "an identify during or after the outage")
        err = open(p.err_path, encoding="utf-8").read()
        check(err.count("connection lost") + err.count("unreachable:") == 1, f"one error per outage:\n{err[-1500:]}")
        check("reconnected" in err, f"no recovery logged:\n{err[-800:]}")
        check(" 0 dropped" in err, f"events dropped:\n{err[-400:]}")

    try:
        run_procs(body)
    finally:
        redis.kill()


def case_a_process_started_while_redis_is_down_waits_for_it(ctx, tmp):
    redis = Redis(tmp)
    redis.kill()

    def body(procs):
        srv, slog, api = serve(ctx, tmp, 2, 2, 10)
        procs.append(srv)
        p = connect(ctx, tmp, "p0", api, redis, 2, "0/1", publish=("MESSAGE_CREATE",))
        procs.append(p)
        # Without Redis it cannot know whether its shards have sessions to resume: it must
        # neither identify (spending the budget, maybe twice) nor exit.
        time.sleep(2)
        check(p.poll() is None, f"dgw connect exited without Redis:\n{tail(p.err_path)}")
        check(not any(e["ev"] == "identify" for e in read_log(slog)), "an identify while Redis was down")
        redis.start()
        wait_for("published", lambda: len(redis.stream("MESSAGE_CREATE")) >= 3, 30, [p])
        check(stop(p) == 0, f"dgw connect exit {p.returncode}")
        stop(srv)
        check(sum(e["ev"] == "identify" for e in read_log(slog)) == 2, "not one identify per shard")
        err = open(p.err_path, encoding="utf-8").read()
        check(err.count("unreachable:") == 1, f"the outage not said exactly once:\n{err[-1500:]}")

    try:
        run_procs(body)
    finally:
        redis.kill()


CASES = [case_kill_9_and_replacement_resumes_exactly_once, case_redis_outage_is_survived_without_identifies,
         case_a_process_started_while_redis_is_down_waits_for_it,
         case_four_processes_share_buckets_and_budget]


def main(argv=None):
    return tool_main(__doc__, Ctx, CASES, "dgw_cluster_", errors=(OSError, subprocess.SubprocessError, ValueError, KeyError),
                     argv=argv)


if __name__ == "__main__":
    sys.exit(main())
