#!/usr/bin/env bash
#
# targets.sh -- every benchmark of issue 4, in one run, each against its
# target (and, where there is one, against psql running the same SQL in
# the same run):
#
#   1  1,000 and 5,000 realistic DDL revisions (chain.sh's ddl generator,
#      with downgrades): SELECT count(*) FROM migrate.upgrade('heads'), then
#      migrate.downgrade('base'), against psql -X -q -1 -f of exactly the same
#      upgrade scripts, then of the downgrade scripts in reverse order, in a
#      fresh database.  Target: migrate/psql <= 1.00 for each.
#   2  10,000 trivial revisions (SELECT 1): migrate's bookkeeping per
#      revision, (migrate - psql running the same 10,000 statements in one
#      transaction) / 10,000, against two baselines: psql -1 -f (a round
#      trip per statement) and psql -c of the whole file (one multi-statement
#      query: one round trip, like migrate's one call).  Target <= 50 us
#      for each.  migrate's absolute us/revision as well.
#   3  a database holding 100,000 registered revisions (one chain, each
#      registered by migrate.revision() with an explicit down_revision, in
#      one plpgsql loop), all applied by upgrade('heads'): the time of
#          SELECT * FROM migrate.upgrade('heads')   (nothing to do)
#          SELECT * FROM migrate.current()
#          SELECT * FROM migrate.heads()
#          SELECT * FROM migrate.status()
#          SELECT * FROM migrate.history() LIMIT 20 (reported: the whole
#                                                    history is read first)
#          SELECT * FROM migrate.history(page_size => 20) (the first page)
#          SELECT migrate.graph(depth => 10)         (reported)
#      warm (calls 2..BENCH_CALLS+1 in one backend, median), cold (the first
#      call in a fresh connection, median of BENCH_CALLS connections) and
#      rebuild (the first call after a statement changed migrate.revisions).
#      The graph of each committed generation is built once, by the first
#      call that needs it, and shared between backends in a dynamic shared
#      memory segment (src/cache.c): a cold call maps it, a rebuild builds
#      it.  Target <= 50 ms each (warm and cold; rebuild reported).
#   4  backend memory of the 10,000-revision trivial upgrade against psql
#      -1 -f of the same SQL: (a) peak (VmHWM from /proc/PID/status) and
#      the sum of pg_backend_memory_contexts right after the run, at N/10
#      and at N (reported); (b) inside one run, read by statements N/10 and
#      N themselves: VmHWM, RssAnon, RssShmem and contexts.  Flat per
#      revision: the backend's own memory (RssAnon, contexts) kept per step
#      between the two probes <= 16 bytes.
#
# Usage (as root, PostgreSQL 15 and the extension installed):
#     test/bench/targets.sh
#
# Without PGHOST/PGPORT set, the script re-executes itself under
#     pg_virtualenv -t -v 15 -o max_locks_per_transaction=1024
# i.e. in a throwaway cluster (fsync off) that is dropped afterwards: the
# DDL chains hold about six locks per revision in one transaction.  With
# PGHOST and PGPORT set it uses that server as is; it must be local (the
# memory probe reads /proc) and allow enough lock slots.
#
# Environment:
#     BENCH_PARTS         benchmarks to run (default "1 2 3 4")
#     BENCH_SIZES         DDL chain sizes of benchmark 1 (default "1000 5000")
#     BENCH_TRIVIAL       trivial chain size of benchmarks 2 and 4 (default 10000)
#     BENCH_BIG           registered revisions of benchmark 3 (default 100000)
#     BENCH_CALLS         calls / fresh connections per function (default 5)
#     BENCH_REPEAT        rounds of benchmark 1, migrate and psql taking
#                         turns, medians reported (default 3)
#     BENCH_REPEAT_TRIVIAL  rounds of benchmark 2 (default 5)
#     BENCH_REPEAT_LIMIT  a size whose first round took longer than this many
#                         seconds runs once (default 120)
#     BENCH_TIMEOUT       seconds allowed per timed step (default 600)
#     BENCH_KEEP=1        keep the work directory (generated SQL, logs)
#
# Exit status is non-zero when a step fails (registration, a migrate run,
# a psql baseline, a sanity check, a timeout); never because a target is
# missed.

set -euo pipefail
export LC_ALL=C

SELF=$(readlink -f "$0")
BENCH_NAME=targets.sh
# shellcheck source=lib.sh
source "$(dirname "$SELF")/lib.sh"

BENCH_PARTS=${BENCH_PARTS:-1 2 3 4}
BENCH_SIZES=${BENCH_SIZES:-1000 5000}
BENCH_TRIVIAL=${BENCH_TRIVIAL:-10000}
BENCH_BIG=${BENCH_BIG:-100000}
BENCH_CALLS=${BENCH_CALLS:-5}
BENCH_REPEAT=${BENCH_REPEAT:-3}
BENCH_REPEAT_TRIVIAL=${BENCH_REPEAT_TRIVIAL:-5}
BENCH_REPEAT_LIMIT=${BENCH_REPEAT_LIMIT:-120}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-600}

