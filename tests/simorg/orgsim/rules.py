"""What the org does on createMetadata / updateMetadata / upsertMetadata / deleteMetadata.

Each function works on a store.Txn and raises record.FieldError (statusCode,
message, fields) for a component that fails; the SOAP layer turns that into a
<result><success>false</success><errors>...</errors></result>.
"""

import re
import secrets
import time

from . import record as R
from . import util
from .jwtverify import load_certificate
from .record import FieldError
from .registry import (TYPES, ECA_HEADER, ECA_OAUTH, ECA_GLOBAL, ECA_OAUTH_POLICIES,
                       ECA_CHILD_TYPES, ECA_SCOPE_TOKENS, ECA_IP_RELAXATION, ECA_REFRESH_UNITS,
                       CA_IP_RELAXATION, PREFIX_OAUTH_CONSUMER)
from .schema import get_schema

CONNECTED_APP = "ConnectedApp"
CCD = "ConversationChannelDefinition"
CCD_LINKS = ("connectedAppOauthLink", "customerConnectedAppOauthLink")

CA_CREATE_REFUSED = ("Connected app creation is restricted as of Spring '26. You can use existing connected apps, "
                     "but we recommend using external client apps instead. If you must create connected apps, "
                     "contact Salesforce Support.")

# Fields the org generates and keeps when an update does not send them.
GENERATED = {
    CONNECTED_APP: ["oauthConfig/consumerKey", "oauthConfig/consumerSecret"],
    ECA_HEADER: ["orgScopedExternalApp"],
    ECA_OAUTH: ["oauthLink"],
    ECA_GLOBAL: ["consumerKey", "consumerSecret"],
    CCD: list(CCD_LINKS),
}

_DEV_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
_COMPONENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,119}$")
_CA_REFRESH = re.compile(r"^(zero|infinite|specific_(lifetime|inactivity):[0-9]+:(HOURS|DAYS|MONTHS))$")


def _err(status, msg, *fields):
    return FieldError(status, msg, list(fields))


# ------------------------------------------------------------------ helpers

def check_name(md_type, name):
    if not name:
        raise _err("REQUIRED_FIELD_MISSING", "Required field is missing: fullName", "fullName")
    if md_type == ECA_HEADER:
        if not _DEV_NAME.match(name) or name.endswith("_") or "__" in name:
            raise _err("FIELD_INTEGRITY_EXCEPTION",
                       "The API name can only contain underscores and alphanumeric characters. It must be unique, "
                       "begin with a letter, not include spaces, not end with an underscore, not contain two "
                       "consecutive underscores, and be at most 40 characters: %s" % name, "fullName")
    elif not _COMPONENT_NAME.match(name):
        raise _err("FIELD_INTEGRITY_EXCEPTION", "Invalid fullName: %s" % name, "fullName")


def split_list(v):
    return [x.strip() for x in (v or "").split(",") if x.strip()]


def valid_links(org, txn):
    """oauthLink values the org knows: every ECA's OAuth settings, every connected app."""
    links = set()
    for _, r in txn.records(ECA_OAUTH, copy=False):
        link = R.get(r, "oauthLink")
        if link:
            links.add(link)
    for n in txn.names(CONNECTED_APP):
        links.add(ca_link(org, txn, n))
    return links


def ca_link(org, txn, name):
    _, sfid = txn.meta(CONNECTED_APP, name)
    return "%s:%s" % (org.org_id15, util.id15(sfid or ""))


def eca_of(txn, md_type, rec):
    eca = R.get(rec, "externalClientApplication")
    if not eca or not txn.exists(ECA_HEADER, eca):
        raise _err("INVALID_CROSS_REFERENCE_KEY",
                   "In field: externalClientApplication - no ExternalClientApplication named %s found" % (eca or ""),
                   "externalClientApplication")
    return eca


def one_per_eca(txn, md_type, eca, name, field_label):
    for t, n, _ in txn.eca_children(eca, [md_type], copy=False):
        if n != name:
            raise _err("DUPLICATE_VALUE", "%s duplicates value on %s" % (field_label, n), "externalClientApplication")


