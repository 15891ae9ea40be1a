"""Loads schema/*.yaml into a validated model. Every problem is collected and reported
together, with the file and entry it comes from, before anything is rendered."""
import os
import re

import yaml

SCALARS = {"snowflake", "string", "int", "double", "bool", "timestamp", "permissions", "any"}
DIRECTIONS = {"send", "receive", "both"}
CLOSE_ACTIONS = {"resume", "new_session", "stop"}
CPP_KEYWORDS = {
    "alignas", "alignof", "and", "asm", "auto", "bool", "break", "case", "catch", "char", "class", "const",
    "constexpr", "continue", "default", "delete", "do", "double", "else", "enum", "explicit", "export", "extern",
    "false", "float", "for", "friend", "goto", "if", "inline", "int", "long", "mutable", "namespace", "new",
    "noexcept", "not", "nullptr", "operator", "or", "private", "protected", "public", "register", "return",
    "short", "signed", "sizeof", "static", "struct", "switch", "template", "this", "throw", "true", "try",
    "typedef", "typeid", "typename", "union", "unsigned", "using", "virtual", "void", "volatile", "while",
    "xor", "concept", "requires", "char8_t", "co_await", "co_return", "co_yield", "consteval", "constinit",
}


class SchemaError(Exception):
    pass


class UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that rejects duplicate mapping keys (PyYAML keeps the last silently)."""


def _construct_mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise SchemaError(f"{node.start_mark.name}:{key_node.start_mark.line + 1}: duplicate key '{key}'")
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def pascal(wire):
    """UPPER_SNAKE (or lower_snake) -> PascalCase; a leading digit gets a 'V' prefix."""
    parts = [p for p in re.split(r"[_\s\-\.]+", wire) if p]
    s = "".join(p[:1].upper() + p[1:].lower() for p in parts)
    if not s or s[0].isdigit():
        s = "V" + s
    return s


def snake(name):
    s = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)
    s = re.sub(r"(?<=[A-Z])([A-Z][a-z])", r"_\1", s)
    return s.lower()


def cpp_ident(name):
    return name + "_" if name in CPP_KEYWORDS else name


class TypeRef:
    """A field's type: base name plus array/map levels; `nullable` is the outer `?`."""

    def __init__(self, text, where):
        self.text = text
        t = text.strip()
        self.nullable = t.startswith("?")
        if self.nullable:
            t = t[1:].strip()
        self.levels = self._parse_levels(text.strip().lstrip("?").strip())
        self.base = self._base
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", self.base):
            raise SchemaError(f"{where}: cannot parse type '{text}'")

    def _parse_levels(self, t):
        m = re.fullmatch(r"map<(.+)>", t)
        if m:
            inner = self._parse_levels(m.group(1).strip())
            return ["map"] + inner
        if t.endswith("[]"):
            inner = self._parse_levels(t[:-2].strip())
            return ["array"] + inner
        self._base = t
        return []


class Field:
    def __init__(self, key, spec, where):
        if not isinstance(key, str):
            raise SchemaError(f"{where}: field name {key!r} is not a string")
        self.optional = key.endswith("?")
        self.name = key[:-1] if self.optional else key
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", self.name):
            raise SchemaError(f"{where}: bad field name '{key}'")
        self.doc = None
        if isinstance(spec, dict):
            unknown = set(spec) - {"type", "doc"}
            if unknown or "type" not in spec:
                raise SchemaError(f"{where}.{self.name}: long-hand field needs `type` (and optional `doc`), got {sorted(spec)}")
            self.doc = spec.get("doc")
            spec = spec["type"]
        if not isinstance(spec, str):
            raise SchemaError(f"{where}.{self.name}: type must be a string, got {spec!r}")
        self.type = TypeRef(spec, f"{where}.{self.name}")
        self.cpp_name = cpp_ident(self.name)
        self.boxed = False  # set when the field closes a by-value cycle

    @property
    def presence(self):
        if self.optional and self.type.nullable:
            return "optional_nullable"
        if self.optional:
            return "optional"
        if self.type.nullable:
            return "nullable"
        return "required"


