"""The Metadata API over SOAP 1.1: POST /services/Soap/m/<version>.

Requests are parsed with namespaces (any prefixes, any element order inside a
component); xsi:type QNames are resolved with the namespace declarations in
scope.  Answers use the shapes of the v66 WSDL (FileProperties, ReadResult,
SaveResult, UpsertResult, DeleteResult) and SOAP faults (HTTP 500) with
faultcode sf:<ExceptionCode> and an UnexpectedErrorFault detail.
"""

import random
import xml.etree.ElementTree as ET

from . import access
from . import record as R
from . import rules
from .record import FieldError, esc
from .registry import MD_NS, TYPES, OTHER_KNOWN_TYPES, file_name
from .schema import get_schema

SOAPENV = "http://schemas.xmlsoap.org/soap/envelope/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
_MD = "{%s}" % MD_NS
_ENV = "{%s}" % SOAPENV

OPS = ("listMetadata", "readMetadata", "createMetadata", "updateMetadata", "upsertMetadata", "deleteMetadata")
MAX_COMPONENTS = 10
MAX_LIST_QUERIES = 3
_SHUFFLE = random.Random()  # listMetadata shuffles the elements of every result


class SoapFault(Exception):
    def __init__(self, code, string, exception_code=None, client=False):
        super().__init__(string)
        self.code = code
        self.string = string
        self.exception_code = exception_code
        self.client = client


def fault_xml(code, string, exception_code=None, client=False):
    fc = ("soapenv:%s" % code) if client else ("sf:%s" % code)
    detail = ""
    if not client:
        ec = exception_code or code
        msg = string.split(": ", 1)[1] if string.startswith(ec + ": ") else string
        detail = ('<detail><sf:UnexpectedErrorFault xsi:type="sf:UnexpectedErrorFault">'
                  '<sf:exceptionCode>%s</sf:exceptionCode><sf:exceptionMessage>%s</sf:exceptionMessage>'
                  '</sf:UnexpectedErrorFault></detail>' % (esc(ec), esc(msg)))
    return ('<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="%s" xmlns:sf="%s" '
            'xmlns:xsi="%s"><soapenv:Body><soapenv:Fault><faultcode>%s</faultcode><faultstring>%s</faultstring>'
            '%s</soapenv:Fault></soapenv:Body></soapenv:Envelope>' % (SOAPENV, MD_NS, XSI, fc, esc(string), detail))


def envelope(body):
    return ('<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="%s" xmlns="%s" '
            'xmlns:xsi="%s"><soapenv:Body>%s</soapenv:Body></soapenv:Envelope>' % (SOAPENV, MD_NS, XSI, body))


INVALID_SESSION_STRING = "INVALID_SESSION_ID: Invalid Session ID found in SessionHeader: Illegal Session"


def fault_for_access(problem):
    if problem == access.JWT_ON_SOAP:
        return SoapFault("INVALID_SESSION_ID", "INVALID_SESSION_ID: JWT-based access tokens can be used only with "
                         "REST APIs. Invalid Session ID found in SessionHeader: Illegal Session")
    if problem == access.NOT_API:
        return SoapFault("INVALID_SESSION_ID", "INVALID_SESSION_ID: This session is not valid for use with the API "
                         "(the access token lacks the api scope). Invalid Session ID found in SessionHeader: "
                         "Illegal Session")
    if problem == access.LIMIT_TOTAL:
        return SoapFault("REQUEST_LIMIT_EXCEEDED", "REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded.")
    if problem == access.NO_MODIFY_ALL:
        return SoapFault("INSUFFICIENT_ACCESS", "INSUFFICIENT_ACCESS: use of the Metadata API requires a user with "
                         "the ModifyAllData or ModifyMetadata permissions")
    return SoapFault("INVALID_SESSION_ID", INVALID_SESSION_STRING)


# ------------------------------------------------------------------ request parsing

class SoapRequest:
    def __init__(self):
        self.op = None
        self.op_el = None
        self.session_id = None
        self.all_or_none = False
        self.md_type = None
        self.count = None
        self.nsmaps = {}
        self.error = None  # a SoapFault to answer with (the request could not be understood)


_SAVE_OPS = {_MD + "createMetadata", _MD + "updateMetadata", _MD + "upsertMetadata"}


def _parse_ns(body, req):
    """The tree, recording in req.nsmaps the namespace declarations in scope at each element."""
    stack = [{}]
    pending = {}
    root = None
    nsmaps = req.nsmaps
    parser = ET.XMLPullParser(events=("start-ns", "start", "end"))
    parser.feed(body)  # (as iterparse: errors are raised by read_events, an unfinished document by close)
    for event, item in parser.read_events():
        if event == "start":
            if pending:
                m = dict(stack[-1])
                m.update(pending)
                pending = {}
            else:
                m = stack[-1]
            stack.append(m)
            nsmaps[id(item)] = m
            if root is None:
                root = item
        elif event == "end":
            stack.pop()
        else:
            pending[item[0]] = item[1]
    parser.close()
    return root


