"""Turns the validated schema model into C++ sources through the Jinja2 templates.

Everything a template needs is computed here (C++ type spellings, table names, key lookup
switches), so the templates only lay text out."""
import os
import zlib

import jinja2

from schema_model import SCALARS, pascal, snake, topo_order

TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
TYPE_TABLES = 4  # tables/types_<k>.cpp: split so both cores compile them in parallel
EVENT_TABLES = 2  # tables/events_<k>.cpp

SCALAR_CPP = {
    "snowflake": "dgw::Snowflake",
    "string": "std::string",
    "int": "std::int64_t",
    "double": "double",
    "bool": "bool",
    "timestamp": "dgw::Timestamp",
    "permissions": "dgw::types::Permissions",
    "any": "dgw::RawJson",
}
BUILTIN_TI = {"snowflake", "string", "int", "double", "bool", "timestamp", "any"}
BUILTIN_ARRAYS = {"int", "double", "string", "snowflake", "timestamp", "any"}
SCALAR_IS_CLASS = {"snowflake", "string", "timestamp", "any"}


def dox(text):
    """Schema text -> one line of a `///` comment: whitespace folded, and the characters
    Doxygen would read as commands or HTML (`@everyone`, `<filename>`) escaped."""
    parts = " ".join(str(text).split()).split("`")
    for k in range(0, len(parts), 2):  # outside `code spans`, which Doxygen keeps as they are
        for ch in ("\\", "@", "<", ">"):
            parts[k] = parts[k].replace(ch, "\\" + ch)
    t = "`".join(parts)
    return t + "." if t.endswith("\\") else t  # a trailing backslash would splice the next line into the comment


def table_shard(name, n):
    """Which of `n` table sources holds the codec table named `name`: decided by the name
    alone, so adding, changing or removing one type never moves another between files, and
    a schema edit's generated diff stays the size of the edit (a split by position, or by
    running size, rewrote every table source). crc32, as Python's hash() is salted per run."""
    return zlib.crc32(name.encode("utf-8")) % n


class Ctx:
    def __init__(self, model):
        self.m = model
        self.composites = {}  # ti name -> dict(kind, cpp_elem, elem_ti, label)

    # ----------------------------------------------------------------- C++ spellings
    def base_cpp(self, base):
        if base in SCALAR_CPP:
            return SCALAR_CPP[base]
        if base in self.m.enums:
            e = self.m.enums[base]
            if e.kind == "string" and not e.is_flags:
                return "std::string"
            return f"dgw::types::{base}"
        return self.m.structs[base].qualified

    def value_cpp(self, f):
        t = self.base_cpp(f.type.base)
        for level in reversed(f.type.levels):
            t = f"std::vector<{t}>" if level == "array" else f"std::map<dgw::Snowflake, {t}>"
        if f.boxed:
            t = f"dgw::boxed<{t}>"
        return t

    def field_cpp(self, f):
        t = self.value_cpp(f)
        p = f.presence
        if p in ("optional", "nullable"):
            return f"std::optional<{t}>"
        if p == "optional_nullable":
            return f"dgw::maybe<{t}>"
        return t

    def needs_init(self, f):
        """Scalars get `{}` so a default-constructed struct has no indeterminate members."""
        if f.presence != "required" or f.type.levels or f.boxed:
            return False
        b = f.type.base
        if b in SCALARS:
            return b not in SCALAR_IS_CLASS
        if b in self.m.enums:
            e = self.m.enums[b]
            return not (e.kind == "string" and not e.is_flags)
        return False

    # ----------------------------------------------------------------- type_info names
    def base_ti(self, base):
        if base in BUILTIN_TI:
            return f"dgw::codec::ti_{base}"
        if base == "permissions":
            return "dgw::codec::gen::ti_Permissions"
        return f"dgw::codec::gen::ti_{base}"

    def field_ti(self, f):
        levels = f.type.levels
        base = f.type.base
        name = base if base != "permissions" else "Permissions"
        cpp = self.base_cpp(base)
        ti = self.base_ti(base)
        label = base
        for level in reversed(levels):
            suffix = "_array" if level == "array" else "_map"
            if level == "array" and ti == f"dgw::codec::ti_{name}" and name in BUILTIN_ARRAYS:
                name += suffix
                ti = f"dgw::codec::ti_{name}"
                cpp = f"std::vector<{cpp}>"
                label += "[]"
                continue
            elem_ti, elem_cpp = ti, cpp
            name += suffix
            label = f"{label}[]" if level == "array" else f"map<{label}>"
            ti = f"dgw::codec::gen::ti_{name}"
            self.composites[name] = dict(kind=level, cpp_elem=elem_cpp, elem_ti=elem_ti, label=label, name=name)
            cpp = f"std::vector<{cpp}>" if level == "array" else f"std::map<dgw::Snowflake, {cpp}>"
        if f.boxed:
            elem_ti, elem_cpp = ti, cpp
            name += "_box"
            ti = f"dgw::codec::gen::ti_{name}"
            self.composites[name] = dict(kind="box", cpp_elem=elem_cpp, elem_ti=elem_ti, label=label, name=name)
        return ti


