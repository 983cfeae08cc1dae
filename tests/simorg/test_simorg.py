"""Tests of the simulated org (tests/simorg).

Run: python3 -m unittest discover -s tests/simorg -v

Most tests share one server in multi-org mode: every test seeds its own org
(STATE/<test name>) from fixtures/example-org, so tests never see each
other's changes.  Tests of single-org mode, TLS, restarts and the CLI start
their own servers.  JWTs are built here with `cryptography`, independently of
the simulator's verifier and of ca2eca.
"""

import base64
import datetime
import http.client
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import types
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
SIMORG = os.path.join(HERE, "simorg.py")
FIXTURE = os.path.join(REPO, "fixtures", "example-org")
ADMIN_CLI_KEY = os.path.join(FIXTURE, "keys", "admin-cli.key")
ADMIN_CLI_CRT = os.path.join(FIXTURE, "keys", "admin-cli.crt")
PARTNER1_KEY = os.path.join(REPO, "fixtures", "example-project", "keys", "partner1-jwt.key")
PARTNER1_CRT = os.path.join(REPO, "fixtures", "example-project", "keys", "partner1-jwt.crt")

sys.path.insert(0, HERE)
import simorg  # noqa: E402

MD = "http://soap.sforce.com/2006/04/metadata"
ENV = "http://schemas.xmlsoap.org/soap/envelope/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
NS = {"m": MD, "s": ENV, "xsi": XSI}

ADMIN = "admin@partner1-org.example.com"
INTERACTION = "interaction@partner1-org.example.com"
ORDER_SYNC = "order.sync@acme.example.com"
MARKETING = "marketing.user@partner1-org.example.com"
FORMER = "former.admin@partner1-org.example.com"
OPS_KEY = "3MVG9OpsAdminCliExampleConsumerKeyForSimulatedOrgJwtLogin0000000000000000000000000004"
P1_KEY = "3MVG9Partner1ExampleConsumerKeyForTheInteractionServiceAppOnly0000000000000000000001"
ACME_KEY = "3MVG9AcmeOrderSyncExampleConsumerKey000000000000000000000000000000000000000000002"
P1_LINK = "00D000000000001:0H4000000000001"
OPS_POLICIES = "Ops_AdminCli_oauthPlcy604318"

_DEF = object()

with open(os.path.join(FIXTURE, "org.json")) as _f:
    _ORG = json.load(_f)
ADMIN_TOKEN = _ORG["sessions"][0]["token"]
STD_TOKEN = _ORG["sessions"][1]["token"]


# ---------------------------------------------------------------------------- JWT

def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def load_key(path):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), None)


def cert_body(path):
    with open(path) as f:
        return "".join(line.strip() for line in f if "-----" not in line)


def make_jwt(key_path, iss, sub, aud="https://login.salesforce.com", exp="default", alg="RS256",
             extra=None, drop=()):
    header = {"alg": alg}
    claims = {"iss": iss, "sub": sub, "aud": aud, "exp": int(time.time()) + 120 if exp == "default" else exp}
    for k in drop:
        claims.pop(k, None)
    claims.update(extra or {})
    signing_input = (b64u(json.dumps(header).encode()) + "." + b64u(json.dumps(claims).encode())).encode()
    if alg == "none":
        return signing_input.decode() + "."
    key = load_key(key_path)
    sig = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    return signing_input.decode() + "." + b64u(sig)


# ---------------------------------------------------------------------------- server processes

class Server:
    """A simorg server subprocess on an ephemeral loopback port."""

    def __init__(self, state, tls=None):
        self.state = state
        self.tmp = tempfile.mkdtemp(prefix="simorg-srv-")
        self.port_file = os.path.join(self.tmp, "port")
        cmd = [sys.executable, SIMORG, "serve", "--state", state, "--port-file", self.port_file]
        if tls:
            cmd += ["--tls-cert", tls[0], "--tls-key", tls[1]]
        self.err_path = os.path.join(self.tmp, "stderr")
        self.err = open(self.err_path, "w")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.err, text=True)
        deadline = time.time() + 15
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("simorg did not start: %s" % self.stderr())
            time.sleep(0.02)
        with open(self.port_file) as f:
            self.port = int(f.read().strip())
        self.banner = self.proc.stdout.readline().strip()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.err.close()
        self.errors = self.stderr()
        shutil.rmtree(self.tmp, ignore_errors=True)
        # a traceback on the server's stderr is a simulator bug
        assert "Traceback" not in self.errors, self.errors
        return self.proc.returncode

    def stderr(self):
        with open(self.err_path) as f:
            return f.read()


class Client:
    """HTTP/1.1 client with one kept-alive connection, pointed at one org's base URL."""

    def __init__(self, port, prefix="", scheme="http", context=None, host="127.0.0.1", token=ADMIN_TOKEN):
        self.token_ = token
        self.port = port
        self.prefix = prefix
        self.scheme = scheme
        self.context = context
        self.host = host
        self.conn = None
        self.base = "%s://%s:%d%s" % (scheme, host, port, prefix)

    def _conn(self):
        if self.conn is None:
            if self.scheme == "https":
                self.conn = http.client.HTTPSConnection(self.host, self.port, context=self.context, timeout=10)
            else:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        return self.conn

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, method, path, body=None, headers=None):
        hdrs = dict(headers or {})
        if isinstance(body, str):
            body = body.encode()
        try:
            c = self._conn()
            c.request(method, self.prefix + path, body=body, headers=hdrs)
            r = c.getresponse()
            data = r.read()
        except Exception:
            self.close()
            raise
        if r.getheader("Connection", "").lower() == "close":
            self.close()
        return r.status, r, data

    # --- OAuth
    def token(self, assertion, grant="urn:ietf:params:oauth:grant-type:jwt-bearer"):
        body = urllib.parse.urlencode({"grant_type": grant, "assertion": assertion})
        st, _, data = self.request("POST", "/services/oauth2/token", body,
                                   {"Content-Type": "application/x-www-form-urlencoded"})
        return st, json.loads(data)

    # --- REST
    def rest(self, method, path, token=_DEF, body=None):
        hdrs = {}
        token = self.token_ if token is _DEF else token
        if token:
            hdrs["Authorization"] = "Bearer " + token
        if body is not None:
            hdrs["Content-Type"] = "application/json"
            body = json.dumps(body)
        st, r, data = self.request(method, path, body, hdrs)
        if data and "json" in (r.getheader("Content-Type") or ""):
            return st, json.loads(data), r
        return st, (data or None), r

    def query(self, soql, token=_DEF, tooling=False):
        path = "/services/data/v66.0/%squery?q=%s" % ("tooling/" if tooling else "", urllib.parse.quote(soql))
        st, j, _ = self.rest("GET", path, token)
        return st, j

    # --- SOAP
    def soap(self, body_xml, token=_DEF, headers_xml="", version="66.0", raw=None):
        env = raw or self.envelope(body_xml, token, headers_xml)
        st, _, data = self.request("POST", "/services/Soap/m/%s" % version, env,
                                   {"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": '""'})
        return st, ET.fromstring(data)

    def envelope(self, body_xml, token=_DEF, headers_xml=""):
        token = self.token_ if token is _DEF else token
        return ('<?xml version="1.0" encoding="UTF-8"?>'
                '<soapenv:Envelope xmlns:soapenv="%s" xmlns:xsi="%s">'
                '<soapenv:Header xmlns="%s"><SessionHeader><sessionId>%s</sessionId></SessionHeader>%s'
                '</soapenv:Header><soapenv:Body xmlns="%s">%s</soapenv:Body></soapenv:Envelope>'
                % (ENV, XSI, MD, token, headers_xml, MD, body_xml))

    def list_md(self, *types, token=_DEF):
        q = "".join("<queries><type>%s</type></queries>" % t for t in types)
        st, root = self.soap("<listMetadata>%s<asOfVersion>66.0</asOfVersion></listMetadata>" % q, token)
        return st, root

    def listed(self, *types):
        st, root = self.list_md(*types)
        assert st == 200, ET.tostring(root)
        return [(r.findtext("m:type", namespaces=NS), r.findtext("m:fullName", namespaces=NS))
                for r in root.iterfind(".//m:listMetadataResponse/m:result", NS)]

    def read_md(self, md_type, *names, token=_DEF):
        body = "<readMetadata><type>%s</type>%s</readMetadata>" % (
            md_type, "".join("<fullNames>%s</fullNames>" % n for n in names))
        return self.soap(body, token)

    def records(self, md_type, *names):
        st, root = self.read_md(md_type, *names)
        assert st == 200, ET.tostring(root)
        return root.findall(".//m:readMetadataResponse/m:result/m:records", NS)

    def save(self, op, md_type, *components, all_or_none=None, token=_DEF):
        """components: (fullName, inner field XML)"""
        mds = "".join('<metadata xsi:type="%s"><fullName>%s</fullName>%s</metadata>' % (md_type, n, f)
                      for n, f in components)
        hdr = "" if all_or_none is None else "<AllOrNoneHeader><allOrNone>%s</allOrNone></AllOrNoneHeader>" % (
            "true" if all_or_none else "false")
        st, root = self.soap("<%sMetadata>%s</%sMetadata>" % (op, mds, op), token, hdr)
        return st, root

    def save_results(self, op, md_type, *components, all_or_none=None):
        st, root = self.save(op, md_type, *components, all_or_none=all_or_none)
        assert st == 200, ET.tostring(root)
        return [result_dict(r) for r in root.iterfind(".//m:result", NS)]

    def delete(self, md_type, *names):
        st, root = self.soap("<deleteMetadata><type>%s</type>%s</deleteMetadata>" % (
            md_type, "".join("<fullNames>%s</fullNames>" % n for n in names)))
        assert st == 200, ET.tostring(root)
        return [result_dict(r) for r in root.iterfind(".//m:result", NS)]


def result_dict(r):
    d = {"fullName": r.findtext("m:fullName", namespaces=NS), "success": r.findtext("m:success", namespaces=NS),
         "created": r.findtext("m:created", namespaces=NS), "errors": []}
    for e in r.findall("m:errors", NS):
        d["errors"].append((e.findtext("m:statusCode", namespaces=NS), e.findtext("m:message", namespaces=NS)))
    return d


def fault(root):
    f = root.find(".//s:Fault", NS)
    if f is None:
        return None
    return f.findtext("faultcode"), f.findtext("faultstring")


def rec_fields(rec):
    return [(c.tag.split("}")[1], c.text) for c in rec]


# ---------------------------------------------------------------------------- shared multi-org server

STATE = None
SERVER = None
_COUNTER = [0]


def setUpModule():
    global STATE, SERVER
    STATE = tempfile.mkdtemp(prefix="simorg-state-")
    # the root needs one org before serving so it is a multi-org state
    simorg.main(["seed", "--from", FIXTURE, "--state", STATE, "--as", "base", "--org-id", "00D000000099999"])
    SERVER = Server(STATE)


def tearDownModule():
    rc = SERVER.stop()
    shutil.rmtree(STATE, ignore_errors=True)
    assert rc == 0, rc


class OrgTest(unittest.TestCase):
    """Each test gets a fresh copy of the example org at /org/<name>."""

    def setUp(self):
        _COUNTER[0] += 1
        self.name = "t%03d_%s" % (_COUNTER[0], self._testMethodName[5:35])
        simorg.main(["seed", "--from", FIXTURE, "--state", STATE, "--as", self.name,
                     "--org-id", "00D%012d" % (1000 + _COUNTER[0])])
        self.dir = os.path.join(STATE, self.name)
        d = self.org_json()
        self.org_id = d["orgId"]
        self.admin_token = d["sessions"][0]["token"]
        self.std_token = d["sessions"][1]["token"]
        self.c = Client(SERVER.port, "/org/" + self.name, token=self.admin_token)

    def tearDown(self):
        self.c.close()

    # helpers
    def org_json(self):
        with open(os.path.join(self.dir, "org.json")) as f:
            return json.load(f)

    def set_org(self, **changes):
        d = self.org_json()
        for k, v in changes.items():
            if isinstance(v, dict) and isinstance(d.get(k), dict):
                d[k].update(v)
            else:
                d[k] = v
        simorg.util.atomic_write_json(os.path.join(self.dir, "org.json"), d)

    def set_faults(self, cfg):
        simorg.util.atomic_write_json(os.path.join(self.dir, "faults.json"), cfg)

    def log(self):
        out = []
        with open(os.path.join(STATE, "requests.jsonl")) as f:
            for line in f:
                e = json.loads(line)
                if e["org"] == self.name:
                    out.append(e)
        return out

    def ops_token(self, user=ADMIN, **kw):
        return self.c.token(make_jwt(ADMIN_CLI_KEY, OPS_KEY, user, **kw))

    def create_eca(self, name, cert=True, scopes="Api, RefreshToken", named_jwt=False):
        """header -> OAuth settings -> global settings; returns the generated policies name."""
        r = self.c.save_results("create", "ExternalClientApplication",
                                (name, "<contactEmail>ops@example.com</contactEmail><distributionState>Local"
                                       "</distributionState><label>%s</label>" % name))
        self.assertEqual(r[0]["success"], "true", r)
        r = self.c.save_results("create", "ExtlClntAppOauthSettings",
                                (name + "_oauth", "<commaSeparatedOauthScopes>%s</commaSeparatedOauthScopes>"
                                                  "<externalClientApplication>%s</externalClientApplication>"
                                                  "<label>%s_oauth</label>" % (scopes, name, name)))
        self.assertEqual(r[0]["success"], "true", r)
        fields = "<callbackUrl>https://example.com/cb</callbackUrl>"
        if cert:
            fields += "<certificate>%s</certificate>" % cert_body(ADMIN_CLI_CRT)
        fields += "<externalClientApplication>%s</externalClientApplication>" % name
        fields += "<isNamedUserJwtEnabled>%s</isNamedUserJwtEnabled>" % ("true" if named_jwt else "false")
        r = self.c.save_results("create", "ExtlClntAppGlobalOauthSettings", (name + "_glbloauth", fields))
        self.assertEqual(r[0]["success"], "true", r)
        return self.policies_of(name)

    def policies_of(self, eca):
        names = [n for t, n in self.c.listed("ExtlClntAppOauthConfigurablePolicies")]
        found = []
        for i in range(0, len(names), 10):
            for rec in self.c.records("ExtlClntAppOauthConfigurablePolicies", *names[i:i + 10]):
                if rec.findtext("m:externalClientApplication", namespaces=NS) == eca:
                    found.append(rec.findtext("m:fullName", namespaces=NS))
        self.assertEqual(len(found), 1, found)
        return found[0]

    def consumer_key(self, glob):
        rec = self.c.records("ExtlClntAppGlobalOauthSettings", glob)[0]
        return rec.findtext("m:consumerKey", namespaces=NS)

    def preauthorize(self, policies, eca, profiles="System Administrator", permsets=None):
        f = "<externalClientApplication>%s</externalClientApplication>" % eca
        if profiles:
            f += "<commaSeparatedProfile>%s</commaSeparatedProfile>" % profiles
        if permsets:
            f += "<commaSeparatedPermissionSet>%s</commaSeparatedPermissionSet>" % permsets
        f += "<permittedUsersPolicyType>AdminApprovedPreAuthorized</permittedUsersPolicyType>"
        r = self.c.save_results("update", "ExtlClntAppOauthConfigurablePolicies", (policies, f))
        self.assertEqual(r[0]["success"], "true", r)


