#!/usr/bin/env python3
"""CLI tests of codegen/generate.py: the validator rejects broken schemas with exit code 2
and a message naming the problem and the file; rendering is deterministic; --check
reports stale, missing and extra generated files.

    test_codegen.py --bin-dir BUILD --source-dir SRC

Every case works on a temporary copy of schema/ (and on temporary output directories), so
the tree is never touched. Prints one line per case and "N passed, M failed"; exits 1 on
any failure.
"""
import argparse
import difflib
import filecmp
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_cases import Failure, check, run_cases  # noqa: E402

PYTHON = "/usr/bin/python3"




class Ctx:
    def __init__(self, src):
        self.src = src
        self.generate = os.path.join(src, "codegen", "generate.py")
        self.schema = os.path.join(src, "schema")

    def run(self, *args, env=None):
        e = dict(os.environ)
        if env:
            e.update(env)
        return subprocess.run([PYTHON, self.generate, *args], capture_output=True, text=True, env=e)


def files_under(root):
    out = []
    for dirpath, _, names in os.walk(root):
        for n in names:
            out.append(os.path.relpath(os.path.join(dirpath, n), root))
    return sorted(out)


def edit(path, old, new, count=1):
    """Replaces `old` (which must occur exactly `count` times) in a schema file."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    n = text.count(old)
    check(n == count, f"{os.path.basename(path)}: expected {count} occurrence(s) of {old!r}, found {n} "
                      "(schema changed? update this test's edit)")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace(old, new))


def broken_schema_case(ctx, tmp, name, breaker, expected_fragments):
    """Copies schema/, breaks it, and expects exit 2 with every fragment in stderr and no output."""
    schema = os.path.join(tmp, "schema")
    out = os.path.join(tmp, "out")
    shutil.copytree(ctx.schema, schema)
    breaker(schema)
    r = ctx.run("--schema", schema, "--out", out)
    check(r.returncode == 2, f"{name}: exit {r.returncode}, expected 2\nstdout: {r.stdout}\nstderr: {r.stderr}")
    for frag in expected_fragments:
        check(frag in r.stderr, f"{name}: stderr lacks {frag!r}:\n{r.stderr}")
    check(r.stderr.startswith("schema error:"), f"{name}: stderr does not start with 'schema error:':\n{r.stderr}")
    # Validation comes before rendering: nothing may have been written.
    check(not os.path.exists(out) or not files_under(out), f"{name}: files written despite the error")


def case_duplicate_type_across_files(ctx, tmp):
    def brk(schema):
        with open(os.path.join(schema, "types", "zz_duplicate.yaml"), "w", encoding="utf-8") as f:
            f.write("types:\n"
                    "  User:\n"
                    "    doc: A second User, in another file.\n"
                    "    docs: https://discord.com/developers/docs/resources/user#user-object\n"
                    "    fields:\n"
                    "      id: snowflake\n")
    broken_schema_case(ctx, tmp, "duplicate type", brk,
                       ["types/zz_duplicate.yaml", "type User", "duplicate name 'User'"])


def case_duplicate_enum_value(ctx, tmp):
    def brk(schema):
        edit(os.path.join(schema, "types", "user.yaml"), "      NITRO_BASIC: 3\n", "      NITRO_BASIC: 2\n")
    broken_schema_case(ctx, tmp, "duplicate enum value", brk,
                       ["types/user.yaml", "enum PremiumType", "duplicate value 2", "NITRO_BASIC", "NITRO)"])


def case_unknown_type_reference(ctx, tmp):
    def brk(schema):
        edit(os.path.join(schema, "types", "user.yaml"), "      username: {type: string, doc: \"The user's",
             "      username: {type: Username, doc: \"The user's")
    broken_schema_case(ctx, tmp, "unknown type", brk,
                       ["types/user.yaml", "type User.username", "unknown type 'Username'"])


def case_missing_doc(ctx, tmp):
    def brk(schema):
        edit(os.path.join(schema, "types", "user.yaml"), "    doc: The level of Nitro subscription a user has.\n", "")
    broken_schema_case(ctx, tmp, "missing doc", brk, ["types/user.yaml", "enum PremiumType", "missing `doc`"])


def case_event_without_payload(ctx, tmp):
    def brk(schema):
        edit(os.path.join(schema, "events", "user.yaml"), "    extends: Presence\n", "")
    broken_schema_case(ctx, tmp, "event without payload", brk,
                       ["events/user.yaml", "event PRESENCE_UPDATE", "needs `extends` or `fields`"])


def case_duplicate_yaml_key(ctx, tmp):
    def brk(schema):
        line = "      system?: {type: bool, doc: \"Whether the user is an Official Discord System user\"}\n"
        edit(os.path.join(schema, "types", "user.yaml"), line, line + "      bot?: string\n")
    broken_schema_case(ctx, tmp, "duplicate YAML key", brk, ["types/user.yaml", "duplicate key 'bot?'"])


def case_deterministic(ctx, tmp):
    a, b = os.path.join(tmp, "a"), os.path.join(tmp, "b")
    ra = ctx.run("--schema", ctx.schema, "--out", a, env={"PYTHONHASHSEED": "1"})
    rb = ctx.run("--schema", ctx.schema, "--out", b, env={"PYTHONHASHSEED": "2"})
    check(ra.returncode == 0 and rb.returncode == 0, f"render failed:\n{ra.stderr}\n{rb.stderr}")
    fa, fb = files_under(a), files_under(b)
    check(fa == fb, f"file lists differ: {sorted(set(fa) ^ set(fb))}")
    check(len(fa) > 10, f"only {len(fa)} files rendered")
    _, mismatch, errors = filecmp.cmpfiles(a, b, fa, shallow=False)
    check(not mismatch and not errors, f"renders differ: {mismatch + errors}")
    # Rendering again into a populated directory changes nothing and removes nothing.
    rc = ctx.run("--schema", ctx.schema, "--out", a, env={"PYTHONHASHSEED": "3"})
    check(rc.returncode == 0, rc.stderr)
    _, mismatch, errors = filecmp.cmpfiles(a, b, fa, shallow=False)
    check(files_under(a) == fb and not mismatch and not errors, "re-render into the same directory changed it")


def case_check_reports_stale_missing_extra(ctx, tmp):
    # A fresh render stands in for generated/ (which other work may be changing right now).
    out = os.path.join(tmp, "generated")
    r = ctx.run("--schema", ctx.schema, "--out", out)
    check(r.returncode == 0, r.stderr)
    r = ctx.run("--check", "--schema", ctx.schema, "--out", out)
    check(r.returncode == 0 and "up to date" in r.stdout, f"--check on a fresh render: {r.returncode}\n{r.stdout}{r.stderr}")

    stale_rel = os.path.join("dgw", "gateway.hpp")
    with open(os.path.join(out, stale_rel), "a", encoding="utf-8") as f:
        f.write("// hand edit\n")
    extra_rel = os.path.join("dgw", "zz_extra.hpp")
    with open(os.path.join(out, extra_rel), "w", encoding="utf-8") as f:
        f.write("// not generated\n")
    missing_rel = os.path.join("dgw", "opcode.cpp")
    os.remove(os.path.join(out, missing_rel))

    r = ctx.run("--check", "--schema", ctx.schema, "--out", out)
    check(r.returncode == 1, f"--check exit {r.returncode}, expected 1\n{r.stderr}")
    check(f"stale: generated/{stale_rel}" in r.stderr, f"--check does not call {stale_rel} stale:\n{r.stderr}")
    check(f"extra: generated/{extra_rel}" in r.stderr, f"--check does not call {extra_rel} extra:\n{r.stderr}")
    check(f"stale: generated/{missing_rel} (missing)" in r.stderr, f"--check does not report {missing_rel} missing:\n{r.stderr}")
    lines = [l for l in r.stderr.splitlines() if l.startswith(("stale:", "extra:"))]
    check(len(lines) == 3, f"--check reports more than the three changes: {lines}")
    # --check never writes: the hand edit and the extra file are still there.
    with open(os.path.join(out, stale_rel), encoding="utf-8") as f:
        check(f.read().endswith("// hand edit\n"), "--check rewrote a stale file")
    check(os.path.exists(os.path.join(out, extra_rel)), "--check removed an extra file")

    # A normal run repairs all three.
    r = ctx.run("--schema", ctx.schema, "--out", out)
    check(r.returncode == 0, r.stderr)
    r = ctx.run("--check", "--schema", ctx.schema, "--out", out)
    check(r.returncode == 0, f"after regenerating, --check still fails:\n{r.stderr}")


def case_check_on_copy_of_generated(ctx, tmp):
    # The same on a copy of the checked-in tree: a hand edit there is reported as stale.
    gen = os.path.join(ctx.src, "generated")
    out = os.path.join(tmp, "generated")
    shutil.copytree(gen, out)
    rel = os.path.join("dgw", "intents.hpp")
    with open(os.path.join(out, rel), "a", encoding="utf-8") as f:
        f.write("\n")
    with open(os.path.join(out, "dgw", "stray.txt"), "w", encoding="utf-8") as f:
        f.write("x\n")
    r = ctx.run("--check", "--schema", ctx.schema, "--out", out)
    check(r.returncode == 1, f"exit {r.returncode}")
    check(f"stale: generated/{rel}" in r.stderr, r.stderr)
    check("extra: generated/dgw/stray.txt" in r.stderr, r.stderr)


def case_missing_field_doc(ctx, tmp):
    # Every field of a type, an event and a command needs its own `doc`; the error names
    # the file, the entry and the field, and shows the long-hand form to write.
    def brk(schema):
        edit(os.path.join(schema, "types", "user.yaml"),
             "      system?: {type: bool, doc: \"Whether the user is an Official Discord System user\"}\n",
             "      system?: bool\n")
        edit(os.path.join(schema, "events", "user.yaml"),
             "      guild_id?: {type: snowflake, doc: \"Guild of the channel; absent in DMs\"}\n",
             "      guild_id?: {type: snowflake}\n")
        edit(os.path.join(schema, "commands.yaml"),
             "      session_id: {type: string, doc: \"Session ID (from READY)\"}\n",
             "      session_id: {type: string, doc: \"  \"}\n")
    broken_schema_case(ctx, tmp, "missing field doc", brk, [
        "types/user.yaml: type User: field 'system' has no `doc`",
        "system?: {type: bool, doc: \"...\"}",
        "events/user.yaml: event TYPING_START: field 'guild_id' has no `doc`",
        "commands.yaml: command Resume: field 'session_id' has no `doc`",
    ])


def case_privileged_in_intent_doc(ctx, tmp):
    # `privileged: true` is the one source; the generator adds the note (it was printed twice).
    def brk(schema):
        edit(os.path.join(schema, "gateway.yaml"), "    doc: Presence updates.\n",
             "    doc: Presence updates (privileged).\n")
    broken_schema_case(ctx, tmp, "privileged in intent doc", brk,
                       ["gateway.yaml: intent GUILD_PRESENCES", "say `privileged: true`"])


def case_privileged_note_once(ctx, tmp):
    out = os.path.join(tmp, "out")
    r = ctx.run("--schema", ctx.schema, "--out", out)
    check(r.returncode == 0, r.stderr)
    with open(os.path.join(out, "dgw", "intents.hpp"), encoding="utf-8") as f:
        lines = [l for l in f if l.strip().startswith("///") and "rivileged" in l and "4014" not in l]
    check(len(lines) == 3, f"expected the note on the 3 privileged intents, got {len(lines)}: {lines}")
    for l in lines:
        check(l.lower().count("privileged") == 1, f"note repeated: {l.strip()}")


def case_field_doc_on_member(ctx, tmp):
    # The schema's field doc is the generated member's comment, escaped for Doxygen.
    out = os.path.join(tmp, "out")
    r = ctx.run("--schema", ctx.schema, "--out", out)
    check(r.returncode == 0, r.stderr)
    with open(os.path.join(out, "dgw", "types.hpp"), encoding="utf-8") as f:
        text = f.read()
    check("    /// Whether the user is an Official Discord System user\n    std::optional<bool> system;" in text,
          "User::system lacks its doc comment")
    check("guild_id means \\@everyone" in text, "'@' in a doc is not escaped for Doxygen")


def render(ctx, schema, out):
    """Renders `schema` into `out` and returns {relative path: lines}."""
    r = ctx.run("--schema", schema, "--out", out)
    check(r.returncode == 0, f"render of {schema} failed:\n{r.stderr}")
    tree = {}
    for rel in files_under(out):
        with open(os.path.join(out, rel), encoding="utf-8") as f:
            tree[rel] = f.read().splitlines()
    return tree


def tree_diff(before, after):
    """{file: (lines removed, lines added)} for every file that differs, as a line diff sees it."""
    out = {}
    for rel in sorted(set(before) | set(after)):
        a, b = before.get(rel, []), after.get(rel, [])
        if a == b:
            continue
        # No autojunk: it would treat lines common in a large file (`}`, `default: return -1;`)
        # as junk and report hunks larger than the change.
        removed = added = 0
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
            if op != "equal":
                removed += i2 - i1
                added += j2 - j1
        out[rel] = (removed, added)
    return out


def table_of(tree, name):
    """The table source that defines ti_<name>: where the type's codec table lives."""
    holders = [rel for rel, lines in tree.items() if rel.startswith(os.path.join("dgw", "tables"))
               and any(l.startswith(f"constinit const type_info ti_{name} = ") for l in lines)]
    check(len(holders) == 1, f"ti_{name} is defined in {holders}, expected one table source")
    return holders[0]


