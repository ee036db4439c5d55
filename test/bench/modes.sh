#!/usr/bin/env bash
#
# modes.sh -- benchmark the production-operation modes of migrate on N
# realistic DDL revisions, each against a baseline measured in the same run.
#
# Usage (as root, PostgreSQL 15 and the extension installed):
#     test/bench/modes.sh [N]            # default N=1000, or N=... / BENCH_N=...
#
# The revisions are chain.sh's ddl workload (each creates a table with an
# identity primary key, a column default and an index; every fifth also
# adds a column to an earlier table), with downgrade scripts that undo them.
# They are registered once per size in a template database; every
# measurement runs on a fresh copy of it (CREATE DATABASE ... TEMPLATE), and
# every psql baseline runs in a fresh database without migrate, executing
# exactly the scripts stored in migrate.revisions.
#
#   mode 1  each       CALL migrate.upgrade_each('heads')  (commit per revision)
#                      vs psql -f of the scripts, each revision in BEGIN/COMMIT
#   mode 2  gexec      SELECT * FROM migrate.upgrade_statements('heads') \gexec
#                      (one apply_step transaction per revision) vs the same
#                      per-revision-transaction psql baseline
#   mode 3  offline    psql -1 -f of the text of migrate.upgrade_sql('heads')
#                      vs psql -1 -f of the plain scripts (one transaction)
#   mode 4  dry_run    migrate.upgrade('heads', dry_run => true)
#                      vs migrate.upgrade('heads')
#   mode 5  lock_tmo   migrate.upgrade('heads') under SET migrate.lock_timeout
#                      = '5s' (each statement in a subtransaction) vs without
#   mode 6  roundtrip  migrate.check_roundtrip() vs migrate.upgrade('heads')
#
# Every run is checked: after an upgrade, migrate.current() is the last
# revision, migrate.log holds N upgrade rows without error and the N tables
# hold their 3N + N/5 columns (the psql baselines: the same tables and
# columns); upgrade_each and \gexec committed at least N transactions
# (pg_stat_database); the offline script ran; the dry run reported every
# step with its new table's AccessExclusiveLock and nothing rewritten;
# migrate.lock_timeout was in force; check_roundtrip() found no problem;
# and the dry run and check_roundtrip() left no table, version or log row.
# A CHECKPOINT precedes every timed step.  Seconds are wall clock of one
# psql call (connection included), the median of BENCH_REPEAT rounds.
#
# Without PGHOST/PGPORT set, the script re-executes itself under
#     pg_virtualenv -t -v 15 -o max_locks_per_transaction=1024
# i.e. in a throwaway cluster that is dropped afterwards.  With PGHOST and
# PGPORT set it uses that server as is; it must allow enough lock slots.
#
# Environment:
#     BENCH_N / N        number of revisions (argument wins)
#     BENCH_N1..BENCH_N6 number of revisions for one mode (default N), for a
#                        mode too slow to run at N
#     BENCH_MODES        the modes to run, e.g. "1 2 3" (default all six)
#     BENCH_REPEAT       rounds per measurement, migrate and baseline taking
#                        turns; medians are reported (default 3)
#     BENCH_REPEAT_LIMIT a measurement whose first round (migrate + baseline)
#                        took more seconds than this runs once (default 20)
#     BENCH_SCALE=0      skip the runs at half size; by default every mode
#                        also runs at N/2 and the summary prints growth
#                        factors (2.00 = linear, 4.00 = quadratic)
#     BENCH_TIMEOUT      seconds allowed per timed step (default 600)
#     BENCH_KEEP=1       keep the work directory (generated SQL, logs)
#
# Exit status is non-zero when any step fails (registration, a migrate run,
# a psql baseline, a sanity check, a timeout); never because of a ratio.

set -euo pipefail
export LC_ALL=C

SELF=$(readlink -f "$0")
BENCH_NAME=modes.sh
# shellcheck source=lib.sh
source "$(dirname "$SELF")/lib.sh"

