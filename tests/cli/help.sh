#!/usr/bin/env bash
# tests/cli/help.sh - the global command line and the help of every
# command (code-style 2.4: `<cmd> -h` works for every entry of the table).
#
#   bash tests/cli/help.sh path/to/ca2eca
#
# C2E_SOURCE_DIR is the source tree (for docs/ca2eca.1).
set -u

BIN=${1:?usage: help.sh path/to/ca2eca}
SRC=${C2E_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/c2e-help.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT

failures=0
checks=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# run ARGS...: runs ca2eca; sets $rc, $out (stdout file), $err (stderr)
run() {
	out=$TMP/out err=$TMP/err
	"$BIN" "$@" >"$out" 2>"$err"
	rc=$?
	checks=$((checks + 1))
}

# expect_rc WANT WHAT
expect_rc() {
	if [ "$rc" -ne "$1" ]; then
		fail "$2: exit $rc, want $1; stderr: $(head -c 500 "$err")"
		return 1
	fi
	return 0
}

# expect_line_starts FILE PREFIX WHAT: some line starts with PREFIX
expect_line_starts() {
	if ! grep -q -- "^$2" "$1"; then
		fail "$3: no line starting with '$2' in: $(head -c 300 "$1")"
		return 1
	fi
	return 0
}

expect_empty() {
	if [ -s "$1" ]; then
		fail "$2: expected nothing, got: $(head -c 300 "$1")"
		return 1
	fi
	return 0
}

# json_get FILE EXPR: prints a value of the one JSON document in FILE,
# or fails when FILE is not exactly one valid JSON document
json_get() {
	python3 -c '
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    doc = json.load(f)
v = eval(sys.argv[2], {"doc": doc})
print(v if not isinstance(v, (dict, list)) else json.dumps(v))
' "$1" "$2"
}

expect_json() {
	# $1 file, $2 python expression on `doc`, $3 wanted value, $4 what
	local got
	if ! python3 -m json.tool "$1" >/dev/null 2>&1; then
		fail "$4: stdout is not one valid JSON document: $(head -c 300 "$1")"
		return 1
	fi
	got=$(json_get "$1" "$2") || { fail "$4: cannot read $2"; return 1; }
	if [ "$got" != "$3" ]; then
		fail "$4: $2 is '$got', want '$3'"
		return 1
	fi
	return 0
}

version=$(sed -n 's/^project(ca2eca VERSION \([0-9.]*\).*/\1/p' \
	"$SRC/CMakeLists.txt")
[ -n "$version" ] || fail "cannot read the version from CMakeLists.txt"

# --- the command list, from help --json --------------------------------
run help --json
expect_rc 0 "help --json"
expect_json "$out" 'doc["status"]' 0 "help --json status"
expect_json "$out" 'doc["warnings"]' '[]' "help --json warnings"
commands=$(json_get "$out" '" ".join(c["name"] for c in doc["result"]["commands"])') ||
	fail "help --json: no result.commands"
for c in help version convert; do
	case " $commands " in
	*" $c "*) ;;
	*) fail "help --json does not list '$c' (got: $commands)" ;;
	esac
done
n=$(json_get "$out" 'sum(1 for c in doc["result"]["commands"] if c["summary"])')
[ "$n" = "$(echo $commands | wc -w)" ] || fail "a command has no summary"

# --- every command: -h, --help, help CMD, unknown option ----------------
for c in $commands; do
	for h in -h --help; do
		run "$c" "$h"
		expect_rc 0 "$c $h" &&
			expect_line_starts "$out" "usage: ca2eca $c" "$c $h"
		expect_empty "$err" "$c $h stderr"
	done
	run help "$c"
	expect_rc 0 "help $c" &&
		expect_line_starts "$out" "usage: ca2eca $c" "help $c"
	# -h wins over everything else on the line, --json included
	run "$c" --no-such-option -h
	expect_rc 0 "$c --no-such-option -h"
	run "$c" --json --help
	expect_rc 0 "$c --json --help" &&
		expect_json "$out" 'doc["result"]["name"]' "$c" "$c --json --help" &&
		expect_json "$out" 'doc["result"]["help"].startswith("usage: ca2eca '"$c"'")' \
			True "$c --json --help text"

	run "$c" --no-such-option
	if [ "$c" = convert ] && [ "$rc" -eq 70 ] &&
		grep -q 'not built yet' "$err"; then
		echo "SKIP: $c --no-such-option (convert is a placeholder)" >&2
	else
		if expect_rc 64 "$c --no-such-option"; then
			grep -q -- "--no-such-option" "$err" ||
				fail "$c --no-such-option: stderr does not name it"
		fi
	fi
