#!/usr/bin/env bash
# End to end: `ca2eca inventory` against the simulated org, with each way
# of logging in, over HTTP and HTTPS, and under every injected fault.
set -u

CA2ECA=${1:?usage: inventory.sh path/to/ca2eca}
SRC=${C2E_SOURCE_DIR:?C2E_SOURCE_DIR must point at the repository}
. "$SRC/tests/e2e/lib.sh"

ADMIN=admin@partner1-org.example.com
ADMIN_KEY=$SRC/fixtures/example-org/keys/admin-cli.key

sim_start
AUTH=$(auth_file)
CLI_KEY=$(sim_consumer_key Ops_AdminCli)
jwt_opts=(--login-url "$SIM_URL" --client-id "$CLI_KEY" --username "$ADMIN" --jwt-key "$ADMIN_KEY")

# --- each way of logging in -------------------------------------------------

sim_mark
run inventory --auth-file "$AUTH"
expect_exit 0
expect_out_contains "Connected apps: 3 (2 can be migrated)"
expect_out_contains "Partner1_ConnectedApp1 \"Partner1 ConnectedApp1\": can be migrated"
expect_out_contains "scopes Interaction (interaction_api), RefreshToken"
expect_out_contains "CN=Partner1 Interaction Service, 2048-bit, expires 2036-"
expect_out_contains "profiles: System Administrator"
expect_out_contains "Legacy_CommunityLogin \"Legacy Community Login\": CANNOT be migrated"
expect_out_contains "BLOCKED      plugin: an Apex Auth.ConnectedAppPlugin"
expect_out_contains "Ops_AdminCli"
expect_out_contains "Partner1_ChannelDefinition1 (Customer app): belongs to Partner1_ConnectedApp1"
# few calls: one listMetadata with three queries, readMetadata per type
check "one listMetadata call" test "$(sim_count listMetadata)" = 1
check "three list queries in it" test "$(sim_items listMetadata)" = 3
check "one readMetadata per type" test "$(sim_count readMetadata)" = 3

run --json inventory --auth-file "$AUTH"
expect_exit 0
expect_err_empty
json_check "$OUT" '
r = d["result"]
assert r["orgId"].startswith("00D"), r
apps = {a["name"]: a for a in r["connectedApps"]}
p = apps["Partner1_ConnectedApp1"]
assert p["oauth"] and p["interaction"] and p["adminApproved"], p
assert p["scopes"] == ["Interaction", "RefreshToken"], p
assert p["certificate"]["state"] == "valid" and p["certificate"]["keyBits"] == 2048, p
assert "CN=Partner1 Interaction Service" in p["certificate"]["subject"], p
assert p["profiles"] == ["System Administrator"] and p["permissionSets"] == [], p
assert p["channelDefinitions"] == ["Partner1_ChannelDefinition1"], p
assert p["migratable"] and p["blockers"] == [] and p["eca"] == "Partner1_ConnectedApp1", p
a = apps["Acme_OrderSync"]
assert a["certificate"] is None and a["permissionSets"] == ["Order_Sync_Integration"], a
l = apps["Legacy_CommunityLogin"]
assert not l["migratable"] and l["blockers"][0].startswith("plugin:"), l
assert [e["name"] for e in r["externalClientApps"]] == ["Ops_AdminCli"], r
(c,) = r["channelDefinitions"]
assert c["connectedAppType"] == "Customer" and c["belongsTo"] == "Partner1_ConnectedApp1", c
assert r["requests"] == 4, r
'
check "no token in the JSON" bash -c "! grep -q 'SimOrgAdminSessionToken' <<<\"\$1\"" _ "$OUT"

TOKEN=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["result"]["accessToken"])' "$AUTH")
SF_ACCESS_TOKEN=$TOKEN run inventory --instance-url "$SIM_URL"
expect_exit 0
expect_out_contains "Connected apps: 3"

sim_mark
run inventory "${jwt_opts[@]}"
expect_exit 0
expect_out_contains "Connected apps: 3"
check "one token request" test "$(sim_count token)" = 1

# an encrypted key takes its passphrase from a file or the environment
# (the Interaction app's key: its token is then refused, see below)
P1_KEY=$(sim_consumer_key Partner1_ConnectedApp1)
enc_opts=(--login-url "$SIM_URL" --client-id "$P1_KEY"
  --username interaction@partner1-org.example.com
  --jwt-key "$SRC/fixtures/keys/partner1-jwt-enc.key")
run inventory "${enc_opts[@]}"
expect_exit 65
expect_err_contains "encrypted"
expect_err_contains "--jwt-key-pass-file"
printf 'test-passphrase\n' >"$T/pass"
run inventory "${enc_opts[@]}" --jwt-key-pass-file "$T/pass"
expect_exit 76
expect_err_contains "JWT-based access tokens"
SF_JWT_KEY_PASSPHRASE=test-passphrase run inventory "${enc_opts[@]}"
expect_exit 76
expect_err_contains "JWT-based access tokens"
printf 'wrong\n' >"$T/badpass"
run inventory "${enc_opts[@]}" --jwt-key-pass-file "$T/badpass"
expect_exit 65
check "passphrase not echoed" bash -c "! grep -q test-passphrase <<<\"\$1\"" _ "$ERR"