# ---------------------------------------------------------------------------- JWT bearer

class TestJwtBearer(OrgTest):

    def test_eca_success_and_token_shape(self):
        st, j = self.ops_token()
        self.assertEqual(st, 200, j)
        self.assertEqual(j["token_type"], "Bearer")
        self.assertEqual(j["instance_url"], self.c.base)
        self.assertTrue(j["access_token"].startswith(self.org_id[:15] + "!"))
        self.assertEqual(j["scope"].split(), ["api", "refresh_token", "offline_access"])
        self.assertRegex(j["id"], r"^%s/id/%s/005\w{15}$" % (re.escape(self.c.base), self.org_id))
        self.assertRegex(j["issued_at"], r"^\d{13}$")
        self.assertNotIn("token_format", j)
        st, root = self.c.list_md("ExternalClientApplication", token=j["access_token"])
        self.assertEqual(st, 200)
        st, q = self.c.query("SELECT Id FROM Profile", token=j["access_token"])
        self.assertEqual(st, 200)

    def test_connected_app_named_user_jwt_token(self):
        st, j = self.c.token(make_jwt(PARTNER1_KEY, P1_KEY, INTERACTION))
        self.assertEqual(st, 200, j)
        self.assertEqual(j["token_format"], "jwt")
        self.assertEqual(j["scope"].split(), ["interaction_api", "refresh_token", "offline_access"])
        self.assertEqual(j["access_token"].count("."), 2)
        # JWT-based access tokens are for REST only
        st, root = self.c.list_md("ConnectedApp", token=j["access_token"])
        self.assertEqual(st, 500)
        code, msg = fault(root)
        self.assertEqual(code, "sf:INVALID_SESSION_ID")
        self.assertIn("JWT-based access tokens can be used only with REST APIs", msg)
        # ...and this one has no api scope
        st, body = self.c.query("SELECT Id FROM Profile", token=j["access_token"])
        self.assertEqual(st, 401)
        self.assertEqual(body[0]["errorCode"], "INVALID_SESSION_ID")

    def test_audiences(self):
        for aud in ("https://login.salesforce.com", "https://test.salesforce.com", self.c.base, self.c.base + "/",
                    "http://localhost:%d/org/%s" % (SERVER.port, self.name)):
            st, j = self.ops_token(aud=aud)
            self.assertEqual(st, 200, (aud, j))
        for aud in ("https://login.salesforce.com.evil", "https://example.my.salesforce.com", None,
                    "http://127.0.0.1:%d/org/other" % SERVER.port):
            st, j = self.ops_token(aud=aud)
            self.assertEqual((st, j), (400, {"error": "invalid_grant", "error_description": "audience is invalid"}),
                             aud)

    def test_bad_assertions(self):
        bad = {"error": "invalid_grant", "error_description": "invalid assertion"}
        good = make_jwt(ADMIN_CLI_KEY, OPS_KEY, ADMIN)
        h, c, s = good.split(".")
        cases = {
            "alg none": make_jwt(ADMIN_CLI_KEY, OPS_KEY, ADMIN, alg="none"),
            "two parts": h + "." + c,
            "four parts": good + ".x",
            "garbage": "not-a-jwt",
            "empty": "",
            "wrong key": make_jwt(PARTNER1_KEY, OPS_KEY, ADMIN),
            "tampered claims": h + "." + b64u(json.dumps({"iss": OPS_KEY, "sub": FORMER, "aud":
                                                          "https://login.salesforce.com",
                                                          "exp": int(time.time()) + 60}).encode()) + "." + s,
            "standard base64": h + "." + c + "." + base64.b64encode(b"\xfb\xff" * 100).decode(),
        }
        # HS256 with any secret
        hdr = b64u(json.dumps({"alg": "HS256"}).encode())
        cases["HS256"] = hdr + "." + c + "." + s
        cases["RS512 header"] = b64u(json.dumps({"alg": "RS512"}).encode()) + "." + c + "." + s
        for what, a in cases.items():
            st, j = self.c.token(a)
            self.assertEqual((st, j), (400, bad), what)

    def test_unknown_client_and_app_without_certificate(self):
        st, j = self.c.token(make_jwt(ADMIN_CLI_KEY, "3MVG9NoSuchKey", ADMIN))
        self.assertEqual((st, j), (400, {"error": "invalid_client_id", "error_description": "client identifier invalid"}))
        # Acme_OrderSync has no certificate: JWT bearer is not enabled for it
        st, j = self.c.token(make_jwt(ADMIN_CLI_KEY, ACME_KEY, ORDER_SYNC))
        self.assertEqual((st, j), (400, {"error": "invalid_grant", "error_description": "invalid assertion"}))

    def test_grant_type_and_content_type(self):
        st, j = self.c.token(make_jwt(ADMIN_CLI_KEY, OPS_KEY, ADMIN), grant="password")
        self.assertEqual((st, j["error"]), (400, "unsupported_grant_type"))
        st, _, data = self.c.request("POST", "/services/oauth2/token", json.dumps({"assertion": "x"}),
                                     {"Content-Type": "application/json"})
        self.assertEqual((st, json.loads(data)["error"]), (400, "unsupported_grant_type"))

    def test_exp_rules(self):
        expired = (400, {"error": "invalid_grant", "error_description": "expired authorization code"})
        now = int(time.time())
        for what, exp in {"past": now - 60, "milliseconds": now * 1000 + 120000, "10 minutes ahead": now + 600,
                          "string": str(now + 60), "float": now + 60.5, "bool": True}.items():
            self.assertEqual(self.ops_token(exp=exp), expired, what)
        st, j = self.c.token(make_jwt(ADMIN_CLI_KEY, OPS_KEY, ADMIN, drop=("exp",)))
        self.assertEqual((st, j), expired)
        self.assertEqual(self.ops_token(exp=now + 180)[0], 200)
        self.assertEqual(self.ops_token(exp=now + 290)[0], 200)

    def test_subject_rules(self):
        self.assertEqual(self.ops_token(user="nobody@example.com"),
                         (400, {"error": "invalid_grant", "error_description": "user hasn't approved this consumer"}))
        self.assertEqual(self.ops_token(user=FORMER),
                         (400, {"error": "invalid_grant", "error_description": "inactive user"}))
        # usernames are case-insensitive; prn wins over sub
        self.assertEqual(self.ops_token(user=ADMIN.upper())[0], 200)
        st, j = self.c.token(make_jwt(ADMIN_CLI_KEY, OPS_KEY, "nobody@example.com", extra={"prn": ADMIN}))
        self.assertEqual(st, 200, j)

    def test_eca_preauthorization(self):
        not_approved = (400, {"error": "invalid_grant", "error_description": "user hasn't approved this consumer"})
        self.assertEqual(self.ops_token(user=MARKETING), not_approved)
        self.assertEqual(self.ops_token(user=ORDER_SYNC), not_approved)
        self.preauthorize(OPS_POLICIES, "Ops_AdminCli", profiles="Custom: Marketing Profile , Standard User",
                          permsets=" Messaging_Agent,Order_Sync_Integration")
        self.assertEqual(self.ops_token(user=MARKETING)[0], 200)
        self.assertEqual(self.ops_token(user=ORDER_SYNC)[0], 200)
        self.assertEqual(self.ops_token(user=ADMIN), not_approved)
        # all users may self-authorize: nobody is pre-authorized
        r = self.c.save_results("update", "ExtlClntAppOauthConfigurablePolicies", (
            OPS_POLICIES, "<commaSeparatedProfile>System Administrator</commaSeparatedProfile>"
                          "<externalClientApplication>Ops_AdminCli</externalClientApplication>"
                          "<permittedUsersPolicyType>AllSelfAuthorized</permittedUsersPolicyType>"))
        self.assertEqual(r[0]["success"], "true")
        self.assertEqual(self.ops_token(user=ADMIN), not_approved)

    def test_eca_plugin_disabled(self):
        r = self.c.save_results("update", "ExtlClntAppConfigurablePolicies", (
            "Ops_AdminCli_plcy", "<externalClientApplication>Ops_AdminCli</externalClientApplication>"
                                 "<isEnabled>true</isEnabled><isOauthPluginEnabled>false</isOauthPluginEnabled>"))
        self.assertEqual(r[0]["success"], "true")
        self.assertEqual(self.ops_token(),
                         (400, {"error": "invalid_client_id", "error_description": "client identifier invalid"}))

    def test_connected_app_preauthorization_by_permission_set(self):
        # give Acme_OrderSync a certificate (editing connected apps is still allowed)
        rec = self.c.records("ConnectedApp", "Acme_OrderSync")[0]
        fields = "".join(ET.tostring(ch, encoding="unicode") for ch in rec if not ch.tag.endswith("}fullName"))
        fields = fields.replace("</ns0:callbackUrl>", "</ns0:callbackUrl><ns0:certificate xmlns:ns0=\"%s\">%s"
                                "</ns0:certificate>" % (MD, cert_body(PARTNER1_CRT)), 1)
        r = self.c.save_results("update", "ConnectedApp", ("Acme_OrderSync", fields))
        self.assertEqual(r[0]["success"], "true", r)
        st, j = self.c.token(make_jwt(PARTNER1_KEY, ACME_KEY, ORDER_SYNC))
        self.assertEqual(st, 200, j)
        self.assertEqual(j["scope"].split(), ["api", "refresh_token", "offline_access"])
        st, j = self.c.token(make_jwt(PARTNER1_KEY, ACME_KEY, ADMIN))  # not in Order_Sync_Integration
        self.assertEqual(j["error_description"], "user hasn't approved this consumer")
        # the consumer key survived the update although it was sent back unchanged; the secret too
        with open(os.path.join(self.dir, "metadata", "ConnectedApp", "Acme_OrderSync.xml")) as f:
            text = f.read()
        self.assertIn("<consumerSecret>", text)
        self.assertIn("<certificate>", text)

    def test_new_eca_activation_delay(self):
        self.set_org(settings={"ecaActivation": {"attempts": 2, "seconds": 0}})
        pol = self.create_eca("Partner1_NewApp")
        self.preauthorize(pol, "Partner1_NewApp")
        key = self.consumer_key("Partner1_NewApp_glbloauth")
        jwt = lambda: make_jwt(ADMIN_CLI_KEY, key, ADMIN)  # noqa: E731
        for _ in range(2):
            self.assertEqual(self.c.token(jwt()), (400, {"error": "invalid_client_id", "error_description":
                                                         "External client app is not installed in this org"}))
        self.assertEqual(self.c.token(jwt())[0], 200)
        # seeded ECAs are installed; a time-based delay applies to new ones only
        self.set_org(settings={"ecaActivation": {"attempts": 0, "seconds": 60}})
        self.assertEqual(self.ops_token()[0], 200)
        self.assertEqual(self.c.token(jwt())[1]["error"], "invalid_client_id")

    def test_certificate_forms(self):
        with open(ADMIN_CLI_CRT) as f:
            pem = f.read()
        for cert in (pem, cert_body(ADMIN_CLI_CRT), "\n".join(cert_body(ADMIN_CLI_CRT)[i:i + 76] for i in
                                                              range(0, len(cert_body(ADMIN_CLI_CRT)), 76))):
            r = self.c.save_results("update", "ExtlClntAppGlobalOauthSettings", (
                "Ops_AdminCli_glbloauth", "<certificate>%s</certificate><externalClientApplication>Ops_AdminCli"
                                          "</externalClientApplication>" % cert))
            self.assertEqual(r[0]["success"], "true", r)
            self.assertEqual(self.ops_token()[0], 200)
        # the partner's certificate: the admin key no longer verifies
        r = self.c.save_results("update", "ExtlClntAppGlobalOauthSettings", (
            "Ops_AdminCli_glbloauth", "<certificate>%s</certificate><externalClientApplication>Ops_AdminCli"
                                      "</externalClientApplication>" % cert_body(PARTNER1_CRT)))
        self.assertEqual(self.ops_token()[1]["error_description"], "invalid assertion")
        self.assertEqual(self.c.token(make_jwt(PARTNER1_KEY, OPS_KEY, ADMIN))[0], 200)

    def test_eca_scopes_and_named_user_jwt(self):
        pol = self.create_eca("Partner1_Interaction", scopes="Interaction, RefreshToken, OpenID, Basic",
                              named_jwt=True)
        self.preauthorize(pol, "Partner1_Interaction")
        st, j = self.c.token(make_jwt(ADMIN_CLI_KEY, self.consumer_key("Partner1_Interaction_glbloauth"),
                                      INTERACTION))
        self.assertEqual(st, 200, j)
        self.assertEqual(j["scope"].split(), ["interaction_api", "refresh_token", "offline_access", "openid", "id"])
        self.assertEqual(j["token_format"], "jwt")


# ---------------------------------------------------------------------------- Metadata SOAP API

def eca_header(label="App"):
    return "<contactEmail>ops@example.com</contactEmail><label>%s</label>" % label


