"""REST resources under /services/data/vXX.X/ (and the identity URL).

  GET  query?q=SOQL, tooling/query?q=SOQL, query/<locator>-<offset>, tooling/query/<locator>-<offset>
  GET  limits
  GET  apps/oauth/credentials/{ecaId}[/{consumerId}?part=key|secret|keyandsecret]
  GET|PATCH tooling/sobjects/ConversationChannelDefinition/{id}
  GET  /id/<orgId>/<userId>
Errors are JSON arrays [{"message", "errorCode"[, "fields"]}], as Salesforce sends them.
"""

import json
import re
import urllib.parse

from . import access
from . import record as R
from . import rules
from . import soql
from . import util
from .record import FieldError
from .registry import ECA_HEADER, ECA_GLOBAL, ECA_OAUTH, PREFIX_QUERY_LOCATOR
from .schema import get_schema

_VERSION = re.compile(r"^/services/data/v(\d{2,3})\.(\d)(/.*)?$")
MIN_VERSION = 31

NOT_FOUND = [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]

# sObject field name -> metadata field, ConversationChannelDefinition
CCD_FIELDS = {
    "DeveloperName": "developerName", "MasterLabel": "masterLabel", "ConnectedAppType": "connectedAppType",
    "ConnectedAppOauthLink": "connectedAppOauthLink",
    "CustomerConnectedAppOauthLink": "customerConnectedAppOauthLink",
    "CustomPlatformEvent": "customPlatformEvent", "CustomEventPayloadField": "customEventPayloadField",
    "CustomEventTypeField": "customEventTypeField", "ConsentOwner": "consentOwner", "RoutingOwner": "routingOwner",
    "ConversationVendorInfo": "conversationVendorInfo", "CustomIcon": "customIcon",
    "IsConferenceSupported": "isConferenceSupported",
    "MaxParticipantsForCnfrOverride": "maxParticipantsForCnfrOverride",
    "SupportsCustomChannelParameters": "supportsCustomChannelParameters",
    "SupportsDoubleOptInConsent": "supportsDoubleOptInConsent", "SupportsExplicitConsent": "supportsExplicitConsent",
    "SupportsImplicitConsent": "supportsImplicitConsent", "SupportsIsoCountryCode": "supportsIsoCountryCode",
    "SupportsKeywords": "supportsKeywords",
    "EventCapabilitiesIsInboundAcknwOptionExposed": "isInboundAcknwOptionExposed",
    "EventCapabilitiesIsProgressIndicatorOptExposed": "isProgressIndicatorOptExposed",
    "EventCapabilitiesIsRoutingWorkResultSupported": "isRoutingWorkResultSupported",
    "EventCapabilitiesIsTypingIndicatorOptionHidden": "isTypingIndicatorOptionHidden",
}
CCD_READONLY = {"Id", "DeveloperName"}

OBJECTS = {
    "Profile": ["Id", "Name"],
    "PermissionSet": ["Id", "Name", "Label", "IsOwnedByProfile"],
    "User": ["Id", "Username", "Name", "ProfileId", "IsActive"],
    "ExternalClientApplication": ["Id", "DeveloperName", "MasterLabel", "DistributionState", "ContactEmail"],
    "ConnectedApplication": ["Id", "Name"],
    "ConversationChannelDefinition": ["Id"] + list(CCD_FIELDS),
}
TOOLING_OBJECTS = {k: OBJECTS[k] for k in ("ConversationChannelDefinition", "Profile", "PermissionSet", "User")}


def route(method, path):
    """Classifies a REST path: (op, type, handler name, args, version) or None when unknown."""
    m = _VERSION.match(path)
    if path.startswith("/id/"):
        parts = path.split("/")
        if len(parts) == 4 and parts[2] and parts[3]:
            return ("other", None, "identity", (parts[2], parts[3]), None)
        return None
    if not m:
        return None
    major = int(m.group(1))
    ver = "%d.%s" % (major, m.group(2))
    if major < MIN_VERSION:
        return None
    rest = (m.group(3) or "").rstrip("/")
    if rest == "/query":
        return ("query", None, "query", (False,), ver)
    if rest == "/tooling/query":
        return ("toolingQuery", None, "query", (True,), ver)
    mm = re.match(r"^/(tooling/)?query/([A-Za-z0-9]{15,18}-\d+)$", rest)
    if mm:
        return ("queryMore", None, "query_more", (bool(mm.group(1)), mm.group(2)), ver)
    if rest == "/limits":
        return ("limits", None, "limits", (), ver)
    mm = re.match(r"^/apps/oauth/credentials/([^/]+)$", rest)
    if mm:
        return ("credentials", ECA_HEADER, "credentials", (mm.group(1),), ver)
    mm = re.match(r"^/apps/oauth/credentials/([^/]+)/([^/]+)$", rest)
    if mm:
        return ("credentialsKey", ECA_HEADER, "credentials_key", (mm.group(1), mm.group(2)), ver)
    mm = re.match(r"^/tooling/sobjects/ConversationChannelDefinition/([^/]+)$", rest)
    if mm:
        return ("toolingSobject", "ConversationChannelDefinition", "ccd", (mm.group(1),), ver)
    return None


