#!/usr/bin/env bash
# End-to-end tests of `ca2eca convert` through the real binary.
#
#   tests/cli/convert.sh path/to/ca2eca
#
# C2E_UPDATE_GOLDEN=1 rewrites the golden trees under tests/golden/ from the
# current output (review the diff before committing it).
set -u

CA2ECA=${1:?usage: convert.sh path/to/ca2eca}
SRC=${C2E_SOURCE_DIR:?C2E_SOURCE_DIR must point at the repository}
. "$SRC/tests/cli/lib.sh"

EXAMPLE=$SRC/fixtures/example-project
CORPUS=$SRC/fixtures/corpus/connectedApps

# --- the bundled example ---------------------------------------------------

run convert --project "$EXAMPLE" --out "$T/ex1"
expect_exit 0
expect_out_contains "Converted 2 of 3 connected apps"
expect_out_contains "Partner1_ConnectedApp1 -> ECA Partner1_ConnectedApp1: converted"
expect_out_contains "Legacy_CommunityLogin -> ECA Legacy_CommunityLogin: BLOCKED"
expect_out_contains "channel  Partner1_ChannelDefinition1"
expect_err_contains "warning: connected app 'Legacy_CommunityLogin' was not converted"
expect_file "$T/ex1/force-app/main/default/externalClientApps/Partner1_ConnectedApp1.eca-meta.xml"
expect_no_file "$T/ex1/force-app/main/default/externalClientApps/Legacy_CommunityLogin.eca-meta.xml"
golden "$T/ex1" "$SRC/tests/golden/example-project"

# the same input gives byte-identical output
run convert --project "$EXAMPLE" --out "$T/ex2"
expect_exit 0
check "identical output for identical input" diff -r "$T/ex1" "$T/ex2"

# never overwrite without --force; nothing is touched
before=$(tree_sum "$T/ex1")
run convert --project "$EXAMPLE" --out "$T/ex1"
expect_exit 65
expect_err_line_count 1
expect_err_contains "already exists"
expect_err_contains "use --force"
check "refused run changed nothing" test "$before" = "$(tree_sum "$T/ex1")"
run convert --project "$EXAMPLE" --out "$T/ex1" --force
expect_exit 0
check "forced run gives the same files" test "$before" = "$(tree_sum "$T/ex1")"

# --dry-run writes nothing
run convert --project "$EXAMPLE" --out "$T/dry" --dry-run
expect_exit 0
expect_out_contains "dry run: nothing written"
expect_no_file "$T/dry"

# in place (no --out): files go into the project, package.xml is new
cp -r "$EXAMPLE" "$T/inplace"
run convert --project "$T/inplace"
expect_exit 0
expect_file "$T/inplace/force-app/main/default/extlClntAppGlobalOauthSets/Partner1_ConnectedApp1_glbloauth.ecaGlblOauth-meta.xml"
expect_file "$T/inplace/manifest/package.xml"
expect_no_file "$T/inplace/force-app/sfdx-project.json"

# --json: one document on stdout, nothing on stderr
run --json convert --project "$EXAMPLE" --out "$T/json" --app Partner1_ConnectedApp1
expect_exit 0
expect_err_empty
json_check "$OUT" '
assert d["status"] == 0, d
r = d["result"]
assert r["converted"] == 1 and r["blocked"] == 0, r
(app,) = r["apps"]
assert app["eca"] == "Partner1_ConnectedApp1" and app["status"] == "converted"
assert app["prefix"] == "Partner1"
assert app["channelDefinitions"] == ["Partner1_ChannelDefinition1"]
assert len(app["files"]) == 5 and len(app["components"]) == 5
by = {(e["source"], e["target"], e["sourceValue"]): e for e in app["report"]}
e = by[("oauthConfig/scopes", "ExtlClntAppOauthSettings.commaSeparatedOauthScopes", "Interaction")]
assert e["disposition"] == "carried" and e["note"] == "interaction_api", e
e = by[("oauthConfig/isPkceRequired", "ExtlClntAppGlobalOauthSettings.isPkceRequired", "false")]
assert e["targetValue"] == "false" and "ECA default is true" in e["note"], e
e = by[("oauthConfig/isAdminApproved", "ExtlClntAppOauthConfigurablePolicies.permittedUsersPolicyType", "true")]
assert e["targetValue"] == "AdminApprovedPreAuthorized", e
assert all(x["disposition"] in ("carried","converted","defaulted","dropped","blocking") for x in app["report"])
'
run --json convert --project "$EXAMPLE" --out "$T/json2"
expect_exit 0
json_check "$OUT" '
r = d["result"]
st = {a["connectedApp"]: a["status"] for a in r["apps"]}
assert st == {"Acme_OrderSync": "converted", "Legacy_CommunityLogin": "blocked", "Partner1_ConnectedApp1": "converted"}, st
assert any("Legacy_CommunityLogin" in w for w in d["warnings"]), d["warnings"]
blocked = [a for a in r["apps"] if a["status"] == "blocked"][0]
assert blocked["files"] == []
assert [e["source"] for e in blocked["report"] if e["disposition"] == "blocking"] == ["plugin"]
'