class TestSoapRead(OrgTest):

    def test_list_not_sorted_and_file_properties(self):
        st, root = self.c.list_md("ConnectedApp", "ExternalClientApplication", "ConversationChannelDefinition")
        self.assertEqual(st, 200)
        results = root.findall(".//m:result", NS)
        names = [r.findtext("m:fullName", namespaces=NS) for r in results]
        self.assertEqual(set(names), {"Partner1_ConnectedApp1", "Acme_OrderSync", "Legacy_CommunityLogin",
                                      "Ops_AdminCli", "Partner1_ChannelDefinition1"})
        self.assertNotEqual(names, sorted(names))
        byname = {r.findtext("m:fullName", namespaces=NS): r for r in results}
        p1 = byname["Partner1_ConnectedApp1"]
        self.assertEqual(p1.findtext("m:fileName", namespaces=NS), "connectedApps/Partner1_ConnectedApp1.connectedApp")
        self.assertEqual(p1.findtext("m:id", namespaces=NS), "0H4000000000001CAA")
        self.assertEqual(p1.findtext("m:manageableState", namespaces=NS), "unmanaged")
        self.assertEqual(p1.findtext("m:type", namespaces=NS), "ConnectedApp")
        self.assertEqual(byname["Partner1_ChannelDefinition1"].findtext("m:fileName", namespaces=NS),
                         "conversationChannelDefinitions/Partner1_ChannelDefinition1.ConversationChannelDefinition")
        for r in results:
            self.assertEqual({c.tag.split("}")[1] for c in r},
                             {"createdById", "createdByName", "createdDate", "fileName", "fullName", "id",
                              "lastModifiedById", "lastModifiedByName", "lastModifiedDate", "manageableState",
                              "type"})
        # newest first: a created component comes before the seeded ones
        self.c.save_results("create", "ExternalClientApplication", ("Zed_App", eca_header()))
        self.c.save_results("create", "ExternalClientApplication", ("Aaa_App", eca_header()))
        self.assertEqual([n for _, n in self.c.listed("ExternalClientApplication")],
                         ["Aaa_App", "Zed_App", "Ops_AdminCli"])

    def test_list_limits_and_types(self):
        st, root = self.c.list_md("ConnectedApp", "ExternalClientApplication", "ExtlClntAppOauthSettings",
                                  "ExtlClntAppGlobalOauthSettings")
        self.assertEqual(st, 500)
        self.assertEqual(fault(root)[0], "sf:EXCEEDED_ID_LIMIT")
        st, root = self.c.list_md("NoSuchType")
        self.assertEqual((st, fault(root)[0]), (500, "sf:INVALID_TYPE"))
        self.assertEqual(self.c.listed("Profile"), [])
        self.assertEqual(self.c.listed(), [])

    def test_read_records(self):
        recs = self.c.records("ExtlClntAppGlobalOauthSettings", "nope", "Ops_AdminCli_glbloauth", "nope2")
        self.assertEqual(len(recs), 3)
        self.assertEqual(recs[0].get("{%s}nil" % XSI), "true")
        self.assertEqual(recs[2].get("{%s}nil" % XSI), "true")
        r = recs[1]
        self.assertEqual(r.get("{%s}type" % XSI), "ExtlClntAppGlobalOauthSettings")
        fields = rec_fields(r)
        self.assertEqual(fields[0], ("fullName", "Ops_AdminCli_glbloauth"))
        d = dict(fields)
        self.assertEqual(d["consumerKey"], OPS_KEY)
        self.assertNotIn("consumerSecret", d)
        self.assertIn("certificate", d)
        # connected app secret never returned either; the key is
        ca = self.c.records("ConnectedApp", "Partner1_ConnectedApp1")[0]
        oc = ca.find("m:oauthConfig", NS)
        self.assertEqual(oc.findtext("m:consumerKey", namespaces=NS), P1_KEY)
        self.assertIsNone(oc.find("m:consumerSecret", NS))
        self.assertEqual([c.text for c in oc.findall("m:scopes", NS)], ["Interaction", "RefreshToken"])
        # oauthLink is returned
        o = self.c.records("ExtlClntAppOauthSettings", "Ops_AdminCli_oauth")[0]
        self.assertEqual(o.findtext("m:oauthLink", namespaces=NS), self.org_id[:15] + ":888000000000001")
        # known type, nothing stored
        self.assertEqual(self.c.records("Profile", "Admin")[0].get("{%s}nil" % XSI), "true")

    def test_read_limits(self):
        st, root = self.c.read_md("ConnectedApp", *["n%d" % i for i in range(11)])
        self.assertEqual((st, fault(root)[0]), (500, "sf:EXCEEDED_ID_LIMIT"))
        st, root = self.c.read_md("Bogus", "x")
        self.assertEqual((st, fault(root)[0]), (500, "sf:INVALID_TYPE"))

    def test_session_and_version_faults(self):
        st, root = self.c.list_md("ConnectedApp", token="00D000000000001!bogus")
        self.assertEqual(st, 500)
        self.assertEqual(fault(root), ("sf:INVALID_SESSION_ID",
                                       "INVALID_SESSION_ID: Invalid Session ID found in SessionHeader: Illegal Session"))
        detail = root.find(".//s:Fault/detail", NS)
        self.assertEqual(detail.findtext(".//m:exceptionCode", namespaces=NS), "INVALID_SESSION_ID")
        st, root = self.c.soap("<listMetadata><queries><type>ConnectedApp</type></queries></listMetadata>",
                               version="30.0")
        self.assertEqual((st, fault(root)[0]), (500, "sf:UNSUPPORTED_API_VERSION"))
        st, root = self.c.soap("<listMetadata><queries><type>ConnectedApp</type></queries></listMetadata>",
                               version="31.0")
        self.assertEqual(st, 200)
        # a user without Modify All Data
        st, root = self.c.list_md("ConnectedApp", token=self.std_token)
        self.assertEqual((st, fault(root)[0]), (500, "sf:INSUFFICIENT_ACCESS"))
        # not XML; unknown operation
        st, root = self.c.soap(None, raw="<soapenv:Envelope")
        self.assertEqual((st, fault(root)[0]), (500, "soapenv:Client"))
        st, root = self.c.soap("<describeMetadata><asOfVersion>66.0</asOfVersion></describeMetadata>")
        self.assertEqual((st, fault(root)[0]), (500, "soapenv:Client"))

    def test_any_prefixes_and_element_order(self):
        env = ('<e:Envelope xmlns:e="%s"><e:Header><md:SessionHeader xmlns:md="%s"><md:sessionId>%s'
               '</md:sessionId></md:SessionHeader></e:Header><e:Body><x:createMetadata xmlns:x="%s" '
               'xmlns:i="%s"><x:metadata i:type="x:ExternalClientApplication"><x:label>L</x:label>'
               '<x:fullName>Prefixed_App</x:fullName><x:contactEmail>a@b.c</x:contactEmail></x:metadata>'
               '</x:createMetadata></e:Body></e:Envelope>' % (ENV, MD, self.admin_token, MD, XSI))
        st, root = self.c.soap(None, raw=env)
        self.assertEqual(st, 200, ET.tostring(root))
        self.assertEqual(result_dict(root.find(".//m:result", NS))["success"], "true")
        # a field outside the metadata namespace is refused
        st, root = self.c.save("create", "ExternalClientApplication",
                               ("Unqualified_App", '<label xmlns="">L</label>'))
        r = result_dict(root.find(".//m:result", NS))
        self.assertEqual(r["errors"][0][0], "INVALID_FIELD")
        # xsi:type whose prefix is not the metadata namespace
        env2 = env.replace('i:type="x:ExternalClientApplication"', 'i:type="e:ExternalClientApplication"')
        st, root = self.c.soap(None, raw=env2)
        self.assertEqual((st, fault(root)[0]), (500, "sf:INVALID_TYPE"))


