/* migrate--0.2--0.3.sql: hardening (repairs of applied revisions, a guard
 * against dropping the history, status() that shows what blocks a plan,
 * honest volatility) */

\echo Use "ALTER EXTENSION migrate UPDATE TO '0.3'" to load this file. \quit

-- A repair changes what an applied revision may change (message, labels,
-- transactional, downgrade script) without running it; migrate.log keeps
-- a row saying what changed.
ALTER TABLE migrate.log ADD COLUMN detail text;
COMMENT ON COLUMN migrate.log.detail IS
  'What a repair changed in an applied revision; NULL for other operations';
ALTER TABLE migrate.log
    DROP CONSTRAINT log_operation_check,
    ADD CONSTRAINT log_operation_check
        CHECK (operation IN ('upgrade', 'downgrade', 'stamp', 'repair'));
COMMENT ON TABLE migrate.log IS
  'One row per executed step (and per stamp and repair), with the version rows before and after';

-- ---------------------------------------------------------------------
-- DROP EXTENSION migrate is refused while migrate.version has rows
-- ---------------------------------------------------------------------

CREATE FUNCTION migrate.guard_drop() RETURNS event_trigger
AS 'MODULE_PATHNAME', 'migrate_guard_drop'
LANGUAGE C;
COMMENT ON FUNCTION migrate.guard_drop() IS
  'Event trigger: refuses to drop the extension (DROP EXTENSION, DROP SCHEMA ... CASCADE, DROP OWNED) while migrate.version has rows, unless migrate.allow_drop is on';
REVOKE ALL ON FUNCTION migrate.guard_drop() FROM PUBLIC;
CREATE EVENT TRIGGER migrate_guard_drop ON ddl_command_start
    WHEN TAG IN ('DROP EXTENSION', 'DROP SCHEMA', 'DROP OWNED')
    EXECUTE FUNCTION migrate.guard_drop();

-- ---------------------------------------------------------------------
-- status() gains a column: why pending could not be computed
-- ---------------------------------------------------------------------

-- Replaced in one block so that the privileges a DBA set on the 0.2
-- function carry over to the new one.
DO $update$
DECLARE
    public_execute boolean;
    grants text[];
    stmt text;
BEGIN
    SELECT pg_catalog.has_function_privilege('public', 'migrate.status()', 'EXECUTE')
      INTO public_execute;
    SELECT coalesce(pg_catalog.array_agg(pg_catalog.format(
               'GRANT EXECUTE ON FUNCTION migrate.status() TO %s%s',
               pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(a.grantee)),
               CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)), '{}')
      INTO grants
      FROM pg_catalog.pg_proc p, pg_catalog.aclexplode(p.proacl) a
     WHERE p.oid = 'migrate.status()'::pg_catalog.regprocedure
       AND a.privilege_type = 'EXECUTE' AND a.grantee <> p.proowner AND a.grantee <> 0;

    DROP FUNCTION migrate.status();
    CREATE FUNCTION migrate.status()
    RETURNS TABLE(current text[], heads text[], pending text[], problem text)
    AS 'MODULE_PATHNAME', 'migrate_status'
    LANGUAGE C VOLATILE;
    IF NOT public_execute THEN
        REVOKE ALL ON FUNCTION migrate.status() FROM PUBLIC;
    END IF;
    FOREACH stmt IN ARRAY grants LOOP
        EXECUTE stmt;
    END LOOP;
END
$update$;
COMMENT ON FUNCTION migrate.status() IS
  'The version rows, the heads, and the revisions upgrade(''heads'') would run, in order; problem says why pending is NULL (an unknown version row, overlapping rows, a broken graph)';

-- ---------------------------------------------------------------------
-- Readers are VOLATILE: each reads the tables with a fresh snapshot (so a
-- statement sees its own registrations) and may map or create a shared
-- memory segment for the graph
-- ---------------------------------------------------------------------

ALTER FUNCTION migrate.current() VOLATILE;
ALTER FUNCTION migrate.heads() VOLATILE;
ALTER FUNCTION migrate.bases() VOLATILE;
ALTER FUNCTION migrate.branches() VOLATILE;
ALTER FUNCTION migrate.history(text) VOLATILE;
ALTER FUNCTION migrate.show(text) VOLATILE;
ALTER FUNCTION migrate.upgrade_statements(text) VOLATILE;
ALTER FUNCTION migrate.downgrade_statements(text) VOLATILE;
ALTER FUNCTION migrate.upgrade_sql(text, text) VOLATILE;
ALTER FUNCTION migrate.downgrade_sql(text, text) VOLATILE;
ALTER FUNCTION migrate.verify() VOLATILE;

COMMENT ON FUNCTION migrate.show(text) IS
  'One revision with its scripts and graph neighbours; script text needs SELECT on migrate.revisions';
COMMENT ON FUNCTION migrate.upgrade_statements(text) IS
  'The upgrade plan as one top-level statement per row, for psql''s \gexec; non-transactional revisions (CREATE INDEX CONCURRENTLY) run statement by statement; needs SELECT on migrate.revisions';
COMMENT ON FUNCTION migrate.downgrade_statements(text) IS
  'The downgrade plan as one top-level statement per row, for psql''s \gexec; needs SELECT on migrate.revisions';
COMMENT ON FUNCTION migrate.upgrade_sql(text, text) IS
  'The upgrade as one psql script (BEGIN/COMMIT, version table and log statements); from_revision defaults to the version table; needs SELECT on migrate.revisions';
COMMENT ON FUNCTION migrate.downgrade_sql(text, text) IS
  'The downgrade as one psql script; from_revision defaults to the version table; needs SELECT on migrate.revisions';
COMMENT ON FUNCTION migrate.load(text) IS
  'Register one revision written in the revision file format; the same file again changes nothing, an edited file replaces an unapplied revision and repairs an applied one (all but its upgrade script and parents)';
