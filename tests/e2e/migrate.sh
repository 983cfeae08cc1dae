#!/usr/bin/env bash
# End to end: the staged migration (plan, apply, resume, rollback, verify,
# status, log, mark, retire, unlock) against the simulated org.  The crash
# points of apply are covered by migrate_crash.sh.
set -u

CA2ECA=${1:?usage: migrate.sh path/to/ca2eca}
SRC=${C2E_SOURCE_DIR:?C2E_SOURCE_DIR must point at the repository}
. "$SRC/tests/e2e/lib.sh"

# a failed check made at the top level (fail names its caller's caller)
problem() {
  fail "$@"
}

KEY=$SRC/fixtures/example-project/keys/partner1-jwt.key
VUSER=interaction@partner1-org.example.com
VERIFY=(--jwt-key "$KEY" --verify-user "$VUSER" --verify-window 10)
ACME=Acme_OrderSync
P1=Partner1_ConnectedApp1
CCD=Partner1_ChannelDefinition1

# --- helpers ---------------------------------------------------------------

# fresh org and journal: sets AUTH and J
fresh_org() {
  sim_start "$@"
  AUTH=$(auth_file)
  J=$(mktemp -u "$T/journal.XXXXXX").db
}

dump_org() {
  $SIMORG dump --state "$SIM_STATE" --stable >"$1"
}

# the org as JSON with the generated values (consumer keys, links) visible
raw_org() {
  $SIMORG dump --state "$SIM_STATE"
}

# expect_org FILE WHAT: the org's stable dump equals FILE
expect_org() {
  CHECKS=$((CHECKS + 1))
  dump_org "$T/now.json"
  local d
  if ! d=$(diff "$1" "$T/now.json"); then
    fail "$2: the org differs from $(basename "$1"):
$(printf '%s' "$d" | head -n 30)"
  fi
}

# expect_no_done_steps WHAT: journal $J has no run, or its run has no
# step done or in flight
expect_no_done_steps() {
  CHECKS=$((CHECKS + 1))
  local o rc
  o=$("$CA2ECA" --json status --journal "$J" 2>/dev/null)
  rc=$?
  [ "$rc" = 65 ] && return # no journal, or no run in it
  if ! printf '%s' "$o" | python3 -c '
import json, sys
d = json.load(sys.stdin)
bad = [(s["seq"], s["state"]) for s in d["result"]["steps"] if s["state"] in ("done", "in_flight")]
assert not bad, bad
' >/dev/null 2>&1; then
    fail "$1: the journal has steps done or in flight: $(printf '%s' "$o" | head -c 600)"
  fi
}

# component_count TYPE ECA: components of TYPE in the org's state naming
# ECA in externalClientApplication (for the header: 1 if it exists)
component_count() {
  python3 - "$SIM_STATE/metadata" "$1" "$2" <<'PY'
import glob, os, re, sys
root, typ, eca = sys.argv[1:4]
if typ == "ExternalClientApplication":
    print(1 if os.path.exists(f"{root}/{typ}/{eca}.xml") else 0)
    sys.exit()
n = 0
for f in glob.glob(f"{root}/{typ}/*.xml"):
    m = re.search(r"<externalClientApplication>([^<]*)<", open(f).read())
    n += bool(m and m.group(1) == eca)
print(n)
PY
}

# expect_eca_family ECA N: N (0 or 1) of each ECA component type for ECA
expect_eca_family() {
  local t n
  for t in ExternalClientApplication ExtlClntAppOauthSettings \
    ExtlClntAppGlobalOauthSettings ExtlClntAppOauthConfigurablePolicies \
    ExtlClntAppConfigurablePolicies; do
    n=$(component_count "$t" "$1")
    CHECKS=$((CHECKS + 1))
    [ "$n" = "$2" ] || fail "expected $2 $t for $1, the org has $n"
  done
}

# status_check PYTHON: json_check on `status --json` of journal $J
status_check() {
  run --json status --journal "$J"
  expect_exit 0
  json_check "$OUT" "$1"
}

# the consumer key printed for APP by a text-mode apply/resume/verify
printed_key() {
  printf '%s\n' "$OUT" | awk -v app="$1" '
    $1 == app && $2 == "->" { inapp = 1; next }
    /^  [^ ]/ { inapp = 0 }
    inapp && $1 == "consumer" && $2 == "key" { print $3; exit }'
}

# jwt_exchange KEY_FILE ISS SUB: an independent JWT bearer exchange with
# the org (the answer's JSON on stdout; status 1 when refused)
jwt_exchange() {
  python3 - "$1" "$2" "$3" "$SIM_URL" <<'PY'
import base64, json, sys, time, urllib.error, urllib.parse, urllib.request
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
keyfile, iss, sub, url = sys.argv[1:5]
key = serialization.load_pem_private_key(open(keyfile, "rb").read(), None)
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=")
head = b64(json.dumps({"alg": "RS256"}).encode())
claims = b64(json.dumps({"iss": iss, "sub": sub, "aud": url,
                         "exp": int(time.time()) + 120}).encode())
sig = key.sign(head + b"." + claims, padding.PKCS1v15(), hashes.SHA256())
form = urllib.parse.urlencode({
    "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
    "assertion": (head + b"." + claims + b"." + b64(sig)).decode()}).encode()
req = urllib.request.Request(url + "/services/oauth2/token", data=form,
    headers={"Content-Type": "application/x-www-form-urlencoded"})
try:
    print(urllib.request.urlopen(req, timeout=10).read().decode())
except urllib.error.HTTPError as e:
    print(e.read().decode())
    sys.exit(1)
PY
}