# --- JWT errors, explained ---------------------------------------------------

run inventory --login-url "$SIM_URL" --client-id nope --username "$ADMIN" --jwt-key "$ADMIN_KEY"
expect_exit 76
expect_err_line_count 1
expect_err_contains "does not know consumer key 'nope'"

run inventory --login-url "$SIM_URL" --client-id "$CLI_KEY" --username order.sync@acme.example.com --jwt-key "$ADMIN_KEY"
expect_exit 76
expect_err_contains "is not pre-authorized"

run inventory "${jwt_opts[@]}" --audience https://elsewhere.example.com
expect_exit 76
expect_err_contains "audience"

run inventory --login-url "$SIM_URL" --client-id "$CLI_KEY" --username "$ADMIN" \
  --jwt-key "$SRC/fixtures/keys/other-rsa2048.key"
expect_exit 76
expect_err_contains "invalid_grant"

# the Interaction Service app issues JWT-format tokens: not for SOAP
run inventory --login-url "$SIM_URL" --client-id "$P1_KEY" \
  --username interaction@partner1-org.example.com \
  --jwt-key "$SRC/fixtures/example-project/keys/partner1-jwt.key"
expect_exit 76
expect_err_contains "JWT-based access tokens can call only REST APIs"

# --- bad options: usage errors, nothing sent ---------------------------------

run inventory
expect_exit 64
expect_err_contains "inventory"
run inventory --auth-file "$AUTH" --client-id x
expect_exit 64
run inventory --login-url "$SIM_URL" --client-id "$CLI_KEY"
expect_exit 64
expect_err_contains "--username"
env -u SF_ACCESS_TOKEN "$CA2ECA" inventory --instance-url "$SIM_URL" >/dev/null 2>"$T/e"
RC=$? ERR=$(cat "$T/e")
expect_exit 64
expect_err_contains "SF_ACCESS_TOKEN"
SF_ACCESS_TOKEN=x run inventory --instance-url http://example.com
expect_exit 64
expect_err_contains "https"
run inventory --auth-file "$T/missing.json"
expect_exit 65
expect_err_contains "missing.json"
run inventory --auth-file "$AUTH" --timeout 0
expect_exit 64

# --- HTTPS with a CA made for the test -----------------------------------------

sim_start --tls
AUTH=$(auth_file)
run inventory --auth-file "$AUTH" --ca-bundle "$SIM_CA"
expect_exit 0
expect_out_contains "Connected apps: 3"
run inventory --auth-file "$AUTH"
expect_exit 76
expect_err_contains "--ca-bundle"
CLI_KEY=$(sim_consumer_key Ops_AdminCli)
run inventory --login-url "$SIM_URL" --client-id "$CLI_KEY" --username "$ADMIN" \
  --jwt-key "$ADMIN_KEY" --ca-bundle "$SIM_CA"
expect_exit 0

# --- injected faults -----------------------------------------------------------

sim_start
AUTH=$(auth_file)
CLI_KEY=$(sim_consumer_key Ops_AdminCli)
jwt_opts=(--login-url "$SIM_URL" --client-id "$CLI_KEY" --username "$ADMIN" --jwt-key "$ADMIN_KEY")

for kind in http500 http503 http429 reset truncated; do
  sim_faults '{"rules": [{"op": "readMetadata", "nth": 1, "times": 1, "kind": "'$kind'"}]}'
  sim_mark
  run inventory --auth-file "$AUTH"
  expect_exit 0
  expect_out_contains "Connected apps: 3"
  check "$kind: the failed read was repeated" test "$(sim_count readMetadata)" = 4
done

sim_faults '{"rules": [{"op": "listMetadata", "nth": 1, "times": 1, "kind": "timeout", "delayMs": 3000}]}'
sim_mark
run inventory --auth-file "$AUTH" --timeout 1
expect_exit 0
check "timeout: the list was repeated" test "$(sim_count listMetadata)" = 2

sim_faults '{"rules": [{"op": "readMetadata", "nth": 1, "times": 1, "kind": "malformed"}]}'
run inventory --auth-file "$AUTH"
expect_exit 76
expect_err_line_count 1
expect_err_contains "not valid XML"

sim_faults '{"rules": [{"op": "readMetadata", "nth": 1, "times": 10, "kind": "http503"}]}'
sim_mark
run inventory --auth-file "$AUTH"
expect_exit 76
expect_err_line_count 1
check "bounded retries" test "$(sim_count readMetadata)" = 5