def check_certificate(rec, field="certificate"):
    cert = R.get(rec, field)
    if cert is None or cert.strip() == "":
        return
    try:
        load_certificate(cert)
    except Exception:
        raise _err("FIELD_INTEGRITY_EXCEPTION", "The certificate isn't a valid X.509 certificate.", field)


def check_names_exist(org, rec, field, kind):
    missing = []
    for n in split_list(R.get(rec, field)):
        found = org.profile(n) if kind == "profiles" else org.permset(n)
        if not found or found.get("name") != n:
            missing.append(n)
    if missing:
        raise _err("INVALID_FIELD", "We couldn't find %s called %s" % (kind, ", ".join(missing)), field)


def oauth_settings_of(txn, eca):
    kids = txn.eca_children(eca, [ECA_OAUTH], copy=False)
    return kids[0] if kids else None


def consumer_id_of_link(link):
    return link.split(":", 1)[1] if link and ":" in link else None


def all_consumer_keys(txn, skip=None):
    keys = {}
    for n, r in txn.records(CONNECTED_APP, copy=False):
        k = R.get_path(r, "oauthConfig/consumerKey")
        if k:
            keys[k] = (CONNECTED_APP, n)
    for n, r in txn.records(ECA_GLOBAL, copy=False):
        k = R.get(r, "consumerKey")
        if k and (ECA_GLOBAL, n) != skip:
            keys[k] = (ECA_GLOBAL, n)
    return keys


# ------------------------------------------------------------------ per-type checks

def _check_oauth_settings(org, txn, rec):
    for tok in split_list(R.get(rec, "commaSeparatedOauthScopes")):
        if tok not in ECA_SCOPE_TOKENS:
            raise _err("FIELD_INTEGRITY_EXCEPTION", "'%s' is not a valid OAuth scope for an external client app" % tok,
                       "commaSeparatedOauthScopes")
    check_certificate(rec, "clientAssertionCertificate")


def _check_oauth_policies(org, rec):
    v = R.get(rec, "ipRelaxationPolicyType")
    if v is not None and v not in ECA_IP_RELAXATION:
        raise _err("FIELD_INTEGRITY_EXCEPTION",
                   "'%s' is not a valid value for ipRelaxationPolicyType: use Enforce, Bypass, Bypass_2factor or "
                   "Enforce_RelaxRefresh" % v, "ipRelaxationPolicyType")
    v = R.get(rec, "refreshTokenValidityUnit")
    if v is not None and v not in ECA_REFRESH_UNITS:
        raise _err("FIELD_INTEGRITY_EXCEPTION",
                   "'%s' is not a valid value for refreshTokenValidityUnit: use Days, Hours or Months" % v,
                   "refreshTokenValidityUnit")
    check_names_exist(org, rec, "commaSeparatedProfile", "profiles")
    check_names_exist(org, rec, "commaSeparatedPermissionSet", "permission sets")
    u = R.get(rec, "clientCredentialsFlowUser")
    if u and not org.user_by_name(u):
        raise _err("FIELD_INTEGRITY_EXCEPTION", "The user %s doesn't exist in this org" % u,
                   "clientCredentialsFlowUser")


def _check_connected_app(org, rec):
    v = R.get_path(rec, "oauthPolicy/ipRelaxation")
    if v is not None and v not in CA_IP_RELAXATION:
        raise _err("FIELD_INTEGRITY_EXCEPTION", "'%s' is not a valid value for ipRelaxation" % v, "ipRelaxation")
    v = R.get_path(rec, "oauthPolicy/refreshTokenPolicy")
    if v is not None and not _CA_REFRESH.match(v):
        raise _err("FIELD_INTEGRITY_EXCEPTION", "'%s' is not a valid value for refreshTokenPolicy" % v,
                   "refreshTokenPolicy")
    oc = R.get(rec, "oauthConfig")
    if isinstance(oc, list):
        check_certificate(oc)
    for p in R.get_all(rec, "profileName"):
        if p and not org.profile(p):
            raise _err("INVALID_FIELD", "We couldn't find profiles called %s" % p, "profileName")
    for p in R.get_all(rec, "permissionSetName"):
        if p and not org.permset(p):
            raise _err("INVALID_FIELD", "We couldn't find permission sets called %s" % p, "permissionSetName")


