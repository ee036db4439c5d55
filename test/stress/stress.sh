#!/usr/bin/env bash
# Stress test: 16 pgbench clients call migrate.upgrade('heads') in a loop
# while two registrar processes keep adding revisions on top of the head.
# Run it in a throwaway cluster (the PG* variables come from pg_virtualenv):
#     pg_virtualenv -t bash test/stress/stress.sh
# STRESS_SECONDS (default 20) is how long pgbench runs; the registrars stop
# 3 seconds earlier so that the last revisions get applied by pgbench too.
# Prints "ok - ..." / "not ok - ..." lines, then "N passed, N failed"; exits
# non-zero on any failure.  See README.md next to it.
set -uo pipefail

SECS=${STRESS_SECONDS:-20}
CLIENTS=16
JOBS=2
PGBENCH=${PGBENCH:-/usr/lib/postgresql/15/bin/pgbench}
DB=migrate_stress_$$
WORK=$(mktemp -d /tmp/migrate_stress.XXXXXX)
PSQL=(psql -X -q -v ON_ERROR_STOP=1)
BG_PIDS=()
N_OK=0
N_BAD=0

cleanup() {
    local p
    for p in "${BG_PIDS[@]}"; do
        kill "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    dropdb --if-exists --force "$DB" >/dev/null 2>&1
    rm -rf "$WORK"
}
trap cleanup EXIT

ok() { N_OK=$((N_OK + 1)); echo "ok - $*"; }
not_ok() { N_BAD=$((N_BAD + 1)); echo "not ok - $*"; }
diag() { sed 's/^/# /'; }
# check DESCRIPTION SQL [DETAIL-SQL]: passes when SQL returns exactly "t";
# on failure prints what it returned, and the first rows of DETAIL-SQL
check() {
    local what=$1 sql=$2 detail=${3:-} got
    got=$(q "$sql" 2>&1)
    if [ "$got" = "t" ]; then
        ok "$what"
    else
        not_ok "$what"
        echo "got: $got" | head -20 | diag
        [ -n "$detail" ] && q "$detail" 2>&1 | head -20 | diag
    fi
    return 0
}
q() { PGAPPNAME=checker "${PSQL[@]}" -At -d "$DB" -c "$1"; }
finish() {
    echo "$N_OK passed, $N_BAD failed"
    [ "$N_BAD" -eq 0 ]
    exit
}

case "$SECS" in
'' | *[!0-9]*) echo "STRESS_SECONDS must be a whole number of seconds" >&2; exit 2 ;;
esac
[ "$SECS" -ge 5 ] || { echo "STRESS_SECONDS must be at least 5" >&2; exit 2; }

# ---------------------------------------------------------------- setup

if ! createdb "$DB" || ! "${PSQL[@]}" -d "$DB" <<'SQL'
CREATE EXTENSION migrate;
-- every revision script appends one row: which revision, run by which
-- backend, in which transaction, for which application
CREATE TABLE trace (
    n    bigserial PRIMARY KEY,
    rev  text NOT NULL,
    pid  int NOT NULL DEFAULT pg_backend_pid(),
    xact bigint NOT NULL DEFAULT txid_current(),
    app  text NOT NULL DEFAULT current_setting('application_name')
);
SQL
then
    not_ok "create database $DB with the extension"
    finish
fi
ok "database $DB with the extension and a trace table"

# upgrade and downgrade scripts of revision $1: a table of its own (running
# the script twice would fail on it) and a trace row
up_sql() { echo "CREATE TABLE stress_$1 (id int); INSERT INTO trace (rev) VALUES ('$1')"; }
down_sql() { echo "DROP TABLE stress_$1; DELETE FROM trace WHERE rev = '$1'"; }

# revision(): no down_revision, so "on top of the single head", which
# revision() reads after it has the advisory lock
register_revision() {
    local id=$1 got
    got=$(PGAPPNAME=registrar "${PSQL[@]}" -At -d "$DB" -v id="$id" -v up="$(up_sql "$id")" -v down="$(down_sql "$id")" 2>&1 <<'SQL'
SELECT migrate.revision('stress ' || :'id', :'up', :'down', id => :'id');
SQL
    ) && [ "$got" = "$id" ] || { echo "$id revision(): $got"; return 1; }
}

# load(): a file needs its parent spelled out, so take migrate's advisory
# lock (README: pg_advisory_xact_lock(1835624306, 1)) and read the head in
# the same transaction; load() takes the lock again (it is re-entrant)
register_load() {
    local id=$1 got
    got=$(PGAPPNAME=registrar "${PSQL[@]}" -At -d "$DB" -v id="$id" -v up="$(up_sql "$id")" -v down="$(down_sql "$id")" 2>&1 <<'SQL'
BEGIN;
SELECT FROM pg_advisory_xact_lock(1835624306, 1);
SELECT migrate.load(format(E'-- migrate:revision %s\n-- migrate:revises %s\n-- migrate:message stress %s (loaded)\n-- migrate:upgrade\n%s\n-- migrate:downgrade\n%s\n',
                           :'id', h.revision, :'id', :'up', :'down'))
  FROM migrate.heads() h;
COMMIT;
SQL
    ) && [ "$got" = "$id" ] || { echo "$id load(): $got"; return 1; }
}