# --- names and options -----------------------------------------------------

run convert --project "$EXAMPLE" --out "$T/named" --app Partner1_ConnectedApp1 --name '{prefix}_ExternalClientApp1'
expect_exit 0
expect_file "$T/named/force-app/main/default/externalClientApps/Partner1_ExternalClientApp1.eca-meta.xml"
expect_file "$T/named/force-app/main/default/extlClntAppOauthPolicies/Partner1_ExternalClientApp1_oauthPlcy.ecaOauthPlcy-meta.xml"
check "children point at the renamed ECA" grep -q '<externalClientApplication>Partner1_ExternalClientApp1<' \
  "$T/named/force-app/main/default/extlClntAppGlobalOauthSets/Partner1_ExternalClientApp1_glbloauth.ecaGlblOauth-meta.xml"

run convert --project "$EXAMPLE" --out "$T/noprefix" --app Partner1_ConnectedApp1 --name 'ExternalClientApp1'
expect_exit 65
expect_err_contains "drops the prefix 'Partner1_'"
expect_no_file "$T/noprefix"

run convert --project "$EXAMPLE" --out "$T/badtmpl" --name '{prefix}_{bogus}'
expect_exit 64
expect_err_contains "unknown placeholder '{bogus}'"

run convert --project "$EXAMPLE" --out "$T/long" --name '{name}_with_a_much_too_long_suffix'
expect_exit 65
expect_err_contains "at most 40"
expect_no_file "$T/long"

cp -r "$EXAMPLE" "$T/twins"
cp "$T/twins/force-app/main/default/connectedApps/Acme_OrderSync.connectedApp-meta.xml" \
  "$T/twins/force-app/main/default/connectedApps/Acme_Invoices.connectedApp-meta.xml"
run convert --project "$T/twins" --out "$T/clash" --name '{prefix}_Same'
expect_exit 65
expect_err_contains "would both become ECA"
expect_no_file "$T/clash"

# a channel definition whose prefix two connected apps share belongs to
# neither for sure: listed as ambiguous on both, even when only one converts
cp -r "$EXAMPLE" "$T/shared"
sed 's/Partner1 ConnectedApp1/Partner1 Second App/' \
  "$T/shared/force-app/main/default/connectedApps/Partner1_ConnectedApp1.connectedApp-meta.xml" \
  >"$T/shared/force-app/main/default/connectedApps/Partner1_SecondApp.connectedApp-meta.xml"
run --json convert --project "$T/shared" --out "$T/shared-out" --dry-run --app Partner1_ConnectedApp1
expect_exit 0
json_check "$OUT" '
(app,) = d["result"]["apps"]
assert app["channelDefinitions"] == [], app
assert app["ambiguousChannelDefinitions"] == ["Partner1_ChannelDefinition1"], app'
run convert --project "$T/shared" --out "$T/shared-out" --dry-run
expect_exit 0
expect_out_contains "channel  Partner1_ChannelDefinition1 (prefix 'Partner1_'): other connected apps share the prefix"

run convert --project "$EXAMPLE" --out "$T/pkg" --app Acme_OrderSync --distribution Packaged
expect_exit 0
check "distributionState Packaged" grep -q '<distributionState>Packaged<' \
  "$T/pkg/force-app/main/default/externalClientApps/Acme_OrderSync.eca-meta.xml"
run convert --project "$EXAMPLE" --out "$T/pkg2" --distribution Managed
expect_exit 64
expect_err_contains "Local or Packaged"

# --- bad input: one line, the right exit code, nothing written ---------------

run convert
expect_exit 64
expect_err_contains "--project DIR is required"

run convert --project "$EXAMPLE" --bogus
expect_exit 64
expect_err_contains "'--bogus'"

run convert --project "$T/does-not-exist" --out "$T/x1"
expect_exit 65
expect_err_line_count 1
expect_err_contains "'$T/does-not-exist' does not exist"

mkdir -p "$T/empty"
run convert --project "$T/empty" --out "$T/x2"
expect_exit 65
expect_err_line_count 1
expect_err_contains "is not a Salesforce project"

run convert --project "$EXAMPLE" --out "$T/x3" --app No_Such_App
expect_exit 65
expect_err_line_count 1
expect_err_contains "no connected app named 'No_Such_App'"
expect_err_contains "Partner1_ConnectedApp1"
expect_no_file "$T/x3"

cp -r "$EXAMPLE" "$T/broken"
printf '<?xml version="1.0"?>\n<ConnectedApp xmlns="http://soap.sforce.com/2006/04/metadata">\n<label>x</label>\n<oauthConfig>\n</ConnectedApp>\n' \
  > "$T/broken/force-app/main/default/connectedApps/Broken_App.connectedApp-meta.xml"
