#!/usr/bin/env bash
# tests/bench/bench.sh - the performance benchmark of `ca2eca batch apply`
# against the simulated org (tests/simorg).  Results go to
# tests/bench/results/<name>.json (gitignored); docs/performance.md
# summarizes them.  Nothing here has a time limit: it measures and records.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: tests/bench/bench.sh [--quick] [--only LIST] [--orgs N] [--jobs N]
                            [--latency-ms MS] [--latency-model M]
                            [--sims 1|2|auto] [--runs N]
                            [--repeat N] [--retry N]
                            [--lb-orgs N] [--lb-jobs N] [--lb-repeat N]
                            [--ca2eca PATH] [--work DIR] [--keep] [--tag TAG]

Measures `ca2eca batch apply` against tests/simorg and writes
tests/bench/results/<name>.json, then prints a summary:

  requests    HTTP requests per org (by op, from the simulator's
              requests.jsonl) for one org with 1, 3 and 10 migratable apps
              and no other connected app, each app naming a profile and a
              permission set (benchtool.py addapps --uniform), next to the
              theoretical minimum               -> results/requests.json
  throughput  N orgs x 3 apps, MS ms latency per request, --jobs J: wall
              time vs the latency-bound ideal, ca2eca's CPU and peak RSS
              (/usr/bin/time -v), the simulator's CPU; with --sims auto a
              saturated simulator (>= 85% of a core) is followed by a run
              with 2 simulators (orgs alternate); each latency model
              (--latency-model) is a configuration of its own
                                                  -> results/throughput.json
  journal     (a) the same run with the durable journal and with
              CA2ECA_BENCH_MEMORY_JOURNAL=1 (journals on /dev/shm), with
              the simulator count that was faster in throughput;
              (b) the same comparison latency-bound: ORGS/5 orgs, --jobs 8,
              2 simulators (neither they nor the cores saturate)
                                                  -> results/journal.json

Options:
  --quick          200 orgs instead of 1000
  --only LIST      comma-separated: requests,throughput,journal (default all)
  --orgs N         orgs of the throughput and journal runs (default 1000)
  --jobs N         ca2eca --jobs (default 64)
  --latency-ms MS  latency injected per request (root faults.json, default 20)
  --latency-model M  the simulator's latencyModel (tests/simorg/README.md):
                   within (default for the reference figures: a request is
                   processed on arrival and answered when MS ms have passed,
                   the ideal's model of a request), before (processed after
                   MS ms, so the simulator's own processing and its queue
                   behind other orgs' requests add to every request), or
                   both (default: throughput measures within, then before;
                   journal uses within)
  --sims S         simulator processes: 1, 2 or auto (default auto)
  --runs N         throughput: N runs of each configuration (default 1); the
                   summary gives the median wall/ideal of the undisturbed
                   ones (this VM's speed varies by 10-20% within an hour,
                   see docs/performance.md)
  --repeat N       journal: N pairs of a durable and a memory run (default 1)
  --lb-orgs N      journal (b): orgs (default ORGS/5)
  --lb-jobs N      journal (b): --jobs (default 8)
  --lb-repeat N    journal (b): pairs (default 3)
  --sim-nice N     the simulators' scheduling priority (default -20: they
                   stand for Salesforce's servers, which a client's CPU use
                   does not slow down; at the default 0 the one simulator
                   thread queues behind ca2eca's 64 workers on the shared
                   cores, and the 20 ms become 26 ms on average).  Needs
                   root for a value below 0; the applied value is recorded
  --settle S       before the first fleet run: sync, then wait S seconds
                   (default 65; 0: do not wait).  On ext4 without a journal
                   a file created within a minute of many deletions on that
                   file system costs far more CPU (see docs/performance.md):
                   a clean-up just before the run would be measured too
  --retry N        measure a run (a journal pair) again, up to N times, when
                   other processes took > 10% of the machine's CPU during it
                   (default 1; every attempt is kept in the results)
  --ca2eca PATH    the binary (default build/release/ca2eca; build it with
                   cmake --preset release && cmake --build --preset release -j2)
  --work DIR       scratch directory on the disk being measured
                   (default tests/bench/results/work.PID, removed at the end)
  --keep           keep the scratch directory
  --tag TAG        write results/<name>-TAG.json (a variant that must not
                   replace the reference results)
  -h, --help       this text

