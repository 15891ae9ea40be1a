#!/usr/bin/env python3
"""CLI tests of codegen/docs_diff.py, the schema drift checker: on a small docs checkout and a
small schema written here (no copy of Discord's docs), it reports missing and extra fields,
optional/nullable/type mismatches, missing enum and flags values and unresolvable docs
anchors; it keeps quiet about fields the schema marks undocumented; exit 0 when nothing
differs, 1 when anything does, 2 on a usage or schema error.

    test_docs_diff.py --bin-dir BUILD --source-dir SRC

Prints one line per case and "N passed, M failed"; exits 1 on any failure.
"""
import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_cases import Failure, check, run_cases  # noqa: E402

PYTHON = "/usr/bin/python3"


# A page in the current docs layout: ManualAnchor ids before the h6 tables, links in the
# site's /developers/... form, footnote marks in a field cell.
WIDGET_PAGE = """---
title: Widget Resource
---

import {ManualAnchor} from '/snippets/manualanchor.jsx'

Widgets are made up for this test.

### Widget Object

<ManualAnchor id="widget-object-widget-structure" />
###### Widget Structure

| Field         | Type                                                              | Description                     |
|---------------|-------------------------------------------------------------------|---------------------------------|
| id            | snowflake                                                         | the widget's id                 |
| name \\[1\\]  | string                                                            | the widget's name               |
| owner?        | ?[gadget](/developers/resources/widget#gadget-object) object      | the gadget that owns it         |
| tags          | array of strings                                                  | tags                            |
| kind          | integer                                                           | [kind](/developers/resources/widget#widget-object-widget-kinds) |
| flags?        | integer                                                           | [flags](/developers/resources/widget#widget-object-widget-flags) |
| created_at    | ISO8601 timestamp                                                 | when it was made                |
| parts         | array of [gadget](/developers/resources/widget#gadget-object) objects | its gadgets                 |
{extra_rows}
\\[1\\] The name is not unique.
{after_table}

<ManualAnchor id="widget-object-widget-kinds" />
###### Widget Kinds

| Value | Name   | Description |
|-------|--------|-------------|
| 0     | PLAIN  | plain       |
| 1     | FANCY  | fancy       |
{extra_kinds}
<ManualAnchor id="widget-object-widget-flags" />
###### Widget Flags

| Flag   | Value    | Description |
|--------|----------|-------------|
| SHINY  | `1 << 0` | shiny       |
| BIG    | `1 << 2` | big         |
{extra_flags}
```json
{"id": "1", "| not": "a table |"}
```

### Gadget Object

###### Gadget Structure

| Field  | Type      | Description |
|--------|-----------|-------------|
| id     | snowflake | the id      |
| label? | string    | its label   |
"""

EVENTS_PAGE = """---
title: Gateway Events
---

## Receive Events

| Name                                                            | Description           |
|-----------------------------------------------------------------|-----------------------|
| [Widget Create](/developers/events/gateway-events#widget-create) | Widget was created    |
{more_events}

#### Widget Create

Sent when a widget is created. The inner payload is a [widget](/developers/resources/widget#widget-object) object with the following extra fields:

###### Widget Create Extra Fields

| Field     | Type      | Description         |
|-----------|-----------|---------------------|
| guild_id? | snowflake | the guild, if any   |
"""

WIDGET_FIELDS = """      id: {type: snowflake, doc: "Id"}
      name: {type: string, doc: "Name"}
      owner?: {type: "?Gadget", doc: "Owner"}
      tags: {type: "string[]", doc: "Tags"}
      kind: {type: WidgetKind, doc: "Kind"}
      flags?: {type: WidgetFlags, doc: "Flags"}
      created_at: {type: timestamp, doc: "Creation time"}
      parts: {type: "Gadget[]", doc: "Gadgets"}
"""