ALLOWED = {"query": ("GET",), "query_more": ("GET",), "limits": ("GET",), "credentials": ("GET",),
           "credentials_key": ("GET",), "ccd": ("GET", "PATCH"), "identity": ("GET",)}


def bearer(headers):
    h = headers.get("Authorization") or ""
    parts = h.split(None, 1)
    if len(parts) == 2 and parts[0].lower() in ("bearer", "oauth"):
        return parts[1].strip()
    return None


def access_error(problem):
    if problem == access.LIMIT_TOTAL:
        return 403, [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
    if problem == access.NOT_API:
        return 401, [{"message": "This session is not valid for use with the REST API",
                      "errorCode": "INVALID_SESSION_ID"}]
    return 401, [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


class Ctx:
    def __init__(self, org, method, query, headers, body, base_url, version):
        self.org = org
        self.method = method
        self.params = urllib.parse.parse_qs(query or "", keep_blank_values=True)
        self.headers = headers
        self.body = body
        self.base_url = base_url
        self.version = version
        self.sess = None

    def param(self, name):
        v = self.params.get(name)
        return v[0] if v else None


def process(org, route_info, method, query, headers, body, base_url):
    """Returns (status, JSON-able body or None, extra headers)."""
    op, _, handler, args, ver = route_info
    if method not in ALLOWED[handler] and not (method == "HEAD" and "GET" in ALLOWED[handler]):
        return 405, [{"errorCode": "METHOD_NOT_ALLOWED", "message": "HTTP Method '%s' not allowed. Allowed are %s"
                      % (method, ",".join(ALLOWED[handler]))}], {}
    ctx = Ctx(org, method, query, headers, body, base_url, ver)
    with org.lock:
        sess, problem = access.authenticate(org, bearer(headers), soap=False)
        if problem is not None:
            st, b = access_error(problem)
            return st, b, {}
        ctx.sess = sess
        st, b = globals()["_h_" + handler](ctx, *args)
    extra = {}
    lim = org.limits().get("DailyApiRequests")
    if lim:
        extra["Sforce-Limit-Info"] = "api-usage=%d/%d" % (int(lim["Max"]) - int(lim["Remaining"]), int(lim["Max"]))
    return st, b, extra


# ------------------------------------------------------------------ query

def _rows(org, obj):
    d = org.data()
    if obj == "Profile":
        return [{"Id": p["id"], "Name": p["name"]} for p in d.get("profiles", [])]
    if obj == "PermissionSet":
        return [{"Id": p["id"], "Name": p["name"], "Label": p.get("label", p["name"]), "IsOwnedByProfile": False}
                for p in d.get("permissionSets", [])]
    if obj == "User":
        out = []
        for u in d.get("users", []):
            prof = org.profile(u.get("profile")) or {}
            out.append({"Id": u["id"], "Username": u["username"], "Name": org.user_name(u["id"]),
                        "ProfileId": prof.get("id"), "IsActive": bool(u.get("active", True))})
        return out
    txn = org.begin()
    if obj == "ExternalClientApplication":
        out = []
        for n, r in txn.records(ECA_HEADER, copy=False):
            out.append({"Id": txn.meta(ECA_HEADER, n)[1], "DeveloperName": n, "MasterLabel": R.get(r, "label") or n,
                        "DistributionState": R.get(r, "distributionState") or "Local",
                        "ContactEmail": R.get(r, "contactEmail")})
        return out
    if obj == "ConnectedApplication":
        return [{"Id": txn.meta("ConnectedApp", n)[1], "Name": R.get(r, "label") or n}
                for n, r in txn.records("ConnectedApp", copy=False)]
    if obj == "ConversationChannelDefinition":
        return [ccd_row(txn, n, r) for n, r in txn.records(rules.CCD, copy=False)]
    return []


def ccd_row(txn, name, rec):
    row = {"Id": txn.meta(rules.CCD, name)[1]}
    t = get_schema().complex.get(rules.CCD)
    for sf, md in CCD_FIELDS.items():
        v = R.get(rec, md)
        if md == "developerName" and v is None:
            v = name
        el = t.by_name.get(md) if t else None
        if v is not None and el is not None and el.type == "boolean":
            v = R.is_true(v)
        elif v is not None and el is not None and el.type == "int":
            v = int(v)
        row[sf] = v
    return row


def _record_json(obj, fields, row, ver, tooling):
    url = "/services/data/v%s/%ssobjects/%s/%s" % (ver, "tooling/" if tooling else "", obj, row.get("Id"))
    out = {"attributes": {"type": obj, "url": url}}
    for f in fields:
        out[f] = row.get(f)
    return out


def _page(ctx, records, offset, locator, tooling):
    size = max(1, int(ctx.org.settings().get("queryPageSize") or 2000))
    chunk = records[offset:offset + size]
    done = offset + size >= len(records)
    out = {"totalSize": len(records), "done": done, "records": chunk}
    if not done:
        out["nextRecordsUrl"] = "/services/data/v%s/%squery/%s-%d" % (ctx.version, "tooling/" if tooling else "",
                                                                      locator, offset + size)
    return out


def _h_query(ctx, tooling):
    q = ctx.param("q")
    objs = TOOLING_OBJECTS if tooling else OBJECTS
    try:
        parsed = soql.parse(q)
        obj, fields, rows = soql.execute(q, objs, lambda o: _rows(ctx.org, o), parsed)
    except soql.SoqlError as e:
        return 400, [{"message": e.message, "errorCode": e.code}]
    records = [_record_json(obj, fields, r, ctx.version, tooling) for r in rows]
    size = max(1, int(ctx.org.settings().get("queryPageSize") or 2000))
    locator = None
    if len(records) > size:
        locator = util.sfid18(PREFIX_QUERY_LOCATOR + util.random_alnum(12))
        if len(ctx.org.cursors) > 200:
            ctx.org.cursors.pop(next(iter(ctx.org.cursors)))
        ctx.org.cursors[locator] = (records, tooling)
    return 200, _page(ctx, records, 0, locator, tooling)


def _h_query_more(ctx, tooling, loc):
    locator, off = loc.rsplit("-", 1)
    cur = ctx.org.cursors.get(locator)
    if cur is None or cur[1] != tooling or int(off) >= len(cur[0]) or int(off) <= 0:
        return 400, [{"message": "invalid query locator", "errorCode": "INVALID_QUERY_LOCATOR"}]
    return 200, _page(ctx, cur[0], int(off), locator, tooling)


# ------------------------------------------------------------------ limits, identity

def _h_limits(ctx):
    return 200, ctx.org.limits()


def _h_identity(ctx, org_id, user_id):
    org = ctx.org
    u = org.user_by_id(user_id)
    if u is None or not util.same_id(org_id, org.org_id) or not util.same_id(u["id"], ctx.sess["user"]["id"]):
        return 403, [{"errorCode": "FORBIDDEN", "message": "Bad_Id"}]
    base = ctx.base_url
    return 200, {"id": "%s/id/%s/%s" % (base, org.org_id, u["id"]), "asserted_user": True, "user_id": u["id"],
                 "organization_id": org.org_id, "username": u["username"], "display_name": org.user_name(u["id"]),
                 "active": bool(u.get("active", True)), "user_type": "STANDARD",
                 "urls": {"metadata": base + "/services/Soap/m/{version}/" + org.org_id15,
                          "rest": base + "/services/data/v{version}/"}}


# ------------------------------------------------------------------ credentials

def _eca_by_id(ctx, eca_id):
    found = ctx.org.find_by_id(eca_id, [ECA_HEADER])
    return found[1] if found else None


def _consumer(ctx, eca):
    txn = ctx.org.begin()
    glob = txn.eca_children(eca, [ECA_GLOBAL], copy=False)
    oauth = txn.eca_children(eca, [ECA_OAUTH], copy=False)
    if not glob or not oauth:
        return None
    link = R.get(oauth[0][2], "oauthLink")
    cid = rules.consumer_id_of_link(link)
    if not cid:
        return None
    header = txn.get(ECA_HEADER, eca) or []
    return {"id": util.sfid18(cid) if len(cid) == 15 else cid, "key": R.get(glob[0][2], "consumerKey"),
            "secret": R.get(glob[0][2], "consumerSecret"), "name": R.get(header, "label") or eca}


def _h_credentials(ctx, eca_id):
    eca = _eca_by_id(ctx, eca_id)
    if eca is None:
        return 404, NOT_FOUND
    c = _consumer(ctx, eca)
    consumers = [] if c is None else [{"id": c["id"], "key": c["key"], "name": c["name"]}]
    return 200, {"consumers": consumers}


def _h_credentials_key(ctx, eca_id, consumer_id):
    eca = _eca_by_id(ctx, eca_id)
    if eca is None:
        return 404, NOT_FOUND
    c = _consumer(ctx, eca)
    if c is None or not util.same_id(c["id"], consumer_id):
        return 404, NOT_FOUND
    part = (ctx.param("part") or "key").lower()
    if part not in ("key", "secret", "keyandsecret"):
        return 400, [{"errorCode": "ILLEGAL_QUERY_PARAMETER_VALUE",
                      "message": "Invalid value for parameter part: %s. Use key, secret or keyandsecret." % part}]
    out = {"id": c["id"], "name": c["name"],
           "url": "/services/data/v%s/apps/oauth/credentials/%s/%s" % (ctx.version, eca_id, consumer_id)}
    if part in ("key", "keyandsecret"):
        out["key"] = c["key"]
    if part in ("secret", "keyandsecret"):
        if not ctx.org.settings().get("clientSecretInRestApi"):
            return 403, [{"errorCode": "FUNCTIONALITY_NOT_ENABLED",
                          "message": "Access to external client app consumer secrets through the REST API is not "
                                     "currently enabled for this org. Turn on \"Allow access to External Client App "
                                     "consumer secrets via REST API\"."}]
        out["secret"] = c["secret"]
    return 200, {k: out[k] for k in sorted(out)}


# ------------------------------------------------------------------ tooling sObject ConversationChannelDefinition

def _h_ccd(ctx, rid):
    org = ctx.org
    found = org.find_by_id(rid, [rules.CCD])
    if found is None:
        return 404, NOT_FOUND
    name = found[1]
    txn = org.begin()
    rec = txn.get(rules.CCD, name)
    if rec is None:
        return 404, NOT_FOUND
    if ctx.method in ("GET", "HEAD"):
        row = ccd_row(txn, name, rec)
        row["FullName"] = name
        return 200, dict(_record_json(rules.CCD, [], row, ctx.version, True), **row)
    try:
        patch = json.loads(ctx.body.decode("utf-8") or "null")
    except (UnicodeDecodeError, ValueError):
        return 400, [{"errorCode": "JSON_PARSER_ERROR", "message": "The request body isn't valid JSON"}]
    if not isinstance(patch, dict):
        return 400, [{"errorCode": "JSON_PARSER_ERROR", "message": "Expected a JSON object"}]
    names = {k.lower(): k for k in CCD_FIELDS}
    new = R.copy(rec)
    for k, v in patch.items():
        if k == "attributes":
            continue
        if k in CCD_READONLY or k.lower() in ("id", "developername"):
            return 400, [{"errorCode": "INVALID_FIELD_FOR_INSERT_UPDATE", "fields": [k],
                          "message": "Unable to create/update fields: %s. Please check the security settings of this "
                                     "field and verify that it is read/write for your profile or permission set." % k}]
        sf = names.get(k.lower())
        if sf is None:
            return 400, [{"errorCode": "INVALID_FIELD", "fields": [k],
                          "message": "No such column '%s' on sobject of type ConversationChannelDefinition" % k}]
        md = CCD_FIELDS[sf]
        if v is None:
            if md in rules.CCD_LINKS:
                return 400, [{"errorCode": "FIELD_INTEGRITY_EXCEPTION", "fields": [sf],
                              "message": "%s: This value is automatically generated; it can't be cleared." % sf}]
            R.remove_field(new, md)
        elif isinstance(v, bool):
            R.set_field(new, md, "true" if v else "false")
        elif isinstance(v, (int, float, str)):
            R.set_field(new, md, str(v))
        else:
            return 400, [{"errorCode": "JSON_PARSER_ERROR", "fields": [sf],
                          "message": "Cannot deserialize a %s value for %s" % (type(v).__name__, sf)}]
    try:
        rules.update(org, txn, rules.CCD, name, new, ctx.sess["user"]["id"])
    except FieldError as e:
        fields = []
        rev = {v: k for k, v in CCD_FIELDS.items()}
        for f in e.fields:
            fields.append(rev.get(f.split("/")[-1], f))
        return 400, [{"errorCode": e.status, "message": e.message, "fields": fields}]
    org.commit(txn)
    return 204, None
