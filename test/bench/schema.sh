#!/usr/bin/env bash
#
# schema.sh -- the schema diff at size: snapshot(), diff() and drift() on
# a database of N tables (default 1,000) of 10 columns, each with a primary
# key, a check, an index and a foreign key to the table before it, each
# against a baseline measured in the same run.
#
#   bash test/bench/schema.sh [N]
#
#   snapshot  SELECT migrate.snapshot()                       target <= 1 s
#             baseline: pg_dump --schema-only of the same database
#   diff      migrate.diff(a, b) of two snapshots of that size, b with a
#             column added to every tenth table and an index changed on
#             every twentieth                                  target <= 0.2 s
#             baseline: the naive comparison in SQL, the keys whose values
#             differ (jsonb_each of both, full join), without statements
#   drift     SELECT * FROM migrate.drift() on the unchanged database right
#             after an upgrade recorded it                     target <= 1 s
#             baseline: snapshot() alone
# Each timed with psql's \timing inside one session (the statement, not
# the connection): median of BENCH_REPEAT calls (default 5) after one
# warm-up call.  Creating N tables with their keys and indexes in one
# transaction takes about 5 N locks, so like the other benchmarks it re-runs
# itself under pg_virtualenv with max_locks_per_transaction=1024.  Exits
# non-zero when a step or check fails, never because a target is missed.
set -uo pipefail
SELF=$(readlink -f "$0")
BENCH_NAME=schema.sh
# shellcheck source=lib.sh
. "$(dirname "$SELF")/lib.sh"

N=${1:-${N:-1000}}
REPEAT=${BENCH_REPEAT:-5}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-600}

in_virtualenv "schema.sh: no PGHOST/PGPORT; running itself on a throwaway cluster:" \
	"(creating $N tables with keys and indexes in one transaction needs more than the default 64 lock slots)" "$@"
check_server "creating the tables"
work_dir schema

# build DB: N tables, every tenth changed when VARIANT=1
build() {
	local db=$1 variant=$2
	fresh_db "$db"
	"${PSQL[@]}" -d "$db" >"$WORK/build-$db.log" 2>&1 <<SQL || die "building $db" "$WORK/build-$db.log"
CREATE EXTENSION migrate;
DO \$\$
DECLARE i int;
BEGIN
  FOR i IN 1..$N LOOP
    EXECUTE format('CREATE TABLE t%s (id bigint PRIMARY KEY, parent bigint %s,
        c1 text NOT NULL DEFAULT ''x'', c2 int, c3 numeric(10,2), c4 timestamptz DEFAULT now(),
        c5 boolean, c6 text, c7 jsonb, c8 int CHECK (c8 > 0)%s)',
      i, CASE WHEN i > 1 THEN format('REFERENCES t%s', i - 1) ELSE '' END,
      CASE WHEN $variant = 1 AND i % 10 = 0 THEN ', c9 text' ELSE '' END);
    EXECUTE format('CREATE INDEX t%s_c2 ON t%s (c2%s)', i, i,
      CASE WHEN $variant = 1 AND i % 20 = 0 THEN ', c6' ELSE '' END);
  END LOOP;
END \$\$;
SQL
}