_XSI_TYPE = "{%s}type" % XSI


def _parse_plain(body):
    """The tree when xsi:type values resolve without recording namespace declarations, else
    None (then _parse_ns).  That is when no <metadata> start tag has a prefix and no xsi:type
    value has one: an unprefixed <metadata> in the metadata namespace has that namespace as its
    default, which is what xsi_type() resolves an unprefixed value with (and the answer it gives
    without a namespace map)."""
    if b":metadata" in body:
        return None
    try:
        root = ET.fromstring(body)
    except ET.ParseError:  # (reported as _parse_ns reports it)
        return None
    for m in root.iter(_MD + "metadata"):
        v = m.get(_XSI_TYPE)
        if v and ":" in v:
            return None
    return root


def _find2(el, a, b):
    """el.find("a/b") (the first b child of the first a child that has one), without ElementPath."""
    for x in el:
        if x.tag == a:
            for y in x:
                if y.tag == b:
                    return y
    return None


def parse(body):
    """Parses a SOAP request; never raises (problems end up in req.error)."""
    req = SoapRequest()
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        req.error = SoapFault("Client", "DOCTYPE is not allowed in a SOAP request", client=True)
        return req
    try:
        # only create/update/upsert resolve xsi:type QNames, which needs the namespace
        # declarations in scope: other requests are parsed without recording them
        if b"createMetadata" in body or b"updateMetadata" in body or b"upsertMetadata" in body:
            root = _parse_plain(body)
            if root is None:
                root = _parse_ns(body, req)
        else:
            root = ET.fromstring(body)
            b = root.find(_ENV + "Body") if root.tag == _ENV + "Envelope" else None
            if b is not None and any(c.tag in _SAVE_OPS for c in b):  # (written with character references)
                root = _parse_ns(body, req)
    except ET.ParseError as e:
        req.error = SoapFault("Client", "Unable to parse the request: %s" % e, client=True)
        return req
    if root is None or root.tag != _ENV + "Envelope":
        req.error = SoapFault("Client", "The request is not a SOAP 1.1 Envelope (%s)" % (root.tag if root is not None
                                                                                          else "empty"), client=True)
        return req
    header = root.find(_ENV + "Header")
    if header is not None:
        sid = _find2(header, _MD + "SessionHeader", _MD + "sessionId")
        if sid is not None:
            req.session_id = (sid.text or "").strip()
        aon = _find2(header, _MD + "AllOrNoneHeader", _MD + "allOrNone")
        if aon is not None and (aon.text or "").strip() in ("true", "1"):
            req.all_or_none = True
    body_el = root.find(_ENV + "Body")
    ops = [c for c in (body_el if body_el is not None else []) if isinstance(c.tag, str)]
    if len(ops) != 1:
        req.error = SoapFault("Client", "The SOAP Body must contain exactly one operation", client=True)
        return req
    op_el = ops[0]
    if not op_el.tag.startswith(_MD) or op_el.tag[len(_MD):] not in OPS:
        req.op = "other"
        req.error = SoapFault("Client", "No operation available for request %s" % op_el.tag, client=True)
        return req
    req.op = op_el.tag[len(_MD):]
    req.op_el = op_el
    # type and count, for the request log
    if req.op == "listMetadata":
        qs = op_el.findall(_MD + "queries")
        req.count = len(qs)
        req.md_type = ",".join((q.findtext(_MD + "type") or "").strip() for q in qs) or None
    elif req.op in ("readMetadata", "deleteMetadata"):
        req.md_type = (op_el.findtext(_MD + "type") or "").strip() or None
        req.count = len(op_el.findall(_MD + "fullNames"))
    else:
        mds = op_el.findall(_MD + "metadata")
        req.count = len(mds)
        types = [xsi_type(req, m) for m in mds]
        req.md_type = types[0] if types else None
    return req


def xsi_type(req, el):
    """The local name of el's xsi:type, if it names a type in the metadata namespace."""
    v = el.get(_XSI_TYPE)
    if not v:
        return None
    v = v.strip()
    nsmap = req.nsmaps.get(id(el), {})
    if ":" in v:
        prefix, local = v.split(":", 1)
        if nsmap.get(prefix) != MD_NS:
            return None
        return local
    default = nsmap.get("")
    if default not in (None, MD_NS):
        return None
    return v


# ------------------------------------------------------------------ dispatch

