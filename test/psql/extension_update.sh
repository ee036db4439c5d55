#!/usr/bin/env bash
# A fresh CREATE EXTENSION migrate installs the current version from one
# consolidated script (migrate--0.6.sql); ALTER EXTENSION migrate UPDATE
# from 0.1, 0.2, 0.3, 0.4 and 0.5 runs the update scripts instead.  All six must
# give the same catalog (functions with result types, volatility,
# comments and ACLs; table columns, constraints, indexes, ACLs; triggers
# and event triggers; extension membership and pg_dump configuration),
# as pg_stat_statements tests its versions.  A database migrated under 0.1
# keeps its revisions, version rows and log and goes on migrating;
# privileges a DBA set on a function an update replaces carry over.
cd "$(dirname "$0")"
. ./helpers.bash

# catalog DB NAME: one facet of schema migrate, sorted, into $WORK/DB.NAME
catalog() {
    local sql
    case $2 in
    functions) sql="SELECT p.oid::regprocedure, pg_get_function_arguments(p.oid),
                       pg_get_function_result(p.oid), p.prokind, p.provolatile, p.proisstrict,
                       p.prosecdef, p.proparallel, p.proleakproof, p.procost, p.prorows,
                       p.proconfig, p.probin, p.prosrc, p.proacl, obj_description(p.oid, 'pg_proc')
                  FROM pg_proc p WHERE p.pronamespace = 'migrate'::regnamespace ORDER BY p.oid::regprocedure::text" ;;
    columns) sql="SELECT c.table_name, c.ordinal_position, c.column_name, c.data_type, c.udt_name,
                     c.is_nullable, c.column_default, c.is_identity,
                     col_description(format('migrate.%I', c.table_name)::regclass, c.ordinal_position::int)
                FROM information_schema.columns c WHERE c.table_schema = 'migrate' ORDER BY 1, 2" ;;
    relations) sql="SELECT relname, relkind, relacl, reloptions, obj_description(oid, 'pg_class')
                  FROM pg_class WHERE relnamespace = 'migrate'::regnamespace ORDER BY 1" ;;
    constraints) sql="SELECT conrelid::regclass, conname, pg_get_constraintdef(oid)
                  FROM pg_constraint WHERE connamespace = 'migrate'::regnamespace ORDER BY 1, 2" ;;
    indexes) sql="SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'migrate' ORDER BY 1" ;;
    members) sql="SELECT pg_describe_object(classid, objid, objsubid) FROM pg_depend
                  WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
                    AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'migrate') ORDER BY 1" ;;
    extension) sql="SELECT extversion, extrelocatable, extnamespace::regnamespace,
                       extconfig::regclass[], extcondition, nspacl
                  FROM pg_extension JOIN pg_namespace n ON n.oid = extnamespace
                  WHERE extname = 'migrate'" ;;
    triggers) sql="SELECT tgrelid::regclass, tgname, tgfoid::regprocedure, tgtype, tgenabled, tgisinternal
                  FROM pg_trigger WHERE tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'migrate'::regnamespace)
                   AND NOT tgisinternal ORDER BY 1, 2" ;;
    event_triggers) sql="SELECT evtname, evtevent, evtfoid::regprocedure, evtenabled, evttags
                  FROM pg_event_trigger ORDER BY 1" ;;
    esac
    q "$1" "$sql" >"$WORK/$1.$2"
}

newdb U || exit 1     # 0.1, then ALTER EXTENSION UPDATE (0.1--0.2 ... 0.5--0.6)
newdb V || exit 1     # 0.2, then ALTER EXTENSION UPDATE (0.2--0.3 ... 0.5--0.6)
newdb W || exit 1     # 0.3, then ALTER EXTENSION UPDATE (0.3--0.4 ... 0.5--0.6)
newdb X || exit 1     # 0.4, then ALTER EXTENSION UPDATE (0.4--0.5, 0.5--0.6)
newdb Y || exit 1     # 0.5, then ALTER EXTENSION UPDATE (0.5--0.6)
newdb F || exit 1     # fresh CREATE EXTENSION migrate: migrate--0.6.sql alone
ext_dir="$(pg_config --sharedir)/extension"
check "the current version ships as one consolidated install script" test -f "$ext_dir/migrate--0.6.sql"
is "$(q "$U" "CREATE EXTENSION migrate VERSION '0.1'; SELECT extversion FROM pg_extension WHERE extname = 'migrate'")" \
    "0.1" "CREATE EXTENSION migrate VERSION '0.1'"
