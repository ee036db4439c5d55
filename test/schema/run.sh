#!/usr/bin/env bash
# The schema diff proved on a corpus of before/after schemas, both ways.
# For each test/schema/cases/NAME.sql (sections "-- before" and "-- after"):
#   build database A from before and B from after; apply diff(A, B) to A;
#   compare A's catalogs with B's (test/schema/catalog.sql, written apart
#   from snapshot()); require diff(A', B) to be empty; then apply the
#   downgrade diff(B, A) and compare with a fresh A the same way.
# "-- renames: {JSON}" names renames from before to after (reversed on the
# way down); "-- up-hazards: a, b" / "-- down-hazards: ..." give the hazards each way
# (none when absent); "-- up-contains: TEXT" / "-- down-contains: TEXT"
# a statement that must be in the script.
# With --random N [SEED], N generated pairs (test/schema/random.sql) take
# the place of the corpus: the property that any schema round-trips.
# test/schema/pending/ holds cases that still fail (not run unless named).
# Run inside a cluster (PG* set), e.g.:  pg_virtualenv bash test/schema/run.sh
# Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
n=0

q() { PGOPTIONS="-c client_min_messages=warning" psql -qXAt -v ON_ERROR_STOP=1 "$@"; }

q -d postgres -c "DROP DATABASE IF EXISTS schema_tmpl" -c "CREATE DATABASE schema_tmpl" >/dev/null || exit 1
q -d schema_tmpl -c "CREATE EXTENSION migrate" || exit 1

fresh() {  # database, SQL file
    q -d postgres -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1 TEMPLATE schema_tmpl" >/dev/null &&
        q -d "$1" -f "$2" >/dev/null
}

snap() { q -d "$1" -c "SELECT migrate.snapshot()"; }
catalog() { q -d "$1" -f test/schema/catalog.sql; }

# the script from one snapshot to another, in file $3; hazards to $4
script() {  # db, from-file, to-file, script-out, hazards-out, renames (JSON or empty)
    local vars=(-d "$1" -v from="$(cat "$2")" -v to="$(cat "$3")" -v renames="${6:-}")
    local call="migrate.diff(:'from', :'to', renames => nullif(:'renames', '')::jsonb)"
    q "${vars[@]}" >"$4" <<<"SELECT statement || ';' FROM $call ORDER BY seq" &&
    q "${vars[@]}" >"$5" <<<"SELECT coalesce(string_agg(DISTINCT h, ', ' ORDER BY h), '') FROM $call, unnest(hazards) h" &&
    q "${vars[@]}" >"$4.outside" <<<"SELECT count(*) FILTER (WHERE NOT transactional) FROM $call"
}

apply() {  # db, script
    if [ "$(cat "$2.outside")" = 0 ]; then
        q -d "$1" -1 -f "$2"
    else
        q -d "$1" -f "$2"
    fi
}

expect_line() {  # case file, directive
    sed -n "s/^-- $2: *//p" "$1" | head -1
}