def _check_ccd_links(org, txn, rec, old):
    links = None
    for f in CCD_LINKS:
        v = R.get(rec, f)
        if v is None:
            continue
        if old is not None and R.get(old, f) == v:
            continue
        if links is None:
            links = valid_links(org, txn)
        if v not in links:
            raise _err("FIELD_INTEGRITY_EXCEPTION",
                       "%s: %s isn't the OAuth link of an external client app or connected app in this org. "
                       "This value is automatically generated." % (f, v), f)


def _policies_name(txn, eca):
    while True:
        n = "%s_oauthPlcy%06d" % (eca, secrets.randbelow(1000000))
        if not txn.exists(ECA_OAUTH_POLICIES, n):
            return n


# ------------------------------------------------------------------ operations

def prepare(md_type, name, rec):
    check_name(md_type, name)
    return R.validate(get_schema(), md_type, rec)


def create(org, txn, md_type, name, rec, user_id):
    rec = prepare(md_type, name, rec)
    if md_type == CONNECTED_APP:
        raise _err("FUNCTIONALITY_NOT_ENABLED", CA_CREATE_REFUSED)
    if txn.exists(md_type, name):
        if md_type == ECA_HEADER:
            raise _err("DUPLICATE_DEVELOPER_NAME",
                       "An external client app with the API name %s already exists. Enter a unique name." % name,
                       "fullName")
        _, sfid = txn.meta(md_type, name)
        raise _err("DUPLICATE_VALUE", "duplicate value found: fullName duplicates value on record with id: %s"
                   % sfid, "fullName")

    if md_type == ECA_HEADER:
        if not R.has(rec, "orgScopedExternalApp"):
            R.set_field(rec, "orgScopedExternalApp", "%s:%s" % (org.org_id15, name))
    elif md_type in ECA_CHILD_TYPES:
        eca = eca_of(txn, md_type, rec)
        if md_type == ECA_OAUTH:
            if R.get(rec, "oauthLink") is not None:
                raise _err("FIELD_INTEGRITY_EXCEPTION",
                           "The OAuth link in the OAuth settings is incorrect. Remove the oauthLink field: it's "
                           "generated during deployment.", "oauthLink")
            one_per_eca(txn, md_type, eca, name, "ExternalClientApplicationId")
            _check_oauth_settings(org, txn, rec)
            consumer = util.sfid18("%s%s" % (PREFIX_OAUTH_CONSUMER, "%012d" % txn.next_seq))[:15]
            txn.next_seq += 1
            R.set_field(rec, "oauthLink", "%s:%s" % (org.org_id15, consumer))
            existing = txn.eca_children(eca, [ECA_OAUTH_POLICIES], copy=False)
            if not existing:
                pname = _policies_name(txn, eca)
                policies = [("externalClientApplication", eca),
                            ("ipRelaxationPolicyType", "Enforce"),
                            ("isClientCredentialsFlowEnabled", "false"),
                            ("isTokenExchangeFlowEnabled", "false"),
                            ("label", pname),
                            ("permittedUsersPolicyType", "AllSelfAuthorized"),
                            ("refreshTokenPolicyType", "Infinite")]
                txn.put(ECA_OAUTH_POLICIES, pname, policies, user_id, created=True)
        elif md_type == ECA_GLOBAL:
            one_per_eca(txn, md_type, eca, name, "ExternalClientApplicationId")
            if oauth_settings_of(txn, eca) is None:
                raise _err("FIELD_INTEGRITY_EXCEPTION",
                           "The external client app %s has no OAuth settings. Create its ExtlClntAppOauthSettings "
                           "before its global OAuth settings." % eca, "externalClientApplication")
            check_certificate(rec)
            R.remove_field(rec, "shouldRotateConsumerKey")
            R.remove_field(rec, "shouldRotateConsumerSecret")
            key = R.get(rec, "consumerKey")
            if key:
                other = all_consumer_keys(txn).get(key)
                if other:
                    raise _err("DUPLICATE_VALUE", "Consumer keys must be globally unique: the key is used by %s %s"
                               % other, "consumerKey")
            else:
                key = util.random_consumer_key()
                R.set_field(rec, "consumerKey", key)
            if not R.get(rec, "consumerSecret"):
                R.set_field(rec, "consumerSecret", util.random_consumer_secret())
            created_at = time.time()

            def note_activation(key=key, created_at=created_at):
                rt = dict(org.runtime())
                act = dict(rt.get("ecaActivation") or {})
                act[key] = {"createdAt": created_at, "attempts": 0}
                rt["ecaActivation"] = act
                org.save_runtime(rt)
            txn.hooks.append(note_activation)
        elif md_type == ECA_OAUTH_POLICIES:
            if oauth_settings_of(txn, eca) is None:
                raise _err("INVALID_CROSS_REFERENCE_KEY",
                           "ExtlClntAppOauthSettingsId: the external client app %s has no OAuth settings" % eca,
                           "externalClientApplication")
            one_per_eca(txn, md_type, eca, name, "ExtlClntAppOauthSettingsId")
            _check_oauth_policies(org, rec)
        else:
            one_per_eca(txn, md_type, eca, name, "ExternalClientApplicationId")
    elif md_type == CCD:
        _check_ccd_links(org, txn, rec, None)
    txn.put(md_type, name, rec, user_id, created=True)