class TestSoapWrite(OrgTest):

    def test_create_eca_family_generates_values(self):
        pol = self.create_eca("Partner1_ExternalClientApp1")
        head = dict(rec_fields(self.c.records("ExternalClientApplication", "Partner1_ExternalClientApp1")[0]))
        self.assertEqual(head["orgScopedExternalApp"], self.org_id[:15] + ":Partner1_ExternalClientApp1")
        oauth = dict(rec_fields(self.c.records("ExtlClntAppOauthSettings", "Partner1_ExternalClientApp1_oauth")[0]))
        self.assertRegex(oauth["oauthLink"], r"^%s:888\d{12}$" % self.org_id[:15])
        key = self.consumer_key("Partner1_ExternalClientApp1_glbloauth")
        self.assertRegex(key, r"^3MVG9[A-Za-z0-9._]{60,}$")
        glob = dict(rec_fields(self.c.records("ExtlClntAppGlobalOauthSettings",
                                              "Partner1_ExternalClientApp1_glbloauth")[0]))
        self.assertNotIn("consumerSecret", glob)
        with open(os.path.join(self.dir, "metadata", "ExtlClntAppGlobalOauthSettings",
                               "Partner1_ExternalClientApp1_glbloauth.xml")) as f:
            self.assertRegex(f.read(), r"<consumerSecret>[0-9A-F]{64}</consumerSecret>")
        # the generated OAuth policies: a name nobody could guess, default values
        self.assertRegex(pol, r"^Partner1_ExternalClientApp1_oauthPlcy\d{6}$")
        p = dict(rec_fields(self.c.records("ExtlClntAppOauthConfigurablePolicies", pol)[0]))
        self.assertEqual(p["permittedUsersPolicyType"], "AllSelfAuthorized")
        self.assertEqual(p["ipRelaxationPolicyType"], "Enforce")
        self.assertEqual(p["refreshTokenPolicyType"], "Infinite")
        self.assertEqual(p["isClientCredentialsFlowEnabled"], "false")
        self.assertEqual(p["isTokenExchangeFlowEnabled"], "false")
        # a second policies record for the same app collides
        r = self.c.save_results("create", "ExtlClntAppOauthConfigurablePolicies", (
            "Partner1_ExternalClientApp1_oauthPlcy",
            "<externalClientApplication>Partner1_ExternalClientApp1</externalClientApplication>"
            "<permittedUsersPolicyType>AdminApprovedPreAuthorized</permittedUsersPolicyType>"))
        self.assertEqual(r[0]["errors"], [("DUPLICATE_VALUE", "ExtlClntAppOauthSettingsId duplicates value on %s"
                                           % pol)])
        # the new app logs in once pre-authorized
        self.preauthorize(pol, "Partner1_ExternalClientApp1")
        st, j = self.c.token(make_jwt(ADMIN_CLI_KEY, key, ADMIN))
        self.assertEqual(st, 200, j)

    def test_create_rules(self):
        C = self.c.save_results
        r = C("create", "ExtlClntAppOauthSettings", ("Ghost_oauth", "<externalClientApplication>Ghost"
                                                     "</externalClientApplication>"))
        self.assertEqual(r[0]["errors"][0][0], "INVALID_CROSS_REFERENCE_KEY")
        self.assertEqual(C("create", "ExternalClientApplication", ("App_One", eca_header()))[0]["success"], "true")
        # global before OAuth settings
        r = C("create", "ExtlClntAppGlobalOauthSettings", ("App_One_glbloauth", "<externalClientApplication>App_One"
                                                           "</externalClientApplication>"))
        self.assertEqual(r[0]["errors"][0][0], "FIELD_INTEGRITY_EXCEPTION")
        self.assertIn("ExtlClntAppOauthSettings", r[0]["errors"][0][1])
        # oauthLink must not be sent on create
        r = C("create", "ExtlClntAppOauthSettings", ("App_One_oauth", "<externalClientApplication>App_One"
                                                     "</externalClientApplication><oauthLink>%s</oauthLink>" % P1_LINK))
        self.assertEqual(r[0]["errors"][0][0], "FIELD_INTEGRITY_EXCEPTION")
        # duplicates
        r = C("create", "ExternalClientApplication", ("App_One", eca_header()))
        self.assertEqual(r[0]["errors"][0][0], "DUPLICATE_DEVELOPER_NAME")
        self.assertEqual(C("create", "ExtlClntAppOauthSettings", ("App_One_oauth", "<externalClientApplication>"
                                                                  "App_One</externalClientApplication>"))[0]["success"],
                         "true")
        r = C("create", "ExtlClntAppOauthSettings", ("App_One_oauth", "<externalClientApplication>App_One"
                                                     "</externalClientApplication>"))
        self.assertEqual(r[0]["errors"][0][0], "DUPLICATE_VALUE")
        r = C("create", "ExtlClntAppOauthSettings", ("App_One_oauth2", "<externalClientApplication>App_One"
                                                     "</externalClientApplication>"))
        self.assertEqual(r[0]["errors"][0][0], "DUPLICATE_VALUE")
        # API name rules for the header
        for bad in ("1App", "App__Two", "App_", "A" * 41):
            r = C("create", "ExternalClientApplication", (bad, eca_header()))
            self.assertEqual(r[0]["errors"][0][0], "FIELD_INTEGRITY_EXCEPTION", bad)
        # a supplied consumer key must be unique: the connected app's key is taken
        r = C("create", "ExtlClntAppGlobalOauthSettings", ("App_One_glbloauth",
                                                           "<consumerKey>%s</consumerKey><externalClientApplication>"
                                                           "App_One</externalClientApplication>" % P1_KEY))
        self.assertEqual(r[0]["errors"][0][0], "DUPLICATE_VALUE")
        # a certificate that is not one
        r = C("create", "ExtlClntAppGlobalOauthSettings", ("App_One_glbloauth",
                                                           "<certificate>MIIBbogus</certificate>"
                                                           "<externalClientApplication>App_One"
                                                           "</externalClientApplication>"))
        self.assertEqual(r[0]["errors"][0][0], "FIELD_INTEGRITY_EXCEPTION")
        # shouldRotate* are accepted and ignored
        r = C("create", "ExtlClntAppGlobalOauthSettings", ("App_One_glbloauth",
                                                           "<externalClientApplication>App_One"
                                                           "</externalClientApplication><shouldRotateConsumerKey>true"
                                                           "</shouldRotateConsumerKey>"))
        self.assertEqual(r[0]["success"], "true", r)
        d = dict(rec_fields(self.c.records("ExtlClntAppGlobalOauthSettings", "App_One_glbloauth")[0]))
        self.assertNotIn("shouldRotateConsumerKey", d)

    def test_connected_app_creation_refused(self):
        fields = ("<contactEmail>a@b.c</contactEmail><label>New CA</label><oauthConfig><callbackUrl>"
                  "https://x</callbackUrl><scopes>Api</scopes></oauthConfig>")
        for op in ("create", "upsert"):
            r = self.c.save_results(op, "ConnectedApp", ("Brand_New_CA", fields))
            self.assertEqual(r[0]["success"], "false")
            self.assertEqual(r[0]["errors"][0][0], "FUNCTIONALITY_NOT_ENABLED")
            self.assertIn("Spring '26", r[0]["errors"][0][1])
        self.assertFalse(os.path.exists(os.path.join(self.dir, "metadata", "ConnectedApp", "Brand_New_CA.xml")))

    def test_call_limits_and_types(self):
        st, root = self.c.save("create", "ExternalClientApplication",
                               *[("App_%d" % i, eca_header()) for i in range(11)])
        self.assertEqual((st, fault(root)[0]), (500, "sf:EXCEEDED_ID_LIMIT"))
        mixed = ('<metadata xsi:type="ExternalClientApplication"><fullName>A1</fullName>%s</metadata>'
                 '<metadata xsi:type="ExtlClntAppOauthSettings"><fullName>A1_oauth</fullName>'
                 '<externalClientApplication>A1</externalClientApplication></metadata>' % eca_header())
        st, root = self.c.soap("<createMetadata>%s</createMetadata>" % mixed)
        self.assertEqual((st, fault(root)[0]), (500, "sf:INVALID_TYPE"))
        st, root = self.c.soap("<createMetadata><metadata><fullName>A1</fullName></metadata></createMetadata>")
        self.assertEqual((st, fault(root)[0]), (500, "sf:INVALID_TYPE"))
        st, root = self.c.soap("<deleteMetadata><type>ExternalClientApplication</type>%s</deleteMetadata>"
                               % "".join("<fullNames>x%d</fullNames>" % i for i in range(11)))
        self.assertEqual((st, fault(root)[0]), (500, "sf:EXCEEDED_ID_LIMIT"))
        self.assertEqual(self.c.listed("ExternalClientApplication"), [("ExternalClientApplication", "Ops_AdminCli")])
        # ten is fine
        r = self.c.save_results("create", "ExternalClientApplication",
                                *[("App_%d" % i, eca_header()) for i in range(10)])
        self.assertEqual([x["success"] for x in r], ["true"] * 10)

    def test_all_or_none(self):
        comps = [("Good_One", eca_header()), ("Bad__Name", eca_header()), ("Good_Two", eca_header())]
        r = self.c.save_results("create", "ExternalClientApplication", *comps, all_or_none=True)
        self.assertEqual([x["success"] for x in r], ["false"] * 3)
        self.assertEqual(r[0]["errors"][0][0], "ALL_OR_NONE_OPERATION_ROLLED_BACK")
        self.assertEqual(r[1]["errors"][0][0], "FIELD_INTEGRITY_EXCEPTION")
        self.assertEqual(r[2]["errors"][0][0], "ALL_OR_NONE_OPERATION_ROLLED_BACK")
        self.assertEqual(len(self.c.listed("ExternalClientApplication")), 1)
        r = self.c.save_results("create", "ExternalClientApplication", *comps, all_or_none=False)
        self.assertEqual([x["success"] for x in r], ["true", "false", "true"])
        self.assertEqual(len(self.c.listed("ExternalClientApplication")), 3)
        # rolling back a create also rolls back what it generated (the policies record)
        r = self.c.save_results("create", "ExtlClntAppOauthSettings",
                                ("Good_One_oauth", "<externalClientApplication>Good_One</externalClientApplication>"),
                                ("Good_Two_oauth", "<externalClientApplication>Nope</externalClientApplication>"),
                                all_or_none=True)
        self.assertEqual([x["success"] for x in r], ["false", "false"])
        self.assertEqual(len(self.c.listed("ExtlClntAppOauthConfigurablePolicies")), 1)

    def test_update_replaces_record_and_keeps_generated_fields(self):
        pol = self.create_eca("Upd_App")
        key = self.consumer_key("Upd_App_glbloauth")
        link = self.c.records("ExtlClntAppOauthSettings", "Upd_App_oauth")[0].findtext("m:oauthLink",
                                                                                      namespaces=NS)
        # header: description dropped because not sent; orgScopedExternalApp kept
        r = self.c.save_results("update", "ExternalClientApplication", ("Upd_App", "<label>New Label</label>"))
        self.assertEqual(r[0]["success"], "true", r)
        h = dict(rec_fields(self.c.records("ExternalClientApplication", "Upd_App")[0]))
        self.assertEqual(h, {"fullName": "Upd_App", "label": "New Label",
                             "orgScopedExternalApp": self.org_id[:15] + ":Upd_App"})
        # OAuth settings: link kept; a different link refused
        r = self.c.save_results("update", "ExtlClntAppOauthSettings", (
            "Upd_App_oauth", "<commaSeparatedOauthScopes>Api</commaSeparatedOauthScopes>"
                             "<externalClientApplication>Upd_App</externalClientApplication>"))
        self.assertEqual(r[0]["success"], "true")
        o = dict(rec_fields(self.c.records("ExtlClntAppOauthSettings", "Upd_App_oauth")[0]))
        self.assertEqual(o["oauthLink"], link)
        self.assertNotIn("label", o)
        r = self.c.save_results("update", "ExtlClntAppOauthSettings", (
            "Upd_App_oauth", "<externalClientApplication>Upd_App</externalClientApplication><oauthLink>%s"
                             "</oauthLink>" % P1_LINK))
        self.assertEqual(r[0]["errors"][0][0], "FIELD_INTEGRITY_EXCEPTION")
        # global: key and secret kept; changing the key refused; certificate removal honoured
        r = self.c.save_results("update", "ExtlClntAppGlobalOauthSettings", (
            "Upd_App_glbloauth", "<externalClientApplication>Upd_App</externalClientApplication>"
                                 "<isPkceRequired>true</isPkceRequired>"))
        self.assertEqual(r[0]["success"], "true")
        g = dict(rec_fields(self.c.records("ExtlClntAppGlobalOauthSettings", "Upd_App_glbloauth")[0]))
        self.assertEqual(g["consumerKey"], key)
        self.assertNotIn("certificate", g)
        with open(os.path.join(self.dir, "metadata", "ExtlClntAppGlobalOauthSettings", "Upd_App_glbloauth.xml")) as f:
            self.assertIn("<consumerSecret>", f.read())
        r = self.c.save_results("update", "ExtlClntAppGlobalOauthSettings", (
            "Upd_App_glbloauth", "<consumerKey>3MVG9Other</consumerKey><externalClientApplication>Upd_App"
                                 "</externalClientApplication>"))
        self.assertEqual(r[0]["errors"][0][0], "FIELD_INTEGRITY_EXCEPTION")
        # a child can't move to another app
        r = self.c.save_results("update", "ExtlClntAppOauthConfigurablePolicies", (
            pol, "<externalClientApplication>Ops_AdminCli</externalClientApplication>"))
        self.assertEqual(r[0]["errors"][0][0], "FIELD_INTEGRITY_EXCEPTION")
        # missing record
        r = self.c.save_results("update", "ExternalClientApplication", ("No_Such_App", "<label>x</label>"))
        self.assertEqual(r[0]["errors"][0][0], "INVALID_CROSS_REFERENCE_KEY")

    def test_upsert(self):
        r = self.c.save_results("upsert", "ExternalClientApplication", ("Ups_App", eca_header("one")),
                                ("Ops_AdminCli", eca_header("Ops Admin CLI v2")))
        self.assertEqual([(x["success"], x["created"]) for x in r], [("true", "true"), ("true", "false")])
        h = dict(rec_fields(self.c.records("ExternalClientApplication", "Ops_AdminCli")[0]))
        self.assertEqual(h["label"], "Ops Admin CLI v2")
        self.assertNotIn("description", h)  # upsert replaces the whole record
        self.assertEqual(h["orgScopedExternalApp"], self.org_id[:15] + ":Ops_AdminCli")
        self.assertEqual(self.ops_token()[0], 200)

    def test_value_validation(self):
        base = "<externalClientApplication>Ops_AdminCli</externalClientApplication>"
        cases = [
            ("<permittedUsersPolicyType>AdminsOnly</permittedUsersPolicyType>", "FIELD_INTEGRITY_EXCEPTION"),
            ("<isClientCredentialsFlowEnabled>yes</isClientCredentialsFlowEnabled>", "FIELD_INTEGRITY_EXCEPTION"),
            ("<ipRelaxationPolicyType>ENFORCE</ipRelaxationPolicyType>", "FIELD_INTEGRITY_EXCEPTION"),
            ("<refreshTokenValidityUnit>DAYS</refreshTokenValidityUnit>", "FIELD_INTEGRITY_EXCEPTION"),
            ("<refreshTokenValidityPeriod>seven</refreshTokenValidityPeriod>", "FIELD_INTEGRITY_EXCEPTION"),
            ("<requiredSessionLevel>HIGH</requiredSessionLevel>", "FIELD_INTEGRITY_EXCEPTION"),
            ("<noSuchField>1</noSuchField>", "INVALID_FIELD"),
            ("<label>a</label><label>b</label>", "INVALID_FIELD"),
            ("<commaSeparatedProfile>System Administrator, Ghost Profile</commaSeparatedProfile>", "INVALID_FIELD"),
            ("<commaSeparatedPermissionSet>0PS000000000001AAA</commaSeparatedPermissionSet>", "INVALID_FIELD"),
            ("<clientCredentialsFlowUser>ghost@example.com</clientCredentialsFlowUser>",
             "FIELD_INTEGRITY_EXCEPTION"),
        ]
        for extra, code in cases:
            r = self.c.save_results("update", "ExtlClntAppOauthConfigurablePolicies", (OPS_POLICIES, base + extra))
            self.assertEqual(r[0]["success"], "false", extra)
            self.assertEqual(r[0]["errors"][0][0], code, (extra, r))
        r = self.c.save_results("update", "ExtlClntAppOauthConfigurablePolicies", (OPS_POLICIES, base))
        self.assertEqual(r[0]["success"], "true")
        # permission sets by API name; message as observed in real orgs
        r = self.c.save_results("update", "ExtlClntAppOauthConfigurablePolicies", (
            OPS_POLICIES, base + "<commaSeparatedPermissionSet>Nope_Set</commaSeparatedPermissionSet>"))
        self.assertEqual(r[0]["errors"][0], ("INVALID_FIELD", "We couldn't find permission sets called Nope_Set"))
        ok = ("<ipRelaxationPolicyType>Enforce_RelaxRefresh</ipRelaxationPolicyType><refreshTokenPolicyType>"
              "SpecificInactivity</refreshTokenPolicyType><refreshTokenValidityPeriod>7</refreshTokenValidityPeriod>"
              "<refreshTokenValidityUnit>Days</refreshTokenValidityUnit><isClientCredentialsFlowEnabled>1"
              "</isClientCredentialsFlowEnabled><clientCredentialsFlowUser>%s</clientCredentialsFlowUser>"
              % ORDER_SYNC)
        r = self.c.save_results("update", "ExtlClntAppOauthConfigurablePolicies", (OPS_POLICIES, base + ok))
        self.assertEqual(r[0]["success"], "true", r)
        d = dict(rec_fields(self.c.records("ExtlClntAppOauthConfigurablePolicies", OPS_POLICIES)[0]))
        self.assertEqual(d["isClientCredentialsFlowEnabled"], "true")  # xsd:boolean normalized
        # OAuth scopes: ECA tokens only (SFApiPlatform, not the connected-app enum's SFAP)
        for scopes, ok in (("Api, SFAP", False), ("interaction_api", False), ("Api,SFApiPlatform , Interaction",
                                                                               True)):
            r = self.c.save_results("update", "ExtlClntAppOauthSettings", (
                "Ops_AdminCli_oauth", "<commaSeparatedOauthScopes>%s</commaSeparatedOauthScopes>"
                                      "<externalClientApplication>Ops_AdminCli</externalClientApplication>" % scopes))
            self.assertEqual(r[0]["success"], "true" if ok else "false", scopes)
        # required fields
        r = self.c.save_results("update", "ExtlClntAppConfigurablePolicies", ("Ops_AdminCli_plcy", base))
        self.assertEqual(r[0]["errors"][0][0], "REQUIRED_FIELD_MISSING")

    def test_ccd_link_rules(self):
        self.create_eca("Partner1_ExternalClientApp1")
        link = self.c.records("ExtlClntAppOauthSettings", "Partner1_ExternalClientApp1_oauth")[0].findtext(
            "m:oauthLink", namespaces=NS)
        ccd = self.c.records("ConversationChannelDefinition", "Partner1_ChannelDefinition1")[0]
        d = dict(rec_fields(ccd))
        self.assertEqual(d["customerConnectedAppOauthLink"], self.org_id[:15] + ":0H4000000000001")
        fields = [(k, v) for k, v in rec_fields(ccd) if k not in ("fullName", "customerConnectedAppOauthLink")]

        def update(link_value):
            xml = "".join("<%s>%s</%s>" % (k, v, k) for k, v in fields)
            if link_value is not None:
                xml += "<customerConnectedAppOauthLink>%s</customerConnectedAppOauthLink>" % link_value
            return self.c.save_results("update", "ConversationChannelDefinition",
                                       ("Partner1_ChannelDefinition1", xml))[0]
        # omitted: kept
        self.assertEqual(update(None)["success"], "true")
        self.assertEqual(dict(rec_fields(self.c.records("ConversationChannelDefinition",
                                                        "Partner1_ChannelDefinition1")[0]))[
            "customerConnectedAppOauthLink"], self.org_id[:15] + ":0H4000000000001")
        # not a link of this org
        r = update("00D000000000001:888999999999999")
        self.assertEqual(r["errors"][0][0], "FIELD_INTEGRITY_EXCEPTION")
        # the new ECA's link
        self.assertEqual(update(link)["success"], "true")
        self.assertEqual(dict(rec_fields(self.c.records("ConversationChannelDefinition",
                                                        "Partner1_ChannelDefinition1")[0]))[
            "customerConnectedAppOauthLink"], link)
        # and back to the connected app (rollback)
        self.assertEqual(update(self.org_id[:15] + ":0H4000000000001")["success"], "true")

    def test_delete_cascades(self):
        self.create_eca("Del_App")
        key = self.consumer_key("Del_App_glbloauth")
        r = self.c.delete("ExternalClientApplication", "Del_App", "Never_Existed")
        self.assertEqual(r[0], {"fullName": "Del_App", "success": "true", "created": None, "errors": []})
        self.assertEqual(r[1]["success"], "false")
        self.assertEqual(r[1]["errors"][0][0], "INVALID_CROSS_REFERENCE_KEY")
        for t in ("ExtlClntAppOauthSettings", "ExtlClntAppGlobalOauthSettings",
                  "ExtlClntAppOauthConfigurablePolicies"):
            self.assertFalse([n for _, n in self.c.listed(t) if n.startswith("Del_App")], t)
        st, j = self.c.token(make_jwt(ADMIN_CLI_KEY, key, ADMIN))
        self.assertEqual(j["error"], "invalid_client_id")
        with open(os.path.join(self.dir, "metadata", "ids.json")) as f:
            ids = json.load(f)
        self.assertNotIn("Del_App", ids.get("ExternalClientApplication", {}))
        # deleting a connected app is allowed (and cannot be undone: creating it again is refused)
        r = self.c.delete("ConnectedApp", "Legacy_CommunityLogin")
        self.assertEqual(r[0]["success"], "true")
        # deleting OAuth settings removes the policies keyed to them
        r = self.c.delete("ExtlClntAppOauthSettings", "Ops_AdminCli_oauth")
        self.assertEqual(r[0]["success"], "true")
        self.assertEqual(self.c.listed("ExtlClntAppOauthConfigurablePolicies"), [])


