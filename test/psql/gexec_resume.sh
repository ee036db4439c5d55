#!/usr/bin/env bash
# The \gexec path: a plan with a non-transactional revision (CREATE INDEX
# CONCURRENTLY) runs statement by statement from psql; a psql killed inside
# CREATE INDEX CONCURRENTLY, or stopped by ON_ERROR_STOP at a failing
# statement, resumes where it stopped when the same command is run again.
#
# Sessions are sequenced with locks, never with sleeps:
#   gate     holds SHARE on aux.trace, so r1's script stops at its INSERT
#            into aux.trace while r1's transaction holds migrate's lock;
#   blocker  queues for migrate's advisory lock (shared) behind r1, so it
#            gets it the moment r1 commits and before r2's begin_step can;
#            it then inserts into big (RowExclusiveLock, kept open) and lets
#            the lock go; CREATE INDEX CONCURRENTLY then waits for it.
cd "$(dirname "$0")"
. ./helpers.bash
trap '' PIPE

newdb DB || exit 1
GEXEC="SELECT * FROM migrate.upgrade_statements('heads') \\gexec"
GEXEC_DOWN="SELECT * FROM migrate.downgrade_statements('base') \\gexec"

# run_gexec NAME SQL: run one \gexec command in the foreground; status in $RC,
# stdout+stderr in $WORK/NAME.out
run_gexec() {
    printf '%s\n' "$2" | PGAPPNAME="gexec_$1" "${PSQL[@]}" -d "$DB" >"$WORK/$1.out" 2>&1
    RC=$?
}

"${PSQL[@]}" -q -d "$DB" >"$WORK/setup.out" 2>&1 <<'SQL' || { not_ok "set up the plan"; diag <"$WORK/setup.out"; exit 1; }
CREATE EXTENSION migrate;
CREATE SCHEMA aux;
CREATE TABLE aux.trace (id serial, what text);   -- every script run leaves a row
CREATE TABLE aux.switch (on_ int);               -- empty: r4 fails (division by zero)
SELECT migrate.revision('create big',
  upgrade => $$CREATE TABLE big (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, x int NOT NULL);
INSERT INTO big (x) SELECT g % 500 FROM generate_series(1, 1000) g;
INSERT INTO aux.trace (what) VALUES ('r1 up');$$,
  downgrade => $$DROP TABLE big; INSERT INTO aux.trace (what) VALUES ('r1 down');$$,
  id => 'r1');
SELECT migrate.revision('index big.x concurrently',
  upgrade => 'DROP INDEX CONCURRENTLY IF EXISTS big_x_idx; CREATE INDEX CONCURRENTLY big_x_idx ON big (x);',
  downgrade => 'DROP INDEX CONCURRENTLY IF EXISTS big_x_idx',
  id => 'r2', transactional => false);
SELECT migrate.revision('add big.y',
  upgrade => $$ALTER TABLE big ADD y int; INSERT INTO aux.trace (what) VALUES ('r3 up');$$,
  downgrade => $$ALTER TABLE big DROP y; INSERT INTO aux.trace (what) VALUES ('r3 down');$$,
  id => 'r3');
SQL

# ---------------------------------------------------------------------------
# upgrade() cannot run the plan: it refuses before running anything
# ---------------------------------------------------------------------------
out=$("${PSQL[@]}" -d "$DB" -v VERBOSITY=verbose -c "SELECT * FROM migrate.upgrade('heads')" 2>&1)
like "$out" 'ERROR:  25001: revision "r2" is not transactional' \
    "upgrade('heads') refuses the non-transactional revision with 25001"
is "$(q "$DB" "SELECT count(*) FROM migrate.log") $(q "$DB" "SELECT to_regclass('big') IS NULL")" \
    "0 t" "the refused upgrade() ran nothing, not even r1"
out=$("${PSQL[@]}" -d "$DB" -v VERBOSITY=verbose -c "CALL migrate.upgrade_each('heads')" 2>&1)
like "$out" 'ERROR:  25001: revision "r2" is not transactional' \
    "upgrade_each('heads') refuses it too, before committing anything"
is "$(q "$DB" "SELECT count(*) FROM migrate.log") $(q "$DB" "SELECT to_regclass('big') IS NULL")" \
    "0 t" "the refused upgrade_each() ran nothing either"