# set_activation N: settings.ecaActivation.attempts in the org's org.json
# (re-read by the server when its mtime changes)
set_activation() {
  python3 - "$SIM_STATE/org.json" "$1" <<'PY'
import json, os, sys
path, n = sys.argv[1], int(sys.argv[2])
d = json.load(open(path))
d["settings"]["ecaActivation"] = {"attempts": n, "seconds": 0}
json.dump(d, open(path + ".tmp", "w"), indent=2)
os.replace(path + ".tmp", path)
PY
}

# the access token of the seeded admin session
admin_token() {
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["result"]["accessToken"])' "$AUTH"
}

# requests since the mark, as a JSON list (for json_check)
requests_since_mark() {
  tail -n +"$((SIM_MARK + 1))" "$SIM_STATE/requests.jsonl" |
    python3 -c 'import json, sys; print(json.dumps([json.loads(l) for l in sys.stdin]))'
}

crash_apply() {
  CA2ECA_TEST_CRASH_AT=$1 run apply "$P" --auth-file "$AUTH" "${VERIFY[@]}" \
    --yes --journal "$J"
} 2>/dev/null

# ============================================================================
# 1. Full migration of the example org
# ============================================================================

fresh_org
dump_org "$T/initial.json"
P=$T/plan.json
sim_mark 2>/dev/null
run --json plan --auth-file "$AUTH" --out "$P" --journal "$J"
expect_exit 0
json_check "$OUT" '
r = d["result"]
assert r["apps"] == ["Acme_OrderSync", "Partner1_ConnectedApp1"], r["apps"]
assert r["steps"] == 14, r
assert r["orgId"] == "00D000000000001EAA", r
assert r["planHash"].startswith("sha256:") and r["plan"].endswith("plan.json"), r
w = [x for x in d["warnings"] if "Legacy_CommunityLogin" in x]
assert w and "plugin" in w[0], d["warnings"]'
expect_file "$P"
check "plan: no write call" test "$(sim_count createMetadata)$(sim_count updateMetadata)$(sim_count deleteMetadata)" = 000
expect_org "$T/initial.json" "after plan"

run --json plan show "$P"
expect_exit 0
json_check "$OUT" '
p = d["result"]
assert [a["connectedApp"] for a in p["apps"]] == ["Acme_OrderSync", "Partner1_ConnectedApp1"], p["apps"]
assert len(p["steps"]) == 14 and p["steps"][-1]["kind"] == "repoint", p["steps"]
assert p["steps"][-1]["name"] == "Partner1_ChannelDefinition1", p["steps"][-1]
assert not any(a["connectedApp"] == "Legacy_CommunityLogin" for a in p["apps"])'

sim_mark
run apply "$P" --auth-file "$AUTH" "${VERIFY[@]}" --yes --journal "$J"
expect_exit 0
expect_out_contains "run 1: done, 14 of 14 steps done"
expect_out_contains "verification   passed"
expect_out_contains "channel        $CCD points at $P1"
dump_org "$T/ref.json"

# batching: one createMetadata per type for both apps
json_check "$(requests_since_mark)" '
calls = {}
for r in d:
    if r["op"] in ("createMetadata", "updateMetadata", "deleteMetadata"):
        calls.setdefault((r["op"], r["type"]), []).append(r["count"])
eca = calls.get(("createMetadata", "ExternalClientApplication"))
assert eca == [2], ("createMetadata ExternalClientApplication calls (components each)", eca)
for t in ("ExtlClntAppOauthSettings", "ExtlClntAppGlobalOauthSettings", "ExtlClntAppConfigurablePolicies"):
    assert calls.get(("createMetadata", t)) == [2], (t, calls.get(("createMetadata", t)))
assert calls.get(("updateMetadata", "ExtlClntAppOauthConfigurablePolicies")) == [2], calls
assert ("deleteMetadata", "ConnectedApp") not in calls, calls
assert not any(t == "ConnectedApp" for (_, t) in calls), calls'

# the ECA family and its mapped values
json_check "$(raw_org)" '
md = d["metadata"]
def one(t, eca):
    found = [v for v in md.get(t, {}).values() if v.get("externalClientApplication") == eca]
    assert len(found) == 1, (t, eca, len(found))
    return found[0]
for app in ("Acme_OrderSync", "Partner1_ConnectedApp1"):
    assert app in md["ExternalClientApplication"], app
    assert md["ExternalClientApplication"][app]["distributionState"] == "Local"
    for t in ("ExtlClntAppOauthSettings", "ExtlClntAppGlobalOauthSettings",
              "ExtlClntAppOauthConfigurablePolicies", "ExtlClntAppConfigurablePolicies"):
        one(t, app)
    g = one("ExtlClntAppGlobalOauthSettings", app)
    assert g["isPkceRequired"] == "false", (app, g)
    assert g["consumerKey"].startswith("3MVG9"), g
    c = one("ExtlClntAppConfigurablePolicies", app)
    assert c["isEnabled"] == "true" and c["isOauthPluginEnabled"] == "true", c
