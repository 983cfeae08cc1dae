"""A small SOQL subset.

  SELECT f1, f2 FROM Obj
    [WHERE cond] [ORDER BY f [ASC|DESC] [NULLS FIRST|LAST]] [LIMIT n] [OFFSET n]
  cond := pred | cond AND cond | cond OR cond | NOT cond | ( cond )
  pred := f = v | f != v | f <> v | f < v | f <= v | f > v | f >= v
        | f LIKE 'pat%' | f IN (v, ...) | f NOT IN (v, ...)
  v    := 'string' (backslash escapes) | true | false | null | number

Keywords and field names are case-insensitive; string comparison is
case-insensitive, as in Salesforce.  As in real SOQL, AND and OR may not be
mixed at one level without parentheses.
"""

import re

from . import util


class SoqlError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<str>'(?:[^'\\]|\\.)*')
  | (?P<num>-?\d+(?:\.\d+)?)
  | (?P<op><=|>=|!=|<>|=|<|>)
  | (?P<punct>[(),])
  | (?P<ident>[A-Za-z_][A-Za-z0-9_.]*)
""", re.X | re.S)

_ESC = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "'": "'", '"': '"', "\\": "\\",
        "_": "\\_", "%": "\\%"}

KEYWORDS = {"SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "ORDER", "BY", "ASC", "DESC",
            "LIMIT", "OFFSET", "NULLS", "FIRST", "LAST", "TRUE", "FALSE", "NULL"}


class Tok:
    def __init__(self, kind, value, pos):
        self.kind = kind
        self.value = value
        self.pos = pos

    def kw(self):
        return self.value.upper() if self.kind == "ident" else None


def _malformed(q, pos, msg):
    col = pos + 1
    return SoqlError("MALFORMED_QUERY", "\n%s\n%s^\nERROR at Row:1:Column:%d\n%s" % (q, " " * pos, col, msg))


_TOKENS = {}  # query text -> its tokens (never changed once made)
_TOKENS_MAX = 512


def tokenize(q):
    return util.memo(_TOKENS, _TOKENS_MAX, q, _tokenize)


def _tokenize(q):
    toks = []
    i = 0
    while i < len(q):
        m = _TOKEN.match(q, i)
        if not m:
            raise _malformed(q, i, "unexpected token: '%s'" % q[i])
        kind = m.lastgroup
        text = m.group(kind)
        if kind == "str":
            body = text[1:-1]
            out = []
            j = 0
            while j < len(body):
                c = body[j]
                if c == "\\":
                    nxt = body[j + 1] if j + 1 < len(body) else ""
                    if nxt not in _ESC:
                        raise _malformed(q, i + j + 1, "Invalid string literal '%s'. Illegal character sequence "
                                         "'\\%s' in string literal." % (text, nxt))
                    out.append(_ESC[nxt])
                    j += 2
                    continue
                out.append(c)
                j += 1
            toks.append(Tok("str", "".join(out), i))
        elif kind != "ws":
            toks.append(Tok(kind, text, i))
        i = m.end()
    toks.append(Tok("eof", "", len(q)))
    return toks


class Query:
    def __init__(self):
        self.fields = []
        self.obj = None
        self.obj_pos = 0
        self.where = None
        self.order = None  # (field, desc, nulls_last)
        self.limit = None
        self.offset = 0


class Parser:
    def __init__(self, q):
        self.q = q
        self.toks = tokenize(q)
        self.i = 0

    def peek(self):
        return self.toks[self.i]

    def take(self):
        t = self.toks[self.i]
        self.i += 1
        return t

    def expect_kw(self, kw):
        t = self.take()
        if t.kw() != kw:
            raise _malformed(self.q, t.pos, "unexpected token: '%s'" % (t.value or "<EOF>"))
        return t

    def ident(self):
        t = self.take()
        if t.kind != "ident" or t.kw() in KEYWORDS - {"FIRST", "LAST"}:
            raise _malformed(self.q, t.pos, "unexpected token: '%s'" % (t.value or "<EOF>"))
        return t

    def parse(self):
        q = Query()
        self.expect_kw("SELECT")
        while True:
            t = self.ident()
            q.fields.append((t.value, t.pos))
            if self.peek().value == ",":
                self.take()
                continue
            break
        self.expect_kw("FROM")
        t = self.ident()
        q.obj, q.obj_pos = t.value, t.pos
        if self.peek().kw() == "WHERE":
            self.take()
            q.where = self.expr()
        if self.peek().kw() == "ORDER":
            self.take()
            self.expect_kw("BY")
            f = self.ident()
            desc = False
            nulls_last = None
            if self.peek().kw() in ("ASC", "DESC"):
                desc = self.take().kw() == "DESC"
            if self.peek().kw() == "NULLS":
                self.take()
                w = self.take()
                if w.kw() not in ("FIRST", "LAST"):
                    raise _malformed(self.q, w.pos, "unexpected token: '%s'" % w.value)
                nulls_last = w.kw() == "LAST"
            q.order = ((f.value, f.pos), desc, nulls_last)
        if self.peek().kw() == "LIMIT":
            self.take()
            t = self.take()
            if t.kind != "num" or not t.value.isdigit():
                raise _malformed(self.q, t.pos, "unexpected token: '%s'" % (t.value or "<EOF>"))
            q.limit = int(t.value)
        if self.peek().kw() == "OFFSET":
            self.take()
            t = self.take()
            if t.kind != "num" or not t.value.isdigit():
                raise _malformed(self.q, t.pos, "unexpected token: '%s'" % (t.value or "<EOF>"))
            q.offset = int(t.value)
        t = self.peek()
        if t.kind != "eof":
            raise _malformed(self.q, t.pos, "unexpected token: '%s'" % t.value)
        return q

    def expr(self):
        left = self.unary()
        conn = None
        while self.peek().kw() in ("AND", "OR"):
            t = self.take()
            if conn is not None and t.kw() != conn:
                raise _malformed(self.q, t.pos, "unexpected token: '%s' (use parentheses to mix AND and OR)"
                                 % t.value)
            conn = t.kw()
            right = self.unary()
            left = (conn, left, right)
        return left

    def unary(self):
        t = self.peek()
        if t.kw() == "NOT":
            self.take()
            return ("NOT", self.unary())
        if t.value == "(" and t.kind == "punct":
            self.take()
            e = self.expr()
            c = self.take()
            if c.value != ")":
                raise _malformed(self.q, c.pos, "unexpected token: '%s'" % (c.value or "<EOF>"))
            return e
        return self.pred()

    def value(self):
        t = self.take()
        if t.kind == "str":
            return t.value
        if t.kind == "num":
            return float(t.value) if "." in t.value else int(t.value)
        if t.kw() == "TRUE":
            return True
        if t.kw() == "FALSE":
            return False
        if t.kw() == "NULL":
            return None
        raise _malformed(self.q, t.pos, "unexpected token: '%s'" % (t.value or "<EOF>"))

    def pred(self):
        f = self.ident()
        t = self.take()
        if t.kind == "op":
            return ("CMP", (f.value, f.pos), t.value, self.value())
        neg = False
        if t.kw() == "NOT":
            neg = True
            t = self.take()
        if t.kw() == "IN":
            o = self.take()
            if o.value != "(":
                raise _malformed(self.q, o.pos, "unexpected token: '%s'" % (o.value or "<EOF>"))
            vals = [self.value()]
            while self.peek().value == ",":
                self.take()
                vals.append(self.value())
            c = self.take()
            if c.value != ")":
                raise _malformed(self.q, c.pos, "unexpected token: '%s'" % (c.value or "<EOF>"))
            return ("IN", (f.value, f.pos), vals, neg)
        if t.kw() == "LIKE" and not neg:
            v = self.take()
            if v.kind != "str":
                raise _malformed(self.q, v.pos, "unexpected token: '%s'" % (v.value or "<EOF>"))
            return ("LIKE", (f.value, f.pos), v.value)
        raise _malformed(self.q, t.pos, "unexpected token: '%s'" % (t.value or "<EOF>"))


def parse(q):
    if not q or not q.strip():
        raise SoqlError("MALFORMED_QUERY", "A query string has to be specified")
    return Parser(q).parse()


# ------------------------------------------------------------------ execution

def _norm(v):
    return v.lower() if isinstance(v, str) else v


def _cmp(a, op, b):
    a, b = _norm(a), _norm(b)
    if op == "=":
        return a == b
    if op in ("!=", "<>"):
        return a != b
    if a is None or b is None:
        return False
    try:
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
    except TypeError:
        return False


def _like(v, pat):
    if v is None:
        return False
    rx = ""
    i = 0
    while i < len(pat):
        c = pat[i]
        if c == "\\" and i + 1 < len(pat):
            rx += re.escape(pat[i + 1])
            i += 2
            continue
        rx += ".*" if c == "%" else "." if c == "_" else re.escape(c)
        i += 1
    return re.fullmatch(rx, str(v), re.I | re.S) is not None


def execute(q_text, obj_fields, rows_for, query):
    """Runs a parsed query.

    obj_fields: {canonical object name: [canonical field names]}
    rows_for(obj) -> list of dicts keyed by canonical field name
    Returns (canonical object name, [canonical selected fields], rows).
    """
    objs = {k.lower(): k for k in obj_fields}
    obj = objs.get(query.obj.lower())
    if obj is None:
        raise SoqlError("INVALID_TYPE", "\n%s\n%s^\nERROR at Row:1:Column:%d\nsObject type '%s' is not supported. If "
                        "you are attempting to use a custom object, be sure to append the '__c' after the entity "
                        "name. Please reference your WSDL or the describe call for the appropriate names."
                        % (q_text, " " * query.obj_pos, query.obj_pos + 1, query.obj))
    fields = {f.lower(): f for f in obj_fields[obj]}

    def field(ref):
        name, pos = ref
        f = fields.get(name.lower())
        if f is None:
            raise SoqlError("INVALID_FIELD", "\n%s\n%s^\nERROR at Row:1:Column:%d\nNo such column '%s' on entity '%s'. "
                            "If you are attempting to use a custom field, be sure to append the '__c' after the "
                            "custom field name. Please reference your WSDL or the describe call for the appropriate "
                            "names." % (q_text, " " * pos, pos + 1, name, obj))
        return f

    selected = []
    for ref in query.fields:
        f = field(ref)
        if f not in selected:
            selected.append(f)

    def compile_(e):
        kind = e[0]
        if kind in ("AND", "OR"):
            l, r = compile_(e[1]), compile_(e[2])
            return (lambda row: l(row) and r(row)) if kind == "AND" else (lambda row: l(row) or r(row))
        if kind == "NOT":
            inner = compile_(e[1])
            return lambda row: not inner(row)
        f = field(e[1])
        if kind == "CMP":
            op, v = e[2], e[3]
            return lambda row: _cmp(row.get(f), op, v)
        if kind == "IN":
            vals, neg = [_norm(v) for v in e[2]], e[3]
            return lambda row: (_norm(row.get(f)) in vals) != neg
        pat = e[2]
        return lambda row: _like(row.get(f), pat)

    pred = compile_(query.where) if query.where is not None else (lambda row: True)
    compile_ = None  # (it refers to itself: a reference cycle the garbage collector would have to find)
    rows = [r for r in rows_for(obj) if pred(r)]
    if query.order:
        of = field(query.order[0])
        desc = query.order[1]
        nulls_last = query.order[2] if query.order[2] is not None else desc

        present = [r for r in rows if r.get(of) is not None]
        absent = [r for r in rows if r.get(of) is None]
        present.sort(key=lambda r: (_norm(r.get(of)) if not isinstance(r.get(of), bool) else int(r.get(of))),
                     reverse=desc)
        rows = present + absent if nulls_last else absent + present
    if query.offset:
        rows = rows[query.offset:]
    if query.limit is not None:
        rows = rows[:query.limit]
    return obj, selected, rows