N=${1:-${BENCH_N:-${N:-1000}}}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-600}
BENCH_MODES=${BENCH_MODES:-1 2 3 4 5 6}
BENCH_SCALE=${BENCH_SCALE:-1}
BENCH_REPEAT=${BENCH_REPEAT:-3}
BENCH_REPEAT_LIMIT=${BENCH_REPEAT_LIMIT:-20}

[[ "$N" =~ ^[0-9]+$ ]] && (( N >= 10 )) || die "N must be an integer >= 10 (got '$N')"
[[ "$BENCH_TIMEOUT" =~ ^[0-9]+$ ]] || die "BENCH_TIMEOUT must be a number of seconds"
[[ "$BENCH_REPEAT" =~ ^[1-9][0-9]*$ ]] || die "BENCH_REPEAT must be a positive integer"
[[ "$BENCH_REPEAT_LIMIT" =~ ^[0-9]+$ ]] || die "BENCH_REPEAT_LIMIT must be a number of seconds"
[[ "$BENCH_SCALE" == 0 || "$BENCH_SCALE" == 1 ]] || die "BENCH_SCALE must be 0 or 1"
declare -A MODE_N
for m in $BENCH_MODES; do
	[[ "$m" =~ ^[1-6]$ ]] || die "BENCH_MODES holds '$m'; modes are 1 to 6"
	v=BENCH_N$m
	MODE_N[$m]=${!v:-$N}
	[[ "${MODE_N[$m]}" =~ ^[0-9]+$ ]] && (( MODE_N[$m] >= 10 )) ||
		die "$v must be an integer >= 10 (got '${MODE_N[$m]}')"
done

# ---------------------------------------------------------------------------
# Outer run: start a throwaway cluster and re-execute inside it.
# ---------------------------------------------------------------------------
in_virtualenv "modes.sh: starting a throwaway PostgreSQL $PGVER cluster:" \
"  The single-transaction modes (offline script, upgrade(), dry run, lock
  timeouts, round trips) hold about six locks per revision until the end;
  the default of 64 slots per connection runs out near 1,570 revisions." "$N"

# ---------------------------------------------------------------------------
# Inner run: PGHOST/PGPORT point at the server to use.
# ---------------------------------------------------------------------------
T_START=$EPOCHREALTIME
work_dir modes

# register COUNT: template database reg_COUNT with the extension and the
# COUNT-revision ddl chain (lib.sh's register_chain: one transaction, with
# downgrades), once per size; the scripts dumped for the psql baselines:
#   plain_COUNT.sql  the upgrade scripts in chain order
#   each_COUNT.sql   the same, each revision between BEGIN; and COMMIT;
declare -A REGISTERED
register() {
	local count=$1 db=reg_$1
	[[ -n "${REGISTERED[$count]:-}" ]] && return 0
	register_chain "$db" ddl "$count"
	dump_up "$db" "$WORK/plain_$count.sql"
	"${PSQL[@]}" -At -d "$db" -o "$WORK/each_$count.sql" \
		-c "SELECT E'BEGIN;\n' || upgrade_sql || E'COMMIT;' FROM migrate.revisions ORDER BY position" ||
		die "dumping upgrade scripts of $db"
	REGISTERED[$count]=1
	say "registered $count revisions in $db: ${REG_SECS}s; baseline scripts $(wc -c <"$WORK/plain_$count.sql") bytes, $(grep -c ';$' "$WORK/plain_$count.sql") statements"
}

# What a database holds: applied heads, log rows (all / upgrades without
# error), the bench tables and their columns.
STATE_Q="SELECT concat_ws(' ',
    'current=' || coalesce((SELECT string_agg(c, ',' ORDER BY c) FROM migrate.current() c), ''),
    'log=' || (SELECT count(*) FROM migrate.log),
    'ok_upgrades=' || (SELECT count(*) FROM migrate.log WHERE operation = 'upgrade' AND sqlstate IS NULL),
    'tables=' || (SELECT count(*) FROM pg_class WHERE relname LIKE 'bench\_t%' AND relkind = 'r'),
    'columns=' || (SELECT coalesce(sum(relnatts), 0) FROM pg_class WHERE relname LIKE 'bench\_t%' AND relkind = 'r'))"
