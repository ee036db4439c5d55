#!/usr/bin/env bash
#
# chain.sh -- benchmark migrate.upgrade('heads') on an N-revision chain
# against `psql -X -q -1 -f` of exactly the same SQL, in the same run.
#
# Usage (as root, PostgreSQL 15 installed):
#     test/bench/chain.sh [N]            # default N=10000, or N=... / BENCH_N=...
#
# Without PGHOST/PGPORT set, the script re-executes itself under
#     pg_virtualenv -t -v 15 -o max_locks_per_transaction=1024
# i.e. in a throwaway cluster that is dropped afterwards.  With PGHOST and
# PGPORT set it uses that (local!) server as is; it must allow enough lock
# slots and run on this machine (backend memory is read from /proc).
#
# Environment:
#     BENCH_N / N        number of revisions per chain (argument wins)
#     BENCH_TIMEOUT      seconds allowed per timed step (default 600)
#     BENCH_KEEP=1       keep the work directory (generated SQL, logs)
#
# Exit status is non-zero when any step fails (registration, upgrade, the
# psql baseline, a sanity check, a timeout); never because of a ratio.

set -euo pipefail
export LC_ALL=C

SELF=$(readlink -f "$0")
BENCH_NAME=chain.sh
# shellcheck source=lib.sh
source "$(dirname "$SELF")/lib.sh"
# chain.sh's timings have never been preceded by a CHECKPOINT
TIMED_CHECKPOINT=0

N=${1:-${BENCH_N:-${N:-10000}}}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-600}

[[ "$N" =~ ^[0-9]+$ ]] && (( N >= 10 )) || die "N must be an integer >= 10 (got '$N')"
[[ "$BENCH_TIMEOUT" =~ ^[0-9]+$ ]] || die "BENCH_TIMEOUT must be a number of seconds"

# ---------------------------------------------------------------------------
# Outer run: start a throwaway cluster and re-execute inside it.
# ---------------------------------------------------------------------------
in_virtualenv "chain.sh: starting a throwaway PostgreSQL $PGVER cluster:" \
"  The DDL workload creates ~N tables (plus their sequences, indexes and
  TOAST relations) in ONE transaction, each holding an AccessExclusiveLock
  until commit. The shared lock table has max_locks_per_transaction x
  (max_connections + background processes) slots: ~8,000 with the default
  of 64, far fewer than the ~6 x N the DDL chain needs; so both migrate and
  the psql baseline run with $LOCKS (~125,000 slots)." "$N"

# ---------------------------------------------------------------------------
# Inner run: PGHOST/PGPORT point at the server to use.
# ---------------------------------------------------------------------------
T_START=$EPOCHREALTIME
work_dir chain

UPGRADE="SELECT count(*) FROM migrate.upgrade('heads')"

# check_upgraded DB COUNT LOG: the upgrade returned COUNT rows and applied all
check_upgraded() {
	local rows applied
	rows=$(grep -E '^[0-9]+$' "$3" | tail -n 1)
	applied=$(sql "$1" "SELECT count(*) FROM migrate.log WHERE operation = 'upgrade'")
	[[ "$rows" == "$2" && "$applied" == "$2" ]] ||
		die "$1: upgrade returned '${rows:-?}' steps and logged $applied, expected $2" "$3"
}

# ---------------------------------------------------------------------------
say "chain.sh: N=$N, step timeout ${BENCH_TIMEOUT}s, work dir $WORK"
check_server "the DDL workload"

