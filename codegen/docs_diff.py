#!/usr/bin/env python3
"""Compares schema/ with a local checkout of discord/discord-api-docs and prints the drift.

    docs_diff.py DOCS_CHECKOUT [--schema DIR] [--strict] [--all]

Every type, event, command, enum and flags set of the schema names its docs section with
`docs:` (https://discord.com/developers/docs/<page>#<anchor>). The page is looked up in the
checkout (developers/<page>.mdx, or the older docs/<Page>.md layout), the anchor at a
<ManualAnchor id=...>, a heading's slug or the old site's joined "<parent>-<heading>" form,
and the first field table (or values table) of that section is compared with the entry:

  - an event that extends a type and whose table lists "extra fields" is compared on its own
    fields; one whose payload is just its base ("the inner payload is a channel object") is
    left to the base; "the same extra fields as [X]" is followed;
  - a partial type (called partial, or sharing the table of a bigger object) is not expected
    to have every field, nor the docs' required ones as required;
  - a type whose link names the table of the object that holds it (ApplicationGuild ->
    the application table's `guild` row) is compared with the table that row links to;
  - a type documented as variants (Component: the component types table links one section
    per component) is compared with the union of the variants' tables; a field nullable in
    one variant is nullable in the union;
  - a row whose type adds a field to the linked object ("array of user objects, optionally
    with an additional partial member field") needs the schema's element type to have that
    field; a type linked to such a row is compared with the linked object's table, the added
    field counting as documented;
  - a "Required" column that says "true when ..." or "one of ..." makes a field required only
    in some requests: the schema may make it optional;
  - gateway.yaml's opcodes and close codes (values, direction, reconnect) and intents (bits
    and their events, from the docs' code block), and the docs' table of receive events
    against the schema's events.

Per entry it prints:

    missing   a documented field or enum/flags value the schema lacks
    extra     a schema field or value the docs do not list (fields whose doc starts with
              "Undocumented" are expected to be absent and are not reported)
    mismatch  optional (`name?`), nullable (`?type`) or type differs (a field the schema makes
              nullable against the docs is not reported when its doc says "null observed in ...")
    anchor    the docs link names a page or anchor the checkout does not have
    unchecked a comparison the checker cannot make with confidence (a docs type it cannot
              map, a table that does not describe the entry); informational

Exit status: 0 when nothing differs, 1 when anything does (with --strict, `unchecked` lines
count too), 2 on a usage or schema error. Standard library plus the schema loader's PyYAML.
"""
import argparse
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from schema_model import SCALARS, SchemaError, load_schema  # noqa: E402

DOCS_URL = "https://discord.com/developers/docs/"


def norm_key(s):
    """Anchors and page paths compared without case or punctuation: the docs site's slugs,
    the old site's anchors and ManualAnchor ids disagree on '_', '.' and '-'."""
    return re.sub(r"[^a-z0-9]", "", s.lower())


def slug(text):
    s = re.sub(r"<[^>]+>", "", text).strip().lower()
    s = re.sub(r"[^a-z0-9 _-]", "", s)
    return re.sub(r"[\s-]+", "-", s).strip("-")


# ---------------------------------------------------------------------------------------
# Markdown pages

LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]*)(?:\s+\"[^\"]*\")?\)")


def parse_href(href, page):
    """A docs link -> (page, anchor) in the schema's URL terms, or None for other sites."""
    if href.startswith(DOCS_URL):
        href = href[len(DOCS_URL):]
    elif href.startswith("#DOCS_"):
        # The old docs' internal form: #DOCS_RESOURCES_USER/user-object.
        m = re.match(r"#DOCS_([A-Z_]+)/(.*)", href)
        if not m:
            return None
        parts = m.group(1).lower().split("_", 1)
        href = "/".join(p.replace("_", "-") for p in parts) + "#" + m.group(2)
    elif href.startswith("/developers/"):
        href = href[len("/developers/"):]
    elif href.startswith("/docs/"):
        href = href[len("/docs/"):]
    elif href.startswith("#"):
        return (page, href[1:])
    else:
        return None
    path, _, anchor = href.partition("#")
    return (path.strip("/"), anchor)


class Table:
    def __init__(self, line, header, rows, heading):
        self.line = line  # 1-based line of the header row
        self.header = header
        self.rows = rows
        self.heading = heading  # text of the heading the table sits under

    def column(self, *names):
        for i, h in enumerate(self.header):
            if clean_text(h).lower() in names:
                return i
        return None

    def numeric_columns(self):
        out = []
        for i in range(len(self.header)):
            cells = [r[i] for r in self.rows if i < len(r) and r[i].strip()]
            if cells and sum(1 for c in cells if parse_int_cell(c, False) or parse_int_cell(c, True)) * 10 >= len(cells) * 8:
                out.append(i)
        return out

    @property
    def conditional(self):
        """A table whose rows each belong to some variants only (audit log entry info per event
        type, trigger metadata per trigger type): its unmarked rows are not always present."""
        return any(re.fullmatch(r"associated .*|(?:event|trigger|action|channel|valid) types?|present",
                                clean_text(h).lower()) for h in self.header)

    @property
    def is_fields(self):
        f = self.column("field", "name", "parameter")
        t = self.column("type")
        # "| Name | Type | Description |" is also how enum tables with numeric Type are headed.
        return f is not None and t is not None and t not in self.numeric_columns()