Examples:
  tests/bench/bench.sh --quick
  tests/bench/bench.sh --only throughput --sims 2
EOF
}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH=$ROOT/tests/bench
RESULTS=$BENCH/results
SIMPY=$ROOT/tests/simorg/simorg.py
TOOL=(python3 "$BENCH/benchtool.py")
FIXTURE=$ROOT/fixtures/example-org
VERIFY_KEY=$ROOT/fixtures/example-project/keys/partner1-jwt.key
VERIFY_USER=interaction@partner1-org.example.com

CA2ECA=$ROOT/build/release/ca2eca
ORGS=1000
JOBS=64
LATENCY=20
LATENCY_MODEL=both
SIMS=auto
SIM_NICE=-20
REPEAT=1
RUNS=1
RETRY=1
SETTLE=65
SETTLED=
LB_ORGS=
LB_JOBS=8
LB_REPEAT=3
ONLY=requests,throughput,journal
WORK=
KEEP=0
TAG=
ARGS="$*"

while [ $# -gt 0 ]; do
  case $1 in
  --quick) ORGS=200 ;;
  --only) ONLY=${2:?--only needs a list}; shift ;;
  --orgs) ORGS=${2:?}; shift ;;
  --jobs) JOBS=${2:?}; shift ;;
  --latency-ms) LATENCY=${2:?}; shift ;;
  --latency-model) LATENCY_MODEL=${2:?}; shift ;;
  --sims) SIMS=${2:?}; shift ;;
  --sim-nice) SIM_NICE=${2:?}; shift ;;
  --repeat) REPEAT=${2:?}; shift ;;
  --runs) RUNS=${2:?}; shift ;;
  --retry) RETRY=${2:?}; shift ;;
  --settle) SETTLE=${2:?}; shift ;;
  --lb-orgs) LB_ORGS=${2:?}; shift ;;
  --lb-jobs) LB_JOBS=${2:?}; shift ;;
  --lb-repeat) LB_REPEAT=${2:?}; shift ;;
  --ca2eca) CA2ECA=${2:?}; shift ;;
  --work) WORK=${2:?}; shift ;;
  --keep) KEEP=1 ;;
  --tag) TAG=-${2:?}; shift ;;
  -h | --help) usage; exit 0 ;;
  *) echo "bench.sh: unknown argument '$1'" >&2; usage >&2; exit 64 ;;
  esac
  shift
done
[ -n "$LB_ORGS" ] || LB_ORGS=$((ORGS / 5))
case $SIMS in 1 | 2 | auto) ;; *) echo "bench.sh: --sims is 1, 2 or auto" >&2; exit 64 ;; esac
case $LATENCY_MODEL in within | before | both) ;; *) echo "bench.sh: --latency-model is within, before or both" >&2; exit 64 ;; esac
# the model of the run being made (fleet_run)
MODEL=within
[ "$LATENCY_MODEL" = before ] && MODEL=before
case $RUNS in '' | *[!0-9]* | 0) echo "bench.sh: --runs is a number >= 1" >&2; exit 64 ;; esac

if [ ! -x "$CA2ECA" ]; then
  echo "bench.sh: no binary at $CA2ECA; build it:" >&2
  echo "  cmake --preset release && cmake --build --preset release -j2" >&2
  exit 69
fi
if [ ! -x /usr/bin/time ]; then
  echo "bench.sh: /usr/bin/time is missing (apt-get install time)" >&2
  exit 69
fi
# a binary older than the sources measures something else
if [ -n "$(find "$ROOT/src" -newer "$CA2ECA" -type f -print -quit)" ]; then
  echo "bench.sh: warning: sources in src/ are newer than $CA2ECA; rebuild:" >&2
  echo "  cmake --build --preset release -j2" >&2
fi

mkdir -p "$RESULTS"
export BENCH_CA2ECA=$CA2ECA BENCH_ROOT=$ROOT
[ -n "$WORK" ] || WORK=$RESULTS/work.$$
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)

# --- cleanup: simulators, RAM journals, scratch -----------------------------