for v in BENCH_TRIVIAL BENCH_BIG; do
	[[ "${!v}" =~ ^[0-9]+$ ]] && (( ${!v} >= 100 )) || die "$v must be an integer >= 100 (got '${!v}')"
done
for n in $BENCH_SIZES; do
	[[ "$n" =~ ^[0-9]+$ ]] && (( n >= 10 )) || die "BENCH_SIZES holds '$n'; sizes are integers >= 10"
done
for p in $BENCH_PARTS; do
	[[ "$p" =~ ^[1-4]$ ]] || die "BENCH_PARTS holds '$p'; benchmarks are 1 to 4"
done
for v in BENCH_CALLS BENCH_REPEAT BENCH_REPEAT_TRIVIAL; do
	[[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer"
done
[[ "$BENCH_REPEAT_LIMIT" =~ ^[0-9]+$ ]] || die "BENCH_REPEAT_LIMIT must be a number of seconds"
[[ "$BENCH_TIMEOUT" =~ ^[0-9]+$ ]] || die "BENCH_TIMEOUT must be a number of seconds"

# ---------------------------------------------------------------------------
# Outer run: start a throwaway cluster and re-execute inside it.
# ---------------------------------------------------------------------------
in_virtualenv "targets.sh: PGHOST/PGPORT are not set; re-executing inside a throwaway
PostgreSQL $PGVER cluster (dropped afterwards, fsync off):" \
"  The DDL chains create thousands of tables (with their sequences, indexes
  and TOAST relations) in ONE transaction, each holding an AccessExclusiveLock
  until commit; with the default of 64 lock slots per connection the shared
  lock table runs out near 1,570 revisions, so migrate and the psql baseline
  both run with $LOCKS."

# ---------------------------------------------------------------------------
# Inner run: PGHOST/PGPORT point at the server to use.
# ---------------------------------------------------------------------------
T_START=$EPOCHREALTIME
work_dir targets

has_part() { [[ " $BENCH_PARTS " == *" $1 "* ]]; }

# Summary rows: benchmark, value, target, met
SUM_B=() SUM_V=() SUM_T=() SUM_M=()
row() { SUM_B+=("$1") SUM_V+=("$2") SUM_T+=("$3") SUM_M+=("$4"); }
yesno() { if le "$1" "$2"; then printf yes; else printf NO; fi; }

say "targets.sh: benchmarks $BENCH_PARTS; step timeout ${BENCH_TIMEOUT}s; work dir $WORK"
if [[ "${BENCH_INNER:-}" == 1 ]]; then
	say "running inside the throwaway pg_virtualenv cluster (PGHOST=$PGHOST PGPORT=$PGPORT)"
else
	say "using the server at PGHOST=$PGHOST PGPORT=$PGPORT as it is"
fi
sql postgres "SELECT 1" >/dev/null || die "cannot connect to PGHOST=$PGHOST PGPORT=$PGPORT"
say "date: $(date -u)"
say "machine: nproc $(nproc), MemTotal $(awk '/^MemTotal:/ { printf "%d kB (%.1f GiB)", $2, $2 / 1048576 }' /proc/meminfo), $(uname -srm)"
say "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (other work on this machine adds noise to every timing)"
say "server: $(sql postgres "SELECT version()" | cut -d, -f1); max_locks_per_transaction=$(sql postgres "SHOW max_locks_per_transaction"), fsync=$(sql postgres "SHOW fsync"), shared_buffers=$(sql postgres "SHOW shared_buffers"), work_mem=$(sql postgres "SHOW work_mem")"
[[ "$(sql postgres "SELECT count(*) FROM pg_available_extensions WHERE name = 'migrate'")" == 1 ]] ||
	die "extension migrate is not installed for this server"
say "extension: migrate $(sql postgres "SELECT default_version FROM pg_available_extensions WHERE name = 'migrate'") (migrate.so of $(stat -c %y "/usr/lib/postgresql/$PGVER/lib/migrate.so" 2>/dev/null | cut -d. -f1))"
(( $(sql postgres "SHOW max_locks_per_transaction") >= LOCKS )) ||
	say "WARNING: max_locks_per_transaction < $LOCKS: the DDL chains may fail with 53200 (out of shared memory)"

UPGRADE="SELECT 'result ' || count(*) FROM migrate.upgrade('heads')"
DOWNGRADE="SELECT 'result ' || count(*) FROM migrate.downgrade('base')"

STATE_Q="SELECT concat_ws(' ',
    'current=' || coalesce((SELECT string_agg(c, ',' ORDER BY c) FROM migrate.current() c), ''),
    'upgrades=' || (SELECT count(*) FROM migrate.log WHERE operation = 'upgrade' AND sqlstate IS NULL),
    'downgrades=' || (SELECT count(*) FROM migrate.log WHERE operation = 'downgrade' AND sqlstate IS NULL))"
SCHEMA_Q="SELECT concat_ws(' ',
    'tables=' || (SELECT count(*) FROM pg_class WHERE relname LIKE 'bench\_t%' AND relkind = 'r'),
    'columns=' || (SELECT coalesce(sum(relnatts), 0) FROM pg_class WHERE relname LIKE 'bench\_t%' AND relkind = 'r'),
    'indexes=' || (SELECT count(*) FROM pg_class WHERE relname LIKE 'bench\_t%' AND relkind = 'i'))"