SCHEMA_Q="SELECT concat_ws(' ',
    'tables=' || (SELECT count(*) FROM pg_class WHERE relname LIKE 'bench\_t%' AND relkind = 'r'),
    'columns=' || (SELECT coalesce(sum(relnatts), 0) FROM pg_class WHERE relname LIKE 'bench\_t%' AND relkind = 'r'))"

# expect_state DB WANT WHAT [LOG]
expect_state() {
	local got
	got=$(sql "$1" "$STATE_Q") || die "reading the state of $1"
	[[ "$got" == "$2" ]] || die "$3: $1 holds '$got', expected '$2'" "${4:-}"
}
# applied COUNT / untouched: what expect_state wants after a full upgrade / none
applied() { printf 'current=%s log=%d ok_upgrades=%d tables=%d columns=%d' \
	"$(rev_id "$1" "$1")" "$1" "$1" "$1" $(( 3 * $1 + $1 / 5 )); }
untouched() { printf 'current= log=0 ok_upgrades=0 tables=0 columns=0'; }
# expect_schema DB COUNT WHAT [LOG]: a baseline database holds all tables
expect_schema() {
	local got want
	want=$(printf 'tables=%d columns=%d' "$2" $(( 3 * $2 + $2 / 5 )))
	got=$(sql "$1" "$SCHEMA_Q") || die "reading the schema of $1"
	[[ "$got" == "$want" ]] || die "$3: $1 holds '$got', expected '$want'" "${4:-}"
}

# commits DB: transactions committed in DB so far (pg_stat_database; a
# backend reports its counts when it goes idle or exits)
commits() { sql postgres "SELECT xact_commit FROM pg_stat_database WHERE datname = '$1'"; }
# committed_since DB BEFORE AT_LEAST: wait up to 5 s for the counts of the
# psql run that just ended, print the number of commits since BEFORE
committed_since() {
	local i got=0
	for (( i = 0; i < 50; i++ )); do
		got=$(( $(commits "$1") - $2 ))
		(( got >= $3 )) && break
		sleep 0.1
	done
	printf '%d' "$got"
}

# ---------------------------------------------------------------------------
# The measurements.  mig_M COUNT TAG runs mode M's migrate side on a fresh
# copy of reg_COUNT and sets MIG_S (seconds) and NOTE (one line of detail);
# the base_* functions run a baseline and set BASE_S.  TAG names the
# databases and logs of one run.  Each checks what the run left behind.
# ---------------------------------------------------------------------------
UPGRADE="SELECT 'result ' || count(*) FROM migrate.upgrade('heads')"

# base_each COUNT TAG: psql -f, each revision in its own BEGIN/COMMIT
base_each() {
	local db=b_$2
	fresh_db "$db"
	timed BASE_S "$WORK/$db.log" "${PSQL[@]}" -d "$db" -f "$WORK/each_$1.sql"
	expect_schema "$db" "$1" "psql -f each_$1.sql" "$WORK/$db.log"
	drop_db "$db"
}

# base_single COUNT TAG: psql -1 -f of the plain scripts
base_single() {
	local db=b_$2
	fresh_db "$db"
	timed BASE_S "$WORK/$db.log" "${PSQL[@]}" -1 -d "$db" -f "$WORK/plain_$1.sql"
	expect_schema "$db" "$1" "psql -1 -f plain_$1.sql" "$WORK/$db.log"
	drop_db "$db"
}

# base_upgrade COUNT TAG: migrate.upgrade('heads') on a fresh copy
base_upgrade() {
	local db=u_$2
	clone_db "reg_$1" "$db"
	timed BASE_S "$WORK/$db.log" "${PSQL[@]}" -At -d "$db" -c "$UPGRADE"
	[[ "$(result "$WORK/$db.log")" == "$1" ]] || die "upgrade('heads') did not return $1 steps" "$WORK/$db.log"
	expect_state "$db" "$(applied "$1")" "upgrade('heads')" "$WORK/$db.log"
	drop_db "$db"
}

