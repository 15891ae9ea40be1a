#!/usr/bin/env python3
"""
Interoperability with discord.js' own consumer: what `dgw connect --cluster ... --publish
MESSAGE_CREATE` writes to Redis Streams is read by @discordjs/brokers' PubSubRedisBroker,
installed from the npm registry and used as its users use it (tests/cli/brokers_worker.mjs).

A real redis-server runs on loopback; `dgw gateway serve` replays examples/capture.zstd (118
MESSAGE_CREATE among its dispatches) to one `dgw connect` that publishes them. The worker
subscribes a consumer group, reads each event with the package's decode, prints the fields it
read, and acks it. The test checks that:

- every MESSAGE_CREATE of the feed (`dgw decode` of the capture) arrives, each once, and
  nothing else does; the stream holds exactly those 118 entries;
- id, channel_id, guild_id, content, author.id, author.username and timestamp equal the feed's
  `d` fields; `typeof id` is "string" in JavaScript and no integer in the payload is beyond
  2^53 (the package's msgpack decode rounds a 64-bit integer without a word: snowflakes must
  be strings);
- the consumer group holds nothing pending afterwards (the package's ack reached Redis).

A fourth case runs dgw's own worker instead (examples/stream_worker: dgw::stream_consumer,
msgpack_to_json_text, the typed MessageCreate), with the same output and the same checks.

Cases: MessagePack (the default format, which the package decodes as it is); JSON text
(`--publish-format json`, read with the package's `decode` option set to JSON.parse, as a
user of a JSON stream must); and a control in which Node itself writes the feed's `d` objects
with @msgpack/msgpack in the same XADD layout, no dgw connect involved: when it passes and
the others fail, the fault is in the bytes dgw writes, not in the worker or this test.

The packages are installed once into <bin-dir>/npm-brokers (npm install; reruns reuse it).
No Node.js, no npm or no registry is a failure, not a skip.

    test_brokers.py --bin-dir BUILD --source-dir SRC
"""
# needs: dgw::cluster
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from cli_cases import Failure, check, run_procs, served_dispatches, stop, tail, tool_main  # noqa: E402
from redis_fixture import Redis  # noqa: E402

TOKEN = "MTEyMzQ1Njc4OTAxMjM0NTY3.GbrokT.brokers-test-distinctive-token"

# Majors pinned: brokers 1.x changed the constructor and subscribe() from 0.x, and the worker is
# written for 1.x. ioredis 5 is the range brokers 1.x itself declares (^5.4.1), so the client the
# worker builds and the one the package was built against are one copy.
PACKAGES = ["@discordjs/brokers@1", "ioredis@5"]
GROUP = "dgw-test"
STREAM = "MESSAGE_CREATE"
WORKER_TIMEOUT_MS = 60000  # two busy shared cores; the feed itself takes about 6 s


class Ctx:
    def __init__(self, bin_dir, src):
        self.dgw = os.path.join(bin_dir, "tools", "dgw")
        self.events = os.path.join(src, "examples", "capture.zstd")
        self.env = dict(os.environ, DISCORD_TOKEN=TOKEN)
        self.npm_dir = os.path.join(bin_dir, "npm-brokers")
        self.stream_worker = os.path.join(bin_dir, "examples", "stream_worker")
        self.node = None
        self.feed = None
        self.install_failed = None  # said once, in full, by the first case; the others refer to it

    def load_feed(self):
        """The capture's MESSAGE_CREATE `d` objects, in feed order."""
        if self.feed is None:
            self.feed = [l["d"] for l in served_dispatches(self.dgw, self.events) if l["t"] == "MESSAGE_CREATE"]
            check(len(self.feed) == 118, f"{len(self.feed)} MESSAGE_CREATE in {self.events}, expected 118")
        return self.feed

    def ensure_packages(self):
        """Installs PACKAGES into npm_dir unless a previous run did, and puts the Node scripts
        beside node_modules, where their bare imports resolve as in a user's project."""
        check(not self.install_failed, f"{self.install_failed} (above)")
        self.node = shutil.which("node")
        check(self.node, "node (Node.js) is not on PATH: this test needs it to run @discordjs/brokers")
        marker = os.path.join(self.npm_dir, "dgw-installed.txt")
        want = " ".join(PACKAGES)
        have = open(marker, encoding="utf-8").read() if os.path.exists(marker) else ""
        if have != want or not os.path.exists(os.path.join(self.npm_dir, "node_modules", "@discordjs", "brokers",
                                                           "package.json")):
            npm = shutil.which("npm")
            check(npm, "npm is not on PATH: this test installs @discordjs/brokers with it")
            os.makedirs(self.npm_dir, exist_ok=True)
            cmd = [npm, "install", "--no-audit", "--no-fund", "--prefix", self.npm_dir, *PACKAGES]
            self.install_failed = f"npm install of {want} failed"
            try:
                r = subprocess.run(cmd, capture_output=True, timeout=300)
            except subprocess.TimeoutExpired:
                raise Failure(f"{' '.join(cmd)} took over 300 s (is the npm registry reachable?)")
            # npm's first lines say what failed (code, address); the stack trace after them does not.
            said = "\n".join(r.stderr.decode(errors="replace").splitlines()[:4])
            check(r.returncode == 0, f"{' '.join(cmd)} failed (exit {r.returncode}); this test needs the npm "
                                     f"registry to install @discordjs/brokers:\n{said}")
            self.install_failed = None
            with open(marker, "w", encoding="utf-8") as f:
                f.write(want)
        for name in ("brokers_worker.mjs", "brokers_publish.mjs"):
            shutil.copyfile(os.path.join(HERE, name), os.path.join(self.npm_dir, name))