def _discriminator(names):
    """The position whose character splits `names` (all of one length) into the most groups."""
    best, best_groups = 0, 0
    for i in range(len(names[0])):
        groups = len({n[i] for n in names})
        if groups > best_groups:
            best, best_groups = i, groups
    return best


def find_switch(fields, offset=0):
    """C++ body of `int find(std::string_view k)`: switch on the length, then on the
    character that best tells the candidates apart, then one memcmp of a constant length
    (which the compiler turns into a few integer compares). Key lookup runs once per
    field of every decoded object, so it is the hottest generated code."""
    by_len = {}
    for i, f in enumerate(fields):
        by_len.setdefault(len(f.name), []).append((f.name, i + offset))
    lines = ["    const char* p = k.data();", "    switch (k.size()) {"]
    for n in sorted(by_len):
        group = by_len[n]
        lines.append(f"    case {n}:")
        if len(group) == 1:
            name, i = group[0]
            lines.append(f'        return std::memcmp(p, "{name}", {n}) == 0 ? {i} : -1;')
            continue
        pos = _discriminator([g[0] for g in group])
        by_char = {}
        for name, i in group:
            by_char.setdefault(name[pos], []).append((name, i))
        lines.append(f"        switch (p[{pos}]) {{")
        for ch in sorted(by_char):
            lines.append(f"        case '{ch}':")
            for name, i in by_char[ch]:
                lines.append(f'            if (std::memcmp(p, "{name}", {n}) == 0) return {i};')
            lines.append("            return -1;")
        lines.append("        default: return -1;")
        lines.append("        }")
    lines.append("    default: return -1;")
    lines.append("    }")
    return "\n".join(lines)


def command_reachable(model):
    """Names of the structs a send command contains, directly or through other structs."""
    seen = set()
    todo = [s for s in model.structs.values() if s.ns == "commands"]
    while todo:
        s = todo.pop()
        if s.name in seen:
            continue
        seen.add(s.name)
        for f in s.all_fields:
            t = model.structs.get(f.type.base)
            if t is not None and t.name not in seen:
                todo.append(t)
        if s.extends:
            todo.append(model.structs[s.extends])
    return seen


def struct_view(ctx, s, user_ctor=False, bases=frozenset()):
    fields = []
    bit = 0
    for i, f in enumerate(s.all_fields):
        rb = -1
        if f.presence in ("required", "nullable"):
            rb = bit if bit < 64 else -1
            bit += 1
        fields.append(dict(
            name=f.name, cpp_name=f.cpp_name, cpp=ctx.field_cpp(f), init=ctx.needs_init(f),
            ti=ctx.field_ti(f), presence=f.presence, bit=rb, doc=dox(f.doc or ""),
            own=i >= s.base_count,
        ))
    mask = 0
    for fv in fields:
        if fv["bit"] >= 0:
            mask |= 1 << fv["bit"]
    base = ctx.m.structs[s.extends].qualified if s.extends else None
    # A struct that extends another reuses the base's field list (a macro in
    # detail/field_lists.hpp) and key lookup: its own lookup covers its own fields only.
    if s.extends:
        own = s.all_fields[s.base_count:]
        find = find_switch(own, offset=s.base_count) if own else "    (void)k;\n    return -1;"
    else:
        find = find_switch(s.all_fields)
    return dict(
        name=s.name, ns=s.ns, qualified=s.qualified, doc=dox(s.doc), docs=s.docs,
        base=base, fields=fields, own_fields=[f for f in fields if f["own"]], mask=f"0x{mask:x}ull",
        find=find, wire=s.wire_name, opcode=s.opcode, sender=s.sender,
        base_name=s.extends, is_base=s.name in bases,
        header=snake(s.name) if s.ns == "events" else None,
        wire_len=len(s.wire_name) if s.wire_name else 0,
        snake=snake(s.name),
        bare_d=(s.ns == "commands" and s.opcode is not None and len(s.all_fields) == 1 and s.all_fields[0].name == "d"),
        user_ctor=user_ctor,
    )


