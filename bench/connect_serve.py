#!/usr/bin/env python3
"""`dgw gateway serve` streams a capture (default: the big shared corpus) to one
`dgw connect`, both under /usr/bin/time -v: dispatches per second as the client printed
them (first to last line) and each process's peak RSS.

    bench/connect_serve.py BUILD [--events FILE] [--encoding json|etf] [--compress zstd-stream]
                                 [--out FILE]   (default: the lines go to a temporary file)
"""
import argparse
import json
import os
import re
import signal
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def peak_rss_kib(stderr_text):
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr_text)
    return int(m.group(1)) if m else -1


def term_child(time_proc):
    """SIGTERM to the program /usr/bin/time runs (GNU time would die of it without a report)."""
    kids = subprocess.run(["pgrep", "-P", str(time_proc.pid)], capture_output=True, text=True).stdout.split()
    for k in kids:
        os.kill(int(k), signal.SIGTERM)
    time_proc.wait()


def cpu_s(stderr_text):
    u = re.search(r"User time \(seconds\): ([\d.]+)", stderr_text)
    s = re.search(r"System time \(seconds\): ([\d.]+)", stderr_text)
    return (float(u.group(1)) if u else -1, float(s.group(1)) if s else -1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("build")
    ap.add_argument("--events", default=os.path.join(HERE, "..", "..", "shared", "corpus", "data", "json.zstd"))
    ap.add_argument("--encoding", default="json")
    ap.add_argument("--compress", default="zstd-stream")
    ap.add_argument("--out")
    a = ap.parse_args()
    dgw = os.path.join(a.build, "tools", "dgw")
    tmp = tempfile.mkdtemp(prefix="dgw_bench_")
    env = dict(os.environ, DISCORD_TOKEN="bench-token.not-a-secret")
    slog, serr, cerr = (os.path.join(tmp, n) for n in ("serve.log", "serve.time", "connect.err"))
    out_path = a.out or os.path.join(tmp, "out.jsonl")
    serve = subprocess.Popen(["/usr/bin/time", "-v", dgw, "gateway", "serve", "--listen", "127.0.0.1:0",
                              "--events", a.events, "--identify-interval-ms", "0", "--log", slog],
                             stdout=subprocess.PIPE, stderr=open(serr, "wb"), env=env)
    url = serve.stdout.readline().decode().strip()
    with open(out_path, "wb") as out:
        client = subprocess.Popen(["/usr/bin/time", "-v", dgw, "connect", "--url", url, "--encoding", a.encoding,
                                   "--compress", a.compress, "--log-level", "info"],
                                  stdout=out, stderr=open(cerr, "wb"), env=env)
        last_s, t_first, t_last = None, None, None
        logf, pending = None, b""
        while True:
            time.sleep(0.005)
            if last_s is None and os.path.exists(slog):
                if logf is None:
                    logf = open(slog, "rb")
                pending += logf.read()  # only what was appended since the last poll
                *done, pending = pending.split(b"\n")
                for line in done:
                    if b'"feed_done"' in line:
                        last_s = json.loads(line)["last_s"]
            size = os.path.getsize(out_path)
            if t_first is None and size > 0:
                t_first = time.monotonic()
            if last_s is not None and size > 0:
                with open(out_path, "rb") as f:
                    f.seek(max(0, size - 65536))
                    tail = f.read().splitlines()
                if tail and tail[-1].endswith(b"}") and json.loads(tail[-1])["s"] >= last_s:
                    t_last = time.monotonic()
                    break
        term_child(client)
    term_child(serve)
    lines = sum(1 for _ in open(out_path, "rb"))
    # Wall time from the first line to the last one, measured by polling every 50 ms.
    took = t_last - t_first
    print(f"{a.encoding} {a.compress}: {lines} dispatches in {took:.2f} s = {lines / took:,.0f} dispatches/s "
          f"(polled every 5 ms)")
    st, ct = open(serr).read(), open(cerr).read()
    print(f"peak RSS: dgw gateway serve {peak_rss_kib(st) / 1024:.1f} MiB, "
          f"dgw connect {peak_rss_kib(ct) / 1024:.1f} MiB")
    print("CPU (user, system) s: serve %.2f, %.2f; connect %.2f, %.2f" % (cpu_s(st) + cpu_s(ct)))
    summary = [l for l in open(cerr).read().splitlines() if "dispatches printed" in l]
    print(summary[-1] if summary else "")


if __name__ == "__main__":
    main()