class Page:
    """One Markdown/MDX file: headings, anchors, tables and prose in document order."""

    def __init__(self, path, rel, page_key):
        self.path = path
        self.rel = rel
        self.key = page_key
        self.blocks = []  # ("heading", level, text, line) | ("table", Table) | ("text", line) | ("code", lines)
        # An explicit <ManualAnchor id> wins over a heading's own slug, which wins over the
        # old site's joined form: the joined forms of common headings ("Examples") collide.
        self.anchor_maps = ({}, {}, {})  # norm_key(anchor) -> (block index, section level)
        with open(path, encoding="utf-8") as f:
            self._parse(f.read().splitlines())

    def _parse(self, lines):
        explicit, own_map, joined = self.anchor_maps
        fence = None
        pending_ids = []
        stack = []  # (level, slug) of the enclosing headings
        current_heading = ""
        i = 0
        while i < len(lines):
            line = lines[i]
            s = line.strip()
            m = re.match(r"(`{3,}|~{3,})", s)
            if m:
                if fence is None:
                    fence = m.group(1)
                    self.blocks.append(("code", []))
                elif s.startswith(fence):
                    fence = None
                i += 1
                continue
            if fence is not None:
                self.blocks[-1][1].append(line)  # the list of intents is a code block
                i += 1
                continue
            ids = re.findall(r"<ManualAnchor\s+id=[\"']([^\"']+)[\"']", s)
            if ids:
                pending_ids.extend(ids)
                i += 1
                continue
            m = re.match(r"(#{1,6})\s+(.*?)\s*#*\s*$", s)
            if m:
                level, text = len(m.group(1)), m.group(2)
                idx = len(self.blocks)
                self.blocks.append(("heading", level, text, i + 1))
                while stack and stack[-1][0] >= level:
                    stack.pop()
                own = slug(text)
                # The docs site derives an anchor from the heading; the links in the schema
                # (and the docs' own cross-links) use the old site's form, the enclosing
                # heading's slug and this one's joined ("user-object-premium-types").
                own_map.setdefault(norm_key(own), (idx, level))
                for _, anc in stack:
                    joined.setdefault(norm_key(f"{anc}-{own}"), (idx, level))
                for n in pending_ids:
                    explicit.setdefault(norm_key(n), (idx, level))
                pending_ids = []
                stack.append((level, own))
                current_heading = text
                i += 1
                continue
            if s.startswith("|"):
                start = i
                rows = []
                while i < len(lines) and lines[i].strip().startswith("|"):
                    rows.append(split_row(lines[i]))
                    i += 1
                if len(rows) >= 2 and all(re.fullmatch(r":?-{2,}:?", c.strip()) for c in rows[1] if c.strip()):
                    idx = len(self.blocks)
                    self.blocks.append(("table", Table(start + 1, rows[0], rows[2:], current_heading)))
                    # An anchor right before a table (no heading between) names that table alone.
                    for n in pending_ids:
                        explicit.setdefault(norm_key(n), (idx, 7))
                    pending_ids = []
                continue
            if s:
                self.blocks.append(("text", s))
            i += 1

    def section(self, anchor):
        """Blocks of the section an anchor names, in order; None when the anchor is unknown."""
        k = norm_key(anchor)
        hit = next((m[k] for m in self.anchor_maps if k in m), None)
        if hit is None:
            return None
        idx, level = hit
        if level == 7:
            return [self.blocks[idx]]
        out = []
        for b in self.blocks[idx + 1:]:
            if b[0] == "heading" and b[1] <= level:
                break
            out.append(b)
        return out


def split_row(line):
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    cells, cur, i = [], "", 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s) and s[i + 1] == "|":
            cur += "|"
            i += 2
            continue
        if c == "|":
            cells.append(cur.strip())
            cur = ""
        else:
            cur += c
        i += 1
    cells.append(cur.strip())
    return cells


def clean_text(s):
    """Table cell -> plain text: links to their text, no emphasis, escapes or footnote marks."""
    s = re.sub(r"<sup>.*?</sup>", "", s)
    s = re.sub(r"\\?\[(?:\d+|n|\^\w+)\\?\](?!\()", "", s)
    s = LINK.sub(lambda m: m.group(1), s)
    s = re.sub(r"<[^>]+>", " ", s)
    s = s.replace("\\*", "").replace("\\_", "_").replace("`", "")
    s = re.sub(r"\*+", "", s)
    s = s.replace("\\", "")
    return re.sub(r"\s+", " ", s).strip()


class Docs:
    """The checkout: pages found by their URL path, parsed on first use."""

    def __init__(self, root):
        self.root = root
        self.index = {}
        for dirpath, dirnames, names in os.walk(root):
            dirnames[:] = [d for d in dirnames if not d.startswith(".") and d != "node_modules"]
            for n in names:
                if not n.endswith((".md", ".mdx")):
                    continue
                full = os.path.join(dirpath, n)
                rel = os.path.relpath(full, root).replace(os.sep, "/")
                key = rel.rsplit(".", 1)[0]
                for prefix in ("developers/", "docs/"):
                    if key.startswith(prefix):
                        key = key[len(prefix):]
                        break
                # developers/ (the current layout) wins over docs/ (the old one) and .mdx over .md.
                nk = "/".join(norm_key(p) for p in key.split("/"))
                prio = (0 if rel.startswith("developers/") else 1, 0 if n.endswith(".mdx") else 1)
                if nk not in self.index or prio < self.index[nk][0]:
                    self.index[nk] = (prio, full, rel)
        self.pages = {}

    def page(self, path):
        nk = "/".join(norm_key(p) for p in path.strip("/").split("/"))
        if nk not in self.index:
            return None
        if nk not in self.pages:
            _, full, rel = self.index[nk]
            self.pages[nk] = Page(full, rel, path)
        return self.pages[nk]


# ---------------------------------------------------------------------------------------
# Docs types

