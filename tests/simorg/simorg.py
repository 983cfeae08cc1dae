#!/usr/bin/env python3
"""simorg - a simulated Salesforce org for ca2eca's tests.

  simorg.py serve --state DIR [--host 127.0.0.1] [--port 0] [--port-file FILE]
                  [--tls-cert CERT --tls-key KEY] [--verbose]
  simorg.py make-tls --out DIR
  simorg.py seed --from FIXTURE_DIR --state DIR [--as NAME] [--org-id ID] [--orgs N [--name-format FMT]]
  simorg.py dump --state DIR [--org NAME] [--stable]
  simorg.py auth-json --state DIR [--org NAME] --url INSTANCE_URL

See tests/simorg/README.md.
"""

import argparse
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from orgsim import util  # noqa: E402
from orgsim.store import State, is_org_dir  # noqa: E402

# What seed copies from a fixture org directory (everything else - keys/,
# README.md, logs, sessions, faults - stays behind).
SEED_FILES = ("org.json", "auth.json")
SEED_DIRS = ("metadata",)
PLACEHOLDER_URL = "http://127.0.0.1:PORT-PLACEHOLDER"


def _copy_org(src, dst, org_id=None, org_name=None):
    if os.path.exists(dst) and os.listdir(dst):
        raise SystemExit("seed: %s is not empty" % dst)
    os.makedirs(dst, exist_ok=True)
    old = util.read_json(os.path.join(src, "org.json"))["orgId"]
    new = util.sfid18(org_id) if org_id else old

    def rewrite(text):
        if new != old:
            text = text.replace(old, new).replace(old[:15], new[:15])
        return text

    for f in SEED_FILES:
        p = os.path.join(src, f)
        if os.path.isfile(p):
            with open(p, encoding="utf-8") as fh:
                text = rewrite(fh.read())
            if f == "auth.json" and org_name:
                text = text.replace(PLACEHOLDER_URL + '"', PLACEHOLDER_URL + "/org/%s\"" % org_name)
            util.atomic_write_text(os.path.join(dst, f), text)
    for d in SEED_DIRS:
        sd = os.path.join(src, d)
        for root, _, files in os.walk(sd):
            for f in files:
                if f.startswith("."):
                    continue
                sp = os.path.join(root, f)
                dp = os.path.join(dst, os.path.relpath(sp, src))
                if f.endswith((".xml", ".json")):
                    with open(sp, encoding="utf-8") as fh:
                        util.atomic_write_text(dp, rewrite(fh.read()))
                else:
                    os.makedirs(os.path.dirname(dp), exist_ok=True)
                    shutil.copyfile(sp, dp)


def cmd_seed(a):
    src = os.path.abspath(a.src)
    if a.orgs:
        if not is_org_dir(src):
            raise SystemExit("seed --orgs needs a single-org fixture")
        os.makedirs(a.state, exist_ok=True)
        if is_org_dir(a.state):
            raise SystemExit("seed: %s already holds an org" % a.state)
        for i in range(1, a.orgs + 1):
            name = a.name_format % i
            _copy_org(src, os.path.join(a.state, name), "00D%012d" % (100000 + i), name)
        return 0
    if is_org_dir(src):
        dst = os.path.join(a.state, a.as_name) if a.as_name else a.state
        if a.as_name and is_org_dir(a.state):
            raise SystemExit("seed --as: %s already holds a single org" % a.state)
        _copy_org(src, dst, a.org_id, a.as_name)
        return 0
    subs = [n for n in sorted(os.listdir(src)) if is_org_dir(os.path.join(src, n))]
    if not subs:
        raise SystemExit("seed: %s holds no org (no org.json)" % src)
    for n in subs:
        _copy_org(os.path.join(src, n), os.path.join(a.state, n), None, n)
    return 0


def cmd_serve(a):
    from orgsim.server import serve
    if bool(a.tls_cert) != bool(a.tls_key):
        raise SystemExit("serve: --tls-cert and --tls-key go together")
    if not os.path.isdir(a.state):
        raise SystemExit("serve: no state directory %s" % a.state)
    return serve(a.state, a.host, a.port, a.port_file, a.tls_cert, a.tls_key, a.verbose)


def cmd_make_tls(a):
    from orgsim.tlsgen import make_tls
    for n, p in sorted(make_tls(a.out).items()):
        print("%s %s" % (n, p))
    return 0


def cmd_dump(a):
    from orgsim.dump import dump_state, dumps
    sys.stdout.write(dumps(dump_state(State(a.state), a.stable, a.org)))
    return 0


def cmd_auth_json(a):
    st = State(a.state)
    org = st.org(a.org) if st.multi else st.org()
    if org is None:
        raise SystemExit("auth-json: no such org")
    auth = util.read_json(os.path.join(org.root, "auth.json"))
    if auth is None:
        sess = org.data().get("sessions", [])
        if not sess:
            raise SystemExit("auth-json: the org has no seeded session")
        s = sess[0]
        auth = {"status": 0, "result": {"id": org.org_id, "apiVersion": "66.0", "accessToken": s["token"],
                                        "instanceUrl": PLACEHOLDER_URL, "username": s["username"],
                                        "clientId": "PlatformCLI", "connectedStatus": "Connected"},
                "warnings": []}
    auth["result"]["instanceUrl"] = a.url.rstrip("/")
    sys.stdout.write(json.dumps(auth, indent=2) + "\n")
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(prog="simorg.py", description="A simulated Salesforce org for ca2eca's tests.")
    sub = p.add_subparsers(dest="cmd", required=True)

    s = sub.add_parser("serve", help="serve an org (or many) over HTTP(S) on loopback")
    s.add_argument("--state", required=True)
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=0)
    s.add_argument("--port-file")
    s.add_argument("--tls-cert")
    s.add_argument("--tls-key")
    s.add_argument("--verbose", action="store_true")
    s.set_defaults(fn=cmd_serve)

    s = sub.add_parser("make-tls", help="make a test CA and a server certificate for 127.0.0.1/localhost")
    s.add_argument("--out", required=True)
    s.set_defaults(fn=cmd_make_tls)

    s = sub.add_parser("seed", help="copy a fixture org into a fresh state directory")
    s.add_argument("--from", dest="src", required=True)
    s.add_argument("--state", required=True)
    s.add_argument("--as", dest="as_name", help="seed into STATE/NAME (a multi-org state)")
    s.add_argument("--org-id", help="give the copy this org id (15 or 18 characters)")
    s.add_argument("--orgs", type=int, help="make N copies STATE/<name> with distinct org ids")
    s.add_argument("--name-format", default="org%04d")
    s.set_defaults(fn=cmd_seed)

    s = sub.add_parser("dump", help="print a normalized JSON view of the org's metadata")
    s.add_argument("--state", required=True)
    s.add_argument("--org")
    s.add_argument("--stable", action="store_true", help="mask generated values (keys, links, generated names)")
    s.set_defaults(fn=cmd_dump)

    s = sub.add_parser("auth-json", help="print the org's auth file (sf org display --json --verbose shape)")
    s.add_argument("--state", required=True)
    s.add_argument("--org")
    s.add_argument("--url", required=True, help="the instance URL to put in it")
    s.set_defaults(fn=cmd_auth_json)

    a = p.parse_args(argv)
    return a.fn(a)


if __name__ == "__main__":
    sys.exit(main())
