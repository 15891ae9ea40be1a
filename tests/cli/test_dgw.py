#!/usr/bin/env python3
"""CLI tests of the `dgw` tool (tools/): they run the real binary on inputs made here from
tests/fixtures/events (JSON), tests/fixtures/events_etf (ETF written by Erlang),
tests/fixtures/compress (streams made by the corpus tools) and examples/.

    test_dgw.py --bin-dir BUILD --source-dir SRC

Covers every input form (detected and named with --from), ETF vs JSON of the same traffic
giving identical typed lines, --raw fidelity, integers beyond 2^53 (--big-integers, jq), a
corrupt message in the middle of a capture, corrupt and truncated compressed streams, stdin,
--events, --stats, --limit, --help and `dgw convert` in all six encoding x compression
combinations. Prints one line per case and
"N passed, M failed"; exits 1 on any failure.
"""
import glob
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_cases import Failure, check, tool_main  # noqa: E402




class Ctx:
    def __init__(self, bin_dir, src):
        self.dgw = os.path.join(bin_dir, "tools", "dgw")
        self.src = src
        names = sorted(glob.glob(os.path.join(src, "tests", "fixtures", "events", "*.json")))
        self.stems = [os.path.basename(n)[:-5] for n in names]
        self.fixtures = [json.load(open(n, encoding="utf-8")) for n in names]
        # Compact JSON, as the gateway sends it.
        self.json_msgs = [json.dumps(f, separators=(",", ":")).encode() for f in self.fixtures]
        self.etf_msgs = [open(os.path.join(src, "tests", "fixtures", "events_etf", s + ".etf"), "rb").read()
                         for s in self.stems]
        self.ref = None  # typed lines of the JSON fixtures, set by the first case

    def run(self, *args, stdin=None):
        r = subprocess.run([self.dgw, *args], input=stdin, capture_output=True, timeout=300)
        check(r.returncode >= 0, f"dgw {' '.join(args)} died of signal {-r.returncode}:\n{r.stderr.decode()}")
        return r

    def decode(self, *args, stdin=None, rc=0):
        r = self.run("decode", *args, stdin=stdin)
        check(r.returncode == rc, f"decode {' '.join(args)}: exit {r.returncode}, expected {rc}\n"
                                  f"stderr: {r.stderr.decode()[:2000]}")
        return r.stdout.decode().splitlines(), r.stderr.decode()

    def convert(self, *args):
        r = self.run("convert", "--quiet", *args)
        check(r.returncode == 0, f"convert {' '.join(args)}: exit {r.returncode}\n{r.stderr.decode()[:2000]}")


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return path


def framed(msgs):
    return b"".join(struct.pack(">I", len(m)) + m for m in msgs)


def zlib_parts(msgs):
    """One deflate context, Z_SYNC_FLUSH per message: what Discord sends with zlib-stream."""
    c = zlib.compressobj(6, zlib.DEFLATED, 15)
    return [c.compress(m) + c.flush(zlib.Z_SYNC_FLUSH) for m in msgs]


def split_frames(data):
    out, i = [], 0
    while i < len(data):
        n = struct.unpack(">I", data[i:i + 4])[0]
        out.append(data[i + 4:i + 4 + n])
        i += 4 + n
    return out


CAPTURE_MAGIC = b"\x89DGWCAP\n"


def capture_header(encoding, compression):
    """docs/capture-format.md: magic, version 1, header size 24, encoding, compression, flags, created."""
    return CAPTURE_MAGIC + struct.pack(">HHBBHq", 1, 24, encoding, compression, 0, 1_700_000_000_000_000)


def record(payload, direction=0, opcode=2, flags=0, ts=1_700_000_000_000_000):
    return struct.pack(">IBBHq", len(payload), direction, opcode, flags, ts) + payload


def loose_equal(etf_value, json_value):
    """ETF keeps snowflakes as integers where JSON has strings; everything else must match."""
    a, b = etf_value, json_value
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(loose_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(loose_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, int) and not isinstance(a, bool) and isinstance(b, str):
        return str(a) == b
    return a == b and type(a) is type(b) or (isinstance(a, (int, float)) and isinstance(b, (int, float)) and a == b)


MAX_SAFE = 2 ** 53 - 1


def big_as_strings(v):
    """`v` as dgw prints it by default where no schema type applies: integers beyond
    +-(2^53-1) as decimal strings."""
    if isinstance(v, dict):
        return {k: big_as_strings(x) for k, x in v.items()}
    if isinstance(v, list):
        return [big_as_strings(x) for x in v]
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) > MAX_SAFE:
        return str(v)
    return v