# Acme
a = one("ExtlClntAppOauthConfigurablePolicies", "Acme_OrderSync")
assert a["ipRelaxationPolicyType"] == "Bypass_2factor", a
assert a["refreshTokenPolicyType"] == "SpecificLifetime", a
assert a["refreshTokenValidityPeriod"] == "90" and a["refreshTokenValidityUnit"] == "Days", a
assert a["commaSeparatedPermissionSet"] == "Order_Sync_Integration", a
assert a["permittedUsersPolicyType"] == "AdminApprovedPreAuthorized", a
assert a["sessionTimeoutInMinutes"] == "120", a
assert one("ExtlClntAppOauthSettings", "Acme_OrderSync")["commaSeparatedOauthScopes"] == "Api, RefreshToken"
# Partner1
p = one("ExtlClntAppOauthConfigurablePolicies", "Partner1_ConnectedApp1")
assert p["permittedUsersPolicyType"] == "AdminApprovedPreAuthorized", p
assert p["commaSeparatedProfile"] == "System Administrator", p
assert p["ipRelaxationPolicyType"] == "Enforce", p
assert p["refreshTokenPolicyType"] == "Infinite", p
g = one("ExtlClntAppGlobalOauthSettings", "Partner1_ConnectedApp1")
cert = md["ConnectedApp"]["Partner1_ConnectedApp1"]["oauthConfig"]["certificate"]
assert g["certificate"].split() == cert.split(), "certificate not carried"
assert g["isNamedUserJwtEnabled"] == "true", g
o = one("ExtlClntAppOauthSettings", "Partner1_ConnectedApp1")
assert o["commaSeparatedOauthScopes"] == "Interaction, RefreshToken", o
# the channel definition points at the new ECA
ccd = md["ConversationChannelDefinition"]["Partner1_ChannelDefinition1"]
assert ccd["customerConnectedAppOauthLink"] == o["oauthLink"], (ccd, o["oauthLink"])
assert ccd["connectedAppType"] == "Customer", ccd
# the connected apps are untouched
assert set(md["ConnectedApp"]) == {"Acme_OrderSync", "Legacy_CommunityLogin", "Partner1_ConnectedApp1"}'
check "the connected apps are unchanged" python3 -c '
import json, sys
a, b = (json.load(open(f))["metadata"]["ConnectedApp"] for f in sys.argv[1:3])
sys.exit(a != b)' "$T/initial.json" "$T/ref.json"

# the consumer keys printed are the org's
P1_KEY=$(sim_consumer_key "${P1}_glbloauth")
ACME_KEY=$(sim_consumer_key "${ACME}_glbloauth")
check "Partner1's new consumer key is in the org" test -n "$P1_KEY"
check "Partner1's new consumer key differs from the connected app's" \
  test "$P1_KEY" != "$(sim_consumer_key "$P1")"
check "printed consumer key of $P1 = the org's" test "$(printed_key "$P1")" = "$P1_KEY"
check "printed consumer key of $ACME = the org's" test "$(printed_key "$ACME")" = "$ACME_KEY"

# an independent JWT bearer exchange with the new ECA
TOKEN_ANSWER=$(jwt_exchange "$KEY" "$P1_KEY" "$VUSER")
TOKEN_RC=$?
CHECKS=$((CHECKS + 1))
[ "$TOKEN_RC" = 0 ] || problem "JWT bearer exchange with the new ECA refused: $TOKEN_ANSWER"
json_check "$TOKEN_ANSWER" '
assert "interaction_api" in d["scope"].split(), d["scope"]
assert d["access_token"] and d["token_type"] == "Bearer", d'
# (the exchange really checks: another key is refused)
jwt_exchange "$SRC/fixtures/keys/other-rsa2048.key" "$P1_KEY" "$VUSER" >/dev/null
check "JWT exchange signed with another key is refused" test $? = 1

# status, log: valid, 14 done steps
status_check '
r = d["result"]
assert r["run"] == 1 and r["runs"][0]["state"] == "done", r["runs"]
assert r["runs"][0]["orgId"] == "00D000000000001EAA", r["runs"][0]
assert len(r["steps"]) == 14, len(r["steps"])
assert all(s["state"] == "done" for s in r["steps"]), [(s["seq"], s["state"]) for s in r["steps"]]
assert [s["kind"] for s in r["steps"]] == ["create"] * 6 + ["update_generated"] * 2 + \
    ["create_or_update"] * 2 + ["read_back"] * 2 + ["verify", "repoint"], r["steps"]'
run status --journal "$J"
expect_exit 0
expect_out_contains "run 1  done"
CHECKS=$((CHECKS + 1))
[ "$(printf '%s\n' "$OUT" | grep -cE '^ +[0-9]+  done ')" = 14 ] || problem "status: 14 done steps"
run --json log --journal "$J"
expect_exit 0
json_check "$OUT" '
ev = d["result"]["events"]
done = [e for e in ev if e["kind"] == "step" and e["detail"].endswith("in_flight -> done")]
assert len(done) == 14, len(done)
assert ev[-1]["kind"] == "run" and ev[-1]["detail"].endswith("running -> done"), ev[-1]
assert all(e["at"] for e in ev)'
run log --journal "$J"
expect_exit 0
expect_out_contains "running -> done"

# ============================================================================
# 9a. verify after a full apply
# ============================================================================

sim_mark
run verify --auth-file "$AUTH" --jwt-key "$KEY" --verify-user "$VUSER" --journal "$J"
expect_exit 0
expect_out_contains "$P1: JWT bearer exchange passed"
expect_out_contains "channel $CCD points at $P1"
check "verify writes nothing" test "$(sim_count createMetadata)$(sim_count updateMetadata)$(sim_count deleteMetadata)" = 000
run --json verify --auth-file "$AUTH" --jwt-key "$KEY" --verify-user "$VUSER" --journal "$J"
expect_exit 0
json_check "$OUT" '
r = d["result"]
apps = {a["connectedApp"]: a for a in r["apps"]}
assert apps["Partner1_ConnectedApp1"]["verification"] == "passed", apps
assert apps["Partner1_ConnectedApp1"]["consumerKey"] == "'"$P1_KEY"'", apps
assert r["stepsDone"] == 14, r
# the run is done: verify must not report it as running
assert r["state"] == "done", ("verify reports the run as", r["state"])'
expect_org "$T/ref.json" "after verify"

# ============================================================================
# 10. Secrets: none in the journal (or the plan); the journal is private
# ============================================================================

