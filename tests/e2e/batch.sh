#!/usr/bin/env bash
# End to end: `ca2eca batch` (plan/apply/resume/rollback/status across the
# orgs of a CSV manifest) and `ca2eca report --merge`, against one
# simulated multi-org state (tests/simorg: /org/<name>, faults.json per org
# or at the root with "org", requests.jsonl with the org of each request).
#
#   1. 24 orgs, five of them failing in different ways (login refused, a
#      fault on every create, too few daily API requests, an expiring
#      session, TotalRequests used up mid-run); the failures stay isolated;
#      the retry manifest brings them to done
#   2. a batch killed midway, then resumed (and the orgs that never
#      started applied)
#   3. shards: 3 shards = one unsharded batch
#   4. manifest errors: exit 65, nothing reaches an org
#   5. --max-fail-percent: orgs not started, in the retry manifest
#   6. --json, the progress line, --report
#   7. batch rollback: every org as seeded
set -u

CA2ECA=${1:?usage: batch.sh path/to/ca2eca}
SRC=${C2E_SOURCE_DIR:?C2E_SOURCE_DIR must point at the repository}
. "$SRC/tests/e2e/lib.sh"

# a failed check made at the top level (fail names its caller's caller)
problem() {
  fail "$@"
}

VKEY=$SRC/fixtures/example-project/keys/partner1-jwt.key
VUSER=interaction@partner1-org.example.com
# the admin's JWT bearer login (the seeded ECA Ops_AdminCli)
ADMIN_KEY=$SRC/fixtures/example-org/keys/admin-cli.key
ADMIN_CLIENT=3MVG9OpsAdminCliExampleConsumerKeyForSimulatedOrgJwtLogin0000000000000000000000000004
ADMIN_USER=admin@partner1-org.example.com
NORGS=84

# --- helpers ---------------------------------------------------------------

org_name() {
  printf 'org%04d' "$1"
}

# make_auth DIR N: DIR/auth/orgNNNN.json, the org's auth file for this server
make_auth() {
  local n
  n=$(org_name "$2")
  mkdir -p "$1/auth"
  sed "s#http://127.0.0.1:PORT-PLACEHOLDER#$SIM_URL#" \
    "$SIM_STATE/$n/auth.json" >"$1/auth/$n.json"
}

# manifest_line ALIAS N: a manifest line (auth file relative to the
# manifest's directory) for the header
#   alias,auth_file,verify_user,verify_key
manifest_line() {
  printf '%s,auth/%s.json,%s,%s\n' "$1" "$(org_name "$2")" "$VUSER" "$VKEY"
}

# set_remaining N VALUE: DailyApiRequests.Remaining in the org's org.json
set_remaining() {
  python3 - "$SIM_STATE/$(org_name "$1")/org.json" "$2" <<'PY'
import json, os, sys
path, n = sys.argv[1], int(sys.argv[2])
d = json.load(open(path))
d["limits"]["DailyApiRequests"]["Remaining"] = n
json.dump(d, open(path + ".tmp", "w"), indent=2)
os.replace(path + ".tmp", path)
PY
}

# org_faults N JSON: the org's own faults.json (JSON empty: removed)
org_faults() {
  local f
  f=$SIM_STATE/$(org_name "$1")/faults.json
  if [ -z "$2" ]; then
    rm -f "$f"
  else
    printf '%s\n' "$2" >"$f.tmp"
    mv "$f.tmp" "$f"
  fi
}

# dump_orgs OUTDIR N...: each org's stable dump to OUTDIR/orgNNNN.json
# (one Python process for all of them; the same code as `simorg.py dump`)
dump_orgs() {
  local out=$1 n names=()
  shift
  for n in "$@"; do names+=("$(org_name "$n")"); done
  python3 - "$SRC/tests/simorg" "$SIM_STATE" "$out" "${names[@]}" <<'PY'
import os, sys
sys.path.insert(0, sys.argv[1])
from orgsim.store import State
from orgsim.dump import dump_state, dumps
state, out, names = sys.argv[2], sys.argv[3], sys.argv[4:]
os.makedirs(out, exist_ok=True)
st = State(state)
for n in names:
    with open(os.path.join(out, n + ".json"), "w") as f:
        f.write(dumps(dump_state(st, True, n)))
PY
}

# expect_dumps_equal WHAT REF DIR N...: every DIR/orgNNNN.json equals the
# dump REF once the org ids (18 and 15 characters) are replaced
expect_dumps_equal() {
  local what=$1 ref=$2 dir=$3 msg n names=()
  shift 3
  for n in "$@"; do names+=("$(org_name "$n")"); done
  CHECKS=$((CHECKS + 1))
  if ! msg=$(python3 - "$ref" "$dir" "${names[@]}" 2>&1 <<'PY'
import difflib, json, sys
def norm(path):
    text = open(path).read()
    oid = json.loads(text)["orgId"]
    return text.replace(oid, "<orgId>").replace(oid[:15], "<orgId>")
ref = norm(sys.argv[1])
bad = []
for n in sys.argv[3:]:
    got = norm(f"{sys.argv[2]}/{n}.json")
    if got != ref:
        d = "".join(list(difflib.unified_diff(ref.splitlines(True), got.splitlines(True), "ref", n))[:30])
        bad.append(f"{n}:\n{d}")
if bad:
    print(f"{len(bad)} org(s) differ: " + "\n".join(bad[:3]))
    sys.exit(1)
PY
  ); then
    fail "$what: $msg"
  fi
}