SCHEMA = """types:
  Widget:
    doc: A widget.
    docs: https://discord.com/developers/docs/resources/widget#widget-object
    fields:
{widget_fields}{extra_types}
  Gadget:
    doc: A gadget.
    docs: https://discord.com/developers/docs/resources/widget#gadget-object
    fields:
      id: {type: snowflake, doc: "Id"}
      label?: {type: string, doc: "Label"}

enums:
  WidgetKind:
    doc: Kind of widget.
    docs: https://discord.com/developers/docs/resources/widget#widget-object-widget-kinds
    type: int
    values:
      PLAIN: 0
      FANCY: 1

flags:
  WidgetFlags:
    doc: Widget flags.
    docs: https://discord.com/developers/docs/resources/widget#widget-object-widget-flags
    type: int
    values:
      SHINY: 0
      BIG: 2
"""

EVENTS = """events:
  - name: WIDGET_CREATE
    doc: A widget was created.
    docs: https://discord.com/developers/docs/events/gateway-events#widget-create
    extends: Widget
    fields:
      guild_id?: {type: snowflake, doc: "Guild"}
"""


class Ctx:
    def __init__(self, src):
        self.tool = os.path.join(src, "codegen", "docs_diff.py")


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def fill(template, **parts):
    """str.format without it: the MDX and YAML templates are full of braces."""
    for k, v in parts.items():
        template = template.replace("{" + k + "}", v)
    return template


def setup(tmp, extra_rows="", extra_kinds="", extra_flags="", widget_fields=WIDGET_FIELDS, extra_types="",
          events=True, after_table="", more_events=""):
    """Writes the docs checkout and the schema; returns (docs dir, schema dir)."""
    docs = os.path.join(tmp, "discord-api-docs")
    schema = os.path.join(tmp, "schema")
    write(os.path.join(docs, "developers", "resources", "widget.mdx"),
          fill(WIDGET_PAGE, extra_rows=extra_rows, extra_kinds=extra_kinds, extra_flags=extra_flags,
               after_table=after_table))
    write(os.path.join(docs, "developers", "events", "gateway-events.mdx"), fill(EVENTS_PAGE, more_events=more_events))
    write(os.path.join(schema, "types", "widget.yaml"),
          fill(SCHEMA, widget_fields=widget_fields, extra_types=extra_types))
    if events:
        write(os.path.join(schema, "events", "widget.yaml"), EVENTS)
    return docs, schema


def run(ctx, *args):
    return subprocess.run([PYTHON, ctx.tool, *args], capture_output=True, text=True)


def drift_lines(out):
    """The report's finding lines, as (category, text)."""
    res = []
    for line in out.splitlines():
        parts = line.split(None, 1)
        if line.startswith("  ") and parts and parts[0] in ("missing", "extra", "mismatch", "anchor", "unchecked"):
            res.append((parts[0], parts[1] if len(parts) > 1 else ""))
    return res


def expect(r, code, name):
    check(r.returncode == code, f"{name}: exit {r.returncode}, expected {code}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}")


def expect_only(r, wanted, name):
    """Exactly these findings: every (category, fragment) matches a line and no line is left over."""
    lines = drift_lines(r.stdout)
    left = list(lines)
    for cat, frag in wanted:
        hit = next((l for l in left if l[0] == cat and frag in l[1]), None)
        check(hit is not None, f"{name}: no '{cat}' line with {frag!r} in:\n{r.stdout}")
        left.remove(hit)
    check(not left, f"{name}: unexpected findings {left} in:\n{r.stdout}")


def case_clean_match(ctx, tmp):
    docs, schema = setup(tmp)
    r = run(ctx, docs, "--schema", schema)
    expect(r, 0, "clean match")
    expect_only(r, [], "clean match")
    check("0 anchor, 0 missing, 0 extra, 0 mismatch" in r.stdout, f"summary line:\n{r.stdout}")
    # --all lists the matching entries too, each with the table it was compared with.
    r = run(ctx, docs, "--schema", schema, "--all")
    expect(r, 0, "clean match --all")
    check("type Widget" in r.stdout and "widget.mdx:" in r.stdout and "(Widget Structure)" in r.stdout,
          f"--all does not show Widget and its table:\n{r.stdout}")
    check("(Gadget Structure)" in r.stdout, f"the heading anchor #gadget-object did not reach its table:\n{r.stdout}")


