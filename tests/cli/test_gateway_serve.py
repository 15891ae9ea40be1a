#!/usr/bin/env python3
"""CLI tests of `dgw gateway serve` (tools/serve/, docs/gateway-serve.md): they start the
real binary on 127.0.0.1:0, read the URL from its first stdout line, call
GET /api/v10/gateway/bot with and without the token (urllib), run a websocket session with
a minimal client written here (Identify, READY, dispatches, a heartbeat, a fault fired by
SIGUSR1), and check the JSON-lines log.

    test_gateway_serve.py --bin-dir BUILD --source-dir SRC

Prints one line per case and "N passed, M failed"; exits 1 on any failure.
"""
import base64
import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_cases import Failure, check, tool_main  # noqa: E402

TOKEN = "cli-serve-token.SECRET"
EVENTS = ["GUILD_CREATE", "MESSAGE_CREATE", "TYPING_START", "MESSAGE_REACTION_ADD", "PRESENCE_UPDATE"]


class Ctx:
    def __init__(self, bin_dir, src):
        self.dgw = os.path.join(bin_dir, "tools", "dgw")
        self.src = src


def events_file(ctx, tmp):
    """The fixtures as JSON lines (compact), as `--events` reads them."""
    path = os.path.join(tmp, "events.jsonl")
    with open(path, "w", encoding="utf-8") as out:
        for name in EVENTS:
            with open(os.path.join(ctx.src, "tests", "fixtures", "events", name + ".json"), encoding="utf-8") as f:
                out.write(json.dumps(json.load(f), separators=(",", ":")) + "\n")
    return path


class Server:
    """`dgw gateway serve` as a child process; the URL is its first stdout line."""

    def __init__(self, ctx, tmp, *args, env=None):
        self.log_path = os.path.join(tmp, "serve.log")
        self.p = subprocess.Popen([ctx.dgw, "gateway", "serve", "--listen", "127.0.0.1:0", "--log", self.log_path,
                                   *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        ready, _, _ = select.select([self.p.stdout], [], [], 10)
        check(ready, "no URL line within 10 s")
        self.url = self.p.stdout.readline().decode().strip()
        check(self.url.startswith("ws://127.0.0.1:"), f"first stdout line is not a ws:// URL: {self.url!r}\n"
                                                       f"stderr: {self.p.stderr.read().decode() if self.p.poll() is not None else ''}")
        self.port = int(self.url.rsplit(":", 1)[1])

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.p.stdout.close()
        self.p.stderr.close()
        return self.p.returncode

    def log(self, ev=None):
        with open(self.log_path, encoding="utf-8") as f:
            lines = [json.loads(line) for line in f if line.strip()]
        return [x for x in lines if ev is None or x["ev"] == ev]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def get(port, path, token=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if token is not None:
        req.add_header("Authorization", "Bot " + token)
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


class WS:
    """Just enough of a websocket client (RFC 6455, client side) for JSON text frames."""

    def __init__(self, port, path):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=5)
        key = base64.b64encode(os.urandom(16)).decode()
        self.s.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = self.s.recv(4096)
            check(chunk, "connection closed during the websocket handshake")
            buf += chunk
        head, self.buf = buf.split(b"\r\n\r\n", 1)
        check(b" 101 " in head.split(b"\r\n")[0], f"no 101 Switching Protocols: {head[:200]!r}")

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("TCP connection closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self):
        """The next message as JSON, or {"close": CODE} for a close frame."""
        b0, b1 = self._read(2)
        n = b1 & 127
        if n == 126:
            n = struct.unpack(">H", self._read(2))[0]
        elif n == 127:
            n = struct.unpack(">Q", self._read(8))[0]
        data = self._read(n)
        if b0 & 15 == 8:
            return {"close": struct.unpack(">H", data[:2])[0] if len(data) >= 2 else None}
        return json.loads(data)

    def send(self, obj):
        data = json.dumps(obj).encode()
        mask = os.urandom(4)
        n = len(data)
        head = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n))
        self.s.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))