def enum_view(e):
    return dict(
        name=e.name, doc=dox(e.doc), docs=e.docs, is_flags=e.is_flags, kind=e.kind,
        vals=[dict(wire=w, cpp=c, value=v) for (w, c, v) in e.values], snake=snake(e.name),
        ti_kind=("string_enum" if (e.kind == "string" and not e.is_flags) else
                 ("string_flags" if e.is_flags and e.kind == "string" else ("flags" if e.is_flags else "int_enum"))),
    )


def render_all(model, marker):
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True, autoescape=False,
    )
    ctx = Ctx(model)
    type_structs = topo_order(model, [s for s in model.structs.values() if s.ns == "types"])
    cmd_structs = topo_order(model, [s for s in model.structs.values() if s.ns == "commands"])
    events = model.events
    # Receive-only structs get a user-provided default constructor (see macros.j2); the
    # ones users build for send commands stay aggregates for designated initialisers.
    sendable = command_reachable(model)
    bases = frozenset(s.extends for s in model.structs.values() if s.extends)
    tv = [struct_view(ctx, s, user_ctor=s.name not in sendable, bases=bases) for s in type_structs]
    cv = [struct_view(ctx, s, bases=bases) for s in cmd_structs]
    ev = [struct_view(ctx, s, user_ctor=True, bases=bases) for s in events]
    enums = [enum_view(e) for e in sorted(model.enums.values(), key=lambda e: e.name)]
    composites = [ctx.composites[k] for k in sorted(ctx.composites)]

    intents = sorted(model.intents, key=lambda i: i["bit"])
    event_index = {e.wire_name: i + 1 for i, e in enumerate(events)}
    gated = {}
    for i in intents:
        for e in i["events"]:
            gated.setdefault(e, []).append(i["cpp"])
    opcodes = sorted(model.opcodes, key=lambda o: o["value"])
    close_codes = sorted(model.close_codes, key=lambda c: c["value"])
    for c in close_codes:
        c["doc1"] = dox(c["doc"])
    for o in opcodes:
        o["doc1"] = dox(o["doc"])
    for i in intents:
        i["doc1"] = dox(i["doc"])
        i["mask"] = 1 << i["bit"]

    common = dict(marker=marker, types=tv, commands=cv, events=ev, enums=enums, composites=composites,
                  intents=intents, opcodes=opcodes, close_codes=close_codes, event_index=event_index,
                  gated=gated, pascal=pascal)
    files = {}

    def put(rel, template, **kw):
        text = env.get_template(template).render(**common, **kw)
        files[rel] = text

    put("dgw/opcode.hpp", "opcode.hpp.j2")
    put("dgw/opcode.cpp", "opcode.cpp.j2")
    put("dgw/close_code.hpp", "close_code.hpp.j2")
    put("dgw/close_code.cpp", "close_code.cpp.j2")
    put("dgw/event_type.hpp", "event_type.hpp.j2")
    put("dgw/event_type.cpp", "event_type.cpp.j2")
    put("dgw/intents.hpp", "intents.hpp.j2")
    put("dgw/intents.cpp", "intents.cpp.j2")
    put("dgw/types.hpp", "types.hpp.j2")
    put("dgw/types_enums.cpp", "types_enums.cpp.j2")
    put("dgw/commands.hpp", "commands.hpp.j2")
    put("dgw/commands.cpp", "commands.cpp.j2")
    for e in ev:
        put(f"dgw/events/{e['header']}.hpp", "event.hpp.j2", e=e)
    put("dgw/events.hpp", "events.hpp.j2")
    put("dgw/gateway.hpp", "gateway.hpp.j2")
    put("dgw/gateway.cpp", "gateway.cpp.j2")
    put("dgw/describe.hpp", "describe.hpp.j2")
    put("dgw/detail/type_infos.hpp", "type_infos.hpp.j2")
    base_views = sorted((v for v in tv + cv + ev if v["is_base"]), key=lambda v: v["name"])
    put("dgw/detail/field_lists.hpp", "field_lists.hpp.j2", bases=base_views)
    # Within a table source, tables keep the order they have in the headers (schema order),
    # so a new type is an insertion there too.
    def shard(items, n, k):
        return [x for x in items if table_shard(x["name"], n) == k]

    for k in range(TYPE_TABLES):
        put(f"dgw/tables/types_{k}.cpp", "tables.cpp.j2", structs=shard(tv + cv, TYPE_TABLES, k),
            table_enums=shard(enums, TYPE_TABLES, k), table_composites=shard(composites, TYPE_TABLES, k))
    for k in range(EVENT_TABLES):
        put(f"dgw/tables/events_{k}.cpp", "tables.cpp.j2", structs=shard(ev, EVENT_TABLES, k),
            table_enums=[], table_composites=[])
    return files