# ---------------------------------------------------------------------------- REST

class TestRest(OrgTest):

    def test_soql_subset(self):
        st, j = self.c.query("select id, NAME from profile where name = 'System Administrator'")
        self.assertEqual(st, 200, j)
        self.assertEqual(j["totalSize"], 1)
        self.assertTrue(j["done"])
        rec = j["records"][0]
        self.assertEqual(list(rec), ["attributes", "Id", "Name"])
        self.assertEqual(rec["attributes"]["type"], "Profile")
        self.assertEqual(rec["attributes"]["url"], "/services/data/v66.0/sobjects/Profile/" + rec["Id"])
        st, j = self.c.query("SELECT Name FROM Profile WHERE Name IN ('Standard User', 'custom: marketing profile') "
                             "ORDER BY Name DESC")
        self.assertEqual([r["Name"] for r in j["records"]], ["Standard User", "Custom: Marketing Profile"])
        st, j = self.c.query("SELECT Username FROM User WHERE IsActive = true AND (ProfileId = '%s' OR Username "
                             "LIKE 'order%%') ORDER BY Username LIMIT 2" % _ORG["profiles"][0]["id"])
        self.assertEqual([r["Username"] for r in j["records"]], [ADMIN, INTERACTION])
        st, j = self.c.query("SELECT Id, Name, Label FROM PermissionSet WHERE Name = 'Order_Sync_Integration'")
        self.assertEqual(j["records"][0]["Label"], "Order Sync Integration")
        st, j = self.c.query("SELECT Id FROM User WHERE Username = 'o\\'brien@example.com'")
        self.assertEqual((st, j["totalSize"]), (200, 0))
        st, j = self.c.query("SELECT Id, DeveloperName, MasterLabel, DistributionState FROM "
                             "ExternalClientApplication WHERE DeveloperName = 'Ops_AdminCli'")
        self.assertEqual(j["records"][0]["MasterLabel"], "Ops Admin CLI")
        self.assertEqual(j["records"][0]["DistributionState"], "Local")
        self.assertRegex(j["records"][0]["Id"], r"^0xI\w{15}$")

    def test_soql_errors(self):
        for q, code in (("SELECT FROM Profile", "MALFORMED_QUERY"),
                        ("SELECT Id FROM Profile WHERE Name = 'a' AND Name = 'b' OR Name = 'c'", "MALFORMED_QUERY"),
                        ("SELECT Id FROM Profile WHERE Name = 'unterminated", "MALFORMED_QUERY"),
                        ("SELECT Id FROM Profile LIMIT x", "MALFORMED_QUERY"),
                        ("SELECT Id FROM Profile extra", "MALFORMED_QUERY"),
                        ("", "MALFORMED_QUERY"),
                        ("SELECT Id FROM NoSuchObject", "INVALID_TYPE"),
                        ("SELECT Id, Bogus FROM Profile", "INVALID_FIELD"),
                        ("SELECT Id FROM Profile WHERE Bogus = 'x'", "INVALID_FIELD")):
            st, j = self.c.query(q)
            self.assertEqual(st, 400, q)
            self.assertEqual(j[0]["errorCode"], code, (q, j))
        # ExternalClientApplication is a regular (not Tooling) object here
        st, j = self.c.query("SELECT Id FROM ExternalClientApplication", tooling=True)
        self.assertEqual(j[0]["errorCode"], "INVALID_TYPE")

    def test_tooling_ccd_query_and_sobject(self):
        st, j = self.c.query("SELECT Id, DeveloperName, MasterLabel, ConnectedAppType, ConnectedAppOauthLink, "
                             "CustomerConnectedAppOauthLink, CustomPlatformEvent FROM ConversationChannelDefinition",
                             tooling=True)
        self.assertEqual(st, 200, j)
        rec = j["records"][0]
        self.assertEqual(rec["DeveloperName"], "Partner1_ChannelDefinition1")
        self.assertEqual(rec["ConnectedAppType"], "Customer")
        self.assertIsNone(rec["ConnectedAppOauthLink"])
        self.assertEqual(rec["CustomerConnectedAppOauthLink"], self.org_id[:15] + ":0H4000000000001")
        self.assertTrue(rec["attributes"]["url"].startswith("/services/data/v66.0/tooling/sobjects/"))
        path = "/services/data/v66.0/tooling/sobjects/ConversationChannelDefinition/" + rec["Id"]
        st, g, _ = self.c.rest("GET", path)
        self.assertEqual((st, g["MasterLabel"], g["EventCapabilitiesIsInboundAcknwOptionExposed"]),
                         (200, "Partner1 Messaging Channel", True))
        self.create_eca("Partner1_ExternalClientApp1")
        link = self.c.records("ExtlClntAppOauthSettings", "Partner1_ExternalClientApp1_oauth")[0].findtext(
            "m:oauthLink", namespaces=NS)
        st, b, _ = self.c.rest("PATCH", path, body={"CustomerConnectedAppOauthLink": "00D000000000001:888123"})
        self.assertEqual((st, b[0]["errorCode"], b[0]["fields"]),
                         (400, "FIELD_INTEGRITY_EXCEPTION", ["CustomerConnectedAppOauthLink"]))
        st, b, _ = self.c.rest("PATCH", path, body={"Bogus__c": 1})
        self.assertEqual((st, b[0]["errorCode"]), (400, "INVALID_FIELD"))
        st, b, _ = self.c.rest("PATCH", path, body={"DeveloperName": "Other"})
        self.assertEqual((st, b[0]["errorCode"]), (400, "INVALID_FIELD_FOR_INSERT_UPDATE"))
        st, b, _ = self.c.rest("PATCH", path, body={"CustomerConnectedAppOauthLink": link})
        self.assertEqual((st, b), (204, None))
        st, g, _ = self.c.rest("GET", path)
        self.assertEqual(g["CustomerConnectedAppOauthLink"], link)
        self.assertEqual(g["MasterLabel"], "Partner1 Messaging Channel")  # PATCH changes only what it sends
        st, b, _ = self.c.rest("GET", "/services/data/v66.0/tooling/sobjects/ConversationChannelDefinition/"
                                      "0Nd000000000999AAA")
        self.assertEqual((st, b[0]["errorCode"]), (404, "NOT_FOUND"))
        st, b, _ = self.c.rest("DELETE", path)
        self.assertEqual(st, 405)

    def test_query_paging(self):
        self.set_org(settings={"queryPageSize": 2})
        st, j = self.c.query("SELECT Username FROM User ORDER BY Username")
        names = [r["Username"] for r in j["records"]]
        self.assertEqual((j["totalSize"], j["done"], len(names)), (5, False, 2))
        self.assertRegex(j["nextRecordsUrl"], r"^/services/data/v66\.0/query/01g\w{15}-2$")
        while not j["done"]:
            st, j, _ = self.c.rest("GET", j["nextRecordsUrl"])
            self.assertEqual(st, 200, j)
            names += [r["Username"] for r in j["records"]]
        self.assertEqual(names, sorted(n.lower() for n in names))
        self.assertEqual(len(names), 5)
        self.assertNotIn("nextRecordsUrl", j)
        st, b, _ = self.c.rest("GET", "/services/data/v66.0/query/01gAAAAAAAAAAAAAAA-2")
        self.assertEqual((st, b[0]["errorCode"]), (400, "INVALID_QUERY_LOCATOR"))
        st, j = self.c.query("SELECT Id FROM ConversationChannelDefinition", tooling=True)
        self.assertTrue(j["done"])
        ops = [e["op"] for e in self.log()]
        self.assertEqual(ops.count("queryMore"), 3)  # two pages and the bad locator
        self.assertEqual(ops.count("toolingQuery"), 1)

    def test_credentials(self):
        st, j = self.c.query("SELECT Id FROM ExternalClientApplication WHERE DeveloperName = 'Ops_AdminCli'")
        eca_id = j["records"][0]["Id"]
        base = "/services/data/v66.0/apps/oauth/credentials/"
        st, j, _ = self.c.rest("GET", base + eca_id)
        self.assertEqual(st, 200, j)
        self.assertEqual(len(j["consumers"]), 1)
        cons = j["consumers"][0]
        self.assertEqual(cons["key"], OPS_KEY)
        self.assertTrue(cons["id"].startswith("888"))
        self.assertEqual(cons["name"], "Ops Admin CLI")
        st, j, _ = self.c.rest("GET", base + eca_id + "/" + cons["id"])
        self.assertEqual((st, j["key"], j["id"]), (200, OPS_KEY, cons["id"]))
        self.assertNotIn("secret", j)
        self.assertEqual(j["url"], base + eca_id + "/" + cons["id"])
        st, j, _ = self.c.rest("GET", base + eca_id + "/" + cons["id"] + "?part=keyandsecret")
        self.assertEqual(st, 403)
        self.assertIn("not currently enabled", j[0]["message"])
        self.set_org(settings={"clientSecretInRestApi": True})
        st, j, _ = self.c.rest("GET", base + eca_id + "/" + cons["id"] + "?part=keyandsecret")
        self.assertEqual(st, 200, j)
        self.assertEqual(j["key"], OPS_KEY)
        self.assertRegex(j["secret"], r"^[0-9A-F]{64}$")
        st, j, _ = self.c.rest("GET", base + eca_id + "/" + cons["id"] + "?part=secret")
        self.assertEqual(sorted(j), ["id", "name", "secret", "url"])
        st, j, _ = self.c.rest("GET", base + eca_id + "/" + cons["id"] + "?part=bogus")
        self.assertEqual(st, 400)
        for path in (base + "0xI000000000999AAA", base + eca_id + "/888000000000999AAA"):
            st, j, _ = self.c.rest("GET", path)
            self.assertEqual((st, j[0]["errorCode"]), (404, "NOT_FOUND"), path)
        # an ECA without OAuth yet has no consumers
        self.c.save_results("create", "ExternalClientApplication", ("No_Oauth", eca_header()))
        st, j = self.c.query("SELECT Id FROM ExternalClientApplication WHERE DeveloperName = 'No_Oauth'")
        st, j, _ = self.c.rest("GET", base + j["records"][0]["Id"])
        self.assertEqual((st, j), (200, {"consumers": []}))
        self.assertEqual([e["op"] for e in self.log() if e["op"].startswith("cred")][:2],
                         ["credentials", "credentialsKey"])

    def test_limits_decrement_and_exhaustion(self):
        st, j, r = self.c.rest("GET", "/services/data/v66.0/limits")
        first = j["DailyApiRequests"]["Remaining"]
        self.assertEqual(j["DailyApiRequests"]["Max"], 15000)
        self.assertEqual(first, 14999)  # this call counted
        self.assertEqual(r.getheader("Sforce-Limit-Info"), "api-usage=1/15000")
        self.c.list_md("ConnectedApp")
        self.c.query("SELECT Id FROM Profile")
        self.c.token(make_jwt(ADMIN_CLI_KEY, OPS_KEY, ADMIN))  # not an API call
        self.c.query("SELECT Id FROM Profile", token="bogus")  # refused: not counted
        st, j, _ = self.c.rest("GET", "/services/data/v66.0/limits")
        self.assertEqual(j["DailyApiRequests"]["Remaining"], first - 3)
        self.set_org(limits={"DailyApiRequests": {"Max": 15000, "Remaining": 1}})
        self.assertEqual(self.c.query("SELECT Id FROM Profile")[0], 200)
        st, j = self.c.query("SELECT Id FROM Profile")
        self.assertEqual((st, j), (403, [{"message": "TotalRequests Limit exceeded.",
                                          "errorCode": "REQUEST_LIMIT_EXCEEDED"}]))
        st, root = self.c.list_md("ConnectedApp")
        self.assertEqual((st, fault(root)), (500, ("sf:REQUEST_LIMIT_EXCEEDED",
                                                   "REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded.")))
        self.assertEqual(self.org_json()["limits"]["DailyApiRequests"]["Remaining"], 0)
        # the token endpoint still answers
        self.assertEqual(self.ops_token()[0], 200)

    def test_concurrent_requests_keep_the_state_consistent(self):
        import threading
        before = self.org_json()["limits"]["DailyApiRequests"]["Remaining"]
        errors = []

        def worker(i):
            c = Client(SERVER.port, "/org/" + self.name, token=self.admin_token)
            try:
                for j in range(5):
                    st, _ = c.query("SELECT Id FROM User")
                    if st != 200:
                        errors.append(st)
                r = c.save_results("create", "ExternalClientApplication", ("Conc_%d" % i, eca_header()))
                if r[0]["success"] != "true":
                    errors.append(r)
            finally:
                c.close()
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(self.org_json()["limits"]["DailyApiRequests"]["Remaining"], before - 48)
        self.assertEqual(len(self.c.listed("ExternalClientApplication")), 9)
        with open(os.path.join(self.dir, "metadata", "ids.json")) as f:
            ids = json.load(f)["ExternalClientApplication"]
        self.assertEqual(len(set(ids.values())), 9)

    def test_chunked_request_body(self):
        env = self.c.envelope("<readMetadata><type>ExternalClientApplication</type><fullNames>Ops_AdminCli"
                              "</fullNames></readMetadata>")
        conn = http.client.HTTPConnection("127.0.0.1", SERVER.port, timeout=10)
        try:
            conn.request("POST", "/org/%s/services/Soap/m/66.0" % self.name, body=iter([env[:50].encode(),
                                                                                      env[50:].encode()]),
                         headers={"Content-Type": "text/xml"}, encode_chunked=True)
            r = conn.getresponse()
            root = ET.fromstring(r.read())
        finally:
            conn.close()
        self.assertEqual(r.status, 200)
        self.assertEqual(root.findtext(".//m:records/m:label", namespaces=NS), "Ops Admin CLI")

    def test_auth_and_unknown_paths(self):
        st, j, _ = self.c.rest("GET", "/services/data/v66.0/limits", token=None)
        self.assertEqual((st, j), (401, [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]))
        for path in ("/services/data/v66.0/sobjects/Account", "/nothing", "/services/data/v20.0/limits",
                     "/services/data/v66.0/apps/oauth/usage"):
            st, j, _ = self.c.rest("GET", path)
            self.assertEqual((st, j), (404, [{"errorCode": "NOT_FOUND",
                                              "message": "The requested resource does not exist"}]), path)
        st, j, _ = self.c.rest("POST", "/services/data/v66.0/limits", body={})
        self.assertEqual(st, 405)
        # OAuth-style header accepted too
        st, _, data = self.c.request("GET", "/services/data/v66.0/limits", None,
                                     {"Authorization": "OAuth " + self.admin_token})
        self.assertEqual(st, 200)