# expect_no_secrets WHAT FILE...: none of the org's secrets (the admin's
# access token, the tokens the org issued, every consumer secret it
# stores) and nothing of the private key occurs in the files' bytes
expect_no_secrets() {
  local what=$1 msg
  shift
  CHECKS=$((CHECKS + 1))
  msg=$(python3 - "$SIM_STATE" "$AUTH" "$KEY" "$@" 2>&1 <<'PY'
import glob, json, os, re, sys
state, auth, keyfile, *files = sys.argv[1:]
secrets = {"access token (auth file)": json.load(open(auth))["result"]["accessToken"]}
if os.path.exists(state + "/sessions.json"):
    for i, s in enumerate(json.load(open(state + "/sessions.json"))["sessions"]):
        secrets[f"issued token {i}"] = s["token"]
for f in glob.glob(state + "/metadata/*/*.xml"):
    for m in re.findall(r"<consumerSecret>([^<]+)<", open(f).read()):
        secrets[f"consumer secret of {f.rsplit('/', 1)[1]}"] = m
assert sum(k.startswith("consumer secret") for k in secrets) >= 5, secrets.keys()
# the private key: its PEM label and every body line that is not also
# part of the certificate (the modulus is public)
cert = "".join(open(keyfile.replace(".key", ".crt")).read().split("\n")[1:-2])
secrets["PEM label"] = "PRIVATE KEY"
for i, line in enumerate(open(keyfile).read().split("\n")[1:-2]):
    if line and line not in cert:
        secrets[f"private key line {i}"] = line
assert sum(k.startswith("private key line") for k in secrets) >= 20, secrets.keys()
bad = []
for f in files:
    data = open(f, "rb").read()
    for what, s in secrets.items():
        if s.encode() in data:
            bad.append(f"{f.rsplit('/', 1)[1]}: {what}")
if bad:
    sys.exit("secrets found: " + "; ".join(bad))
PY
  ) || fail "$what: $msg"
}

JFILES=("$J")
for f in "$J-wal" "$J-shm" "$J-journal"; do [ -e "$f" ] && JFILES+=("$f"); done
expect_no_secrets "the journal after a full run (${JFILES[*]##*/})" "${JFILES[@]}"
expect_no_secrets "the plan" "$P"
check "journal mode 600" test "$(stat -c %a "$J")" = 600
for f in "$J"-* "$J".*; do
  [ -e "$f" ] && check "mode 600: ${f##*/}" test "$(stat -c %a "$f")" = 600
done

# ============================================================================
# 3a. rollback: --dry-run, --app, all
# ============================================================================

sim_mark
run rollback --auth-file "$AUTH" --dry-run --journal "$J"
expect_exit 0
expect_out_contains "14 steps to undo"
expect_out_contains "step 1: delete ExternalClientApplication $ACME"
check "dry run: no write call" test "$(sim_count createMetadata)$(sim_count updateMetadata)$(sim_count deleteMetadata)" = 000
expect_org "$T/ref.json" "after rollback --dry-run"
status_check 'assert all(s["state"] == "done" for s in d["result"]["steps"]), d["result"]["steps"]'

run rollback --auth-file "$AUTH" --app "$ACME" --yes --journal "$J"
expect_exit 0
expect_out_contains "6 steps undone"
expect_eca_family "$ACME" 0
expect_eca_family "$P1" 1
json_check "$(raw_org)" '
md = d["metadata"]
link = [v["oauthLink"] for v in md["ExtlClntAppOauthSettings"].values()
        if v["externalClientApplication"] == "Partner1_ConnectedApp1"][0]
assert md["ConversationChannelDefinition"]["Partner1_ChannelDefinition1"]["customerConnectedAppOauthLink"] == link'
status_check '
for s in d["result"]["steps"]:
    want = "undone" if s["app"] == "Acme_OrderSync" else "done"
    assert s["state"] == want, (s["seq"], s["app"], s["state"])'
jwt_exchange "$KEY" "$P1_KEY" "$VUSER" >/dev/null
check "Partner1's ECA still works after rolling back Acme" test $? = 0

run rollback --auth-file "$AUTH" --yes --journal "$J"
expect_exit 0
expect_out_contains "8 steps undone"
expect_org "$T/initial.json" "after the full rollback"
status_check '
r = d["result"]
assert r["runs"][0]["state"] == "rolled_back", r["runs"][0]
assert all(s["state"] == "undone" for s in r["steps"]), [(s["seq"], s["state"]) for s in r["steps"]]'

# ============================================================================
# 3b. rollback --to STEP
# ============================================================================

fresh_org
run apply "$P" --auth-file "$AUTH" "${VERIFY[@]}" --yes --journal "$J"
expect_exit 0
run rollback --auth-file "$AUTH" --to 10 --yes --journal "$J"
expect_exit 0
expect_out_contains "4 steps undone"
json_check "$(raw_org)" '
ccd = d["metadata"]["ConversationChannelDefinition"]["Partner1_ChannelDefinition1"]
assert ccd["customerConnectedAppOauthLink"] == "00D000000000001:0H4000000000001", ccd'
expect_eca_family "$ACME" 1
expect_eca_family "$P1" 1
status_check '
for s in d["result"]["steps"]:
    want = "done" if s["seq"] <= 10 else "undone"
    assert s["state"] == want, (s["seq"], s["state"])'
run rollback --auth-file "$AUTH" --yes --journal "$J"
expect_exit 0
expect_out_contains "10 steps undone"
expect_org "$T/initial.json" "after rollback --to 10, then all"

# ============================================================================
# 4. Outcome unknown: the org saved the change, the answer was lost
# ============================================================================

# the connection is reset after the org processed the first createMetadata
fresh_org
sim_faults '{"rules": [{"op": "createMetadata", "nth": 1, "times": 1, "kind": "reset", "apply": "after"}]}'
sim_mark 2>/dev/null
run apply "$P" --auth-file "$AUTH" "${VERIFY[@]}" --yes --journal "$J"
expect_exit 75
expect_err_contains "resume"
check "reset: the lost create was not sent again" \
  test "$(sim_count createMetadata ExternalClientApplication)" = 1
