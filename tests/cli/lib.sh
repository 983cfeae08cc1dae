# tests/cli/lib.sh - small assertion helpers for command-line tests.
# Source it after setting CA2ECA (the binary) and SRC (the repository).
#
#   run [--json] ARGS...    runs ca2eca; sets OUT, ERR, RC
#   expect_exit N           and the other expect_* / check helpers
#   finish                  prints the summary, exits 1 on any failure

FAILS=0
CHECKS=0
T=$(mktemp -d "${C2E_TEST_TMP:-/tmp}/cli.XXXXXX")
trap 'rm -rf "$T"' EXIT

fail() {
  FAILS=$((FAILS + 1))
  echo "FAIL (${BASH_SOURCE[2]##*/}:${BASH_LINENO[1]}): $*" >&2
  echo "  command: ${LAST_CMD:-}" >&2
  echo "  exit: ${RC:-}" >&2
  printf '  stdout: %s\n' "$(printf '%s' "${OUT:-}" | head -c 1500)" >&2
  printf '  stderr: %s\n' "$(printf '%s' "${ERR:-}" | head -c 1500)" >&2
}

pass() {
  CHECKS=$((CHECKS + 1))
}

run() {
  local json=()
  if [ "${1:-}" = "--json" ]; then
    json=(--json)
    shift
  fi
  LAST_CMD="ca2eca $* ${json[*]}"
  local o e
  o=$(mktemp "$T/out.XXXXXX")
  e=$(mktemp "$T/err.XXXXXX")
  "$CA2ECA" "$@" "${json[@]}" >"$o" 2>"$e"
  RC=$?
  OUT=$(cat "$o")
  ERR=$(cat "$e")
  rm -f "$o" "$e"
}

expect_exit() {
  CHECKS=$((CHECKS + 1))
  [ "$RC" = "$1" ] || fail "expected exit $1, got $RC"
}

expect_out_contains() {
  CHECKS=$((CHECKS + 1))
  case "$OUT" in *"$1"*) ;; *) fail "stdout lacks: $1" ;; esac
}

expect_err_contains() {
  CHECKS=$((CHECKS + 1))
  case "$ERR" in *"$1"*) ;; *) fail "stderr lacks: $1" ;; esac
}

expect_err_empty() {
  CHECKS=$((CHECKS + 1))
  [ -z "$ERR" ] || fail "stderr is not empty"
}

expect_err_line_count() {
  CHECKS=$((CHECKS + 1))
  local n
  n=$(printf '%s\n' "$ERR" | grep -c .)
  [ "$n" = "$1" ] || fail "expected $1 line(s) on stderr, got $n"
}

expect_file() {
  CHECKS=$((CHECKS + 1))
  [ -f "$1" ] || fail "missing file: $1"
}

expect_no_file() {
  CHECKS=$((CHECKS + 1))
  [ ! -e "$1" ] || fail "should not exist: $1"
}

# check DESCRIPTION COMMAND...: the command must succeed
check() {
  local what=$1
  shift
  CHECKS=$((CHECKS + 1))
  "$@" >/dev/null 2>&1 || fail "$what"
}

# json_check JSON PYTHON: the JSON parses and the Python asserts (on d) hold
json_check() {
  CHECKS=$((CHECKS + 1))
  local msg
  if ! msg=$(printf '%s' "$1" | python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
exec(sys.argv[1])
' "$2" 2>&1); then
    fail "JSON check failed: $(printf '%s' "$msg" | tail -n 3)"
  fi
}

# A checksum of every file of a tree (paths and contents).
tree_sum() {
  (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum
}

# golden ACTUAL EXPECTED: the trees are identical (C2E_UPDATE_GOLDEN=1
# rewrites EXPECTED instead).
golden() {
  CHECKS=$((CHECKS + 1))
  if [ "${C2E_UPDATE_GOLDEN:-}" = 1 ]; then
    rm -rf "$2"
    mkdir -p "$(dirname "$2")"
    cp -r "$1" "$2"
    echo "updated golden tree $2" >&2
    return
  fi
  local d
  if ! d=$(diff -r "$2" "$1" 2>&1); then
    fail "output differs from golden $2:
$(printf '%s' "$d" | head -n 40)"
  fi
}

# make_project DIR FILE...: an SFDX project holding these connected apps
# (corpus names owner__repo__App.* become App.*).
make_project() {
  local dir=$1 f base
  shift
  mkdir -p "$dir/force-app/main/default/connectedApps"
  printf '{\n  "packageDirectories": [{ "path": "force-app", "default": true }],\n  "sourceApiVersion": "66.0"\n}\n' \
    >"$dir/sfdx-project.json"
  for f in "$@"; do
    base=${f##*/}
    base=${base##*__}
    cp "$f" "$dir/force-app/main/default/connectedApps/$base"
  done
}

finish() {
  if [ "$FAILS" -gt 0 ]; then
    echo "$FAILS of $CHECKS checks failed" >&2
    exit 1
  fi
  echo "$CHECKS checks passed"
}
