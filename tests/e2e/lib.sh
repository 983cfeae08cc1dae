# tests/e2e/lib.sh - end-to-end helpers: a simulated org on loopback.
# Source it after setting CA2ECA and SRC; it sources tests/cli/lib.sh.
#
#   sim_start [--tls] [FIXTURE]  seeds a fresh org from FIXTURE (default:
#                                fixtures/example-org), starts the server;
#                                sets SIM_URL, SIM_STATE, SIM_CA (with --tls)
#   sim_stop                     stops it (also done at exit)
#   sim_faults JSON              writes the org's faults.json
#   sim_count OP [TYPE]          requests of that op since sim_mark
#   sim_mark                     remembers the request-log position
#   auth_file                    writes an sf-style auth file for the org
#                                (prints its path)

. "$SRC/tests/cli/lib.sh"

SIMORG="python3 $SRC/tests/simorg/simorg.py"
SIM_PID=
SIM_MARK=0
export CA2ECA_RETRY_BASE_MS=${CA2ECA_RETRY_BASE_MS:-5}

sim_stop() {
  if [ -n "$SIM_PID" ]; then
    kill "$SIM_PID" 2>/dev/null
    wait "$SIM_PID" 2>/dev/null
    SIM_PID=
  fi
}
trap 'sim_stop; rm -rf "$T"' EXIT

sim_start() {
  local tls= fixture=$SRC/fixtures/example-org scheme=http
  if [ "${1:-}" = "--tls" ]; then
    tls=1
    shift
  fi
  [ -n "${1:-}" ] && fixture=$1
  sim_stop
  SIM_STATE=$(mktemp -d "$T/org.XXXXXX")
  rm -rf "$SIM_STATE"
  $SIMORG seed --from "$fixture" --state "$SIM_STATE" || {
    echo "cannot seed the simulated org" >&2
    exit 1
  }
  local extra=()
  if [ -n "$tls" ]; then
    if [ ! -f "$T/tls/ca.pem" ]; then
      $SIMORG make-tls --out "$T/tls" >/dev/null || exit 1
    fi
    extra=(--tls-cert "$T/tls/server.pem" --tls-key "$T/tls/server.key")
    SIM_CA=$T/tls/ca.pem
    scheme=https
  fi
  rm -f "$T/sim.port"
  [ -n "${SIM_PORT:-}" ] && extra+=(--port "$SIM_PORT")
  $SIMORG serve --state "$SIM_STATE" --port-file "$T/sim.port" "${extra[@]}" \
    >"$T/sim.log" 2>&1 &
  SIM_PID=$!
  local i
  for i in $(seq 1 100); do
    [ -s "$T/sim.port" ] && break
    if ! kill -0 "$SIM_PID" 2>/dev/null; then
      echo "the simulated org did not start:" >&2
      cat "$T/sim.log" >&2
      exit 1
    fi
    sleep 0.1
  done
  [ -s "$T/sim.port" ] || {
    echo "the simulated org did not start in 10 s" >&2
    exit 1
  }
  SIM_URL="$scheme://127.0.0.1:$(cat "$T/sim.port")"
  SIM_MARK=0
}

sim_faults() {
  printf '%s\n' "$1" >"$SIM_STATE/faults.json.tmp"
  mv "$SIM_STATE/faults.json.tmp" "$SIM_STATE/faults.json"
}

sim_mark() {
  SIM_MARK=$(wc -l <"$SIM_STATE/requests.jsonl" 2>/dev/null || echo 0)
}

sim_count() {
  tail -n +"$((SIM_MARK + 1))" "$SIM_STATE/requests.jsonl" 2>/dev/null |
    python3 -c '
import json, sys
op, typ = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else None)
n = 0
for line in sys.stdin:
    r = json.loads(line)
    if r["op"] == op and (typ is None or r.get("type") == typ):
        n += 1
print(n)
' "$@"
}

# The components of one op since the mark, as "count" fields summed.
sim_items() {
  tail -n +"$((SIM_MARK + 1))" "$SIM_STATE/requests.jsonl" 2>/dev/null |
    python3 -c '
import json, sys
op = sys.argv[1]
print(sum((r.get("count") or 0) for r in map(json.loads, sys.stdin) if r["op"] == op))
' "$1"
}

auth_file() {
  local f=$T/auth.$RANDOM.json
  sed "s#http://127.0.0.1:PORT-PLACEHOLDER#$SIM_URL#" \
    "$SRC/fixtures/example-org/auth.json" >"$f"
  echo "$f"
}

# The consumer key of a component in the org's state.
sim_consumer_key() {
  python3 -c '
import sys, re, glob
import os
files = sorted(glob.glob(sys.argv[1] + "/metadata/*/" + sys.argv[2] + "*.xml"))
# a component named exactly NAME first, then the others in name order
# (the directory order differs between file systems)
files.sort(key=lambda f: os.path.basename(f) != sys.argv[2] + ".xml")
for f in files:
    m = re.search(r"<consumerKey>([^<]+)</consumerKey>", open(f).read())
    if m:
        print(m.group(1)); break
' "$SIM_STATE" "$1"
}