declare -A REG MIG PSQLT
for workload in trivial ddl; do
	say ""
	say "== workload $workload, N=$N =="
	register_chain "reg_$workload" "$workload" "$N"
	REG[$workload]=$REG_SECS
	say "registered $N revisions as one chain in one transaction: ${REG_SECS}s"
	dump_up "reg_$workload" "$WORK/$workload.sql"
	say "baseline script: $WORK/$workload.sql ($(wc -c <"$WORK/$workload.sql") bytes, $(grep -c ';$' "$WORK/$workload.sql") statements)"

	# migrate: the timed run works on a copy so reg_* stays a pristine template
	clone_db "reg_$workload" "mig_$workload"
	timed MIG_SECS "$WORK/mig_$workload.log" \
		"${PSQL[@]}" -At -d "mig_$workload" -c "$UPGRADE"
	check_upgraded "mig_$workload" "$N" "$WORK/mig_$workload.log"
	MIG[$workload]=$MIG_SECS
	say "migrate: psql -c \"$UPGRADE\": ${MIG_SECS}s"

	# baseline: the same scripts, one transaction, in a fresh database
	fresh_db "psql_$workload"
	timed PSQL_SECS "$WORK/psql_$workload.log" \
		"${PSQL[@]}" -1 -d "psql_$workload" -f "$WORK/$workload.sql"
	PSQLT[$workload]=$PSQL_SECS
	say "psql:    psql -X -q -1 -f $workload.sql: ${PSQL_SECS}s"

	if [[ $workload == ddl ]]; then
		# both databases must now hold the same schema
		q="SELECT count(*) || '/' || sum(relnatts) FROM pg_class WHERE relname LIKE 'bench\_t%' AND relkind = 'r'"
		a=$(sql mig_ddl "$q") b=$(sql psql_ddl "$q")
		[[ "$a" == "$b" && "${a%%/*}" == "$N" ]] ||
			die "schemas differ: migrate tables/columns $a, psql $b (expected $N tables)"
		say "schema check: $a tables/columns in both databases"
	fi
	sql postgres "DROP DATABASE mig_$workload" >/dev/null
	sql postgres "DROP DATABASE psql_$workload" >/dev/null
	[[ $workload == trivial ]] || sql postgres "DROP DATABASE reg_$workload" >/dev/null
done

# ---------------------------------------------------------------------------
# Memory, trivial workload: migrate at N/10 and N, psql -1 -f at N/10 and N,
# each probed in the same session right after the workload (still inside
# its transaction for both, so leaks into transaction memory would show).
# ---------------------------------------------------------------------------
N10=$(( N / 10 ))
say ""
say "== memory, trivial workload (N/10=$N10 and N=$N) =="
register_chain reg_small trivial "$N10"
dump_up reg_small "$WORK/trivial_small.sql"

for p in idle mig_small mig_big psql_small psql_big; do write_probe "$p" basic; done
"${PSQL[@]}" -d postgres -f "$WORK/probe_idle.sql" >"$WORK/mem_idle.log" 2>&1 ||
	die "idle probe" "$WORK/mem_idle.log"

clone_db reg_small mem_mig_small
timed MEM_SECS "$WORK/mem_mig_small.log" \
	"${PSQL[@]}" -At -1 -d mem_mig_small -c "$UPGRADE" -f "$WORK/probe_mig_small.sql"
check_upgraded mem_mig_small "$N10" "$WORK/mem_mig_small.log"

clone_db reg_trivial mem_mig_big
timed MEM_SECS "$WORK/mem_mig_big.log" \
	"${PSQL[@]}" -At -1 -d mem_mig_big -c "$UPGRADE" -f "$WORK/probe_mig_big.sql"
check_upgraded mem_mig_big "$N" "$WORK/mem_mig_big.log"

fresh_db mem_psql_small
timed MEM_SECS "$WORK/mem_psql_small.log" \
	"${PSQL[@]}" -1 -d mem_psql_small -f "$WORK/trivial_small.sql" -f "$WORK/probe_psql_small.sql"
fresh_db mem_psql_big
timed MEM_SECS "$WORK/mem_psql_big.log" \
	"${PSQL[@]}" -1 -d mem_psql_big -f "$WORK/trivial.sql" -f "$WORK/probe_psql_big.sql"

for p in idle mig_small mig_big psql_small psql_big; do
	printf '  %-11s pid %-7s VmHWM %7s kB  VmRSS %7s kB  RssAnon %7s kB  RssShmem %7s kB  contexts %10s bytes\n' \
		"$p" "$(mem_field $p pid)" "$(mem_field $p VmHWM)" "$(mem_field $p VmRSS)" \
		"$(mem_field $p RssAnon)" "$(mem_field $p RssShmem)" "$(mem_field $p ctx)"
done
for db in reg_trivial reg_small mem_mig_small mem_mig_big mem_psql_small mem_psql_big; do
	sql postgres "DROP DATABASE $db" >/dev/null
done

