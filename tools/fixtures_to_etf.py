#!/usr/bin/env python3
"""Converts the JSON gateway fixtures (tests/fixtures/events/*.json) into the ETF Discord
would send, written by Erlang's own term_to_binary, into tests/fixtures/events_etf/*.etf.

    fixtures_to_etf.py [--fixtures DIR] [--out DIR] [--erl PATH]

Why Erlang and not dgw's encoder: the ETF fixtures are the reference the typed ETF decoder
is tested against, so they must not come from the code under test. This script only knows
JSON and a naming rule; the bytes come from one `erl -noshell` run for all fixtures.

Discord's ETF conventions, applied while turning each JSON value into an Erlang term:
- map keys are atoms ('guild_id'), except digit-only keys (of snowflake-keyed maps such
  as resolved.users) which stay binaries;
- snowflakes are integers. The JSON text has no types, so a string counts as a snowflake
  when it is all digits (15-20 of them) and its key is `id`, ends in `_id`, or names a
  snowflake array (roles, mention_roles, ...), or it is a value of
  authorizing_integration_owners. Fields Discord documents as *strings* that merely hold
  digits stay binaries: an integration account's id (Twitch/YouTube ids are strings) and
  an audit log entry's target_id (`?string`: not always a snowflake);
- null is the atom nil, true/false are atoms, `t` is an atom;
- other strings are UTF-8 binaries, floats are floats, integers are integers.

Term literals are pure ASCII (non-ASCII code points as \\x{...}), so the Erlang source
encoding never matters. term_to_binary runs with [{minor_version, 2}, deterministic]:
UTF-8 atoms as current OTP releases (and Discord) write them, and map order fixed for
large maps, so the bytes do not depend on the OTP release that produced them.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

SNOWFLAKE_ARRAY_KEYS = {
    "roles", "mention_roles", "not_found", "user_ids", "guild_ids", "member_ids", "ids",
    "sku_ids", "entitlement_ids", "renewal_sku_ids", "channel_ids", "role_ids", "exempt_roles",
    "exempt_channels", "applied_tags", "removed_member_ids", "participants",
}
# Maps whose values (not keys) are snowflakes.
SNOWFLAKE_VALUE_MAPS = {"authorizing_integration_owners"}
# (parent key or "*", key) pairs documented as plain strings although they may hold only digits.
STRING_FIELDS = {("account", "id"), ("*", "target_id")}

DIGITS = re.compile(r"[0-9]+")
ATOM_OK = re.compile(r"[a-z][A-Za-z0-9_@]*")


def is_snowflake_text(s):
    return DIGITS.fullmatch(s) is not None and 15 <= len(s) <= 20


def snowflake_key(parent, key):
    if key is None or (parent, key) in STRING_FIELDS or ("*", key) in STRING_FIELDS:
        return False
    return key == "id" or key.endswith("_id") or key in SNOWFLAKE_ARRAY_KEYS


def erl_text(s):
    """The body of an Erlang string literal for `s`, ASCII only."""
    out = []
    for ch in s:
        c = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif 0x20 <= c < 0x7F:
            out.append(ch)
        else:
            out.append("\\x{%X}" % c)
    return "".join(out)


def erl_atom(s):
    # Quoted always: keys like 'type' or 'end' would otherwise be reserved words.
    return "'" + erl_text(s).replace("'", "\\'") + "'"


def erl_binary(s):
    return '<<"' + erl_text(s) + '"/utf8>>'


def erl_float(v):
    r = repr(v)
    if r in ("inf", "-inf", "nan"):
        raise ValueError("Erlang has no non-finite floats")
    mant, _, exp = r.partition("e")
    if "." not in mant:
        mant += ".0"
    return mant + ("e" + exp if exp else "")


def term(v, parent=None, key=None, snowflake_values=False):
    """Erlang term literal for JSON value `v` found under `key` (inside `parent`)."""
    if v is None:
        return "nil"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return erl_float(v)
    if isinstance(v, str):
        if (snowflake_values or snowflake_key(parent, key)) and is_snowflake_text(v):
            return str(int(v))
        return erl_binary(v)
    if isinstance(v, list):
        # Elements of an array inherit the array's key (roles: ["1", "2"]).
        return "[" + ", ".join(term(x, parent, key) for x in v) + "]"
    if isinstance(v, dict):
        pairs = []
        values_are_snowflakes = key in SNOWFLAKE_VALUE_MAPS
        for k, x in v.items():
            kt = erl_binary(k) if DIGITS.fullmatch(k) else erl_atom(k)
            pairs.append(kt + " => " + term(x, key, k, values_are_snowflakes))
        return "#{" + ", ".join(pairs) + "}"
    raise TypeError(f"unexpected JSON value {v!r}")


def envelope_term(msg):
    """The whole gateway message; `t` is an atom (or nil), the rest as above."""
    pairs = []
    for k, x in msg.items():
        if k == "t":
            pairs.append("'t' => " + ("nil" if x is None else erl_atom(x)))
        else:
            pairs.append(erl_atom(k) + " => " + term(x, None, k))
    return "#{" + ", ".join(pairs) + "}"


ERL_PROGRAM = r"""
{ok, Terms} = file:consult(os:getenv("DGW_TERMS")),
Out = os:getenv("DGW_OUT"),
lists:foreach(fun({Name, T}) ->
    ok = file:write_file(filename:join(Out, Name ++ ".etf"),
                         term_to_binary(T, [{minor_version, 2}, deterministic]))
  end, Terms),
io:format("~b~n", [length(Terms)]),
halt(0).
"""


def find_erl(explicit):
    if explicit:
        return explicit
    env = os.environ.get("DGW_ERL")
    if env and "NOTFOUND" not in env:
        return env
    return shutil.which("erl")


def main(argv=None):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fixtures", default=os.path.join(root, "tests", "fixtures", "events"))
    ap.add_argument("--out", default=os.path.join(root, "tests", "fixtures", "events_etf"))
    ap.add_argument("--erl", default=None, help="erl binary (default: $DGW_ERL, then PATH)")
    args = ap.parse_args(argv)

    erl = find_erl(args.erl)
    if not erl:
        print("fixtures_to_etf: erl not found (install erlang-base or pass --erl)", file=sys.stderr)
        return 2

    names = sorted(n[:-5] for n in os.listdir(args.fixtures) if n.endswith(".json"))
    lines = []
    for n in names:
        with open(os.path.join(args.fixtures, n + ".json"), encoding="utf-8") as f:
            msg = json.load(f)
        lines.append('{"%s", %s}.' % (erl_text(n), envelope_term(msg)))

    os.makedirs(args.out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        terms = os.path.join(tmp, "terms.eterm")
        with open(terms, "w", encoding="ascii") as f:
            f.write("\n".join(lines) + "\n")
        env = dict(os.environ, DGW_TERMS=terms, DGW_OUT=os.path.abspath(args.out))
        r = subprocess.run([erl, "-noshell", "-eval", ERL_PROGRAM], env=env, capture_output=True, text=True)
    if r.returncode != 0 or r.stdout.strip() != str(len(names)):
        print(f"fixtures_to_etf: erl failed (exit {r.returncode})\n{r.stdout}{r.stderr}", file=sys.stderr)
        return 1
    print(f"wrote {len(names)} ETF fixtures to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
