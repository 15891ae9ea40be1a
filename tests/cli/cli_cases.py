"""What the CLI test files (tests/cli/test_*.py) share: a failure type, `check`, the loop
that runs each case in a temporary directory and prints one line per case, and the handling
of the processes the live tests start (JSON-lines logs, SIGTERM with a limit, clean-up)."""
import argparse
import json
import os
import signal
import subprocess
import tempfile


class Failure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def run_cases(cases, ctx, prefix, errors=(), precondition=None):
    """Runs case(ctx, tmp) for each case; a Failure (or one of `errors`) fails that case
    only. `precondition(case)` may raise Failure first. Returns the exit status."""
    passed = failed = 0
    for case in cases:
        with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
            try:
                if precondition:
                    precondition(case)
                case(ctx, tmp)
            except Failure as e:
                failed += 1
                print(f"FAIL {case.__name__}: {e}")
                continue
            except errors as e:
                failed += 1
                print(f"FAIL {case.__name__}: {type(e).__name__}: {e}")
                continue
        passed += 1
        print(f"ok   {case.__name__}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def tool_main(doc, make_ctx, cases, prefix, errors=(), precondition=None, argv=None):
    """The main() of a CLI test file that drives the built dgw tool: parses --bin-dir and
    --source-dir, fails at once when the tool is not built, then runs the cases.
    `precondition(ctx)` may return a per-case precondition for run_cases."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin-dir", required=True)
    ap.add_argument("--source-dir", required=True)
    args = ap.parse_args(argv)
    ctx = make_ctx(os.path.abspath(args.bin_dir), os.path.abspath(args.source_dir))
    if not os.access(ctx.dgw, os.X_OK):
        print(f"FAIL: {ctx.dgw} is not built")
        print("0 passed, 1 failed")
        return 1
    return run_cases(cases, ctx, prefix, errors, precondition(ctx) if precondition else None)


def read_log(path):
    """The complete JSON lines of a log being written (a partial last line is left out)."""
    out = []
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.endswith("\n"):
                    out.append(json.loads(line))
    return out


def tail(path, n=20):
    """The last `n` lines of a file, or "" when it cannot be read."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


def stop(p, limit=15):
    """SIGTERM, then the exit status within `limit` s (else kill and fail)."""
    if p.poll() is not None:
        return p.returncode
    p.send_signal(signal.SIGTERM)
    try:
        return p.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        name = " ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(p.args[:2]))
        raise Failure(f"{name} did not exit within {limit} s of SIGTERM")


def run_procs(body):
    """Runs body(procs), killing whatever it appended to procs; on a Failure, appends the
    tail of each process' `err_path` that has something in it."""
    procs = []
    try:
        body(procs)
    except Failure as e:
        diag = "".join(f"\n--- {os.path.basename(p.err_path)}:\n{tail(p.err_path, 25)}" for p in procs
                       if hasattr(p, "err_path") and tail(p.err_path).strip())
        raise Failure(f"{e}{diag}")
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()


def served_dispatches(dgw, events):
    """The dispatches `dgw gateway serve --events EVENTS` sends, as `dgw decode` prints them,
    in file order (the server's index i); READY and RESUMED are left out: it writes its own."""
    r = subprocess.run([dgw, "decode", "--quiet", "--events", "op:0", events], capture_output=True, timeout=60)
    check(r.returncode == 0, f"dgw decode {events}: {r.stderr.decode()[:1000]}")
    lines = [json.loads(l) for l in r.stdout.splitlines()]
    return [l for l in lines if l["t"] not in ("READY", "RESUMED")]