def etf_term(v):
    """A Python value as an ETF term (no version byte), as Discord writes them: dict keys as
    atoms, str as binaries, ints of any size, floats as NEW_FLOAT_EXT, None as nil."""
    if v is None or isinstance(v, bool):
        return etf_atom({None: "nil", True: "true", False: "false"}[v])
    if isinstance(v, int):
        if 0 <= v < 256:
            return b"\x61" + bytes([v])
        if -2 ** 31 <= v < 2 ** 31:
            return b"\x62" + struct.pack(">i", v)
        mag = abs(v)
        digits = mag.to_bytes((mag.bit_length() + 7) // 8, "little")
        return b"\x6e" + bytes([len(digits), 1 if v < 0 else 0]) + digits
    if isinstance(v, float):
        return b"\x46" + struct.pack(">d", v)
    if isinstance(v, str):
        return b"\x6d" + struct.pack(">I", len(v.encode())) + v.encode()
    if isinstance(v, list):
        return b"\x6c" + struct.pack(">I", len(v)) + b"".join(map(etf_term, v)) + b"\x6a" if v else b"\x6a"
    return b"\x74" + struct.pack(">I", len(v)) + b"".join(etf_atom(k) + etf_term(x) for k, x in v.items())


def etf_dispatch(t, s, d):
    """A dispatch as Discord's ETF: keys d, op, s, t; t an atom."""
    return (b"\x83\x74\x00\x00\x00\x04" + etf_atom("d") + etf_term(d) + etf_atom("op") + etf_term(0)
            + etf_atom("s") + etf_term(s) + etf_atom("t") + etf_atom(t))


# ---- cases ------------------------------------------------------------------------------

def case_reference(ctx, tmp):
    lines, err = ctx.decode(write(os.path.join(tmp, "f.jsonl"), b"\n".join(ctx.json_msgs) + b"\n"))
    check(len(lines) == len(ctx.fixtures), f"{len(lines)} lines for {len(ctx.fixtures)} fixtures")
    for line, fx in zip(lines, ctx.fixtures):
        v = json.loads(line)
        check(list(v) == ["t", "s", "op", "d"], f"envelope keys {list(v)}")
        check(v["t"] == fx["t"] and v["op"] == fx["op"], f"{line[:80]}: t/op differ from the fixture")
    ctx.ref = lines


def case_input_forms(ctx, tmp):
    """Every form, detected and named with --from, gives the reference lines."""
    pretty = b"".join(open(os.path.join(ctx.src, "tests", "fixtures", "events", s + ".json"), "rb").read()
                      for s in ctx.stems)
    jl = write(os.path.join(tmp, "in.jsonl"), b"\n".join(ctx.json_msgs) + b"\n")
    forms = {
        "json-lines": jl,
        "json": write(os.path.join(tmp, "pretty.json"), pretty),
        "etf": write(os.path.join(tmp, "erlang.etf"), b"".join(ctx.etf_msgs)),
        "framed": write(os.path.join(tmp, "framed.etf"), framed(ctx.etf_msgs)),
        "zlib-stream": write(os.path.join(tmp, "raw.zlib"), b"".join(zlib_parts(ctx.json_msgs))),
    }
    cases = [(f, p) for f, p in forms.items()]
    cases.append(("framed", write(os.path.join(tmp, "framed.json"), framed(ctx.json_msgs))))
    cases.append(("framed", write(os.path.join(tmp, "framed.zlib"), framed(zlib_parts(ctx.json_msgs)))))
    # zstd: our writer (framed and raw) and the zstd CLI (one ended frame of ETF terms).
    ctx.convert("--to", "etf", "--compress", "zstd-stream", jl, os.path.join(tmp, "framed.zstd"))
    cases.append(("framed", os.path.join(tmp, "framed.zstd")))
    ctx.convert("--to", "etf", "--compress", "zstd-stream", "--format", "raw", jl, os.path.join(tmp, "raw.zstd"))
    cases.append(("zstd-stream", os.path.join(tmp, "raw.zstd")))
    if shutil.which("zstd"):
        subprocess.run(["zstd", "-q", "-f", forms["etf"], "-o", os.path.join(tmp, "cli.zst")], check=True)
        cases.append(("zstd-stream", os.path.join(tmp, "cli.zst")))
    ctx.convert("--to", "json", "--format", "capture", jl, os.path.join(tmp, "c.dgwcap"))
    cases.append(("capture", os.path.join(tmp, "c.dgwcap")))
    for form, path in cases:
        for args in ([path], ["--from", form, path]):
            lines, _ = ctx.decode(*args)
            check(lines == ctx.ref, f"{' '.join(args)}: {len(lines)} lines differ from the reference")


def case_zlib_message_split_over_frames(ctx, tmp):
    parts = zlib_parts(ctx.json_msgs)
    frames = []
    for p in parts:  # every message in two websocket messages, as a large one may arrive
        frames += [p[:len(p) // 2], p[len(p) // 2:]]
    lines, _ = ctx.decode(write(os.path.join(tmp, "split.zlib"), framed(frames)))
    check(lines == ctx.ref, "a message split over two websocket messages was not reassembled")


def case_etf_and_json_identical(ctx, tmp):
    """Same traffic as ETF and JSON prints the same typed lines: Erlang-written fixtures, the
    corpus streams of tests/fixtures/compress, and the bundled example captures."""
    lines, _ = ctx.decode(write(os.path.join(tmp, "e.etf"), b"".join(ctx.etf_msgs)))
    check(lines == ctx.ref, "Erlang ETF fixtures decode differently from their JSON")
    comp = os.path.join(ctx.src, "tests", "fixtures", "compress")
    a, _ = ctx.decode(os.path.join(comp, "small_json.zlib"))
    b, _ = ctx.decode(os.path.join(comp, "small_etf.zstd"))
    check(len(a) == 472 and a == b, f"small_json.zlib ({len(a)}) and small_etf.zstd ({len(b)}) differ")
    ex = os.path.join(ctx.src, "examples", "capture.zstd")
    etf_lines, _ = ctx.decode(ex)
    ctx.convert("--to", "json", "--format", "lines", ex, os.path.join(tmp, "ex.jsonl"))
    json_lines, _ = ctx.decode(os.path.join(tmp, "ex.jsonl"))
    check(len(etf_lines) >= 200 and etf_lines == json_lines, "examples/capture.zstd: ETF and JSON lines differ")


def case_raw_fidelity(ctx, tmp):
    msgs = [dict(f) for f in ctx.fixtures]
    msgs[0] = dict(msgs[0], x_not_in_schema={"kept": [1, 2.5, None, True]})  # an unknown field
    data = b"\n".join(json.dumps(m).encode() for m in msgs)
    path = write(os.path.join(tmp, "r.jsonl"), data)
    lines, _ = ctx.decode("--raw", "--big-integers=number", path)
    check(len(lines) == len(msgs), "line count")
    for line, m in zip(lines, msgs):
        check(json.loads(line) == m, f"--raw --big-integers=number lost or changed fields of {m.get('t')}")
    # By default integers beyond +-(2^53-1) (GUILD_MEMBERS_CHUNK.int_not_found) are strings.
    lines, _ = ctx.decode("--raw", path)
    check(any(big_as_strings(m) != m for m in msgs), "no fixture has a big integer in JSON")
    for line, m in zip(lines, msgs):
        check(json.loads(line) == big_as_strings(m), f"--raw lost or changed fields of {m.get('t')}")
    # ETF: every field is kept; integers stay numbers, snowflakes (beyond 2^53) as strings
    # unless --big-integers=number.
    etf_path = write(os.path.join(tmp, "r.etf"), b"".join(ctx.etf_msgs))
    lines, _ = ctx.decode("--raw", etf_path)
    for line, fx, stem in zip(lines, ctx.fixtures, ctx.stems):
        check(loose_equal(json.loads(line), big_as_strings(fx)), f"--raw of {stem}.etf differs from {stem}.json")
    mc = json.loads(lines[ctx.stems.index("MESSAGE_CREATE")])
    check(mc["d"]["id"] == str(ctx.fixtures[ctx.stems.index("MESSAGE_CREATE")]["d"]["id"]),
          "--raw of ETF: the snowflake is not a string")
    lines, _ = ctx.decode("--raw", "--big-integers", "number", etf_path)
    for line, fx, stem in zip(lines, ctx.fixtures, ctx.stems):
        check(loose_equal(json.loads(line), fx), f"--raw --big-integers number of {stem}.etf differs from {stem}.json")
    mc = json.loads(lines[ctx.stems.index("MESSAGE_CREATE")])
    check(isinstance(mc["d"]["id"], int), "--raw --big-integers number of ETF: the snowflake is not a number")


def case_big_integers(ctx, tmp):
    """Integers beyond +-(2^53-1) where the schema has no type (an unknown event's d, an
    audit log change's values, everything under --raw) print as strings by default, so the
    ETF form of a message (snowflakes as integers) and its JSON form (snowflakes as strings)
    print the same line and jq keeps every digit; --big-integers=number prints numbers."""
    sf = 1576183625941254149
    d_etf = {"id": sf, "n": 42, "safe": MAX_SAFE, "neg": -(MAX_SAFE + 1), "f": 1.5, "list": [sf, "x", None, True]}
    d_json = {"id": str(sf), "n": 42, "safe": MAX_SAFE, "neg": str(-(MAX_SAFE + 1)), "f": 1.5,
              "list": [str(sf), "x", None, True]}
    audit = ctx.fixtures[ctx.stems.index("GUILD_AUDIT_LOG_ENTRY_CREATE")]
    a_etf = json.loads(json.dumps(audit["d"]))
    a_etf["changes"][0] = {"key": "owner_id", "old_value": sf - 1, "new_value": sf}
    a_json = json.loads(json.dumps(audit["d"]))
    a_json["changes"][0] = {"key": "owner_id", "old_value": str(sf - 1), "new_value": str(sf)}
    etf = write(os.path.join(tmp, "big.etf"), etf_dispatch("X_FUTURE_EVENT", 7, d_etf)
                + etf_dispatch("GUILD_AUDIT_LOG_ENTRY_CREATE", 8, a_etf))
    compact = {"separators": (",", ":")}
    jl = write(os.path.join(tmp, "big.jsonl"), (
        json.dumps({"t": "X_FUTURE_EVENT", "s": 7, "op": 0, "d": d_json}, **compact) + "\n"
        + json.dumps({"t": "GUILD_AUDIT_LOG_ENTRY_CREATE", "s": 8, "op": 0, "d": a_json}, **compact) + "\n").encode())
    want_unknown = json.dumps({"t": "X_FUTURE_EVENT", "s": 7, "op": 0, "d": d_json}, **compact)
    for mode in ([], ["--raw"]):
        e, _ = ctx.decode(*mode, etf)
        j, _ = ctx.decode(*mode, jl)
        check(len(e) == 2 and e == j, f"decode {' '.join(mode)}: ETF and JSON lines differ:\n{e}\n{j}")
        check(e[0] == want_unknown, f"decode {' '.join(mode)} of the unknown event: {e[0]}")
        check(json.loads(e[1])["d"]["changes"][0] == a_json["changes"][0], f"audit log change: {e[1][:300]}")
        # --big-integers=number: today's numbers from ETF (JSON strings stay strings).
        n, _ = ctx.decode(*mode, "--big-integers=number", etf)
        check(f'"id":{sf},' in n[0] and f'"neg":{-(MAX_SAFE + 1)},' in n[0] and f'"list":[{sf},' in n[0],
              f"--big-integers=number: {n[0]}")
        check(json.loads(n[0])["d"] == d_etf and json.loads(n[1])["d"]["changes"][0]["new_value"] == sf,
              f"--big-integers=number: {n}")
        n, _ = ctx.decode(*mode, "--big-integers", "number", jl)
        check(n == j, f"--big-integers=number changed strings of JSON input: {n}")
        s, _ = ctx.decode(*mode, "--big-integers=string", etf)
        check(s == e, "--big-integers=string is not the default")
    # jq keeps every digit of the ETF snowflake in --raw output (a double would not).
    raw, _ = ctx.decode("--raw", etf)
    digits = [str(sf), str(sf), str(sf - 1)]
    if shutil.which("jq"):
        jq = 'if .t == "X_FUTURE_EVENT" then .d.id, .d.list[0] else .d.changes[0].new_value, .d.changes[0].old_value end'
        r = subprocess.run(["jq", "-r", jq], input="\n".join(raw).encode(), capture_output=True, timeout=60)
        out = r.stdout.decode().split()
        check(r.returncode == 0 and out == [str(sf)] + digits, f"jq printed {out}")
        num, _ = ctx.decode("--raw", "--big-integers=number", etf)
        r = subprocess.run(["jq", "-r", ".d.id"], input=num[0].encode(), capture_output=True, timeout=60)
        print(f"     jq, --big-integers=number: {sf} -> {r.stdout.decode().strip()}")
    else:
        print("     jq not installed: checked the text instead")
        v = [json.loads(l) for l in raw]
        check([v[0]["d"]["id"], v[0]["d"]["list"][0], v[1]["d"]["changes"][0]["old_value"]] == digits,
              f"--raw strings: {raw}")
    check(float(sf) != sf, "the snowflake must be one a double cannot hold")
    # convert --to json writes the same (typed and --raw); the option is for JSON output only.
    out = os.path.join(tmp, "big.json")
    ctx.convert("--to", "json", "--format", "lines", etf, out)
    e, _ = ctx.decode(etf)
    check(open(out, encoding="utf-8").read().splitlines() == e, "convert --to json differs from decode")
    ctx.convert("--to", "json", "--format", "lines", "--big-integers=number", etf, out)
    check(f'"id":{sf},' in open(out, encoding="utf-8").read(), "convert --big-integers=number")
    ctx.convert("--raw", "--to", "json", "--format", "lines", etf, out)
    check(open(out, encoding="utf-8").read().splitlines()[0] == want_unknown, "convert --raw --to json")
    r = ctx.run("convert", "--to", "etf", "--big-integers=number", etf, os.path.join(tmp, "x"))
    check(r.returncode == 2 and b"--big-integers" in r.stderr, "--big-integers with --to etf must be refused")
    # ETF output keeps the integers.
    ctx.convert("--to", "etf", etf, os.path.join(tmp, "big.framed"))
    n, _ = ctx.decode("--raw", "--big-integers=number", os.path.join(tmp, "big.framed"))
    check(json.loads(n[0])["d"] == d_etf, f"convert --to etf: {n[0]}")


def case_unknown_fields(ctx, tmp):
    """Fields the schema lacks stay in the typed output by default (--unknown=keep), from JSON
    and from ETF alike; --unknown=drop leaves them out."""
    i = ctx.stems.index("MESSAGE_CREATE")
    m = json.loads(json.dumps(ctx.fixtures[i]))
    m["d"]["x_extra"] = {"kept": [1, 2.5, None, True, "s\u00e9"]}
    m["d"]["author"]["x_author"] = "a"
    path = write(os.path.join(tmp, "u.jsonl"), json.dumps(m, separators=(",", ":")).encode())
    lines, _ = ctx.decode(path)
    check(len(lines) == 1 and json.loads(lines[0]) == m, "typed output with the default --unknown=keep is not the input")
    etf = os.path.join(tmp, "u.etf")
    ctx.convert("--to", "etf", path, etf)
    from_etf, _ = ctx.decode(etf)
    check(from_etf == lines, "the same message as ETF prints another line")
    dropped, _ = ctx.decode("--unknown=drop", path)
    check(dropped == [ctx.ref[i]], "--unknown=drop did not print the fixture's own line")


def case_mismatched_values(ctx, tmp):
    """A value of the wrong type is kept in the typed output by default, from JSON and from
    ETF alike, with one warning per event and path; --mismatched=fail refuses the message."""
    i = ctx.stems.index("MESSAGE_CREATE")
    m = json.loads(json.dumps(ctx.fixtures[i]))
    m["d"]["content"] = 12
    m["d"]["author"]["id"] = True
    line = json.dumps(m, separators=(",", ":")).encode()
    path = write(os.path.join(tmp, "m.jsonl"), line + b"\n" + line + b"\n")
    lines, err = ctx.decode(path)
    check(len(lines) == 2 and all(json.loads(x) == m for x in lines),
          "typed output with the default --mismatched=keep is not the input")
    for p in ("d.content", "d.author.id"):
        check(err.count(f"at {p} ") == 1, f"expected one warning naming {p}:\n{err}")
    etf = os.path.join(tmp, "m.etf")
    ctx.convert("--to", "etf", path, etf)
    from_etf, _ = ctx.decode(etf)
    check(from_etf == lines, "the same messages as ETF print other lines")
    refused, err = ctx.decode("--mismatched=fail", path, rc=1)
    check(refused == [] and err.count("type mismatch at d.") == 2, f"--mismatched=fail did not refuse both:\n{err}")


def case_leaf_coverage(ctx, tmp):
    """scripts/leaf_coverage.py on the small corpus: with unknown fields kept every leaf of
    the input comes out; dropped, at least 99.5% of the documented ones still do."""
    script = os.path.join(ctx.src, "scripts", "leaf_coverage.py")
    corpus = os.path.join(ctx.src, "tests", "fixtures", "compress", "small_json.zlib")
    r = subprocess.run([sys.executable, script, ctx.dgw, corpus], capture_output=True, timeout=300)
    out = r.stdout.decode()
    check(r.returncode == 0, f"leaf_coverage exit {r.returncode}:\n{out}{r.stderr.decode()[:2000]}")
    check("unknown fields kept:    100.0000% of all leaves" in out, f"the keep output lost leaves:\n{out}")
    check("undocumented paths (" in out and "d.author.clan" in out, f"no undocumented paths listed:\n{out}")


def case_corrupt_message_in_middle(ctx, tmp):
    k = 40
    msgs = list(ctx.json_msgs)
    msgs[k] = msgs[k].replace(b'"op":0', b'"op":0,,', 1)  # a JSON syntax error, framing intact
    check(msgs[k] != ctx.json_msgs[k], "fixture without \"op\":0")
    data = framed(msgs)
    offset = sum(4 + len(m) for m in msgs[:k])
    lines, err = ctx.decode(write(os.path.join(tmp, "bad.framed"), data), rc=1)
    check(f"message {k} at byte {offset}" in err, f"stderr lacks 'message {k} at byte {offset}':\n{err}")
    check(lines == ctx.ref[:k] + ctx.ref[k + 1:], "the other messages were not all printed")
    # JSON lines: same, offset is the line's start.
    jl = b"".join(m + b"\n" for m in msgs)
    lines, err = ctx.decode(write(os.path.join(tmp, "bad.jsonl"), jl), rc=1)
    line_start = sum(len(m) + 1 for m in msgs[:k])
    check(f"message {k} at byte {line_start}" in err, f"JSON lines: wrong position:\n{err}")
    check(len(lines) == len(msgs) - 1, "JSON lines: other messages missing")
    # Concatenated ETF: an unknown tag loses the term's end; the reader resumes at the next term.
    etf = list(ctx.etf_msgs)
    etf[k] = etf[k][:1] + b"\x03" + etf[k][2:]
    off = sum(len(m) for m in etf[:k])
    lines, err = ctx.decode(write(os.path.join(tmp, "bad.etf"), b"".join(etf)), rc=1)
    check(f"message {k} at byte {off}" in err and "tag" in err, f"ETF terms: stderr:\n{err}")
    check(lines == ctx.ref[:k] + ctx.ref[k + 1:], "ETF terms: the other messages were not all printed")
    # A typed decode error (wrong type in a known field, --mismatched=fail) names the field path.
    bad = json.loads(ctx.json_msgs[k])
    bad["d"]["id"] = {"not": "a snowflake"} if isinstance(bad["d"], dict) and "id" in bad["d"] else bad["d"]
    msgs = list(ctx.json_msgs)
    msgs[k] = json.dumps(bad).encode()
    if msgs[k] != ctx.json_msgs[k]:
        _, err = ctx.decode("--mismatched=fail", write(os.path.join(tmp, "type.framed"), framed(msgs)), rc=1)
        check("d.id" in err, f"typed error without the field path:\n{err}")


def etf_atom(name):
    return b"\x77" + bytes([len(name)]) + name.encode()


def case_unrepresentable_is_an_error(ctx, tmp):
    # An unknown event whose d nests past the depth limit, and an envelope without op: each
    # must be reported as an error, in both encodings, never printed (as "d":null or op -1).
    deep = 600
    etf_deep = b"\x83\x74\x00\x00\x00\x03" + etf_atom("d") + b"\x6c\x00\x00\x00\x01" * (deep - 1) + b"\x6a" * deep \
        + etf_atom("op") + b"\x61\x00" + etf_atom("t") + etf_atom("X_UNKNOWN")
    etf_no_op = b"\x83\x74\x00\x00\x00\x02" + etf_atom("d") + etf_atom("nil") + etf_atom("s") + b"\x61\x01"
    json_deep = b'{"op":0,"t":"X_UNKNOWN","d":' + b"[" * deep + b"]" * deep + b"}"
    json_no_op = b'{"d":null,"s":1}'
    for name, data in (("bad.etf", etf_deep + etf_no_op + ctx.etf_msgs[0]),
                       ("bad.jsonl", json_deep + b"\n" + json_no_op + b"\n" + ctx.json_msgs[0] + b"\n")):
        lines, err = ctx.decode(write(os.path.join(tmp, name), data), rc=1)
        check(lines == ctx.ref[:1], f"{name}: only the valid message may be printed, got {lines[:3]}")
        check("message 0" in err and "depth" in err, f"{name}: no depth error for message 0:\n{err}")
        check("message 1" in err and "op" in err and "missing" in err, f"{name}: no missing-op error for message 1:\n{err}")


def case_corrupt_compressed_stream(ctx, tmp):
    k = 30
    parts = zlib_parts(ctx.json_msgs)
    parts[k] = b"\xff" * 20  # BTYPE 11: an invalid deflate block
    lines, err = ctx.decode(write(os.path.join(tmp, "c.zlib"), framed(parts)), rc=1)
    check(lines == ctx.ref[:k], f"zlib: {len(lines)} lines before the corrupt frame, expected {k}")
    check(f"message {k}" in err and "zlib-stream" in err, f"zlib: stderr:\n{err}")
    src = os.path.join(tmp, "in.jsonl")
    write(src, b"\n".join(ctx.json_msgs))
    ctx.convert("--to", "etf", "--compress", "zstd-stream", src, os.path.join(tmp, "z.zstd"))
    frames = split_frames(open(os.path.join(tmp, "z.zstd"), "rb").read())
    frames[k] = b"\xff" * 20  # reserved block type
    lines, err = ctx.decode(write(os.path.join(tmp, "c.zstd"), framed(frames)), rc=1)
    check(lines == ctx.ref[:k] and f"message {k}" in err, f"zstd: {len(lines)} lines; stderr:\n{err}")
    # Truncated inputs: the complete messages are printed, the cut one is reported.
    whole = framed(frames[:k])
    lines, err = ctx.decode(write(os.path.join(tmp, "t.zstd"), whole[:-7]), rc=1)
    check(lines == ctx.ref[:k - 1] and "truncated" in err, f"truncated framed: {len(lines)} lines; {err}")
    raw = b"".join(zlib_parts(ctx.json_msgs))
    lines, err = ctx.decode(write(os.path.join(tmp, "t.zlib"), raw[:len(raw) // 2]), rc=1)
    check(lines == ctx.ref[:len(lines)] and "truncated" in err, f"truncated raw zlib: {err}")
    # Garbage of every kind: an error, never a crash.
    for name, data in [("noise", bytes(range(256)) * 64), ("zeros", b"\0" * 4096), ("text", b"hello\n"),
                       ("capture", CAPTURE_MAGIC + b"\x00\x07"), ("etf", b"\x83" * 100)]:
        r = ctx.run("decode", write(os.path.join(tmp, name), data))
        check(r.returncode == 1 and r.stderr, f"{name}: exit {r.returncode}, stderr {r.stderr[:200]!r}")


def case_capture_format(ctx, tmp):
    """A capture written by hand from docs/capture-format.md: two zlib-stream connections, a
    message split over two records, a sent message, a close record."""
    a = zlib_parts(ctx.json_msgs[:5])
    b = zlib_parts(ctx.json_msgs[5:10])  # a new connection: a new deflate context
    identify = b'{"op":2,"d":{"token":"x","intents":513,"properties":{"os":"linux"}}}'
    recs = [record(a[0], flags=1)] + [record(p) for p in a[1:4]]
    recs += [record(identify, direction=1, opcode=1), record(a[4][:3]), record(a[4][3:])]
    recs += [record(b"\x0f\xa0" + b"going away", opcode=8)]
    recs += [record(b[0], flags=1)] + [record(p) for p in b[1:]]
    path = write(os.path.join(tmp, "two.dgwcap"), capture_header(1, 1) + b"".join(recs))
    lines, err = ctx.decode(path)
    check(len(lines) == 11 and lines[:4] == ctx.ref[:4] and lines[5:] == ctx.ref[4:10], f"capture lines:\n{err}")
    check(json.loads(lines[4])["op"] == 2 and json.loads(lines[4])["d"]["intents"] == 513, "the sent message")
    check("4000" in err, "the close record is not mentioned")
    recv, _ = ctx.decode("--direction", "recv", "--quiet", path)
    check(recv == ctx.ref[:10], "--direction recv")
    # convert keeps direction and connections; zstd output, decoded again.
    out = os.path.join(tmp, "two.zstd.dgwcap")
    ctx.convert("--to", "etf", "--compress", "zstd-stream", "--format", "capture", path, out)
    again, _ = ctx.decode("--quiet", out)
    check(again == lines, "capture -> convert -> capture changed the messages")
    data = open(out, "rb").read()
    check(data[:8] == CAPTURE_MAGIC and data[12:14] == b"\x02\x02", "header: encoding etf, compression zstd")
    # Damage the second connection's first compressed record: the first connection still
    # decodes, and so does nothing of the damaged one (resync needs a new connection).
    bad = bytearray(capture_header(1, 1) + b"".join(recs))
    i = len(bad) - sum(len(r) for r in recs[-5:]) + 16
    bad[i:i + 8] = b"\xff" * 8
    lines, err = ctx.decode(write(os.path.join(tmp, "bad.dgwcap"), bytes(bad)), rc=1)
    check(lines[:4] == ctx.ref[:4] and "next connection" in err, f"corrupt capture: {err}")
    # Unsupported version.
    r = ctx.run("decode", write(os.path.join(tmp, "v9"), CAPTURE_MAGIC + b"\x00\x09" + bytes(14)))
    check(r.returncode == 1 and b"version 9" in r.stderr, r.stderr.decode())


def case_stdin_and_large_input(ctx, tmp):
    """Input larger than the 1 MiB read chunk, from stdin, in the compressed forms."""
    n = 150
    src = write(os.path.join(tmp, "big.jsonl"), (b"\n".join(ctx.json_msgs) + b"\n") * n)
    want = ctx.ref * n
    for comp, fmt in [("zstd-stream", "raw"), ("zlib-stream", "framed"), ("none", "raw")]:
        out = os.path.join(tmp, f"big.{comp}.{fmt}")
        ctx.convert("--to", "etf", "--compress", comp, "--format", fmt, src, out)
        lines, _ = ctx.decode(stdin=open(out, "rb").read())
        check(lines == want, f"stdin {comp}/{fmt}: {len(lines)} lines, expected {len(want)}")
    lines, _ = ctx.decode("-", stdin=open(src, "rb").read())
    check(lines == want, "stdin JSON lines via '-'")


def case_events_filter(ctx, tmp):
    path = write(os.path.join(tmp, "f.jsonl"), b"\n".join(ctx.json_msgs))
    lines, _ = ctx.decode("--events", "MESSAGE_CREATE,READY", path)
    want = [l for l in ctx.ref if json.loads(l)["t"] in ("MESSAGE_CREATE", "READY")]
    check(lines == want and len(want) >= 3, f"--events MESSAGE_CREATE,READY: {len(lines)} lines")
    ex = os.path.join(ctx.src, "examples", "capture.zstd")
    lines, _ = ctx.decode("--events", "HELLO", ex)
    check(len(lines) == 1 and json.loads(lines[0])["op"] == 10, "--events HELLO")
    lines, _ = ctx.decode("--events", "op:11,READY", ex)
    check(lines and all(json.loads(l)["op"] == 11 or json.loads(l)["t"] == "READY" for l in lines), "op:11,READY")
    r = ctx.run("decode", "--events", "not an event!", path)
    check(r.returncode == 2 and b"--events" in r.stderr, "a bad --events name is a usage error")


def case_stats_and_limit(ctx, tmp):
    src = write(os.path.join(tmp, "f.jsonl"), b"\n".join(ctx.json_msgs))
    ctx.convert("--to", "etf", "--compress", "zstd-stream", src, os.path.join(tmp, "f.zstd"))
    lines, _ = ctx.decode("--stats", os.path.join(tmp, "f.zstd"))
    text = "\n".join(lines)
    check(lines[:len(ctx.ref)] == ctx.ref, "--stats changed the lines")
    rows = {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\S+)\s+(\d+)\s", text, re.M)}
    check(rows.get("MESSAGE_CREATE") == sum(1 for f in ctx.fixtures if f["t"] == "MESSAGE_CREATE"),
          f"MESSAGE_CREATE row: {rows}")
    check(rows.get("total") == len(ctx.fixtures), f"total row: {rows.get('total')}")
    for word in ("wire bytes", "decode ms", "transport:", "compressed ->", "zstd-stream"):
        check(word in text, f"--stats lacks {word!r}:\n{text[-1500:]}")
    only, _ = ctx.decode("--stats-only", os.path.join(tmp, "f.zstd"))
    check(not any(l.startswith("{") for l in only) and any(l.startswith("total") for l in only), "--stats-only")
    lim, _ = ctx.decode("--limit", "5", src)
    check(lim == ctx.ref[:5], "--limit 5")
    lim, _ = ctx.decode("-n", "3", "--stats", src)
    check(lim[:3] == ctx.ref[:3] and not lim[3].startswith("{") and "total" in "\n".join(lim), "--limit + --stats")


def case_convert_six_ways(ctx, tmp):
    src = write(os.path.join(tmp, "f.jsonl"), b"\n".join(ctx.json_msgs))
    for to in ("json", "etf"):
        for comp in ("none", "zlib-stream", "zstd-stream"):
            out = os.path.join(tmp, f"o.{to}.{comp}")
            ctx.convert("--to", to, "--compress", comp, src, out)
            lines, _ = ctx.decode(out)
            check(lines == ctx.ref, f"convert --to {to} --compress {comp}: decoded lines differ")
            frames = split_frames(open(out, "rb").read())
            check(len(frames) == len(ctx.fixtures), f"{to}/{comp}: {len(frames)} frames")
            if comp == "zlib-stream":
                check(all(f.endswith(b"\x00\x00\xff\xff") for f in frames), "zlib frames must end 00 00 FF FF")
                d = zlib.decompressobj()
                plain = [d.decompress(f) for f in frames]  # Python's zlib reads our stream
                check(all(p[:1] == (b"{" if to == "json" else b"\x83") for p in plain), "zlib payloads")
            elif comp == "zstd-stream":
                check(frames[0][:4] == b"\x28\xb5\x2f\xfd" and frames[1][:4] != b"\x28\xb5\x2f\xfd",
                      "zstd: one frame for the whole connection")
            elif to == "etf":
                check(all(f[:2] == b"\x83t" and f[6] in (100, 115, 118, 119) for f in frames),
                      "ETF: a map with atom keys")
    raw, _ = ctx.decode("--raw", "--big-integers=number", os.path.join(tmp, "o.etf.none"))
    mc = json.loads(raw[ctx.stems.index("MESSAGE_CREATE")])
    check(isinstance(mc["d"]["id"], int) and isinstance(mc["d"]["author"]["id"], int),
          "ETF written by convert has integer snowflakes")
    r = ctx.run("convert", "--to", "etf", "--format", "lines", src, os.path.join(tmp, "x"))
    check(r.returncode == 2, "--format lines with --to etf must be refused")
    r = ctx.run("convert", "--to", "json", src, src)
    check(r.returncode == 2 and open(src, "rb").read(1) == b"{", "convert onto its own input must be refused")


def case_help_and_usage(ctx, tmp):
    def opts(text):
        return set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", text))

    r = ctx.run("--help")
    out = r.stdout.decode()
    check(r.returncode == 0 and "decode" in out and "convert" in out, f"dgw --help:\n{out}")
    r = ctx.run("decode", "--help")
    want = {"--help", "--from", "--events", "--direction", "--max-message-size", "--quiet", "--raw", "--stats",
            "--stats-only", "--limit", "--output", "--big-integers"}
    have = opts(r.stdout.decode())
    check(r.returncode == 0 and want <= have, f"decode --help lacks {want - have}")
    for form in ("json-lines", "etf", "framed", "zlib-stream", "zstd-stream", "capture"):
        check(form in r.stdout.decode(), f"decode --help does not describe {form}")
    r = ctx.run("convert", "--help")
    want = {"--to", "--compress", "--format", "--level", "--raw", "--limit", "--from", "--events", "--big-integers"}
    have = opts(r.stdout.decode())
    check(r.returncode == 0 and want <= have, f"convert --help lacks {want - have}")
    for args in (["decode", "--no-such-option"], ["frobnicate"], [], ["decode", "--from", "xml"],
                 ["decode", "--big-integers=double"]):
        r = ctx.run(*args)
        check(r.returncode == 2, f"dgw {' '.join(args)}: exit {r.returncode}, expected 2")
    r = ctx.run("decode", os.path.join(tmp, "missing"))
    check(r.returncode == 2 and b"cannot open" in r.stderr, "a missing file")



def max_rss_kib(cmd):
    """Peak resident memory of `cmd` in KiB, from GNU time (scripts/install-deps.sh
    installs it). Not getrusage() here: a child forked from Python starts as a copy of
    this process, and its peak would count Python's memory too."""
    check(os.access("/usr/bin/time", os.X_OK), "/usr/bin/time (Debian package time) is not installed")
    env = dict(os.environ)
    # Under ASan freed buffers would stay resident in its quarantine and count as peak.
    env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=0"
    r = subprocess.run(["/usr/bin/time", "-f", "maxrss %M", *cmd], capture_output=True, env=env, timeout=300)
    m = re.search(rb"^maxrss (\d+)$", r.stderr, re.M)
    check(m is not None, f"measuring {cmd}: {r.stderr.decode()[-500:]}")
    return int(m.group(1))


def bomb_parts(size):
    """One JSON message of `size` bytes, mostly one string, in 1 MiB pieces."""
    head = b'{"op":0,"s":1,"t":"MESSAGE_CREATE","d":{"content":"'
    tail = b'"}}'
    yield head
    left = size - len(head) - len(tail)
    chunk = b"a" * (1 << 20)
    while left > 0:
        yield chunk[:min(left, len(chunk))]
        left -= len(chunk)
    yield tail


def case_bomb_memory(ctx, tmp):
    """A 200 MB message in a few KB is refused at --max-message-size 16MiB, and the peak
    memory that costs stays within twice the limit above that of an empty input (before
    the window was bounded, a raw stream took 3 times the limit, 3 at 64 MiB too)."""
    limit_mib = 16
    size = 200 * 1000 * 1000
    c = zlib.compressobj(9)
    zl = b"".join(c.compress(p) for p in bomb_parts(size)) + c.flush(zlib.Z_SYNC_FLUSH)
    bombs = {"zlib-stream": write(os.path.join(tmp, "bomb.zlib"), zl),
             "framed zlib-stream": write(os.path.join(tmp, "bomb.framed"), framed([zl]))}
    zstd = shutil.which("zstd")
    if zstd:  # scripts/install-deps.sh installs it; Python has no zstd of its own
        out = os.path.join(tmp, "bomb.zstd")
        with open(out, "wb") as f:
            p = subprocess.Popen([zstd, "-q", "-c"], stdin=subprocess.PIPE, stdout=f)
            for part in bomb_parts(size):
                p.stdin.write(part)
            p.stdin.close()
            check(p.wait() == 0, "zstd failed")
        check(os.path.getsize(out) < 64 * 1024, f"zstd bomb is {os.path.getsize(out)} bytes")
        bombs["zstd-stream"] = out
    # The process itself: code, libraries, stdio, with no message buffered.
    base = max_rss_kib([ctx.dgw, "decode", write(os.path.join(tmp, "empty"), b"")])
    for name, path in bombs.items():
        _, err = ctx.decode("--max-message-size", f"{limit_mib}MiB", path, rc=1)
        check("maximum message size" in err or "size limit" in err, f"{name} bomb: {err}")
        rss = max_rss_kib([ctx.dgw, "decode", "--max-message-size", f"{limit_mib}MiB", path])
        print(f"     {name} bomb: peak RSS {rss} KiB, {rss - base} KiB above an empty decode")
        check(rss - base <= 2 * limit_mib * 1024,
              f"{name} bomb: peak RSS {rss} KiB, {rss - base} above an empty decode's; limit {limit_mib} MiB")

CASES = [case_reference, case_input_forms, case_zlib_message_split_over_frames, case_etf_and_json_identical,
         case_raw_fidelity, case_big_integers, case_corrupt_message_in_middle, case_corrupt_compressed_stream,
         case_capture_format, case_unknown_fields, case_mismatched_values, case_leaf_coverage, case_stdin_and_large_input, case_events_filter,
         case_stats_and_limit, case_convert_six_ways,
         case_bomb_memory, case_help_and_usage]


def main(argv=None):
    def reference_first(ctx):
        def check_reference(case):
            if ctx.ref is None and case is not case_reference:
                raise Failure("no reference lines (case_reference failed)")
        return check_reference

    return tool_main(__doc__, Ctx, CASES, "dgw_cli_", errors=(OSError, subprocess.SubprocessError, ValueError, KeyError, IndexError),
                     precondition=reference_first, argv=argv)


if __name__ == "__main__":
    sys.exit(main())
