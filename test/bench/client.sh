#!/usr/bin/env bash
#
# client.sh -- pg_migrate against baselines measured in the same run.
#
#   bash test/bench/client.sh
#
#   1 deploy   pg_migrate upgrade of a directory of N files (default 1,000;
#              chain.sh's ddl workload: a table with an identity key, a
#              default and an index each, every fifth also adds a column to
#              an earlier table) into a fresh database with the extension,
#              connection, reading the files and registering them (sync)
#              included, against psql -X -q -1 -f of the same upgrade
#              sections concatenated, in a fresh database.  Target: ratio
#              <= 1.10.
#   2 no-op    pg_migrate upgrade with nothing to do against a directory of
#              M files (default 10,000) already applied: reading, parsing and
#              syncing every file, then an empty plan.  Target: <= 1 s.  The
#              first upgrade that registers and applies them is reported too,
#              and psql -c 'SELECT 1' as the cost of a connection.
#   3 fleet    D databases (default 20) x R revisions (default 100, ddl):
#              pg_migrate --jobs 4 against --jobs 1, fresh databases each
#              round (ratio < 1: the jobs overlap).
# Medians of BENCH_REPEAT rounds (default 3; the deploy BENCH_REPEAT_DEPLOY,
# default 7, the fleet BENCH_REPEAT_FLEET, default 5), the two sides taking
# turns.
# Every round is checked (current() at the last revision, the tables there)
# and the script exits non-zero only when a step or check fails, never
# because a target is missed.  Re-runs itself under pg_virtualenv with
# max_locks_per_transaction=1024 when PGHOST/PGPORT are unset: the deploy of
# benchmark 1 takes several locks per revision in one transaction.
#
# Environment: BENCH_N, BENCH_M, BENCH_DBS, BENCH_REVS (sizes above),
# BENCH_PARTS ("1 2 3"), BENCH_REPEAT, BENCH_TIMEOUT (600), BENCH_KEEP=1.
set -uo pipefail
SELF=$(readlink -f "$0")
BENCH_NAME=client.sh
# shellcheck source=lib.sh
. "$(dirname "$SELF")/lib.sh"

N=${BENCH_N:-1000}
M=${BENCH_M:-10000}
DBS=${BENCH_DBS:-20}
REVS=${BENCH_REVS:-100}
PARTS=${BENCH_PARTS:-1 2 3}
REPEAT=${BENCH_REPEAT:-3}
# the deploy is a few seconds on a noisy 2-core VM: more rounds for its median
REPEAT_DEPLOY=${BENCH_REPEAT_DEPLOY:-7}
REPEAT_FLEET=${BENCH_REPEAT_FLEET:-5}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-600}

in_virtualenv "client.sh: PGHOST/PGPORT are not set; re-executing inside a throwaway cluster:" \
	"(one transaction creating $N tables with their indexes needs more lock slots than the default 64)"
work_dir client
check_server "the one-transaction deploy"
PGM=$(command -v pg_migrate || echo "$(pg_config --bindir)/pg_migrate")
[[ -x "$PGM" ]] || die "pg_migrate is not installed (make install)"
say "pg_migrate: $PGM"

