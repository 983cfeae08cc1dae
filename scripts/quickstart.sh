#!/usr/bin/env bash
# The README's first command: sets everything up, then runs ca2eca's main
# job on the bundled example -- the whole migration of an org running the
# Interaction Service integration, against the simulated org of the tests:
# inventory, plan, apply (with the JWT verification and the channel
# definition repoint) and status.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh release

CA2ECA=$PWD/build/release/ca2eca
SIM="python3 $PWD/tests/simorg/simorg.py"
work=$PWD/out/quickstart
rm -rf "$work"
mkdir -p "$work"
cd "$work"

# the org: the example's connected apps, channel definition, users, keys
$SIM seed --from ../../fixtures/example-org --state org >/dev/null
$SIM serve --state org --port-file port >sim.log 2>&1 &
sim=$!
trap 'kill $sim 2>/dev/null; wait $sim 2>/dev/null' EXIT
for _ in $(seq 1 100); do [ -s port ] && break; sleep 0.1; done
url=http://127.0.0.1:$(cat port)
# the admin's session, as `sf org display --json --verbose` prints it
$SIM auth-json --state org --url "$url" >auth.json

bold= plain=
if [ -t 1 ]; then bold=$(printf '\033[1m') plain=$(printf '\033[0m'); fi
step() {
  printf '\n%s$ ca2eca %s%s\n' "$bold" "$*" "$plain"
  "$CA2ECA" "$@"
}

echo
echo "A simulated org runs at $url (state in out/quickstart/org)."
step inventory --auth-file auth.json
step plan --auth-file auth.json --out plan.json
step apply plan.json --auth-file auth.json --yes \
  --jwt-key ../../fixtures/example-project/keys/partner1-jwt.key \
  --verify-user interaction@partner1-org.example.com
step status
echo
echo "Done: the org now has the External Client Apps, verified with a JWT"
echo "bearer exchange, and its channel definition points at the new ECA."
echo "The plan, the journal and the org's state are in out/quickstart/."
echo "README.md shows the same commands against a real org, and rollback."