is "$(q "$U" "SELECT count(*) FROM pg_proc WHERE proname IN ('upgrade_sql', 'upgrade_statements', 'verify', 'guard_drop')")" 0 \
    "0.1 has none of 0.2's and 0.3's functions"
is "$(q "$U" "ALTER EXTENSION migrate UPDATE; SELECT extversion FROM pg_extension WHERE extname = 'migrate'")" \
    "0.6" "ALTER EXTENSION migrate UPDATE goes from 0.1 to 0.6"
is "$(q "$V" "CREATE EXTENSION migrate VERSION '0.2'; SELECT extversion FROM pg_extension WHERE extname = 'migrate'")" \
    "0.2" "CREATE EXTENSION migrate VERSION '0.2'"
is "$(q "$V" "ALTER EXTENSION migrate UPDATE; SELECT extversion FROM pg_extension WHERE extname = 'migrate'")" \
    "0.6" "ALTER EXTENSION migrate UPDATE goes from 0.2 to 0.6"
is "$(q "$W" "CREATE EXTENSION migrate VERSION '0.3'; SELECT count(*) FROM pg_proc WHERE proname = 'sync'")" \
    "0" "CREATE EXTENSION migrate VERSION '0.3' has no sync()"
is "$(q "$W" "ALTER EXTENSION migrate UPDATE; SELECT extversion FROM pg_extension WHERE extname = 'migrate'")" \
    "0.6" "ALTER EXTENSION migrate UPDATE goes from 0.3 to 0.6"
is "$(q "$X" "CREATE EXTENSION migrate VERSION '0.4'; SELECT count(*) FROM pg_proc WHERE proname IN ('snapshot', 'diff')")" \
    "0" "CREATE EXTENSION migrate VERSION '0.4' has no snapshot() or diff()"
is "$(q "$X" "ALTER EXTENSION migrate UPDATE; SELECT extversion FROM pg_extension WHERE extname = 'migrate'")" \
    "0.6" "ALTER EXTENSION migrate UPDATE goes from 0.4 to 0.6"
# the 0.6 library under 0.5's SQL: history() keeps its eight columns
is "$(q "$Y" "CREATE EXTENSION migrate VERSION '0.5';
             SELECT migrate.revision('one', 'CREATE TABLE y1 (a int)', 'DROP TABLE y1', id => 'y1');
             SELECT count(*) FROM migrate.upgrade('heads');
             SELECT count(*) FROM pg_proc WHERE proname = 'graph'")" \
    "y1
1
0" "CREATE EXTENSION migrate VERSION '0.5' has no graph(), and migrates"
is "$(q "$Y" "SELECT h::text FROM migrate.history() h")" "(y1,{},one,t,t,f,f,t)" \
    "history() under 0.5's SQL returns its eight columns from the 0.6 library"
is "$(q "$Y" "ALTER EXTENSION migrate UPDATE; SELECT extversion FROM pg_extension WHERE extname = 'migrate'")" \
    "0.6" "ALTER EXTENSION migrate UPDATE goes from 0.5 to 0.6"
is "$(q "$Y" "SELECT revision, applied, applied_at IS NOT NULL, applied_by = current_user FROM migrate.history()")" \
    "y1|t|t|t" "after the update, history() tells when and by whom the revision applied under 0.5 ran"
is "$(q "$F" "CREATE EXTENSION migrate; SELECT extversion FROM pg_extension WHERE extname = 'migrate'")" \
    "0.6" "a fresh CREATE EXTENSION migrate is 0.6"

for facet in functions columns relations constraints indexes members extension triggers event_triggers; do
    catalog "$U" $facet
    catalog "$V" $facet
    catalog "$W" $facet
    catalog "$X" $facet
    catalog "$Y" $facet
    catalog "$F" $facet
    same_files "$WORK/$F.$facet" "$WORK/$U.$facet" "0.1 updated and fresh 0.6: same $facet"
    same_files "$WORK/$F.$facet" "$WORK/$V.$facet" "0.2 updated and fresh 0.6: same $facet"
    same_files "$WORK/$F.$facet" "$WORK/$W.$facet" "0.3 updated and fresh 0.6: same $facet"
    same_files "$WORK/$F.$facet" "$WORK/$X.$facet" "0.4 updated and fresh 0.6: same $facet"
    same_files "$WORK/$F.$facet" "$WORK/$Y.$facet" "0.5 updated and fresh 0.6: same $facet"
