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

N=${1:-${BENCH_N:-${N:-10000}}}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-600}
LOCKS=1024
PGVER=15

say() { printf '%s\n' "$*"; }
die() {
	printf 'chain.sh: FAILED: %s\n' "$1" >&2
	if [[ -n "${2:-}" && -s "$2" ]]; then
		printf -- '--- last lines of %s ---\n' "$2" >&2
		grep -v '^NOTICE:  running ' "$2" | tail -n 30 >&2
	fi
	exit 1
}

[[ "$N" =~ ^[0-9]+$ ]] && (( N >= 10 )) || die "N must be an integer >= 10 (got '$N')"
[[ "$BENCH_TIMEOUT" =~ ^[0-9]+$ ]] || die "BENCH_TIMEOUT must be a number of seconds"

# ---------------------------------------------------------------------------
# Outer run: start a throwaway cluster and re-execute inside it.
# ---------------------------------------------------------------------------
if [[ -z "${PGHOST:-}" || -z "${PGPORT:-}" ]]; then
	(( $(id -u) == 0 )) || die "run as root (pg_virtualenv creates a cluster owned by postgres)"
	command -v pg_virtualenv >/dev/null || die "pg_virtualenv not found (package postgresql-common)"
	[[ -x /usr/lib/postgresql/$PGVER/bin/postgres ]] || die "PostgreSQL $PGVER server is not installed"
	say "chain.sh: starting a throwaway PostgreSQL $PGVER cluster:"
	say "    pg_virtualenv -t -v $PGVER -o max_locks_per_transaction=$LOCKS"
	say "  The DDL workload creates ~N tables (plus their sequences, indexes and"
	say "  TOAST relations) in ONE transaction, each holding an AccessExclusiveLock"
	say "  until commit. The shared lock table has max_locks_per_transaction x"
	say "  (max_connections + background processes) slots: ~8,000 with the default"
	say "  of 64, far fewer than the ~6 x N the DDL chain needs; so both migrate and"
	say "  the psql baseline run with $LOCKS (~125,000 slots)."
	exec pg_virtualenv -t -v "$PGVER" -o "max_locks_per_transaction=$LOCKS" \
		env BENCH_INNER=1 "$BASH" "$0" "$N"
fi

# ---------------------------------------------------------------------------
# Inner run: PGHOST/PGPORT point at the server to use.
# ---------------------------------------------------------------------------
T_START=$EPOCHREALTIME
WORK=$(mktemp -d /tmp/migrate-chain-bench.XXXXXX)
chmod 755 "$WORK"
if [[ "${BENCH_KEEP:-}" == 1 ]]; then
	trap 'say "work directory kept: $WORK"' EXIT
else
	trap 'rm -rf "$WORK"' EXIT
fi

PSQL=(psql -X -q -v ON_ERROR_STOP=1)

# sql DB QUERY: one value, unaligned
sql() { "${PSQL[@]}" -At -d "$1" -c "$2"; }

# secs T0 T1: elapsed seconds with millisecond precision
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# timed VAR LOG CMD...: run CMD with stdout+stderr to LOG, under the step
# timeout; store the wall clock seconds in VAR; die on failure.
timed() {
	local __var=$1 __log=$2 __t0 __t1 __rc=0
	shift 2
	__t0=$EPOCHREALTIME
	timeout "$BENCH_TIMEOUT" "$@" >"$__log" 2>&1 || __rc=$?
	__t1=$EPOCHREALTIME
	if (( __rc == 124 )); then
		die "timed out after ${BENCH_TIMEOUT}s: $*" "$__log"
	elif (( __rc != 0 )); then
		die "exit status $__rc: $*" "$__log"
	fi
	printf -v "$__var" '%s' "$(secs "$__t0" "$__t1")"
}

fresh_db() {
	PGOPTIONS="-c client_min_messages=warning" sql postgres "DROP DATABASE IF EXISTS $1" >/dev/null
	sql postgres "CREATE DATABASE $1" >/dev/null || die "CREATE DATABASE $1"
}