# ---------------------------------------------------------------------------
# kill the \gexec run inside CREATE INDEX CONCURRENTLY
# ---------------------------------------------------------------------------
mkfifo "$WORK/gate.fifo" "$WORK/blocker.fifo"
PGAPPNAME=gate "${PSQL[@]}" -d "$DB" <"$WORK/gate.fifo" >"$WORK/gate.out" 2>&1 &
BG_PIDS+=($!)
exec 5>"$WORK/gate.fifo"
PGAPPNAME=blocker "${PSQL[@]}" -d "$DB" <"$WORK/blocker.fifo" >"$WORK/blocker.out" 2>&1 &
BG_PIDS+=($!)
exec 6>"$WORK/blocker.fifo"

pid_of="SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name"
printf '%s\n' "BEGIN;" "LOCK TABLE aux.trace IN SHARE MODE;" >&5
await "gate session holds SHARE on aux.trace" "$DB" "SELECT EXISTS (SELECT FROM pg_locks
    WHERE relation = 'aux.trace'::regclass AND mode = 'ShareLock' AND granted AND pid = ($pid_of = 'gate'))"

printf '%s\n' "$GEXEC" | PGAPPNAME=gexec_run "${PSQL[@]}" -d "$DB" >"$WORK/run1.out" 2>&1 &
GEXEC_PID=$!
BG_PIDS+=($GEXEC_PID)

await "the gexec session runs r1 (apply_step) and waits at its INSERT into aux.trace" "$DB" \
    "SELECT EXISTS (SELECT FROM pg_locks WHERE relation = 'aux.trace'::regclass
       AND NOT granted AND pid = ($pid_of = 'gexec_run'))"
is "$(q "$DB" "SELECT query FROM pg_stat_activity WHERE application_name = 'gexec_run'")" \
    "migrate: running upgrade  -> r1, create big" \
    "while r1 runs, pg_stat_activity shows the step (transactional: inside apply_step)"

printf '%s\n' "BEGIN;" "SELECT pg_advisory_lock_shared(1835624306, 1);" >&6
await "blocker queues for migrate's advisory lock behind r1" "$DB" \
    "SELECT EXISTS (SELECT FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
       AND pid = ($pid_of = 'blocker'))"

# let r1 finish: the blocker is granted the advisory lock as r1 commits
printf '%s\n' "COMMIT;" >&5
await "blocker gets migrate's advisory lock when r1 commits" "$DB" \
    "SELECT EXISTS (SELECT FROM pg_locks WHERE locktype = 'advisory' AND granted
       AND pid = ($pid_of = 'blocker'))"
printf '%s\n' "INSERT INTO big (x) VALUES (-1);" "SELECT pg_advisory_unlock_shared(1835624306, 1);" >&6
await "blocker holds a write lock on big in an open transaction" "$DB" \
    "SELECT EXISTS (SELECT FROM pg_locks WHERE relation = 'big'::regclass
       AND mode = 'RowExclusiveLock' AND granted AND pid = ($pid_of = 'blocker'))
     AND NOT EXISTS (SELECT FROM pg_locks WHERE locktype = 'advisory' AND pid = ($pid_of = 'blocker'))"

cic="CREATE INDEX CONCURRENTLY big_x_idx ON big (x)"
if wait_for "$DB" "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'gexec_run'
    AND query = '$cic' AND wait_event_type = 'Lock'
    AND pg_blocking_pids(pid) = ARRAY[($pid_of = 'blocker')])"; then
    ok "the gexec session waits inside CREATE INDEX CONCURRENTLY, blocked by the writer"
else
    not_ok "the gexec session waits inside CREATE INDEX CONCURRENTLY, blocked by the writer"
    q "$DB" "SELECT application_name, state, wait_event_type, wait_event, query FROM pg_stat_activity WHERE datname = current_database()" | diag
fi
# pg_stat_activity.query is the client's statement itself: no migrate function
# wraps it, so it runs at top level (where PostgreSQL allows CONCURRENTLY)
is "$(q "$DB" "SELECT query FROM pg_stat_activity WHERE application_name = 'gexec_run'")" "$cic" \
    "CREATE INDEX CONCURRENTLY is the session's top-level statement"

is "$(q "$DB" "SELECT pg_terminate_backend(($pid_of = 'gexec_run'))")" "t" "terminate the gexec backend"
wait "$GEXEC_PID"
rc=$?
is "$rc" 2 "the killed psql exits with status 2 (connection lost)"
like "$(cat "$WORK/run1.out")" 'terminating connection due to administrator command' \
    "the killed psql saw the termination"

printf '%s\n' "ROLLBACK;" >&6
exec 5>&- 6>&-
await "blocker rolled back; helper sessions ended" "$DB" \
    "SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE datname = current_database()
       AND application_name IN ('gate', 'blocker', 'gexec_run'))"

