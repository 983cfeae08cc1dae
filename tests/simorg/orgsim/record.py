"""Metadata records: an ordered list of (field, value) pairs.

A value is a string (simple field) or a list of pairs (complex field).
Repeated fields (scopes, profileName, ipRanges, ...) are repeated pairs.
The component's fullName is not stored in the record: the store keys
records by (type, fullName).
"""

from xml.sax.saxutils import escape

from .registry import MD_NS

_MDQ = "{%s}" % MD_NS
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"


class FieldError(Exception):
    def __init__(self, status, message, fields=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = fields or []


# ---------------------------------------------------------------- access

def get(rec, name, default=None):
    for k, v in rec:
        if k == name:
            return v
    return default


def get_all(rec, name):
    return [v for k, v in rec if k == name]


def has(rec, name):
    return any(k == name for k, _ in rec)


def get_path(rec, path, default=None):
    cur = rec
    parts = path.split("/")
    for p in parts:
        if not isinstance(cur, list):
            return default
        cur = get(cur, p)
        if cur is None:
            return default
    return cur


def set_field(rec, name, value):
    """Replaces the first `name` (dropping further ones) or appends it."""
    out = []
    done = False
    for k, v in rec:
        if k == name:
            if not done:
                out.append((k, value))
                done = True
            continue
        out.append((k, v))
    if not done:
        out.append((name, value))
    rec[:] = out


def remove_field(rec, name):
    rec[:] = [(k, v) for k, v in rec if k != name]


def set_path(rec, path, value):
    parts = path.split("/")
    cur = rec
    for p in parts[:-1]:
        nxt = get(cur, p)
        if not isinstance(nxt, list):
            nxt = []
            set_field(cur, p, nxt)
        cur = nxt
    set_field(cur, parts[-1], value)


def remove_path(rec, path):
    parts = path.split("/")
    cur = rec
    for p in parts[:-1]:
        cur = get(cur, p)
        if not isinstance(cur, list):
            return
    remove_field(cur, parts[-1])


def copy(rec):
    return [(k, copy(v) if isinstance(v, list) else v) for k, v in rec]


def is_true(v):
    return v in ("true", "1")


def is_false(v):
    return v in ("false", "0")


# ---------------------------------------------------------------- XML in

def from_element(el):
    """Reads the children of a metadata element.

    Returns (full_name or None, record).  Children must be in the metadata
    namespace (the schema is elementFormDefault="qualified"): any other
    element raises FieldError(INVALID_FIELD).
    """
    full_name = None
    rec = []
    for child in el:
        if not isinstance(child.tag, str):
            continue  # comments, processing instructions
        if not child.tag.startswith(_MDQ):
            raise FieldError("INVALID_FIELD",
                             "Element %s invalid at this location: fields must be in the namespace %s"
                             % (child.tag, MD_NS))
        name = child.tag[len(_MDQ):]
        if name == "fullName" and full_name is None and not len(child):
            full_name = (child.text or "").strip()
            continue
        rec.append((name, _value(child)))
    return full_name, rec


def _value(el):
    kids = [c for c in el if isinstance(c.tag, str)]
    if el.get("{%s}nil" % XSI_NS) in ("true", "1") and not kids:
        return ""
    if kids:
        out = []
        for c in kids:
            if not c.tag.startswith(_MDQ):
                raise FieldError("INVALID_FIELD", "Element %s invalid at this location" % c.tag)
            out.append((c.tag[len(_MDQ):], _value(c)))
        return out
    return el.text or ""


# ---------------------------------------------------------------- validation

_BOOL = {"true": "true", "false": "false", "1": "true", "0": "false"}


def validate(schema, type_name, rec, prefix=""):
    """Checks rec against the schema type; returns a normalized copy.

    Raises FieldError for an unknown or repeated field, a bad boolean / int /
    enumeration value, or a missing required field.
    """
    t = schema.complex.get(type_name)
    if t is None:
        return copy(rec)
    out = []
    seen = {}
    for name, value in rec:
        el = t.by_name.get(name)
        if el is None or name == "fullName":
            raise FieldError("INVALID_FIELD",
                             "Element %s%s invalid at this location in type %s" % (prefix, name, type_name),
                             [prefix + name])
        seen[name] = seen.get(name, 0) + 1
        if not el.repeated and seen[name] > 1:
            raise FieldError("INVALID_FIELD", "Element %s%s may occur only once in type %s"
                             % (prefix, name, type_name), [prefix + name])
        out.append((name, _check_value(schema, el, value, prefix + name)))
    for el in t.elements:
        if el.min >= 1 and el.name not in seen and el.name != "fullName":
            raise FieldError("REQUIRED_FIELD_MISSING", "Required field is missing: %s%s" % (prefix, el.name),
                             [prefix + el.name])
    if not _in_order(t.order, out):
        key = schema.order_key(type_name)
        out.sort(key=lambda kv: key(kv[0]))  # stable: repeated fields keep their order
    return out


def _in_order(order, rec):
    """True when every field of rec is in order (schema index -> position) and they come in that
    order: sorting by schema order would change nothing (equal indexes are the same field)."""
    prev = -1
    for k, _ in rec:
        i = order.get(k)
        if i is None or i < prev:
            return False
        prev = i
    return True


def _check_value(schema, el, value, path):
    if isinstance(value, list):
        if el.xsd_builtin or el.type in schema.simple:
            raise FieldError("FIELD_INTEGRITY_EXCEPTION",
                             "%s: a %s value can't have child elements" % (path, el.type), [path])
        return validate(schema, el.type, value, path + "/")
    v = value.strip() if el.type != "string" else value
    if el.xsd_builtin:
        if el.type == "boolean":
            if v not in _BOOL:
                raise FieldError("FIELD_INTEGRITY_EXCEPTION",
                                 "'%s' is not a valid value for the type xsd:boolean (field %s)" % (value, path),
                                 [path])
            return _BOOL[v]
        if el.type in ("int", "long"):
            try:
                int(v, 10)
            except ValueError:
                raise FieldError("FIELD_INTEGRITY_EXCEPTION",
                                 "'%s' is not a valid value for the type xsd:%s (field %s)" % (value, el.type, path),
                                 [path])
            return str(int(v, 10))
        if el.type == "double":
            try:
                float(v)
            except ValueError:
                raise FieldError("FIELD_INTEGRITY_EXCEPTION",
                                 "'%s' is not a valid value for the type xsd:double (field %s)" % (value, path), [path])
            return v
        return value
    if el.type in schema.simple:
        allowed = schema.simple[el.type]
        if allowed and v not in allowed:
            raise FieldError("FIELD_INTEGRITY_EXCEPTION",
                             "'%s' is not a valid value for the enum '%s' (field %s)" % (value, el.type, path), [path])
        return v
    if el.type in schema.complex:
        if v == "":
            return []
        raise FieldError("FIELD_INTEGRITY_EXCEPTION", "%s must have child elements (type %s)" % (path, el.type),
                         [path])
    return value


def sort_fields(schema, type_name, rec):
    """Orders fields (recursively) by the schema sequence (a new list)."""
    t = schema.complex.get(type_name)
    out = []
    for k, v in rec:
        if isinstance(v, list):
            el = t.by_name.get(k) if t else None
            v = sort_fields(schema, el.type if el else "", v)
        out.append((k, v))
    if t is None or not _in_order(t.order, out):
        key = schema.order_key(type_name)
        out.sort(key=lambda kv: key(kv[0]))
    return out


# ---------------------------------------------------------------- XML out

def esc(s):
    if "&" in s or "<" in s or ">" in s or '"' in s:
        return escape(s, {'"': "&quot;"})
    return s


def fields_xml(rec, indent=None, level=1):
    """The fields as XML elements (default namespace assumed to be the metadata one)."""
    parts = []
    pad = ("\n" + indent * level) if indent is not None else ""
    for k, v in rec:
        if isinstance(v, list):
            inner = fields_xml(v, indent, level + 1)
            end_pad = pad if v else ""
            parts.append("%s<%s>%s%s</%s>" % (pad, k, inner, end_pad, k))
        else:
            if "&" in v or "<" in v or ">" in v or '"' in v:  # (esc, inlined)
                v = escape(v, {'"': "&quot;"})
            parts.append("%s<%s>%s</%s>" % (pad, k, v, k))
    return "".join(parts)


def document_xml(type_name, rec):
    """A metadata-format file: root = type name in the metadata namespace."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<%s xmlns="%s">%s\n</%s>\n'
            % (type_name, MD_NS, fields_xml(rec, "    "), type_name))


def parse_document(text):
    import xml.etree.ElementTree as ET
    root = ET.fromstring(text)
    name = root.tag[len(_MDQ):] if root.tag.startswith(_MDQ) else root.tag
    _, rec = from_element(root)
    return name, rec


# ---------------------------------------------------------------- JSON out

def to_json(schema, type_name, rec):
    t = schema.complex.get(type_name)
    out = {}
    for k, v in rec:
        el = t.by_name.get(k) if t else None
        if isinstance(v, list):
            val = to_json(schema, el.type if el else "", v)
        else:
            val = v
        if (el is not None and el.repeated) or (el is None and sum(1 for kk, _ in rec if kk == k) > 1):
            out.setdefault(k, []).append(val)
        else:
            out[k] = val
    return {k: out[k] for k in sorted(out)}