sim_faults '{"rules": []}'
run resume --auth-file "$AUTH" "${VERIFY[@]}" --yes --journal "$J"
expect_exit 0
CHECKS=$((CHECKS + 1))
case "$ERR$OUT" in *DUPLICATE*) problem "reset: resume met a DUPLICATE error" ;; esac
check "reset: one ECA header for $ACME" test "$(component_count ExternalClientApplication "$ACME")" = 1
check "reset: one ECA header for $P1" test "$(component_count ExternalClientApplication "$P1")" = 1
expect_org "$T/ref.json" "reset: after resume"

# the same lost answer, then a rollback: nothing may be left behind
fresh_org
sim_faults '{"rules": [{"op": "createMetadata", "nth": 1, "times": 1, "kind": "reset", "apply": "after"}]}'
run apply "$P" --auth-file "$AUTH" "${VERIFY[@]}" --yes --journal "$J"
sim_faults '{"rules": []}'
run rollback --auth-file "$AUTH" --yes --journal "$J"
expect_exit 0
expect_org "$T/initial.json" "reset: after rollback"

# a truncated answer (the request was processed): the OAuth settings create
# (the org also generates the OAuth policies), then the channel repoint
fresh_org
sim_faults '{"rules": [{"op": "createMetadata", "nth": 2, "times": 1, "kind": "truncated", "apply": "after"}]}'
run apply "$P" --auth-file "$AUTH" "${VERIFY[@]}" --yes --journal "$J"
expect_exit 75
expect_err_contains "may or may not have been applied"
expect_err_contains "'ca2eca resume'"
sim_faults '{"rules": [{"op": "updateMetadata", "nth": 2, "times": 1, "kind": "truncated", "apply": "after"}]}'
run resume --auth-file "$AUTH" "${VERIFY[@]}" --yes --journal "$J"
expect_exit 75
expect_out_contains "the org has ExtlClntAppOauthSettings ${ACME}_oauth: done before the interruption"
sim_faults '{"rules": []}'
run --json resume --auth-file "$AUTH" "${VERIFY[@]}" --yes --journal "$J"
expect_exit 0
json_check "$OUT" '
r = d["result"]
assert r["state"] == "done" and r["stepsDone"] == 14, r
assert r["apps"][1]["channelDefinitionsRepointed"] == ["Partner1_ChannelDefinition1"], r["apps"]'
expect_eca_family "$ACME" 1
expect_eca_family "$P1" 1
expect_org "$T/ref.json" "truncated answers: after resume"

# the request is lost in flight and reaches the org only after resume has
# looked for its record and just before resume sends it again (the sim's
# "late" fault): the retry is refused as a duplicate of the run's own record
fresh_org
sim_faults '{"rules": [{"op": "createMetadata", "nth": 2, "times": 1, "kind": "reset", "apply": "late"}]}'
run apply "$P" --auth-file "$AUTH" "${VERIFY[@]}" --yes --journal "$J"
expect_exit 75
check "late: the OAuth settings were not saved yet" \
  test "$(component_count ExtlClntAppOauthSettings "$ACME")" = 0
sim_faults '{"rules": []}'
run resume --auth-file "$AUTH" "${VERIFY[@]}" --yes --journal "$J"
expect_exit 0
expect_out_contains "step 3: the interrupted request for ExtlClntAppOauthSettings ${ACME}_oauth reached the org late: done"
expect_out_contains "14 of 14 steps done"
expect_eca_family "$ACME" 1
expect_eca_family "$P1" 1
expect_org "$T/ref.json" "late: after resume"

# the same for the policies record (create_or_update); rollback then removes
# the adopted record like any other the run created
fresh_org
sim_faults '{"rules": [{"op": "createMetadata", "nth": 4, "times": 1, "kind": "reset", "apply": "late"}]}'
run apply "$P" --auth-file "$AUTH" "${VERIFY[@]}" --yes --journal "$J"
expect_exit 75
sim_faults '{"rules": []}'
run resume --auth-file "$AUTH" "${VERIFY[@]}" --yes --journal "$J"
expect_exit 0
expect_out_contains "step 9: the interrupted request for ExtlClntAppConfigurablePolicies ${ACME}_plcy reached the org late: done"
expect_out_contains "14 of 14 steps done"
expect_org "$T/ref.json" "late policies: after resume"
run rollback --auth-file "$AUTH" --yes --journal "$J"
expect_exit 0
expect_org "$T/initial.json" "late policies: after rollback"

# ============================================================================
# 5. Refusals that change nothing
# ============================================================================

# drift: a connected app changed between plan and apply
fresh_org
sed -i 's#<description>Order synchronisation#<description>Changed: order synchronisation#' \
  "$SIM_STATE/metadata/ConnectedApp/$ACME.xml"
dump_org "$T/before.json"
sim_mark 2>/dev/null
run apply "$P" --auth-file "$AUTH" "${VERIFY[@]}" --yes --journal "$J"
expect_exit 65
expect_err_contains "connected app '$ACME' changed (description)"
expect_err_contains "nothing was changed"
expect_org "$T/before.json" "drift: connected app"
expect_no_done_steps "drift: connected app"
check "drift: no write call" test "$(sim_count createMetadata)$(sim_count updateMetadata)$(sim_count deleteMetadata)" = 000

# drift: an ECA with the target name appeared
fresh_org
sed 's#Ops Admin CLI#Squatter#' "$SIM_STATE/metadata/ExternalClientApplication/Ops_AdminCli.xml" \
  >"$SIM_STATE/metadata/ExternalClientApplication/$P1.xml"