is "$(q "$DB" "SELECT * FROM migrate.current()")" "r1" "after the kill: current() = r1"
is "$(q "$DB" "SELECT string_agg(revision || ' ' || operation, ',' ORDER BY id) FROM migrate.log")" \
    "r1 upgrade" "after the kill: one log row, r1's upgrade (r2 not recorded)"
is "$(q "$DB" "SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('big_x_idx')")" "f" \
    "after the kill: big_x_idx exists and is INVALID"

# ---------------------------------------------------------------------------
# the same command again resumes at r2 and finishes
# ---------------------------------------------------------------------------
run_gexec run2 "$GEXEC"
is "$RC" 0 "second \\gexec run completes"
out=$(cat "$WORK/run2.out")
like "$out" 'begin_step' "second run starts at r2's begin_step"
if grep -q 'running upgrade  -> r1' "$WORK/run2.out"; then
    not_ok "second run does not run r1 again"; diag <"$WORK/run2.out"
else
    ok "second run does not run r1 again"
fi
is "$(grep -cE '^(DROP|CREATE) INDEX$' "$WORK/run2.out")" 2 \
    "second run drops the invalid index and creates it (two command tags from psql)"
is "$(q "$DB" "SELECT * FROM migrate.current()")" "r3" "after the resume: current() = r3"
is "$(q "$DB" "SELECT string_agg(revision || ' ' || operation || ' ' || coalesce(sqlstate, 'ok'), ',' ORDER BY id) FROM migrate.log")" \
    "r1 upgrade ok,r2 upgrade ok,r3 upgrade ok" \
    "log: exactly one successful upgrade row each for r1, r2, r3"
is "$(q "$DB" "SELECT heads_before::text || heads_after::text FROM migrate.log WHERE revision = 'r2'")" \
    "{r1}{r2}" "r2's log row (written by end_step) moves r1 -> r2"
is "$(q "$DB" "SELECT indisvalid AND indisready FROM pg_index WHERE indexrelid = to_regclass('big_x_idx')")" "t" \
    "big_x_idx is valid"
is "$(q "$DB" "SELECT count(*) FROM pg_class WHERE relname LIKE 'big_x_idx%'")" 1 "exactly one big_x_idx (no leftover copy)"
is "$(q "$DB" "SELECT string_agg(what, ',' ORDER BY id) FROM aux.trace")" "r1 up,r3 up" \
    "r1's script ran once, r3's once (trace table)"
is "$(q "$DB" "SELECT count(*) FROM big WHERE x = -1")" 0 "the blocker's rolled-back row is not there"
is "$(q "$DB" "SELECT count(*) FROM migrate.upgrade_statements('heads')")" 0 "nothing left to run"

# ---------------------------------------------------------------------------
# ON_ERROR_STOP: a failing statement stops the run; after the fix the same
# command resumes.  r4 (transactional) fails until aux.switch has a row; r5
# (non-transactional) fails at its second statement (duplicates) and leaves
# an invalid unique index, which its first statement drops on the next run.
# ---------------------------------------------------------------------------
"${PSQL[@]}" -q -d "$DB" >"$WORK/setup2.out" 2>&1 <<'SQL' || { not_ok "register r4, r5, r6"; diag <"$WORK/setup2.out"; }
SELECT migrate.revision('t4',
  upgrade => $$CREATE TABLE t4 (id int);
INSERT INTO t4 SELECT 1 / (SELECT count(*)::int FROM aux.switch);
INSERT INTO aux.trace (what) VALUES ('r4 up');$$,
  downgrade => 'DROP TABLE t4', id => 'r4');
SELECT migrate.revision('unique big.x concurrently',
  upgrade => $$DROP INDEX CONCURRENTLY IF EXISTS big_x_uidx;
CREATE UNIQUE INDEX CONCURRENTLY big_x_uidx ON big (x);$$,
  downgrade => 'DROP INDEX CONCURRENTLY IF EXISTS big_x_uidx',
  id => 'r5', transactional => false);
SELECT migrate.revision('t6',
  upgrade => $$CREATE TABLE t6 (id int); INSERT INTO aux.trace (what) VALUES ('r6 up');$$,
  downgrade => 'DROP TABLE t6', id => 'r6');
SQL

