#!/usr/bin/env python3
"""Scale in one process: N shards (default 1000) connected to `dgw gateway serve --shards N`,
idle, in zlib-stream and zstd-stream, on one io_context and on a pool of threads. Prints a
table of resident memory per connected shard and CPU per idle shard (bench/scale_shards.cpp
measures inside the process; the gateway runs in its own process and is not counted).

    bench/scale_shards.py --build build [--shards 1000] [--threads 1,2] [--idle 20]
"""
import argparse
import json
import os
import resource
import subprocess
import sys


def more_files():
    """Each shard is a socket on both sides: lift the soft limit of open files (often 1024)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build")
    ap.add_argument("--shards", type=int, default=1000)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--idle", type=int, default=20)
    a = ap.parse_args()
    dgw = os.path.join(a.build, "tools", "dgw")
    prog = os.path.join(a.build, "bench", "scale_shards")
    env = dict(os.environ, DISCORD_TOKEN="bench")
    rows = []
    for compress in ("zlib-stream", "zstd-stream"):
        for threads in (int(t) for t in a.threads.split(",")):
            # A gateway per run, so that no session of the previous run lingers in it.
            srv = subprocess.Popen([dgw, "gateway", "serve", "--listen", "127.0.0.1:0", "--shards", str(a.shards),
                                    "--max-concurrency", str(a.shards), "--identify-interval-ms", "0",
                                    "--log", os.devnull], stdout=subprocess.PIPE, env=env, preexec_fn=more_files)
            try:
                url = srv.stdout.readline().decode().strip()
                r = subprocess.run([prog, "--url", url, "--shards", str(a.shards), "--threads", str(threads),
                                    "--compress", compress, "--idle", str(a.idle)],
                                   capture_output=True, timeout=600, preexec_fn=more_files)
                if r.returncode != 0:
                    sys.exit(f"scale_shards failed: {r.stderr.decode()[-2000:]}")
                rows.append(json.loads(r.stdout.decode().strip().splitlines()[-1]))
                print(json.dumps(rows[-1]), flush=True)
            finally:
                srv.terminate()
                srv.wait()
    print(f"\n| compress | threads | connect s | KiB per shard | CPU us per idle shard per s |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['compress']} | {r['threads'] or 1} | {r['connect_s']:.1f} | {r['kib_per_shard']:.1f} | "
              f"{r['cpu_us_per_shard_per_s']:.2f} |")


if __name__ == "__main__":
    main()