done
is "$(wc -l <"$WORK/$F.functions")" 37 "the compared function list has all 37 routines (15 of 0.1, 12 of 0.2, 1 of 0.3, 1 of 0.4, 6 of 0.5, 2 of 0.6)"
is "$(wc -l <"$WORK/$F.event_triggers")" 1 "the event trigger guarding DROP EXTENSION is compared"
is "$(q "$F" "SELECT count(*) FROM pg_proc WHERE pronamespace = 'migrate'::regnamespace
                AND has_function_privilege('public', oid, 'EXECUTE')
                AND proname IN ('upgrade', 'downgrade', 'sync', 'apply_step', 'begin_step', 'end_step', 'check_roundtrip',
                                'autogenerate', 'desired_snapshot', 'check', 'record_failure',
                                'upgrade_each', 'downgrade_each', 'guard_drop', 'revisions_changed')")" \
    0 "mutating routines and trigger functions are not executable by PUBLIC"
is "$(q "$F" "SELECT string_agg(DISTINCT has_table_privilege('public', oid, 'INSERT')::text, ',')
                FROM pg_class WHERE relnamespace = 'migrate'::regnamespace AND relkind = 'r'")" \
    "false" "PUBLIC cannot write migrate's tables"

# a DBA's privileges on status(), which 0.2--0.3 replaces, carry over
newdb P || exit 1
q "$P" "CREATE EXTENSION migrate VERSION '0.2'; CREATE ROLE migrate_test_watcher;
        REVOKE EXECUTE ON FUNCTION migrate.status() FROM PUBLIC;
        GRANT EXECUTE ON FUNCTION migrate.status() TO migrate_test_watcher;
        ALTER EXTENSION migrate UPDATE" >/dev/null
is "$(q "$P" "SELECT has_function_privilege('public', 'migrate.status()', 'EXECUTE'),
                     has_function_privilege('migrate_test_watcher', 'migrate.status()', 'EXECUTE')")" \
    "f|t" "status() revoked from PUBLIC and granted to a role under 0.2 stays so in 0.6"
q "$P" "DROP OWNED BY migrate_test_watcher; DROP ROLE migrate_test_watcher" >/dev/null

# Under 0.2 (the new library, the old 3-column status()) there is no
# problem column: status() raises the problem as the engine reported it.
newdb S || exit 1
q "$S" "CREATE EXTENSION migrate VERSION '0.2'; INSERT INTO migrate.version VALUES ('ghost')" >/dev/null
out=$("${PSQL[@]}" -qAt -d "$S" -v VERBOSITY=verbose -c "SELECT * FROM migrate.status()" 2>&1)
like "$out" 'ERROR:  55000: version table names unknown revision "ghost"' \
    "status() under 0.2 raises an unknown version row with its SQLSTATE"
like "$out" 'HINT:  Register the revision again, or reset the table' "... and its hint"
is "$(q "$S" "ALTER EXTENSION migrate UPDATE; SELECT current::text, problem IS NOT NULL FROM migrate.status()")" \
    "{ghost}|t" "after the update to 0.6, status() shows the same problem as a row"

# ---------------------------------------------------------------------------
# data made under 0.1 survives the update, and migrating continues
# ---------------------------------------------------------------------------
newdb D || exit 1
"${PSQL[@]}" -q -d "$D" >"$WORK/setup.out" 2>&1 <<'SQL' || { not_ok "migrate under 0.1"; diag <"$WORK/setup.out"; }
CREATE EXTENSION migrate VERSION '0.1';
CREATE ROLE migrate_test_deployer;
GRANT EXECUTE ON FUNCTION migrate.upgrade(text), migrate.downgrade(text) TO migrate_test_deployer;
GRANT CREATE ON SCHEMA public TO migrate_test_deployer;
SELECT migrate.revision('accounts', 'CREATE TABLE accounts (id int PRIMARY KEY, name text)', 'DROP TABLE accounts', id => 'd1');
SELECT migrate.revision('email', 'ALTER TABLE accounts ADD email text', 'ALTER TABLE accounts DROP email',
                        id => 'd2', branch_labels => '{core}');
SELECT migrate.revision('audit root', 'CREATE TABLE audit (at timestamptz)', 'DROP TABLE audit',
                        id => 'x1', down_revision => '{}');