run_gexec fail1 "\\set VERBOSITY verbose
$GEXEC"
out=$(cat "$WORK/fail1.out")
is "$RC" 3 "run stopped by ON_ERROR_STOP at r4 (psql exit status 3)"
like "$out" 'ERROR:  22012: division by zero' "r4's error keeps its SQLSTATE"
like "$out" 'while applying revision "r4" \(upgrade\), statement 2 at line 2' "r4's error names revision, statement and line"
if grep -q 'r5' "$WORK/fail1.out"; then not_ok "nothing after r4 ran"; diag <"$WORK/fail1.out"; else ok "nothing after r4 ran"; fi
is "$(q "$DB" "SELECT * FROM migrate.current()") $(q "$DB" "SELECT to_regclass('t4') IS NULL")" "r3 t" \
    "r4 rolled back entirely: current() = r3, no table t4"

q "$DB" "INSERT INTO aux.switch VALUES (1)"
run_gexec fail2 "\\set VERBOSITY verbose
$GEXEC"
out=$(cat "$WORK/fail2.out")
is "$RC" 3 "second run stops at r5's CREATE UNIQUE INDEX CONCURRENTLY"
like "$out" 'ERROR:  23505: could not create unique index "big_x_uidx"' "r5's error is the unique violation"
is "$(q "$DB" "SELECT * FROM migrate.current()")" "r4" "r4 recorded, r5 not: current() = r4"
is "$(q "$DB" "SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('big_x_uidx')")" "f" \
    "the failed CREATE UNIQUE INDEX CONCURRENTLY left an INVALID index"
is "$(q "$DB" "SELECT count(*) FROM migrate.log WHERE revision IN ('r5', 'r6')")" 0 "r5 and r6 not logged"

q "$DB" "DELETE FROM big WHERE id > 500"
run_gexec fail3 "$GEXEC"
is "$RC" 0 "third run, after removing the duplicates, completes"
is "$(q "$DB" "SELECT * FROM migrate.current()")" "r6" "current() = r6"
is "$(q "$DB" "SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('big_x_uidx')")" "t" \
    "big_x_uidx is valid"
is "$(q "$DB" "SELECT string_agg(revision, ',' ORDER BY id) FROM migrate.log WHERE operation = 'upgrade'")" \
    "r1,r2,r3,r4,r5,r6" "log: one upgrade row per revision, in order"
is "$(q "$DB" "SELECT string_agg(what, ',' ORDER BY id) FROM aux.trace")" "r1 up,r3 up,r4 up,r6 up" \
    "every transactional script ran exactly once"

# ---------------------------------------------------------------------------
# downgrade_statements('base') \gexec undoes everything
# ---------------------------------------------------------------------------
run_gexec down "$GEXEC_DOWN"
is "$RC" 0 "downgrade_statements('base') \\gexec completes"
like "$(cat "$WORK/down.out")" 'DROP INDEX' "the CONCURRENTLY downgrades ran as statements"
is "$(q "$DB" "SELECT count(*) FROM migrate.version")" 0 "version table empty"
is "$(q "$DB" "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = relnamespace
                 WHERE nspname = 'public'")" 0 "no tables, indexes or sequences left in public"
is "$(q "$DB" "SELECT string_agg(revision, ',' ORDER BY id) FROM migrate.log WHERE operation = 'downgrade'")" \
    "r6,r5,r4,r3,r2,r1" "log: one downgrade row per revision, newest first"
is "$(q "$DB" "SELECT string_agg(what, ',' ORDER BY id) FROM aux.trace WHERE what LIKE '%down'")" "r3 down,r1 down" \
    "downgrade scripts ran once each"

# ---------------------------------------------------------------------------
# a lock_timeout while another session migrates says whose lock it was
# ---------------------------------------------------------------------------
PGAPPNAME=holder "${PSQL[@]}" -d "$DB" -c "SELECT pg_advisory_lock(1835624306, 1), pg_sleep(60)" >/dev/null 2>&1 &
await "a session holds migrate's advisory lock" "$DB" \
    "SELECT EXISTS (SELECT FROM pg_locks WHERE locktype = 'advisory' AND classid = 1835624306 AND objid = 1 AND granted)"
out=$(PGOPTIONS="-c lock_timeout=200ms" "${PSQL[@]}" -d "$DB" -c "SELECT * FROM migrate.upgrade('heads')" 2>&1)
like "$out" "ERROR:  canceling statement due to lock timeout" "upgrade() gives up after lock_timeout"
like "$out" "CONTEXT:  waiting for migrate's advisory lock \(1835624306, 1\): another session is migrating this database" \
    "... and names the lock it waited for"
q "$DB" "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'holder'" >/dev/null
wait

finish
