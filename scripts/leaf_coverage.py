#!/usr/bin/env python3
"""How much of a capture the typed model keeps, leaf by leaf.

Usage: scripts/leaf_coverage.py DGW_BINARY CAPTURE [--paths N]

Decodes CAPTURE (any form `dgw decode` reads) three ways: --raw (every leaf as sent),
typed with --unknown=keep and typed with --unknown=drop. A leaf is a scalar (string,
number, bool, null) or an empty array/object, named by its path with array indices
dropped (d.mentions[].member.roles[]). Leaves the drop output lacks but the keep output
has came through unknown_: the schema does not document them. The rest of the input's
leaves are the documented ones, and the drop output must keep them:

    documented kept = leaves(drop) / (leaves(raw) - leaves(unknown only))

Prints that ratio, the keep output's ratio (1.0 when nothing is lost), and the
undocumented paths by count. Exit 1 when the documented ratio is below 0.995.
"""
import argparse
import collections
import json
import subprocess
import sys


def leaves(v, path, out):
    if isinstance(v, dict):
        if not v:
            out[(path, "{}")] += 1
        for k, x in v.items():
            leaves(x, f"{path}.{k}" if path else k, out)
    elif isinstance(v, list):
        if not v:
            out[(path + "[]", "[]")] += 1
        for x in v:
            leaves(x, path + "[]", out)
    else:
        # Numbers compare by value, so 1 and 1.0 are one leaf; big integers printed as
        # strings (--big-integers=string) are the same leaf as their number.
        if isinstance(v, str) and v.lstrip("-").isdigit():
            v = int(v)
        out[(path, json.dumps(v, sort_keys=True))] += 1


def decode(binary, capture, *flags):
    r = subprocess.run([binary, "decode", "--quiet", *flags, capture], capture_output=True, check=False)
    if r.returncode != 0:
        sys.exit(f"dgw decode {' '.join(flags)} failed: {r.stderr.decode()[:2000]}")
    return [json.loads(line) for line in r.stdout.splitlines()]


def count(msgs):
    c = collections.Counter()
    for m in msgs:
        leaves(m, "", c)
    return c


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dgw")
    ap.add_argument("capture")
    ap.add_argument("--paths", type=int, default=25, help="undocumented paths to list")
    a = ap.parse_args()
    raw, keep, drop = (count(decode(a.dgw, a.capture, *f)) for f in (["--raw"], ["--unknown=keep"], ["--unknown=drop"]))
    total = sum(raw.values())
    unknown = keep - drop  # kept only because unknown fields are kept
    documented = raw - unknown
    kept_documented = sum((documented & drop).values())
    n_documented = sum(documented.values())
    print(f"leaves: {total} in the input, {sum(unknown.values())} undocumented, {n_documented} documented")
    print(f"typed, unknown fields kept:    {sum((raw & keep).values()) / total:.4%} of all leaves")
    print(f"typed, unknown fields dropped: {kept_documented / n_documented:.4%} of the documented leaves")
    lost = documented - drop
    if lost:
        print("documented leaves lost:")
        by_path = collections.Counter()
        for (p, _), n in lost.items():
            by_path[p] += n
        for p, n in by_path.most_common(a.paths):
            print(f"  {n:8d}  {p}")
    by_path = collections.Counter()
    for (p, _), n in unknown.items():
        by_path[p] += n
    print(f"undocumented paths ({len(by_path)}), by leaves:")
    for p, n in by_path.most_common(a.paths):
        print(f"  {n:8d}  {p}")
    return 0 if kept_documented / n_documented >= 0.995 else 1


if __name__ == "__main__":
    sys.exit(main())