class Struct:
    def __init__(self, name, ns, spec, where):
        self.name = name
        self.ns = ns  # types | events | commands
        self.where = where
        self.doc = spec.get("doc")
        self.docs = spec.get("docs")
        self.extends = spec.get("extends")
        raw = spec.get("fields") or {}
        if not isinstance(raw, dict):
            raise SchemaError(f"{where}: `fields` must be a mapping")
        self.own_fields = [Field(k, v, f"{where}") for k, v in raw.items()]
        self.wire_name = None  # events
        self.opcode = None  # commands
        self.sender = None  # commands: "user" (client::send) or "client" (the state machine's own)
        self.all_fields = None  # flattened, base first
        self.base_count = 0

    @property
    def qualified(self):
        return f"dgw::{self.ns}::{self.name}"


class Enum:
    def __init__(self, name, spec, where, is_flags):
        self.name = name
        self.where = where
        self.is_flags = is_flags
        self.doc = spec.get("doc")
        self.docs = spec.get("docs")
        self.kind = spec.get("type")
        if self.kind not in ("int", "string"):
            raise SchemaError(f"{where}: `type` must be int or string")
        vals = spec.get("values")
        if not isinstance(vals, dict) or not vals:
            raise SchemaError(f"{where}: `values` must be a non-empty mapping")
        self.values = []
        seen_cpp, seen_val = {}, {}
        for wire, v in vals.items():
            if isinstance(v, dict):
                v = v.get("value")
            cpp = pascal(str(wire))
            if cpp in seen_cpp:
                raise SchemaError(f"{where}: values '{wire}' and '{seen_cpp[cpp]}' give the same C++ name {cpp}")
            seen_cpp[cpp] = wire
            if self.kind == "string" and not is_flags:
                v = str(wire) if v is None else str(v)
            elif not isinstance(v, int) or isinstance(v, bool):
                raise SchemaError(f"{where}.{wire}: value must be an integer")
            if is_flags and not (0 <= v < 64):
                raise SchemaError(f"{where}.{wire}: bit index {v} out of range 0..63")
            if v in seen_val:
                raise SchemaError(f"{where}: duplicate value {v!r} ({wire} and {seen_val[v]})")
            seen_val[v] = wire
            self.values.append((str(wire), cpp, v))


class Model:
    def __init__(self):
        self.opcodes = []
        self.close_codes = []
        self.intents = []
        self.structs = {}  # name -> Struct (types, events, commands)
        self.enums = {}  # name -> Enum (enums and flags)
        self.events = []  # Struct, sorted by wire name
        self.commands = []


def _load(path):
    with open(path, encoding="utf-8") as f:
        try:
            return yaml.load(f, Loader=UniqueKeyLoader) or {}
        except yaml.YAMLError as e:
            raise SchemaError(f"{path}: {e}")


def _need_docs(spec, where, errors):
    if not isinstance(spec.get("doc"), str) or not spec.get("doc").strip():
        errors.append(f"{where}: missing `doc`")
    d = spec.get("docs")
    if not isinstance(d, str) or not d.startswith("https://discord.com/developers/docs/"):
        errors.append(f"{where}: missing or invalid `docs` link (https://discord.com/developers/docs/...)")


def _need_field_docs(s, errors):
    """Every field of every type, event and command says what it means: the generator
    puts it on the C++ member, and Doxygen fails the docs build on an undocumented one."""
    for f in s.own_fields:
        if not isinstance(f.doc, str) or not f.doc.strip():
            opt = "?" if f.optional else ""
            errors.append(f"{s.where}: field '{f.name}' has no `doc`; write it long-hand: "
                          f"{f.name}{opt}: {{type: {f.type.text}, doc: \"...\"}}")


