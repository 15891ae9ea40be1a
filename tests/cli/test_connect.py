#!/usr/bin/env python3
"""CLI tests of `dgw connect`: usage errors, DISCORD_TOKEN, GET /gateway/bot against a
local HTTP server (an error status, then a URL nobody listens on), SIGTERM while the shard
backs off; and short sessions against `dgw gateway serve`: fatal closes (a wrong token:
4004, privileged intents: 4014) and their exit status, --events with the intents derived
from them, --raw, two shards in one process. The token is a distinctive string that must
appear in no output. The fault-injection matrix (6 encoding x compression combinations)
is test_live.py.

    test_connect.py --bin-dir BUILD --source-dir SRC
"""
import http.server
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_cases import Failure, check, tool_main  # noqa: E402

TOKEN = "MTEyMzQ1Njc4OTAxMjM0NTY3.GcliTk.connect-cli-distinctive-token_XYZ"


class Ctx:
    def __init__(self, bin_dir, src):
        self.dgw = os.path.join(bin_dir, "tools", "dgw")
        self.src = src

    def env(self, token=TOKEN):
        e = dict(os.environ)
        e.pop("DISCORD_TOKEN", None)
        if token is not None:
            e["DISCORD_TOKEN"] = token
        return e

    def run(self, *args, token=TOKEN, timeout=20):
        r = subprocess.run([self.dgw, *args], capture_output=True, timeout=timeout, env=self.env(token))
        check(r.returncode >= 0, f"dgw {' '.join(args)} died of signal {-r.returncode}:\n{r.stderr.decode()}")
        no_token(r.stdout, r.stderr)
        return r


def no_token(*blobs):
    for b in blobs:
        check(TOKEN.encode() not in b, "the token appears in the output")


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nobody listens there now
    return port


def run_then_term(ctx, args, after, limit=10):
    """Starts dgw connect, sends SIGTERM `after` seconds after its first log line (its signal
    handlers are in place by then, however slow the build is to start); returns (rc,
    stdout, stderr, seconds to exit)."""
    p = subprocess.Popen([ctx.dgw, "connect", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=ctx.env())
    chunks = {"out": [], "err": []}
    logged = threading.Event()

    def pump(stream, key):
        for line in stream:
            chunks[key].append(line)
            if key == "err":
                logged.set()
    pumps = [threading.Thread(target=pump, args=(p.stdout, "out"), daemon=True),
             threading.Thread(target=pump, args=(p.stderr, "err"), daemon=True)]
    for t in pumps:
        t.start()
    if not logged.wait(limit):
        p.kill()
        raise Failure(f"dgw connect logged nothing within {limit} s")
    time.sleep(after)
    t0 = time.monotonic()
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        raise Failure(f"dgw connect did not exit within {limit} s of SIGTERM:\n{b''.join(chunks['err']).decode()[-2000:]}")
    took = time.monotonic() - t0
    for t in pumps:
        t.join(limit)
    out, err = b"".join(chunks["out"]), b"".join(chunks["err"])
    no_token(out, err)
    return p.returncode, out.decode(), err.decode(), took


class GatewayBot(http.server.BaseHTTPRequestHandler):
    """GET /api/v10/gateway/bot: answers with the class's `status` and `body`, records the headers."""
    status = 200
    body = b"{}"
    seen = []

    def do_GET(self):
        type(self).seen.append((self.path, self.headers.get("Authorization")))
        self.send_response(type(self).status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(type(self).body)))
        self.end_headers()
        self.wfile.write(type(self).body)

    def log_message(self, *args):
        pass


def http_server(status, body):
    handler = type("H", (GatewayBot,), {"status": status, "body": body, "seen": []})
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, handler


# ---- cases -------------------------------------------------------------------------------

