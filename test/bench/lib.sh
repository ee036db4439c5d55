# lib.sh -- helpers sourced by test/bench/chain.sh, modes.sh and targets.sh
# (not run on its own).
# shellcheck shell=bash
#
# psql wrappers, timed steps under a timeout, throwaway databases, the
# re-execution inside pg_virtualenv, the work directory, the chain
# generators and the backend memory probe.  The caller sets
#     BENCH_NAME     script name used in messages
#     SELF           the script's absolute path (re-executed by in_virtualenv)
# before sourcing, and
#     BENCH_TIMEOUT  seconds allowed per timed step
#     TIMED_CHECKPOINT=0  to make timed skip its CHECKPOINT (chain.sh)
# before calling anything that needs them; work_dir sets WORK.

PGVER=15
LOCKS=1024
TIMED_CHECKPOINT=1
PSQL=(psql -X -q -v ON_ERROR_STOP=1)

say() { printf '%s\n' "$*"; }
die() {
	printf '%s: FAILED: %s\n' "${BENCH_NAME:-bench}" "$1" >&2
	if [[ -n "${2:-}" && -s "$2" ]]; then
		printf -- '--- last lines of %s ---\n' "$2" >&2
		grep -v 'NOTICE:  running \|^ *\(upgrade\|downgrade\|recorded\) ' "$2" | tail -n 30 >&2
	fi
	exit 1
}

# sql DB QUERY: one value, unaligned
sql() { "${PSQL[@]}" -At -d "$1" -c "$2"; }

# secs T0 T1: elapsed seconds with millisecond precision
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# timed VAR LOG CMD...: CHECKPOINT (no run pays for the writes of the one
# before; skipped when TIMED_CHECKPOINT=0), then run CMD with stdout+stderr
# to LOG under the step timeout; store the wall clock seconds in VAR; die on
# failure.
timed() {
	local __var=$1 __log=$2 __t0 __t1 __rc=0
	shift 2
	if [[ "$TIMED_CHECKPOINT" != 0 ]]; then
		sql postgres "CHECKPOINT" >/dev/null || die "CHECKPOINT"
	fi
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

# in_virtualenv INTRO EXPLANATION [ARG...]: unless PGHOST and PGPORT are
# both set, print INTRO, the pg_virtualenv command and EXPLANATION (why the
# cluster needs LOCKS lock slots), then re-execute $SELF with ARGs inside
#     pg_virtualenv -t -v $PGVER -o max_locks_per_transaction=$LOCKS
# a throwaway cluster (fsync off) that is dropped afterwards; BENCH_INNER=1
# tells the inner run where it is.
in_virtualenv() {
	[[ -z "${PGHOST:-}" || -z "${PGPORT:-}" ]] || return 0
	local intro=$1 explanation=$2
	shift 2
	(( $(id -u) == 0 )) || die "run as root (pg_virtualenv creates a cluster owned by postgres)"
	command -v pg_virtualenv >/dev/null || die "pg_virtualenv not found (package postgresql-common)"
	[[ -x /usr/lib/postgresql/$PGVER/bin/postgres ]] || die "PostgreSQL $PGVER server is not installed"
	say "$intro"
	say "    pg_virtualenv -t -v $PGVER -o max_locks_per_transaction=$LOCKS"
	say "$explanation"
	exec pg_virtualenv -t -v "$PGVER" -o "max_locks_per_transaction=$LOCKS" \
		env BENCH_INNER=1 "$BASH" "$SELF" "$@"
}

# work_dir KIND: WORK=/tmp/migrate-KIND-bench.XXXXXX, a new directory for
# the generated SQL, logs and probes, removed at exit unless BENCH_KEEP=1
work_dir() {
	WORK=$(mktemp -d "/tmp/migrate-$1-bench.XXXXXX")
	chmod 755 "$WORK"
	if [[ "${BENCH_KEEP:-}" == 1 ]]; then
		trap 'say "work directory kept: $WORK"' EXIT
	else
		trap 'rm -rf "$WORK"' EXIT
	fi
}

# check_server WHAT: the server answers and has the extension; print its
# version and settings, and a warning when it has fewer than LOCKS lock slots
# per connection (WHAT: what may then run out of them)
check_server() {
	sql postgres "SELECT 1" >/dev/null || die "cannot connect to PGHOST=$PGHOST PGPORT=$PGPORT"
	say "server: $(sql postgres "SELECT version()" | cut -d, -f1); max_locks_per_transaction=$(sql postgres "SHOW max_locks_per_transaction"), fsync=$(sql postgres "SHOW fsync"), shared_buffers=$(sql postgres "SHOW shared_buffers"); $(nproc) cores"
	[[ "$(sql postgres "SELECT count(*) FROM pg_available_extensions WHERE name = 'migrate'")" == 1 ]] ||
		die "extension migrate is not installed for this server"
	(( $(sql postgres "SHOW max_locks_per_transaction") >= LOCKS )) ||
		say "WARNING: max_locks_per_transaction < $LOCKS: $1 may fail with 53200 (out of shared memory)"
}

drop_db() {
	PGOPTIONS="-c client_min_messages=warning" sql postgres "DROP DATABASE IF EXISTS $1" >/dev/null
}
fresh_db() {
	drop_db "$1"
	sql postgres "CREATE DATABASE $1" >/dev/null || die "CREATE DATABASE $1"
}
clone_db() {
	drop_db "$2"
	sql postgres "CREATE DATABASE $2 TEMPLATE $1" >/dev/null || die "CREATE DATABASE $2 TEMPLATE $1"
}

# ratio A B: A/B with two decimals
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }'; }
# per_rev A B N: (A - B) seconds per revision, in microseconds
per_rev() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%.1f", (a - b) * 1e6 / n }'; }
# median V...: the middle value (the mean of the two middle ones)
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) printf "%.3f", v[(NR + 1) / 2]; else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# le A B: exit status 0 when A <= B
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }

# rev_id COUNT I: the id of revision I in a chain of COUNT
rev_id() { printf 'r%0*d' "${#1}" "$2"; }

# result LOG: what the line "result ..." of a timed query says
result() { grep -E '^result ' "$1" | tail -n 1 | cut -d' ' -f2-; }

# register_chain DB WORKLOAD COUNT: fresh DB with the extension and a
# COUNT-revision linear chain, registered in one transaction by a plpgsql
# loop over migrate.revision(... down_revision => ARRAY[prev]); sets
# REG_SECS.  Workloads:
#   ddl      each revision creates a table with an
#            identity primary key, a column default and an index; every
#            fifth also adds a column (with a default) to an earlier table;
#            the downgrades undo them
#   trivial  SELECT 1; up and down
#   padded   SELECT 1; up and down, after a comment that makes each script
#            as long as a ddl one (~230 bytes), so the revisions table has
#            a realistic size
register_chain() {
	local db=$1 workload=$2 count=$3 width=${#3} got pending
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
        ELSIF '$workload' = 'padded' THEN
            up   := format(E'-- revision %s of a long chain: this comment pads the script to the\n'
                           || E'-- length of a typical DDL revision (a CREATE TABLE with an identity\n'
                           || E'-- primary key, a default and an index) ------------------------------\n'
                           || E'SELECT 1;\n', i);
            down := up;
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
	got=$(sql "$db" "SELECT count(*) FROM migrate.revisions") || die "count revisions in $db"
	pending=$(sql "$db" "SELECT coalesce(cardinality(pending), 0) FROM migrate.status()") \
		|| die "migrate.status() in $db"
	[[ "$got" == "$count" && "$pending" == "$count" ]] ||
		die "$db: expected $count registered and pending revisions, got $got registered, $pending pending"
}

# dump_up DB FILE: the upgrade scripts, concatenated in chain order
dump_up() {
	"${PSQL[@]}" -At -d "$1" -o "$2" \
		-c "SELECT upgrade_sql FROM migrate.revisions ORDER BY position" ||
		die "dumping upgrade scripts of $1"
}
# dump_down DB FILE: the downgrade scripts, newest revision first
dump_down() {
	"${PSQL[@]}" -At -d "$1" -o "$2" \
		-c "SELECT downgrade_sql FROM migrate.revisions ORDER BY position DESC" ||
		die "dumping downgrade scripts of $1"
}

# write_probe NAME [basic]: the memory probe, appended to a session right
# after the workload: writes $WORK/probe_NAME.sql, which puts the backend's
# pid, the sum of its memory contexts, the size of migrate's cached graph
# (context "migrate graph") and /proc/PID/status in $WORK/mem_NAME.txt, then
# the bytes per context name in $WORK/ctx_NAME.txt (for ctx_growth).  With
# "basic" (chain.sh's probe) only the pid, the sum and /proc/PID/status.
# (\! does not interpolate psql variables; \setenv does.)
write_probe() {
	local graph_col='' graph_env='' graph_echo=''
	if [[ "${2:-}" != basic ]]; then
		graph_col=$',\n       (SELECT coalesce(sum(total_bytes), 0) FROM pg_backend_memory_contexts\n         WHERE name = \'migrate graph\') AS bench_graph'
		graph_env=$'\\setenv BENCH_GRAPH :bench_graph\n'
		graph_echo=' echo "graph $BENCH_GRAPH";'
	fi
	cat >"$WORK/probe_$1.sql" <<EOF
SELECT pg_backend_pid() AS bench_pid,
       (SELECT sum(total_bytes) FROM pg_backend_memory_contexts) AS bench_ctx$graph_col \gset
\setenv BENCH_PID :bench_pid
\setenv BENCH_CTX :bench_ctx
$graph_env\! { echo "pid \$BENCH_PID"; echo "ctx \$BENCH_CTX";$graph_echo grep -E '^(VmHWM|VmRSS|RssAnon|RssShmem):' /proc/\$BENCH_PID/status; } > "$WORK/mem_$1.txt"
EOF
	[[ "${2:-}" == basic ]] || cat >>"$WORK/probe_$1.sql" <<EOF
\pset format unaligned
\pset tuples_only on
\pset fieldsep ' '
\o $WORK/ctx_$1.txt
SELECT name, sum(total_bytes) FROM pg_backend_memory_contexts GROUP BY name;
\o
EOF
}

# ctx_growth A B [K]: the K (default 3) context names whose summed bytes grew
# most from probe A to probe B, as "name +bytes"
ctx_growth() {
	awk -v k="${3:-3}" 'FNR == 1 { f++ }
		{ n = $NF; $NF = ""; sub(/ $/, ""); v[f, $0] = n; names[$0] = 1 }
		END { for (x in names) printf "%d\t%s\n", v[2, x] - v[1, x], x }' \
		"$WORK/ctx_$1.txt" "$WORK/ctx_$2.txt" | sort -rn | head -n "${3:-3}" |
		awk -F '\t' '{ printf "%s%s +%d B", (NR > 1 ? ", " : ""), $2, $1 }'
}

# mem_field NAME KEY: a value (kB for Vm*/Rss*, bytes for ctx and graph)
mem_field() {
	local v
	v=$(awk -v k="$2" '$1 == k || $1 == k":" { print $2 }' "$WORK/mem_$1.txt" 2>/dev/null)
	[[ "$v" =~ ^[0-9]+$ ]] || die "memory probe '$1' has no $2 (is the server local? /proc/PID/status readable?)" "$WORK/mem_$1.txt"
	printf '%s' "$v"
}

# In-run memory probes: the statement that records, from inside a running
# session, the backend's /proc/self/status fields and the sum of its memory
# contexts as row STEP of table probe (created by inrun_table DB).
inrun_table() {
	sql "$1" "CREATE TABLE probe (step int, vm_hwm_kb bigint, rss_anon_kb bigint,
	                              rss_shmem_kb bigint, contexts bigint)" >/dev/null ||
		die "creating the probe table in $1"
}
inrun_statement() {
	printf "INSERT INTO probe SELECT %s, %s, %s, %s, (SELECT sum(total_bytes) FROM pg_backend_memory_contexts);" "$1" \
		"(regexp_match(pg_read_file('/proc/self/status'), 'VmHWM:\\s+(\\d+)'))[1]::bigint" \
		"(regexp_match(pg_read_file('/proc/self/status'), 'RssAnon:\\s+(\\d+)'))[1]::bigint" \
		"(regexp_match(pg_read_file('/proc/self/status'), 'RssShmem:\\s+(\\d+)'))[1]::bigint"
}
# register_inrun DB N S1 S2: a chain of N trivial revisions (SELECT 1) in a
# fresh database, where revisions S1 and S2 run the probe instead
register_inrun() {
	local db=$1 n=$2 s1=$3 s2=$4
	fresh_db "$db"
	sql "$db" "CREATE EXTENSION migrate" >/dev/null || die "CREATE EXTENSION migrate in $db"
	inrun_table "$db"
	cat >"$WORK/register_$db.sql" <<SQL
DO \$bench\$
DECLARE
    prev text;
BEGIN
    FOR i IN 1..$n LOOP
        prev := migrate.revision('inrun ' || i,
            CASE i WHEN $s1 THEN \$p\$$(inrun_statement "$s1")\$p\$
                   WHEN $s2 THEN \$p\$$(inrun_statement "$s2")\$p\$
                   ELSE 'SELECT 1;' END,
            'SELECT 1;',
            down_revision => CASE WHEN prev IS NULL THEN '{}'::text[] ELSE ARRAY[prev] END,
            id => 'p' || i);
    END LOOP;
END
\$bench\$;
SQL
	"${PSQL[@]}" -d "$db" -f "$WORK/register_$db.sql" >"$WORK/register_$db.log" 2>&1 ||
		die "registering the in-run probe chain" "$WORK/register_$db.log"
}
# inrun_result DB: "S1 HWM1 ANON1 SHMEM1 CTX1 S2 HWM2 ANON2 SHMEM2 CTX2"
inrun_result() {
	sql "$1" "SELECT string_agg(concat_ws(' ', step, vm_hwm_kb, rss_anon_kb, rss_shmem_kb, contexts),
	                            ' ' ORDER BY step) FROM probe"
}
