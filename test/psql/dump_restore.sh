#!/usr/bin/env bash
# pg_dump / pg_restore of a migrated database: migrate's tables and their
# sequences are marked with pg_extension_config_dump, so a dump keeps the
# registered revisions, the version rows and the log.  A database with
# revisions registered (labels, depends_on, a merge-free branch, an
# irreversible root, a non-transactional revision applied through \gexec,
# a message with quotes, a newline and a backslash), partly upgraded, with
# log rows of upgrades, a downgrade, a stamp and a failed upgrade_each
# step, is dumped in custom format (-Fc) and restored with pg_restore into
# a fresh database, and dumped in plain format and restored with psql.
# Each copy must hold the same revisions, version rows, log rows and
# sequence positions (a new revision and a new log row get the next ids),
# the same grants, and upgrade('heads') must continue from there exactly
# as it does in the original.  Restoring over a database whose migrate
# holds history (pg_restore --clean) is refused until migrate.allow_drop
# is set; a data-only restore with --disable-triggers into a database
# that has the extension is read correctly by every new connection, and
# verify() says that the trigger pg_restore re-enabled no longer counts
# every write.
cd "$(dirname "$0")"
. ./helpers.bash

ROLE="migrate_test_dump_$$"
trap 'cleanup; dropuser --if-exists "$ROLE" >/dev/null 2>&1' EXIT

# snapshot DB FILE: everything migrate keeps, every column, and the sequences
snapshot() {
    "${PSQL[@]}" -qAt -d "$1" >"$2" 2>&1 <<'SQL'
SELECT 'revision', * FROM migrate.revisions ORDER BY position;
SELECT 'version', * FROM migrate.version ORDER BY revision;
SELECT 'log', * FROM migrate.log ORDER BY id;
SELECT 'log_id_seq', last_value, is_called FROM migrate.log_id_seq;
SELECT 'revisions_position_seq', last_value, is_called FROM migrate.revisions_position_seq;
SQL
}

# same_state DESC DB1 DB2: user schema, user data, and migrate's rows (3 checks)
same_state() {
    local d
    for d in schema data migrate; do
        "dump_$d" "$2" "$WORK/$2.$d"
        "dump_$d" "$3" "$WORK/$3.$d"
        same_files "$WORK/$2.$d" "$WORK/$3.$d" "$1: same $d"
    done
}

# ---------------------------------------------------------------------------
# the source database
# ---------------------------------------------------------------------------
newdb S || exit 1
"${PSQL[@]}" -q -d "$S" -v role="$ROLE" >"$WORK/setup.out" 2>&1 <<'SQL' || { not_ok "migrate the source database"; diag <"$WORK/setup.out"; exit 1; }
SET client_min_messages = warning;
CREATE EXTENSION migrate;
CREATE ROLE :"role" NOLOGIN;
GRANT EXECUTE ON FUNCTION migrate.upgrade(text, boolean), migrate.load(text) TO :"role";
SELECT migrate.revision('users', 'CREATE TABLE users (id int PRIMARY KEY, email text)', 'DROP TABLE users', id => 'r1');
SELECT migrate.revision(E'phone: it''s "quoted"\nsecond line \\ backslash', 'ALTER TABLE users ADD phone text',
                        'ALTER TABLE users DROP phone', id => 'r2', branch_labels => '{core}');
SELECT migrate.revision(NULL, 'CREATE TABLE audit (at timestamptz, what text)', NULL, id => 'x1',
                        down_revision => '{}', branch_labels => '{audit}');
SELECT migrate.load(E'-- migrate:revision n1\n-- migrate:revises x1\n-- migrate:message audit index\n'
                    '-- migrate:transactional false\n-- migrate:upgrade\n'
                    'CREATE INDEX CONCURRENTLY audit_at ON audit (at);\n'
                    '-- migrate:downgrade\nDROP INDEX CONCURRENTLY audit_at;\n');
SELECT migrate.revision('fails first', 'INSERT INTO audit VALUES (now(), 1/0)', 'DELETE FROM audit',
                        id => 'r3', head => 'core@head', depends_on => '{audit}');
SELECT migrate.revision('data', $$INSERT INTO users VALUES (2, 'b@example.com', '+2')$$, '', id => 'r4',
                        down_revision => '{r3}');