def load_schema(root):
    m = Model()
    errors = []
    files = []
    for dirpath, _, names in os.walk(root):
        for n in sorted(names):
            if n.endswith(".yaml"):
                files.append(os.path.join(dirpath, n))
    files.sort()

    def add_struct(s):
        if s.name in m.structs or s.name in m.enums:
            errors.append(f"{s.where}: duplicate name '{s.name}'")
        else:
            m.structs[s.name] = s

    def add_enum(e):
        if e.name in m.structs or e.name in m.enums:
            errors.append(f"{e.where}: duplicate name '{e.name}'")
        else:
            m.enums[e.name] = e

    for path in files:
        rel = os.path.relpath(path, root)
        doc = _load(path)
        for key in doc:
            if key not in ("opcodes", "close_codes", "intents", "types", "enums", "flags", "events", "commands"):
                errors.append(f"{rel}: unknown top-level key '{key}'")
        for o in doc.get("opcodes") or []:
            where = f"{rel}: opcode {o.get('name')}"
            _need_docs(o, where, errors)
            if o.get("direction") not in DIRECTIONS:
                errors.append(f"{where}: direction must be one of {sorted(DIRECTIONS)}")
            m.opcodes.append(o)
        for c in doc.get("close_codes") or []:
            where = f"{rel}: close code {c.get('name')}"
            _need_docs(c, where, errors)
            if c.get("action") not in CLOSE_ACTIONS:
                errors.append(f"{where}: action must be one of {sorted(CLOSE_ACTIONS)}")
            m.close_codes.append(c)
        for i in doc.get("intents") or []:
            where = f"{rel}: intent {i.get('name')}"
            _need_docs(i, where, errors)
            if "privileged" in str(i.get("doc", "")).lower():
                errors.append(f"{where}: say `privileged: true` instead of writing it in `doc` "
                              "(the generator adds the note)")
            i.setdefault("events", [])
            i["cpp"] = pascal(i["name"])
            m.intents.append(i)
        for name, spec in (doc.get("types") or {}).items():
            where = f"{rel}: type {name}"
            _need_docs(spec, where, errors)
            try:
                add_struct(Struct(name, "commands" if rel == "commands.yaml" else "types", spec, where))
            except SchemaError as e:
                errors.append(str(e))
        for section, is_flags in (("enums", False), ("flags", True)):
            for name, spec in (doc.get(section) or {}).items():
                where = f"{rel}: {section[:-1]} {name}"
                _need_docs(spec, where, errors)
                try:
                    add_enum(Enum(name, spec, where, is_flags))
                except SchemaError as e:
                    errors.append(str(e))
        for e in doc.get("events") or []:
            where = f"{rel}: event {e.get('name')}"
            _need_docs(e, where, errors)
            wire = e.get("name")
            if not isinstance(wire, str) or not re.fullmatch(r"[A-Z][A-Z0-9_]*", wire):
                errors.append(f"{where}: name must be the UPPER_SNAKE wire name")
                continue
            if not e.get("extends") and not e.get("fields"):
                errors.append(f"{where}: an event needs `extends` or `fields` (its payload type)")
            try:
                s = Struct(pascal(wire), "events", e, where)
            except SchemaError as ex:
                errors.append(str(ex))
                continue
            s.wire_name = wire
            add_struct(s)
        for c in doc.get("commands") or []:
            where = f"{rel}: command {c.get('name')}"
            _need_docs(c, where, errors)
            try:
                s = Struct(c["name"], "commands", c, where)
            except SchemaError as ex:
                errors.append(str(ex))
                continue
            s.opcode = c.get("opcode")
            if not isinstance(s.opcode, int):
                errors.append(f"{where}: `opcode` must be an integer")
            s.sender = c.get("sender", "user")
            if s.sender not in ("user", "client"):
                errors.append(f"{where}: `sender` must be user or client")
            add_struct(s)

    for st in m.structs.values():
        _need_field_docs(st, errors)
    if errors:
        raise SchemaError("\n  " + "\n  ".join(errors))
    _validate(m, errors)
    if errors:
        raise SchemaError("\n  " + "\n  ".join(errors))
    return m


def _dupes(items, key, what, errors):
    seen = {}
    for it in items:
        k = key(it)
        if k in seen:
            errors.append(f"duplicate {what} {k!r}")
        seen[k] = it


