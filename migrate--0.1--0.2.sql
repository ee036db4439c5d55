/* migrate--0.1--0.2.sql: production operation (per-revision commits,
 * non-transactional revisions, offline SQL, verify, dry runs, round trips) */

\echo Use "ALTER EXTENSION migrate UPDATE TO '0.2'" to load this file. \quit

-- A step of upgrade_each/downgrade_each that failed is logged durably,
-- with the error it raised; successful steps leave both columns NULL.
ALTER TABLE migrate.log
    ADD COLUMN sqlstate text,
    ADD COLUMN error text;
COMMENT ON COLUMN migrate.log.sqlstate IS
  'SQLSTATE of a failed step (upgrade_each, downgrade_each); NULL when the step succeeded';
COMMENT ON COLUMN migrate.log.error IS
  'Error message of a failed step; NULL when the step succeeded';

-- Each backend keeps the revision graph it last built; a statement trigger
-- bumps this counter once per transaction that changes migrate.revisions,
-- which tells the other backends to build theirs again.
CREATE TABLE migrate.graph_generation (gen bigint NOT NULL);
INSERT INTO migrate.graph_generation VALUES (0);
COMMENT ON TABLE migrate.graph_generation IS
  'One row: bumped by every transaction that changes migrate.revisions, so backends know their cached graph is out of date';
REVOKE ALL ON migrate.graph_generation FROM PUBLIC;

CREATE FUNCTION migrate.revisions_changed() RETURNS trigger
AS 'MODULE_PATHNAME', 'migrate_revisions_changed'
LANGUAGE C;
COMMENT ON FUNCTION migrate.revisions_changed() IS
  'Trigger of migrate.revisions: invalidates the cached revision graphs';
REVOKE ALL ON FUNCTION migrate.revisions_changed() FROM PUBLIC;
CREATE TRIGGER revisions_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON migrate.revisions
    FOR EACH STATEMENT EXECUTE FUNCTION migrate.revisions_changed();
-- also for replication apply and session_replication_role = replica
ALTER TABLE migrate.revisions ENABLE ALWAYS TRIGGER revisions_changed;

-- ---------------------------------------------------------------------
-- Applying: upgrade and downgrade gain dry_run
-- ---------------------------------------------------------------------

-- Replaced in one block so that the grants a DBA gave on the 0.1
-- functions carry over to the new ones.
DO $update$
DECLARE
    grants text[];
    stmt   text;
BEGIN
    SELECT coalesce(pg_catalog.array_agg(pg_catalog.format(
               'GRANT EXECUTE ON FUNCTION migrate.%I(text, boolean) TO %s%s', p.proname,
               CASE WHEN a.grantee = 0 THEN 'PUBLIC'
                    ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(a.grantee)) END,
               CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)), '{}')
      INTO grants
      FROM pg_catalog.pg_proc p, pg_catalog.aclexplode(p.proacl) a
     WHERE p.oid IN ('migrate.upgrade(text)'::pg_catalog.regprocedure,
                     'migrate.downgrade(text)'::pg_catalog.regprocedure)
       AND a.privilege_type = 'EXECUTE' AND a.grantee <> p.proowner;

    DROP FUNCTION migrate.upgrade(text);
    DROP FUNCTION migrate.downgrade(text);
    CREATE FUNCTION migrate.upgrade(target text DEFAULT 'head', dry_run boolean DEFAULT false)
    RETURNS TABLE(revision text, operation text, message text, duration interval,
                  locks text[], rewritten text[])
    AS 'MODULE_PATHNAME', 'migrate_upgrade'
    LANGUAGE C VOLATILE;
    CREATE FUNCTION migrate.downgrade(target text, dry_run boolean DEFAULT false)
    RETURNS TABLE(revision text, operation text, message text, duration interval,
                  locks text[], rewritten text[])
    AS 'MODULE_PATHNAME', 'migrate_downgrade'
    LANGUAGE C VOLATILE;
    REVOKE ALL ON FUNCTION migrate.upgrade(text, boolean), migrate.downgrade(text, boolean)
        FROM PUBLIC;
    FOREACH stmt IN ARRAY grants LOOP
        EXECUTE stmt;
    END LOOP;
END
$update$;
COMMENT ON FUNCTION migrate.upgrade(text, boolean) IS
  'Run the upgrade scripts up to target in the caller''s transaction; one row per executed step. dry_run => true runs them in a subtransaction, reports the locks each step took and the tables it rewrote, and rolls back';
