#!/usr/bin/env python3
"""End to end: `dgw connect` against `dgw gateway serve`, in all six encoding x compression
combinations, through op 7, op 9 (true and false), a TCP drop, close 4009 and a zombie
connection (the server stops acknowledging heartbeats). From the server's JSON-lines log and
the client's output it checks that every dispatch was delivered exactly once and in order
within each session, that every session the server kept was delivered to its last dispatch,
that the resumes resumed (and the identifies identified), that `dgw decode` of the client's
--capture prints the same lines as the client did, and that the token is in no output, log
or capture.

    test_live.py --bin-dir BUILD --source-dir SRC
"""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_cases import Failure, check, read_log, served_dispatches, stop, tool_main  # noqa: E402

TOKEN = "MTEyMzQ1Njc4OTAxMjM0NTY3.GliveT.live-test-distinctive-token_QRS"

# Server-wide counts of new dispatches (replays not counted) at which each fault fires. The
# zombie comes last: the dispatches go on after it, so nothing else would fire on the
# zombie connection before the client notices the missing heartbeat ACK.
FAULTS = [
    "after 20 dispatches: op7",
    "after 40 dispatches: op9 true",
    "after 60 dispatches: drop",
    "after 80 dispatches: op9 false",
    "after 120 dispatches: close 4009",
    "after 160 dispatches: zombie",
]
RESUMES = 4      # op7, op9 true, drop, zombie
IDENTIFIES = 3   # the first session, after op9 false, after 4009
HEARTBEAT_MS = 300
RATE = 250       # dispatches per second: 80 ms between faults, so each takes effect before the next is due


class Ctx:
    def __init__(self, bin_dir, src):
        self.dgw = os.path.join(bin_dir, "tools", "dgw")
        self.src = src
        self.events = os.path.join(src, "examples", "capture.zstd")
        self.env = dict(os.environ, DISCORD_TOKEN=TOKEN)
        self.feed = None  # the events file's dispatches as `dgw decode` prints them (the server's index i)

    def load_feed(self):
        if self.feed is None:
            self.feed = served_dispatches(self.dgw, self.events)
        return self.feed