SIM_PIDS=()
RUN_PID=
SHM_BEFORE=$WORK/shm-before.txt
# The simulated orgs' state lives on /dev/shm: it stands for Salesforce's
# storage, not this machine's disk, and the simulator rewrites files for
# every change.  On ext4 without a journal (this VM's disk) every deleted
# file makes the next file creations on that file system slower for a few
# minutes (new inodes are searched past recently deleted ones), so the
# disk must only see ca2eca's own files; for the same reason the runs'
# batch directories are removed only when the script ends.
SIMDIR=/dev/shm/simorg-bench.$$
cleanup() {
  local p
  if [ -n "$RUN_PID" ]; then
    # /usr/bin/time does not pass signals on: stop ca2eca, its child
    for p in $(pgrep -P "$RUN_PID" || true); do
      kill -TERM "$p" 2>/dev/null || true
    done
    kill -TERM "$RUN_PID" 2>/dev/null || true
    wait "$RUN_PID" 2>/dev/null || true
    RUN_PID=
  fi
  for p in "${SIM_PIDS[@]}"; do
    kill -TERM "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  SIM_PIDS=()
  shm_clean
  rm -rf "$SIMDIR"
  if [ "$KEEP" = 0 ]; then
    rm -rf "$WORK"
  else
    echo "scratch kept in $WORK" >&2
  fi
}
# RAM journals a run left on /dev/shm (ca2eca-bench-<pid>-<alias>.db*)
shm_clean() {
  [ -f "$SHM_BEFORE" ] || return 0
  local f
  for f in /dev/shm/ca2eca-bench-*; do
    [ -e "$f" ] || continue
    grep -qxF "$f" "$SHM_BEFORE" || rm -f -- "$f"
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ls -d /dev/shm/ca2eca-bench-* 2>/dev/null >"$SHM_BEFORE" || true

# --- the simulator ------------------------------------------------------------

# sim_start STATE PORTFILE LOG: starts a simulator; sets SIM_PID and SIM_PORT
sim_start() {
  local state=$1 portfile=$2 log=$3 i
  rm -f "$portfile"
  python3 "$SIMPY" serve --state "$state" --port-file "$portfile" >"$log" 2>&1 &
  SIM_PID=$!
  SIM_PIDS+=("$SIM_PID")
  for i in $(seq 1 200); do
    [ -s "$portfile" ] && break
    if ! kill -0 "$SIM_PID" 2>/dev/null; then
      echo "bench.sh: the simulator did not start:" >&2
      cat "$log" >&2
      exit 70
    fi
    sleep 0.05
  done
  [ -s "$portfile" ] || { echo "bench.sh: the simulator wrote no port" >&2; exit 70; }
  SIM_PORT=$(tr -d '\n' <"$portfile")
  if [ "$SIM_NICE" != 0 ] && ! renice -n "$SIM_NICE" -p "$SIM_PID" >/dev/null 2>&1; then
    echo "bench.sh: warning: cannot set the simulator's priority to $SIM_NICE (not root?); it runs at $(ps -o ni= -p "$SIM_PID" | tr -d ' ')" >&2
  fi
  SIM_NICE_APPLIED=$(ps -o ni= -p "$SIM_PID" | tr -d ' ')
}

sim_stop_all() {
  local p
  for p in "${SIM_PIDS[@]}"; do
    kill -TERM "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  SIM_PIDS=()
}

# seed_org DIR N: DIR becomes a single org (the example org) with N
# migratable apps
seed_org() {
  python3 "$SIMPY" seed --from "$FIXTURE" --state "$1" >/dev/null
  "${TOOL[@]}" addapps "$1" "$2"
}

# --- 1. requests per org --------------------------------------------------------

# one org with N apps: DIR/{facts,measured,plan,status}.json, command.txt
requests_one() {
  local n=$1 d=$WORK/requests-$1
  rm -rf "$d"
  mkdir -p "$d"
  python3 "$SIMPY" seed --from "$FIXTURE" --state "$d/state" --orgs 1 >/dev/null
  "${TOOL[@]}" addapps --uniform "$d/state/org0001" "$n"
  "${TOOL[@]}" facts "$d/state/org0001" >"$d/facts.json"
  sim_start "$d/state" "$d/port" "$d/sim.log"
  "${TOOL[@]}" authfiles --state "$d/state" --out "$d/fleet" --ports "$SIM_PORT" \
    --verify-key "$VERIFY_KEY" --verify-user "$VERIFY_USER" >/dev/null
  local cmd=("$CA2ECA" batch apply --orgs "$d/fleet/orgs.csv" --dir "$d/batch" --jobs 1 --yes)
  local rc=0
  "${cmd[@]}" >"$d/ca2eca.out" 2>&1 || rc=$?
  sim_stop_all
  if [ "$rc" != 0 ]; then
    echo "bench.sh: batch apply of the $n-app org failed ($rc):" >&2
    cat "$d/ca2eca.out" >&2
    exit 70
  fi
  "${TOOL[@]}" count "$d/state/requests.jsonl" --org org0001 >"$d/measured.json"
  cp "$d/batch/org0001/plan.json" "$d/batch/org0001/status.json" "$d/"
  printf 'tests/bench/bench.sh --only requests   # runs: %s\n' "${cmd[*]}" >"$d/command.txt"
}

measure_requests() {
  echo "== requests per org (1, 3, 10 migratable apps)"
  local n runs=()
  for n in 1 3 10; do
    requests_one "$n"
    runs+=("$n-apps=$WORK/requests-$n")
  done
  "${TOOL[@]}" requests "$RESULTS/requests$TAG.json" "${runs[@]}"
  python3 - "$RESULTS/requests$TAG.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
orgs = r["orgs"]
names = list(orgs)
keys = []
for n in names:
    for row in orgs[n]["rows"]:
        if row["op"] not in keys:
            keys.append(row["op"])
print("%-88s" % "op type" + "".join("%14s" % ("%s m/min" % n) for n in names))
for k in keys:
    cells = []
    for n in names:
        row = next((x for x in orgs[n]["rows"] if x["op"] == k), None)
        cells.append("%14s" % ("%d/%d" % (row["measured"], row["minimum"]) if row else "-"))
    print("%-88s" % k + "".join(cells))
print("%-88s" % "TOTAL" + "".join("%14s" % ("%d/%d" % (orgs[n]["measured"]["total"], orgs[n]["minimum"]["total"])) for n in names))
g = r.get("growth")
if g:
    print("growth %s -> %s: measured +%d, minimum +%d, verification exchanges +%d; target met: %s"
          % (g["from"], g["to"], g["measuredTotal"], g["minimumTotal"], g["verifyExchanges"], g["targetMet"]))
    print("ops that grow: " + ", ".join("%s +%d" % kv for kv in g["byOpType"].items()))
EOF
}

# --- 2./3. throughput and journal ---------------------------------------------

TEMPLATE=
make_template() {
  [ -n "$TEMPLATE" ] && return 0
  TEMPLATE=$WORK/template-3apps
  rm -rf "$TEMPLATE"
  seed_org "$TEMPLATE" 3
}

# fleet_run NAME SIMS MEMORY: one batch apply of $ORGS fresh orgs; writes
# $WORK/run-NAME/record.json
fleet_run() {
  local name=$1 sims=$2 memory=$3 d=$WORK/run-$1 i
  make_template
  if [ -z "$SETTLED" ] && [ "$SETTLE" -gt 0 ]; then
    echo "-- settling: sync, then ${SETTLE} s without deleting files (--settle)"
    sync
    sleep "$SETTLE"
  fi
  SETTLED=1
  rm -rf "$d" "$SIMDIR/run-$1"
  mkdir -p "$d" "$SIMDIR/run-$1"
  ln -s "$SIMDIR/run-$1" "$d/state"
  echo "-- run $name: $ORGS orgs x 3 apps, --jobs $JOBS, ${LATENCY} ms ($MODEL), $sims simulator(s), journal $([ "$memory" = 1 ] && echo memory || echo durable)"
  python3 "$SIMPY" seed --from "$TEMPLATE" --state "$d/state" --orgs "$ORGS" >/dev/null
  local faults
  faults=$(printf '{"latencyMs": %d, "latencyModel": "%s"}' "$LATENCY" "$MODEL")
  printf '%s\n' "$faults" >"$d/state/faults.json"
  local ports=() pids=() cpu0=()
  for i in $(seq 1 "$sims"); do
    sim_start "$d/state" "$d/port$i" "$d/sim$i.log"
    ports+=("$SIM_PORT")
    pids+=("$SIM_PID")
  done
  "${TOOL[@]}" authfiles --state "$d/state" --out "$d/fleet" \
    --ports "$(IFS=,; echo "${ports[*]}")" \
    --verify-key "$VERIFY_KEY" --verify-user "$VERIFY_USER" >/dev/null
  for i in "${!pids[@]}"; do cpu0+=("$("${TOOL[@]}" cpu "${pids[$i]}")"); done
  local env=()
  [ "$memory" = 1 ] && env=(CA2ECA_BENCH_MEMORY_JOURNAL=1)
  local cmd=("$CA2ECA" batch apply --orgs "$d/fleet/orgs.csv" --dir "$d/batch" --jobs "$JOBS" --yes)
  local rc=0 t0 t1 load0 ps0 ps1
  load0=$(cut -d' ' -f1-3 /proc/loadavg)
  ps0=$("${TOOL[@]}" procstat)
  t0=$(date +%s.%N)
  # in the background, so that a signal reaches the trap (which stops it)
  # without waiting for the run to end
  env "${env[@]}" /usr/bin/time -v -o "$d/time.txt" "${cmd[@]}" >"$d/ca2eca.out" 2>&1 &
  RUN_PID=$!
  wait "$RUN_PID" || rc=$?
  RUN_PID=
  t1=$(date +%s.%N)
  ps1=$("${TOOL[@]}" procstat)
  local sims_json="" sep=""
  for i in "${!pids[@]}"; do
    sims_json+="$sep{\"port\": ${ports[$i]}, \"cpuBefore\": ${cpu0[$i]}, \"cpuAfter\": $("${TOOL[@]}" cpu "${pids[$i]}")}"
    sep=", "
  done
  sim_stop_all
  shm_clean
  cat >"$d/meta.json" <<EOF
{"name": "$name", "orgs": $ORGS, "appsPerOrg": 3, "jobs": $JOBS, "latencyMs": $LATENCY, "latencyModel": "$MODEL",
 "memoryJournal": $([ "$memory" = 1 ] && echo true || echo false), "exitStatus": $rc,
 "wallSeconds": $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b - a}'), "log": "$d/state/requests.jsonl", "batchDir": "$d/batch",
 "loadavgBefore": "$load0", "loadavg": "$(cut -d' ' -f1-3 /proc/loadavg)",
 "machineBusyBefore": ${ps0% *}, "machineTotalBefore": ${ps0#* },
 "machineBusyAfter": ${ps1% *}, "machineTotalAfter": ${ps1#* },
 "command": "tests/bench/bench.sh $ARGS   # this run: ${env[*]:-} /usr/bin/time -v ${cmd[*]} ($sims simulator(s) at nice ${SIM_NICE_APPLIED:-0}, root faults.json ${faults//\"/\\\"})",
 "simNice": ${SIM_NICE_APPLIED:-0},
 "sims": [$sims_json]}
EOF
  "${TOOL[@]}" run "$d"
  [ "$rc" = 0 ] || echo "bench.sh: warning: run $name exited $rc (see the record's orgStates)" >&2
  # the fleet's state is large; the record keeps what matters
  [ "$KEEP" = 1 ] || rm -rf "$SIMDIR/run-$name"
}

# is the single simulator of run NAME saturated (>= 85% of one core)?
saturated() {
  python3 - "$WORK/run-$1/record.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
sys.exit(0 if any(s["cpuPercentOfOneCore"] >= 85 for s in r["simulators_cpu"]) else 1)
EOF
}

# did other processes take more than NOISE_PCT% of the machine's CPU during
# any of the runs NAME...?  (the machine is shared: a measurement taken
# while others compete for the cores says little)
NOISE_PCT=10
noisy() {
  python3 - "$NOISE_PCT" "${@/#/$WORK/run-}" <<'EOF'
import json, sys
lim = float(sys.argv[1])
for d in sys.argv[2:]:
    m = json.load(open(d + "/record.json")).get("machine") or {}
    if m and 100 * m["otherProcessesCpuSeconds"] / m["cpuSecondsAvailable"] > lim:
        sys.exit(0)
sys.exit(1)
EOF
}

# measured NAME SIMS MEMORY: fleet_run, again (up to RETRY times) while other
# processes disturbed it; sets LAST_RUN to the last attempt's name and adds
# every attempt's record to RECS
RECS=()
LAST_RUN=
measured() {
  local name=$1 a=1 n=$1
  while :; do
    fleet_run "$n" "$2" "$3"
    RECS+=("$WORK/run-$n/record.json")
    LAST_RUN=$n
    if ! noisy "$n" || [ "$a" -gt "$RETRY" ]; then
      return 0
    fi
    a=$((a + 1))
    n=$name.retry$a
    echo "   other processes took > ${NOISE_PCT}% of the CPU: measuring again ($n)"
  done
}

print_runs() {
  python3 - "$@" <<'EOF'
import json, sys
print("%-26s %6s %4s %4s %8s %7s %7s %9s %7s %8s %8s %7s %6s %s" % ("run", "model", "sims", "jnl", "wall s", "ideal", "x ideal", "cpu-floor", "req/org", "ca2eca%", "sim%", "RSS MiB", "other%", "states"))
for p in sys.argv[1:]:
    r = json.load(open(p))
    m = r.get("machine") or {}
    other = 100 * m["otherProcessesCpuSeconds"] / m["cpuSecondsAvailable"] if m else float("nan")
    print("%-26s %6s %4d %4s %8.1f %7.1f %7.2f %9.1f %7.1f %8.1f %8s %7.1f %6.0f %s" % (
        r["name"], r.get("latencyModel", "before"), r["simulators"], "mem" if r["memoryJournal"] else "disk", r["wallSeconds"], r["idealSeconds"],
        r["wallOverIdeal"] or 0, r["cpuBoundFloorSeconds"], r["requestsPerOrg"], r["ca2eca"]["cpuPercentOfOneCore"],
        "+".join("%.0f" % s["cpuPercentOfOneCore"] for s in r["simulators_cpu"]),
        r["ca2eca"]["maxRssMiB"], other, r["orgStates"]))
EOF
}

JOURNAL_SIMS=
machine_info() {
  [ -f "$WORK/machine.json" ] || "${TOOL[@]}" machine "$WORK" >"$WORK/machine.json"
}

# measured_runs NAME SIMS: RUNS measured runs (NAME, or NAME-1 ... NAME-N)
measured_runs() {
  local k
  if [ "$RUNS" = 1 ]; then
    measured "$1" "$2" 0
    return 0
  fi
  for k in $(seq 1 "$RUNS"); do
    measured "$1-$k" "$2" 0
  done
}

measure_throughput() {
  echo "== throughput: $ORGS orgs x 3 apps, ${LATENCY} ms per request, --jobs $JOBS, $RUNS run(s) each"
  machine_info
  RECS=()
  local models=$LATENCY_MODEL m
  [ "$models" = both ] && models="within before"
  for m in $models; do
    MODEL=$m
    if [ "$SIMS" = 2 ]; then
      measured_runs "throughput-$m-2sim" 2
    else
      measured_runs "throughput-$m-1sim" 1
      if [ "$SIMS" = auto ] && saturated "$LAST_RUN"; then
        echo "   the simulator is saturated: again with 2 simulator processes"
        measured_runs "throughput-$m-2sim" 2
      fi
    fi
  done
  MODEL=${models%% *}
  "${TOOL[@]}" throughput "$RESULTS/throughput$TAG.json" --noise-pct "$NOISE_PCT" \
    --machine "$WORK/machine.json" "${RECS[@]}"
  # the journal's comparison is "the same run": the faster configuration
  # of the first model (2 simulators only when they were faster)
  JOURNAL_SIMS=$(python3 - "$RESULTS/throughput$TAG.json" "$MODEL" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))["configs"]
best = None
for sims in (1, 2):
    k = "throughput-%s-%dsim" % (sys.argv[2], sims)
    if k in c and c[k]["wallOverIdeal"] is not None:
        if best is None or c[k]["wallOverIdeal"] < best[1]:
            best = (sims, c[k]["wallOverIdeal"])
print(best[0] if best else 1)
EOF
)
  print_runs "${RECS[@]}"
  python3 - "$RESULTS/throughput$TAG.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
for name, c in r["configs"].items():
    print("%s: median x ideal %s (%s; range %s-%s; target <= 1.5: %s)" % (
        name, c["wallOverIdeal"], c["from"], c.get("min"), c.get("max"),
        {True: "met", False: "NOT met", None: "inconclusive"}[c["targetMet"]]))
EOF
}