def case_missing_field(ctx, tmp):
    docs, schema = setup(tmp, extra_rows="| color?        | ?integer | the colour |\n")
    r = run(ctx, docs, "--schema", schema)
    expect(r, 1, "missing field")
    expect_only(r, [("missing", "color?: ?integer")], "missing field")
    check("type Widget" in r.stdout, f"the finding is not under type Widget:\n{r.stdout}")


def case_extra_field(ctx, tmp):
    docs, schema = setup(tmp, widget_fields=WIDGET_FIELDS + '      size?: {type: int, doc: "Size"}\n')
    r = run(ctx, docs, "--schema", schema)
    expect(r, 1, "extra field")
    expect_only(r, [("extra", "size?: int")], "extra field")


def case_optional_and_nullable_mismatch(ctx, tmp):
    # The docs say owner? (may be absent) and ?gadget (may be null); the schema says neither.
    fields = WIDGET_FIELDS.replace('owner?: {type: "?Gadget"', 'owner: {type: Gadget')
    docs, schema = setup(tmp, widget_fields=fields)
    r = run(ctx, docs, "--schema", schema)
    expect(r, 1, "optional/nullable mismatch")
    expect_only(r, [("mismatch", "owner: optional in the docs, required in the schema"),
                    ("mismatch", "owner: nullable in the docs, not nullable in the schema")],
                "optional/nullable mismatch")


def case_type_mismatch(ctx, tmp):
    fields = (WIDGET_FIELDS.replace('name: {type: string', 'name: {type: int')
              .replace('tags: {type: "string[]"', 'tags: {type: string')
              .replace('created_at: {type: timestamp', 'created_at: {type: string'))
    docs, schema = setup(tmp, widget_fields=fields)
    r = run(ctx, docs, "--schema", schema)
    expect(r, 1, "type mismatch")
    expect_only(r, [("mismatch", 'name: type: docs "string", schema "int"'),
                    ("mismatch", 'tags: type: docs "array of strings", schema "string" (array)'),
                    ("mismatch", 'created_at: type: docs "ISO8601 timestamp", schema "string"')],
                "type mismatch")


def case_object_link_mismatch_is_unchecked(ctx, tmp):
    # parts links the gadget object; a schema type documented elsewhere is not a confident
    # mismatch (it may be a partial of it), so it is reported as unchecked and does not fail,
    # unless --strict.
    extra = ("\n  Sprocket:\n    doc: A sprocket.\n"
             "    docs: https://discord.com/developers/docs/resources/widget#gadget-object\n"
             "    fields:\n      id: {type: snowflake, doc: \"Id\"}\n      label?: {type: string, doc: \"Label\"}\n")
    fields = WIDGET_FIELDS.replace('parts: {type: "Gadget[]"', 'parts: {type: "Sprocket[]"')
    docs, schema = setup(tmp, widget_fields=fields, extra_types=extra)
    r = run(ctx, docs, "--schema", schema)
    expect(r, 0, "same anchor, other type")  # Sprocket shares Gadget's anchor: the link names it
    expect_only(r, [], "same anchor, other type")
    fields = WIDGET_FIELDS.replace('parts: {type: "Gadget[]"', 'parts: {type: "Widget[]"')
    docs, schema = setup(os.path.join(tmp, "b"), widget_fields=fields)
    r = run(ctx, docs, "--schema", schema)
    expect(r, 0, "other object")
    expect_only(r, [("unchecked", 'parts: type: docs "array of gadget objects", schema "Widget[]"')], "other object")
    r = run(ctx, docs, "--schema", schema, "--strict")
    expect(r, 1, "other object --strict")
    fields = WIDGET_FIELDS.replace('parts: {type: "Gadget[]"', 'parts: {type: "string[]"')
    docs, schema = setup(os.path.join(tmp, "c"), widget_fields=fields)
    r = run(ctx, docs, "--schema", schema)
    expect(r, 1, "object vs scalar")
    expect_only(r, [("mismatch", 'parts: type: docs "array of gadget objects", schema "string[]"')], "object vs scalar")