def process(org, req, server_ctx=None):
    """Returns (HTTP status, XML text)."""
    if req.error is not None:
        return 500, fault_xml(req.error.code, req.error.string, req.error.exception_code, req.error.client)
    with org.lock:
        sess, problem = access.authenticate(org, req.session_id, soap=True)
        if problem is not None:
            f = fault_for_access(problem)
            return 500, fault_xml(f.code, f.string)
        try:
            fn = globals()["_op_" + req.op]
            return 200, envelope(fn(org, req, sess))
        except SoapFault as f:
            return 500, fault_xml(f.code, f.string, f.exception_code, f.client)


def _texts(el, name):
    return [(c.text or "").strip() for c in el.findall(_MD + name)]


def _check_type(md_type, op):
    if md_type in TYPES:
        return True
    if md_type in OTHER_KNOWN_TYPES or get_schema().is_metadata_type(md_type or ""):
        return False
    raise SoapFault("INVALID_TYPE", "INVALID_TYPE: Unknown type name '%s' specified in %s" % (md_type or "", op))


def _op_listMetadata(org, req, sess):
    qs = req.op_el.findall(_MD + "queries")
    if len(qs) > MAX_LIST_QUERIES:
        raise SoapFault("EXCEEDED_ID_LIMIT", "EXCEEDED_ID_LIMIT: listMetadata accepts at most %d ListMetadataQuery "
                        "queries per call; this call has %d" % (MAX_LIST_QUERIES, len(qs)))
    txn = org.begin()
    items = []
    seen = set()
    for q in qs:
        t = (q.findtext(_MD + "type") or "").strip()
        if not t:
            raise SoapFault("INVALID_TYPE", "INVALID_TYPE: a ListMetadataQuery needs a type")
        if not _check_type(t, "ListMetadataQuery") or t in seen:
            continue
        seen.add(t)
        # (txn.meta(t, n) for each name: nothing is pending in this transaction)
        comps = org.props().get("components", {}).get(t, {})
        idm = org.ids().get(t, {})
        for n in txn.names(t):
            items.append((t, n, comps.get(n) or {}, idm.get(n)))
    items.sort(key=lambda it: -(it[2].get("seq") or 0))  # newest first: never sorted by name
    getrandbits = _SHUFFLE.getrandbits
    names = {}
    out = []
    for t, n, meta, sfid in items:
        for uid in (meta.get("createdById"), meta.get("lastModifiedById")):
            if uid not in names:
                names[uid] = org.user_name(uid)
        fields = [
            ("createdById", meta.get("createdById", "")),
            ("createdByName", names[meta.get("createdById")]),
            ("createdDate", meta.get("createdDate", "")),
            ("fileName", file_name(t, n)),
            ("fullName", n),
            ("id", sfid or ""),
            ("lastModifiedById", meta.get("lastModifiedById", "")),
            ("lastModifiedByName", names[meta.get("lastModifiedById")]),
            ("lastModifiedDate", meta.get("lastModifiedDate", "")),
            ("manageableState", "unmanaged"),
            ("type", t),
        ]
        _shuffle(fields, getrandbits)
        out.append("<result>%s</result>" % "".join(["<%s>%s</%s>" % (k, esc(v), k) for k, v in fields]))
    return "<listMetadataResponse>%s</listMetadataResponse>" % "".join(out)


def _shuffle(x, getrandbits):
    """random.Random.shuffle(x) for the Random whose getrandbits this is, draw for draw
    (its _randbelow, inlined)."""
    for i in range(len(x) - 1, 0, -1):
        n = i + 1
        k = n.bit_length()
        r = getrandbits(k)
        while r >= n:
            r = getrandbits(k)
        x[i], x[r] = x[r], x[i]


def _strip_secrets(md_type, rec):
    R.remove_field(rec, "consumerSecret")
    oc = R.get(rec, "oauthConfig")
    if isinstance(oc, list):
        R.remove_field(oc, "consumerSecret")
    return rec


def _op_readMetadata(org, req, sess):
    t = (req.op_el.findtext(_MD + "type") or "").strip()
    names = _texts(req.op_el, "fullNames")
    if len(names) > MAX_COMPONENTS:
        raise SoapFault("EXCEEDED_ID_LIMIT", "EXCEEDED_ID_LIMIT: record limit reached. cannot submit more than %d "
                        "records in this operation" % MAX_COMPONENTS)
    stored = _check_type(t, "readMetadata")
    org.begin()  # indexes a hand-made fixture's components on first use

    def fields(rec):
        return R.fields_xml(R.sort_fields(get_schema(), t, _strip_secrets(t, rec)))
    out = []
    for n in names:
        # the answer for a record is remembered while its file does not change
        xml = org.disk_record_xml(t, n, fields) if stored and n else None
        if xml is None:
            out.append('<records xsi:nil="true"/>')
            continue
        out.append('<records xsi:type="%s"><fullName>%s</fullName>%s</records>' % (t, esc(n), xml))
    return "<readMetadataResponse><result>%s</result></readMetadataResponse>" % "".join(out)


