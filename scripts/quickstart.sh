#!/usr/bin/env bash
# The README's first command: sets everything up, then runs ca2eca's main
# job on the bundled example project and shows the report.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh release

out=out/example
rm -rf "$out"
echo
echo "\$ ca2eca convert --project fixtures/example-project --out $out"
build/release/ca2eca convert --project fixtures/example-project --out "$out"
echo
echo "The External Client App files are in $out/; see README.md for what is next."