def update(org, txn, md_type, name, rec, user_id):
    rec = prepare(md_type, name, rec)
    old = txn.get(md_type, name)
    if old is None:
        raise _err("INVALID_CROSS_REFERENCE_KEY", "In field: fullName - no %s named %s found" % (md_type, name),
                   "fullName")
    # generated fields: kept when not sent, refused when changed
    for path in GENERATED.get(md_type, []):
        oldv = R.get_path(old, path)
        newv = R.get_path(rec, path)
        if newv is None:
            if oldv is not None and (("/" not in path) or R.get(rec, path.split("/")[0]) is not None):
                R.set_path(rec, path, oldv)
        elif md_type != CCD and newv != oldv:
            field = path.split("/")[-1]
            if field == "oauthLink":
                msg = ("The OAuth link in the OAuth settings is incorrect. Remove the oauthLink field or send the "
                       "value the org generated.")
            else:
                msg = "You can't change %s: the value is set when the app is created." % field
            raise _err("FIELD_INTEGRITY_EXCEPTION", msg, field)
    if md_type in ECA_CHILD_TYPES:
        if R.get(rec, "externalClientApplication") != R.get(old, "externalClientApplication"):
            raise _err("FIELD_INTEGRITY_EXCEPTION", "You can't change the external client app of %s" % name,
                       "externalClientApplication")
    if md_type == ECA_OAUTH:
        _check_oauth_settings(org, txn, rec)
    elif md_type == ECA_GLOBAL:
        check_certificate(rec)
        R.remove_field(rec, "shouldRotateConsumerKey")
        R.remove_field(rec, "shouldRotateConsumerSecret")
    elif md_type == ECA_OAUTH_POLICIES:
        _check_oauth_policies(org, rec)
    elif md_type == CONNECTED_APP:
        _check_connected_app(org, rec)
    elif md_type == CCD:
        _check_ccd_links(org, txn, rec, old)
    txn.put(md_type, name, rec, user_id, created=False)


def upsert(org, txn, md_type, name, rec, user_id):
    """Returns True when the component was created."""
    check_name(md_type, name)
    if txn.exists(md_type, name):
        update(org, txn, md_type, name, rec, user_id)
        return False
    create(org, txn, md_type, name, rec, user_id)
    return True


def delete(org, txn, md_type, name):
    rec = txn.get(md_type, name) if name else None
    if rec is None:
        raise _err("INVALID_CROSS_REFERENCE_KEY", "In field: fullName - no %s named %s found" % (md_type, name or ""),
                   "fullName")
    txn.delete(md_type, name)
    if md_type == ECA_HEADER:
        for t, n, _ in txn.eca_children(name, copy=False):
            txn.delete(t, n)
    elif md_type == ECA_OAUTH:
        eca = R.get(rec, "externalClientApplication")
        if eca:
            for t, n, _ in txn.eca_children(eca, [ECA_OAUTH_POLICIES], copy=False):
                txn.delete(t, n)


def known_type(md_type):
    return md_type in TYPES