# expect_dumps_same WHAT DIR1 DIR2 N...: the org dumps are byte-identical
expect_dumps_same() {
  local what=$1 a=$2 b=$3 n f bad=
  shift 3
  CHECKS=$((CHECKS + 1))
  for n in "$@"; do
    f=$(org_name "$n").json
    cmp -s "$a/$f" "$b/$f" || bad="$bad $f"
  done
  if [ -n "$bad" ]; then
    f=${bad# }
    f=${f%% *}
    fail "$what: these orgs differ:$bad
$(diff "$a/$f" "$b/$f" | head -n 20)"
  fi
}

# requests since the mark, as a JSON list (for json_check)
requests_since_mark() {
  tail -n +"$((SIM_MARK + 1))" "$SIM_STATE/requests.jsonl" |
    python3 -c 'import json, sys; print(json.dumps([json.loads(l) for l in sys.stdin]))'
}

request_lines() {
  wc -l <"$SIM_STATE/requests.jsonl" 2>/dev/null || echo 0
}

# batch_status DIR: `batch status --json` of DIR into $STATUS
batch_status() {
  run --json batch status --dir "$1"
  expect_exit 0
  STATUS=$OUT
}

# expect_all_done WHAT JSON N: a status/report document with N orgs, each
# done with 14 of 14 steps
expect_all_done() {
  json_check "$2" '
orgs = d["result"]["orgs"]
bad = [(o["alias"], o["state"], o["stepsDone"], o["steps"], o["error"]) for o in orgs
       if (o["state"], o["stepsDone"], o["steps"]) != ("done", 14, 14)]
assert not bad, ("'"$1"': not done with 14/14 steps", bad)
assert len(orgs) == '"$3"', ("'"$1"': expected '"$3"' orgs", [o["alias"] for o in orgs])'
}

# expect_retry_manifest WHAT MANIFEST ALIAS...: MANIFEST.retry.csv next to
# MANIFEST holds its header and exactly these orgs' lines (in manifest order)
expect_retry_manifest() {
  local what=$1 m=$2 msg
  shift 2
  CHECKS=$((CHECKS + 1))
  if ! msg=$(python3 - "$m" "${m%.csv}.retry.csv" "$@" 2>&1 <<'PY'
import os, sys
m, retry, want = sys.argv[1], sys.argv[2], set(sys.argv[3:])
lines = open(m).read().split("\n")
header = [l for l in lines if l.strip() and not l.startswith("#")][0]
rows = [l for l in lines[lines.index(header) + 1:] if l.strip() and not l.startswith("#")]
expected = header + "\n" + "".join(l + "\n" for l in rows if l.split(",")[0] in want)
assert os.path.exists(retry), f"no retry manifest {retry}"
got = open(retry).read()
assert got == expected, f"retry manifest:\n{got}\nexpected:\n{expected}"
PY
  ); then
    fail "$what: $msg"
  fi
}

# the aliases of a `--json` batch status or report, with their states
aliases_of() {
  printf '%s' "$1" | python3 -c '
import json, sys
print(" ".join(o["alias"] for o in json.load(sys.stdin)["result"]["orgs"]))'
}

# start the simulated orgs: org0001 ... org00NN in one state
$SIMORG seed --from "$SRC/fixtures/example-org" --state "$T/fleet" --orgs "$NORGS" ||
  problem "cannot seed $NORGS orgs"
sim_start "$T/fleet"
rm -rf "$T/fleet"
sim_faults '{"rules": []}'
# every org's dump as seeded (all orgs are copies of the example org)
dump_orgs "$T/seeded" $(seq 1 "$NORGS")
check "the seeded orgs are copies of one org" python3 - "$T/seeded" <<'PY'
import glob, json, sys
seen = set()
for f in glob.glob(sys.argv[1] + "/*.json"):
    t = open(f).read()
    o = json.loads(t)["orgId"]
    seen.add(t.replace(o, "X").replace(o[:15], "X"))
sys.exit(len(seen) != 1)
PY

# ============================================================================
# 4. Manifest errors: exit 65 with the line, and nothing reaches an org
# ============================================================================

T4=$T/t4
mkdir -p "$T4"
make_auth "$T4" 83
make_auth "$T4" 84
LINES_BEFORE=$(request_lines)

# an unterminated quote (line 4, after a comment and the header)
{
  printf '# a fleet\nalias,auth_file,verify_user,verify_key\n'
  manifest_line m1 83
  printf 'm2,"auth/org0084.json,%s,%s\n' "$VUSER" "$VKEY"
} >"$T4/quote.csv"
run batch apply --orgs "$T4/quote.csv" --dir "$T4/d" --yes
expect_exit 65
expect_err_contains "manifest '$T4/quote.csv': line 4"
expect_err_contains "not closed"
expect_no_file "$T4/d"
expect_no_file "$T4/quote.retry.csv"

# a duplicate alias (case does not count) after a quoted field spanning two
# lines and a blank line: the line number is the file's
{
  printf 'alias,auth_file,apps,verify_user,verify_key\n'
  printf 'm1,auth/org0083.json,"Acme_OrderSync;\nPartner1_ConnectedApp1",%s,%s\n\n' "$VUSER" "$VKEY"
  printf 'm2,auth/org0084.json,,%s,%s\n' "$VUSER" "$VKEY"
  printf 'M1,auth/org0084.json,,%s,%s\n' "$VUSER" "$VKEY"
} >"$T4/dup.csv"
run --json batch apply --orgs "$T4/dup.csv" --dir "$T4/d" --yes
expect_exit 65
json_check "$OUT" '
assert d["exitCode"] == 65, d
m = d["message"]
assert "line 6" in m and "also the alias on line 2" in m, m'
expect_no_file "$T4/d"

# the plan stage validates too; a line with a missing field
{
  printf 'alias,auth_file,verify_user,verify_key\n'
  manifest_line m1 83
  printf 'm2,auth/org0084.json,%s\n' "$VUSER"
} >"$T4/fields.csv"
run batch plan --orgs "$T4/fields.csv" --dir "$T4/d"
expect_exit 65
expect_err_contains "line 3"
expect_err_contains "header has 4 columns"
expect_no_file "$T4/d"

# a bad value (ccd)
{
  printf 'alias,auth_file,ccd\n'
  printf 'm1,auth/org0083.json,auto\nm2,auth/org0084.json,yes\n'
} >"$T4/ccd.csv"
run batch apply --orgs "$T4/ccd.csv" --dir "$T4/d" --yes
expect_exit 65
expect_err_contains "line 3: column 'ccd'"
expect_no_file "$T4/d"

check "manifest errors: no request reached the orgs" test "$(request_lines)" = "$LINES_BEFORE"

# the command line (a valid manifest)
{
  printf 'alias,auth_file,verify_user,verify_key\n'
  manifest_line m1 83
} >"$T4/ok.csv"
run batch apply --orgs "$T4/ok.csv" --dir "$T4/d" --shard 0/3 --yes
expect_exit 64
run batch apply --orgs "$T4/ok.csv" --dir "$T4/d" --shard 4/3 --yes
expect_exit 64
run batch apply --orgs "$T4/ok.csv" --dir "$T4/d" --jobs 0 --yes
expect_exit 64
# not confirmed (no --yes, no terminal)
run batch apply --orgs "$T4/ok.csv" --dir "$T4/d" </dev/null
expect_exit 64
expect_no_file "$T4/d"
run report --merge "$T4/no-such-dir"
expect_exit 65
check "command-line errors: no request reached the orgs" test "$(request_lines)" = "$LINES_BEFORE"

# ============================================================================
# 1. 24 orgs, some failing
# ============================================================================
#
#   f03  auth file with a bad token: login refused
#   f07  every createMetadata answered with a fault (not retried: a create
#        is not idempotent)
#   f11  DailyApiRequests Remaining 10: skipped before it starts
#   f15  sessionExpiresAfter 5 with an auth file (no new login possible)
#   f19  TotalRequests used up on its creates (a root faults.json rule
#        naming the org): state "limit"
#   f22  sessionExpiresAfter 5 with a JWT login: logs in again, done

T1=$T/t1
D1=$T1/batch
M1=$T1/fleet.csv
mkdir -p "$T1"
{
  printf 'alias,auth_file,login_url,client_id,username,jwt_key,verify_user,verify_key\n'
  for i in $(seq 1 24); do
    make_auth "$T1" "$i"
    a=$(printf 'f%02d' "$i")
    if [ "$i" = 22 ]; then
      printf '%s,,%s/org/%s,%s,%s,%s,%s,%s\n' "$a" "$SIM_URL" "$(org_name 22)" \
        "$ADMIN_CLIENT" "$ADMIN_USER" "$ADMIN_KEY" "$VUSER" "$VKEY"
    else
      printf '%s,auth/%s.json,,,,,%s,%s\n' "$a" "$(org_name "$i")" "$VUSER" "$VKEY"
    fi
  done
} >"$M1"
cp "$T1/auth/org0003.json" "$T1/org0003.good.json"
sed -i 's/SimOrgAdminSessionToken/RevokedAdminSessionTok/' "$T1/auth/org0003.json"
org_faults 7 '{"rules": [{"op": "createMetadata", "nth": 1, "times": 1000, "kind": "http500"}]}'
set_remaining 11 10
org_faults 15 '{"sessionExpiresAfter": 5, "rules": []}'
sim_faults '{"rules": [{"op": "createMetadata", "nth": 1, "times": 1000, "kind": "limit_total", "org": "org0019"}]}'
org_faults 22 '{"sessionExpiresAfter": 5, "rules": []}'

sim_mark
run batch apply --orgs "$M1" --dir "$D1" --jobs 6 --yes --report "$T1/report.jsonl"
expect_exit 75
expect_err_contains "5 of 24 orgs did not succeed"
expect_err_contains "--orgs $T1/fleet.retry.csv"
# 6: no terminal, no progress line
CHECKS=$((CHECKS + 1))
case "$ERR" in *"orgs done"* | *$'\r'*) problem "a progress line on stderr without a terminal" ;; esac
expect_out_contains "19 of 24 orgs succeeded; retry the others with --orgs $T1/fleet.retry.csv"
# the table: one line per org with its state (and the start of its error)
CHECKS=$((CHECKS + 1))
if ! msg=$(printf '%s\n' "$OUT" | python3 -c '
import re, sys
rows = {}
for l in sys.stdin:
    m = re.match(r"^(f\d\d) +(not started|done|failed|skipped|limit) +(\d+) +[\d.]+  ?(.*)$", l.rstrip("\n"))
    if m:
        rows[m.group(1)] = (m.group(2), m.group(4))
want = {"f03": "failed", "f07": "failed", "f11": "skipped", "f15": "failed", "f19": "limit"}
assert len(rows) == 24, ("table rows", sorted(rows))
for a, (st, e) in sorted(rows.items()):
    assert st == want.get(a, "done"), (a, st, e)
    assert bool(e) == (a in want), (a, e)
assert "session" in rows["f03"][1], rows["f03"]
assert "createMetadata" in rows["f07"][1], rows["f07"]
assert "daily API requests left" in rows["f11"][1], rows["f11"]
assert "session" in rows["f15"][1], rows["f15"]
' 2>&1); then
  problem "batch apply table: $msg"
fi
# a plan made by `batch apply` is applied under the same lock, without a
# second inventory: each org that succeeded was listed once for the
# inventory and once for discovery (both discovered types in one call)
CHECKS=$((CHECKS + 1))
if ! msg=$(tail -n +"$((SIM_MARK + 1))" "$SIM_STATE/requests.jsonl" | python3 -c '
import collections, json, sys
lists = collections.defaultdict(list)
for r in map(json.loads, sys.stdin):
    if r["op"] == "listMetadata" and r["status"] == 200:
        lists[r["org"]].append(r["type"])
inv = "ConnectedApp,ExternalClientApplication,ConversationChannelDefinition"
disc = "ExtlClntAppOauthConfigurablePolicies,ExtlClntAppConfigurablePolicies"
for org in ("org0001", "org0002", "org0010", "org0024"):
    assert sorted(lists[org]) == sorted([inv, disc]), (org, lists[org])
' 2>&1); then
  problem "batch apply: one inventory and one discovery list per org: $msg"
fi

# the full error texts: batch status --json (and the --report, below)
batch_status "$D1"
json_check "$STATUS" '
orgs = {o["alias"]: o for o in d["result"]["orgs"]}
assert len(orgs) == 24, sorted(orgs)
want = {"f03": "failed", "f07": "failed", "f11": "skipped", "f15": "failed", "f19": "limit"}
for a, o in orgs.items():
    assert o["state"] == want.get(a, "done"), (a, o)
    if a not in want:
        assert (o["stepsDone"], o["steps"]) == (14, 14) and o["error"] is None, o
e = {a: orgs[a]["error"] or "" for a in want}
assert "session" in e["f03"] and "log in again" in e["f03"], e["f03"]
assert "createMetadata" in e["f07"] and "UNKNOWN_EXCEPTION" in e["f07"], e["f07"]
assert "9 daily API requests left" in e["f11"], e["f11"]
assert "session" in e["f15"] and "expired" in e["f15"], e["f15"]
assert "TotalRequests" in e["f19"], e["f19"]
assert orgs["f11"]["steps"] == 0, orgs["f11"]'

# 6: --report: JSONL, one org record per org, step records for the runs
json_check "$(python3 -c 'import json,sys; print(json.dumps([json.loads(l) for l in open(sys.argv[1])]))' "$T1/report.jsonl" 2>&1)" '
orgs = [r for r in d if r["record"] == "org"]
steps = [r for r in d if r["record"] == "step"]
assert sorted(r["alias"] for r in orgs) == ["f%02d" % i for i in range(1, 25)], [r["alias"] for r in orgs]
assert len(orgs) + len(steps) == len(d), "records other than org and step"
by = {}
for s in steps:
    by.setdefault(s["alias"], []).append(s)
for a in ["f%02d" % i for i in range(1, 25)]:
    if a in ("f03", "f11", "f15"):
        assert a not in by, (a, "has steps but never started a run")
        continue
    assert [s["seq"] for s in by[a]] == list(range(1, 15)), (a, [s["seq"] for s in by[a]])
    if a not in ("f07", "f19"):
        assert all(s["state"] == "done" for s in by[a]), (a, [s["state"] for s in by[a]])
assert by["f07"][0]["state"] != "done" and by["f07"][0]["kind"] == "create", by["f07"][0]
o = {r["alias"]: r for r in orgs}
assert o["f19"]["state"] == "limit" and "TotalRequests" in o["f19"]["error"], o["f19"]'

# the retry manifest: exactly the failed and skipped orgs' lines
expect_retry_manifest "batch apply with failures" "$M1" f03 f07 f11 f15 f19

# isolation, in the request log: the healthy orgs saw no fault and no
# refusal, and the same requests as each other; the skipped org only the
# /limits read; the refused login nothing past its first call
json_check "$(requests_since_mark)" '
special = {"org0003", "org0007", "org0011", "org0015", "org0019", "org0022"}
per = {}
for r in d:
    per.setdefault(r["org"], []).append(r)
healthy = ["org%04d" % i for i in range(1, 25) if "org%04d" % i not in special]
for n in healthy:
    bad = [(r["op"], r["status"], r["fault"]) for r in per.get(n, []) if r["status"] != 200 or r["fault"]]
    assert not bad, (n, "saw", bad)
ops = {n: sorted((r["op"], r.get("type") or "") for r in per[n]) for n in healthy}
assert len({tuple(v) for v in ops.values()}) == 1, "the healthy orgs did not see the same requests"
assert [r["op"] for r in per["org0011"]] == ["limits"], ("skipped org", [r["op"] for r in per["org0011"]])
assert not any(r["op"] == "createMetadata" for r in per["org0003"]), "login refused, yet createMetadata"
assert all(r["status"] == 401 for r in per["org0003"]), [(r["op"], r["status"]) for r in per["org0003"]]
assert not any(r["op"] == "createMetadata" and r["status"] == 200 for r in per["org0007"]), "org0007 created something"
assert any(r["op"] == "token" for r in per["org0022"]), "the JWT org never logged in again"
outside = sorted({r["org"] for r in d} - {"org%04d" % i for i in range(1, 25)})
assert not outside, ("requests to orgs outside the batch", outside)'

# the healthy orgs are migrated: their dumps equal a reference migration
dump_orgs "$T1/after" $(seq 1 24)
REF=$T/ref.json
cp "$T1/after/org0001.json" "$REF"
json_check "$(cat "$REF")" '
md = d["metadata"]
assert {"Acme_OrderSync", "Partner1_ConnectedApp1"} <= set(md["ExternalClientApplication"]), md["ExternalClientApplication"].keys()
ccd = md["ConversationChannelDefinition"]["Partner1_ChannelDefinition1"]
assert ccd["customerConnectedAppOauthLink"] == "<oauthLink:Partner1_ConnectedApp1>", ccd
assert set(md["ConnectedApp"]) == {"Acme_OrderSync", "Legacy_CommunityLogin", "Partner1_ConnectedApp1"}'
check "the reference org kept its connected apps" python3 -c '
import json, sys
a, b = (json.load(open(f))["metadata"]["ConnectedApp"] for f in sys.argv[1:3])
sys.exit(a != b)' "$T/seeded/org0001.json" "$REF"
expect_dumps_equal "healthy orgs after the batch" "$REF" "$T1/after" \
  1 2 4 5 6 8 9 10 12 13 14 16 17 18 20 21 22 23 24
# the orgs refused before any write are as seeded
expect_dumps_same "orgs refused before any write" "$T/seeded" "$T1/after" 3 7 11 15 19

# fix the causes: the auth file, the faults, the limit
cp "$T1/org0003.good.json" "$T1/auth/org0003.json"
org_faults 7 ''
set_remaining 11 15000
org_faults 15 ''
sim_faults '{"rules": []}'

# the retry manifest, fed straight back to the same stage
sim_mark
run batch apply --orgs "$T1/fleet.retry.csv" --dir "$D1" --jobs 6 --yes
expect_exit 0
if [ "$RC" != 0 ]; then
  # f07 and f19 stopped inside run 1: `batch apply` refuses them ("this
  # plan is being applied in run 1 ... continue it with 'ca2eca resume
  # 1'"); carry on with `batch resume` so the other tests can run
  run batch resume --orgs "$T1/fleet.retry.csv" --dir "$D1" --jobs 6 --yes
  expect_exit 0
fi
expect_no_file "$T1/fleet.retry.csv"
batch_status "$D1"
expect_all_done "all 24 after the retry" "$STATUS" 24
dump_orgs "$T1/after" $(seq 1 24)
expect_dumps_equal "all 24 orgs after the retry" "$REF" "$T1/after" $(seq 1 24)
json_check "$(requests_since_mark)" '
outside = sorted({r["org"] for r in d} - {"org0003", "org0007", "org0011", "org0015", "org0019"})
assert not outside, ("the retry touched orgs outside the retry manifest", outside)'

# ============================================================================
# 2. Killed midway, then resumed
# ============================================================================
#
# After a kill an org is in one of three states: done (DIR/ALIAS/status.json
# says so), interrupted (its journal has an unfinished run) or never started
# (no run).  What a user runs: `batch resume --orgs M` finishes the
# interrupted ones (and reports the done ones as done), fails the never
# started ones with "no run of this org in its journal: apply first" and
# writes them to M.retry.csv; then `batch apply --orgs M.retry.csv`.
# (`batch apply --orgs M` again refuses the done ones and the interrupted
# ones: "this plan was applied already" / "is being applied in run N".)

T2=$T/t2
D2=$T2/batch
M2=$T2/fleet.csv
mkdir -p "$T2"
{
  printf 'alias,auth_file,verify_user,verify_key\n'
  for i in $(seq 1 20); do
    make_auth "$T2" $((24 + i))
    manifest_line "$(printf 'k%02d' "$i")" $((24 + i))
  done
} >"$M2"
K_ALIASES=$(seq -f 'k%02g' 1 20)
sim_faults '{"latencyMs": 30, "rules": []}'
"$CA2ECA" batch apply --orgs "$M2" --dir "$D2" --jobs 4 --yes >"$T2/bg.out" 2>"$T2/bg.err" &
BG=$!
done_count() {
  grep -ls '"state": "done"' "$D2"/*/status.json 2>/dev/null | wc -l
}
# orgs still running whose run has a step done (half migrated)
busy_count() {
  local a n=0
  for a in "$D2"/*; do
    [ -f "$a/ca2eca.db" ] && [ ! -e "$a/status.json" ] &&
      "$CA2ECA" --json status --journal "$a/ca2eca.db" 2>/dev/null |
      grep -q '"state": "done"' && n=$((n + 1))
  done
  echo "$n"
}
# kill once 4 orgs are done and another is half migrated
for i in $(seq 1 600); do
  [ "$(done_count)" -ge 4 ] && [ "$(busy_count)" -ge 1 ] && break
  kill -0 "$BG" 2>/dev/null || break
  sleep 0.05
done
check "the batch was still running when killed" kill -0 "$BG"
kill -KILL "$BG" 2>/dev/null
wait "$BG" 2>/dev/null
sim_faults '{"rules": []}'

# classify the orgs
K_DONE=
K_RUN=
K_NEW=
for a in $K_ALIASES; do
  if grep -qs '"state": "done"' "$D2/$a/status.json"; then
    K_DONE="$K_DONE $a"
  elif [ -f "$D2/$a/ca2eca.db" ] && "$CA2ECA" --json status --journal "$D2/$a/ca2eca.db" >/dev/null 2>&1; then
    K_RUN="$K_RUN $a"
  else
    K_NEW="$K_NEW $a"
  fi
done
echo "after the kill: done:$K_DONE; interrupted:$K_RUN; never started:$K_NEW" >&2
check "some orgs were done before the kill" test -n "$K_DONE"
check "some orgs never started before the kill" test -n "$K_NEW"
check "some orgs were interrupted in their run" test -n "$K_RUN"

# batch status right after the kill: an interrupted org has a run in its
# journal, so it is half migrated; status must show it
batch_status "$D2"
if [ -n "$K_RUN" ]; then
  json_check "$STATUS" '
listed = {o["alias"]: o for o in d["result"]["orgs"]}
missing = [a for a in "'"$K_RUN"'".split() if a not in listed]
assert not missing, ("batch status after a kill omits the interrupted (half migrated) orgs", missing)'
fi

# one command finishes the fleet: resume continues the interrupted orgs,
# leaves the finished ones alone and applies the plan where none started
run batch resume --orgs "$M2" --dir "$D2" --jobs 4 --yes
expect_exit 0
expect_no_file "$T2/fleet.retry.csv"
batch_status "$D2"
expect_all_done "killed batch, after resume" "$STATUS" 20

# status.json is not synced (the journal is): after a power cut it may be
# empty or torn; status then reads the org's journal
: >"$D2/k01/status.json"
printf '{"alias": "k02", "sta' >"$D2/k02/status.json"
batch_status "$D2"
expect_all_done "status.json empty or torn" "$STATUS" 20
dump_orgs "$T2/after" $(seq 25 44)
expect_dumps_equal "killed batch, after resume (vs an uninterrupted batch)" \
  "$REF" "$T2/after" $(seq 25 44)

# ============================================================================
# 3. Shards
# ============================================================================

T3=$T/t3
mkdir -p "$T3"
S_ALIASES=$(seq -f 's%02g' 1 12)
# the same aliases twice: A (org0045...) for the shards, B (org0057...)
# for one unsharded batch
for set in A B; do
  base=44
  [ "$set" = B ] && base=56
  {
    printf 'alias,auth_file,verify_user,verify_key\n'
    for i in $(seq 1 12); do
      make_auth "$T3" $((base + i))
      manifest_line "$(printf 's%02d' "$i")" $((base + i))
    done
  } >"$T3/$set.csv"
done

for i in 1 2 3; do
  run batch apply --orgs "$T3/A.csv" --shard "$i/3" --dir "$T3/D$i" --jobs 4 --yes
  expect_exit 0
  # 6: no terminal: nothing on stderr, no progress line
  expect_err_empty
  batch_status "$T3/D$i"
  eval "SHARD$i=\"\$(aliases_of \"\$STATUS\")\""
done
# every org in exactly one shard, the shard of FNV-1a(alias) mod 3
check "shards: no shard is empty" test -n "$SHARD1" -a -n "$SHARD2" -a -n "$SHARD3"
CHECKS=$((CHECKS + 1))
# shellcheck disable=SC2086
if ! msg=$(python3 - "$SHARD1" "$SHARD2" "$SHARD3" $S_ALIASES 2>&1 <<'PY'
import sys
shards = [s.split() for s in sys.argv[1:4]]
aliases = sys.argv[4:]
allv = sum(shards, [])
assert sorted(allv) == sorted(aliases), ("not every org exactly once", shards)
def fnv(s):
    h = 0xcbf29ce484222325
    for b in s.encode():
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h
for i, s in enumerate(shards):
    for a in s:
        assert fnv(a) % 3 == i, (a, "in shard", i + 1, "FNV-1a says", fnv(a) % 3 + 1)
PY
); then
  problem "shards: $msg"
fi

# the unsharded batch of B; 6: --json is one document, --report JSONL
run --json batch apply --orgs "$T3/B.csv" --dir "$T3/DU" --jobs 4 --yes --report "$T3/report.jsonl"
expect_exit 0
expect_err_empty
json_check "$OUT" '
assert d["status"] == 0, d
r = d["result"]
assert r["action"] == "apply" and r["orgs"] == 12 and r["succeeded"] == 12, r
res = r["results"]
assert [x["alias"] for x in res] == ["s%02d" % i for i in range(1, 13)], res
assert all(x["state"] == "done" and x["error"] is None and x["run"] == 1 for x in res), res
assert all(x["orgId"] == "00D0000001%05dEAA" % (56 + i) for i, x in enumerate(res, 1)), [x["orgId"] for x in res]'
expect_no_file "$T3/B.retry.csv"
CHECKS=$((CHECKS + 1))
if ! msg=$(python3 - "$T3/report.jsonl" 2>&1 <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
orgs = [r for r in recs if r["record"] == "org"]
assert [r["alias"] for r in orgs] == ["s%02d" % i for i in range(1, 13)], [r["alias"] for r in orgs]
assert all(r["state"] == "done" and r["run"] == 1 for r in orgs), orgs
for a in ("s%02d" % i for i in range(1, 13)):
    st = [r for r in recs if r["record"] == "step" and r["alias"] == a]
    assert [s["seq"] for s in st] == list(range(1, 15)), (a, st)
    assert all(s["state"] == "done" and s["kind"] and s["app"] for s in st), (a, st)
PY
); then
  problem "--report: $msg"
fi

# report --merge of the shards = the report of the unsharded batch
run --json report --merge "$T3/D1" "$T3/D2" "$T3/D3"
expect_exit 0
MERGED=$OUT
run --json report --merge "$T3/DU"
expect_exit 0
UNSHARDED=$OUT
expect_all_done "report --merge of the shards" "$MERGED" 12
CHECKS=$((CHECKS + 1))
if ! msg=$(python3 - "$MERGED" "$UNSHARDED" 2>&1 <<'PY'
import json, sys
a, b = ([(o["alias"], o["state"], o["steps"], o["stepsDone"]) for o in json.loads(x)["result"]["orgs"]] for x in sys.argv[1:3])
assert a == b, (a, b)
PY
); then
  problem "report --merge of 3 shards differs from the unsharded batch: $msg"
fi
run report --merge "$T3/D1" "$T3/D2" "$T3/D3"
expect_exit 0
expect_out_contains "12 orgs, 12 done"
dump_orgs "$T3/after" $(seq 45 68)
expect_dumps_equal "sharded and unsharded orgs" "$REF" "$T3/after" $(seq 45 68)

# batch apply again on a finished shard: nothing may change in the orgs,
# and the record of the migrated orgs must survive (status/report)
sim_mark
run batch apply --orgs "$T3/A.csv" --shard 1/3 --dir "$T3/D1" --jobs 4 --yes
echo "batch apply again on a finished shard: exit $RC" >&2
check "apply again on a finished shard: no write" \
  test "$(sim_count createMetadata)$(sim_count updateMetadata)$(sim_count deleteMetadata)" = 000
run --json report --merge "$T3/D1" "$T3/D2" "$T3/D3"
expect_exit 0
expect_all_done "report --merge after apply again on a finished shard" "$OUT" 12

# 6: with a terminal, a progress line on stderr (a batch that does nothing:
# resume of finished runs)
if command -v script >/dev/null 2>&1; then
  script -qec "'$CA2ECA' batch resume --orgs '$T3/B.csv' --dir '$T3/DU' --jobs 4 --yes >'$T3/tty.out'" \
    /dev/null >"$T3/tty.txt" 2>&1
  TTY_RC=$?
  check "batch resume of finished runs on a terminal: exit 0" test "$TTY_RC" = 0
  check "a progress line on a terminal" grep -q '12/12 orgs finished' "$T3/tty.txt"
  check "the summary table on stdout" grep -q '12 of 12 orgs succeeded' "$T3/tty.out"
fi

# ============================================================================
# 5. --max-fail-percent
# ============================================================================
#
# x01, x02 work; x03..x12 have a revoked token.  With 2 jobs, the first
# failure (1 of 3 finished > 10 %) stops the batch from starting more.

T5=$T/t5
mkdir -p "$T5"
for i in $(seq 69 82); do make_auth "$T5" "$i"; done
for i in $(seq 71 80); do
  sed -i 's/SimOrgAdminSessionToken/RevokedAdminSessionTok/' "$T5/auth/$(org_name "$i").json"
done
{
  printf 'alias,auth_file,verify_user,verify_key\n'
  manifest_line x01 69
  manifest_line x02 70
  for i in $(seq 3 12); do manifest_line "$(printf 'x%02d' "$i")" $((68 + i)); done
} >"$T5/x.csv"
sim_mark
run batch apply --orgs "$T5/x.csv" --dir "$T5/dx" --jobs 2 --max-fail-percent 10 --yes \
  --report "$T5/x.jsonl"
expect_exit 75
CHECKS=$((CHECKS + 1))
if ! msg=$(printf '%s\n' "$OUT" | python3 -c '
import re, sys
rows = {}
for l in sys.stdin:
    m = re.match(r"^(x\d\d) +(not started|done|failed|skipped|limit) ", l)
    if m:
        rows[m.group(1)] = m.group(2)
assert len(rows) == 12, rows
assert rows["x01"] == rows["x02"] == "done", rows
ns = [a for a, s in rows.items() if s == "not started"]
assert len(ns) >= 6, ("expected most orgs not started", rows)
assert all(s in ("failed", "not started") for a, s in rows.items() if a not in ("x01", "x02")), rows
print(" ".join(sorted(ns)))
' 2>&1); then
  problem "--max-fail-percent table: $msg"
  X_NS=
else
  X_NS=$msg
fi
expect_retry_manifest "--max-fail-percent" "$T5/x.csv" $(seq -f 'x%02g' 3 12)
# the orgs not started saw no request at all
json_check "$(requests_since_mark)" '
seen = {r["org"] for r in d}
ns = ["org%04d" % (68 + int(a[1:])) for a in "'"$X_NS"'".split()]
assert not seen & set(ns), ("orgs not started got requests", sorted(seen & set(ns)))'
# the --report has a record for every org of the batch, started or not
json_check "$(python3 -c 'import json,sys; print(json.dumps([json.loads(l) for l in open(sys.argv[1])]))' "$T5/x.jsonl" 2>&1)" '
orgs = {r["alias"]: r for r in d if r["record"] == "org"}
missing = ["x%02d" % i for i in range(1, 13) if "x%02d" % i not in orgs]
assert not missing, ("--report lacks the orgs not started", missing)
assert all(orgs[a]["state"] == "not started" for a in "'"$X_NS"'".split()), orgs'

# the same with --json: one document, with every org's result and error
{
  printf 'alias,auth_file,verify_user,verify_key\n'
  manifest_line y01 81
  manifest_line y02 82
  for i in $(seq 3 12); do manifest_line "$(printf 'y%02d' "$i")" $((68 + i)); done
} >"$T5/y.csv"
run --json batch apply --orgs "$T5/y.csv" --dir "$T5/dy" --jobs 2 --max-fail-percent 10 --yes
expect_exit 75
json_check "$OUT" '
assert d["status"] == 75 and d["exitCode"] == 75, d
assert "y.retry.csv" in d["message"], d["message"]'
json_check "$OUT" '
r = d.get("result")
assert r, "--json: a batch where some orgs failed has no per-org results (no \"result\" at all): " + json.dumps(d)[:400]
res = {x["alias"]: x for x in r["results"]}
assert len(res) == 12, sorted(res)
assert res["y01"]["state"] == res["y02"]["state"] == "done", res
failed = [x for x in res.values() if x["state"] == "failed"]
assert failed and all("session" in x["error"] for x in failed), failed
assert any(x["state"] == "not started" for x in res.values()), res'
expect_retry_manifest "--max-fail-percent --json" "$T5/y.csv" $(seq -f 'y%02g' 3 12)

# ============================================================================
# 7. batch rollback of the 24: every org as seeded
# ============================================================================

run batch rollback --orgs "$M1" --dir "$D1" --jobs 6 --yes
expect_exit 0
expect_out_contains "24 of 24 orgs succeeded"
dump_orgs "$T1/rolledback" $(seq 1 24)
expect_dumps_same "batch rollback: the orgs as seeded" "$T/seeded" "$T1/rolledback" $(seq 1 24)

finish