# ---------------------------------------------------------------------------
# Memory inside one run: revisions N/10 and N read the backend's own
# /proc/self/status and memory contexts while the upgrade is running, so the
# difference is what the steps in between kept (the graph is loaded before
# step 1 and is the same at both probes).
# ---------------------------------------------------------------------------
register_inrun mem_inrun "$N" "$N10" "$N"
# work_mem of 64kB makes the result rows (one per step, held by the set-
# returning function up to work_mem) spill to disk, isolating the runner.
PGOPTIONS="-c work_mem=64kB" timed MEM_SECS "$WORK/mem_inrun.log" \
	"${PSQL[@]}" -At -1 -d mem_inrun -c "$UPGRADE"
read -r IN_S1 _ IN_A1 _ IN_C1 IN_S2 _ IN_A2 _ IN_C2 <<<"$(inrun_result mem_inrun)"
[[ -n "${IN_C2:-}" ]] || die "in-run probes missing" "$WORK/mem_inrun.log"
sql postgres "DROP DATABASE mem_inrun" >/dev/null

# ---------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------
say ""
say "== summary (N=$N; seconds are wall clock of one psql call, connection included) =="
printf '%-8s %7s %10s %10s %10s %8s %16s\n' workload N register_s migrate_s psql_s ratio "overhead_us/rev"
for workload in trivial ddl; do
	printf '%-8s %7d %10.3f %10.3f %10.3f %8s %16s\n' "$workload" "$N" \
		"${REG[$workload]}" "${MIG[$workload]}" "${PSQLT[$workload]}" \
		"$(ratio "${MIG[$workload]}" "${PSQLT[$workload]}")" \
		"$(per_rev "${MIG[$workload]}" "${PSQLT[$workload]}" "$N")"
done
say ""
say "memory (trivial workload; backend peak RSS = VmHWM, includes shared memory it touched):"
printf '  %-34s %10s kB\n' "idle backend VmHWM" "$(mem_field idle VmHWM)"
printf '  %-34s %10s kB   contexts %10s bytes\n' \
	"migrate VmHWM at N/10=$N10" "$(mem_field mig_small VmHWM)" "$(mem_field mig_small ctx)" \
	"migrate VmHWM at N=$N" "$(mem_field mig_big VmHWM)" "$(mem_field mig_big ctx)" \
	"psql -1 -f VmHWM at N/10=$N10" "$(mem_field psql_small VmHWM)" "$(mem_field psql_small ctx)" \
	"psql -1 -f VmHWM at N=$N" "$(mem_field psql_big VmHWM)" "$(mem_field psql_big ctx)"
printf '  %-34s %10s   (1.00 = flat per revision)\n' "migrate VmHWM N / N/10" \
	"$(ratio "$(mem_field mig_big VmHWM)" "$(mem_field mig_small VmHWM)")"
printf '  %-34s %10s\n' "psql -1 -f VmHWM N / N/10" \
	"$(ratio "$(mem_field psql_big VmHWM)" "$(mem_field psql_small VmHWM)")"
printf '  %-34s %10s\n' "migrate / psql -1 -f VmHWM at N" \
	"$(ratio "$(mem_field mig_big VmHWM)" "$(mem_field psql_big VmHWM)")"
printf '  %-34s %10s\n' "migrate contexts N / N/10" \
	"$(ratio "$(mem_field mig_big ctx)" "$(mem_field mig_small ctx)")"
say "  (contexts = sum(total_bytes) of pg_backend_memory_contexts after the upgrade"
say "   statement, still in its transaction: memory freed at the end of the statement"
say "   is not in it, but it is in VmHWM; compare VmRSS with VmHWM in the detail lines)"
say ""
say "memory inside one upgrade of N=$N trivial revisions (read by the running steps; work_mem=64kB):"
printf '  %-34s %10s kB   contexts %10s bytes\n' \
	"at step $IN_S1: RssAnon" "$IN_A1" "$IN_C1" \
	"at step $IN_S2: RssAnon" "$IN_A2" "$IN_C2"
printf '  %-34s %10s\n' "RssAnon kept per step (bytes)" \
	"$(awk -v a="$IN_A1" -v b="$IN_A2" -v s="$IN_S1" -v t="$IN_S2" 'BEGIN { printf "%.1f", (b - a) * 1024 / (t - s) }')"
printf '  %-34s %10s\n' "contexts kept per step (bytes)" \
	"$(awk -v a="$IN_C1" -v b="$IN_C2" -v s="$IN_S1" -v t="$IN_S2" 'BEGIN { printf "%.1f", (b - a) / (t - s) }')"
say ""
say "total runtime: $(secs "$T_START" "$EPOCHREALTIME")s"