# every column (type, nullability, identity, default) and index of public
FINGERPRINT_Q="SELECT md5(coalesce(string_agg(x, E'\n' ORDER BY x), '')) FROM (
    SELECT c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' '
           || a.attnotnull || ' ' || a.attidentity::text || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '') AS x
      FROM pg_class c
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
     WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
    UNION ALL
    SELECT pg_get_indexdef(i.indexrelid)
      FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
     WHERE c.relnamespace = 'public'::regnamespace) s"

# expect DB QUERY WANT WHAT [LOG]
expect() {
	local got
	got=$(sql "$1" "$2") || die "reading the state of $1 ($4)"
	[[ "$got" == "$3" ]] || die "$4: $1 holds '$got', expected '$3'" "${5:-}"
}
ddl_schema() { printf 'tables=%d columns=%d indexes=%d' "$1" $(( 3 * $1 + $1 / 5 )) $(( 2 * $1 )); }
NO_SCHEMA='tables=0 columns=0 indexes=0'

# ===========================================================================
# 1. DDL chains: upgrade('heads') and downgrade('base') against psql -1 -f
# ===========================================================================
declare -A D_MU D_MD D_PU D_PD D_RUNS
ddl_round() {
	local n=$1 r=$2 db rows
	# migrate, on a fresh copy of the registered chain
	db=m_ddl_$n
	clone_db "reg_ddl_$n" "$db"
	timed MU "$WORK/$db.up.$r.log" "${PSQL[@]}" -At -d "$db" -c "$UPGRADE"
	rows=$(result "$WORK/$db.up.$r.log")
	[[ "$rows" == "$n" ]] || die "upgrade('heads') returned '$rows' steps, expected $n" "$WORK/$db.up.$r.log"
	expect "$db" "$STATE_Q" "current=$(rev_id "$n" "$n") upgrades=$n downgrades=0" "upgrade('heads')" "$WORK/$db.up.$r.log"
	expect "$db" "$SCHEMA_Q" "$(ddl_schema "$n")" "upgrade('heads')" "$WORK/$db.up.$r.log"
	FP_M=$(sql "$db" "$FINGERPRINT_Q") || die "schema fingerprint of $db"
	timed MD "$WORK/$db.down.$r.log" "${PSQL[@]}" -At -d "$db" -c "$DOWNGRADE"
	rows=$(result "$WORK/$db.down.$r.log")
	[[ "$rows" == "$n" ]] || die "downgrade('base') returned '$rows' steps, expected $n" "$WORK/$db.down.$r.log"
	expect "$db" "$STATE_Q" "current= upgrades=$n downgrades=$n" "downgrade('base')" "$WORK/$db.down.$r.log"
	expect "$db" "$SCHEMA_Q" "$NO_SCHEMA" "downgrade('base')" "$WORK/$db.down.$r.log"
	drop_db "$db"

	# psql, the same scripts in a fresh database without migrate
	db=p_ddl_$n
	fresh_db "$db"
	timed PU "$WORK/$db.up.$r.log" "${PSQL[@]}" -1 -d "$db" -f "$WORK/up_$n.sql"
	expect "$db" "$SCHEMA_Q" "$(ddl_schema "$n")" "psql -1 -f up_$n.sql" "$WORK/$db.up.$r.log"
	FP_P=$(sql "$db" "$FINGERPRINT_Q") || die "schema fingerprint of $db"
	[[ "$FP_M" == "$FP_P" ]] || die "N=$n: the schema migrate made (md5 $FP_M) differs from psql's (md5 $FP_P)"
	timed PD "$WORK/$db.down.$r.log" "${PSQL[@]}" -1 -d "$db" -f "$WORK/down_$n.sql"
	expect "$db" "$SCHEMA_Q" "$NO_SCHEMA" "psql -1 -f down_$n.sql" "$WORK/$db.down.$r.log"
	drop_db "$db"
}