class DocType:
    """A docs type cell, read as far as it can be with confidence.

    levels: "array" / "map" from the outside in. base: snowflake | string | int | double |
    number | bool | timestamp | object | link (a type named only by its link) | null (the
    docs' `null` type: present means true) | None (not understood: only nullability and
    array levels are then compared). link: (page, anchor) when the cell has one link."""

    WORDS = {
        "snowflake": "snowflake", "snowflakes": "snowflake",
        "string": "string", "strings": "string",
        "integer": "int", "integers": "int", "int": "int", "ints": "int",
        "float": "double", "floats": "double", "double": "double",
        "number": "number", "numbers": "number",
        "boolean": "bool", "booleans": "bool", "bool": "bool",
        "iso8601 timestamp": "timestamp", "iso8601 timestamps": "timestamp", "timestamp": "timestamp",
        "is08601 timestamp": "timestamp", "iso8601": "timestamp",
        "null": "null",
        "object": "object", "objects": "object",
    }

    # "array of [user](...) objects, optionally with an additional partial [member](...) field":
    # each element is the linked object plus the named field.
    ADDS = re.compile(r",?\s*(?:optionally\s+)?with\s+an?\s+additional\s+(?:partial\s+)?"
                      r"(?:\[([A-Za-z_][A-Za-z0-9_]*)\]\([^)]*\)|`?([A-Za-z_][A-Za-z0-9_]*)`?)\s+(?:field|object)\s*$")

    def __init__(self, raw, page):
        self.raw = raw
        self.adds = []  # fields the docs add to the linked object, in this row only
        self.conditional = False  # required only in some cases (a "Required" cell such as "true when ...")
        m = self.ADDS.search(raw)
        if m:
            self.adds.append(m.group(1) or m.group(2))
            raw = raw[:m.start()]
        links = [parse_href(m.group(2), page) for m in LINK.finditer(raw)]
        links = [l for l in links if l]
        self.link = links[0] if len(links) == 1 else None
        t = clean_text(raw).lower()
        # A trailing remark ("?string (can be null only in reaction emoji objects)") does
        # not change the type.
        t = re.sub(r"\s*\([^()]*\)$", "", t)
        t = re.sub(r"^(an?|the)\s+", "", t)
        self.nullable = t.startswith("?")
        t = t.lstrip("?").strip()
        self.levels = []
        self.partial = False
        self.base = None
        self.arrays_sure = True
        while True:
            t = re.sub(r"^(an?|the)\s+", "", t)
            m = re.match(r"(?:array|list)s?\s+of\s+(.*)$", t)
            if m:
                self.levels.append("array")
                t = m.group(1).strip()
                continue
            m = re.match(r"(?:map|dictionary|dict|object)\s+(?:of|with keys of|mapping)\s+.*?\bto\s+(.*)$", t)
            if m:
                self.levels.append("map")
                t = m.group(1).strip()
                continue
            if re.match(r"(?:map|dictionary|dict)\b", t):
                self.levels.append("map")
                t = ""
                break
            if t.endswith("[]"):
                self.levels.append("array")
                t = t[:-2].strip()
                continue
            break
        if t.startswith("?"):
            # "array of ?x": a nullable element, which the schema cannot say; compare the rest.
            t = t[1:].strip()
        if t.startswith("partial "):
            self.partial = True
            t = t[len("partial "):]
        t = re.sub(r"^(?:two|three|\d+)\s+", "", t)  # "array of two integers (shard_id, num_shards)"
        if " or " in t or "," in t:
            pass  # "snowflake or integer", "A or B object": a choice the schema cannot state
        elif t in self.WORDS:
            self.base = self.WORDS[t]
        elif t == "array":
            self.levels.append("array")
            self.arrays_sure = False  # an array of what, the docs do not say
        elif re.fullmatch(r"[a-z0-9 _\-'.]*\s+(?:object\s+)?ids?", t):
            self.base = "snowflake"  # "array of [role](...) object ids"
        elif self.link and re.fullmatch(r"[a-z0-9 _\-'.]+?(?:\s+(?:object|objects|strings|integers|snowflakes))?", t):
            # "[user](...) object", "array of [guild feature](...) strings", "[integration expire
            # behavior](...)": the link names the type.
            tail = t.rsplit(" ", 1)[-1]
            self.base = {"strings": "string", "integers": "int", "snowflakes": "snowflake",
                         "object": "object", "objects": "object"}.get(tail, "link")
        elif re.fullmatch(r"[a-z ]+ objects?", t):
            self.base = "object"  # "channel object" without a link

    @property
    def known(self):
        return self.base is not None

    def text(self):
        return clean_text(self.raw)


# ---------------------------------------------------------------------------------------
# Comparison

class Entry:
    """What the checker has to say about one schema entry."""

    def __init__(self, kind, name, where, url):
        self.kind = kind  # type | event | command | enum | flags
        self.name = name
        self.where = where
        self.url = url
        self.source = None  # "developers/resources/user.mdx:37 (User Structure)"
        self.lines = []  # (category, text)

    def add(self, cat, text):
        self.lines.append((cat, text))


CATEGORIES = ("anchor", "missing", "extra", "mismatch", "unchecked")


def is_undocumented(field):
    return (field.doc or "").strip().lower().startswith("undocumented")


def null_observed(field):
    """A field the docs call non-nullable that the schema makes nullable on evidence: its doc
    says where ("...; null observed in the shared corpus")."""
    return "null observed in" in (field.doc or "").lower()


def split_url(url):
    rest = url[len(DOCS_URL):] if url and url.startswith(DOCS_URL) else (url or "")
    path, _, anchor = rest.partition("#")
    return path.strip("/"), anchor


class Located:
    """Where a struct's fields are documented and how to compare them.

    mode: full (the table is the whole object), extra (an event's table lists the fields it
    adds to its base), subset (the table is a bigger object some payload carries a part of),
    skip (nothing of its own to compare: an event whose payload is its base, checked there)."""

    def __init__(self, table=None, page=None, others=(), mode="full", how="", error=None, unchecked=None,
                 variants=()):
        self.footnote = set()  # words of the container row's footnote (fields it adds in prose)
        self.added = set()  # fields the container row's type adds ("with an additional ... field")
        self.variants = list(variants)  # union: [(table, page, further tables)]
        self.table = table
        self.page = page
        self.others = list(others)  # further field tables of the section (a union's variants)
        self.mode = mode
        self.how = how
        self.error = error
        self.unchecked = unchecked


