#!/usr/bin/env bash
# The README's pgTAP example, run as written: examples/ deployed with
# pg_migrate up to the production revision, migrate_tap created, and
# examples/test/migrations_test.sql passing under pg_prove.  Its failing
# twin (a revision edited after it was applied) must fail under pg_prove
# with verify()'s diagnostics, so the example cannot pass by accident.
cd "$(dirname "$0")"
. ./helpers.bash

repo=$(cd ../.. && pwd)
newdb T || exit 1
cd "$repo"
check "pg_migrate -d DB --dir examples init" pg_migrate -d "$T" --dir examples init
check "pg_migrate -d DB --dir examples upgrade b7e2c4d91f06" pg_migrate -d "$T" --dir examples upgrade b7e2c4d91f06
check "CREATE EXTENSION migrate_tap CASCADE" "${PSQL[@]}" -q -d "$T" -c 'CREATE EXTENSION migrate_tap CASCADE'
out=$(pg_prove -d "$T" examples/test/migrations_test.sql 2>&1)
status=$?
is "$status" 0 "pg_prove examples/test/migrations_test.sql passes"
like "$out" 'All tests successful' "... All tests successful"
like "$out" 'Files=1, Tests=10' "... its ten tests ran"
is "$(q "$T" "SELECT string_agg(c, ',') FROM migrate.current() c")" "b7e2c4d91f06" \
    "the suite rolled back: the database is still at b7e2c4d91f06"

# an applied revision edited in place: the same suite must now fail
q "$T" "SET migrate.allow_drop = on; UPDATE migrate.revisions SET upgrade_sql = upgrade_sql || ' ' WHERE id = '7b15e0c94a2f'" >/dev/null
out=$(pg_prove -d "$T" examples/test/migrations_test.sql 2>&1)
status=$?
check "pg_prove fails once an applied revision is edited" test "$status" -ne 0
like "$out" 'Failed test 1: "the registered revisions match what was applied"' "... at the verify() assertion"
like "$out" '7b15e0c94a2f' "... naming the edited revision"
finish