one_way() {  # case, dir label, db, from json, to json, expected catalog file
    local f=$1 way=$2 db=$3 from=$4 to=$5 want=$6 dir renames
    dir=$work/$way
    mkdir -p "$dir"
    renames=$(expect_line "$f" renames)
    if [ -n "$renames" ] && [ "$way" = down ]; then
        renames=$(q -d "$db" -v r="$renames" <<<"SELECT jsonb_object_agg(value #>> '{}', key) FROM jsonb_each(:'r')")
    fi
    if ! script "$db" "$from" "$to" "$dir/script.sql" "$dir/hazards" "$renames" 2>"$dir/err"; then
        echo "# $way: diff() failed:"; sed 's/^/#   /' "$dir/err"; return 1
    fi
    if ! apply "$db" "$dir/script.sql" >"$dir/out" 2>&1; then
        echo "# $way: the script failed:"; sed 's/^/#   /' "$dir/out"
        echo "# script:"; sed 's/^/#   /' "$dir/script.sql"; return 1
    fi
    catalog "$db" >"$dir/got.cat"
    if ! diff -u "$want" "$dir/got.cat" >"$dir/cat.diff"; then
        echo "# $way: catalogs differ after the script (- wanted, + got):"
        grep '^[-+][^-+]' "$dir/cat.diff" | head -20 | sed 's/^/#   /'
        echo "# script:"; sed 's/^/#   /' "$dir/script.sql"; return 1
    fi
    snap "$db" >"$dir/after.json"
    script "$db" "$dir/after.json" "$to" "$dir/rediff.sql" "$dir/rehz" "" 2>/dev/null
    if [ -s "$dir/rediff.sql" ]; then
        echo "# $way: diff() after the script is not empty:"; sed 's/^/#   /' "$dir/rediff.sql"; return 1
    fi
    local hz_want; hz_want=$(expect_line "$f" "$way-hazards")
    if ! grep -q '^-- random' "$f" && [ "$(cat "$dir/hazards")" != "$hz_want" ]; then
        echo "# $way: hazards are '$(cat "$dir/hazards")', expected '$hz_want'"
        sed 's/^/#   /' "$dir/script.sql"; return 1
    fi
    local want_text
    while IFS= read -r want_text; do
        if ! grep -qF -- "$want_text" "$dir/script.sql"; then
            echo "# $way: no statement contains '$want_text':"; sed 's/^/#   /' "$dir/script.sql"; return 1
        fi
    done < <(sed -n "s/^-- $way-contains: *//p" "$f")
    [ -n "${VERBOSE:-}" ] && sed "s/^/# $way: /" "$dir/script.sql"
    return 0
}

run_case() {  # case file
    local f=$1
    awk '/^-- before/{s=1;next} /^-- after/{s=2;next} s==1' "$f" >"$work/before.sql"
    awk '/^-- after/{s=1;next} s==1' "$f" >"$work/after.sql"
    rm -rf "$work/up" "$work/down"
    fresh schema_a "$work/before.sql" 2>"$work/err" || { echo "# before does not build:"; sed 's/^/#   /' "$work/err"; return 1; }
    fresh schema_b "$work/after.sql" 2>"$work/err" || { echo "# after does not build:"; sed 's/^/#   /' "$work/err"; return 1; }
    snap schema_a >"$work/a.json" && snap schema_b >"$work/b.json" || return 1
    catalog schema_a >"$work/a.cat" && catalog schema_b >"$work/b.cat" || return 1
    if cmp -s "$work/a.cat" "$work/b.cat"; then
        echo "# before and after have the same catalogs: the case proves nothing"; return 1
    fi
    one_way "$f" up schema_a "$work/a.json" "$work/b.json" "$work/b.cat" &&
        one_way "$f" down schema_a "$work/b.json" "$work/a.json" "$work/a.cat"
}

cases=("$@")
if [ "${1:-}" = "--random" ]; then
    count=${2:-20}
    seed=${3:-$(date +%s)}
    echo "# random schemas: $count pairs from seed $seed"
    cases=()
    for i in $(seq 1 "$count"); do
        s=$((seed + i))
        f="$work/random_$s.sql"
        {
            echo "-- random schema pair, seed $s"
            echo "-- before"
            q -d postgres -f test/schema/random.sql -c "SELECT pg_temp.random_schema($s, 0)" || exit 1
            echo "-- after"
            q -d postgres -f test/schema/random.sql -c "SELECT pg_temp.random_schema($s, 1)" || exit 1
        } >"$f" || { echo "# cannot generate random schemas"; echo "0 passed, 1 failed"; exit 1; }
        cases+=("$f")
    done
fi
[ ${#cases[@]} -eq 0 ] && cases=(test/schema/cases/*.sql)
for f in "${cases[@]}"; do
    n=$((n + 1))
    if run_case "$f"; then
        echo "ok $n - $(basename "$f" .sql)"
        passed=$((passed + 1))
    else
        echo "not ok $n - $(basename "$f" .sql)"
        failed=$((failed + 1))
    fi
done
echo "1..$n"
q -d postgres -c "DROP DATABASE IF EXISTS schema_a" -c "DROP DATABASE IF EXISTS schema_b" \
    -c "DROP DATABASE IF EXISTS schema_tmpl" >/dev/null
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