SELECT revision FROM migrate.upgrade('r2');
SELECT revision FROM migrate.downgrade('core@-1');
SELECT revision FROM migrate.upgrade('r2');
INSERT INTO users VALUES (1, 'a@example.com', '+1');
SELECT revision FROM migrate.upgrade('x1');
SELECT * FROM migrate.stamp('r2');
SQL
# the non-transactional revision through \gexec, then a failing step of upgrade_each
"${PSQL[@]}" -q -d "$S" >>"$WORK/setup.out" 2>&1 <<'SQL' || { not_ok "apply n1 through \\gexec"; diag <"$WORK/setup.out"; }
SET client_min_messages = warning;
SELECT * FROM migrate.upgrade_statements('n1') \gexec
SQL
q "$S" "CALL migrate.upgrade_each('heads')" >"$WORK/each.out" 2>&1
like "$(cat "$WORK/each.out")" "division by zero" "source: upgrade_each stops at r3 with its error"
# r3's file is fixed before the dump: an unapplied revision is replaced by load()
is "$(q "$S" "SELECT migrate.load(E'-- migrate:revision r3\n-- migrate:revises r2\n-- migrate:message fixed\n-- migrate:depends-on audit\n-- migrate:upgrade\nINSERT INTO audit VALUES (''2020-01-01 00:00+00'', ''r3'');\n-- migrate:downgrade\nDELETE FROM audit;\n')")" \
    "r3" "source: r3 replaced by a fixed file"
is "$(q "$S" "SELECT string_agg(c, ',') FROM migrate.current() AS c")" "n1,r2" "source: version rows n1, r2"
is "$(q "$S" "SELECT string_agg(revision || ' ' || operation || coalesce(' ' || sqlstate, ''), ',' ORDER BY id) FROM migrate.log")" \
    "r1 upgrade,r2 upgrade,r2 downgrade,r2 upgrade,x1 upgrade,r2 stamp,n1 upgrade,r3 upgrade 22012" \
    "source: the log holds upgrades, a downgrade, a stamp and the failed step"
is "$(q "$S" "SELECT count(*) FROM migrate.verify()")" "0" "source: verify() finds it healthy"
snapshot "$S" "$WORK/S.snap"

pg_dump -Fc -f "$WORK/S.dump" "$S" 2>"$WORK/dump.err"
check "pg_dump -Fc of the migrated database" test -s "$WORK/S.dump"
pg_dump -f "$WORK/S.sql" "$S" 2>>"$WORK/dump.err"
check "pg_dump of the same database in plain format" test -s "$WORK/S.sql"
is "$(cat "$WORK/dump.err")" "" "pg_dump printed no warning"
like "$(pg_restore -l "$WORK/S.dump")" "TABLE DATA migrate revisions" "the archive holds the data of migrate.revisions"
like "$(pg_restore -l "$WORK/S.dump")" "SEQUENCE SET migrate log_id_seq" "and the position of migrate.log_id_seq"

# ---------------------------------------------------------------------------
# restored copies: custom format with pg_restore, plain format with psql
# ---------------------------------------------------------------------------
newdb R || exit 1
pg_restore --exit-on-error -d "$R" "$WORK/S.dump" >"$WORK/restore.out" 2>&1
status=$?
is "$status" "0" "pg_restore into a fresh database succeeds"
[ "$status" -eq 0 ] || diag <"$WORK/restore.out"

newdb P || exit 1
"${PSQL[@]}" -q -d "$P" -f "$WORK/S.sql" >"$WORK/plain.out" 2>&1
status=$?
is "$status" "0" "psql restores the plain dump into a fresh database"
[ "$status" -eq 0 ] || diag <"$WORK/plain.out"

for copy in R P; do
    db=${!copy}
    what=$([ "$copy" = R ] && echo "pg_restore" || echo "plain dump")
    snapshot "$db" "$WORK/$copy.snap"
    same_files "$WORK/S.snap" "$WORK/$copy.snap" \
        "$what: revisions (scripts, checksums, created_at, position), version rows, log rows (every column) and both sequences identical"
    same_state "$what, before continuing" "$S" "$db"
    is "$(q "$db" "SELECT extversion FROM pg_extension WHERE extname = 'migrate'")" "0.6" "$what: extension migrate 0.6"
    is "$(q "$db" "SELECT has_function_privilege('$ROLE', 'migrate.upgrade(text, boolean)', 'EXECUTE'),
                          has_function_privilege('$ROLE', 'migrate.load(text)', 'EXECUTE'),
                          has_function_privilege('$ROLE', 'migrate.stamp(text, boolean)', 'EXECUTE'),
                          has_function_privilege('public', 'migrate.upgrade(text, boolean)', 'EXECUTE'),
                          has_table_privilege('public', 'migrate.version', 'INSERT')")" \
        "t|t|f|f|f" "$what: the deployer's grants kept, PUBLIC still without EXECUTE on upgrade or write access"
    is "$(q "$db" "SELECT count(*) FROM migrate.verify()")" "0" "$what: verify() finds it healthy"
    is "$(q "$db" "SELECT message FROM migrate.show('r2')")" "phone: it's \"quoted\"
second line \\ backslash" "$what: a message with quotes, a newline and a backslash survives"
    is "$(q "$db" "SELECT string_agg(revision, ',') FROM migrate.heads();
                   SELECT revision FROM migrate.show('audit@head');
                   SELECT revision FROM migrate.show('core@head')")" \
        "n1,r4
