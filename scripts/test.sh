#!/usr/bin/env bash
# The README's second command (and what CI runs): builds with
# AddressSanitizer + UBSan and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh asan
ctest --preset asan -j "$(nproc)"
