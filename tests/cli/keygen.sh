#!/usr/bin/env bash
# End-to-end tests of `ca2eca keygen` through the real binary.  The
# openssl command inspects what it wrote (only here, in the test).
#
#   tests/cli/keygen.sh path/to/ca2eca
set -u

CA2ECA=${1:?usage: keygen.sh path/to/ca2eca}
SRC=${C2E_SOURCE_DIR:?C2E_SOURCE_DIR must point at the repository}
. "$SRC/tests/cli/lib.sh"

umask 022

# expect_mode MODE PATH
expect_mode() {
  CHECKS=$((CHECKS + 1))
  local m
  m=$(stat -c %a "$2")
  [ "$m" = "$1" ] || fail "mode of $2 is $m, want $1"
}

# expect_no_key_material KEYFILE: no line of the key is on stdout/stderr
expect_no_key_material() {
  CHECKS=$((CHECKS + 1))
  local line
  case "$OUT$ERR" in *"PRIVATE KEY"*) fail "a PEM key marker was printed" ;; esac
  while IFS= read -r line; do
    case "$line" in -----*) continue ;; esac
    case "$OUT$ERR" in *"${line:0:24}"*) fail "key material was printed"; return ;; esac
  done <"$1"
}

# openssl's SHA-256 fingerprint of a certificate: lower-case hex
fingerprint() {
  openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' |
    tr 'A-F' 'a-f'
}

# --- a new pair in a new directory ------------------------------------------

D=$T/a/b/keys
run keygen --out "$D"
expect_exit 0
expect_file "$D/jwt.key"
expect_file "$D/jwt.crt"
expect_mode 600 "$D/jwt.key"
expect_mode 644 "$D/jwt.crt"
expect_mode 700 "$D"
expect_out_contains "Wrote a new RSA-2048 private key and its self-signed certificate"
expect_out_contains "key          $D/jwt.key (secret, mode 0600)"
expect_out_contains "certificate  $D/jwt.crt"
expect_out_contains "subject      CN=ca2eca JWT bearer"
expect_out_contains "(365 days)"
expect_out_contains "SHA-256      $(fingerprint "$D/jwt.crt")"
expect_out_contains '"Use'
expect_out_contains "digital signatures\""
expect_out_contains "ca2eca plan --jwt-cert $D/jwt.crt"
expect_out_contains "ca2eca apply PLAN --jwt-key $D/jwt.key"
expect_err_empty
expect_no_key_material "$D/jwt.key"
[ -z "$(find "$D" -name '*.tmp.*')" ] || fail "temporary files were left in $D"

# what openssl makes of it
check "openssl rsa -check" openssl rsa -in "$D/jwt.key" -check -noout
CHECKS=$((CHECKS + 1))
head -n 1 "$D/jwt.key" | grep -qx -- '-----BEGIN PRIVATE KEY-----' ||
  fail "the key is not unencrypted PKCS#8 PEM"
CHECKS=$((CHECKS + 1))
openssl x509 -in "$D/jwt.crt" -noout -subject | grep -qx 'subject=CN = ca2eca JWT bearer' ||
  fail "subject: $(openssl x509 -in "$D/jwt.crt" -noout -subject)"
CHECKS=$((CHECKS + 1))
[ "$(openssl x509 -in "$D/jwt.crt" -noout -issuer | sed 's/^issuer=//')" = \
  "$(openssl x509 -in "$D/jwt.crt" -noout -subject | sed 's/^subject=//')" ] ||
  fail "the certificate is not self-issued"
CHECKS=$((CHECKS + 1))
end=$(openssl x509 -in "$D/jwt.crt" -noout -enddate | sed 's/^notAfter=//')
want=$(( $(date +%s) + 365 * 86400 ))
got=$(date -d "$end" +%s)
[ $((got - want)) -le 60 ] && [ $((want - got)) -le 60 ] ||
  fail "notAfter is $end, want about 365 days from now"
CHECKS=$((CHECKS + 1))
[ "$(openssl x509 -in "$D/jwt.crt" -noout -modulus)" = \
  "$(openssl rsa -in "$D/jwt.key" -noout -modulus 2>/dev/null)" ] ||
  fail "the certificate is not for the key"
check "openssl verify (self-signed)" openssl verify -CAfile "$D/jwt.crt" "$D/jwt.crt"
CHECKS=$((CHECKS + 1))
openssl x509 -in "$D/jwt.crt" -noout -text | grep -q 'Signature Algorithm: sha256WithRSAEncryption' ||
  fail "not signed with SHA-256"
CHECKS=$((CHECKS + 1))
openssl x509 -in "$D/jwt.crt" -noout -ext basicConstraints | grep -q 'CA:FALSE' ||
  fail "basicConstraints is not CA:FALSE"
# a signature made with the key verifies with the certificate
CHECKS=$((CHECKS + 1))
printf 'header.payload' >"$T/data"
openssl dgst -sha256 -sign "$D/jwt.key" -out "$T/sig" "$T/data" &&
  openssl x509 -in "$D/jwt.crt" -noout -pubkey >"$T/pub.pem" &&
  openssl dgst -sha256 -verify "$T/pub.pem" -signature "$T/sig" "$T/data" >/dev/null ||
  fail "a signature of the key does not verify with the certificate"

# --- existing files are kept without --force -------------------------------

before=$(tree_sum "$D")
run keygen --out "$D"
expect_exit 65
expect_err_contains "'$D/jwt.key' already exists: use --force to replace it"
expect_no_key_material "$D/jwt.key"
CHECKS=$((CHECKS + 1))
[ "$(tree_sum "$D")" = "$before" ] || fail "files changed without --force"