# register DB WORKLOAD COUNT: fresh DB with the extension and a COUNT-revision
# chain registered in one transaction; sets REG_SECS.
register() {
	local db=$1 workload=$2 count=$3 width=${#3}
	fresh_db "$db"
	sql "$db" "CREATE EXTENSION migrate" >/dev/null || die "CREATE EXTENSION migrate in $db"
	cat >"$WORK/register_$db.sql" <<EOF
DO \$bench\$
DECLARE
    prev text;
    up   text;
    down text;
BEGIN
    FOR i IN 1..$count LOOP
        IF '$workload' = 'trivial' THEN
            up   := E'SELECT 1;\n';
            down := E'SELECT 1;\n';
        ELSE
            up := format(E'CREATE TABLE bench_t%1\$s (\n'
                         || E'    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n'
                         || E'    name text NOT NULL,\n'
                         || E'    created_at timestamptz NOT NULL DEFAULT now()\n'
                         || E');\n'
                         || E'CREATE INDEX bench_t%1\$s_name_idx ON bench_t%1\$s (name);\n', i);
            down := format(E'DROP TABLE bench_t%s;\n', i);
            IF i % 5 = 0 THEN
                up := up || format(E'ALTER TABLE bench_t%s ADD COLUMN note text NOT NULL DEFAULT '''';\n', i / 2);
                down := format(E'ALTER TABLE bench_t%s DROP COLUMN note;\n', i / 2) || down;
            END IF;
        END IF;
        prev := migrate.revision(
            message       => format('$workload revision %s', i),
            upgrade       => up,
            downgrade     => down,
            down_revision => CASE WHEN prev IS NULL THEN '{}'::text[] ELSE ARRAY[prev] END,
            id            => 'r' || lpad(i::text, $width, '0'));
    END LOOP;
END
\$bench\$;
EOF
	timed REG_SECS "$WORK/register_$db.log" \
		"${PSQL[@]}" -1 -d "$db" -f "$WORK/register_$db.sql"
	local got pending
	got=$(sql "$db" "SELECT count(*) FROM migrate.revisions") || die "count revisions in $db"
	pending=$(sql "$db" "SELECT coalesce(cardinality(pending), 0) FROM migrate.status()") \
		|| die "migrate.status() in $db"
	[[ "$got" == "$count" && "$pending" == "$count" ]] ||
		die "$db: expected $count registered and pending revisions, got $got registered, $pending pending"
}

# dump_sql DB FILE: the upgrade scripts, concatenated in chain order
dump_sql() {
	"${PSQL[@]}" -At -d "$1" -o "$2" \
		-c "SELECT upgrade_sql FROM migrate.revisions ORDER BY position" ||
		die "dumping upgrade scripts of $1"
}

clone_db() {
	PGOPTIONS="-c client_min_messages=warning" sql postgres "DROP DATABASE IF EXISTS $2" >/dev/null
	sql postgres "CREATE DATABASE $2 TEMPLATE $1" >/dev/null || die "CREATE DATABASE $2 TEMPLATE $1"
}

UPGRADE="SELECT count(*) FROM migrate.upgrade('heads')"

# check_upgraded DB COUNT LOG: the upgrade returned COUNT rows and applied all
check_upgraded() {
	local rows applied
	rows=$(grep -E '^[0-9]+$' "$3" | tail -n 1)
	applied=$(sql "$1" "SELECT count(*) FROM migrate.log WHERE operation = 'upgrade'")
	[[ "$rows" == "$2" && "$applied" == "$2" ]] ||
		die "$1: upgrade returned '${rows:-?}' steps and logged $applied, expected $2" "$3"
}

# Memory probe, appended to a session right after the workload: the
# backend's pid, the sum of its memory contexts and /proc/PID/status.
# (\! does not interpolate psql variables; \setenv does.)
write_probe() {
	cat >"$WORK/probe_$1.sql" <<EOF
SELECT pg_backend_pid() AS bench_pid,
       (SELECT sum(total_bytes) FROM pg_backend_memory_contexts) AS bench_ctx \gset
\setenv BENCH_PID :bench_pid
\setenv BENCH_CTX :bench_ctx
\! { echo "pid \$BENCH_PID"; echo "ctx \$BENCH_CTX"; grep -E '^(VmHWM|VmRSS|RssAnon|RssShmem):' /proc/\$BENCH_PID/status; } > "$WORK/mem_$1.txt"
EOF
}

# mem_field NAME KEY: a value (kB for Vm*/Rss*, bytes for ctx) from a probe
mem_field() {
	local v
	v=$(awk -v k="$2" '$1 == k || $1 == k":" { print $2 }' "$WORK/mem_$1.txt" 2>/dev/null)
	[[ "$v" =~ ^[0-9]+$ ]] || die "memory probe '$1' has no $2 (is the server local? /proc/PID/status readable?)" "$WORK/mem_$1.txt"
	printf '%s' "$v"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }'; }

# ---------------------------------------------------------------------------
say "chain.sh: N=$N, step timeout ${BENCH_TIMEOUT}s, work dir $WORK"
sql postgres "SELECT 1" >/dev/null || die "cannot connect to PGHOST=$PGHOST PGPORT=$PGPORT"
say "server: $(sql postgres "SELECT version()" | cut -d, -f1); max_locks_per_transaction=$(sql postgres "SHOW max_locks_per_transaction"), fsync=$(sql postgres "SHOW fsync"), shared_buffers=$(sql postgres "SHOW shared_buffers"); $(nproc) cores"
[[ "$(sql postgres "SELECT count(*) FROM pg_available_extensions WHERE name = 'migrate'")" == 1 ]] ||
	die "extension migrate is not installed for this server"
(( $(sql postgres "SHOW max_locks_per_transaction") >= LOCKS )) ||
	say "WARNING: max_locks_per_transaction < $LOCKS: the DDL workload may fail with 53200 (out of shared memory)"

declare -A REG MIG PSQLT
for workload in trivial ddl; do
	say ""
	say "== workload $workload, N=$N =="
	register "reg_$workload" "$workload" "$N"
	REG[$workload]=$REG_SECS
	say "registered $N revisions as one chain in one transaction: ${REG_SECS}s"
	dump_sql "reg_$workload" "$WORK/$workload.sql"
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
register reg_small trivial "$N10"
dump_sql reg_small "$WORK/trivial_small.sql"

for p in idle mig_small mig_big psql_small psql_big; do write_probe "$p"; done
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
fresh_db mem_inrun
sql mem_inrun "CREATE EXTENSION migrate" >/dev/null || die "CREATE EXTENSION migrate in mem_inrun"
cat >"$WORK/register_inrun.sql" <<EOF
CREATE TABLE probe (step int, rss_anon_kb bigint, contexts bigint);
DO \$bench\$
DECLARE
    prev text;
    up   text;
BEGIN
    FOR i IN 1..$N LOOP
        up := CASE WHEN i IN ($N10, $N)
                   THEN format(\$p\$INSERT INTO probe SELECT %s,
                         (regexp_match(pg_read_file('/proc/self/status'), 'RssAnon:\s+(\d+)'))[1]::bigint,
                         (SELECT sum(total_bytes) FROM pg_backend_memory_contexts)\$p\$, i)
                   ELSE 'SELECT 1' END;
        prev := migrate.revision('inrun ' || i, up, 'SELECT 1',
            down_revision => CASE WHEN prev IS NULL THEN '{}'::text[] ELSE ARRAY[prev] END,
            id => 'p' || i);
    END LOOP;
END
\$bench\$;
EOF
"${PSQL[@]}" -d mem_inrun -f "$WORK/register_inrun.sql" >"$WORK/register_inrun.log" 2>&1 ||
	die "registering the in-run probe chain" "$WORK/register_inrun.log"
# work_mem of 64kB makes the result rows (one per step, held by the set-
# returning function up to work_mem) spill to disk, isolating the runner.
PGOPTIONS="-c work_mem=64kB" timed MEM_SECS "$WORK/mem_inrun.log" \
	"${PSQL[@]}" -At -1 -d mem_inrun -c "$UPGRADE"
INRUN=$(sql mem_inrun "SELECT string_agg(step || ' ' || rss_anon_kb || ' ' || contexts, ' ' ORDER BY step) FROM probe")
read -r IN_S1 IN_A1 IN_C1 IN_S2 IN_A2 IN_C2 <<<"$INRUN"
[[ -n "${IN_C2:-}" ]] || die "in-run probes missing: '$INRUN'" "$WORK/mem_inrun.log"
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
		"$(awk -v m="${MIG[$workload]}" -v p="${PSQLT[$workload]}" -v n="$N" 'BEGIN { printf "%.1f", (m - p) * 1e6 / n }')"
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