mig_1() {
	local n=$1 db=m_$2 before ncommit
	clone_db "reg_$n" "$db"
	before=$(commits "$db")
	timed MIG_S "$WORK/$db.log" "${PSQL[@]}" -d "$db" -c "CALL migrate.upgrade_each('heads')"
	ncommit=$(committed_since "$db" "$before" "$n")
	(( ncommit >= n )) || die "upgrade_each committed $ncommit transactions, expected at least $n (one per revision)" "$WORK/$db.log"
	expect_state "$db" "$(applied "$n")" "upgrade_each" "$WORK/$db.log"
	NOTE="$ncommit commits (pg_stat_database) for $n revisions"
	drop_db "$db"
}

mig_2() {
	local n=$1 db=m_$2 rows before ncommit
	clone_db "reg_$n" "$db"
	printf '%s\n' "SELECT * FROM migrate.upgrade_statements('heads') \\gexec" >"$WORK/gexec.sql"
	before=$(commits "$db")
	timed MIG_S "$WORK/$db.log" "${PSQL[@]}" -At -d "$db" -f "$WORK/gexec.sql"
	ncommit=$(committed_since "$db" "$before" "$n")
	(( ncommit >= n )) || die "\\gexec committed $ncommit transactions, expected at least $n (one per revision)" "$WORK/$db.log"
	expect_state "$db" "$(applied "$n")" "upgrade_statements \\gexec" "$WORK/$db.log"
	rows=$(grep -c '^upgrade ' "$WORK/$db.log" || true)
	[[ "$rows" == "$n" ]] || die "\\gexec ran $rows apply_step calls, expected $n" "$WORK/$db.log"
	NOTE="$rows apply_step calls, $ncommit commits (pg_stat_database)"
	drop_db "$db"
}

mig_3() {
	local n=$1 db=m_$2 gen_s stmts
	clone_db "reg_$n" "$db"
	# the script is made from the database it runs on, outside the timing
	timed gen_s "$WORK/gen_$2.log" "${PSQL[@]}" -At -d "$db" -o "$WORK/offline_$2.sql" \
		-c "SELECT migrate.upgrade_sql('heads')"
	stmts=$(grep -c ';$' "$WORK/offline_$2.sql" || true)
	# psql -1 around a script with its own BEGIN/COMMIT warns twice; that is
	# how README.md runs it
	timed MIG_S "$WORK/$db.log" "${PSQL[@]}" -1 -d "$db" -f "$WORK/offline_$2.sql"
	expect_state "$db" "$(applied "$n")" "psql -1 -f upgrade_sql('heads')" "$WORK/$db.log"
	NOTE="upgrade_sql() took ${gen_s}s to make $(wc -c <"$WORK/offline_$2.sql") bytes, $stmts statements ($(grep -c ';$' "$WORK/plain_$n.sql") in the plain scripts)"
	drop_db "$db"
}

mig_4() {
	local n=$1 db=m_$2 got steps locked rewrote nlocks
	clone_db "reg_$n" "$db"
	timed MIG_S "$WORK/$db.log" "${PSQL[@]}" -At -d "$db" -c \
		"SELECT 'result ' || count(*) || ' ' || count(*) FILTER (WHERE 'AccessExclusiveLock on public.bench_t' || ltrim(substr(revision, 2), '0') = ANY (locks))
		        || ' ' || count(*) FILTER (WHERE cardinality(rewritten) > 0) || ' ' || coalesce(sum(cardinality(locks)), 0)
		   FROM migrate.upgrade('heads', dry_run => true)"
	got=$(result "$WORK/$db.log")
	read -r steps locked rewrote nlocks <<<"$got"
	[[ "$steps" == "$n" && "$locked" == "$n" && "$rewrote" == 0 ]] ||
		die "dry run: '$got' (steps, steps reporting ACCESS EXCLUSIVE on their table, steps rewriting, locks); expected $n $n 0" "$WORK/$db.log"
	expect_state "$db" "$(untouched)" "the dry run left something behind" "$WORK/$db.log"
	NOTE="$steps steps, each reporting its new table's AccessExclusiveLock; $nlocks new locks in all, nothing rewritten, nothing left"
	drop_db "$db"
}