SELECT migrate.revision('phone', 'ALTER TABLE accounts ADD phone text', 'ALTER TABLE accounts DROP phone', id => 'd3', head => 'core@head');
SELECT * FROM migrate.upgrade('d2');
SELECT * FROM migrate.stamp('x1');
SELECT * FROM migrate.downgrade('core@-1');
SELECT * FROM migrate.upgrade('d2');
SQL
is "$(q "$D" "SELECT string_agg(r, ',') FROM migrate.current() r")" "d2,x1" "under 0.1: migrated to d2 and stamped x1"
is "$(q "$D" "SELECT count(*) FROM migrate.upgrade('d2')")" 0 \
    "under 0.1, the 4-column upgrade(text) works with the 0.2 library"

snapshot() {
    "${PSQL[@]}" -qAt -d "$D" >"$WORK/$1" <<'SQL'
SELECT * FROM migrate.revisions ORDER BY position;
SELECT * FROM migrate.version ORDER BY revision;
SELECT id, revision, operation, checksum, started_at, duration, applied_by, heads_before, heads_after
  FROM migrate.log ORDER BY id;
SELECT last_value FROM migrate.log_id_seq;
SELECT last_value FROM migrate.revisions_position_seq;
SQL
}
snapshot before
q "$D" "ALTER EXTENSION migrate UPDATE"
snapshot after
same_files "$WORK/before" "$WORK/after" "revisions, version rows, log rows and sequences unchanged by the update"
is "$(q "$D" "SELECT count(*) FROM migrate.log WHERE sqlstate IS NOT NULL OR error IS NOT NULL")" 0 \
    "old log rows have NULL sqlstate and error"
is "$(q "$D" "SELECT count(*) FROM migrate.verify()")" 0 "verify() finds the 0.1 data healthy"
is "$(q "$D" "SELECT count(*) FROM migrate.log WHERE detail IS NOT NULL")" 0 "old log rows have a NULL detail"
is "$(q "$D" "SELECT string_agg(revision || ' ' || operation, ',') FROM migrate.upgrade('heads')")" "d3 upgrade" \
    "upgrade('heads') after the update runs only d3"
is "$(q "$D" "SELECT id - (SELECT max(id) FROM migrate.log WHERE revision <> 'd3') || ' ' || heads_before::text || heads_after::text
                FROM migrate.log WHERE revision = 'd3'")" \
    "1 {d2,x1}{d3,x1}" "its log row follows the old ones: next id, {d2,x1} -> {d3,x1}"
is "$(q "$D" "SELECT migrate.revision('name index', 'CREATE INDEX ON accounts (name)', 'DROP INDEX accounts_name_idx', id => 'd4', head => 'core@head');
              SELECT string_agg(revision, ',') FROM migrate.upgrade('heads');
              SELECT string_agg(r, ',') FROM migrate.current() r")" \
    "d4
d4
d4,x1" "a revision registered after the update applies"
is "$(q "$D" "SELECT string_agg(revision, ',') FROM migrate.downgrade('core@d1')")" "d4,d3,d2" \
    "downgrade through revisions applied before and after the update"

# A role granted EXECUTE on upgrade(text) under 0.1: 0.1--0.2 replaces
# that function by upgrade(text, boolean) and carries the grant over.
is "$(q "$D" "SELECT has_function_privilege('migrate_test_deployer', 'migrate.upgrade(text, boolean)', 'EXECUTE')
                 AND has_function_privilege('migrate_test_deployer', 'migrate.downgrade(text, boolean)', 'EXECUTE')")" \
    "t" "a deployer granted upgrade()/downgrade() under 0.1 keeps EXECUTE on the 0.2 functions"
is "$(q "$D" "SELECT has_function_privilege('migrate_test_deployer', 'migrate.upgrade_each(text)', 'EXECUTE')
                 OR has_function_privilege('public', 'migrate.upgrade(text, boolean)', 'EXECUTE')")" \
    "f" "... and nothing more: no new procedure, PUBLIC still revoked"
out=$(PGOPTIONS="-c role=migrate_test_deployer" "${PSQL[@]}" -qAt -d "$D" \
      -c "SELECT count(*) FROM migrate.upgrade('heads', dry_run => true)" 2>&1)
like "$out" "must be owner of table accounts" \
    "the deployer reaches the scripts (which then need their own privileges)"
q "$D" "DROP OWNED BY migrate_test_deployer; DROP ROLE migrate_test_deployer" >/dev/null

finish