# ddl_dir DIR COUNT: COUNT revision files of the ddl workload in DIR, named
# so that their order on disk is not their order in the graph, and
# DIR.sql with their upgrade sections in order
ddl_dir() {
	local dir=$1 count=$2 i id prev=""
	mkdir -p "$dir"
	: >"$dir.sql"
	for ((i = 1; i <= count; i++)); do
		id=$(rev_id "$count" "$i")
		{
			echo "-- migrate:revision $id"
			[[ -n "$prev" ]] && echo "-- migrate:revises $prev"
			echo "-- migrate:message create table t$i"
			echo "-- migrate:upgrade"
			echo "CREATE TABLE t$i (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v integer DEFAULT 0, note text);"
			echo "CREATE INDEX t${i}_v ON t$i (v);"
			if ((i % 5 == 0)); then echo "ALTER TABLE t$((i - 3)) ADD COLUMN extra$i integer DEFAULT 1;"; fi
			echo "-- migrate:downgrade"
			if ((i % 5 == 0)); then echo "ALTER TABLE t$((i - 3)) DROP COLUMN extra$i;"; fi
			echo "DROP TABLE t$i;"
		} >"$dir/$(printf '%08d' $(( (i * 7919) % 100000000 )))_$id.sql"
		sed -n '/^-- migrate:upgrade$/,/^-- migrate:downgrade$/p' "$dir/$(printf '%08d' $(( (i * 7919) % 100000000 )))_$id.sql" |
			grep -v '^-- migrate:' >>"$dir.sql"
		prev=$id
	done
}

# check_deployed DB COUNT WHAT: the last revision is current and its table exists
check_deployed() {
	local last
	last=$(rev_id "$2" "$2")
	[[ "$(sql "$1" "SELECT string_agg(c, ',') FROM migrate.current() c")" == "$last" ]] ||
		die "$3: $1 is not at $last"
	[[ "$(sql "$1" "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 't%'")" == "$2" ]] ||
		die "$3: $1 does not have its $2 tables"
}

declare -A SUMMARY
ORDER=()
row() { ORDER+=("$1"); SUMMARY[$1]="$2"; }