mig_5() {
	local n=$1 db=m_$2 got
	clone_db "reg_$n" "$db"
	timed MIG_S "$WORK/$db.log" "${PSQL[@]}" -At -d "$db" \
		-c "SET migrate.lock_timeout = '5s'" -c "$UPGRADE" \
		-c "SELECT 'setting ' || current_setting('migrate.lock_timeout')"
	[[ "$(result "$WORK/$db.log")" == "$n" ]] || die "upgrade('heads') under migrate.lock_timeout did not return $n steps" "$WORK/$db.log"
	got=$(grep -E '^setting ' "$WORK/$db.log" | cut -d' ' -f2)
	[[ "$got" == 5s ]] || die "migrate.lock_timeout was '$got' in the session, expected 5s" "$WORK/$db.log"
	expect_state "$db" "$(applied "$n")" "upgrade('heads') under migrate.lock_timeout" "$WORK/$db.log"
	NOTE="migrate.lock_timeout = $got; $(grep -c ';$' "$WORK/plain_$n.sql") statements, each in its own subtransaction"
	drop_db "$db"
}

mig_6() {
	local n=$1 db=m_$2 got
	clone_db "reg_$n" "$db"
	timed MIG_S "$WORK/$db.log" "${PSQL[@]}" -At -d "$db" -c \
		"SELECT 'result ' || count(*) || ' ' || coalesce(string_agg(revision || ': ' || problem, '; '), '') FROM migrate.check_roundtrip()"
	got=$(result "$WORK/$db.log")
	[[ "$got" == "0 " || "$got" == 0 ]] || die "check_roundtrip() found problems: $got" "$WORK/$db.log"
	expect_state "$db" "$(untouched)" "check_roundtrip() left something behind" "$WORK/$db.log"
	NOTE="no problems, nothing left (3 steps and 3 schema fingerprints per revision)"
	drop_db "$db"
}

declare -A NAME WHAT BASE BASEFN
NAME[1]=each;      WHAT[1]="CALL upgrade_each('heads')";                 BASE[1]="psql -f, BEGIN/COMMIT per revision"; BASEFN[1]=base_each
NAME[2]=gexec;     WHAT[2]="upgrade_statements('heads') \\gexec";        BASE[2]="psql -f, BEGIN/COMMIT per revision"; BASEFN[2]=base_each
NAME[3]=offline;   WHAT[3]="psql -1 -f of upgrade_sql('heads')";         BASE[3]="psql -1 -f of the plain scripts";    BASEFN[3]=base_single
NAME[4]=dry_run;   WHAT[4]="upgrade('heads', dry_run => true)";          BASE[4]="upgrade('heads')";                   BASEFN[4]=base_upgrade
NAME[5]=lock_tmo;  WHAT[5]="upgrade('heads') with migrate.lock_timeout"; BASE[5]="upgrade('heads')";                   BASEFN[5]=base_upgrade
NAME[6]=roundtrip; WHAT[6]="check_roundtrip()";                          BASE[6]="upgrade('heads')";                   BASEFN[6]=base_upgrade