def case_help(ctx, tmp):
    r = ctx.run("connect", "--help")
    text = r.stdout.decode()
    want = {"--url", "--encoding", "--compress", "--events", "--intents", "--raw", "--shards", "--shard-ids",
            "--log-level", "--capture", "--backoff", "--invalid-session-delay", "--max-concurrency"}
    have = set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", text))
    check(r.returncode == 0 and want <= have, f"connect --help lacks {want - have}")
    check("DISCORD_TOKEN" in text and "Exit status" in text, "connect --help does not explain the token and exit status")
    check("--token" not in have, "there must be no --token option")


def case_usage_errors(ctx, tmp):
    url = f"ws://127.0.0.1:{closed_port()}"
    r = ctx.run("connect", "--url", url, token=None)
    check(r.returncode == 2 and b"DISCORD_TOKEN" in r.stderr, f"no token: exit {r.returncode}: {r.stderr.decode()}")
    r = ctx.run("connect", "--url", url, token="")
    check(r.returncode == 2, f"an empty token: exit {r.returncode}")
    for args, what in ((["--intents", "GUILDS,NOT_AN_INTENT"], "NOT_AN_INTENT"),
                       (["--events", "not-an-event!"], "not-an-event!"),
                       (["--shards", "2", "--capture", os.path.join(tmp, "c.cap")], "one shard"),
                       (["--shard-ids", "0,x"], "shard id"),
                       (["--shards", "2", "--shard-ids", "0,5"], "shard id 5"),
                       (["--backoff", "fast"], "duration"),
                       (["--encoding", "xml"], "xml"),
                       (["--capture", os.path.join(tmp, "no", "such", "dir", "c.cap")], "cannot create")):
        r = ctx.run("connect", "--url", url, *args)
        check(r.returncode == 2, f"{args}: exit {r.returncode}, expected 2\n{r.stderr.decode()}")
        check(what in r.stderr.decode(), f"{args}: stderr does not say '{what}':\n{r.stderr.decode()}")


def case_sigterm_while_backing_off(ctx, tmp):
    """Nobody listens: the shard backs off between attempts; SIGTERM ends it at once, exit 0."""
    rc, out, err, took = run_then_term(ctx, ["--url", f"ws://127.0.0.1:{closed_port()}", "--backoff", "50ms,100ms"], 0.6)
    check(rc == 0, f"exit {rc}, expected 0:\n{err}")
    check(took < 2, f"took {took:.1f} s to exit")
    check(out == "", f"stdout: {out}")
    check("connect failed" in err and "SIGTERM: closing with 1000" in err, f"stderr:\n{err}")
    m = re.search(r"0 dispatches printed, (\d+) connections", err)
    check(m and int(m.group(1)) >= 3, f"expected several attempts:\n{err}")


def case_gateway_bot_error(ctx, tmp):
    """GET /gateway/bot answers 401: exit 4 with Discord's message; the token went in the
    Authorization header and nowhere else."""
    srv, h = http_server(401, b'{"message": "401: Unauthorized", "code": 0}')
    try:
        r = ctx.run("connect", "--api-base", f"http://127.0.0.1:{srv.server_address[1]}/api/v10")
    finally:
        srv.shutdown()
    check(r.returncode == 4, f"exit {r.returncode}, expected 4:\n{r.stderr.decode()}")
    check(b"401: Unauthorized" in r.stderr, f"stderr: {r.stderr.decode()}")
    check(h.seen == [("/api/v10/gateway/bot", "Bot " + TOKEN)], f"requests: {h.seen}")


def case_gateway_bot_url_is_used(ctx, tmp):
    """Without --url the shard connects where GET /gateway/bot says."""
    port = closed_port()
    body = json.dumps({"url": f"ws://127.0.0.1:{port}", "shards": 1,
                       "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 1000,
                                               "max_concurrency": 1}}).encode()
    srv, h = http_server(200, body)
    try:
        rc, out, err, _ = run_then_term(ctx, ["--api-base", f"http://127.0.0.1:{srv.server_address[1]}/api/v10",
                                              "--backoff", "50ms,100ms"], 0.8)
    finally:
        srv.shutdown()
    check(rc == 0, f"exit {rc}:\n{err}")
    check(f"GET /gateway/bot: ws://127.0.0.1:{port}" in err and f"connecting to 127.0.0.1:{port}" in err,
          f"stderr:\n{err}")


