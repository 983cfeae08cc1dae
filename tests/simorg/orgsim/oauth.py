"""POST /services/oauth2/token with the JWT bearer grant.

Checks, in this order (first failure answers, HTTP 400 {"error", "error_description"}):
  grant_type              unsupported_grant_type / "grant type not supported"
  assertion shape, alg    invalid_grant / "invalid assertion"   (3 base64url parts, JSON, alg RS256 only)
  iss = a consumer key    invalid_client_id / "client identifier invalid"
  ECA activation delay    invalid_client_id / "External client app is not installed in this org"
  ECA plugins enabled     invalid_client_id / "client identifier invalid"
  certificate + signature invalid_grant / "invalid assertion"
  aud                     invalid_grant / "audience is invalid"
  exp (seconds)           invalid_grant / "expired authorization code"
  sub (or prn)            invalid_grant / "user hasn't approved this consumer" (unknown user)
                          invalid_grant / "inactive user" (inactive user)
  pre-authorization       invalid_grant / "user hasn't approved this consumer"
"""

import json
import secrets
import time
import urllib.parse

from . import jwtverify
from . import record as R
from . import util
from .registry import ECA_GLOBAL, ECA_OAUTH, ECA_OAUTH_POLICIES, ECA_POLICIES, scope_names

GRANT_JWT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
STANDARD_AUDIENCES = ("https://login.salesforce.com", "https://test.salesforce.com")
EXP_MAX_AHEAD = 300   # seconds; Salesforce documents 3 minutes, the simulator allows 5
EXP_SKEW = 10         # seconds an assertion may be late


def _fail(error, desc, status=400):
    return status, {"error": error, "error_description": desc}


def find_app(txn, key):
    """('ca', name, record) or ('eca', eca name, global settings record) for a consumer key."""
    if not key:
        return None
    for n, r in txn.records("ConnectedApp", copy=False):
        if R.get_path(r, "oauthConfig/consumerKey") == key:
            return ("ca", n, R.copy(r))
    for n, r in txn.records(ECA_GLOBAL, copy=False):
        if R.get(r, "consumerKey") == key:
            return ("eca", R.get(r, "externalClientApplication"), R.copy(r))
    return None


def _activation_pending(org, key):
    act = (org.runtime().get("ecaActivation") or {}).get(key)
    if act is None:
        return False
    cfg = org.settings().get("ecaActivation") or {}
    attempts = int(cfg.get("attempts") or 0)
    seconds = float(cfg.get("seconds") or 0)
    pending = act.get("attempts", 0) < attempts or time.time() - act.get("createdAt", 0) < seconds
    if act.get("attempts", 0) < attempts:
        rt = dict(org.runtime())
        a = dict(rt.get("ecaActivation") or {})
        a[key] = dict(act, attempts=act.get("attempts", 0) + 1)
        rt["ecaActivation"] = a
        org.save_runtime(rt)
    return pending


def _user_permsets(user):
    return set(user.get("permissionSets") or [])


def _preauthorized(org, txn, kind, name, rec, user):
    profile = org.profile(user.get("profile"))
    profile_name = profile["name"] if profile else user.get("profile")
    permsets = _user_permsets(user)
    if kind == "ca":
        if not R.is_true(R.get_path(rec, "oauthConfig/isAdminApproved") or "false"):
            return False
        if profile_name in [p.strip() for p in R.get_all(rec, "profileName")]:
            return True
        return bool(permsets & set(p.strip() for p in R.get_all(rec, "permissionSetName")))
    pols = txn.eca_children(name, [ECA_OAUTH_POLICIES], copy=False)
    if not pols:
        return False
    pol = pols[0][2]
    if R.get(pol, "permittedUsersPolicyType") != "AdminApprovedPreAuthorized":
        return False
    profiles = [p.strip() for p in (R.get(pol, "commaSeparatedProfile") or "").split(",") if p.strip()]
    sets = [p.strip() for p in (R.get(pol, "commaSeparatedPermissionSet") or "").split(",") if p.strip()]
    return profile_name in profiles or bool(permsets & set(sets))


def _eca_enabled(txn, eca):
    for _, _, r in txn.eca_children(eca, [ECA_POLICIES], copy=False):
        if R.is_false(R.get(r, "isEnabled") or "true") or R.is_false(R.get(r, "isOauthPluginEnabled") or "true"):
            return False
    return True