def case_unknown_docs_type(ctx, tmp):
    docs, schema = setup(tmp, extra_rows="| extra_data    | mixed (anything goes) | free-form |\n",
                         widget_fields=WIDGET_FIELDS + '      extra_data: {type: string, doc: "Data"}\n')
    r = run(ctx, docs, "--schema", schema)
    expect(r, 0, "unknown docs type")
    expect_only(r, [("unchecked", 'extra_data: type: docs "mixed (anything goes)", schema "string"')],
                "unknown docs type")
    r = run(ctx, docs, "--schema", schema, "--strict")
    expect(r, 1, "unknown docs type --strict")


def case_missing_enum_and_flags_values(ctx, tmp):
    docs, schema = setup(tmp, extra_kinds="| 2     | SPARKLY | sparkly |\n",
                         extra_flags="| HUGE   | `1 << 5` | huge        |\n")
    r = run(ctx, docs, "--schema", schema)
    expect(r, 1, "missing enum value")
    expect_only(r, [("missing", "SPARKLY = 2"), ("missing", "HUGE = 1 << 5")], "missing enum value")
    check("enum WidgetKind" in r.stdout and "flags WidgetFlags" in r.stdout, r.stdout)


def case_extra_enum_value(ctx, tmp):
    docs, schema = setup(tmp)
    path = os.path.join(schema, "types", "widget.yaml")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    write(path, text.replace("      FANCY: 1\n", "      FANCY: 1\n      RETIRED: 7\n"))
    r = run(ctx, docs, "--schema", schema)
    expect(r, 1, "extra enum value")
    expect_only(r, [("extra", "RETIRED = 7")], "extra enum value")


def case_undocumented_field_not_reported(ctx, tmp):
    fields = WIDGET_FIELDS + '      _trace?: {type: "string[]", doc: "Undocumented; observed in captures"}\n'
    docs, schema = setup(tmp, widget_fields=fields)
    r = run(ctx, docs, "--schema", schema)
    expect(r, 0, "undocumented field")
    expect_only(r, [], "undocumented field")
    # Once the docs list it, the schema's "Undocumented" is stale: that is reported.
    docs, schema = setup(os.path.join(tmp, "b"), widget_fields=fields,
                         extra_rows="| _trace?       | array of strings | debug data |\n")
    r = run(ctx, docs, "--schema", schema)
    expect(r, 1, "undocumented field now documented")
    expect_only(r, [("mismatch", "_trace: the schema calls it undocumented; the docs list it")],
                "undocumented field now documented")


def case_unresolvable_anchor(ctx, tmp):
    extra = ("\n  Ghost:\n    doc: Not in the docs.\n"
             "    docs: https://discord.com/developers/docs/resources/widget#ghost-object\n"
             "    fields:\n      id: {type: snowflake, doc: \"Id\"}\n"
             "\n  Phantom:\n    doc: On no page.\n"
             "    docs: https://discord.com/developers/docs/resources/phantom#phantom-object\n"
             "    fields:\n      id: {type: snowflake, doc: \"Id\"}\n")
    docs, schema = setup(tmp, extra_types=extra)
    r = run(ctx, docs, "--schema", schema)
    expect(r, 1, "unresolvable anchor")
    expect_only(r, [("anchor", "anchor '#ghost-object' not found in developers/resources/widget.mdx"),
                    ("anchor", "no page for 'resources/phantom'")], "unresolvable anchor")
    check("type Ghost" in r.stdout and "type Phantom" in r.stdout, f"the types are not named:\n{r.stdout}")


def case_event_extra_fields(ctx, tmp):
    # An event "is a widget object with the following extra fields": its own fields are
    # compared with the extra-fields table; the widget's with the widget table, once.
    docs, schema = setup(tmp)
    path = os.path.join(schema, "events", "widget.yaml")
    write(path, EVENTS.replace('      guild_id?: {type: snowflake, doc: "Guild"}\n',
                               '      guild_id: {type: snowflake, doc: "Guild"}\n'
                               '      channel_id?: {type: snowflake, doc: "Channel"}\n'))
    r = run(ctx, docs, "--schema", schema)
    expect(r, 1, "event extra fields")
    expect_only(r, [("mismatch", "guild_id: optional in the docs, required in the schema"),
                    ("extra", "channel_id?: snowflake")], "event extra fields")
    check("event WIDGET_CREATE" in r.stdout, r.stdout)