# ---- processes





def start_worker(ctx, tmp, redis, fmt, procs, cpp=False):
    """The broker consumer (or with `cpp` dgw's examples/stream_worker, which prints the same
    lines); returns once it has subscribed (its group exists)."""
    out_path, err_path = os.path.join(tmp, "worker.out"), os.path.join(tmp, "worker.err")
    args = [redis.url, GROUP, str(len(ctx.load_feed())), str(WORKER_TIMEOUT_MS), fmt]
    cmd = [ctx.stream_worker, *args] if cpp else [ctx.node, os.path.join(ctx.npm_dir, "brokers_worker.mjs"), *args]
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        w = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ctx.npm_dir if not cpp else tmp)
    w.out_path, w.err_path = out_path, err_path
    procs.append(w)
    deadline = time.monotonic() + 30
    while not open(out_path, encoding="utf-8").read().startswith("ready\n"):
        check(w.poll() is None, f"the worker exited before subscribing ({w.returncode}):\n{tail(err_path)}")
        check(time.monotonic() < deadline, "the worker did not subscribe within 30 s")
        time.sleep(0.05)
    # The package creates the group at id 0 (XGROUP CREATE ... 0 MKSTREAM), so it would read
    # entries written before it too; starting dgw after this is for a clear timeline only.
    check(redis.call("EXISTS", STREAM) == 1, "the worker subscribed but the stream was not created")
    return w


def wait_worker(w, limit=WORKER_TIMEOUT_MS / 1000 + 15):
    try:
        rc = w.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        raise Failure(f"the worker did not exit within {limit} s")
    check(rc == 0, f"the worker exit {rc}")  # run() appends its stderr




# ---- the comparison

def compare(ctx, redis, out_path):
    feed = {d["id"]: d for d in ctx.load_feed()}
    text = open(out_path, encoding="utf-8").read()
    lines = text.split("\n")
    check(lines[0] == "ready" and lines[-2:] == ["done", ""], f"worker output not ready ... done: {text[-300:]!r}")
    got = [json.loads(l) for l in lines[1:-2]]
    seen = set()
    for g in got:
        i = g["id"]
        check(g["typeof_id"] == "string", f"typeof id is {g['typeof_id']} for {i!r}: snowflakes must be strings")
        check(not g["unsafe_numbers"], f"{i}: integers beyond 2^53 at {g['unsafe_numbers'][:5]} (the msgpack decode "
                                       f"rounds them)")
        check(i in feed, f"received id {i!r}, which is no MESSAGE_CREATE of the feed")
        check(i not in seen, f"received {i} twice")
        seen.add(i)
        d = feed[i]
        want = {"id": d["id"], "channel_id": d["channel_id"], "guild_id": d.get("guild_id"), "content": d["content"],
                "author_id": d["author"]["id"], "author_username": d["author"]["username"],
                "timestamp": d["timestamp"]}
        have = {k: g.get(k) for k in want}
        diff = {k: (have[k], want[k]) for k in want if have[k] != want[k]}
        check(not diff, f"{i}: (received, feed) differ: {diff}")
    missing = [i for i in feed if i not in seen]
    check(not missing, f"{len(missing)} of {len(feed)} never received, first {missing[:5]}")
    check(redis.call("XLEN", STREAM) == len(feed), f"the stream holds {redis.call('XLEN', STREAM)} entries, "
                                                   f"expected {len(feed)}")
    pending = redis.call("XPENDING", STREAM, GROUP)[0]
    check(pending == 0, f"{pending} entries still pending in group {GROUP}: the acks did not all reach Redis")
    return len(got)


