"""What the CLI test files (tests/cli/test_*.py) share: a failure type, `check`, and the
loop that runs each case in a temporary directory and prints one line per case."""
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