def case_gateway_bot_and_session(ctx, tmp):
    events = events_file(ctx, tmp)
    with Server(ctx, tmp, "--token", TOKEN, "--events", events, "--max-concurrency", "1",
                "--fault", "on SIGUSR1: close 4000 fault fired") as srv:
        status, body = get(srv.port, "/api/v10/gateway/bot", TOKEN)
        check(status == 200, f"GET /gateway/bot with the token: {status} {body}")
        check(body["url"] == srv.url, f"url {body['url']!r}, served {srv.url!r}")
        check(body["shards"] == 1, body)
        lim = body["session_start_limit"]
        check(lim["total"] == 1000 and lim["remaining"] == 1000 and lim["max_concurrency"] == 1
              and 0 < lim["reset_after"] <= 86_400_000, lim)
        status, body = get(srv.port, "/api/v10/gateway/bot")
        check(status == 401 and body == {"message": "401: Unauthorized", "code": 0}, f"without token: {status} {body}")
        status, _ = get(srv.port, "/api/v10/gateway/bot", "wrong")
        check(status == 401, f"wrong token: {status}")

        ws = WS(srv.port, "/?v=10&encoding=json")
        hello = ws.recv()
        check(hello["op"] == 10 and hello["d"]["heartbeat_interval"] == 41250, hello)
        ws.send({"op": 2, "d": {"token": TOKEN, "intents": 513, "properties": {"os": "linux"}}})
        ready = ws.recv()
        check(ready["t"] == "READY" and ready["s"] == 1 and ready["d"]["resume_gateway_url"] == srv.url, ready)
        ts = [ws.recv() for _ in EVENTS]
        check([m["t"] for m in ts] == EVENTS, [m["t"] for m in ts])
        check([m["s"] for m in ts] == list(range(2, 2 + len(EVENTS))), [m["s"] for m in ts])
        ws.send({"op": 1, "d": ts[-1]["s"]})
        check(ws.recv()["op"] == 11, "no heartbeat ACK")
        srv.p.send_signal(signal.SIGUSR1)
        m = ws.recv()
        check(m == {"close": 4000}, f"after SIGUSR1: {m}")
        time.sleep(0.2)
        check(srv.stop() == 0, f"exit status {srv.p.returncode} after SIGTERM")

        log = srv.log()
        check(log[0]["ev"] == "listen" and log[0]["url"] == srv.url and log[0]["events"] == len(EVENTS), log[0])
        check(sorted(x["status"] for x in srv.log("http")) == [200, 401, 401], srv.log("http"))
        ids = srv.log("identify")
        check(len(ids) == 1 and ids[0]["shard"] == [0, 1] and ids[0]["intents"] == 513, ids)
        sid = ready["d"]["session_id"]
        disp = srv.log("dispatch")
        check([(d["s"], d["t"], d["session"]) for d in disp] ==
              [(1, "READY", sid)] + [(i + 2, t, sid) for i, t in enumerate(EVENTS)], disp)
        check([d["i"] for d in disp[1:]] == list(range(len(EVENTS))), disp)
        check(srv.log("heartbeat") and srv.log("heartbeat")[0]["acked"], srv.log("heartbeat"))
        faults = srv.log("fault")
        check(len(faults) == 1 and faults[0]["action"] == "close" and faults[0]["session"] == sid, faults)
        closes = [c for c in srv.log("close") if c["by"] == "server"]
        check(len(closes) == 1 and closes[0]["code"] == 4000 and closes[0]["reason"] == "fault fired", closes)
        with open(srv.log_path, encoding="utf-8") as f:
            check(TOKEN not in f.read(), "the token is in the log")


def case_token_from_environment(ctx, tmp):
    env = dict(os.environ, DISCORD_TOKEN="env-token")
    with Server(ctx, tmp, env=env) as srv:
        check(get(srv.port, "/api/v10/gateway/bot", "env-token")[0] == 200, "DISCORD_TOKEN not used")
        check(get(srv.port, "/api/v10/gateway/bot", TOKEN)[0] == 401, "another token accepted")


def case_usage_errors(ctx, tmp):
    r = subprocess.run([ctx.dgw, "gateway", "serve", "--token", "x", "--fault", "after two dispatches: op7"],
                       capture_output=True, timeout=30)
    check(r.returncode == 2 and b"after two dispatches" in r.stderr, f"bad fault: {r.returncode} {r.stderr!r}")
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    r = subprocess.run([ctx.dgw, "gateway", "serve"], capture_output=True, timeout=30, env=env)
    check(r.returncode == 2 and b"DISCORD_TOKEN" in r.stderr, f"no token: {r.returncode} {r.stderr!r}")
    r = subprocess.run([ctx.dgw, "gateway", "serve", "--help"], capture_output=True, timeout=30)
    out = r.stdout.decode()
    check(r.returncode == 0 and "(guild_id >> 22) % N" in out and "after N dispatches" in out, out[:500])


CASES = [case_gateway_bot_and_session, case_token_from_environment, case_usage_errors]


def main(argv=None):
    return tool_main(__doc__, Ctx, CASES, "dgw_serve_cli_", errors=(OSError, subprocess.SubprocessError, ValueError, KeyError, IndexError, EOFError), argv=argv)


if __name__ == "__main__":
    sys.exit(main())
