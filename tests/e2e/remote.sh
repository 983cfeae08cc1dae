#!/usr/bin/env bash
# End to end: the REST and Metadata API clients (tests/e2e/remote_probe.c)
# against the simulated org, with small query pages so paging is real.
set -u
PROBE=${1:?usage: remote.sh path/to/remote_probe}
CA2ECA=$PROBE
SRC=${C2E_SOURCE_DIR:?C2E_SOURCE_DIR must point at the repository}
. "$SRC/tests/e2e/lib.sh"

sim_start
python3 - "$SIM_STATE/org.json" <<'PY'
import json, sys
p = sys.argv[1]
d = json.load(open(p))
d["settings"]["queryPageSize"] = 2
json.dump(d, open(p + ".tmp", "w"), indent=2)
PY
mv "$SIM_STATE/org.json.tmp" "$SIM_STATE/org.json"
sim_stop
# restart so the new page size is read
$SIMORG serve --state "$SIM_STATE" --port-file "$T/sim2.port" >"$T/sim2.log" 2>&1 &
SIM_PID=$!
for i in $(seq 1 100); do [ -s "$T/sim2.port" ] && break; sleep 0.1; done
SIM_URL="http://127.0.0.1:$(cat "$T/sim2.port")"
TOKEN=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sessions"][0]["token"])' "$SIM_STATE/org.json")

sim_mark
C2E_SIM_URL=$SIM_URL SF_ACCESS_TOKEN=$TOKEN "$PROBE"
rc=$?
check "the probe passed" test "$rc" = 0
check "profile query paged (2 queryMore calls)" test "$(sim_count queryMore)" -ge 2
check "12 creates took two calls" test "$(sim_count createMetadata ExternalClientApplication)" = 3
check "12 deletes took two calls" test "$(sim_count deleteMetadata)" = 2
finish
