#!/usr/bin/env bash
# plans/example-plan.json is the plan of the bundled example org: make it
# again -- fixed clock, fixed port (47611) -- and compare byte for byte.
# C2E_UPDATE_GOLDEN=1 rewrites the kept plan.
set -u
CA2ECA=${1:?usage: example-plan.sh path/to/ca2eca}
SRC=${C2E_SOURCE_DIR:?C2E_SOURCE_DIR must point at the repository}
. "$SRC/tests/e2e/lib.sh"

SIM_PORT=47611 sim_start
AUTH=$(auth_file)
SOURCE_DATE_EPOCH=1795910400 run plan --auth-file "$AUTH" --out "$T/plan.json" --journal "$T/j.db"
expect_exit 0
golden "$T/plan.json" "$SRC/plans/example-plan.json"
run plan show "$SRC/plans/example-plan.json"
expect_exit 0
expect_out_contains "Partner1_ConnectedApp1 -> ECA Partner1_ConnectedApp1"
finish