sim_faults '{"rules": [{"op": "readMetadata", "nth": 2, "times": 2, "kind": "limit_concurrent"}]}'
sim_mark
run inventory --auth-file "$AUTH"
expect_exit 0
check "ConcurrentRequests backed off and retried" test "$(sim_count readMetadata)" = 5

sim_faults '{"rules": [{"op": "readMetadata", "nth": 1, "times": 1, "kind": "limit_total"}]}'
sim_mark
run inventory --auth-file "$AUTH"
expect_exit 75
expect_err_contains "daily API requests"
check "TotalRequests stops at once" test "$(sim_count readMetadata)" = 1

sim_faults '{"rules": [{"op": "readMetadata", "nth": 1, "times": 1, "kind": "invalid_session"}]}'
run inventory --auth-file "$AUTH"
expect_exit 76
expect_err_contains "log in again"
check "no token in the message" bash -c "! grep -q SimOrgAdminSessionToken <<<\"\$1\"" _ "$ERR"

sim_faults '{"rules": [{"op": "readMetadata", "nth": 1, "times": 1, "kind": "invalid_session"}]}'
sim_mark
run inventory "${jwt_opts[@]}"
expect_exit 0
check "JWT: logged in again once" test "$(sim_count token)" = 2

sim_faults '{"sessionExpiresAfter": 2, "rules": []}'
sim_mark
run inventory "${jwt_opts[@]}"
expect_exit 0
check "expired session renewed" test "$(sim_count token)" = 2

sim_faults '{"rules": [{"op": "token", "nth": 1, "times": 1, "kind": "http500"}]}'
run inventory "${jwt_opts[@]}"
expect_exit 76
expect_err_line_count 1

sim_faults '{"rules": []}'

# --- batching: 25 connected apps take three readMetadata calls ------------------

for i in $(seq -w 1 22); do
  sed "s/Acme Order Sync/Bulk App $i/" "$SIM_STATE/metadata/ConnectedApp/Acme_OrderSync.xml" \
    >"$SIM_STATE/metadata/ConnectedApp/Bulk_App$i.xml"
done
sim_mark
run --json inventory --auth-file "$AUTH"
expect_exit 0
json_check "$OUT" 'assert len(d["result"]["connectedApps"]) == 25, len(d["result"]["connectedApps"])'
check "25 apps: 3 + 1 + 1 readMetadata calls" test "$(sim_count readMetadata)" = 5
check "25 apps: 3 for ConnectedApp" test "$(sim_count readMetadata ConnectedApp)" = 3

# --- a channel definition whose prefix several connected apps share ------------
# The CCD's OAuth link cannot be mapped back to a connected app from metadata,
# so it must be linked to none of them (never repointed to the wrong ECA).

rm -f "$SIM_STATE"/metadata/ConnectedApp/Bulk_App*.xml
sed -e 's/Partner1 ConnectedApp1/Partner1 Second App/' \
  -e 's/ConsumerKeyForTheInteractionServiceAppOnly0000000000000000000001/ConsumerKeyForTheSecondApp00000000000000000000000000000000000002/' \
  "$SIM_STATE/metadata/ConnectedApp/Partner1_ConnectedApp1.xml" \
  >"$SIM_STATE/metadata/ConnectedApp/Partner1_SecondApp.xml"
run --json inventory --auth-file "$AUTH"
expect_exit 0
json_check "$OUT" '
r = d["result"]
apps = {a["name"]: a for a in r["connectedApps"]}
for n in ("Partner1_ConnectedApp1", "Partner1_SecondApp"):
    assert apps[n]["channelDefinitions"] == [], apps[n]
    assert apps[n]["ambiguousChannelDefinitions"] == ["Partner1_ChannelDefinition1"], apps[n]
(c,) = r["channelDefinitions"]
assert c["belongsTo"] is None and c["ambiguous"] is True, c'
run inventory --auth-file "$AUTH"
expect_exit 0
expect_out_contains "Partner1_ChannelDefinition1 (Customer app): AMBIGUOUS"
expect_out_contains "AMBIGUOUS    Partner1_ChannelDefinition1: other connected apps share its prefix"
run plan --auth-file "$AUTH" --out "$T/ambiguous-plan.json" --journal "$T/ambiguous.db"
expect_exit 0
json_check "$(cat "$T/ambiguous-plan.json")" '
apps = {a["connectedApp"]: a for a in d["apps"]}
for n in ("Partner1_ConnectedApp1", "Partner1_SecondApp"):
    a = apps[n]
    assert a["channelDefinitions"] == [], a
    assert any("channel definition Partner1_ChannelDefinition1 is not repointed" in w for w in a["warnings"]), a["warnings"]
assert not [s for s in d["steps"] if s["kind"] == "repoint"], d["steps"]
assert any(s["kind"] == "create" and s["name"] == "Partner1_SecondApp" for s in d["steps"]), d["steps"]'

finish