dump_org "$T/before.json"
run apply "$P" --auth-file "$AUTH" "${VERIFY[@]}" --yes --journal "$J"
expect_exit 65
expect_err_contains "ECA '$P1' exists in the org now"
expect_org "$T/before.json" "drift: ECA name taken"
expect_no_done_steps "drift: ECA name taken"

# on a pristine org: tampered plan, wrong key, missing options, no --yes
fresh_org
python3 - "$P" "$T/tampered.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
for a in p["apps"]:
    for c in a["components"]:
        if c["fields"].get("refreshTokenValidityPeriod") == "90":
            c["fields"]["refreshTokenValidityPeriod"] = "3650"
json.dump(p, open(sys.argv[2], "w"), indent=2)
PY
check "the tampered plan differs" bash -c '! cmp -s "$1" "$2"' _ "$P" "$T/tampered.json"
sim_mark 2>/dev/null
run apply "$T/tampered.json" --auth-file "$AUTH" "${VERIFY[@]}" --yes --journal "$J"
expect_exit 65
expect_err_contains "changed after it was made"
expect_org "$T/initial.json" "tampered plan"
expect_no_done_steps "tampered plan"

run apply "$P" --auth-file "$AUTH" --jwt-key "$SRC/fixtures/keys/other-rsa2048.key" \
  --verify-user "$VUSER" --yes --journal "$J"
expect_exit 65
expect_err_contains "--jwt-key does not match the certificate of '$P1'"
expect_org "$T/initial.json" "key that does not match"
expect_no_done_steps "key that does not match"

run apply "$P" --auth-file "$AUTH" --verify-user "$VUSER" --yes --journal "$J"
expect_exit 64
expect_err_contains "--jwt-key"
run apply "$P" --auth-file "$AUTH" --jwt-key "$KEY" --yes --journal "$J"
expect_exit 64
expect_err_contains "--verify-user"
run apply "$P" --auth-file "$AUTH" "${VERIFY[@]}" --journal "$J" </dev/null
expect_exit 64
expect_err_contains "--yes"
expect_org "$T/initial.json" "missing options"
expect_no_done_steps "missing options"
check "refusals: no write call" test "$(sim_count createMetadata)$(sim_count updateMetadata)$(sim_count deleteMetadata)" = 000

# an expired certificate: the plan is refused
run plan --auth-file "$AUTH" --jwt-cert "$SRC/fixtures/keys/expired.crt" \
  --out "$T/expired-plan.json" --journal "$J"
expect_exit 65
expect_err_contains "expired"
expect_no_file "$T/expired-plan.json"

# a profile the org lacks: the plan is refused, naming it
sed -i 's#<profileName>System Administrator#<profileName>Custom: No Such Profile#' \
  "$SIM_STATE/metadata/ConnectedApp/$P1.xml"
run plan --auth-file "$AUTH" --out "$T/profile-plan.json" --journal "$J"
expect_exit 65
expect_err_contains "Custom: No Such Profile"
expect_no_file "$T/profile-plan.json"

# a plan for another org (the same metadata under another org id)
$SIMORG seed --from "$SRC/fixtures/example-org" --state "$T/other-org" --org-id 00D000000000002EAA ||
  problem "cannot seed the second org"
fresh_org "$T/other-org"
$SIMORG auth-json --state "$SIM_STATE" --url "$SIM_URL" >"$AUTH"
dump_org "$T/before.json"
run apply "$P" --auth-file "$AUTH" "${VERIFY[@]}" --yes --journal "$J"
expect_exit 65
expect_err_contains "00D000000000002"
expect_org "$T/before.json" "plan for another org"
expect_no_done_steps "plan for another org"
rm -rf "$T/other-org"

# ============================================================================
# 6. The org lock
# ============================================================================

fresh_org
sim_faults '{"latencyMs": 300, "rules": []}'
"$CA2ECA" apply "$P" --auth-file "$AUTH" "${VERIFY[@]}" --yes --journal "$J" \
  >"$T/bg.out" 2>"$T/bg.err" &
BG=$!
# wait until the run has a step done (it holds the lock by then)
for i in $(seq 1 150); do
  if "$CA2ECA" --json status --journal "$J" 2>/dev/null |
    python3 -c 'import json, sys; sys.exit(not any(s["state"] == "done" for s in json.load(sys.stdin)["result"]["steps"]))' 2>/dev/null; then
    break
  fi
  sleep 0.1
done
check "the background apply is still running" kill -0 "$BG"
run apply "$P" --auth-file "$AUTH" "${VERIFY[@]}" --yes --journal "$J"
expect_exit 65
expect_err_contains "is locked by pid $BG on $(uname -n)"
expect_err_contains "ca2eca apply"
NONCE=$(printf '%s' "$ERR" | sed -n 's/.*unlock --force \([0-9a-f]*\).*/\1/p' | head -n 1)
check "the message names the lock nonce" test -n "$NONCE"
expect_err_contains "lock $NONCE"
run resume --auth-file "$AUTH" "${VERIFY[@]}" --yes --journal "$J"
expect_exit 65
expect_err_contains "is locked by pid $BG"
run rollback --auth-file "$AUTH" --yes --journal "$J"
expect_exit 65
expect_err_contains "is locked by pid $BG"
run unlock --force "$NONCE" --journal "$J"
expect_exit 65
check "still running after the refused unlock" kill -0 "$BG"
kill -KILL "$BG" 2>/dev/null
wait "$BG" 2>/dev/null
sim_faults '{"rules": []}'
run unlock --force 0123456789abcdef0123456789abcdef --journal "$J"
expect_exit 65
expect_err_contains "no lock has nonce"
run resume --auth-file "$AUTH" "${VERIFY[@]}" --yes --journal "$J"
expect_exit 0
expect_out_contains "14 of 14 steps done"
expect_org "$T/ref.json" "killed holder, resumed"

# ============================================================================
# 7. Propagation of a new ECA
# ============================================================================