class Checker:
    def __init__(self, model, docs, strict=False):
        self.m = model
        self.docs = docs
        self.strict = strict
        self._sections = {}
        self._located = {}
        self._rows = {}

    # -- locating --------------------------------------------------------------------------
    def section(self, url):
        """(blocks, page, error) of the section a docs URL names."""
        if url in self._sections:
            return self._sections[url]
        path, anchor = split_url(url)
        page = self.docs.page(path)
        if page is None:
            res = (None, None, f"no page for '{path}' in the checkout")
        elif not anchor:
            res = (None, page, f"the link has no #anchor ({page.rel})")
        else:
            blocks = page.section(anchor)
            res = (blocks, page, None if blocks is not None else f"anchor '#{anchor}' not found in {page.rel}")
        self._sections[url] = res
        return res

    def field_tables(self, url):
        blocks, page, err = self.section(url)
        if err:
            return [], page, err
        return [b[1] for b in blocks if b[0] == "table" and b[1].is_fields], page, None

    def values_table(self, url):
        blocks, page, err = self.section(url)
        if err:
            return None, page, err
        for b in blocks:
            if b[0] == "table" and not b[1].is_fields and values_columns(b[1]):
                return b[1], page, None
        return None, page, None

    def locate(self, s):
        if s.name not in self._located:
            self._located[s.name] = None  # a cycle through follow_container resolves to nothing
            self._located[s.name] = self._locate(s)
        return self._located[s.name]

    def _locate(self, s):
        tables, page, err = self.field_tables(s.docs)
        if err:
            return Located(error=err)
        how = ""
        if not tables:
            # "The inner payload is a message object with the same extra fields as MESSAGE_CREATE".
            blocks, _, _ = self.section(s.docs)
            for b in blocks:
                if b[0] != "text":
                    continue
                m = re.search(r"same (?:extra |additional )?fields as\s+" + LINK.pattern, b[1])
                if m:
                    link = parse_href(m.group(2), page.key)
                    if link:
                        url = DOCS_URL + f"{link[0]}#{link[1]}"
                        t2, p2, _ = self.field_tables(url)
                        if t2:
                            tables, page, how = t2, p2, f"the same fields as #{link[1]}"
                            break
        if not tables:
            if s.ns == "events" and s.extends and not s.own_fields:
                return Located(mode="skip", page=page)
            union = self.union_tables(s.docs, page)
            if union:
                return Located(union[0][0], union[0][1], [], "union", f"a union of {len(union)} variant tables",
                               variants=union)
            # Small payloads are described in prose ("includes an additional `newly_created`
            # boolean field", "the inner `d` key"): fields named there are documented, though
            # their types cannot be compared.
            blocks, _, _ = self.section(s.docs)
            named = set()
            for b in blocks:
                if b[0] == "text":
                    named.update(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", b[1]))
            own = [f for f in s.own_fields if not is_undocumented(f)]
            if all(f.name in named for f in own):
                if own and self.strict:
                    return Located(page=page, unchecked="no field table; the section's prose names "
                                                         + ", ".join(f.name for f in own))
                return Located(mode="skip", page=page)
            return Located(page=page, unchecked=f"no field table in the section #{split_url(s.docs)[1]} of {page.rel}")
        table, others = tables[0], tables[1:]
        rows = self.doc_rows(table, page)
        documented = [f for f in s.all_fields if not is_undocumented(f)]

        if s.extends and s.ns == "events":
            base = self.m.structs[s.extends]
            bl = self.locate(base)
            if not s.own_fields and bl is not None and bl.table is table:
                return Located(table=table, page=page, mode="skip")
            base_doc = [f for f in base.all_fields if not is_undocumented(f)]
            if sum(1 for f in base_doc if f.name in rows) * 2 < len(base_doc):
                return Located(table, page, others, "extra", how)

        # The docs link of a small type often names the table of the object that holds it
        # (ApplicationGuild -> the application table, where `guild` is a "partial guild
        # object"): follow that row's link to the type's own table.
        followed = self.follow_container(s, table, page)
        if followed is not None:
            return followed
        overlap = sum(1 for f in documented if f.name in rows)
        if documented and overlap * 2 < len(documented):
            return Located(table=table, page=page, unchecked=(
                f"the table at #{split_url(s.docs)[1]} ({table.heading}) does not describe this type: "
                f"{overlap} of {len(documented)} fields match"))
        return Located(table, page, others, "subset" if self.is_subset(s, table) else "full", how)

    def union_tables(self, url, page, least=2):
        """A type documented as a list of variants (component types, interaction data per
        interaction type): the section's table links each variant's section. Returns
        [(table, page, further field tables of that section)] of the variants, or []."""
        blocks, _, _ = self.section(url)
        out, seen = [], set()
        for b in blocks:
            if b[0] != "table" or b[1].is_fields:
                continue
            for r in b[1].rows:
                for m in LINK.finditer(" | ".join(r)):
                    link = parse_href(m.group(2), page.key)
                    if not link:
                        continue
                    tables, p2, err = self.field_tables(DOCS_URL + f"{link[0]}#{link[1]}")
                    if err or not tables or id(tables[0]) in seen:
                        continue
                    seen.add(id(tables[0]))
                    out.append((tables[0], p2, tables[1:]))
        return out if len(out) >= least else []

    def follow_container(self, s, table, page):
        rows = self.doc_rows(table, page)
        for o in self.m.structs.values():
            if o is s or o.docs is None:
                continue
            ot, _, _ = self.field_tables(o.docs)
            if not ot or ot[0] is not table:
                continue
            for f in o.all_fields:
                if f.type.base != s.name or f.name not in rows:
                    continue
                dt = rows[f.name][1]
                if dt.link is None:
                    continue
                url = DOCS_URL + f"{dt.link[0]}#{dt.link[1]}"
                t2, p2, _ = self.field_tables(url)
                if t2 and t2[0] is not table:
                    loc = Located(t2[0], p2, t2[1:], "subset", f"via {o.name}.{f.name} -> {dt.link[0]}#{dt.link[1]}")
                    loc.footnote = self.footnote(o.docs, table, f.name)
                    loc.added = set(dt.adds)
                    return loc
        return None

    def footnote(self, url, table, name):
        """Words of the footnote a row's mark points to: THREAD_MEMBERS_UPDATE's added_members
        "will also include the guild member and nullable presence objects"."""
        fcol = table.column("field", "name", "parameter")
        for r in table.rows:
            if fcol >= len(r) or not re.match(re.escape(name) + r"\b", r[fcol].strip()):
                continue
            m = FOOTNOTE_MARK.search(r[fcol])
            if not m:
                return set()
            mark = clean_mark(m.group(0))
            blocks, _, _ = self.section(url)
            words = set()
            for b in blocks:
                m2 = FOOTNOTE_MARK.match(b[1]) if b[0] == "text" else None
                if m2 and clean_mark(m2.group(0)) == mark:
                    words.update(re.findall(r"[a-z_]+", clean_text(b[1]).lower()))
            return words
        return set()

    def is_subset(self, s, table):
        """Whether the type is a part of the object its table documents: it is called partial
        and shares the table with another entry (PartialUser and User), or a whole object
        (not itself partial) with more fields shares it (READY and its resume fields)."""
        partial = self.called_partial(s)
        for o in self.m.structs.values():
            if o is s:
                continue
            ot, _, _ = self.field_tables(o.docs)
            if ot and ot[0] is table and (partial or (len(o.all_fields) > len(s.all_fields)
                                                      and not self.called_partial(o))):
                return True
        return False

    @staticmethod
    def called_partial(s):
        return s.name.startswith("Partial") or bool(re.search(r"\bpartial\b", s.doc or "", re.I))

    def table_of(self, name):
        """The table a docs link must lead to for it to name this schema type."""
        if name in self.m.structs:
            loc = self.locate(self.m.structs[name])
            return loc.table if loc is not None else None
        e = self.m.enums.get(name)
        return self.values_table(e.docs)[0] if e else None

    def same_target(self, link, type_name):
        """Whether a docs link names the schema type (or one of its bases)."""
        url = DOCS_URL + f"{link[0]}#{link[1]}"
        ft, _, _ = self.field_tables(url)
        vt, _, _ = self.values_table(url)
        targets = {id(t) for t in ft[:1] + [vt] if t is not None}
        # A union (Component) is named by any list of some of its variants ("action row child
        # components").
        st = self.m.structs.get(type_name)
        loc = self.locate(st) if st is not None else None
        if loc is not None and loc.mode == "union":
            mine = set()
            for t, _, further in loc.variants:
                mine.add(id(t))
                mine.update(id(x) for x in further)
            _, page, _ = self.section(url)
            if page is not None:
                theirs = self.union_tables(url, page, least=1)
                if any(id(t) in mine or any(id(x) in mine for x in further) for t, _, further in theirs):
                    return True
        name, seen = type_name, set()
        while name and name not in seen:
            seen.add(name)
            obj = self.m.structs.get(name) or self.m.enums.get(name)
            if obj is None:
                break
            p, a = split_url(obj.docs)
            if (norm_key(p), norm_key(a)) == (norm_key(link[0]), norm_key(link[1])):
                return True
            t = self.table_of(name)
            if t is not None and id(t) in targets:
                return True
            name = getattr(obj, "extends", None)
        return False

    # -- types -----------------------------------------------------------------------------
    def kind_of(self, base):
        if base in SCALARS:
            return base
        e = self.m.enums.get(base)
        if e is not None:
            return ("flags:" if e.is_flags else "enum:") + e.kind
        return "struct"

    def compare_type(self, dt, ft):
        """(verdict, reason): verdict is ok | mismatch | unchecked."""
        if ft.base == "any" or dt.base == "null":
            return "ok", ""
        if dt.arrays_sure and (dt.known or dt.levels) and dt.levels != ft.levels:
            if "map" in dt.levels or "map" in ft.levels:
                return "mismatch", "map" if "map" in dt.levels else "not a map"
            return "mismatch", "array" if len(dt.levels) > len(ft.levels) else "not an array"
        if not dt.known:
            if not dt.arrays_sure:
                return "unchecked", "the docs do not say an array of what"
            return "unchecked", "docs type not understood"
        kind = self.kind_of(ft.base)
        b = dt.base
        compatible = {
            "snowflake": {"snowflake"},
            "string": {"string", "permissions", "enum:string", "flags:string"},
            "int": {"int", "enum:int", "flags:int"},
            "double": {"double"},
            "number": {"int", "double", "enum:int", "flags:int"},
            "bool": {"bool"},
            "timestamp": {"timestamp"},
        }
        if b in compatible:
            if kind in compatible[b]:
                if dt.link and kind.startswith(("enum", "flags")) and not self.same_target(dt.link, ft.base):
                    return "unchecked", f"docs link #{dt.link[1]}; {ft.base} is documented at #{split_url(self.obj(ft.base).docs)[1]}"
                return "ok", ""
            return "mismatch", ""
        if b == "link":
            if kind == "struct" or kind.startswith(("enum", "flags")):
                if self.same_target(dt.link, ft.base):
                    return "ok", ""
                return "unchecked", self.link_reason(dt, ft)
            return "unchecked", f"docs link #{dt.link[1]}"
        # b == "object"
        if kind != "struct":
            # "[recurrence rule - frequency](#...) object" is how some pages name an enum.
            if kind.startswith(("enum", "flags")) and dt.link and self.same_target(dt.link, ft.base):
                return "ok", ""
            return "mismatch", "docs have an object"
        if dt.link is None:
            return "unchecked", "the docs do not link the object's type"
        if self.same_target(dt.link, ft.base):
            return "ok", ""
        return "unchecked", self.link_reason(dt, ft)

    def link_reason(self, dt, ft):
        p, a = dt.link
        return f"docs link {p}#{a}; {ft.base} is documented at {self.obj(ft.base).docs[len(DOCS_URL):]}"

    def obj(self, name):
        return self.m.structs.get(name) or self.m.enums.get(name)

    # -- structs -----------------------------------------------------------------------------
    def doc_rows(self, table, page):
        """{field name: (optional, DocType)} of a field table, in order."""
        key = id(table)
        if key in self._rows:
            return self._rows[key]
        fcol = table.column("field", "name", "parameter")
        tcol = table.column("type")
        rcol = table.column("required")
        rows = {}
        for r in table.rows:
            if fcol >= len(r) or tcol >= len(r):
                continue
            raw = clean_text(r[fcol])
            raw = re.sub(r"\s*\((?:deprecated|optional)\)\s*", "", raw, flags=re.I).strip()
            m = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)\s*(\?)?", raw)
            if not m or m.group(1) in rows:
                continue
            dt = DocType(r[tcol], page.key)
            # A "Required" column saying "true when specifying query" or "one of query or
            # user_ids": required in some requests only, so an optional schema field is right.
            if rcol is not None and rcol < len(r):
                req = clean_text(r[rcol]).lower()
                dt.conditional = bool(req) and req not in ("true", "false", "yes", "no")
            rows[m.group(1)] = (bool(m.group(2)), dt)
        self._rows[key] = rows
        return rows

    def check_struct(self, s, entry):
        loc = self.locate(s)
        if loc.error:
            entry.add("anchor", loc.error)
            return
        if loc.mode == "skip":
            return
        if loc.unchecked:
            entry.add("unchecked", loc.unchecked)
            return
        entry.source = f"{loc.page.rel}:{loc.table.line} ({loc.table.heading})" + (f", {loc.how}" if loc.how else "")
        rows = self.doc_rows(loc.table, loc.page)
        if loc.mode == "union":
            self.check_union(s, loc, entry)
            return
        # A union documented as one table per variant (message interaction metadata): a field
        # of a later table of the section is documented, but only the first table's fields are
        # expected of the type.
        more = {}
        for t in loc.others:
            for k, v in self.doc_rows(t, loc.page).items():
                more.setdefault(k, v)
        subset = loc.mode == "subset"
        loose = subset or loc.table.conditional
        fields = {f.name: f for f in s.all_fields}
        left_out = []
        for name, (opt, dt) in rows.items():
            if name in fields:
                continue
            if subset:
                left_out.append(name)
            else:
                entry.add("missing", f"{name}{'?' if opt else ''}: {dt.text()}")
        if left_out and len(left_out) * 2 < len(rows):
            # A partial type leaves fields out on purpose; one that carries most of the object
            # (an invite's target application) more likely lacks the rest by oversight. Listed
            # once, for the maintainer to judge.
            entry.add("unchecked", f"partial type with most of the object's fields; the documented "
                                   f"ones it leaves out: {', '.join(left_out)}")
        candidates = s.own_fields if loc.mode == "extra" else s.all_fields
        for f in s.all_fields:
            if f.name in rows:
                self.compare_field(f, rows[f.name], loose, entry)
            elif f.name in more:
                # A field of another variant's table: each variant has it or not, so the union's
                # optional field is not a mismatch.
                self.compare_field(f, more[f.name], True, entry)
            elif f.name in loc.added:
                pass  # documented by the holder's row: "with an additional ... field"
            elif f.name in loc.footnote:
                if self.strict:
                    entry.add("unchecked", f"{f.name}: named only in a footnote of the containing table")
            elif f in candidates and not is_undocumented(f):
                entry.add("extra", f"{f.name}{'?' if f.optional else ''}: {f.type.text}")

    def check_union(self, s, loc, entry):
        """Every variant's fields belong to the type, each optional as far as the union goes;
        a field is compared with the first variant that documents it."""
        rows, more, every = {}, {}, {}
        for t, p, further in loc.variants:
            for k, v in self.doc_rows(t, p).items():
                rows.setdefault(k, v)
                every.setdefault(k, []).append(v)
            for t2 in further:
                for k, v in self.doc_rows(t2, p).items():
                    more.setdefault(k, v)
                    every.setdefault(k, []).append(v)
        fields = {f.name for f in s.all_fields}
        for name, (opt, dt) in rows.items():
            if name not in fields:
                entry.add("missing", f"{name}{'?' if opt else ''}: {dt.text()}")
        for f in s.all_fields:
            row = rows.get(f.name) or more.get(f.name)
            if row is not None and f.type.nullable and not row[1].nullable:
                # Nullable in one variant (a radio group's value) makes the union's field nullable.
                row = next((r for r in every[f.name] if r[1].nullable), row)
            if row is not None:
                self.compare_field(f, row, True, entry)
            elif not is_undocumented(f):
                entry.add("extra", f"{f.name}{'?' if f.optional else ''}: {f.type.text}")

    def compare_field(self, f, row, loose, entry):
        """loose: a field the docs mark required may be optional in the schema (a partial type,
        a variant of a union, a row of a conditional table)."""
        opt, dt = row
        name = f.name
        dshow = f"{name}{'?' if opt else ''}: {dt.text()}"
        sshow = f"{name}{'?' if f.optional else ''}: {f.type.text}"
        loose = loose or dt.conditional
        if is_undocumented(f):
            entry.add("mismatch", f"{name}: the schema calls it undocumented; the docs list it ({dshow})")
        if opt != f.optional and (opt or not loose):
            entry.add("mismatch", f"{name}: {'optional' if opt else 'required'} in the docs, "
                                  f"{'optional' if f.optional else 'required'} in the schema "
                                  f"(docs {dshow} | schema {sshow})")
        if dt.nullable != f.type.nullable and dt.base != "null":
            if f.type.nullable and null_observed(f):
                # Nullable beyond the docs on evidence the field's doc names.
                if self.strict:
                    entry.add("unchecked", f"{name}: nullable in the schema, not in the docs; its doc says "
                                           f"where null was observed")
            else:
                entry.add("mismatch", f"{name}: {'nullable' if dt.nullable else 'not nullable'} in the docs, "
                                      f"{'nullable' if f.type.nullable else 'not nullable'} in the schema "
                                      f"(docs {dshow} | schema {sshow})")
        if dt.adds and f.type.base in self.m.structs:
            have = {x.name for x in self.m.structs[f.type.base].all_fields}
            for extra in dt.adds:
                if extra not in have:
                    entry.add("mismatch", f"{name}: the docs add `{extra}` to the {dt.text().split(',')[0]}; "
                                          f"{f.type.base} has no `{extra}` field")
        verdict, why = self.compare_type(dt, f.type)
        line = f"{name}: type: docs \"{dt.text()}\", schema \"{f.type.text}\"" + (f" ({why})" if why else "")
        if verdict == "mismatch":
            entry.add("mismatch", line)
        elif verdict == "unchecked":
            entry.add("unchecked", line)

    # -- enums and flags -------------------------------------------------------------------
    def check_enum(self, e, entry):
        table, page, err = self.values_table(e.docs)
        if err:
            entry.add("anchor", err)
            return
        if table is None:
            entry.add("unchecked", f"no values table in the section #{split_url(e.docs)[1]} of {page.rel}")
            return
        entry.source = f"{page.rel}:{table.line} ({table.heading})"
        docs_vals = read_values(table, e)
        if not docs_vals:
            entry.add("unchecked", f"cannot read the values of the table ({' | '.join(table.header)})")
            return
        by_val = {}
        for name, v in docs_vals:
            by_val.setdefault(v, name)
        ours = {v: wire for wire, _, v in e.values}
        if e.kind == "string" and not e.is_flags:
            ours_l = {str(v).lower() for v in ours}
            docs_l = {str(v).lower() for v in by_val}
            for v in by_val:
                if str(v).lower() not in ours_l:
                    entry.add("missing", f"{v}")
            for v, wire in ours.items():
                if str(v).lower() not in docs_l:
                    entry.add("extra", f"{wire}" + (f" = {v}" if v != wire else ""))
            return
        show = (lambda v: f"1 << {v}") if e.is_flags else str
        for v, name in by_val.items():
            if v not in ours:
                entry.add("missing", f"{wire_name(name)} = {show(v)}")
        for v, wire in ours.items():
            if v not in by_val:
                entry.add("extra", f"{wire} = {show(v)}")
            elif self.strict and norm_key(wire_name(by_val[v])) != norm_key(wire):
                entry.add("unchecked", f"{show(v)}: docs name {by_val[v]!r}, schema {wire}")


    # -- gateway.yaml: opcodes, close codes, intents ------------------------------------------
    def check_codes(self, items, what, entry):
        """Opcodes or close codes: one values table for the list; the values, and the opcode's
        direction (Client Action) or the close code's action (Reconnect) where the docs say."""
        url = items[0].get("docs")
        entry.url = url
        table, page, err = self.values_table(url)
        if err:
            entry.add("anchor", err)
            return
        if table is None:
            entry.add("unchecked", f"no values table in the section #{split_url(url)[1]} of {page.rel}")
            return
        entry.source = f"{page.rel}:{table.line} ({table.heading})"
        vcol, ncol = values_columns(table)
        acol = table.column("client action")
        rcol = table.column("reconnect")
        docs = {}
        for r in table.rows:
            v = parse_int_cell(r[vcol], False) if vcol < len(r) else None
            if v is None or v[0] in docs:
                continue
            docs[v[0]] = r
        ours = {it.get("value"): it for it in items}
        for v, r in docs.items():
            if v not in ours:
                label = clean_text(r[ncol]) if ncol is not None and ncol < len(r) else ""
                desc = table.column("description")
                if not label and desc is not None and desc < len(r):
                    label = clean_text(r[desc])
                entry.add("missing", f"{v} {label}".strip())
        for v, it in ours.items():
            r = docs.get(v)
            if r is None:
                entry.add("extra", f"{v} {it.get('name')}")
                continue
            if acol is not None and acol < len(r) and "direction" in it:
                a = clean_text(r[acol]).lower()
                want = "both" if "send" in a and "receive" in a else "send" if "send" in a else \
                    "receive" if "receive" in a else None
                if want and want != it["direction"]:
                    entry.add("mismatch", f"{v} {it.get('name')}: direction {it['direction']} in the schema, "
                                          f"client action \"{clean_text(r[acol])}\" in the docs")
            if rcol is not None and rcol < len(r) and "action" in it:
                rc = clean_text(r[rcol]).lower()
                if rc in ("true", "false") and (rc == "true") != (it["action"] != "stop"):
                    entry.add("mismatch", f"{v} {it.get('name')}: action {it['action']} in the schema, "
                                          f"reconnect {rc} in the docs")

    def check_event_list(self, entry):
        """The docs' table of receive events (on the page the events link to) against the
        schema's events: an event the schema lacks has no entry of its own to report it."""
        pages = sorted({split_url(e.docs)[0] for e in self.m.events})
        if not pages:
            return
        url = DOCS_URL + f"{pages[0]}#{RECEIVE_EVENTS_ANCHOR}"
        entry.url = url
        blocks, page, err = self.section(url)
        if err:
            entry.add("unchecked", err)
            return
        opcodes = {norm_key(str(o.get("name", ""))) for o in self.m.opcodes if o.get("direction") == "receive"}
        docs = []
        for b in blocks:
            if b[0] != "table":
                continue
            ncol = b[1].column("name", "event")
            for r in b[1].rows:
                if ncol is None or ncol >= len(r):
                    continue
                name = clean_text(r[ncol])
                # Hello, Reconnect and Invalid Session are receive opcodes, listed with the events.
                if name and norm_key(name) not in opcodes:
                    docs.append(wire_name(name))
            if docs:
                entry.source = f"{page.rel}:{b[1].line} ({b[1].heading})"
                break
        if not docs:
            entry.add("unchecked", f"no table of events in #{RECEIVE_EVENTS_ANCHOR} of {page.rel}")
            return
        ours = {e.wire_name for e in self.m.events}
        for name in docs:
            if name not in ours:
                entry.add("missing", name)
        for name in sorted(ours - set(docs)):
            entry.add("extra", name)

    def check_intents(self, intents, entry):
        """The docs list intents in a code block: `NAME (1 << bit)` and its events as `- EVENT`."""
        url = intents[0].get("docs")
        entry.url = url
        blocks, page, err = self.section(url)
        if err:
            entry.add("anchor", err)
            return
        docs, cur = {}, None
        for b in blocks:
            if b[0] != "code":
                continue
            for line in b[1]:
                m = re.match(r"\s*([A-Z_]+)\s*\(1\s*<<\s*(\d+)\)", line)
                if m:
                    cur = (m.group(1), [])
                    docs[int(m.group(2))] = cur
                    continue
                m = re.match(r"\s*-\s*([A-Z_]+)\b", line)
                if m and cur is not None:
                    cur[1].append(m.group(1))
        if not docs:
            entry.add("unchecked", f"no list of intents (`NAME (1 << n)` in a code block) in #{split_url(url)[1]} of {page.rel}")
            return
        entry.source = f"{page.rel} (#{split_url(url)[1]})"
        ours = {i.get("bit"): i for i in intents}
        for bit, (name, _) in docs.items():
            if bit not in ours:
                entry.add("missing", f"{name} = 1 << {bit}")
        event_names = {s.wire_name for s in self.m.events}
        for bit, i in ours.items():
            if bit not in docs:
                entry.add("extra", f"{i.get('name')} = 1 << {bit}")
                continue
            name, events = docs[bit]
            if norm_key(name) != norm_key(i.get("name", "")):
                entry.add("mismatch", f"1 << {bit}: docs name {name}, schema {i.get('name')}")
            # Only events the schema has can be gated by its intents; the others are an event
            # the schema lacks, which is its own finding.
            for ev in events:
                if ev not in i["events"]:
                    entry.add("missing", f"{i.get('name')}: event {ev}" + ("" if ev in event_names else " (not in the schema)"))
            for ev in i["events"]:
                if ev not in events:
                    entry.add("extra", f"{i.get('name')}: event {ev}")