done

# --- the overview -------------------------------------------------------
for args in "" "help" "-h" "--help"; do
	# shellcheck disable=SC2086
	run $args
	expect_rc 0 "ca2eca $args" || continue
	expect_line_starts "$out" "usage: ca2eca" "ca2eca $args"
	for c in $commands; do
		grep -q "^  $c " "$out" || fail "ca2eca $args: '$c' not listed"
	done
done

# --- the version --------------------------------------------------------
for args in "--version" "version"; do
	run $args
	expect_rc 0 "ca2eca $args"
	[ "$(cat "$out")" = "ca2eca $version" ] ||
		fail "ca2eca $args printed '$(cat "$out")', want 'ca2eca $version'"
	expect_empty "$err" "ca2eca $args stderr"
done
run version --json
expect_rc 0 "version --json"
expect_json "$out" 'doc["status"]' 0 "version --json status"
expect_json "$out" 'doc["result"]["version"]' "$version" "version --json version"
expect_json "$out" 'doc["result"]["name"]' ca2eca "version --json name"
# --json before the command works too
run --json version
expect_json "$out" 'doc["result"]["version"]' "$version" "--json version"

# --- usage errors -------------------------------------------------------
run no-such-command
expect_rc 64 "unknown command"
expect_empty "$out" "unknown command stdout"
[ "$(wc -l <"$err")" -eq 1 ] || fail "unknown command: not one line on stderr"
grep -q "^ca2eca: 'no-such-command' is not a ca2eca command" "$err" ||
	fail "unknown command: stderr does not name it: $(cat "$err")"

run --no-such-option
expect_rc 64 "unknown global option"
grep -q -- "--no-such-option" "$err" || fail "unknown global option: not named"

run help no-such-command
expect_rc 64 "help no-such-command"
grep -q "'no-such-command'" "$err" || fail "help no-such-command: not named"

run version extra
expect_rc 64 "version extra"

# --- errors under --json: one document, nothing else on stdout -----------
for args in "--json no-such-command" "no-such-command --json" \
	"help --json --no-such-option" "help no-such-command --json"; do
	run $args
	expect_rc 64 "$args" || continue
	expect_json "$out" 'doc["exitCode"]' 64 "$args exitCode" &&
		expect_json "$out" 'doc["status"]' 64 "$args status" &&
		expect_json "$out" 'doc["name"]' UsageError "$args name" &&
		expect_json "$out" 'sorted(doc)' \
			'["exitCode", "message", "name", "status", "warnings"]' \
			"$args keys" &&
		expect_json "$out" 'bool(doc["message"])' True "$args message"
	expect_empty "$err" "$args stderr"
done
run convert --json
if [ "$rc" -eq 70 ] && grep -q 'not built yet' "$out"; then
	echo "SKIP: convert --json without --project (convert is a placeholder)" >&2
else
	expect_rc 64 "convert --json without --project" &&
		expect_json "$out" 'doc["exitCode"]' 64 "convert --json exitCode"
fi

# --- a failed write to stdout is an error (exit 70) ---------------------
if [ -w /dev/full ]; then
	"$BIN" help >/dev/full 2>"$TMP/err"
	rc=$?
	err=$TMP/err
	if expect_rc 70 "help >/dev/full"; then
		grep -q "^ca2eca: cannot write to standard output" "$err" ||
			fail "help >/dev/full: no message on stderr"
	fi
	"$BIN" version --json >/dev/full 2>"$TMP/err"
	rc=$?
	expect_rc 70 "version --json >/dev/full"
fi

# --- the man page documents every command --------------------------------
man=$SRC/docs/ca2eca.1
if [ ! -f "$man" ]; then
	fail "docs/ca2eca.1 is missing"
else
	for c in $commands; do
		grep -Eq "^\.SS \"?$c\b" "$man" ||
			fail "docs/ca2eca.1 has no '.SS $c' section"
	done
fi

echo "help.sh: $checks runs, $failures failures"
[ "$failures" -eq 0 ]