class Serve:
    """`dgw gateway serve` on a free port with the token TOKEN, for one case."""

    def __init__(self, ctx, tmp, *args, events=True):
        self.log_path = os.path.join(tmp, "serve.log")
        cmd = [ctx.dgw, "gateway", "serve", "--listen", "127.0.0.1:0", "--identify-interval-ms", "0",
               "--log", self.log_path, *args]
        if events:
            cmd += ["--events", os.path.join(ctx.src, "examples", "capture.zstd")]
        self.p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ctx.env())
        self.url = self.p.stdout.readline().decode().strip()
        check(self.url.startswith("ws://"), f"dgw gateway serve printed {self.url!r}")

    def log(self):
        with open(self.log_path, encoding="utf-8") as f:
            return [json.loads(l) for l in f if l.endswith("\n")]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.p.send_signal(signal.SIGTERM)
        try:
            self.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


def session_until(ctx, args, done, limit=15):
    """Runs dgw connect until done(stdout lines so far) holds, then SIGTERM; returns
    (lines as JSON, stderr). A thread reads stdout, so done() is polled even while no
    line comes."""
    p = subprocess.Popen([ctx.dgw, "connect", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ctx.env())
    raw, err = [], []
    readers = [threading.Thread(target=lambda: raw.extend(iter(p.stdout.readline, b"")), daemon=True),
               threading.Thread(target=lambda: err.append(p.stderr.read()), daemon=True)]
    for t in readers:
        t.start()
    deadline = time.monotonic() + limit
    try:
        while not done(list(raw)):
            check(p.poll() is None, f"dgw connect ended early (exit {p.returncode})")
            check(time.monotonic() < deadline, f"not done within {limit} s ({len(raw)} lines)")
            time.sleep(0.02)
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        for t in readers:
            t.join(timeout=5)
    errors = b"".join(err)
    no_token(b"".join(raw), errors)
    check(p.returncode == 0, f"exit {p.returncode}, expected 0:\n{errors.decode()[-2000:]}")
    return [json.loads(l) for l in raw], errors.decode()


def case_fatal_close_wrong_token(ctx, tmp):
    """The gateway refuses the token (4004): exit 3, the code named on stderr, no retry."""
    with Serve(ctx, tmp, "--token", "the-servers-own-token") as srv:
        r = ctx.run("connect", "--url", srv.url, "--encoding", "etf")
        log = srv.log()
    check(r.returncode == 3, f"exit {r.returncode}, expected 3:\n{r.stderr.decode()}")
    check(b"4004 (AuthenticationFailed)" in r.stderr, f"stderr: {r.stderr.decode()}")
    check(r.stdout == b"", f"stdout: {r.stdout.decode()[:500]}")
    check(sum(1 for e in log if e["ev"] == "connect") == 1, "it connected again after 4004")


def case_fatal_close_privileged_intents(ctx, tmp):
    """GUILD_MEMBERS without the server's --privileged: 4014, exit 3."""
    with Serve(ctx, tmp) as srv:
        r = ctx.run("connect", "--url", srv.url, "--intents", "GUILDS,GUILD_MEMBERS")
        log = srv.log()
    check(r.returncode == 3 and b"4014 (DisallowedIntents)" in r.stderr, f"exit {r.returncode}: {r.stderr.decode()}")
    closes = [e["code"] for e in log if e["ev"] == "close"]
    check(closes == [4014] and sum(1 for e in log if e["ev"] == "connect") == 1, f"closes {closes}")


def case_events_choose_intents(ctx, tmp):
    """--events MESSAGE_CREATE prints only those and identifies with their intents
    (GUILD_MESSAGES | DIRECT_MESSAGES = 4608, from the schema's table)."""
    with Serve(ctx, tmp) as srv:
        def done(ls):
            log = srv.log()
            return any(e["ev"] == "feed_done" for e in log) and \
                len(ls) == sum(1 for e in log if e["ev"] == "dispatch" and e["t"] == "MESSAGE_CREATE")
        lines, err = session_until(ctx, ["--url", srv.url, "--events", "MESSAGE_CREATE"], done)
        log = srv.log()
    ids = [e for e in log if e["ev"] == "identify"]
    check(ids and ids[0]["intents"] == 4608, f"identify: {ids}")
    check(lines and all(l["t"] == "MESSAGE_CREATE" for l in lines), f"{len({l['t'] for l in lines})} event types")
    served = sum(1 for e in log if e["ev"] == "dispatch" and e["t"] == "MESSAGE_CREATE")
    check(len(lines) == served, f"{len(lines)} lines, {served} MESSAGE_CREATE served")


def case_raw_matches_decode_raw(ctx, tmp):
    """--raw lines are `dgw decode --raw` of the capture, ETF integers and all (with
    --big-integers number, snowflakes stay numbers)."""
    cap = os.path.join(tmp, "s.cap")
    with Serve(ctx, tmp) as srv:
        lines, _ = session_until(ctx, ["--url", srv.url, "--raw", "--big-integers", "number", "--encoding", "etf",
                                       "--compress", "zstd-stream", "--capture", cap], lambda ls: len(ls) >= 299)
    r = subprocess.run([ctx.dgw, "decode", "--raw", "--big-integers", "number", "--events", "op:0", cap],
                       capture_output=True, timeout=60)
    want = [json.loads(l) for l in r.stdout.splitlines()]
    check(r.returncode == 0 and want == lines, f"decode --raw of the capture: {len(want)} lines, connect printed {len(lines)}")
    check(any(isinstance(l["d"].get("id"), int) for l in lines if isinstance(l["d"], dict)),
          "--raw --big-integers number should keep ETF snowflakes as integers")
    no_token(open(cap, "rb").read())


def case_two_shards(ctx, tmp):
    """--shards 2: a shard_manager; every line says its shard; each shard's session is whole."""
    with Serve(ctx, tmp, "--shards", "2", "--max-concurrency", "2") as srv:
        def done(ls):
            log = srv.log()
            feeds = [e for e in log if e["ev"] == "feed_done"]
            return len(feeds) == 2 and len(ls) == sum(1 for e in log if e["ev"] == "dispatch")
        lines, err = session_until(ctx, ["--url", srv.url, "--shards", "2", "--max-concurrency", "2"], done)
        log = srv.log()
    by_shard = {0: [], 1: []}
    for l in lines:
        by_shard[l["shard"]].append(l)
    for k, ls in by_shard.items():
        check(ls and ls[0]["t"] == "READY", f"shard {k}: first line {ls[:1]}")
        check([l["s"] for l in ls] == list(range(1, len(ls) + 1)), f"shard {k}: sequence has gaps or repeats")
        served = [e for e in log if e["ev"] == "dispatch" and e["shard"] == k]
        check(len(ls) == len(served), f"shard {k}: {len(ls)} lines, {len(served)} served")
    check("2 identified" in err, f"summary: {err[-300:]}")


CASES = [case_help, case_usage_errors, case_sigterm_while_backing_off, case_gateway_bot_error,
         case_gateway_bot_url_is_used, case_fatal_close_wrong_token, case_fatal_close_privileged_intents,
         case_events_choose_intents, case_raw_matches_decode_raw, case_two_shards]


def main(argv=None):
    return tool_main(__doc__, Ctx, CASES, "dgw_connect_", errors=(OSError, subprocess.SubprocessError, ValueError, KeyError), argv=argv)


if __name__ == "__main__":
    sys.exit(main())