# median of the \timing lines (ms) in a psql log
median_ms() {
	sed -nE 's/^Time: ([0-9.]+) ms.*/\1/p' "$1" | tail -n "$REPEAT" | sort -n |
		awk '{ v[NR] = $1 } END { if (NR == 0) exit 1; printf "%.1f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# time_sql DB NAME SQL: run SQL 1 + REPEAT times in one session, median ms
time_sql() {
	local db=$1 name=$2 query=$3 i
	{
		echo '\timing on'
		for ((i = 0; i <= REPEAT; i++)); do echo "$query"; done
	} >"$WORK/$name.sql"
	timeout "$BENCH_TIMEOUT" "${PSQL[@]}" -d "$db" -o /dev/null -f "$WORK/$name.sql" >"$WORK/$name.log" 2>&1 ||
		die "$name" "$WORK/$name.log"
	median_ms "$WORK/$name.log" || die "$name: no timings" "$WORK/$name.log"
}

say "building two databases of $N tables x 10 columns (keys, checks, indexes, foreign keys)"
build bench_a 0
build bench_b 1
tables=$(sql bench_a "SELECT count(*) FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace")
[[ "$tables" == "$N" ]] || die "bench_a has $tables tables, expected $N"
# the snapshots to diff, kept in a table of the first database
sql bench_b "SELECT migrate.snapshot()" >"$WORK/b.json" || die "snapshot of bench_b"
# (CSV with a quote and delimiter JSON cannot hold: the line as it is)
"${PSQL[@]}" -d bench_a >/dev/null <<SQL || die "keeping the snapshots"
CREATE TABLE snaps AS SELECT migrate.snapshot() AS a, NULL::jsonb AS b;
CREATE TEMP TABLE b_text (b text);
\copy b_text FROM '$WORK/b.json' WITH (FORMAT csv, QUOTE E'\x01', DELIMITER E'\x02')
UPDATE snaps SET b = (SELECT b::jsonb FROM b_text);
SQL
objects=$(sql bench_a "SELECT count(*) FROM snaps, jsonb_object_keys(a->'objects')")
changes=$(sql bench_a "SELECT count(*) FROM snaps, migrate.diff(a, b)")
expected=$(( N / 10 + 2 * (N / 20) ))
[[ "$changes" == "$expected" ]] || die "diff(a, b) has $changes statements, expected $expected"
say "one snapshot: $objects objects, $(sql bench_a "SELECT pg_column_size(a) FROM snaps") bytes stored; diff(a, b): $changes statements"

snap_ms=$(time_sql bench_a snapshot "SELECT migrate.snapshot();")
t0=$EPOCHREALTIME
for ((i = 0; i < REPEAT; i++)); do
	pg_dump --schema-only -d bench_a -f /dev/null || die "pg_dump"
done
t1=$EPOCHREALTIME
dump_ms=$(awk -v a="$t0" -v b="$t1" -v n="$REPEAT" 'BEGIN { printf "%.1f", (b - a) * 1000 / n }')

diff_ms=$(time_sql bench_a diff "SELECT count(*) FROM snaps, migrate.diff(a, b);")
naive_ms=$(time_sql bench_a naive "SELECT count(*) FROM snaps, jsonb_each(a->'objects') x FULL JOIN jsonb_each(b->'objects') y USING (key) WHERE x.value IS DISTINCT FROM y.value;")

# record the schema with an upgrade, then drift() on the unchanged database
sql bench_a "SELECT migrate.revision('bench', 'SELECT 1', id => 'bench1')" >/dev/null || die "revision"
sql bench_a "SELECT count(*) FROM migrate.upgrade('heads')" >/dev/null || die "upgrade"
[[ "$(sql bench_a "SELECT count(*) FROM migrate.drift()")" == 0 ]] || die "drift() of an unchanged database is not empty"
drift_ms=$(time_sql bench_a drift "SELECT count(*) FROM migrate.drift();")
snap2_ms=$(time_sql bench_a snapshot2 "SELECT migrate.snapshot();")

row() {  # name value_ms baseline_ms baseline_name target_ms
	awk -v n="$1" -v v="$2" -v b="$3" -v bn="$4" -v t="$5" 'BEGIN {
		printf "%-9s %9.1f ms  %-28s %9.1f ms  ratio %5.2f  target <= %5d ms  %s\n",
			n, v, bn, b, v / b, t, (v <= t) ? "met" : "MISSED" }'
}
say ""
say "N=$N tables, median of $REPEAT calls"
row snapshot "$snap_ms" "$dump_ms" "pg_dump --schema-only" 1000
row diff "$diff_ms" "$naive_ms" "naive jsonb comparison" 200
row drift "$drift_ms" "$snap2_ms" "snapshot() alone" 1000
for db in bench_a bench_b; do drop_db "$db"; done