# ---------------------------------------------------------------------------- faults

class TestFaults(OrgTest):

    def read(self):
        return self.c.read_md("ExternalClientApplication", "Ops_AdminCli")

    def test_http_status_faults(self):
        self.set_faults({"rules": [{"op": "readMetadata", "nth": 1, "times": 1, "kind": "http500"},
                                   {"op": "query", "nth": 1, "times": 1, "kind": "http500"},
                                   {"op": "limits", "nth": 1, "times": 1, "kind": "http503"},
                                   {"op": "listMetadata", "nth": 1, "times": 1, "kind": "http429"},
                                   {"op": "token", "nth": 1, "times": 1, "kind": "http500"}]})
        st, root = self.read()
        self.assertEqual((st, fault(root)[0]), (500, "sf:UNKNOWN_EXCEPTION"))
        st, j = self.c.query("SELECT Id FROM Profile")
        self.assertEqual((st, j[0]["errorCode"]), (500, "UNKNOWN_EXCEPTION"))
        st, r, data = self.c.request("GET", "/services/data/v66.0/limits", None,
                                     {"Authorization": "Bearer " + self.admin_token})
        self.assertEqual(st, 503)
        self.assertIn(b"Service Unavailable", data)
        st, r, data = self.c.request("POST", "/services/Soap/m/66.0", self.c.envelope(
            "<listMetadata><queries><type>ConnectedApp</type></queries></listMetadata>"), {"Content-Type": "text/xml"})
        self.assertEqual((st, r.getheader("Retry-After")), (429, "1"))
        st, j = self.ops_token()
        self.assertEqual((st, j["error"]), (500, "unknown_error"))
        # each once: everything works again
        self.assertEqual(self.read()[0], 200)
        self.assertEqual(self.c.query("SELECT Id FROM Profile")[0], 200)
        self.assertEqual(self.c.list_md("ConnectedApp")[0], 200)
        self.assertEqual(self.ops_token()[0], 200)
        faults = [(e["op"], e["fault"], e["status"]) for e in self.log() if e["fault"]]
        self.assertEqual(faults, [("readMetadata", "http500", 500), ("query", "http500", 500),
                                  ("limits", "http503", 503), ("listMetadata", "http429", 429),
                                  ("token", "http500", 500)])

    def test_nth_and_times(self):
        self.set_faults({"rules": [{"op": "readMetadata", "nth": 2, "times": 2, "kind": "http500"}]})
        got = [self.read()[0] for _ in range(5)]
        self.assertEqual(got, [200, 500, 500, 200, 200])
        self.assertEqual(self.c.list_md("ConnectedApp")[0], 200)
        # rewriting faults.json resets the counters; "*" matches every op
        self.set_faults({"rules": [{"op": "*", "nth": 2, "times": 1, "kind": "http500"}]})
        self.assertEqual(self.c.list_md("ConnectedApp")[0], 200)
        self.assertEqual(self.c.query("SELECT Id FROM Profile")[0], 500)
        self.assertEqual(self.read()[0], 200)

    def test_connection_faults(self):
        self.set_faults({"rules": [{"op": "readMetadata", "nth": 1, "times": 1, "kind": "reset"},
                                   {"op": "readMetadata", "nth": 2, "times": 1, "kind": "timeout", "delayMs": 200},
                                   {"op": "readMetadata", "nth": 3, "times": 1, "kind": "truncated"},
                                   {"op": "readMetadata", "nth": 4, "times": 1, "kind": "malformed"},
                                   {"op": "query", "nth": 1, "times": 1, "kind": "malformed"}]})
        with self.assertRaises((ConnectionError, http.client.HTTPException, OSError)):
            self.read()
        t0 = time.time()
        with self.assertRaises((ConnectionError, http.client.HTTPException)):
            self.read()
        self.assertGreaterEqual(time.time() - t0, 0.18)
        with self.assertRaises(http.client.IncompleteRead):
            self.read()
        with self.assertRaises(ET.ParseError):
            self.read()
        st, r, data = self.c.request("GET", "/services/data/v66.0/query?q=SELECT+Id+FROM+Profile", None,
                                     {"Authorization": "Bearer " + self.admin_token})
        self.assertEqual((st, r.getheader("Content-Type")), (200, "application/json;charset=UTF-8"))
        with self.assertRaises(ValueError):
            json.loads(data)
        self.assertEqual(self.read()[0], 200)
        log = [(e["fault"], e["status"]) for e in self.log() if e["fault"]]
        self.assertEqual(log, [("reset", None), ("timeout", None), ("truncated", 200), ("malformed", 200),
                               ("malformed", 200)])

    def test_timeout_is_logged_when_the_request_arrives(self):
        self.set_faults({"rules": [{"op": "limits", "nth": 1, "times": 1, "kind": "timeout", "delayMs": 5000}]})
        conn = http.client.HTTPConnection("127.0.0.1", SERVER.port, timeout=0.3)
        try:
            conn.request("GET", "/org/%s/services/data/v66.0/limits" % self.name,
                         headers={"Authorization": "Bearer " + self.admin_token})
            with self.assertRaises(OSError):
                conn.getresponse()
        finally:
            conn.close()
        self.assertEqual([(e["op"], e["fault"], e["status"]) for e in self.log()], [("limits", "timeout", None)])
        self.assertEqual(self.c.rest("GET", "/services/data/v66.0/limits")[0], 200)

    def test_protocol_faults(self):
        self.set_faults({"rules": [{"op": "listMetadata", "nth": 1, "times": 1, "kind": "invalid_session"},
                                   {"op": "listMetadata", "nth": 2, "times": 1, "kind": "limit_concurrent"},
                                   {"op": "listMetadata", "nth": 3, "times": 1, "kind": "limit_total"},
                                   {"op": "query", "nth": 1, "times": 1, "kind": "invalid_session"},
                                   {"op": "query", "nth": 2, "times": 1, "kind": "limit_concurrent"},
                                   {"op": "query", "nth": 3, "times": 1, "kind": "limit_total"}]})
        st, root = self.c.list_md("ConnectedApp")
        self.assertEqual((st, fault(root)[0]), (500, "sf:INVALID_SESSION_ID"))
        st, root = self.c.list_md("ConnectedApp")
        self.assertEqual((st, fault(root)), (500, ("sf:REQUEST_LIMIT_EXCEEDED", "REQUEST_LIMIT_EXCEEDED: "
                                                   "ConcurrentRequests (Concurrent API Requests) Limit exceeded.")))
        st, root = self.c.list_md("ConnectedApp")
        self.assertEqual((st, fault(root)), (500, ("sf:REQUEST_LIMIT_EXCEEDED",
                                                   "REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded.")))
        self.assertEqual(self.c.query("SELECT Id FROM Profile"),
                         (401, [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]))
        self.assertEqual(self.c.query("SELECT Id FROM Profile"),
                         (403, [{"message": "ConcurrentRequests (Concurrent API Requests) Limit exceeded.",
                                 "errorCode": "REQUEST_LIMIT_EXCEEDED"}]))
        self.assertEqual(self.c.query("SELECT Id FROM Profile"),
                         (403, [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]))
        self.assertEqual(self.c.list_md("ConnectedApp")[0], 200)

    def test_fault_after_processing(self):
        # the write happens, the answer is lost: the client must reconcile by reading
        self.set_faults({"rules": [{"op": "createMetadata", "nth": 1, "times": 1, "kind": "reset",
                                    "apply": "after"}]})
        with self.assertRaises((ConnectionError, http.client.HTTPException, OSError)):
            self.c.save("create", "ExternalClientApplication", ("Lost_Answer", eca_header()))
        self.assertIn(("ExternalClientApplication", "Lost_Answer"), self.c.listed("ExternalClientApplication"))

    def test_latency(self):
        self.set_faults({"latencyMs": 150})
        t0 = time.time()
        self.assertEqual(self.read()[0], 200)
        self.assertGreaterEqual(time.time() - t0, 0.14)

    def logged_at(self, op):
        """The time of the last logged request of op (seconds since the epoch)."""
        e = [x for x in self.log() if x["op"] == op][-1]
        return datetime.datetime.strptime(e["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
            tzinfo=datetime.timezone.utc).timestamp()

    def test_latency_models(self):
        # "before" (the default): processed (logged, written) when the latency has passed
        self.set_faults({"latencyMs": 400})
        t0 = time.time()
        self.c.save("create", "ExternalClientApplication", ("Lat_Before", eca_header()))
        self.assertGreaterEqual(self.logged_at("createMetadata") - t0, 0.39)
        # "within": processed at once, only the answer waits
        self.set_faults({"latencyMs": 400, "latencyModel": "within"})
        t0 = time.time()
        self.c.save("create", "ExternalClientApplication", ("Lat_Within", eca_header()))
        t1 = time.time()
        self.assertGreaterEqual(t1 - t0, 0.39)
        self.assertGreaterEqual(t1 - self.logged_at("createMetadata"), 0.39)
        self.assertIn(("ExternalClientApplication", "Lat_Within"), self.c.listed("ExternalClientApplication"))
        # what a fault sends waits too: a reset, the start of a timeout
        self.set_faults({"latencyMs": 300, "latencyModel": "within",
                         "rules": [{"op": "readMetadata", "nth": 1, "times": 1, "kind": "reset"},
                                   {"op": "readMetadata", "nth": 2, "times": 1, "kind": "timeout",
                                    "delayMs": 200}]})
        for least in (0.29, 0.49):
            t0 = time.time()
            with self.assertRaises((ConnectionError, http.client.HTTPException, OSError)):
                self.read()
            self.assertGreaterEqual(time.time() - t0, least)
            self.c.close()
        # an unknown model keeps the previous configuration
        self.set_faults({"latencyMs": 0, "latencyModel": "after"})
        t0 = time.time()
        self.assertEqual(self.c.query("SELECT Id FROM Profile")[0], 200)
        self.assertGreaterEqual(time.time() - t0, 0.29)

    def test_session_expires_after(self):
        self.set_faults({"sessionExpiresAfter": 2})
        self.assertEqual(self.read()[0], 200)
        self.assertEqual(self.c.query("SELECT Id FROM Profile")[0], 200)
        st, root = self.read()
        self.assertEqual((st, fault(root)[0]), (500, "sf:INVALID_SESSION_ID"))
        self.assertEqual(self.c.query("SELECT Id FROM Profile")[0], 401)
        st, j = self.ops_token()
        fresh = j["access_token"]
        self.assertEqual(self.read()[0], 500)
        self.assertEqual(self.c.read_md("ExternalClientApplication", "Ops_AdminCli", token=fresh)[0], 200)
        self.assertEqual(self.c.query("SELECT Id FROM Profile", token=fresh)[0], 200)
        self.assertEqual(self.c.query("SELECT Id FROM Profile", token=fresh)[0], 401)

    def test_request_log(self):
        self.c.list_md("ConnectedApp", "ExtlClntAppOauthSettings")
        self.c.read_md("ConnectedApp", "A", "B", "C")
        self.c.save("create", "ExternalClientApplication", ("Log_A", eca_header()), ("Log_B", eca_header()))
        self.c.save("update", "ExternalClientApplication", ("Log_A", eca_header()))
        self.c.save("upsert", "ExternalClientApplication", ("Log_A", eca_header()))
        self.c.delete("ExternalClientApplication", "Log_A", "Log_B")
        self.c.query("SELECT Id FROM User")
        self.ops_token()
        self.c.rest("GET", "/nowhere")
        log = self.log()
        self.assertEqual([(e["op"], e["type"], e["count"]) for e in log], [
            ("listMetadata", "ConnectedApp,ExtlClntAppOauthSettings", 2),
            ("readMetadata", "ConnectedApp", 3),
            ("createMetadata", "ExternalClientApplication", 2),
            ("updateMetadata", "ExternalClientApplication", 1),
            ("upsertMetadata", "ExternalClientApplication", 1),
            ("deleteMetadata", "ExternalClientApplication", 2),
            ("query", "User", 1),
            ("token", None, None),
            ("other", None, None)])
        self.assertEqual([e["status"] for e in log], [200] * 8 + [404])
        seqs = [e["seq"] for e in log]
        self.assertEqual(seqs, sorted(seqs))
        for e in log:
            self.assertEqual(set(e), {"seq", "time", "method", "path", "op", "type", "count", "status", "fault",
                                      "org"})
            self.assertEqual(e["org"], self.name)
        self.assertEqual(log[0]["path"], "/services/Soap/m/66.0")


# ---------------------------------------------------------------------------- server modes, CLI

def run_cli(*args):
    return subprocess.run([sys.executable, SIMORG] + list(args), capture_output=True, text=True, timeout=60)


# ---------------------------------------------------------------------------- edits while serving

def _label(client, md_type, name):
    rec = client.records(md_type, name)[0]
    return None if rec.get("{%s}nil" % XSI) == "true" else rec.findtext("m:label", namespaces=NS)


def _replace_in_file(path, old, new, in_place):
    with open(path) as f:
        text = f.read()
    assert old in text, (path, old)
    if in_place:  # same inode, as an editor or `open(path, "w")` does it
        with open(path, "w") as f:
            f.write(text.replace(old, new))
    else:
        simorg.util.atomic_write_text(path, text.replace(old, new))


class TestStateEdits(OrgTest):

    def test_edits_are_seen_by_the_next_request(self):
        """What a test changes in an org's directory between two requests, the second one sees
        (the server keeps what it read while a file's stat() signature stays the same)."""
        c, org_dir = self.c, self.dir
        eca = os.path.join(org_dir, "metadata", "ExternalClientApplication")
        self.assertEqual(_label(c, "ExternalClientApplication", "Ops_AdminCli"), "Ops Admin CLI")
        _replace_in_file(os.path.join(eca, "Ops_AdminCli.xml"), "Ops Admin CLI", "Ops CLI, edited", True)
        self.assertEqual(_label(c, "ExternalClientApplication", "Ops_AdminCli"), "Ops CLI, edited")
        _replace_in_file(os.path.join(eca, "Ops_AdminCli.xml"), "Ops CLI, edited", "Ops CLI, replaced", False)
        self.assertEqual(_label(c, "ExternalClientApplication", "Ops_AdminCli"), "Ops CLI, replaced")
        # a file added by hand is listed and read; once removed it is gone
        shutil.copyfile(os.path.join(eca, "Ops_AdminCli.xml"), os.path.join(eca, "Hand_Made.xml"))
        self.assertIn(("ExternalClientApplication", "Hand_Made"), c.listed("ExternalClientApplication"))
        self.assertEqual(_label(c, "ExternalClientApplication", "Hand_Made"), "Ops CLI, replaced")
        os.remove(os.path.join(eca, "Hand_Made.xml"))
        self.assertNotIn(("ExternalClientApplication", "Hand_Made"), c.listed("ExternalClientApplication"))
        self.assertIsNone(_label(c, "ExternalClientApplication", "Hand_Made"))
        # a type's whole directory removed, then made again
        plcy = os.path.join(org_dir, "metadata", "ExtlClntAppConfigurablePolicies")
        with open(os.path.join(plcy, "Ops_AdminCli_plcy.xml")) as f:
            saved = f.read()
        shutil.rmtree(plcy)
        self.assertEqual(c.listed("ExtlClntAppConfigurablePolicies"), [])
        os.mkdir(plcy)
        with open(os.path.join(plcy, "Ops_AdminCli_plcy.xml"), "w") as f:
            f.write(saved.replace("<isEnabled>true", "<isEnabled>false"))
        self.assertEqual(c.listed("ExtlClntAppConfigurablePolicies"),
                         [("ExtlClntAppConfigurablePolicies", "Ops_AdminCli_plcy")])
        # the token endpoint reads the records too: the disabled plugin, then another consumer key
        st, j = c.token(make_jwt(ADMIN_CLI_KEY, OPS_KEY, ADMIN, aud=c.base))
        self.assertEqual((st, j.get("error_description")), (400, "client identifier invalid"))
        _replace_in_file(os.path.join(plcy, "Ops_AdminCli_plcy.xml"), "<isEnabled>false", "<isEnabled>true", True)
        glob = os.path.join(org_dir, "metadata", "ExtlClntAppGlobalOauthSettings", "Ops_AdminCli_glbloauth.xml")
        _replace_in_file(glob, OPS_KEY, OPS_KEY + "X", True)
        st, j = c.token(make_jwt(ADMIN_CLI_KEY, OPS_KEY, ADMIN, aud=c.base))
        self.assertEqual((st, j.get("error")), (400, "invalid_client_id"))
        st, j = c.token(make_jwt(ADMIN_CLI_KEY, OPS_KEY + "X", ADMIN, aud=c.base))
        self.assertEqual(st, 200, j)
        # org.json edited in place, then replaced; sessions.json removed
        org_json = os.path.join(org_dir, "org.json")
        _replace_in_file(org_json, '"Max": 15000', '"Max": 16000', True)
        st, j, _ = c.rest("GET", "/services/data/v66.0/limits")
        self.assertEqual((st, j["DailyApiRequests"]["Max"]), (200, 16000))
        _replace_in_file(org_json, '"Max": 16000', '"Max": 17000', False)
        st, j, _ = c.rest("GET", "/services/data/v66.0/limits")
        self.assertEqual((st, j["DailyApiRequests"]["Max"]), (200, 17000))
        with open(org_json) as f:  # the admin made inactive (users are looked up through an index)
            d = json.load(f)
        d["users"][0]["active"] = False
        simorg.util.atomic_write_json(org_json, d)
        self.assertEqual(c.rest("GET", "/services/data/v66.0/limits")[0], 401)
        d["users"][0]["active"] = True
        simorg.util.atomic_write_json(org_json, d)
        self.assertEqual(c.rest("GET", "/services/data/v66.0/limits")[0], 200)
        issued = c.token(make_jwt(ADMIN_CLI_KEY, OPS_KEY + "X", ADMIN, aud=c.base))[1]["access_token"]
        self.assertEqual(c.query("SELECT Id FROM User", token=issued)[0], 200)
        os.remove(os.path.join(org_dir, "sessions.json"))
        self.assertEqual(c.query("SELECT Id FROM User", token=issued)[0], 401)
        # faults.json written in place, then removed
        faults = os.path.join(org_dir, "faults.json")
        with open(faults, "w") as f:
            json.dump({"rules": [{"op": "limits", "nth": 1, "times": 10, "kind": "http503"}]}, f)
        self.assertEqual(c.rest("GET", "/services/data/v66.0/limits")[0], 503)
        os.remove(faults)
        self.assertEqual(c.rest("GET", "/services/data/v66.0/limits")[0], 200)


class TestModes(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="simorg-modes-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_single_org_restart_persistence_and_dump(self):
        state = os.path.join(self.tmp, "org")
        r = run_cli("seed", "--from", FIXTURE, "--state", state)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(os.listdir(state)), ["auth.json", "metadata", "org.json"])
        before = run_cli("dump", "--state", state, "--stable").stdout
        raw = json.loads(run_cli("dump", "--state", state).stdout)
        self.assertEqual(raw["metadata"]["ExtlClntAppGlobalOauthSettings"]["Ops_AdminCli_glbloauth"]
                         ["consumerSecret"], "<secret>")
        self.assertEqual(raw["metadata"]["ConnectedApp"]["Partner1_ConnectedApp1"]["oauthConfig"]["scopes"],
                         ["Interaction", "RefreshToken"])
        srv = Server(state)
        try:
            self.assertEqual(srv.banner, "listening on http://127.0.0.1:%d" % srv.port)
            c = Client(srv.port)
            pol = _Shim(c, self).create_eca("Partner1_ExternalClientApp1")
            _Shim(c, self).preauthorize(pol, "Partner1_ExternalClientApp1")
            key = _Shim(c, self).consumer_key("Partner1_ExternalClientApp1_glbloauth")
            st, j = c.token(make_jwt(ADMIN_CLI_KEY, key, ADMIN))
            self.assertEqual(st, 200, j)
            tok = j["access_token"]
            remaining = c.rest("GET", "/services/data/v66.0/limits")[1]["DailyApiRequests"]["Remaining"]
            c.close()
        finally:
            self.assertEqual(srv.stop(), 0)
        after = json.loads(run_cli("dump", "--state", state, "--stable").stdout)
        self.assertEqual(after["metadata"]["ExtlClntAppOauthConfigurablePolicies"]
                         ["Partner1_ExternalClientApp1_oauthPlcy<generated>"]["permittedUsersPolicyType"],
                         "AdminApprovedPreAuthorized")
        self.assertEqual(after["metadata"]["ExtlClntAppGlobalOauthSettings"]["Partner1_ExternalClientApp1_glbloauth"]
                         ["consumerKey"], "<consumerKey:Partner1_ExternalClientApp1>")
        srv = Server(state)
        try:
            c = Client(srv.port)
            self.assertIn(("ExternalClientApplication", "Partner1_ExternalClientApp1"),
                          c.listed("ExternalClientApplication"))
            st, j = c.query("SELECT Id FROM Profile", token=tok)  # the issued session survived
            self.assertEqual(st, 200, j)
            st, j, _ = c.rest("GET", "/services/data/v66.0/limits")
            self.assertEqual(j["DailyApiRequests"]["Remaining"], remaining - 3)
            # rollback: delete the ECA; the org is as it was
            self.assertEqual(c.delete("ExternalClientApplication", "Partner1_ExternalClientApp1")[0]["success"],
                             "true")
            c.close()
        finally:
            self.assertEqual(srv.stop(), 0)
        self.assertEqual(run_cli("dump", "--state", state, "--stable").stdout, before)
        with open(os.path.join(state, "requests.jsonl")) as f:
            seqs = [json.loads(line)["seq"] for line in f]
        self.assertEqual(seqs, list(range(1, len(seqs) + 1)))
        with open(os.path.join(state, "requests.jsonl")) as f:
            self.assertTrue(all(json.loads(line)["org"] is None for line in f))

    def test_tls(self):
        tls = os.path.join(self.tmp, "tls")
        r = run_cli("make-tls", "--out", tls)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(os.listdir(tls)), ["ca.key", "ca.pem", "server.key", "server.pem"])
        state = os.path.join(self.tmp, "org")
        simorg.main(["seed", "--from", FIXTURE, "--state", state])
        srv = Server(state, (os.path.join(tls, "server.pem"), os.path.join(tls, "server.key")))
        try:
            self.assertEqual(srv.banner, "listening on https://127.0.0.1:%d" % srv.port)
            ctx = ssl.create_default_context(cafile=os.path.join(tls, "ca.pem"))
            for host in ("127.0.0.1", "localhost"):
                c = Client(srv.port, scheme="https", context=ctx, host=host)
                st, j = c.token(make_jwt(ADMIN_CLI_KEY, OPS_KEY, ADMIN, aud=c.base))
                self.assertEqual(st, 200, j)
                self.assertEqual(j["instance_url"], c.base)
                self.assertEqual(c.query("SELECT Id FROM Profile", token=j["access_token"])[0], 200)
                self.assertEqual(c.list_md("ConnectedApp")[0], 200)  # same kept-alive TLS connection
                c.close()
            # an untrusted client fails the handshake; the server keeps serving
            with self.assertRaises(ssl.SSLError):
                Client(srv.port, scheme="https", context=ssl.create_default_context()).query("SELECT Id FROM User")
            c = Client(srv.port, scheme="https", context=ctx)
            self.assertEqual(c.query("SELECT Id FROM User")[0], 200)
            c.close()
        finally:
            self.assertEqual(srv.stop(), 0)

    def test_multi_org_routing(self):
        state = os.path.join(self.tmp, "fleet")
        r = run_cli("seed", "--from", FIXTURE, "--state", state, "--orgs", "3")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(os.listdir(state)), ["org0001", "org0002", "org0003"])
        ids = set()
        for n in ("org0001", "org0002", "org0003"):
            with open(os.path.join(state, n, "org.json")) as f:
                ids.add(json.load(f)["orgId"])
            with open(os.path.join(state, n, "auth.json")) as f:
                self.assertTrue(json.load(f)["result"]["instanceUrl"].endswith(":PORT-PLACEHOLDER/org/" + n))
        self.assertEqual(len(ids), 3)
        srv = Server(state)
        try:
            out = run_cli("auth-json", "--state", state, "--org", "org0002",
                          "--url", "http://127.0.0.1:%d/org/org0002" % srv.port)
            auth = json.loads(out.stdout)["result"]
            def tok(n):
                with open(os.path.join(state, n, "org.json")) as f:
                    return json.load(f)["sessions"][0]["token"]
            self.assertEqual(auth["accessToken"], tok("org0002"))
            self.assertTrue(auth["accessToken"].startswith("00D000000100002!"))
            c1 = Client(srv.port, "/org/org0001", token=tok("org0001"))
            c2 = Client(srv.port, "/org/org0002", token=tok("org0002"))
            st, j, _ = c2.rest("GET", "/services/data/v66.0/limits", token=auth["accessToken"])
            self.assertEqual(st, 200)
            self.assertEqual(auth["instanceUrl"], c2.base)
            st, j = c1.token(make_jwt(ADMIN_CLI_KEY, OPS_KEY, ADMIN, aud=c1.base))
            self.assertEqual((st, j["instance_url"]), (200, c1.base))
            self.assertTrue(j["id"].startswith(c1.base + "/id/00D000000100001"))
            # a session of org0001 means nothing in org0002
            self.assertEqual(c2.query("SELECT Id FROM User", token=j["access_token"])[0], 401)
            self.assertEqual(c1.query("SELECT Id FROM User", token=j["access_token"])[0], 200)
            # the other org's URL is not a valid audience
            st, j = c1.token(make_jwt(ADMIN_CLI_KEY, OPS_KEY, ADMIN, aud=c2.base))
            self.assertEqual(j["error_description"], "audience is invalid")
            for c in (Client(srv.port, "/org/nope"), Client(srv.port), Client(srv.port, "/org/../org0001")):
                st, j, _ = c.rest("GET", "/services/data/v66.0/limits")
                self.assertEqual((st, j[0]["errorCode"]), (404, "NOT_FOUND"))
                c.close()
            # a root faults.json applies to every org (optionally filtered by "org")
            simorg.util.atomic_write_json(os.path.join(state, "faults.json"), {"rules": [
                {"op": "query", "nth": 1, "times": 5, "kind": "http503", "org": "org0003"}]})
            self.assertEqual(c1.query("SELECT Id FROM User")[0], 200)
            c3 = Client(srv.port, "/org/org0003")
            self.assertEqual(c3.query("SELECT Id FROM User")[0], 503)
            for c in (c1, c2, c3):
                c.close()
        finally:
            self.assertEqual(srv.stop(), 0)
        with open(os.path.join(state, "requests.jsonl")) as f:
            orgs = [json.loads(line)["org"] for line in f]
        self.assertIn("org0001", orgs)
        self.assertIn(None, orgs)  # the unknown org's request

    def test_seed_refuses_non_empty_state(self):
        state = os.path.join(self.tmp, "org")
        self.assertEqual(run_cli("seed", "--from", FIXTURE, "--state", state).returncode, 0)
        r = run_cli("seed", "--from", FIXTURE, "--state", state)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("not empty", r.stderr)

    def test_serve_refuses_non_loopback(self):
        r = run_cli("serve", "--state", self.tmp, "--host", "0.0.0.0")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("loopback", r.stderr)