run convert --project "$T/broken" --out "$T/x4"
expect_exit 65
expect_err_line_count 1
expect_err_contains "Broken_App.connectedApp-meta.xml"
expect_err_contains "line"
expect_no_file "$T/x4"

chmod 000 "$T/broken/force-app/main/default/connectedApps/Broken_App.connectedApp-meta.xml"
if [ "$(id -u)" -ne 0 ]; then
  run convert --project "$T/broken" --out "$T/x5"
  expect_exit 65
  expect_err_contains "cannot read"
fi
rm -f "$T/broken/force-app/main/default/connectedApps/Broken_App.connectedApp-meta.xml"

# the hand-written corpus app with invalid scope values fails clearly
make_project "$T/thespis" "$CORPUS/PatrickDennisSFDC__agentforce-thespis-sfdc-app__Thespis.connectedApp-meta.xml"
run convert --project "$T/thespis" --out "$T/x6"
expect_exit 65
expect_err_line_count 1
expect_err_contains "Thespis.connectedApp-meta.xml"
expect_err_contains "'ID' is not a valid ConnectedAppOauthAccessScope value"
expect_no_file "$T/x6"

# secrets never leave the source file
cp -r "$EXAMPLE" "$T/secret"
f="$T/secret/force-app/main/default/connectedApps/Acme_OrderSync.connectedApp-meta.xml"
sed -i 's#<consumerKey>#<consumerSecret>S3cr3tValueThatMustNotLeak</consumerSecret><consumerKey>#' "$f"
run convert --project "$T/secret" --out "$T/secret-out"
expect_exit 0
run --json convert --project "$T/secret" --out "$T/secret-out2"
expect_exit 0
check "secret absent from output files" bash -c "! grep -r S3cr3tValueThatMustNotLeak '$T/secret-out' '$T/secret-out2'"
check "secret absent from JSON" bash -c "! grep -q S3cr3tValueThatMustNotLeak <<<\"\$1\"" _ "$OUT"
expect_out_contains "(redacted)"

# --- metadata format (src/ + package.xml), merged in place --------------------

mkdir -p "$T/mdapi/src/connectedApps"
cp "$CORPUS/bobbywhitesfdc__GREENORG__Postman.connectedApp" "$T/mdapi/src/connectedApps/Postman.connectedApp"
cat > "$T/mdapi/src/package.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<Package xmlns="http://soap.sforce.com/2006/04/metadata">
    <types>
        <members>Postman</members>
        <name>ConnectedApp</name>
    </types>
    <version>58.0</version>
</Package>
EOF
run convert --project "$T/mdapi"
expect_exit 0
expect_out_contains "(metadata format)"
expect_out_contains "manifest src/package.xml (extended)"
expect_file "$T/mdapi/src/externalClientApps/Postman.eca"
expect_file "$T/mdapi/src/extlClntAppGlobalOauthSets/Postman_glbloauth.ecaGlblOauth"
check "package.xml keeps ConnectedApp" grep -q '<name>ConnectedApp</name>' "$T/mdapi/src/package.xml"
check "package.xml lists the ECA" grep -q '<members>Postman_glbloauth</members>' "$T/mdapi/src/package.xml"
check "package.xml keeps its version" grep -q '<version>58.0</version>' "$T/mdapi/src/package.xml"

# --- representative corpus apps against golden files ------------------------

rep=(
  sarath16581__AP-Backup__DDC_Community.connectedApp-meta.xml
  CodeScience__canvas-demo__canvas_demo_signed_request.connectedApp-meta.xml
  ZB-IT-Sales-Effectiveness__AutoRabit-Training__Quip_Connection.connectedApp-meta.xml
  jeannberrioss__Regeneron-ProductionOrg__RGC_Salesforce.connectedApp-meta.xml
  raksh36mongo__gearsetBugFix__TS_TOOLS_Customer_Portal.connectedApp-meta.xml
  sarath16581__AP-Backup__STEST_NPE_Connected_Clients.connectedApp-meta.xml
  craig-jackson-ideascience__DEV__ITTestApp.connectedApp-meta.xml
)
make_project "$T/rep" "${rep[@]/#/$CORPUS/}"
run convert --project "$T/rep" --out "$T/rep-out"
expect_exit 0
golden "$T/rep-out" "$SRC/tests/golden/corpus-representative"

# --- every corpus app converts (Thespis is the one invalid file) ------------

n=0
for f in "$CORPUS"/*.connectedApp-meta.xml; do
  case "$f" in *Thespis*) continue ;; esac
  d="$T/each/$(basename "$f" .connectedApp-meta.xml)"
  make_project "$d" "$f"
  run --json convert --project "$d" --out "$d-out"
  expect_exit 0
  json_check "$OUT" '
(app,) = d["result"]["apps"]
assert app["status"] in ("converted", "blocked")
assert app["report"], "empty report"
if app["status"] == "converted":
    assert len(app["files"]) >= 2
'
  n=$((n + 1))
done
check "at least 30 corpus apps converted" test "$n" -ge 30

finish