def _metadata_list(req):
    mds = req.op_el.findall(_MD + "metadata")
    if len(mds) > MAX_COMPONENTS:
        raise SoapFault("EXCEEDED_ID_LIMIT", "EXCEEDED_ID_LIMIT: record limit reached. cannot submit more than %d "
                        "records in this operation" % MAX_COMPONENTS)
    types = []
    for m in mds:
        t = xsi_type(req, m)
        if t is None:
            raise SoapFault("INVALID_TYPE", "INVALID_TYPE: every metadata element needs an xsi:type naming a type "
                            "in the namespace %s" % MD_NS)
        types.append(t)
    if len(set(types)) > 1:
        raise SoapFault("INVALID_TYPE", "INVALID_TYPE: all components in one call must be of the same type; found "
                        "%s" % ", ".join(sorted(set(types))))
    if types and not _check_type(types[0], req.op):
        raise SoapFault("INVALID_TYPE", "INVALID_TYPE: the simulated org does not store %s components" % types[0])
    return types[0] if types else None, mds


def _error_xml(e):
    fields = "".join("<fields>%s</fields>" % esc(f) for f in e.fields)
    return "<errors>%s<message>%s</message><statusCode>%s</statusCode></errors>" % (fields, esc(e.message), e.status)


ROLLED_BACK = FieldError("ALL_OR_NONE_OPERATION_ROLLED_BACK",
                         "Record rolled back because not all records were valid and the request was using AllOrNone "
                         "header")


def _save(org, req, sess, action):
    md_type, mds = _metadata_list(req)
    txn = org.begin()
    results = []  # (fullName, error or None, created)
    for m in mds:
        sp = txn.savepoint()
        name = None
        created = False
        try:
            name, rec = R.from_element(m)
            name = name or ""
            if action == "create":
                rules.create(org, txn, md_type, name, rec, sess["user"]["id"])
                created = True
            elif action == "update":
                rules.update(org, txn, md_type, name, rec, sess["user"]["id"])
            else:
                created = rules.upsert(org, txn, md_type, name, rec, sess["user"]["id"])
            results.append((name, None, created))
        except FieldError as e:
            txn.rollback(sp)
            if name is None:
                fn = m.find(_MD + "fullName")
                name = (fn.text or "").strip() if fn is not None else ""
            results.append((name, e, False))
    failed = any(e is not None for _, e, _ in results)
    if failed and req.all_or_none:
        results = [(n, e if e is not None else ROLLED_BACK, False) for n, e, _ in results]
    else:
        org.commit(txn)
    out = []
    for n, e, created in results:
        parts = []
        if action == "upsert":
            parts.append("<created>%s</created>" % ("true" if created and e is None else "false"))
        if e is not None:
            parts.append(_error_xml(e))
        parts.append("<fullName>%s</fullName>" % esc(n))
        parts.append("<success>%s</success>" % ("false" if e is not None else "true"))
        out.append("<result>%s</result>" % "".join(parts))
    return "<%sMetadataResponse>%s</%sMetadataResponse>" % (action, "".join(out), action)


def _op_createMetadata(org, req, sess):
    return _save(org, req, sess, "create")


def _op_updateMetadata(org, req, sess):
    return _save(org, req, sess, "update")


def _op_upsertMetadata(org, req, sess):
    return _save(org, req, sess, "upsert")


def _op_deleteMetadata(org, req, sess):
    t = (req.op_el.findtext(_MD + "type") or "").strip()
    names = _texts(req.op_el, "fullNames")
    if len(names) > MAX_COMPONENTS:
        raise SoapFault("EXCEEDED_ID_LIMIT", "EXCEEDED_ID_LIMIT: record limit reached. cannot submit more than %d "
                        "records in this operation" % MAX_COMPONENTS)
    stored = _check_type(t, "deleteMetadata")
    txn = org.begin()
    results = []
    for n in names:
        sp = txn.savepoint()
        try:
            if not stored:
                raise FieldError("INVALID_CROSS_REFERENCE_KEY", "In field: fullName - no %s named %s found" % (t, n),
                                 ["fullName"])
            rules.delete(org, txn, t, n)
            results.append((n, None))
        except FieldError as e:
            txn.rollback(sp)
            results.append((n, e))
    failed = any(e is not None for _, e in results)
    if failed and req.all_or_none:
        results = [(n, e if e is not None else ROLLED_BACK) for n, e in results]
    else:
        org.commit(txn)
    out = []
    for n, e in results:
        out.append("<result>%s<fullName>%s</fullName><success>%s</success></result>"
                   % (_error_xml(e) if e else "", esc(n), "false" if e else "true"))
    return "<deleteMetadataResponse>%s</deleteMetadataResponse>" % "".join(out)