FOOTNOTE_MARK = re.compile(r"(?:\\\*)+|\*+|\\?\[\d+\\?\]")


RECEIVE_EVENTS_ANCHOR = "receive-events"


def clean_mark(s):
    """A footnote mark as written in a cell or at a footnote's start: \\*, *, \\[1\\] or [1]."""
    return s.replace("\\", "").strip()


def wire_name(name):
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").upper()


def parse_int_cell(s, is_flags):
    """(value, is_bit) of a value cell: `1 << n`, a decimal or 0x number; None otherwise."""
    c = clean_text(s)
    m = re.search(r"\b1\s*<<\s*(\d+)", c)
    if m:
        return int(m.group(1)), True
    m = re.fullmatch(r"(-?\d+|0x[0-9a-fA-F]+)(?:\s*\(.*\))?", c)
    if m:
        v = int(m.group(1), 0)
        if is_flags:
            if v > 0 and v & (v - 1) == 0:
                return v.bit_length() - 1, True
            return None
        return v, False
    return None


def values_columns(table):
    """(value column, name column) of an enum/flags values table, or None."""
    if table.is_fields:
        return None
    hdr = [clean_text(h).lower() for h in table.header]
    if len(hdr) < 1:
        return None
    numeric = table.numeric_columns()
    non_desc = [i for i, h in enumerate(hdr) if h not in ("description", "notes", "details", "channel type", "channel types",
                                                              "client action", "explanation", "reconnect", "required permission")]
    if numeric:
        vcol = numeric[0]
        names = [i for i in non_desc if i != vcol]
        return (vcol, names[0] if names else None)
    if "value" in hdr:
        return (hdr.index("value"), hdr.index("name") if "name" in hdr else hdr.index("value"))
    if non_desc:
        return (non_desc[0], non_desc[0])
    return None