def _app_scopes(txn, kind, name, rec):
    if kind == "ca":
        toks = [s.strip() for s in R.get_all(R.get(rec, "oauthConfig") or [], "scopes")]
    else:
        kids = txn.eca_children(name, [ECA_OAUTH], copy=False)
        v = R.get(kids[0][2], "commaSeparatedOauthScopes") if kids else ""
        toks = [s.strip() for s in (v or "").split(",") if s.strip()]
    return scope_names(toks)


def _named_user_jwt(kind, rec):
    path = "oauthConfig/isNamedUserJwtEnabled" if kind == "ca" else "isNamedUserJwtEnabled"
    return R.is_true(R.get_path(rec, path) or "false")


def _audience_ok(aud, base_urls):
    allowed = set(STANDARD_AUDIENCES) | {u.rstrip("/") for u in base_urls}
    auds = aud if isinstance(aud, list) else [aud]
    return any(isinstance(a, str) and a.rstrip("/") in allowed for a in auds)


def token(org, base_url, base_urls, body, content_type):
    """Returns (status, json dict)."""
    if "application/x-www-form-urlencoded" not in (content_type or "").lower():
        return _fail("unsupported_grant_type", "grant type not supported")
    try:
        form = urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        return _fail("invalid_request", "invalid request")
    grant = (form.get("grant_type") or [""])[0]
    if grant != GRANT_JWT:
        return _fail("unsupported_grant_type", "grant type not supported")
    assertion = (form.get("assertion") or [""])[0]
    try:
        jwt = jwtverify.parse(assertion)
    except jwtverify.JwtError:
        return _fail("invalid_grant", "invalid assertion")
    if jwt.header.get("alg") != "RS256":
        return _fail("invalid_grant", "invalid assertion")
    claims = jwt.claims
    txn = org.begin()
    app = find_app(txn, claims.get("iss") if isinstance(claims.get("iss"), str) else None)
    if app is None:
        return _fail("invalid_client_id", "client identifier invalid")
    kind, name, rec = app
    key = claims["iss"]
    if kind == "eca":
        if _activation_pending(org, key):
            return _fail("invalid_client_id", "External client app is not installed in this org")
        if not _eca_enabled(txn, name):
            return _fail("invalid_client_id", "client identifier invalid")
    cert = R.get_path(rec, "oauthConfig/certificate") if kind == "ca" else R.get(rec, "certificate")
    if not cert or not jwtverify.verify_rs256(jwt, cert):
        return _fail("invalid_grant", "invalid assertion")
    if not _audience_ok(claims.get("aud"), base_urls):
        return _fail("invalid_grant", "audience is invalid")
    exp = claims.get("exp")
    now = time.time()
    if isinstance(exp, bool) or not isinstance(exp, int) or exp <= now - EXP_SKEW or exp > now + EXP_MAX_AHEAD:
        return _fail("invalid_grant", "expired authorization code")
    username = claims.get("prn") if isinstance(claims.get("prn"), str) else claims.get("sub")
    user = org.user_by_name(username) if isinstance(username, str) else None
    if user is None:
        return _fail("invalid_grant", "user hasn't approved this consumer")
    if not user.get("active", True):
        return _fail("invalid_grant", "inactive user")
    if not _preauthorized(org, txn, kind, name, rec, user):
        return _fail("invalid_grant", "user hasn't approved this consumer")

    scopes = _app_scopes(txn, kind, name, rec)
    issued_ms = int(now * 1000)
    jwt_format = _named_user_jwt(kind, rec)
    if jwt_format:
        hdr = jwtverify.b64url_encode(json.dumps({"alg": "RS256", "typ": "JWT", "kid": "simorg"}).encode())
        payload = jwtverify.b64url_encode(json.dumps({
            "iss": base_url, "sub": user["id"], "aud": key, "orgId": org.org_id,
            "scp": scopes, "iat": int(now), "exp": int(now) + 7200, "jti": secrets.token_hex(8),
        }).encode())
        access = "%s.%s.%s" % (hdr, payload, jwtverify.b64url_encode(secrets.token_bytes(64)))
    else:
        access = "%s!%s" % (org.org_id15, util.random_alnum(96))
    org.add_session({"token": access, "username": user["username"], "userId": user["id"],
                     "format": "jwt" if jwt_format else "opaque", "scope": " ".join(scopes),
                     "consumerKey": key, "issuedAt": issued_ms})
    out = {"access_token": access, "scope": " ".join(scopes), "instance_url": base_url,
           "id": "%s/id/%s/%s" % (base_url, org.org_id, user["id"]), "token_type": "Bearer",
           "issued_at": str(issued_ms)}
    if jwt_format:
        out["token_format"] = "jwt"
        out["api_instance_url"] = base_url
    return 200, out