class TestStoreInternals(unittest.TestCase):
    """The shortcuts the store takes must give what reading the files would."""

    def test_written_records_read_back_as_kept(self):
        from orgsim import record as R, store
        recs = [
            [("label", "a & <b> \"c\""), ("oauthConfig", [("scopes", "Api"), ("scopes", "Web")])],
            [("label", "  spaced  "), ("description", "two\nlines\ttab"), ("x", "")],
            [("label", "cr\r\nlf")],                      # \r becomes \n on parsing
            [("label", "x"), ("oauthConfig", [])],         # an empty complex value reads back as ""
            [("label", "bell\x07")],                      # not XML: the file does not parse
        ]
        for rec in recs:
            try:
                _, back = R.parse_document(R.document_xml("ConnectedApp", rec))
            except ET.ParseError:
                back = None
            self.assertEqual(store._round_trips(rec), back == rec, rec)

    def test_index_text_is_dumps_json(self):
        from orgsim import store, util
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        org = store.Org(tmp)
        comps = {"A": {"x": {"seq": 1, "createdDate": "d"}}, "B": {}, "C": {"y": {"seq": 2}, "z": {"seq": 3}}}
        props = {"nextSeq": 4, "components": comps}
        for _ in range(2):  # the second time from the remembered texts
            self.assertEqual(org._index_text(props, 2, "props"), json.dumps(props, indent=2) + "\n")
        comps = dict(comps, C={"y": {"seq": 2}}, D={"w": {"seq": 4, "n": None, "b": True}})
        props = {"nextSeq": 5, "components": comps}
        self.assertEqual(org._index_text(props, 2, "props"), json.dumps(props, indent=2) + "\n")
        ids = {"A": {"x": "0H4"}, "B": {}}
        self.assertEqual(org._index_text(ids, 1, "ids"), util.dumps_json(ids))
        # keep=2 (as _write writes props.json): a changed type's map is new, its unchanged
        # components' properties are the same objects (their texts are reused), changed ones new
        x, y = {"seq": 1, "createdDate": "d"}, {"seq": 2}
        for comps in ({"A": {"x": x, "y": y}, "B": {}},
                      {"A": {"x": x, "y": y}, "B": {}},
                      {"A": {"x": x, "y": {"seq": 2, "lastModifiedDate": "e"}, "z": {"seq": 3}}, "B": {}},
                      {"A": {"y": y}, "C": {"x": x}}):
            props = {"nextSeq": 5, "components": comps}
            self.assertEqual(org._index_text(props, 2, "props", 2), json.dumps(props, indent=2) + "\n")

    def test_directory_listing_kept_while_its_signature_holds(self):
        # a type's listing stands while the directory's stat signature is the one it was
        # made with, and only when any later change gives another (settled mtime)
        from orgsim import store, util
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        d = os.path.join(tmp, "metadata", "ConnectedApp")
        os.makedirs(d)
        for n in ("A", "B"):
            with open(os.path.join(d, n + ".xml"), "w") as f:
                f.write("<x/>")
        org = store.Org(tmp)

        def listed():
            util.Epoch.next()  # (a request: checked again)
            return sorted(org._listing("ConnectedApp")[1])
        old = 1700000000123456789  # long ago, not a whole second: settled
        os.utime(d, ns=(old, old))
        self.assertEqual(listed(), ["A", "B"])
        self.assertIsNotNone(org._dir_cache["ConnectedApp"][3])
        self.assertEqual(listed(), ["A", "B"])  # (from the signature)
        with open(os.path.join(d, "C.xml"), "w") as f:  # a file added by hand: a new mtime
            f.write("<x/>")
        self.assertEqual(listed(), ["A", "B", "C"])
        self.assertIsNone(org._dir_cache["ConnectedApp"][3])  # just changed: not settled
        os.remove(os.path.join(d, "A.xml"))
        self.assertEqual(listed(), ["B", "C"])
        # whole seconds (a filesystem without sub-second times): listed every time, even
        # when a change leaves the mtime as it was
        os.utime(d, (1700000000, 1700000000))
        self.assertEqual(listed(), ["B", "C"])
        self.assertIsNone(org._dir_cache["ConnectedApp"][3])
        os.remove(os.path.join(d, "B.xml"))
        os.utime(d, (1700000000, 1700000000))
        self.assertEqual(listed(), ["C"])
        # the directory removed, then made again with the old mtime
        shutil.rmtree(d)
        self.assertEqual(listed(), [])
        os.makedirs(d)
        with open(os.path.join(d, "D.xml"), "w") as f:
            f.write("<x/>")
        os.utime(d, ns=(old, old))
        self.assertEqual(listed(), ["D"])

    def test_settled_sig(self):
        from orgsim import util
        now = util.clock_ns()
        for m, want in ((now, False), (now - util.SETTLED_NS + 1000, False),
                        (now - util.SETTLED_NS - 1000, True), (now - now % 10 ** 9 - 10 ** 9, False)):
            got = util.settled_sig(types.SimpleNamespace(st_mtime_ns=m, st_size=60, st_ino=7), now)
            self.assertEqual(got is not None, want, m)
            if want:
                self.assertEqual(got, (m, 60, 7))

    def test_lookups_as_the_lists_answer_them(self):
        # users by name, sessions by token, profiles by name or id: indexes of the lists,
        # answering as a search of the list does (the first match)
        from orgsim import store, util
        import random

        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)

        class Data(store.Org):
            def __init__(self, d):
                store.Org.__init__(self, tmp)
                self.d = d

            def data(self):
                return self.d
        rnd = random.Random(7)
        names = ["System Administrator", "Standard", "00e000000000001", "", None, "ADMIN@x", "admin@x"]
        ids = ["00e000000000001", "00e000000000001AAA", "00e000000000002", "", None]
        for _ in range(3000):
            profiles = [{"name": rnd.choice(names), "id": rnd.choice(ids)} for _ in range(rnd.randint(0, 4))]
            users = [{"username": rnd.choice(["admin@x", "ADMIN@X", "b@x"]), "n": i} for i in range(rnd.randint(0, 3))]
            sessions = [{"token": rnd.choice(["t1", "t2", None]), "n": i} for i in range(rnd.randint(0, 3))]
            org = Data({"profiles": profiles, "users": users, "sessions": sessions})
            for x in names + ids + ["00e000000000002XYZ"]:
                want = next((p for p in profiles if p.get("name") == x or util.same_id(p.get("id"), x)), None)
                self.assertIs(org.profile(x), want, (profiles, x))
            for x in ("admin@x", "Admin@X", "b@x", "c@x", None):
                want = next((u for u in users if u.get("username", "").lower() == (x or "").lower()), None)
                self.assertIs(org.user_by_name(x), want)
            for x in ("t1", "t2", "t3"):
                want = next((s for s in sessions if s.get("token") == x), None)
                got = org.find_session(x)
                self.assertEqual(got and got["n"], want and want["n"])