def read_lines(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return [json.loads(l) for l in text.split("\n")[:-1]]  # only complete lines




def settled(log, out_path):
    """True once the faults have all fired, the resumes and identifies happened, the last
    session's feed is done, and the client has printed that session's last dispatch."""
    resumes = [e for e in log if e["ev"] == "resume"]
    identifies = [e for e in log if e["ev"] == "identify"]
    faults = [e for e in log if e["ev"] == "fault"]
    if len(resumes) < RESUMES or len(identifies) < IDENTIFIES or len(faults) < len(FAULTS):
        return False
    last = identifies[-1]["session"]
    if not any(e["ev"] == "feed_done" and e["session"] == last for e in log):
        return False
    sent = [e["s"] for e in log if e["ev"] == "dispatch" and e["session"] == last]
    # the last resume's RESUMED must have been written after the zombie was noticed
    if not any(e["ev"] == "dispatch" and e["t"] == "RESUMED" and e["conn"] == resumes[-1]["conn"] for e in log):
        return False
    lines = read_lines(out_path)
    return bool(lines) and lines[-1]["s"] == max(sent)


def live_combo(ctx, tmp, encoding, compress):
    slog = os.path.join(tmp, "serve.log")
    out_path, err_path, cap = (os.path.join(tmp, n) for n in ("out.jsonl", "connect.err", "session.cap"))
    serve_cmd = [ctx.dgw, "gateway", "serve", "--listen", "127.0.0.1:0", "--events", ctx.events,
                 "--identify-interval-ms", "0", "--heartbeat-interval-ms", str(HEARTBEAT_MS), "--rate", str(RATE), "--log", slog]
    for f in FAULTS:
        serve_cmd += ["--fault", f]
    serve = subprocess.Popen(serve_cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ctx.env)
    client = None
    try:
        url = serve.stdout.readline().decode().strip()
        check(url.startswith("ws://"), f"serve printed {url!r}:\n{serve.stderr.read().decode() if serve.poll() is not None else ''}")
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            client = subprocess.Popen([ctx.dgw, "connect", "--url", url, "--encoding", encoding, "--compress", compress,
                                       "--capture", cap, "--backoff", "20ms,100ms", "--invalid-session-delay", "50ms"],
                                      stdout=out, stderr=err, env=ctx.env)
            deadline = time.monotonic() + 20
            while not settled(read_log(slog), out_path):
                check(client.poll() is None, f"dgw connect exited early ({client.returncode})")
                if time.monotonic() > deadline:
                    raise Failure("the session did not settle within 20 s")
                time.sleep(0.02)
            rc = stop(client)
            client = None
        check(rc == 0, f"dgw connect exit {rc}, expected 0")
    except Failure as e:
        if client:
            client.kill()
            client.wait()
        diag = ""
        if os.path.exists(err_path):
            diag += "\n--- connect stderr (tail):\n" + "".join(open(err_path, encoding="utf-8").readlines()[-15:])
        diag += "\n--- serve log (no dispatch/heartbeat):\n" + "\n".join(
            json.dumps(x) for x in read_log(slog) if x["ev"] not in ("dispatch", "heartbeat"))[-3000:]
        raise Failure(f"{e}{diag}")
    finally:
        if serve.poll() is None:
            stop(serve)

    log = read_log(slog)
    lines = read_lines(out_path)
    err = open(err_path, encoding="utf-8").read()

    # The sessions in the order the server identified them; the client's lines split at READY.
    sessions = [e["session"] for e in log if e["ev"] == "identify"]
    check(len(sessions) == IDENTIFIES, f"{len(sessions)} identifies, expected {IDENTIFIES}")
    resumes = [e for e in log if e["ev"] == "resume"]
    check(len(resumes) == RESUMES and not any(e["ev"] == "resume_failed" for e in log),
          f"resumes: {resumes}, failed: {[e for e in log if e['ev'] == 'resume_failed']}")
    check(all(e["ev"] != "fault" or "skipped" not in e for e in log), "a fault was skipped")
    per_session = []
    for line in lines:
        check(line["op"] == 0, f"not a dispatch: {line}")
        if line["t"] == "READY":
            per_session.append([])
        check(per_session, f"a dispatch before READY: {line}")
        per_session[-1].append(line)
    check(len(per_session) == len(sessions), f"{len(per_session)} READY printed, {len(sessions)} sessions served")
    feed = ctx.load_feed()
    for n, (sid, got) in enumerate(zip(sessions, per_session)):
        written, index = {}, {}
        for e in log:
            if e["ev"] == "dispatch" and e["session"] == sid:
                written.setdefault(e["s"], e["t"])
                if "i" in e:
                    index[e["s"]] = e["i"]
        seqs = [l["s"] for l in got]
        # Exactly once, in order: 1, 2, 3, ... with no gap and no repeat.
        check(seqs == list(range(1, len(seqs) + 1)), f"session {n + 1}: sequence {seqs[:10]}... has gaps or repeats")
        for l in got:
            check(written.get(l["s"]) == l["t"], f"session {n + 1}: s={l['s']} printed as {l['t']}, "
                                                 f"served as {written.get(l['s'])}")
            if l["s"] in index:  # the very dispatch of the events file, through both encoders and back
                check(l["d"] == feed[index[l["s"]]]["d"], f"session {n + 1}: s={l['s']} ({l['t']}) differs from "
                                                          f"dispatch {index[l['s']]} of the events file")
        ended = any(e["ev"] == "session_end" and e["session"] == sid and "1000" not in e.get("why", "") for e in log)
        if not ended:  # a session the server kept was delivered to its last dispatch
            check(seqs[-1] == max(written), f"session {n + 1}: printed up to s={seqs[-1]}, served up to {max(written)}")
    resumed_lines = sum(1 for l in lines if l["t"] == "RESUMED")
    check(resumed_lines == RESUMES, f"{resumed_lines} RESUMED printed, expected {RESUMES}")
    check(f"{IDENTIFIES} identified, {RESUMES} resumed" in err, f"client summary:\n{err[-500:]}")

    # The capture prints the same dispatches again, and holds no token.
    r = subprocess.run([ctx.dgw, "decode", "--events", "op:0", cap], capture_output=True, timeout=60)
    check(r.returncode == 0, f"dgw decode of the capture: exit {r.returncode}\n{r.stderr.decode()[:2000]}")
    printed = open(out_path, "rb").read()
    check(r.stdout == printed, f"dgw decode of the capture differs from dgw connect's output "
                               f"({len(r.stdout.splitlines())} vs {len(printed.splitlines())} lines)")
    capture = open(cap, "rb").read()
    check(capture.count(b"[REDACTED]") == IDENTIFIES + RESUMES, "expected a placeholder per Identify and Resume")
    for name, blob in (("stdout", printed), ("stderr", err.encode()), ("capture", capture),
                       ("serve log", open(slog, "rb").read())):
        check(TOKEN.encode() not in blob, f"the token appears in the {name}")
    print(f"     {encoding} {compress}: {len(lines)} dispatches over {len(sessions)} sessions, "
          f"{len(resumes)} resumes, {sum(1 for e in log if e['ev'] == 'connect')} connections")


def make_case(encoding, compress):
    def case(ctx, tmp):
        live_combo(ctx, tmp, encoding, compress)
    case.__name__ = f"case_{encoding}_{compress.replace('-', '_')}"
    return case


CASES = [make_case(e, c) for e in ("json", "etf") for c in ("none", "zlib-stream", "zstd-stream")]


def main(argv=None):
    return tool_main(__doc__, Ctx, CASES, "dgw_live_", errors=(OSError, subprocess.SubprocessError, ValueError, KeyError), argv=argv)


if __name__ == "__main__":
    sys.exit(main())