def schema_edit_diff(ctx, tmp, path, old, new):
    """Renders schema/ as it is and with one edit; returns (tree after, diff of the two)."""
    schema = os.path.join(tmp, "schema")
    shutil.copytree(ctx.schema, schema)
    before = render(ctx, schema, os.path.join(tmp, "before"))
    edit(os.path.join(schema, *path.split("/")), old, new)
    after = render(ctx, schema, os.path.join(tmp, "after"))
    return after, tree_diff(before, after)


def describe_diff(d):
    return ", ".join(f"{rel} -{r} +{a}" for rel, (r, a) in d.items())


# A schema edit is reviewed through the generated diff it brings, so that diff must be about
# the size of the edit: one field, or one small type, must not rewrite other types' tables
# (they were once dealt into table sources by position, and one field moved ~2,000 lines).
# AvatarDecorationData and the new type sit first in the schema, where a shift in any
# position-based split would reach every type after them.

def case_one_field_edit_diff_is_small(ctx, tmp):
    line = "      sku_id: {type: snowflake, doc: \"ID of the avatar decoration's SKU\"}\n"
    after, d = schema_edit_diff(ctx, tmp, "types/user.yaml", line,
                                line + "      expires_at?: {type: timestamp, doc: \"When the decoration expires\"}\n")
    allowed = {os.path.join("dgw", "types.hpp"), table_of(after, "AvatarDecorationData")}
    check(set(d) <= allowed, f"a field of AvatarDecorationData changed files beyond {sorted(allowed)}: {describe_diff(d)}")
    # Measured 9: the member and its doc comment in types.hpp (+2); in the table, a length
    # case of the key lookup (+2), the field entry (+1), and the order array's size and the
    # object_info's field count (-2 +2). The bound leaves room for a new key whose length
    # another key has, which turns that length case into a switch on a character.
    total = sum(r + a for r, a in d.values())
    check(0 < total <= 16, f"one new field changed {total} generated lines: {describe_diff(d)}")