n1
r4" "$what: heads() as in the source, and labels inherited along the branches"
    is "$(q "$db" "SELECT string_agg(r, ',') FROM migrate.status() s, unnest(s.pending) AS r")" "r3,r4" \
        "$what: status() has r3 and r4 pending"
    is "$(q "$db" "SELECT count(*) FROM pg_indexes WHERE indexname = 'audit_at'")" "1" \
        "$what: the index built through \\gexec is there"
done

# ---------------------------------------------------------------------------
# continuing: upgrade('heads') in the source and in both copies
# ---------------------------------------------------------------------------
for db in "$S" "$R" "$P"; do
    q "$db" "SELECT string_agg(revision, ',') FROM migrate.upgrade('heads')" >"$WORK/$db.cont" 2>&1
done
for copy in R P; do
    db=${!copy}
    what=$([ "$copy" = R ] && echo "pg_restore" || echo "plain dump")
    is "$(cat "$WORK/$db.cont")" "r3,r4" "$what: upgrade('heads') continues with r3 and r4"
    is "$(q "$db" "SELECT string_agg(id || ' ' || revision || ' ' || heads_before::text || ' ' || heads_after::text, ',' ORDER BY id)
                     FROM migrate.log WHERE id > 8")" \
        "9 r3 {n1,r2} {n1,r3},10 r4 {n1,r3} {n1,r4}" \
        "$what: the new log rows get ids 9 and 10, after the restored ones"
    same_state "$what, after upgrade('heads')" "$S" "$db"
    is "$(q "$db" "SELECT migrate.revision('after restore', 'SELECT 1', 'SELECT 1', id => 'r5', head => 'core@head');
                   SELECT position FROM migrate.revisions WHERE id = 'r5'")" \
        "r5
7" "$what: a revision registered after the restore gets position 7"
    is "$(q "$db" "SELECT string_agg(revision, ',') FROM migrate.upgrade('heads');
                   SELECT string_agg(c, ',') FROM migrate.current() c")" \
        "r5
n1,r5" "$what: and applies on top"
    is "$(q "$db" "SELECT string_agg(revision, ',') FROM migrate.downgrade('core@r2')")" "r5,r4,r3" \
        "$what: downgrades through revisions applied before and after the restore"
    is "$(q "$db" "SELECT count(*) FROM migrate.verify()")" "0" "$what: verify() is still empty"
done

# ---------------------------------------------------------------------------
# restoring over history, and data-only restores with triggers disabled
# ---------------------------------------------------------------------------

pg_restore --clean --if-exists --exit-on-error -d "$R" "$WORK/S.dump" >"$WORK/clean.out" 2>&1
is "$?" "1" "pg_restore --clean over a database whose migrate has history stops"
like "$(cat "$WORK/clean.out")" 'extension "migrate" holds the migration history of this database' \
    "at DROP EXTENSION migrate, with the guard's message"
is "$(q "$R" "SELECT count(*) FROM migrate.version")" "2" "and the history is still there"
PGOPTIONS="-c migrate.allow_drop=on" pg_restore --clean --if-exists --exit-on-error -d "$R" "$WORK/S.dump" \
    >"$WORK/clean2.out" 2>&1
is "$?" "0" "with PGOPTIONS='-c migrate.allow_drop=on' pg_restore --clean replaces it"
snapshot "$R" "$WORK/R2.snap"
same_files "$WORK/S.snap" "$WORK/R2.snap" "and the restored history equals the dumped one"

newdb T || exit 1
q "$T" "CREATE EXTENSION migrate" >/dev/null
is "$(q "$T" "SELECT count(*) FROM migrate.heads()")" "0" \
    "data-only target: the extension, no revisions yet (its empty graph cached and shared)"
pg_restore --data-only --disable-triggers --schema=migrate --exit-on-error -d "$T" "$WORK/S.dump" >"$WORK/data.out" 2>&1
is "$?" "0" "pg_restore --data-only --disable-triggers --schema=migrate into it succeeds"
is "$(q "$T" "SELECT string_agg(revision, ',') FROM migrate.heads()")" "n1,r4" \
    "a new connection sees the restored revisions, not the empty graph of before"
is "$(q "$T" "SELECT problem FROM migrate.verify()")" "revisions trigger not always enabled" \
    "verify() says pg_restore left the trigger enabled for origin sessions only"
q "$T" "ALTER TABLE migrate.revisions ENABLE ALWAYS TRIGGER revisions_changed" >/dev/null
is "$(q "$T" "SELECT count(*) FROM migrate.verify()")" "0" "ENABLE ALWAYS, as verify() says, and it is healthy"
is "$(q "$T" "SELECT string_agg(revision, ',') FROM migrate.heads()")" "n1,r4" "and still reads the restored graph"

finish