# ---------------------------------------------------------------------------
if [[ " $PARTS " == *" 1 "* ]]; then
	say "== 1 deploy: pg_migrate upgrade of $N files vs psql -1 -f of the same SQL"
	ddl_dir "$WORK/deploy" "$N"
	mig=() base=()
	for ((r = 1; r <= REPEAT_DEPLOY; r++)); do
		fresh_db bench_pgm
		sql bench_pgm "CREATE EXTENSION migrate" >/dev/null
		timed t "$WORK/pgm.log" "$PGM" -q -d bench_pgm --dir "$WORK/deploy" upgrade
		check_deployed bench_pgm "$N" "pg_migrate"
		mig+=("$t")
		fresh_db bench_psql
		timed t "$WORK/psql.log" "${PSQL[@]}" -1 -d bench_psql -f "$WORK/deploy.sql"
		[[ "$(sql bench_psql "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" == "$N" ]] ||
			die "psql did not create $N tables"
		base+=("$t")
		say "  round $r: pg_migrate ${mig[-1]} s, psql ${base[-1]} s"
	done
	m=$(median "${mig[@]}")
	b=$(median "${base[@]}")
	row deploy "$(printf '%-34s %8.3f s %8.3f s %6s %10s' "upgrade of $N files" "$m" "$b" "$(ratio "$m" "$b")" "<= 1.10")"
	drop_db bench_pgm
	drop_db bench_psql
fi

# ---------------------------------------------------------------------------
if [[ " $PARTS " == *" 2 "* ]]; then
	say "== 2 no-op: pg_migrate upgrade of $M files already applied"
	dir="$WORK/noop"
	mkdir -p "$dir"
	prev=""
	pad="-- $(printf 'x%.0s' {1..300})"
	for ((i = 1; i <= M; i++)); do
		id=$(rev_id "$M" "$i")
		{
			echo "-- migrate:revision $id"
			[[ -n "$prev" ]] && echo "-- migrate:revises $prev"
			echo "-- migrate:message step $i"
			echo "-- migrate:upgrade"
			echo "$pad"
			echo "SELECT $i;"
			echo "-- migrate:downgrade"
			echo "SELECT -$i;"
		} >"$dir/${id}_step.sql"
		prev=$id
	done
	fresh_db bench_noop
	sql bench_noop "CREATE EXTENSION migrate" >/dev/null
	timed first "$WORK/noop-first.log" "$PGM" -q -d bench_noop --dir "$dir" upgrade
	[[ "$(sql bench_noop "SELECT string_agg(c, ',') FROM migrate.current() c")" == "$(rev_id "$M" "$M")" ]] ||
		die "the first upgrade did not apply all $M revisions"
	noop=() conn=()
	for ((r = 1; r <= REPEAT + 2; r++)); do
		timed t "$WORK/noop.log" "$PGM" -d bench_noop --dir "$dir" upgrade
		grep -q "Nothing to upgrade" "$WORK/noop.log" || die "the no-op upgrade did something" "$WORK/noop.log"
		noop+=("$t")
		say "  round $r: no-op upgrade $t s"
		timed t "$WORK/conn.log" "${PSQL[@]}" -d bench_noop -c "SELECT 1"
		conn+=("$t")
	done
	n=$(median "${noop[@]}")
	c=$(median "${conn[@]}")
	say "  first upgrade (register and apply $M revisions): $first s"
	row noop "$(printf '%-34s %8.3f s %8.3f s %6s %10s' "no-op upgrade, $M files" "$n" "$c" "$(ratio "$n" "$c")" "<= 1 s")"
	row noop_first "$(printf '%-34s %8.3f s %10s %6s %10s' "first upgrade, $M files" "$first" "" "" "")"
	drop_db bench_noop
fi

# ---------------------------------------------------------------------------
if [[ " $PARTS " == *" 3 "* ]]; then
	say "== 3 fleet: $DBS databases x $REVS revisions, --jobs 4 vs --jobs 1"
	ddl_dir "$WORK/fleet" "$REVS"
	: >"$WORK/fleet.txt"
	for ((d = 1; d <= DBS; d++)); do echo "dbname=bench_fleet_$d" >>"$WORK/fleet.txt"; done
	fleet_dbs() {
		for ((d = 1; d <= DBS; d++)); do
			fresh_db "bench_fleet_$d"
			sql "bench_fleet_$d" "CREATE EXTENSION migrate" >/dev/null
		done
	}
	j4=() j1=()
	for ((r = 1; r <= REPEAT_FLEET; r++)); do
		fleet_dbs
		timed t "$WORK/j4.log" "$PGM" -q --dbname-file "$WORK/fleet.txt" --dir "$WORK/fleet" --jobs 4 upgrade
		for ((d = 1; d <= DBS; d++)); do check_deployed "bench_fleet_$d" "$REVS" "--jobs 4"; done
		j4+=("$t")
		fleet_dbs
		timed t "$WORK/j1.log" "$PGM" -q --dbname-file "$WORK/fleet.txt" --dir "$WORK/fleet" --jobs 1 upgrade
		for ((d = 1; d <= DBS; d++)); do check_deployed "bench_fleet_$d" "$REVS" "--jobs 1"; done
		j1+=("$t")
		say "  round $r: --jobs 4 ${j4[-1]} s, --jobs 1 ${j1[-1]} s"
	done
	a=$(median "${j4[@]}")
	b=$(median "${j1[@]}")
	row fleet "$(printf '%-34s %8.3f s %8.3f s %6s %10s' "$DBS dbs x $REVS revs, --jobs 4" "$a" "$b" "$(ratio "$a" "$b")" "< 1")"
	for ((d = 1; d <= DBS; d++)); do drop_db "bench_fleet_$d"; done
fi

say ""
say "== summary ($(nproc) cores; medians of $REPEAT_DEPLOY rounds (deploy), $((REPEAT + 2)) (no-op), $REPEAT_FLEET (fleet); wall clock of one command, connection included)"
printf '%-34s %10s %10s %6s %10s\n' "benchmark" "pg_migrate" "baseline" "ratio" "target"
for k in "${ORDER[@]}"; do say "${SUMMARY[$k]}"; done
say "baselines: deploy = psql -X -q -1 -f of the same upgrade SQL; no-op = psql -c 'SELECT 1' (a connection); fleet = --jobs 1"
