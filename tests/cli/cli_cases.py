"""What the CLI test files (tests/cli/test_*.py) share: a failure type, `check`, and the
loop that runs each case in a temporary directory and prints one line per case."""
import argparse
import os
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