fresh_org
set_activation 2
sim_mark 2>/dev/null
run apply "$P" --auth-file "$AUTH" "${VERIFY[@]}" --yes --journal "$J"
expect_exit 0
expect_out_contains "verify $P1: passed"
check "verify retried while the ECA propagated (3+ token requests)" test "$(sim_count token)" -ge 3

fresh_org
set_activation 1000
run apply "$P" --auth-file "$AUTH" --jwt-key "$KEY" --verify-user "$VUSER" \
  --verify-window 2 --yes --journal "$J"
expect_exit 76
expect_err_contains "verify"
expect_err_contains "External client app is not installed in this org"
expect_err_contains "resume"
# the operator gave no --client-id: the message must not blame it
CHECKS=$((CHECKS + 1))
case "$ERR" in *--client-id*) problem "propagation failure blamed on --client-id, an option not given" ;; esac
status_check '
st = {s["seq"]: s["state"] for s in d["result"]["steps"]}
assert all(st[i] == "done" for i in range(1, 13)), st
assert st[13] == "failed" and st[14] == "pending", st'
set_activation 0
run resume --auth-file "$AUTH" "${VERIFY[@]}" --yes --journal "$J"
expect_exit 0
expect_out_contains "14 of 14 steps done"
expect_org "$T/ref.json" "propagation: after resume"

# ============================================================================
# 8. --ccd manual
# ============================================================================

fresh_org
cp "$SIM_STATE/metadata/ConversationChannelDefinition/$CCD.xml" "$T/ccd-before.xml"
run apply "$P" --auth-file "$AUTH" "${VERIFY[@]}" --ccd manual --yes --journal "$J"
expect_exit 75
expect_out_contains "In Setup"
expect_out_contains "'$CCD'"
expect_out_contains "external client app '$P1'"
expect_err_contains "channel definition '$CCD' does not point at ECA '$P1' yet"
check "--ccd manual: the channel definition is unchanged" \
  cmp -s "$T/ccd-before.xml" "$SIM_STATE/metadata/ConversationChannelDefinition/$CCD.xml"
status_check '
st = {s["seq"]: s["state"] for s in d["result"]["steps"]}
assert all(st[i] == "done" for i in range(1, 14)) and st[14] != "done", st'
# the operator does the Setup step (here: the Tooling API)
check "Setup step: channel definition repointed" python3 - "$SIM_STATE" "$SIM_URL" "$(admin_token)" "$P1" "$CCD" <<'PY'
import json, re, sys, urllib.request
state, url, token, eca, ccd = sys.argv[1:6]
ccd_id = json.load(open(state + "/metadata/ids.json"))["ConversationChannelDefinition"][ccd]
link = re.search(r"<oauthLink>([^<]+)<", open(f"{state}/metadata/ExtlClntAppOauthSettings/{eca}_oauth.xml").read()).group(1)
req = urllib.request.Request(
    f"{url}/services/data/v66.0/tooling/sobjects/ConversationChannelDefinition/{ccd_id}",
    data=json.dumps({"CustomerConnectedAppOauthLink": link}).encode(), method="PATCH",
    headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
assert urllib.request.urlopen(req, timeout=10).status == 204
PY
run resume --auth-file "$AUTH" "${VERIFY[@]}" --ccd manual --yes --journal "$J"
expect_exit 0
expect_out_contains "channel $CCD points at $P1"
expect_out_contains "14 of 14 steps done"
expect_org "$T/ref.json" "--ccd manual: after the Setup step and resume"
# a rollback must not leave the channel pointing at a deleted ECA
run rollback --auth-file "$AUTH" --yes --journal "$J"
CHECKS=$((CHECKS + 1))
if [ "$RC" = 0 ]; then
  dump_org "$T/now.json"
  cmp -s "$T/initial.json" "$T/now.json" ||
    problem "--ccd manual: rollback exited 0 but the org is not as before:
$(diff "$T/initial.json" "$T/now.json" | head -n 10)"
else
  case "$ERR$OUT" in *Setup*) ;; *) problem "--ccd manual: rollback failed without Setup steps" ;; esac
fi

# ============================================================================
# 9b. mark, retire
# ============================================================================

# retire is refused before the channel is repointed
fresh_org
crash_apply 13
check "killed with the repoint in flight" test "$RC" = 137
run retire --auth-file "$AUTH" --app "$P1" --confirm "$P1" --yes --journal "$J"
expect_exit 65
expect_err_contains "cannot be retired yet"
check "not retired: the connected app is still there" test -f "$SIM_STATE/metadata/ConnectedApp/$P1.xml"

# ... and before its ECA passed verification
fresh_org
crash_apply 12
check "killed with verify in flight" test "$RC" = 137
JFILES=("$J")
for f in "$J-wal" "$J-shm" "$J-journal"; do [ -e "$f" ] && JFILES+=("$f"); done
expect_no_secrets "a crashed run's journal (${JFILES[*]##*/})" "${JFILES[@]}"
run retire --auth-file "$AUTH" --app "$P1" --confirm "$P1" --yes --journal "$J"
expect_exit 65
expect_err_contains "cannot be retired yet"
expect_err_contains "verify"
check "not retired: the connected app is still there" test -f "$SIM_STATE/metadata/ConnectedApp/$P1.xml"