if has_part 1; then
	for n in $BENCH_SIZES; do
		say ""
		say "== 1. DDL chain, N=$n: upgrade('heads') + downgrade('base')  vs  psql -1 -f of the same scripts =="
		register_chain "reg_ddl_$n" ddl "$n"
		dump_up "reg_ddl_$n" "$WORK/up_$n.sql"
		dump_down "reg_ddl_$n" "$WORK/down_$n.sql"
		say "registered $n revisions in one transaction: ${REG_SECS}s; upgrade scripts $(wc -c <"$WORK/up_$n.sql") bytes, $(grep -c ';$' "$WORK/up_$n.sql") statements; downgrade scripts $(grep -c ';$' "$WORK/down_$n.sql") statements"
		mu=() md=() pu=() pd=()
		for (( r = 1; r <= BENCH_REPEAT; r++ )); do
			t0=$EPOCHREALTIME
			ddl_round "$n" "$r"
			mu+=("$MU") md+=("$MD") pu+=("$PU") pd+=("$PD")
			say "  round $r: migrate upgrade ${MU}s downgrade ${MD}s; psql upgrade ${PU}s downgrade ${PD}s (same schema: md5 $FP_M)"
			if (( r == 1 )) && ! le "$(secs "$t0" "$EPOCHREALTIME")" "$BENCH_REPEAT_LIMIT"; then
				say "  (first round took over ${BENCH_REPEAT_LIMIT}s: one round only)"
				break
			fi
		done
		D_MU[$n]=$(median "${mu[@]}") D_MD[$n]=$(median "${md[@]}")
		D_PU[$n]=$(median "${pu[@]}") D_PD[$n]=$(median "${pd[@]}") D_RUNS[$n]=${#mu[@]}
		drop_db "reg_ddl_$n"
		for op in upgrade downgrade; do
			if [[ $op == upgrade ]]; then m=${D_MU[$n]} p=${D_PU[$n]}; else m=${D_MD[$n]} p=${D_PD[$n]}; fi
			say "N=$n $op: migrate ${m}s, psql ${p}s, ratio $(ratio "$m" "$p") (median of ${D_RUNS[$n]}), overhead $(per_rev "$m" "$p" "$n") us/revision"
			row "1 ddl N=$n $op migrate/psql" "$(ratio "$m" "$p") (${m}s/${p}s)" "<= 1.00" "$(yesno "$(ratio "$m" "$p")" 1.00)"
		done
	done
fi

# ===========================================================================
# 2. trivial chain: migrate's bookkeeping per revision
# ===========================================================================
NT=$BENCH_TRIVIAL
NT10=$(( NT / 10 ))
if has_part 2 || has_part 4; then
	say ""
	say "registering the trivial chains (SELECT 1; N=$NT and N/10=$NT10) ..."
	register_chain reg_triv trivial "$NT"
	say "registered $NT trivial revisions in one transaction: ${REG_SECS}s"
	dump_up reg_triv "$WORK/triv.sql"
fi
if has_part 2; then
	say ""
	say "== 2. trivial chain, N=$NT: upgrade('heads')  vs  the same $NT statements through psql, in one transaction =="
	say "   baselines: psql -1 -f triv.sql (one round trip per statement, as in benchmark 1) and"
	say "   psql -c \"\$(cat triv.sql)\" (all $NT statements in one query string: one round trip, one"
	say "   implicit transaction, like migrate's single call)"
	tm=() tp=() tq=()
	for (( r = 1; r <= BENCH_REPEAT_TRIVIAL; r++ )); do
		clone_db reg_triv m_triv
		timed M "$WORK/m_triv.$r.log" "${PSQL[@]}" -At -d m_triv -c "$UPGRADE"
		[[ "$(result "$WORK/m_triv.$r.log")" == "$NT" ]] || die "upgrade('heads') did not return $NT steps" "$WORK/m_triv.$r.log"
		expect m_triv "$STATE_Q" "current=$(rev_id "$NT" "$NT") upgrades=$NT downgrades=0" "upgrade('heads')" "$WORK/m_triv.$r.log"
		drop_db m_triv
		fresh_db p_triv
		timed P "$WORK/p_triv.$r.log" "${PSQL[@]}" -1 -d p_triv -f "$WORK/triv.sql"
		got=$(grep -cx ' *1' "$WORK/p_triv.$r.log" || true)
		[[ "$got" == "$NT" ]] || die "psql -1 -f triv.sql printed $got results, expected $NT" "$WORK/p_triv.$r.log"
		drop_db p_triv
		fresh_db q_triv
		timed Q "$WORK/q_triv.$r.log" "${PSQL[@]}" -d q_triv -c "$(<"$WORK/triv.sql")"
		drop_db q_triv
		tm+=("$M") tp+=("$P") tq+=("$Q")
		say "  round $r: migrate ${M}s, psql -1 -f ${P}s, psql -c (one query) ${Q}s"
	done
	T_M=$(median "${tm[@]}") T_P=$(median "${tp[@]}") T_Q=$(median "${tq[@]}")
	T_OVER_F=$(per_rev "$T_M" "$T_P" "$NT")
	T_OVER_Q=$(per_rev "$T_M" "$T_Q" "$NT")
	T_ABS=$(per_rev "$T_M" 0 "$NT")
	say "N=$NT medians: migrate ${T_M}s (${tm[*]}), psql -1 -f ${T_P}s (${tp[*]}), psql -c ${T_Q}s (${tq[*]})"
	say "  migrate's bookkeeping: $T_OVER_Q us/revision over the one-query baseline, $T_OVER_F us/revision"
	say "  over psql -1 -f (whose round trip per statement costs $(per_rev "$T_P" "$T_Q" "$NT") us more than the"
	say "  one-query run here, and varies with how the two processes get scheduled); migrate"
	say "  absolute: $T_ABS us/revision"
	say "  (wall clock of one psql call each, connection included; migrate's includes loading"
	say "   the extension library and building the $NT-revision graph once)"
	row "2 trivial N=$NT overhead vs psql -c, us/rev" "$T_OVER_Q" "<= 50" "$(yesno "$T_OVER_Q" 50)"
	row "2 trivial N=$NT overhead vs psql -1 -f" "$T_OVER_F" "<= 50" "$(yesno "$T_OVER_F" 50)"
	row "2 trivial N=$NT migrate us/rev" "$T_ABS" "(info)" "-"
fi

# ===========================================================================
# 3. reading functions with BENCH_BIG registered and applied revisions
# ===========================================================================
# timing_session DB LOG QUERY COUNT: run QUERY COUNT times in one new session with
# psql's \timing (the client's wall clock of the statement: sent to result
# received, connection set-up excluded), rows discarded; print the times
timing_session() {
	local db=$1 log=$2 q=$3 n=$4 i args=(-c '\timing on' -c '\o /dev/null')
	for (( i = 0; i < n; i++ )); do args+=(-c "$q"); done
	timeout "$BENCH_TIMEOUT" "${PSQL[@]}" -d "$db" "${args[@]}" >"$log" 2>&1 || die "$q" "$log"
	[[ "$(grep -c '^Time: ' "$log")" == "$n" ]] || die "no \\timing output for $q" "$log"
	grep '^Time: ' "$log" | awk '{ print $2 }'
}

if has_part 3; then
	NB=$BENCH_BIG
	LAST=$(rev_id "$NB" "$NB")
	say ""
	say "== 3. reading functions on a database holding $NB registered and applied revisions =="
	register_chain big padded "$NB"
	B_REG=$REG_SECS
	say "registered $NB revisions (~230-byte scripts) one migrate.revision() call at a time, in one"
	say "  transaction: ${B_REG}s ($(per_rev "$B_REG" 0 "$NB") us/revision)"
	PGOPTIONS="-c client_min_messages=warning" timed B_UP "$WORK/big_up.log" \
		"${PSQL[@]}" -At -d big -c "$UPGRADE"
	[[ "$(result "$WORK/big_up.log")" == "$NB" ]] || die "upgrade('heads') did not return $NB steps" "$WORK/big_up.log"
	say "applied them all with upgrade('heads') (NOTICEs off): ${B_UP}s ($(per_rev "$B_UP" 0 "$NB") us/revision)"
	expect big "$STATE_Q" "current=$LAST upgrades=$NB downgrades=0" "upgrade('heads') of $NB"
	sql big "VACUUM (ANALYZE) migrate.revisions, migrate.version, migrate.log" >/dev/null ||
		die "VACUUM ANALYZE"
	say "VACUUM (ANALYZE) of migrate's tables, as autovacuum would: revisions $(sql big "SELECT pg_size_pretty(pg_total_relation_size('migrate.revisions'))"), log $(sql big "SELECT pg_size_pretty(pg_total_relation_size('migrate.log'))")"

	# what each call must return (checked once, untimed)
	expect big "SELECT count(*) FROM migrate.upgrade('heads')" 0 "upgrade('heads') with nothing to do"
	expect big "SELECT string_agg(c, ',') FROM migrate.current() c" "$LAST" "current()"
	expect big "SELECT string_agg(revision, ',') FROM migrate.heads()" "$LAST" "heads()"
	expect big "SELECT array_to_string(current, ',') || ' ' || array_to_string(heads, ',') || ' ' || coalesce(cardinality(pending), 0) FROM migrate.status()" "$LAST $LAST 0" "status()"
	expect big "SELECT count(*) || ' ' || min(revision) || ' ' || max(revision) || ' ' || bool_and(applied) FROM (SELECT * FROM migrate.history() LIMIT 20) h" \
		"20 $(rev_id "$NB" $(( NB - 19 ))) $LAST true" "history() LIMIT 20"

	expect big "SELECT count(*) || ' ' || min(revision) || ' ' || max(revision) || ' ' || bool_and(applied AND applied_at IS NOT NULL) FROM migrate.history(page_size => 20) h" \
		"20 $(rev_id "$NB" $(( NB - 19 ))) $LAST true" "history(page_size => 20)"
	expect big "SELECT count(*) FROM migrate.history(page_size => 20, after => '$(rev_id "$NB" $(( NB - 19 )))')" \
		"20" "history(page_size => 20, after => ...)"
	expect big "SELECT migrate.graph(depth => 10) LIKE '%$LAST%[head]%99990 revisions not shown%'" "t" "graph(depth => 10)"

	# history() LIMIT 20 reads the whole history first (a set-returning
	# function is materialized before LIMIT): page_size is the way to page
	FN_NAME=(upgrade current heads status history history_page graph_depth)
	FN_Q=("SELECT * FROM migrate.upgrade('heads')"
		"SELECT * FROM migrate.current()"
		"SELECT * FROM migrate.heads()"
		"SELECT * FROM migrate.status()"
		"SELECT * FROM migrate.history() LIMIT 20"
		"SELECT * FROM migrate.history(page_size => 20)"
		"SELECT migrate.graph(depth => 10)")
	declare -A FN_TARGET=([history]="(info)" [graph_depth]="(info)")
	# a statement that changes migrate.revisions and nothing a call returns:
	# the next call anywhere must build the graph of the new generation
	TOUCH="UPDATE migrate.revisions SET message = message WHERE id = '$(rev_id "$NB" 1)'"
	shm_segments() { ls /dev/shm/PostgreSQL.* 2>/dev/null | sort; }
	declare -A WARM COLD BUILD
	SEG_B=
	printf '%-46s %8s %8s %8s   %s\n' "query (ms, psql \\timing)" warm cold rebuild \
		"warm calls 2..$(( BENCH_CALLS + 1 )) | cold first calls | rebuilds"
	for i in "${!FN_NAME[@]}"; do
		f=${FN_NAME[$i]} q=${FN_Q[$i]}
		b=()
		for (( k = 1; k <= BENCH_CALLS; k++ )); do
			sql big "$TOUCH" >/dev/null || die "$TOUCH"
			shm_segments >"$WORK/shm_before"
			b+=("$(timing_session big "$WORK/build_${f}_$k.log" "$q" 1)")
			if [[ -z "$SEG_B" ]]; then
				seg=$(shm_segments | comm -13 "$WORK/shm_before" - | head -n 1)
				[[ -n "$seg" ]] && SEG_B=$(stat -c %s "$seg")
			fi
		done
		mapfile -t w < <(timing_session big "$WORK/warm_$f.log" "$q" $(( BENCH_CALLS + 1 )))
		c=()
		for (( k = 1; k <= BENCH_CALLS; k++ )); do
			c+=("$(timing_session big "$WORK/cold_${f}_$k.log" "$q" 1)")
		done
		WARM[$f]=$(median "${w[@]:1}") COLD[$f]=$(median "${c[@]}") BUILD[$f]=$(median "${b[@]}")
		printf '%-46s %8s %8s %8s   %s | %s | %s\n' "$q" "${WARM[$f]}" "${COLD[$f]}" "${BUILD[$f]}" \
			"${w[*]:1}" "${c[*]}" "${b[*]}"
		if [[ "${FN_TARGET[$f]:-}" == "(info)" ]]; then
			row "3 $f() warm, $NB revisions, ms" "${WARM[$f]}" "(info)" "-"
			row "3 $f() cold, $NB revisions, ms" "${COLD[$f]}" "(info)" "-"
		else
			row "3 $f() warm, $NB revisions, ms" "${WARM[$f]}" "<= 50" "$(yesno "${WARM[$f]}" 50)"
			row "3 $f() cold, $NB revisions, ms" "${COLD[$f]}" "<= 50" "$(yesno "${COLD[$f]}" 50)"
		fi
		row "3 $f() first after a change, ms" "${BUILD[$f]}" "(info)" "-"
	done
	say "  warm: median of calls 2..$(( BENCH_CALLS + 1 )) in one session (the graph cached by the first);"
	say "  cold: median of the first call in $BENCH_CALLS fresh connections (library load and catalog"
	say "  caches included; the graph mapped from the shared segment an earlier connection built);"
	say "  rebuild: median of the first call after a change to migrate.revisions ($BENCH_CALLS times"
	say "  \"$TOUCH\"), which builds the graph of the new generation and shares it: once"
	say "  per change and server, whichever connection calls first (shared buffers warm in all three)"
	# what a backend keeps of its own once it has called migrate
	GRAPH_B=$(sql big "SELECT count(*) FROM migrate.upgrade('heads');
		SELECT sum(total_bytes) FROM pg_backend_memory_contexts
		 WHERE name = 'migrate graph'" | tail -n 1)
	[[ "$GRAPH_B" =~ ^[0-9]+$ ]] || die "reading the size of the cached graph ('$GRAPH_B')"
	say "  a backend that has planned an upgrade keeps $GRAPH_B bytes of its own for the graph of $NB"
	say "  revisions ('migrate graph' context: traversal marks, $(per_rev "$GRAPH_B" 0 "$(( NB * 1000000 ))") B per revision); the graph"
	say "  itself is one shared segment of ${SEG_B:-?} bytes ($(per_rev "${SEG_B:-0}" 0 "$(( NB * 1000000 ))") B per revision) for all backends"
	row "3 registration of $NB, s" "$B_REG" "(info)" "-"
	row "3 graph memory per backend, MB" "$(awk -v b="$GRAPH_B" 'BEGIN { printf "%.1f", b / 1048576 }')" "(info)" "-"
	row "3 shared graph segment, MB" "$(awk -v b="${SEG_B:-0}" 'BEGIN { printf "%.1f", b / 1048576 }')" "(info)" "-"
	row "3 upgrade('heads') of $NB trivial, s" "$B_UP" "(info)" "-"
	drop_db big
fi

# ===========================================================================
# 4. memory of the trivial upgrade at N/10 and N, against psql
# ===========================================================================
if has_part 4; then
	say ""
	say "== 4. backend memory, trivial chain at N/10=$NT10 and N=$NT: upgrade('heads')  vs  psql -1 -f =="
	register_chain reg_triv_small trivial "$NT10"
	dump_up reg_triv_small "$WORK/triv_small.sql"
	for p in idle mig_small mig_big psql_small psql_big; do write_probe "$p"; done
	"${PSQL[@]}" -d postgres -f "$WORK/probe_idle.sql" >"$WORK/mem_idle.log" 2>&1 ||
		die "idle probe" "$WORK/mem_idle.log"
	# each probe runs in the workload's session and transaction, right after it
	clone_db reg_triv_small mem_mig_small
	timed S "$WORK/mem_mig_small.log" \
		"${PSQL[@]}" -At -1 -d mem_mig_small -c "$UPGRADE" -f "$WORK/probe_mig_small.sql"
	[[ "$(result "$WORK/mem_mig_small.log")" == "$NT10" ]] || die "upgrade('heads') did not return $NT10 steps" "$WORK/mem_mig_small.log"
	clone_db reg_triv mem_mig_big
	timed S "$WORK/mem_mig_big.log" \
		"${PSQL[@]}" -At -1 -d mem_mig_big -c "$UPGRADE" -f "$WORK/probe_mig_big.sql"
	[[ "$(result "$WORK/mem_mig_big.log")" == "$NT" ]] || die "upgrade('heads') did not return $NT steps" "$WORK/mem_mig_big.log"
	fresh_db mem_psql_small
	timed S "$WORK/mem_psql_small.log" \
		"${PSQL[@]}" -1 -d mem_psql_small -f "$WORK/triv_small.sql" -f "$WORK/probe_psql_small.sql"
	fresh_db mem_psql_big
	timed S "$WORK/mem_psql_big.log" \
		"${PSQL[@]}" -1 -d mem_psql_big -f "$WORK/triv.sql" -f "$WORK/probe_psql_big.sql"
	for p in idle mig_small mig_big psql_small psql_big; do
		printf '  %-11s pid %-7s VmHWM %7s kB  VmRSS %7s kB  RssAnon %7s kB  RssShmem %7s kB  contexts %10s B  graph %9s B\n' \
			"$p" "$(mem_field $p pid)" "$(mem_field $p VmHWM)" "$(mem_field $p VmRSS)" \
			"$(mem_field $p RssAnon)" "$(mem_field $p RssShmem)" "$(mem_field $p ctx)" "$(mem_field $p graph)"
	done
	for db in reg_triv_small mem_mig_small mem_mig_big mem_psql_small mem_psql_big; do drop_db "$db"; done
	H_MS=$(mem_field mig_small VmHWM) H_MB=$(mem_field mig_big VmHWM)
	H_PS=$(mem_field psql_small VmHWM) H_PB=$(mem_field psql_big VmHWM)
	C_MS=$(mem_field mig_small ctx) C_MB=$(mem_field mig_big ctx)
	C_PS=$(mem_field psql_small ctx) C_PB=$(mem_field psql_big ctx)
	G_MS=$(mem_field mig_small graph) G_MB=$(mem_field mig_big graph)
	R_HS=$(ratio "$H_MS" "$H_PS") R_HB=$(ratio "$H_MB" "$H_PB")
	R_CS=$(ratio "$C_MS" "$C_PS") R_CB=$(ratio "$C_MB" "$C_PB")
	F_H=$(ratio "$R_HB" "$R_HS") F_C=$(ratio "$R_CB" "$R_CS")
	perrev() { awk -v a="$1" -v b="$2" -v u="$3" -v n="$(( NT - NT10 ))" 'BEGIN { printf "%.0f", (b - a) * u / n }'; }
	say "VmHWM    migrate/psql: ${R_HS} at N/10 ($H_MS/$H_PS kB), ${R_HB} at N ($H_MB/$H_PB kB); N vs N/10: $F_H (1.00 = flat)"
	say "contexts migrate/psql: ${R_CS} at N/10 ($C_MS/$C_PS B), ${R_CB} at N ($C_MB/$C_PB B); N vs N/10: $F_C"
	say "growth per revision between N/10 and N: VmHWM migrate $(perrev "$H_MS" "$H_MB" 1024) B, psql $(perrev "$H_PS" "$H_PB" 1024) B;"
	say "  contexts migrate $(perrev "$C_MS" "$C_MB" 1) B, psql $(perrev "$C_PS" "$C_PB" 1) B; migrate's cached graph ('migrate graph'"
	say "  context) $G_MS B at N/10, $G_MB B at N = $(perrev "$G_MS" "$G_MB" 1) B per registered revision"
	say "  contexts that grew most from N/10 to N: migrate: $(ctx_growth mig_small mig_big)"
	say "                                          psql:    $(ctx_growth psql_small psql_big)"
	say "  (VmHWM includes the shared buffers the backend touched; contexts are summed after the"
	say "   upgrade statement, in its transaction, so they hold the cached graph but not what the"
	say "   statement freed when it ended)"
	row "4 VmHWM migrate/psql at N/10=$NT10" "$R_HS" "(info)" "-"
	row "4 VmHWM migrate/psql at N=$NT" "$R_HB" "(info)" "-"
	row "4 VmHWM ratio N vs N/10" "$F_H" "(info)" "-"
	row "4 contexts migrate/psql at N/10" "$R_CS" "(info)" "-"
	row "4 contexts migrate/psql at N" "$R_CB" "(info)" "-"
	row "4 contexts ratio N vs N/10" "$F_C" "(info)" "-"

	# inside one run: what steps N/10+1..N kept, migrate against psql -1 -f
	# of the same statements (the probes among them), both with a work_mem
	# of 64kB so that migrate's result rows (one per step) spill to disk
	say ""
	say "== 4. memory inside one run of N=$NT trivial statements, read at statements $NT10 and $NT by the statements themselves =="
	register_inrun mem_inrun "$NT" "$NT10" "$NT"
	dump_up mem_inrun "$WORK/inrun.sql"
	PGOPTIONS="-c work_mem=64kB" timed S "$WORK/mem_inrun.log" \
		"${PSQL[@]}" -At -1 -d mem_inrun -c "$UPGRADE"
	[[ "$(result "$WORK/mem_inrun.log")" == "$NT" ]] || die "upgrade('heads') did not return $NT steps" "$WORK/mem_inrun.log"
	read -r _ MH1 MA1 MS1 MC1 _ MH2 MA2 MS2 MC2 <<<"$(inrun_result mem_inrun)"
	fresh_db mem_inrun_psql
	inrun_table mem_inrun_psql
	PGOPTIONS="-c work_mem=64kB" timed S "$WORK/mem_inrun_psql.log" \
		"${PSQL[@]}" -q -1 -d mem_inrun_psql -f "$WORK/inrun.sql"
	read -r _ PH1 PA1 PS1 PC1 _ PH2 PA2 PS2 PC2 <<<"$(inrun_result mem_inrun_psql)"
	[[ -n "${MC2:-}" && -n "${PC2:-}" ]] || die "in-run probes missing" "$WORK/mem_inrun.log"
	drop_db mem_inrun
	drop_db mem_inrun_psql
	step_kb() { awk -v a="$1" -v b="$2" -v n="$(( NT - NT10 ))" 'BEGIN { printf "%.1f", (b - a) * 1024 / n }'; }
	step_b() { awk -v a="$1" -v b="$2" -v n="$(( NT - NT10 ))" 'BEGIN { printf "%.1f", (b - a) / n }'; }
	printf '  %-8s %-12s %10s %10s %10s %12s\n' "" "" "VmHWM kB" "RssAnon kB" "RssShmem kB" "contexts B"
	printf '  %-8s %-12s %10s %10s %10s %12s\n' migrate "at $NT10" "$MH1" "$MA1" "$MS1" "$MC1" \
		migrate "at $NT" "$MH2" "$MA2" "$MS2" "$MC2" psql "at $NT10" "$PH1" "$PA1" "$PS1" "$PC1" \
		psql "at $NT" "$PH2" "$PA2" "$PS2" "$PC2"
	printf '  %-21s %10s %10s %10s %12s\n' "migrate B per step" "$(step_kb "$MH1" "$MH2")" \
		"$(step_kb "$MA1" "$MA2")" "$(step_kb "$MS1" "$MS2")" "$(step_b "$MC1" "$MC2")" \
		"psql B per statement" "$(step_kb "$PH1" "$PH2")" "$(step_kb "$PA1" "$PA2")" \
		"$(step_kb "$PS1" "$PS2")" "$(step_b "$PC1" "$PC2")"
	say "  (RssAnon and contexts are the backend's own memory; RssShmem and so VmHWM also count the"
	say "   shared buffers it touched, which for migrate include the migrate.log rows it writes)"
	row "4 in-run VmHWM migrate/psql at step N" "$(ratio "$MH2" "$PH2")" "(info)" "-"
	row "4 in-run RssAnon kept per step, B" "$(step_kb "$MA1" "$MA2")" "<= 16" "$(yesno "$(step_kb "$MA1" "$MA2")" 16)"
	row "4 in-run contexts kept per step, B" "$(step_b "$MC1" "$MC2")" "<= 16" "$(yesno "$(step_b "$MC1" "$MC2")" 16)"
	row "4 in-run VmHWM per step, B (psql: $(step_kb "$PH1" "$PH2"))" "$(step_kb "$MH1" "$MH2")" "(info)" "-"
fi

if has_part 2 || has_part 4; then drop_db reg_triv; fi

# ===========================================================================
# Summary
# ===========================================================================
say ""
say "== summary: issue 4 benchmarks (date -u: $(date -u); nproc $(nproc); $(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo); $(sql postgres "SHOW server_version")) =="
printf '%-46s %-24s %-9s %s\n' benchmark value target met
for i in "${!SUM_B[@]}"; do
	printf '%-46s %-24s %-9s %s\n' "${SUM_B[$i]}" "${SUM_V[$i]}" "${SUM_T[$i]}" "${SUM_M[$i]}"
done
say ""
say "met: 'yes' or 'NO' against the target (the exit status does not depend on it);"
say "ratios are migrate/psql of medians of wall clock seconds (one psql call each)."
say "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
say "total runtime: $(secs "$T_START" "$EPOCHREALTIME")s"