class TestServerInternals(unittest.TestCase):
    """The server's shortcuts must give what the general code gives."""

    def test_request_head_parsed_as_line_by_line(self):
        from orgsim import server as S

        def parsed(raw, fast):
            c = S.Conn.__new__(S.Conn)
            c.inbuf, c.req, c.head_end, c.continued = bytearray(raw), None, 0, False
            try:
                r = c._parse() if fast else c._parse_lines(c.inbuf)
            except S.BadRequest as e:
                return "BadRequest", e.code, e.message
            except S._TooLarge:
                return "TooLarge"
            if r is None:
                return None
            return (r.command, r.path, r.version, r.requestline, r.close, r.body, sorted(r.headers._d.items()),
                    bytes(c.inbuf))
        heads = [
            b"GET /a?b=1 HTTP/1.1\r\nHost: h\r\n\r\n",
            b"POST /x HTTP/1.1\r\nContent-Length: 3\r\nX-A:  1 \r\nx-a: 2\r\n\r\nabcGET / HTTP/1.1\r\n\r\n",
            b"POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nab",
            b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
            b"GET / HTTP/1.1\r\nConnection: close\r\nNo colon here\r\n\r\n",
            b"GET / HTTP/1.1\r\nA: 1\r\n folded\r\n\r\n",
            b"GET / HTTP/1.1\nA: 1\n\n",
            b"GET / HTTP/1.1\r\nA: 1\n\r\n",
            b"GET / HTTP/2.0\r\n\r\n",
            b"GET / HTTX/1.1\r\n\r\n",
            b"GET /\r\n\r\n",
            b"POST /\r\n\r\n",
            b"BREW / HTTP/1.1\r\n\r\n",
            b"GET  //a//b  HTTP/1.1 \r\r\n\r\n",
            b"\r\n\r\n",
            b"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
            b"GET / HTTP/1.1\r\n" + b"H: v\r\n" * 101 + b"\r\n",
            b"GET / HTTP/1.1\r\nLong: " + b"x" * 70000 + b"\r\n\r\n",
        ]
        for raw in heads:
            self.assertEqual(parsed(raw, True), parsed(raw, False), raw[:80])

    def test_log_line_is_json_dumps(self):
        from orgsim import server as S
        for entry in ({"method": "GET", "path": "/x\u00e9\"\\", "op": "other", "type": None, "count": None,
                       "status": 200, "fault": None, "org": "o"},
                      {"method": "POST", "path": "/p", "op": "createMetadata", "type": "T", "count": 3,
                       "status": None, "fault": "reset", "org": None},
                      {"method": "POST", "path": "/p", "op": "createMetadata", "type": "T", "count": True,
                       "status": 1.0, "fault": "reset", "org": None}):
            for _ in range(2):  # (the second time from the remembered text)
                self.assertEqual(S._log_line(7, "2026-01-01T00:00:00.000Z", dict(entry)),
                                 (json.dumps(dict(seq=7, time="2026-01-01T00:00:00.000Z", **entry)) + "\n").encode())

    def test_list_shuffle_is_random_shuffle(self):
        import random
        from orgsim import soap
        for seed in range(300):
            a, b = list(range(seed % 13)), list(range(seed % 13))
            r1, r2 = random.Random(seed), random.Random(seed)
            r1.shuffle(a)
            soap._shuffle(b, r2.getrandbits)
            self.assertEqual((a, r1.random()), (b, r2.random()))


class TestSoapParsing(unittest.TestCase):
    """soap.parse takes a shortcut for xsi:type when no prefix is involved: it must resolve
    types as the namespace-tracking parse does."""

    def test_xsi_types_as_with_namespace_maps(self):
        from orgsim import soap
        env = ('<s:Envelope xmlns:s="%s" xmlns:xsi="%s"%%s><s:Body%%s><%%s>%%s</%%s></s:Body></s:Envelope>'
               % (ENV, XSI))
        md = ' xmlns="%s"' % MD
        cases = [
            ("", md, "createMetadata", '<metadata xsi:type="ExternalClientApplication"/>'),
            ("", md, "updateMetadata", '<metadata xsi:type=" ConnectedApp "/><metadata xsi:type="ConnectedApp"/>'),
            (' xmlns:m="%s"' % MD, "", "m:createMetadata", '<m:metadata xsi:type="m:ConnectedApp"/>'),
            (' xmlns:m="%s"' % MD, "", "m:createMetadata", '<m:metadata xsi:type="ConnectedApp"/>'),
            (' xmlns:m="%s"' % MD, ' xmlns="urn:other"', "m:createMetadata", '<m:metadata xsi:type="ConnectedApp"/>'),
            ("", md, "upsertMetadata", '<metadata xmlns:p="urn:other" xsi:type="p:ConnectedApp"/>'),
            ("", md, "createMetadata", '<metadata xmlns:p="%s" xsi:type="p:ConnectedApp"/>' % MD),
            ("", md, "createMetadata", '<metadata xsi:type="q:ConnectedApp"/>'),
            ("", md, "createMetadata", '<metadata/>'),
            ("", md, "createMetadata", '<metadata xsi:type="ConnectedApp"><x xmlns="">1</x></metadata>'),
            ("", md, "createMetadata", '<metadata xsi:type="ConnectedApp">'),  # not well-formed
        ]

        def summary(body):
            r = soap.parse(body.encode())
            return r.op, r.md_type, r.count, r.error and r.error.string
        for outer, body_ns, op, inner in cases:
            doc = env % (outer, body_ns, op, inner, op)
            fast = summary(doc)
            plain, soap._parse_plain = soap._parse_plain, lambda body: None  # always the namespace maps
            try:
                self.assertEqual(fast, summary(doc), doc)
            finally:
                soap._parse_plain = plain


class _Shim(OrgTest):
    """Lets TestModes reuse OrgTest's helpers against a single-org server."""

    def __init__(self, client, case):
        unittest.TestCase.__init__(self, "setUp")
        self.c = client
        self._case = case

    def assertEqual(self, *a, **k):
        return self._case.assertEqual(*a, **k)


if __name__ == "__main__":
    unittest.main()