def read_values(table, e):
    cols = values_columns(table)
    if cols is None:
        return None
    vcol, ncol = cols
    out = []
    for r in table.rows:
        if vcol >= len(r):
            continue
        name = clean_text(r[ncol]) if ncol is not None and ncol < len(r) else ""
        if e.kind == "string" and not e.is_flags:
            v = clean_text(r[vcol]).strip('"')
            if not v:
                continue
            out.append((name or v, v))
            continue
        p = parse_int_cell(r[vcol], e.is_flags)
        if p is None:
            continue
        out.append((name, p[0]))
    if e.kind != "string" or e.is_flags:
        if not out:
            return None
    return out


# ---------------------------------------------------------------------------------------

def collect(model, checker):
    entries = []
    for s in model.structs.values():
        kind = {"types": "type", "events": "event", "commands": "command"}[s.ns]
        name = s.wire_name or s.name
        e = Entry(kind, name, s.where.split(":")[0], s.docs)
        checker.check_struct(s, e)
        entries.append(e)
    for en in model.enums.values():
        e = Entry("flags" if en.is_flags else "enum", en.name, en.where.split(":")[0], en.docs)
        checker.check_enum(en, e)
        entries.append(e)
    for items, kind, check in ((model.opcodes, "opcodes", checker.check_codes),
                               (model.close_codes, "close codes", checker.check_codes),
                               (model.intents, "intents", None)):
        if not items:
            continue
        e = Entry("list", kind, "gateway.yaml", None)
        if check is None:
            checker.check_intents(items, e)
        else:
            check(items, kind, e)
        entries.append(e)
    e = Entry("list", "events", "events/", None)
    checker.check_event_list(e)
    entries.append(e)
    entries.sort(key=lambda e: (e.where, e.kind, e.name))
    return entries


