#!/usr/bin/env bash
# End to end: crash safety of the staged migration against the simulated
# org.  CA2ECA_TEST_CRASH_AT=N (a test-only hook) makes ca2eca raise
# SIGKILL at the N-th crash point of a run: each journaled remote change
# has one after its intent is committed (before the call) and one after
# the call returned (before its completion is committed).
#
# For EVERY crash point of the example org's plan (counted here by raising
# N until the apply is no longer killed):
#   * crash, resume (crashing once more inside the resume), resume again:
#     the org ends exactly as after an uninterrupted run, with no
#     duplicate component, every step done; a full rollback then restores
#     the seeded org;
#   * crash, rollback: the org is exactly as seeded.
# A fresh org and journal per run; the plan is shared (every fresh seed of
# the fixture is the same org, and the plan embeds that org's state).
set -u

CA2ECA=${1:?usage: migrate_crash.sh path/to/ca2eca}
SRC=${C2E_SOURCE_DIR:?C2E_SOURCE_DIR must point at the repository}
. "$SRC/tests/e2e/lib.sh"

# a failed check made at the top level (fail names its caller's caller)
problem() {
  fail "$@"
}

KEY=$SRC/fixtures/example-project/keys/partner1-jwt.key
VUSER=interaction@partner1-org.example.com
VERIFY=(--jwt-key "$KEY" --verify-user "$VUSER" --verify-window 10)
# the number of crash points of an uninterrupted apply of this plan:
# 5 batched metadata writes x 2, read_back 1, verify 1, repoint 2
EXPECTED_CRASH_POINTS=14
MAX_N=60

# --- helpers ---------------------------------------------------------------

# fresh org and journal: sets AUTH and J
fresh_org() {
  sim_start
  AUTH=$(auth_file)
  J=$(mktemp -u "$T/journal.XXXXXX").db
}

