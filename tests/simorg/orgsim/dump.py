"""dump: a normalized, deterministic JSON view of an org's metadata.

{"orgId": ..., "metadata": {Type: {fullName: {field: value | [values] | {...}}}}}
consumerSecret values always print as "<secret>".  With stable=True the
values the org generates are masked so two runs (or a run and its rollback)
compare equal:
  ExtlClntAppGlobalOauthSettings.consumerKey        -> "<consumerKey:ECA>"
  ExtlClntAppOauthSettings.oauthLink                -> "<oauthLink:ECA>"
  CCD connectedAppOauthLink / customerConnectedAppOauthLink equal to an ECA's link -> "<oauthLink:ECA>"
  generated OAuth policies names <ECA>_oauthPlcy<digits> -> "<ECA>_oauthPlcy<generated>" (also their label)
"""

import json
import re

from . import record as R
from .registry import TYPES, ECA_GLOBAL, ECA_OAUTH, ECA_OAUTH_POLICIES
from .schema import get_schema

_GEN_POLICY = re.compile(r"^(.*)_oauthPlcy\d{6}$")


def dump_org(org, stable=False):
    schema = get_schema()
    txn = org.begin()
    links = {}
    for n, r in txn.records(ECA_OAUTH):
        link = R.get(r, "oauthLink")
        if link:
            links[link] = R.get(r, "externalClientApplication") or n
    out = {}
    for t in sorted(TYPES):
        comps = {}
        for n, r in txn.records(t):
            j = R.to_json(schema, t, r)
            if "consumerSecret" in j:
                j["consumerSecret"] = "<secret>"
            if isinstance(j.get("oauthConfig"), dict) and "consumerSecret" in j["oauthConfig"]:
                j["oauthConfig"]["consumerSecret"] = "<secret>"
            name = n
            if stable:
                eca = j.get("externalClientApplication")
                if t == ECA_GLOBAL and "consumerKey" in j:
                    j["consumerKey"] = "<consumerKey:%s>" % eca
                if t == ECA_OAUTH and "oauthLink" in j:
                    j["oauthLink"] = "<oauthLink:%s>" % eca
                if t == "ConversationChannelDefinition":
                    for f in ("connectedAppOauthLink", "customerConnectedAppOauthLink"):
                        if j.get(f) in links:
                            j[f] = "<oauthLink:%s>" % links[j[f]]
                if t == ECA_OAUTH_POLICIES:
                    m = _GEN_POLICY.match(n)
                    if m:
                        name = "%s_oauthPlcy<generated>" % m.group(1)
                        if j.get("label") == n:
                            j["label"] = name
            comps[name] = j
        if comps:
            out[t] = {k: comps[k] for k in sorted(comps)}
    return {"orgId": org.org_id, "metadata": out}


def dump_state(state, stable=False, org_name=None):
    if not state.multi:
        return dump_org(state.org(), stable)
    if org_name:
        o = state.org(org_name)
        if o is None:
            raise SystemExit("no org named %s" % org_name)
        return dump_org(o, stable)
    return {"orgs": {n: dump_org(state.org(n), stable) for n in state.org_names()}}


def dumps(obj):
    return json.dumps(obj, indent=2, sort_keys=True) + "\n"