def case_event_missing_from_schema(ctx, tmp):
    # An event the schema lacks has no entry of its own: the docs' list of receive events
    # reports it. Hello is a receive opcode listed with them, not an event.
    more = ("| [Widget Delete](/developers/events/gateway-events#widget-delete) | Widget was deleted |\n"
            "| [Hello](/developers/events/gateway-events#hello) | Heartbeat interval |\n")
    docs, schema = setup(tmp, more_events=more)
    write(os.path.join(schema, "gateway.yaml"),
          "opcodes:\n  - name: Hello\n    value: 10\n    direction: receive\n    doc: Sent on connection.\n"
          "    docs: https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-opcodes\n")
    r = run(ctx, docs, "--schema", schema)
    expect(r, 1, "event missing from the schema")
    expect_only(r, [("missing", "WIDGET_DELETE"),
                    ("anchor", "no page for 'topics/opcodes-and-status-codes'")], "event missing from the schema")


def case_partial_type_shares_table(ctx, tmp):
    # PartialWidget is documented by the widget table but carries only some fields, all
    # optional: neither the left-out fields nor their optionality is drift.
    extra = ("\n  PartialWidget:\n    doc: A partial widget.\n"
             "    docs: https://discord.com/developers/docs/resources/widget#widget-object\n"
             "    fields:\n      id: {type: snowflake, doc: \"Id\"}\n      name?: {type: string, doc: \"Name\"}\n")
    docs, schema = setup(tmp, extra_types=extra)
    r = run(ctx, docs, "--schema", schema)
    expect(r, 0, "partial type")
    # Its nullability still counts.
    docs, schema = setup(os.path.join(tmp, "b"), extra_types=extra.replace('name?: {type: string', 'name?: {type: "?string"'))
    r = run(ctx, docs, "--schema", schema)
    expect(r, 1, "partial type nullability")
    expect_only(r, [("mismatch", "name: not nullable in the docs, nullable in the schema")], "partial type nullability")


def case_link_to_the_containing_table(ctx, tmp):
    # WidgetHolder's docs link names the widget table, where `holder` is a "partial gadget
    # object": the checker follows the row's link and compares WidgetHolder with the gadget
    # table as a part of it. `shine` is not in that table; the row's footnote names it.
    row = "| holder? \\*   | partial [gadget](/developers/resources/widget#gadget-object) object | who holds it |\n"
    note = "\\* The holder also carries a `shine` field.\n"
    extra = ("\n  WidgetHolder:\n    doc: The partial gadget holding a widget.\n"
             "    docs: https://discord.com/developers/docs/resources/widget#widget-object\n"
             "    fields:\n      id: {type: snowflake, doc: \"Id\"}\n      shine?: {type: bool, doc: \"Shine\"}\n")
    fields = WIDGET_FIELDS + '      holder?: {type: WidgetHolder, doc: "Holder"}\n'
    docs, schema = setup(tmp, extra_rows=row, after_table=note, widget_fields=fields, extra_types=extra)
    r = run(ctx, docs, "--schema", schema, "--all")
    expect(r, 0, "container link")
    expect_only(r, [], "container link")
    check("via Widget.holder" in r.stdout and "(Gadget Structure)" in r.stdout,
          f"WidgetHolder was not compared with the gadget table:\n{r.stdout}")
    docs, schema = setup(os.path.join(tmp, "b"), extra_rows=row, widget_fields=fields, extra_types=extra)
    r = run(ctx, docs, "--schema", schema)
    expect(r, 1, "container link without the footnote")
    expect_only(r, [("extra", "shine?: bool")], "container link without the footnote")


