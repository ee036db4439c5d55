#!/usr/bin/env bash
# Run every test suite of migrate on throwaway clusters: pg_regress
# (sql/ + expected/) and isolation (specs/), pgTAP (test/pgtap), psql-driven
# tests (test/psql), the schema diff corpus (test/schema), the pgbench
# stress test (test/stress), the TAP fault
# tests (t/, as the postgres user), pg_migrate's TAP tests (client/t), the
# fuzzers (fuzz/, 60 s), the differential test against real Alembic
# (test/alembic), META.json against the PGXN spec (test/pgxn), and the
# Debian packages built, installed and used (test/deb).  Installs what it
# needs first.
# Ends with one line "N passed, N failed"; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

# CI builds with assertions on in migrate's own code
if [ "${CI:-}" = "true" ]; then
    export MIGRATE_CFLAGS="-DUSE_ASSERT_CHECKING"
fi
if [ "${1:-}" != "--inside" ]; then
    bash tools/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }
    # one throwaway cluster for all suites
    exec pg_virtualenv -t bash "$0" --inside
fi

passed=0
failed=0
logdir=$(mktemp -d)

echo "== pg_regress and isolation tests"
make installcheck >"$logdir/regress.log" 2>&1
status=$?
grep -E '^(test| +[a-z0-9_]+ +\.\.\.|ok|not ok)' "$logdir/regress.log" || true
n_ok=$(grep -cE '^(ok|test) .*\.\.\. ok' "$logdir/regress.log" || true)
n_bad=$(grep -cE '\.\.\. FAILED' "$logdir/regress.log" || true)
if [ "$status" -ne 0 ] && [ "$n_bad" -eq 0 ]; then n_bad=1; tail -40 "$logdir/regress.log"; fi
if [ "$n_bad" -gt 0 ]; then
    for d in results-regress/regression.diffs results-isolation/regression.diffs; do
        [ -f "$d" ] && head -200 "$d"
    done
fi
passed=$((passed + n_ok)); failed=$((failed + n_bad))

echo "== pgTAP"
shopt -s nullglob
suites=(test/pgtap/*.sql)
[ ${#suites[@]} -gt 0 ] || suites=(/dev/null)
pg_prove "${suites[@]}" >"$logdir/pgtap.log" 2>&1
status=$?
cat "$logdir/pgtap.log" | grep -vE '^(Creating|Dropping) ' | tail -40
n_total=$(sed -nE 's/^Files=[0-9]+, Tests=([0-9]+),.*/\1/p' "$logdir/pgtap.log" | tail -1)
n_bad=$(grep -oE 'Failed [0-9]+/[0-9]+ subtests' "$logdir/pgtap.log" | awk -F'[ /]' '{s+=$2} END {print s+0}')
n_total=${n_total:-0}
if [ "$status" -ne 0 ] && [ "$n_bad" -eq 0 ]; then n_bad=1; fi
passed=$((passed + n_total - (n_bad > n_total ? n_total : n_bad))); failed=$((failed + n_bad))

# suite NAME LOG COMMAND...: run a suite whose output ends with a line
# "N passed, N failed", show its tail, add its counts
suite() {
    local name=$1 log=$2 line n_ok n_bad status
    shift 2
    echo "== $name"
    "$@" >"$log" 2>&1
    status=$?
    grep -E '^(ok|not ok|#)' "$log" | tail -40
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
    n_ok=$(echo "${line:-0 passed, 0 failed}" | awk '{print $1}')
    n_bad=$(echo "${line:-0 passed, 0 failed}" | awk '{print $3}')
    if [ "$status" -ne 0 ] && [ "$n_bad" -eq 0 ]; then n_bad=1; tail -40 "$log"; fi
    echo "$name: $n_ok passed, $n_bad failed"
    passed=$((passed + n_ok)); failed=$((failed + n_bad))
}

[ -f test/psql/run.sh ] && suite "psql-driven tests (\\gexec, kill and resume, offline scripts, dump/restore, extension update, shared graphs)" \
    "$logdir/psql.log" bash test/psql/run.sh
[ -f test/schema/run.sh ] && suite "schema diff corpus (before/after schemas, both ways, catalogs compared)" \
    "$logdir/schema.log" bash test/schema/run.sh
[ -f test/schema/run.sh ] && suite "schema diff property test (generated schema pairs, seed ${SCHEMA_SEED:-20261205})" \
    "$logdir/schema-random.log" bash test/schema/run.sh --random "${SCHEMA_PAIRS:-25}" "${SCHEMA_SEED:-20261205}"
[ -f test/stress/stress.sh ] && suite "pgbench stress (16 clients while revisions are added)" \
    "$logdir/stress.log" bash test/stress/stress.sh
[ -f t/run.sh ] && suite "TAP fault tests (terminate, immediate stop; as postgres)" \
    "$logdir/tap.log" bash t/run.sh
[ -f client/t/run.sh ] && suite "pg_migrate TAP tests (the command line; as postgres)" \
    "$logdir/client.log" bash client/t/run.sh
[ -f fuzz/run.sh ] && suite "fuzzers (libFuzzer, ASan, UBSan; ${FUZZ_SECONDS:-60} s)" \
    "$logdir/fuzz.log" bash fuzz/run.sh "${FUZZ_SECONDS:-60}"
[ -f test/alembic/compare.py ] && suite "differential test against Alembic" \
    "$logdir/alembic.log" /usr/bin/python3 test/alembic/compare.py --seed 1 --cases "${ALEMBIC_CASES:-100}"
[ -f test/pgxn/run.sh ] && suite "PGXN META.json (Meta Spec 1.0.0, and against the tree)" \
    "$logdir/pgxn.log" bash test/pgxn/run.sh
# last: it installs the packages over the source install, then restores it
[ -f test/deb/run.sh ] && suite "Debian packages (dpkg-buildpackage, lintian, install, deploy examples/)" \
    "$logdir/deb.log" bash test/deb/run.sh

rm -rf "$logdir"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