dump_org() {
  $SIMORG dump --state "$SIM_STATE" --stable >"$1"
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

# expect_no_duplicates WHAT: one ECA header per migrated app and exactly
# one of each ECA child type naming it (read from the org's state files)
expect_no_duplicates() {
  CHECKS=$((CHECKS + 1))
  local msg
  if ! msg=$(python3 - "$SIM_STATE/metadata" 2>&1 <<'PY'
import glob, os, re, sys
root = sys.argv[1]
apps = ["Acme_OrderSync", "Partner1_ConnectedApp1"]
children = ["ExtlClntAppOauthSettings", "ExtlClntAppGlobalOauthSettings",
            "ExtlClntAppOauthConfigurablePolicies", "ExtlClntAppConfigurablePolicies"]
bad = []
for app in apps:
    if not os.path.exists(f"{root}/ExternalClientApplication/{app}.xml"):
        bad.append(f"no ECA header {app}")
    for t in children:
        n = 0
        for f in glob.glob(f"{root}/{t}/*.xml"):
            m = re.search(r"<externalClientApplication>([^<]*)<", open(f).read())
            if m and m.group(1) == app:
                n += 1
        if n != 1:
            bad.append(f"{n} {t} for {app}")
if bad:
    sys.exit("; ".join(bad))
PY
  ); then
    fail "$1: $msg"
  fi
}

# json assertions on `status --json` of journal $J
status_check() {
  "$CA2ECA" --json status --journal "$J" >"$T/status.json" 2>"$T/status.err"
  RC=$? OUT=$(cat "$T/status.json") ERR=$(cat "$T/status.err")
  LAST_CMD="ca2eca --json status --journal $J"
  json_check "$OUT" "$1"
}

# crash_apply N: apply with the crash hook (the shell's "Killed" notice
# goes to /dev/null; ca2eca's own output is in OUT/ERR)
crash_apply() {
  CA2ECA_TEST_CRASH_AT=$1 run apply "$P" --auth-file "$AUTH" "${VERIFY[@]}" \
    --yes --journal "$J"
} 2>/dev/null

crash_resume() {
  CA2ECA_TEST_CRASH_AT=$1 run resume --auth-file "$AUTH" "${VERIFY[@]}" \
    --yes --journal "$J"
} 2>/dev/null

# --- the reference: an uninterrupted run ------------------------------------

fresh_org
dump_org "$T/initial.json"
P=$T/plan.json
run plan --auth-file "$AUTH" --out "$P" --journal "$J"
expect_exit 0
run apply "$P" --auth-file "$AUTH" "${VERIFY[@]}" --yes --journal "$J"
expect_exit 0
dump_org "$T/ref.json"
check "the uninterrupted run changed the org" bash -c '! cmp -s "$1" "$2"' _ \
  "$T/initial.json" "$T/ref.json"
expect_no_duplicates "uninterrupted run"

# --- crash at N, resume -------------------------------------------------------

POINTS=
for N in $(seq 1 "$MAX_N"); do
  fresh_org
  crash_apply "$N"
  if [ "$RC" = 0 ]; then
    # N is past the last crash point: the run completed
    POINTS=$((N - 1))
    expect_org "$T/ref.json" "apply with CA2ECA_TEST_CRASH_AT=$N (past the last point)"
    break
  fi
  CHECKS=$((CHECKS + 1))
  [ "$RC" = 137 ] || problem "crash point $N: apply should be killed (137), got $RC"
  # a crash always leaves the run with an in_flight step for resume to check
  status_check '
steps = d["result"]["steps"]
assert len(steps) == 14, len(steps)
assert any(s["state"] == "in_flight" for s in steps), [(s["seq"], s["state"]) for s in steps]
assert d["result"]["runs"][0]["state"] == "running", d["result"]["runs"][0]'

  # killed once more inside the resume (or, past its last point, done)
  crash_resume 1
  CHECKS=$((CHECKS + 1))
  case "$RC" in 0 | 137) ;; *) problem "crash point $N: resume with CA2ECA_TEST_CRASH_AT=1 exited $RC" ;; esac

  run resume --auth-file "$AUTH" "${VERIFY[@]}" --yes --journal "$J"
  expect_exit 0
  expect_out_contains "14 of 14 steps done"
  CHECKS=$((CHECKS + 1))
  case "$ERR" in *DUPLICATE*) problem "crash point $N: resume met a DUPLICATE" ;; esac
  expect_org "$T/ref.json" "crash point $N, resumed"
  expect_no_duplicates "crash point $N, resumed"
  status_check '
r = d["result"]
assert r["runs"][0]["state"] == "done", r["runs"][0]
assert [s["seq"] for s in r["steps"]] == list(range(1, 15)), r["steps"]
assert all(s["state"] == "done" for s in r["steps"]), [(s["seq"], s["state"]) for s in r["steps"]]'

  # the reconciled run rolls back completely
  run rollback --auth-file "$AUTH" --yes --journal "$J"
  expect_exit 0
  expect_org "$T/initial.json" "crash point $N, resumed, rolled back"
done

CHECKS=$((CHECKS + 1))
if [ -z "$POINTS" ]; then
  problem "the apply was still killed at CA2ECA_TEST_CRASH_AT=$MAX_N"
  POINTS=$MAX_N
elif [ "$POINTS" != "$EXPECTED_CRASH_POINTS" ]; then
  problem "an uninterrupted apply of the example plan has $POINTS crash points, expected $EXPECTED_CRASH_POINTS"
fi
echo "crash points of an uninterrupted apply: $POINTS"

# --- crash at N, roll back -----------------------------------------------------

for N in $(seq 1 "$POINTS"); do
  fresh_org
  crash_apply "$N"
  CHECKS=$((CHECKS + 1))
  [ "$RC" = 137 ] || problem "crash point $N: apply should be killed (137), got $RC"
  run rollback --auth-file "$AUTH" --yes --journal "$J"
  expect_exit 0
  expect_org "$T/initial.json" "crash point $N, rolled back"
  status_check '
r = d["result"]
left = [(s["seq"], s["state"]) for s in r["steps"] if s["state"] in ("done", "in_flight")]
assert not left, left
assert r["runs"][0]["state"] == "rolled_back", r["runs"][0]'
done

finish