# the certificate alone is enough to refuse
mv "$D/jwt.key" "$T/saved.key"
run keygen --out "$D"
expect_exit 65
expect_err_contains "'$D/jwt.crt' already exists"
expect_no_file "$D/jwt.key"
mv "$T/saved.key" "$D/jwt.key"

# in --json mode the refusal is the JSON error
run --json keygen --out "$D"
expect_exit 65
json_check "$OUT" '
assert d["status"] == 65 and d["exitCode"] == 65, d
assert "already exists" in d["message"], d
'
CHECKS=$((CHECKS + 1))
[ "$(tree_sum "$D")" = "$before" ] || fail "files changed without --force"

# --force replaces both
old_fp=$(fingerprint "$D/jwt.crt")
chmod 644 "$D/jwt.key"
run keygen --out "$D" --force
expect_exit 0
expect_no_key_material "$D/jwt.key"
expect_mode 600 "$D/jwt.key"
expect_mode 644 "$D/jwt.crt"
CHECKS=$((CHECKS + 1))
[ "$(fingerprint "$D/jwt.crt")" != "$old_fp" ] || fail "--force kept the old certificate"
CHECKS=$((CHECKS + 1))
[ "$(openssl x509 -in "$D/jwt.crt" -noout -modulus)" = \
  "$(openssl rsa -in "$D/jwt.key" -noout -modulus 2>/dev/null)" ] ||
  fail "after --force the certificate is not for the key"

# --- --json and the options --------------------------------------------------

E=$T/existing
mkdir -m 755 "$E"
run --json keygen --out "$E" --cn 'Partner1 JWT' --days 730 --bits 3072
expect_exit 0
expect_err_empty
expect_mode 755 "$E" # an existing directory keeps its mode
expect_no_key_material "$E/jwt.key"
CHECKS=$((CHECKS + 1))
printf '%s' "$OUT" | python3 -c '
import datetime, json, sys, time
d = json.load(sys.stdin)
r = d["result"]
assert d["status"] == 0 and d["warnings"] == [], d
assert sorted(r) == ["bits", "certificate", "expires", "key", "sha256", "subject"], r
assert r["key"] == sys.argv[1] + "/jwt.key", r
assert r["certificate"] == sys.argv[1] + "/jwt.crt", r
assert r["subject"] == "CN=Partner1 JWT", r
assert r["bits"] == 3072, r
assert r["sha256"] == sys.argv[2], r
t = datetime.datetime.strptime(r["expires"], "%Y-%m-%dT%H:%M:%SZ")
t = t.replace(tzinfo=datetime.timezone.utc).timestamp()
assert abs(t - (time.time() + 730 * 86400)) < 120, r["expires"]
' "$E" "$(fingerprint "$E/jwt.crt")" || fail "--json result"
CHECKS=$((CHECKS + 1))
openssl x509 -in "$E/jwt.crt" -noout -subject | grep -qx 'subject=CN = Partner1 JWT' ||
  fail "--cn: $(openssl x509 -in "$E/jwt.crt" -noout -subject)"
CHECKS=$((CHECKS + 1))
openssl rsa -in "$E/jwt.key" -noout -text 2>/dev/null | grep -q 'Private-Key: (3072 bit' ||
  fail "--bits 3072 did not make a 3072-bit key"

# a directory name that needs quoting is quoted in the next steps
Q="$T/it's mine"
run keygen --out "$Q" --days 1
expect_exit 0
expect_out_contains "ca2eca plan --jwt-cert '$T/it'\\''s mine/jwt.crt'"
expect_out_contains "(1 day)"

# --- usage errors: exit 64, nothing written ----------------------------------

U=$T/usage
for args in "--days 0" "--days 36501" "--days -5" "--days abc" "--days 1x" \
  "--bits 1024" "--bits 2047" "--bits 16385" "--bits many"; do
  # shellcheck disable=SC2086
  run keygen --out "$U" $args
  expect_exit 64
  expect_err_contains "keygen: ${args%% *} takes"
  expect_no_file "$U"
done
run keygen --out "$U" --cn ''
expect_exit 64
expect_err_contains "--cn takes 1 to 64 characters, not 0"
run keygen --out "$U" --cn "$(printf 'n%.0s' $(seq 65))"
expect_exit 64
expect_err_contains "--cn takes 1 to 64 characters, not 65"
run keygen
expect_exit 64
expect_err_contains "--out DIR is required"
run keygen --out
expect_exit 64
expect_err_contains "option '--out' needs a value"
run keygen --out "$U" --nope
expect_exit 64
expect_err_contains "unknown option '--nope'"
run keygen --out "$U" extra
expect_exit 64
expect_err_contains "unexpected argument 'extra'"
run --json keygen --out "$U" --days 0
expect_exit 64
json_check "$OUT" 'assert d["status"] == 64 and "--days" in d["message"], d'
expect_no_file "$U"

# --out must be a directory
touch "$T/file"
run keygen --out "$T/file"
expect_exit 65
expect_err_contains "'$T/file' is not a directory"

# --- help -------------------------------------------------------------------

run keygen --help
expect_exit 0
CHECKS=$((CHECKS + 1))
case "$OUT" in "usage: ca2eca keygen --out DIR"*) ;; *) fail "help does not start with the usage line" ;; esac
expect_out_contains "Exit status:"

finish