def _validate(m, errors):
    _dupes(m.opcodes, lambda o: o.get("value"), "opcode value", errors)
    _dupes(m.opcodes, lambda o: o.get("name"), "opcode name", errors)
    _dupes(m.close_codes, lambda o: o.get("value"), "close code value", errors)
    _dupes(m.close_codes, lambda o: o.get("name"), "close code name", errors)
    _dupes(m.intents, lambda o: o.get("bit"), "intent bit", errors)
    _dupes(m.intents, lambda o: o.get("name"), "intent name", errors)

    # extends: known struct, no cycles; flatten base-first
    def flatten(s, stack):
        if s.all_fields is not None:
            return s.all_fields
        if s.name in stack:
            errors.append(f"{s.where}: `extends` cycle through {' -> '.join(stack + [s.name])}")
            s.all_fields = []
            return s.all_fields
        base = []
        if s.extends:
            b = m.structs.get(s.extends)
            if b is None:
                errors.append(f"{s.where}: extends unknown type '{s.extends}'")
            elif b.ns == "events":
                errors.append(f"{s.where}: cannot extend an event ('{s.extends}')")
            else:
                base = flatten(b, stack + [s.name])
        names = {f.name for f in base}
        for f in s.own_fields:
            if f.name in names:
                errors.append(f"{s.where}: field '{f.name}' already comes from '{s.extends}'")
        s.base_count = len(base)
        s.all_fields = base + s.own_fields
        return s.all_fields

    for s in m.structs.values():
        flatten(s, [])

    for s in m.structs.values():
        for f in s.own_fields:
            b = f.type.base
            if b in SCALARS:
                continue
            if b in m.enums:
                continue
            t = m.structs.get(b)
            if t is None:
                errors.append(f"{s.where}.{f.name}: unknown type '{b}'")
            elif t.ns == "events":
                errors.append(f"{s.where}.{f.name}: an event ('{b}') cannot be a field type")
        req = [f for f in s.all_fields if f.presence in ("required", "nullable")]
        if len(req) > 64:
            errors.append(f"{s.where}: more than 64 required fields ({len(req)})")

    event_names = {s.wire_name for s in m.structs.values() if s.ns == "events"}
    for i in m.intents:
        for e in i["events"]:
            if e not in event_names:
                errors.append(f"intent {i['name']}: unknown event '{e}'")
    m.events = sorted((s for s in m.structs.values() if s.ns == "events"), key=lambda s: s.wire_name)
    m.commands = [s for s in m.structs.values() if s.ns == "commands" and s.opcode is not None]
    _dupes(m.commands, lambda c: c.opcode, "command opcode", errors)
    opvals = {o.get("value") for o in m.opcodes}
    for c in m.commands:
        if c.opcode not in opvals:
            errors.append(f"{c.where}: opcode {c.opcode} is not in the opcode list")
        elif next(o for o in m.opcodes if o.get("value") == c.opcode).get("direction") == "receive":
            errors.append(f"{c.where}: opcode {c.opcode} is receive-only; a command is sent")
    _mark_boxes(m)


def _needs_complete(f, owner=None):
    """Whether a field's C++ type needs its element type complete where it is declared.
    GCC accepts std::vector and std::map of an incomplete type; clang does not once the
    struct's defaulted operator== is checked, so every edge counts, except a struct's
    vector of itself (it is complete at its closing brace)."""
    if owner is not None and f.type.base == owner and f.type.levels and "map" not in f.type.levels:
        return False
    return True


def _mark_boxes(m):
    """A struct cannot hold itself by value: find edges that need a complete type (plain,
    optional, nullable, map; not arrays) that close a cycle, and box those fields. Deterministic: structs and fields in schema order."""
    state = {}

    def visit(name):
        state[name] = 1
        s = m.structs[name]
        for f in s.own_fields:
            if not _needs_complete(f, name) or f.type.base not in m.structs:
                continue
            target = f.type.base
            st = state.get(target, 0)
            if st == 1:
                f.boxed = True
            elif st == 0:
                visit(target)
        if s.extends and state.get(s.extends, 0) == 0:
            visit(s.extends)
        state[name] = 2

    for name in m.structs:
        if state.get(name, 0) == 0:
            visit(name)


def topo_order(m, structs):
    """Order structs so every by-value dependency (and base) comes first."""
    names = {s.name for s in structs}
    out, state = [], {}

    def visit(s):
        if state.get(s.name) == 2:
            return
        if state.get(s.name) == 1:
            return  # a boxed or container edge: no complete type needed
        state[s.name] = 1
        deps = []
        if s.extends:
            deps.append(s.extends)
        for f in s.own_fields:
            if _needs_complete(f, s.name) and not f.boxed and f.type.base in m.structs:
                deps.append(f.type.base)
        for d in deps:
            if d in names:
                visit(m.structs[d])
        state[s.name] = 2
        out.append(s)

    for s in structs:
        visit(s)
    return out