# registrar K DEADLINE: register revisions rK_00001, rK_00002, ... until
# DEADLINE (epoch seconds); every fourth one through load(), the others
# through revision().  Each id is written to registered.K once committed.
registrar() {
    local k=$1 deadline=$2 i=0 id
    while [ "$(date +%s)" -lt "$deadline" ]; do
        i=$((i + 1))
        id=$(printf 'r%d_%05d' "$k" "$i")
        if [ $((i % 4)) -eq 0 ]; then
            register_load "$id" >>"$WORK/regerrors" || continue
        else
            register_revision "$id" >>"$WORK/regerrors" || continue
        fi
        echo "$id" >>"$WORK/registered.$k"
    done
}

# a root to start from, registered (not applied) before pgbench starts
: >"$WORK/regerrors"
if register_revision r0_00000 >>"$WORK/regerrors"; then
    echo r0_00000 >"$WORK/registered.0"
else
    not_ok "register the root revision"
    diag <"$WORK/regerrors"
    finish
fi

echo "SELECT count(*) FROM migrate.upgrade('heads');" >"$WORK/upgrade.sql"

# ---------------------------------------------------------------- the run

echo "# pgbench: $CLIENTS clients, $SECS s; 2 registrars for $((SECS - 3)) s"
start=$(date +%s)
PGAPPNAME=pgbench "$PGBENCH" -n -c "$CLIENTS" -j "$JOBS" -T "$SECS" --verbose-errors --failures-detailed \
    -f "$WORK/upgrade.sql" "$DB" \
    >"$WORK/pgbench.out" 2>"$WORK/pgbench.err" &
bench_pid=$!
BG_PIDS+=("$bench_pid")
reg_pids=()
for k in 1 2; do
    registrar "$k" $((start + SECS - 3)) &
    reg_pids+=($!)
    BG_PIDS+=($!)
done
wait "${reg_pids[@]}"
wait "$bench_pid"
bench_status=$?
BG_PIDS=()
echo "# run took $(($(date +%s) - start)) s"

# ---------------------------------------------------------------- pgbench

sed -n '/^number of transactions actually processed/p; /^number of failed/p; /^number of .* failures/p; /^latency average/p; /^tps/p' \
    "$WORK/pgbench.out" | diag
if [ "$bench_status" -eq 0 ]; then
    ok "pgbench exited with status 0"
else
    not_ok "pgbench exited with status $bench_status"
fi
# Under READ COMMITTED (pgbench's default) no error is expected at all:
# the losers wait for the advisory lock and then find nothing to do;
# 40001 is only for REPEATABLE READ and SERIALIZABLE snapshots.
# --verbose-errors prints every error, --failures-detailed counts 40001
# and 40P01 separately; pgbench goes on after those two (a failed
# transaction) and aborts the client on any other error.
if grep -qiE 'error|aborted' "$WORK/pgbench.err"; then
    not_ok "no pgbench client error"
    grep -iE 'error|aborted' "$WORK/pgbench.err" | sed -E 's/client [0-9]+/client N/' |
        sort | uniq -c | sort -rn | head -10 | diag
else
    ok "no pgbench client error"
fi
failed_tx=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$WORK/pgbench.out")
if [ "$failed_tx" = "0" ]; then
    ok "pgbench reports 0 failed transactions"
else
    not_ok "pgbench reports 0 failed transactions (got '${failed_tx}')"
fi
processed=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$WORK/pgbench.out")
if [ "${processed:-0}" -ge "$CLIENTS" ]; then
    ok "pgbench ran $processed upgrade('heads') calls"
else
    not_ok "pgbench ran at least $CLIENTS upgrade('heads') calls (got '${processed}')"
fi

# ---------------------------------------------------------------- registrations

if [ -s "$WORK/regerrors" ]; then
    not_ok "no registration failed"
    head -20 "$WORK/regerrors" | diag
else
    ok "no registration failed"
fi
cat "$WORK"/registered.* | sort >"$WORK/registered"
nreg=$(wc -l <"$WORK/registered")
nload=$(awk -F_ '$1 != "r0" && $2 % 4 == 0' "$WORK/registered" | wc -l)
if [ "$nreg" -ge 20 ]; then
    ok "$nreg revisions registered while pgbench ran ($nload of them through load())"