# journal_pairs PREFIX SIMS: REPEAT pairs of a durable and a memory run of
# $ORGS orgs with --jobs $JOBS; a pair that other processes disturbed is
# measured again (up to RETRY times); every record goes to RECS
journal_pairs() {
  local prefix=$1 sims=$2 repeat=$3 k a
  for k in $(seq 1 "$repeat"); do
    for a in $(seq 1 $((RETRY + 1))); do
      fleet_run "$prefix-disk-$k.$a" "$sims" 0
      fleet_run "$prefix-mem-$k.$a" "$sims" 1
      RECS+=("$WORK/run-$prefix-disk-$k.$a/record.json" "$WORK/run-$prefix-mem-$k.$a/record.json")
      noisy "$prefix-disk-$k.$a" "$prefix-mem-$k.$a" || break
      if [ "$a" -le "$RETRY" ]; then
        echo "   other processes took > ${NOISE_PCT}% of the CPU: measuring the pair again"
      fi
    done
  done
}

measure_journal() {
  local sims=${JOURNAL_SIMS:-} orgs=$ORGS jobs=$JOBS
  if [ -z "$sims" ]; then
    sims=$SIMS
    [ "$sims" = auto ] && sims=2
  fi
  machine_info
  RECS=()
  echo "== journal cost (a), the throughput run (its faster simulator count): durable vs CA2ECA_BENCH_MEMORY_JOURNAL=1 ($ORGS orgs, --jobs $JOBS, $sims simulator(s), $REPEAT pair(s))"
  journal_pairs journal "$sims" "$REPEAT"
  # (b) few enough workers that neither the simulators nor the 2 cores
  # saturate: the wall time is the requests' latency plus ca2eca's own work
  ORGS=$LB_ORGS
  JOBS=$LB_JOBS
  echo "== journal cost (b), latency-bound: $ORGS orgs, --jobs $JOBS, 2 simulators, $LB_REPEAT pair(s)"
  journal_pairs journal-lb 2 "$LB_REPEAT"
  ORGS=$orgs
  JOBS=$jobs
  "${TOOL[@]}" throughput "$RESULTS/journal$TAG.json" --kind journal --noise-pct "$NOISE_PCT" \
    --machine "$WORK/machine.json" "${RECS[@]}"
  print_runs "${RECS[@]}"
  python3 - "$RESULTS/journal$TAG.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
for name, c in r["configs"].items():
    for p in c["pairs"]:
        print("%s pair %s: durable %.1f s, memory %.1f s, ratio %.3f; ca2eca CPU %.1f vs %.1f s%s" % (
            name, p["pair"], p["durableWallSeconds"], p["memoryWallSeconds"], p["ratio"],
            p["durableCa2ecaCpuSeconds"], p["memoryCa2ecaCpuSeconds"], "" if p["clean"] else " (disturbed)"))
    print("%s: median ratio %s from %s (target <= 1.10: %s)" % (
        name, c["ratio"], c["ratioFrom"], {True: "met", False: "NOT met", None: "inconclusive"}[c["targetMet"]]))
EOF
}

echo "ca2eca: $CA2ECA ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'), built $(date -r "$CA2ECA" '+%F %T'))"
echo "scratch: $WORK"
IFS=, read -r -a WHAT <<<"$ONLY"
for w in "${WHAT[@]}"; do
  case $w in
  requests) measure_requests ;;
  throughput) measure_throughput ;;
  journal) measure_journal ;;
  *) echo "bench.sh: unknown measurement '$w'" >&2; exit 64 ;;
  esac
done
[ -f "$WORK/machine.json" ] && cp "$WORK/machine.json" "$RESULTS/machine$TAG.json"
echo "results in $RESULTS"