def case_row_adds_a_field(ctx, tmp):
    # "array of gadget objects, optionally with an additional partial owner field" (Discord's
    # MESSAGE_CREATE mentions): the element type must have the added field. Fan (a gadget
    # with owner) is compared with the gadget table and its owner is documented by the row.
    row = ("| fans?         | array of [gadget](/developers/resources/widget#gadget-object) objects, optionally "
           "with an additional partial [owner](/developers/resources/widget#gadget-object) field | fans |\n")
    extra = ("\n  Fan:\n    doc: A gadget that is a fan of a widget.\n"
             "    docs: https://discord.com/developers/docs/resources/widget#widget-object\n"
             "    extends: Gadget\n"
             "    fields:\n      owner?: {type: Gadget, doc: \"Owner\"}\n")
    fields = WIDGET_FIELDS + '      fans?: {type: "Fan[]", doc: "Fans"}\n'
    docs, schema = setup(tmp, extra_rows=row, widget_fields=fields, extra_types=extra)
    r = run(ctx, docs, "--schema", schema, "--all")
    expect(r, 0, "row adds a field")
    expect_only(r, [], "row adds a field")
    check("via Widget.fans" in r.stdout, f"Fan was not compared with the gadget table:\n{r.stdout}")
    # A plain gadget array loses the owner: that is drift.
    fields = WIDGET_FIELDS + '      fans?: {type: "Gadget[]", doc: "Fans"}\n'
    docs, schema = setup(os.path.join(tmp, "b"), extra_rows=row, widget_fields=fields)
    r = run(ctx, docs, "--schema", schema)
    expect(r, 1, "row adds a field the type lacks")
    expect_only(r, [("mismatch", "fans: the docs add `owner` to the array of gadget objects; Gadget has no `owner` field")],
                "row adds a field the type lacks")


REQUEST_SECTION = """
### Widget Request

<ManualAnchor id="widget-request-structure" />
###### Widget Request Structure

| Field    | Type      | Description         | Required                   |
|----------|-----------|---------------------|----------------------------|
| guild_id | snowflake | the guild           | true                       |
| query?   | string    | what to look for    | one of query or ids        |
| limit    | integer   | how many            | true when specifying query |
"""


def case_conditionally_required(ctx, tmp):
    # A "Required" cell such as "true when specifying query": the schema may make it optional.
    extra = ("\n  WidgetRequest:\n    doc: A request for widgets.\n"
             "    docs: https://discord.com/developers/docs/resources/widget#widget-request-structure\n"
             "    fields:\n      guild_id: {type: snowflake, doc: \"Guild\"}\n"
             "      query?: {type: string, doc: \"Query\"}\n      limit?: {type: int, doc: \"Limit\"}\n")
    docs, schema = setup(tmp, after_table=REQUEST_SECTION, extra_types=extra)
    r = run(ctx, docs, "--schema", schema)
    expect(r, 0, "conditionally required")
    expect_only(r, [], "conditionally required")
    # "true" is not conditional.
    docs, schema = setup(os.path.join(tmp, "b"), after_table=REQUEST_SECTION,
                         extra_types=extra.replace("guild_id: {type", "guild_id?: {type"))
    r = run(ctx, docs, "--schema", schema)
    expect(r, 1, "required column true")
    expect_only(r, [("mismatch", "guild_id: required in the docs, optional in the schema")], "required column true")


def case_null_observed(ctx, tmp):
    # The docs say string; the schema makes it nullable and its doc says where null was seen.
    fields = WIDGET_FIELDS.replace('name: {type: string, doc: "Name"}',
                                   'name: {type: "?string", doc: "Name; null observed in captures"}')
    docs, schema = setup(tmp, widget_fields=fields)
    r = run(ctx, docs, "--schema", schema)
    expect(r, 0, "null observed")
    expect_only(r, [], "null observed")
    r = run(ctx, docs, "--schema", schema, "--strict")
    expect(r, 1, "null observed --strict")
    expect_only(r, [("unchecked", "name: nullable in the schema, not in the docs")], "null observed --strict")
    # Without the evidence it is a mismatch.
    fields = WIDGET_FIELDS.replace('name: {type: string', 'name: {type: "?string"')
    docs, schema = setup(os.path.join(tmp, "b"), widget_fields=fields)
    r = run(ctx, docs, "--schema", schema)
    expect(r, 1, "nullable without evidence")
    expect_only(r, [("mismatch", "name: not nullable in the docs, nullable in the schema")], "nullable without evidence")