# ---- the cases

def dgw_publishes(ctx, tmp, fmt, cpp=False):
    if cpp:
        check(os.access(ctx.stream_worker, os.X_OK), f"{ctx.stream_worker} is not built (DGW_BUILD_EXAMPLES)")
    else:
        ctx.ensure_packages()
    ctx.load_feed()
    redis = Redis(tmp)

    def body(procs):
        w = start_worker(ctx, tmp, redis, fmt, procs, cpp)
        slog = os.path.join(tmp, "serve.log")
        serve_err = open(os.path.join(tmp, "serve.err"), "wb")
        srv = subprocess.Popen([ctx.dgw, "gateway", "serve", "--listen", "127.0.0.1:0", "--events", ctx.events,
                                "--shards", "1", "--rate", "50", "--log", slog],
                               stdout=subprocess.PIPE, stderr=serve_err, env=ctx.env)
        srv.err_path = serve_err.name
        procs.append(srv)
        url = srv.stdout.readline().decode().strip()
        check(url.startswith("ws://"), f"serve printed {url!r}")
        api = "http://" + url[len("ws://"):].split("/")[0] + "/api/v10"
        out = open(os.path.join(tmp, "connect.out"), "wb")
        err = open(os.path.join(tmp, "connect.err"), "wb")
        cmd = [ctx.dgw, "connect", "--api-base", api, "--compress", "zlib-stream", "--cluster", redis.url,
               "--shards", "1", "--process", "0/1", "--publish", "MESSAGE_CREATE", "--events", "READY",
               "--log-level", "info"]
        if fmt == "json":
            cmd += ["--publish-format", "json"]
        client = subprocess.Popen(cmd, stdout=out, stderr=err, env=ctx.env)
        client.err_path = err.name
        procs.append(client)
        deadline = time.monotonic() + WORKER_TIMEOUT_MS / 1000 + 15
        while w.poll() is None:
            check(client.poll() is None, f"dgw connect exited early ({client.returncode})")
            check(time.monotonic() < deadline, "the worker did not finish")
            time.sleep(0.05)
        wait_worker(w)
        rc = stop(client)
        check(rc == 0, f"dgw connect exit {rc}, expected 0")
        stop(srv)
        n = compare(ctx, redis, w.out_path)
        connect_err = open(client.err_path, encoding="utf-8", errors="replace").read()
        check(TOKEN not in connect_err, "the token appears in dgw connect's log")
        reader = "dgw::stream_consumer (examples/stream_worker)" if cpp else "PubSubRedisBroker"
        print(f"     {fmt}: {n} MESSAGE_CREATE read by {reader}, fields equal to the feed")

    try:
        run_procs(body)
    finally:
        redis.kill()


def case_dgw_publishes_msgpack(ctx, tmp):
    dgw_publishes(ctx, tmp, "msgpack")


def case_dgw_publishes_json(ctx, tmp):
    dgw_publishes(ctx, tmp, "json")


def case_dgw_cpp_consumer_reads_msgpack(ctx, tmp):
    dgw_publishes(ctx, tmp, "msgpack", cpp=True)


def case_control_node_writes_the_layout(ctx, tmp):
    ctx.ensure_packages()
    feed = ctx.load_feed()
    redis = Redis(tmp)

    def body(procs):
        w = start_worker(ctx, tmp, redis, "msgpack", procs)
        r = subprocess.run([ctx.node, os.path.join(ctx.npm_dir, "brokers_publish.mjs"), redis.url, STREAM],
                           input="".join(json.dumps(d) + "\n" for d in feed).encode(), capture_output=True,
                           cwd=ctx.npm_dir, timeout=60)
        check(r.returncode == 0, f"brokers_publish.mjs exit {r.returncode}:\n{r.stderr.decode(errors='replace')[-2000:]}")
        wait_worker(w)
        n = compare(ctx, redis, w.out_path)
        print(f"     control: {n} MESSAGE_CREATE written by Node, read by PubSubRedisBroker")

    try:
        run_procs(body)
    finally:
        redis.kill()


CASES = [case_control_node_writes_the_layout, case_dgw_publishes_msgpack, case_dgw_publishes_json,
         case_dgw_cpp_consumer_reads_msgpack]


def main(argv=None):
    return tool_main(__doc__, Ctx, CASES, "dgw_brokers_", errors=(OSError, subprocess.SubprocessError, ValueError, KeyError),
                     argv=argv)


if __name__ == "__main__":
    sys.exit(main())