# measure M COUNT: mode M at COUNT revisions, migrate and baseline taking
# turns, BENCH_REPEAT rounds (one when the first took over
# BENCH_REPEAT_LIMIT seconds); sets MED_M, MED_B, RUNS and NOTE.
measure() {
	local m=$1 n=$2 r runs_m=() runs_b=()
	register "$n"
	for (( r = 1; r <= BENCH_REPEAT; r++ )); do
		"mig_$m" "$n" "${m}_${n}_$r"
		"${BASEFN[$m]}" "$n" "${m}_${n}_$r"
		runs_m+=("$MIG_S") runs_b+=("$BASE_S")
		if (( r == 1 )) && awk -v a="$MIG_S" -v b="$BASE_S" -v l="$BENCH_REPEAT_LIMIT" 'BEGIN { exit !(a + b > l) }'; then
			break
		fi
	done
	MED_M=$(median "${runs_m[@]}") MED_B=$(median "${runs_b[@]}") RUNS=${#runs_m[@]}
	say "N=$n: migrate ${MED_M}s (${runs_m[*]}), baseline ${MED_B}s (${runs_b[*]}): ratio $(ratio "$MED_M" "$MED_B"), overhead $(per_rev "$MED_M" "$MED_B" "$n") us/revision"
	say "      $NOTE"
}

# ---------------------------------------------------------------------------
say "modes.sh: N=$N, modes: $BENCH_MODES, up to $BENCH_REPEAT rounds each (one above ${BENCH_REPEAT_LIMIT}s), $( [[ $BENCH_SCALE == 1 ]] && echo "also at N/2, " )step timeout ${BENCH_TIMEOUT}s, work dir $WORK"
check_server "single-transaction modes"

declare -A MIG BASE_T NOTES NRUNS HALF_MIG HALF_BASE
for m in $BENCH_MODES; do
	n=${MODE_N[$m]}
	say ""
	say "== mode $m (${NAME[$m]}): ${WHAT[$m]}  vs  ${BASE[$m]} =="
	if [[ "$BENCH_SCALE" == 1 ]]; then
		measure "$m" $(( n / 2 ))
		HALF_MIG[$m]=$MED_M HALF_BASE[$m]=$MED_B
	fi
	measure "$m" "$n"
	MIG[$m]=$MED_M BASE_T[$m]=$MED_B NOTES[$m]=$NOTE NRUNS[$m]=$RUNS
done
for s in "${!REGISTERED[@]}"; do drop_db "reg_$s"; done

# ---------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------
say ""
say "== summary (ddl revisions; seconds are wall clock of one psql call, connection included) =="
printf '%-2s %-10s %6s %5s %10s %10s %7s %15s' "#" mode N runs migrate_s baseline_s ratio "overhead_us/rev"
if [[ "$BENCH_SCALE" == 1 ]]; then printf ' %7s %7s' mig_x2 base_x2; fi
printf '\n'
for m in $BENCH_MODES; do
	n=${MODE_N[$m]}
	printf '%-2s %-10s %6d %5d %10.3f %10.3f %7s %15s' "$m" "${NAME[$m]}" "$n" "${NRUNS[$m]}" "${MIG[$m]}" "${BASE_T[$m]}" \
		"$(ratio "${MIG[$m]}" "${BASE_T[$m]}")" "$(per_rev "${MIG[$m]}" "${BASE_T[$m]}" "$n")"
	if [[ "$BENCH_SCALE" == 1 ]]; then
		printf ' %7s %7s' "$(ratio "${MIG[$m]}" "${HALF_MIG[$m]}")" "$(ratio "${BASE_T[$m]}" "${HALF_BASE[$m]}")"
	fi
	printf '\n'
done
say ""
for m in $BENCH_MODES; do
	printf '  %s %-9s %s  vs  %s\n' "$m" "${NAME[$m]}" "${WHAT[$m]}" "${BASE[$m]}"
	printf '    %s\n' "${NOTES[$m]}"
	if [[ $m == 6 ]]; then
		printf '    check_roundtrip() %s ms/revision, upgrade(%s) %s ms/revision\n' \
			"$(awk -v s="${MIG[$m]}" -v n="${MODE_N[$m]}" 'BEGIN { printf "%.2f", s * 1000 / n }')" "'heads'" \
			"$(awk -v s="${BASE_T[$m]}" -v n="${MODE_N[$m]}" 'BEGIN { printf "%.2f", s * 1000 / n }')"
	fi
done
say "  runs: rounds measured at N (migrate and baseline taking turns); seconds are their medians"
if [[ "$BENCH_SCALE" == 1 ]]; then
	say "  mig_x2, base_x2: median time at N divided by median time at N/2 (2.00 = linear, 4.00 = quadratic)"
fi
say ""
say "total runtime: $(secs "$T_START" "$EPOCHREALTIME")s"