else
    not_ok "at least 20 revisions registered while pgbench ran (got $nreg)"
fi
if ! "${PSQL[@]}" -d "$DB" -c "CREATE TABLE registered (rev text PRIMARY KEY)" \
    -c "\\copy registered FROM '$WORK/registered'"; then
    not_ok "load the list of registered revisions"
    finish
fi

check "migrate.revisions holds exactly the registered revisions" \
    "SELECT NOT EXISTS (SELECT id FROM migrate.revisions EXCEPT SELECT rev FROM registered)
        AND NOT EXISTS (SELECT rev FROM registered EXCEPT SELECT id FROM migrate.revisions)"
check "the graph is one chain: each revision revises the one registered before it (no fork)" \
    "SELECT bool_and(down_revisions = CASE WHEN prev IS NULL THEN '{}'::text[] ELSE ARRAY[prev] END)
       FROM (SELECT down_revisions, lag(id) OVER (ORDER BY position) AS prev FROM migrate.revisions) s"
check "one head" "SELECT count(*) = 1 FROM migrate.heads()"

# ---------------------------------------------------------------- exactly once

check "every registered revision's script ran exactly once (trace table)" \
    "SELECT count(*) = 0 FROM registered r
       LEFT JOIN (SELECT rev, count(*) AS runs FROM trace GROUP BY rev) t USING (rev)
      WHERE coalesce(t.runs, 0) <> 1" \
    "SELECT rev || ' ran ' || coalesce(t.runs, 0) || ' times' FROM registered r
       LEFT JOIN (SELECT rev, count(*) AS runs FROM trace GROUP BY rev) t USING (rev)
      WHERE coalesce(t.runs, 0) <> 1 ORDER BY rev"
check "the trace table names no other revision" \
    "SELECT count(*) = 0 FROM trace WHERE rev NOT IN (SELECT rev FROM registered)"
check "every registered revision's table exists" \
    "SELECT count(*) = (SELECT count(*) FROM registered) FROM pg_tables
      WHERE schemaname = 'public' AND tablename LIKE 'stress\_%'"
check "migrate.log: one successful upgrade row per revision, no duplicates" \
    "SELECT count(*) = 0 FROM registered r
       LEFT JOIN (SELECT revision AS rev, count(*) AS n FROM migrate.log
                   WHERE operation = 'upgrade' AND sqlstate IS NULL GROUP BY revision) l USING (rev)
      WHERE coalesce(l.n, 0) <> 1" \
    "SELECT rev || ': ' || coalesce(l.n, 0) || ' upgrade rows' FROM registered r
       LEFT JOIN (SELECT revision AS rev, count(*) AS n FROM migrate.log
                   WHERE operation = 'upgrade' AND sqlstate IS NULL GROUP BY revision) l USING (rev)
      WHERE coalesce(l.n, 0) <> 1 ORDER BY rev"
check "migrate.log holds nothing else (no failed step, no downgrade, no stamp)" \
    "SELECT count(*) = (SELECT count(*) FROM registered) FROM migrate.log" \
    "SELECT id || ' ' || revision || ' ' || operation || coalesce(' ' || sqlstate, '') FROM migrate.log
      WHERE operation <> 'upgrade' OR sqlstate IS NOT NULL ORDER BY id"
check "migrate.log rows follow each other: heads_before = the previous row's heads_after" \
    "SELECT bool_and(heads_before = coalesce(prev, '{}'))
       FROM (SELECT heads_before, lag(heads_after) OVER (ORDER BY id) AS prev FROM migrate.log) s"
check "revisions were applied in registration order" \
    "SELECT bool_and(r.position > prev_pos)
       FROM (SELECT revision, lag(r.position) OVER (ORDER BY l.id) AS prev_pos, r.position
               FROM migrate.log l JOIN migrate.revisions r ON r.id = l.revision) r
      WHERE prev_pos IS NOT NULL"

# ---------------------------------------------------------------- end state

last=$(q "SELECT id FROM migrate.revisions ORDER BY position DESC LIMIT 1")
check "migrate.current() is the last head ($last)" \
    "SELECT array_agg(c) = ARRAY['$last'] FROM migrate.current() c"
check "status(): nothing pending" "SELECT pending = '{}' FROM migrate.status()"
check "verify() finds no problem" "SELECT count(*) = 0 FROM migrate.verify()"

# ---------------------------------------------------------------- it was a race

check "only pgbench clients ran scripts" "SELECT bool_and(app = 'pgbench') FROM trace"
nx=$(q "SELECT count(DISTINCT xact) || ' transactions in ' || count(DISTINCT pid) || ' backends' FROM trace")
check "the revisions were applied piecemeal by several upgrade calls ($nx)" \
    "SELECT count(DISTINCT xact) > 1 AND count(DISTINCT pid) > 1 FROM trace"

finish