def main(argv=None):
    root = os.path.dirname(HERE)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("docs", metavar="DOCS_CHECKOUT", help="a checkout of github.com/discord/discord-api-docs")
    ap.add_argument("--schema", default=os.path.join(root, "schema"))
    ap.add_argument("--strict", action="store_true",
                    help="report every comparison that cannot be made (and unknown docs types) and count it as drift")
    ap.add_argument("--all", action="store_true", help="also list the entries that match")
    args = ap.parse_args(argv)

    if not os.path.isdir(args.docs):
        print(f"docs_diff: {args.docs}: not a directory", file=sys.stderr)
        return 2
    try:
        model = load_schema(args.schema)
    except SchemaError as e:
        print(f"schema error: {e}", file=sys.stderr)
        return 2
    docs = Docs(args.docs)
    if not docs.index:
        print(f"docs_diff: {args.docs}: no .md/.mdx files (is it a discord-api-docs checkout?)", file=sys.stderr)
        return 2
    checker = Checker(model, docs, strict=args.strict)
    entries = collect(model, checker)

    counts = {c: 0 for c in CATEGORIES}
    differing = 0
    for e in entries:
        for cat, _ in e.lines:
            counts[cat] += 1
        drift = [l for l in e.lines if l[0] != "unchecked" or args.strict]
        if drift:
            differing += 1
        if not e.lines and not args.all:
            continue
        print(f"{e.kind} {e.name}  [{e.where}]")
        print(f"  docs: {e.url[len(DOCS_URL):] if e.url.startswith(DOCS_URL) else e.url}"
              + (f" -> {e.source}" if e.source else ""))
        for cat in CATEGORIES:
            for c, text in e.lines:
                if c == cat:
                    print(f"  {cat:<9} {text}")
        print()
    total = sum(counts[c] for c in CATEGORIES if c != "unchecked" or args.strict)
    print(f"{len(entries)} entries compared, {differing} differ: "
          + ", ".join(f"{counts[c]} {c}" for c in CATEGORIES))
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