# the operator checked the ECA by hand
run mark 13 done --journal "$J"
expect_exit 64
expect_err_contains "--reason"
run mark 99 done --reason "no such step" --journal "$J"
expect_exit 65
run mark 13 done --reason "token checked by hand with the partner" --journal "$J"
expect_exit 0
run log --journal "$J"
expect_exit 0
expect_out_contains "seq 13 verify $P1: in_flight -> done (marked by hand: token checked by hand with the partner)"
run --json log --journal "$J"
expect_exit 0
json_check "$OUT" '
assert any("token checked by hand with the partner" in e["detail"] for e in d["result"]["events"])'
status_check '
st = {s["seq"]: s["state"] for s in d["result"]["steps"]}
assert st[13] == "done" and st[14] == "pending", st'
run resume --auth-file "$AUTH" "${VERIFY[@]}" --yes --journal "$J"
expect_exit 0
expect_out_contains "14 of 14 steps done"
run verify --auth-file "$AUTH" --jwt-key "$KEY" --verify-user "$VUSER" --journal "$J"
expect_exit 0

run retire --auth-file "$AUTH" --app "$P1" --confirm "${P1}x" --yes --journal "$J"
expect_exit 64
run retire --auth-file "$AUTH" --app "$P1" --confirm "$P1" --journal "$J" </dev/null
expect_exit 64
check "unconfirmed retire: the connected app is still there" test -f "$SIM_STATE/metadata/ConnectedApp/$P1.xml"
run retire --auth-file "$AUTH" --app "$P1" --confirm "$P1" --yes --journal "$J"
expect_exit 0
expect_out_contains "$P1 was deleted"
json_check "$(raw_org)" '
md = d["metadata"]
assert "Partner1_ConnectedApp1" not in md["ConnectedApp"], md["ConnectedApp"].keys()
assert "Acme_OrderSync" in md["ConnectedApp"]
assert "Partner1_ConnectedApp1" in md["ExternalClientApplication"]'
status_check '
s = d["result"]["steps"][-1]
assert s["kind"] == "retire" and s["state"] == "done" and s["app"] == "Partner1_ConnectedApp1", s'
dump_org "$T/retired.json"
run rollback --auth-file "$AUTH" --yes --journal "$J"
expect_exit 65
expect_err_contains "retired connected app '$P1'"
run rollback --auth-file "$AUTH" --to 14 --yes --journal "$J"
expect_exit 65
expect_org "$T/retired.json" "refused rollbacks after retire"
jwt_exchange "$KEY" "$(sim_consumer_key "${P1}_glbloauth")" "$VUSER" >/dev/null
check "the ECA still works after the retire" test $? = 0

# ============================================================================
# 11. Several channel definitions: repointed together
# ============================================================================
# Acme_ChannelDefinition1 (a copy of Partner1's, prefix Acme_) belongs to
# Acme_OrderSync.  The two repoints are one read before the update, one
# update and one confirming read; rollback restores both.

fresh_org
sed -e 's/Partner1_ChannelDefinition1/Acme_ChannelDefinition1/' \
  -e 's/Partner1 Messaging Channel/Acme Messaging Channel/' \
  "$SIM_STATE/metadata/ConversationChannelDefinition/$CCD.xml" \
  >"$SIM_STATE/metadata/ConversationChannelDefinition/Acme_ChannelDefinition1.xml"
dump_org "$T/two-ccds.json"
P2=$T/plan-two-ccds.json
run plan --auth-file "$AUTH" --out "$P2" --journal "$J"
expect_exit 0
sim_mark
run apply "$P2" --auth-file "$AUTH" "${VERIFY[@]}" --yes --journal "$J"
expect_exit 0
expect_out_contains "channel        $CCD points at $P1"
expect_out_contains "channel        Acme_ChannelDefinition1 points at $ACME"
json_check "$(requests_since_mark)" '
ccd = "ConversationChannelDefinition"
upd = [r for r in d if r["op"] == "updateMetadata" and r["type"] == ccd]
assert [r["count"] for r in upd] == [2], upd
# the drift check reads both, the repoint reads both before and after
reads = [r for r in d if r["op"] == "readMetadata" and r["type"] == ccd]
assert [r["count"] for r in reads] == [2, 2, 2], reads'
json_check "$(raw_org)" '
md = d["metadata"]
for ccd, eca in (("Partner1_ChannelDefinition1", "Partner1_ConnectedApp1"),
                 ("Acme_ChannelDefinition1", "Acme_OrderSync")):
    c = md["ConversationChannelDefinition"][ccd]
    link = md["ExtlClntAppOauthSettings"][eca + "_oauth"]["oauthLink"]
    assert c["connectedAppType"] == "Customer", c
    assert c["customerConnectedAppOauthLink"] == link, (ccd, c, link)'
run rollback --auth-file "$AUTH" --yes --journal "$J"
expect_exit 0
expect_org "$T/two-ccds.json" "two channel definitions, after rollback"

# ============================================================================
# 12. Over HTTPS: the writes go on the kept-alive TLS connection; one that
#     loses its answer after the org saved it is not sent again
# ============================================================================

fresh_org --tls
TLS=(--ca-bundle "$SIM_CA")
run apply "$P" --auth-file "$AUTH" "${VERIFY[@]}" "${TLS[@]}" --yes --journal "$J"
expect_exit 0
expect_out_contains "14 of 14 steps done"
expect_org "$T/ref.json" "over HTTPS"

fresh_org --tls
TLS=(--ca-bundle "$SIM_CA")
sim_faults '{"rules": [{"op": "createMetadata", "nth": 2, "times": 1, "kind": "reset", "apply": "after"}]}'
sim_mark 2>/dev/null
run apply "$P" --auth-file "$AUTH" "${VERIFY[@]}" "${TLS[@]}" --yes --journal "$J"
expect_exit 75
expect_err_contains "may or may not have been applied"
check "HTTPS reset: the lost create was not sent again" \
  test "$(sim_count createMetadata ExtlClntAppOauthSettings)" = 1
sim_faults '{"rules": []}'
run resume --auth-file "$AUTH" "${VERIFY[@]}" "${TLS[@]}" --yes --journal "$J"
expect_exit 0
expect_org "$T/ref.json" "HTTPS reset: after resume"

finish