THING_PAGE = """---
title: Thing Resource
---

import {ManualAnchor} from '/snippets/manualanchor.jsx'

### Thing Object

| Type | Name                                             | Description |
|------|--------------------------------------------------|-------------|
| 1    | [Thing A](/developers/resources/thing#thing-a-structure) | one kind    |
| 2    | [Thing B](/developers/resources/thing#thing-b-structure) | another     |

### Thing A

<ManualAnchor id="thing-a-structure" />
###### Thing A Structure

| Field  | Type    | Description |
|--------|---------|-------------|
| type   | integer | 1           |
| value? | string  | a text      |

### Thing B

<ManualAnchor id="thing-b-structure" />
###### Thing B Structure

| Field  | Type    | Description          |
|--------|---------|----------------------|
| type   | integer | 2                    |
| value? | {btype} | a choice, if any     |
"""

THING_SCHEMA = """types:
  Thing:
    doc: A thing of one of two kinds.
    docs: https://discord.com/developers/docs/resources/thing#thing-object
    fields:
      type: {type: int, doc: "Kind"}
      value?: {type: "?string", doc: "Value"}
"""


def case_union_nullable_in_one_variant(ctx, tmp):
    # One struct for two variants: `value` is null in variant B only, so the union's field is
    # nullable (a modal's radio group value next to a text input's).
    for sub, btype, code, wanted in (("a", "?string", 0, []),
                                     ("b", "string", 1, [("mismatch", "value: not nullable in the docs, nullable")])):
        docs, schema = setup(os.path.join(tmp, sub))
        write(os.path.join(docs, "developers", "resources", "thing.mdx"), fill(THING_PAGE, btype=btype))
        write(os.path.join(schema, "types", "thing.yaml"), THING_SCHEMA)
        r = run(ctx, docs, "--schema", schema)
        expect(r, code, f"union variant {btype}")
        expect_only(r, wanted, f"union variant {btype}")


def case_usage_errors(ctx, tmp):
    docs, schema = setup(tmp)
    r = run(ctx, os.path.join(tmp, "nowhere"), "--schema", schema)
    expect(r, 2, "missing checkout")
    check("not a directory" in r.stderr, r.stderr)
    empty = os.path.join(tmp, "empty")
    os.makedirs(empty)
    r = run(ctx, empty, "--schema", schema)
    expect(r, 2, "checkout without Markdown")
    path = os.path.join(schema, "types", "widget.yaml")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    write(path, text.replace("kind: {type: WidgetKind", "kind: {type: WidgetSort"))
    r = run(ctx, docs, "--schema", schema)
    expect(r, 2, "broken schema")
    check("schema error" in r.stderr and "WidgetSort" in r.stderr, r.stderr)


CASES = [
    case_clean_match,
    case_missing_field,
    case_extra_field,
    case_optional_and_nullable_mismatch,
    case_type_mismatch,
    case_object_link_mismatch_is_unchecked,
    case_unknown_docs_type,
    case_missing_enum_and_flags_values,
    case_extra_enum_value,
    case_undocumented_field_not_reported,
    case_unresolvable_anchor,
    case_event_extra_fields,
    case_event_missing_from_schema,
    case_partial_type_shares_table,
    case_link_to_the_containing_table,
    case_row_adds_a_field,
    case_conditionally_required,
    case_null_observed,
    case_union_nullable_in_one_variant,
    case_usage_errors,
]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin-dir", required=False)
    ap.add_argument("--source-dir", required=True)
    args = ap.parse_args(argv)
    ctx = Ctx(os.path.abspath(args.source_dir))
    return run_cases(CASES, ctx, "dgw_docs_diff_")


if __name__ == "__main__":
    sys.exit(main())