def case_one_type_addition_diff_is_small(ctx, tmp):
    after, d = schema_edit_diff(ctx, tmp, "types/user.yaml", "types:\n  User:\n",
                                "types:\n  UserNote:\n"
                                "    doc: A note on a user.\n"
                                "    docs: https://discord.com/developers/docs/resources/user#user-object\n"
                                "    fields:\n"
                                "      note: {type: string, doc: \"The note\"}\n\n"
                                "  User:\n")
    allowed = {os.path.join("dgw", "types.hpp"), os.path.join("dgw", "describe.hpp"),
               os.path.join("dgw", "detail", "type_infos.hpp"), table_of(after, "UserNote")}
    check(set(d) <= allowed, f"a new type changed files beyond {sorted(allowed)}: {describe_diff(d)}")
    # Nothing else is renumbered, reordered or moved: the new type's lines are all there is.
    check(all(r == 0 for r, _ in d.values()), f"adding a type removed generated lines: {describe_diff(d)}")
    # Measured 41: the struct in types.hpp (20, of which 3 are its unknown_ member), its
    # table (18), its describe<> (2) and its extern type_info (1). A template that adds a
    # line to every struct moves this.
    total = sum(a for _, a in d.values())
    check(0 < total <= 43, f"one new 1-field type added {total} generated lines: {describe_diff(d)}")


CASES = [
    case_duplicate_type_across_files,
    case_duplicate_enum_value,
    case_unknown_type_reference,
    case_missing_doc,
    case_missing_field_doc,
    case_privileged_in_intent_doc,
    case_privileged_note_once,
    case_field_doc_on_member,
    case_event_without_payload,
    case_duplicate_yaml_key,
    case_deterministic,
    case_check_reports_stale_missing_extra,
    case_check_on_copy_of_generated,
    case_one_field_edit_diff_is_small,
    case_one_type_addition_diff_is_small,
]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin-dir", required=False)
    ap.add_argument("--source-dir", required=True)
    args = ap.parse_args(argv)
    ctx = Ctx(os.path.abspath(args.source_dir))
    return run_cases(CASES, ctx, "dgw_codegen_")


if __name__ == "__main__":
    sys.exit(main())