COMMENT ON FUNCTION migrate.downgrade(text, boolean) IS
  'Run the downgrade scripts down to target in the caller''s transaction; one row per executed step. dry_run => true reports locks and rewrites, then rolls back';

CREATE PROCEDURE migrate.upgrade_each(target text DEFAULT 'head')
AS 'MODULE_PATHNAME', 'migrate_upgrade_each'
LANGUAGE C;
COMMENT ON PROCEDURE migrate.upgrade_each(text) IS
  'Upgrade to target committing after every revision; a failed step is rolled back and logged durably';

CREATE PROCEDURE migrate.downgrade_each(target text)
AS 'MODULE_PATHNAME', 'migrate_downgrade_each'
LANGUAGE C;
COMMENT ON PROCEDURE migrate.downgrade_each(text) IS
  'Downgrade to target committing after every revision; a failed step is rolled back and logged durably';

-- ---------------------------------------------------------------------
-- Plans as statements for psql's \gexec, and their bookkeeping calls
-- ---------------------------------------------------------------------

CREATE FUNCTION migrate.upgrade_statements(target text DEFAULT 'head')
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'migrate_upgrade_statements'
LANGUAGE C STABLE;
COMMENT ON FUNCTION migrate.upgrade_statements(text) IS
  'The upgrade plan as one top-level statement per row, for psql''s \gexec; non-transactional revisions (CREATE INDEX CONCURRENTLY) run statement by statement';

CREATE FUNCTION migrate.downgrade_statements(target text)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'migrate_downgrade_statements'
LANGUAGE C STABLE;
COMMENT ON FUNCTION migrate.downgrade_statements(text) IS
  'The downgrade plan as one top-level statement per row, for psql''s \gexec';

CREATE FUNCTION migrate.apply_step(revision text, operation text, checksum text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'migrate_apply_step'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION migrate.apply_step(text, text, text) IS
  'Run and record one step (operation upgrade or downgrade) of one transactional revision; used by upgrade_statements';

CREATE FUNCTION migrate.begin_step(revision text, operation text, checksum text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'migrate_begin_step'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION migrate.begin_step(text, text, text) IS
  'Check that a non-transactional step may start now; its statements follow as separate top-level statements';

CREATE FUNCTION migrate.end_step(revision text, operation text, checksum text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'migrate_end_step'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION migrate.end_step(text, text, text) IS
  'Record a non-transactional step whose statements have all run';

-- ---------------------------------------------------------------------
-- Offline SQL (alembic upgrade --sql)
-- ---------------------------------------------------------------------

CREATE FUNCTION migrate.upgrade_sql(target text DEFAULT 'head', from_revision text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'migrate_upgrade_sql'
LANGUAGE C STABLE;
COMMENT ON FUNCTION migrate.upgrade_sql(text, text) IS
  'The upgrade as one psql script (BEGIN/COMMIT, version table and log statements); from_revision defaults to the version table';

CREATE FUNCTION migrate.downgrade_sql(target text, from_revision text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'migrate_downgrade_sql'
LANGUAGE C STABLE;
COMMENT ON FUNCTION migrate.downgrade_sql(text, text) IS
  'The downgrade as one psql script; from_revision defaults to the version table';

-- ---------------------------------------------------------------------
-- Operating safely
-- ---------------------------------------------------------------------

CREATE FUNCTION migrate.verify()
RETURNS TABLE(revision text, problem text, detail text)
AS 'MODULE_PATHNAME', 'migrate_verify'
LANGUAGE C STABLE;
COMMENT ON FUNCTION migrate.verify() IS
  'One row per problem: applied revisions edited since, unknown version rows, unmerged heads, missing parents; no rows = healthy';

CREATE FUNCTION migrate.check_roundtrip(target text DEFAULT 'heads')
RETURNS TABLE(revision text, problem text, detail text)
AS 'MODULE_PATHNAME', 'migrate_check_roundtrip'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION migrate.check_roundtrip(text) IS
  'Upgrade, downgrade and upgrade each pending revision in a subtransaction, compare catalog fingerprints, roll back; one row per problem';

REVOKE ALL ON FUNCTION
    migrate.apply_step(text, text, text),
    migrate.begin_step(text, text, text),
    migrate.end_step(text, text, text),
    migrate.check_roundtrip(text)
FROM PUBLIC;
REVOKE ALL ON PROCEDURE
    migrate.upgrade_each(text),
    migrate.downgrade_each(text)
FROM PUBLIC;

