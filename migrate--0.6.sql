/* migrate--0.6.sql: install script of the migrate extension, version 0.6
 * in one piece.  Its catalog must equal that of 0.1 updated through
 * migrate--0.1--0.2.sql, ..., migrate--0.4--0.5.sql and
 * migrate--0.5--0.6.sql (test/psql/extension_update.sh). */

\echo Use "CREATE EXTENSION migrate" to load this file. \quit

-- ---------------------------------------------------------------------
-- Storage
-- ---------------------------------------------------------------------

CREATE TABLE migrate.revisions (
    id             text PRIMARY KEY
                   CHECK (id ~ '^[A-Za-z0-9_]{1,64}$'),
    down_revisions text[] NOT NULL DEFAULT '{}',
    depends_on     text[] NOT NULL DEFAULT '{}',
    branch_labels  text[] NOT NULL DEFAULT '{}',
    message        text,
    upgrade_sql    text NOT NULL,
    downgrade_sql  text,
    transactional  boolean NOT NULL DEFAULT true,
    checksum       text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    position       bigserial NOT NULL UNIQUE
);
-- registration looks names up by label without loading the graph
CREATE INDEX revisions_branch_labels_idx ON migrate.revisions USING gin (branch_labels)
    WITH (fastupdate = off);
COMMENT ON TABLE migrate.revisions IS
  'Registered revisions: scripts and their place in the revision graph; position is the registration order';

CREATE TABLE migrate.version (
    revision text PRIMARY KEY
);
COMMENT ON TABLE migrate.version IS
  'The applied heads, one row per independently applied branch (like alembic_version)';

CREATE TABLE migrate.log (
    id           bigserial PRIMARY KEY,
    revision     text NOT NULL,
    operation    text NOT NULL,
    checksum     text,
    started_at   timestamptz NOT NULL,
    duration     interval NOT NULL,
    applied_by   text NOT NULL,
    heads_before text[] NOT NULL,
    heads_after  text[] NOT NULL,
    sqlstate     text,
    error        text,
    detail       text,
    CONSTRAINT log_operation_check CHECK (operation IN ('upgrade', 'downgrade', 'stamp', 'repair'))
);
-- history() looks up the last step of each revision it shows
CREATE INDEX log_revision_id ON migrate.log (revision, id);
COMMENT ON TABLE migrate.log IS
  'One row per executed step (and per stamp and repair), with the version rows before and after';
COMMENT ON COLUMN migrate.log.sqlstate IS
  'SQLSTATE of a failed step (upgrade_each, downgrade_each); NULL when the step succeeded';
COMMENT ON COLUMN migrate.log.error IS
  'Error message of a failed step; NULL when the step succeeded';
COMMENT ON COLUMN migrate.log.detail IS
  'What a repair changed in an applied revision; NULL for other operations';

SELECT pg_catalog.pg_extension_config_dump('migrate.revisions', '');
SELECT pg_catalog.pg_extension_config_dump('migrate.revisions_position_seq', '');
SELECT pg_catalog.pg_extension_config_dump('migrate.version', '');
SELECT pg_catalog.pg_extension_config_dump('migrate.log', '');
SELECT pg_catalog.pg_extension_config_dump('migrate.log_id_seq', '');

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

-- DROP EXTENSION migrate is refused while migrate.version has rows
CREATE FUNCTION migrate.guard_drop() RETURNS event_trigger
AS 'MODULE_PATHNAME', 'migrate_guard_drop'
LANGUAGE C;
COMMENT ON FUNCTION migrate.guard_drop() IS
  'Event trigger: refuses to drop the extension (DROP EXTENSION, DROP SCHEMA ... CASCADE, DROP OWNED) while migrate.version has rows, unless migrate.allow_drop is on';
REVOKE ALL ON FUNCTION migrate.guard_drop() FROM PUBLIC;
CREATE EVENT TRIGGER migrate_guard_drop ON ddl_command_start
    WHEN TAG IN ('DROP EXTENSION', 'DROP SCHEMA', 'DROP OWNED')
    EXECUTE FUNCTION migrate.guard_drop();

-- Reading goes through the functions (which read as the extension owner);
-- nobody but the owner writes the tables directly.
REVOKE ALL ON migrate.revisions, migrate.version, migrate.log FROM PUBLIC;
REVOKE ALL ON SEQUENCE migrate.revisions_position_seq, migrate.log_id_seq FROM PUBLIC;
GRANT USAGE ON SCHEMA migrate TO PUBLIC;

-- ---------------------------------------------------------------------
-- Registration
-- ---------------------------------------------------------------------

CREATE FUNCTION migrate.revision(
    message text,
    upgrade text,
    downgrade text DEFAULT NULL,
    down_revision text[] DEFAULT NULL,
    id text DEFAULT NULL,
    branch_labels text[] DEFAULT NULL,
    depends_on text[] DEFAULT NULL,
    head text DEFAULT NULL,
    transactional boolean DEFAULT true)
RETURNS text
AS 'MODULE_PATHNAME', 'migrate_revision'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION migrate.revision(text, text, text, text[], text, text[], text[], text, boolean) IS
  'Register a revision and return its id; without down_revision it goes on top of the single head';

CREATE FUNCTION migrate.merge(
    revisions text[] DEFAULT NULL,
    message text DEFAULT NULL,
    id text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'migrate_merge'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION migrate.merge(text[], text, text) IS
  'Register an empty revision whose down revisions are the given ones (default: all heads)';

CREATE FUNCTION migrate.load(script text)
RETURNS text
AS 'MODULE_PATHNAME', 'migrate_load'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION migrate.load(text) IS
  'Register one revision written in the revision file format; the same file again changes nothing, an edited file replaces an unapplied revision and repairs an applied one (all but its upgrade script and parents)';

CREATE FUNCTION migrate.sync(scripts text[], file_names text[] DEFAULT NULL,
                             prune boolean DEFAULT false)
RETURNS TABLE(revision text, file_name text, status text, detail text)
AS 'MODULE_PATHNAME', 'migrate_sync'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION migrate.sync(text[], text[], boolean) IS
  'Register a whole directory of revision files in any order; one row per file (new, unchanged, replaced, refused) and per registered revision no file carries (stale; pruned with prune => true when unapplied)';

CREATE FUNCTION migrate.drop_revision(id text)
RETURNS void
AS 'MODULE_PATHNAME', 'migrate_drop_revision'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION migrate.drop_revision(text) IS
  'Remove an unapplied revision that no other revision builds on or depends on';

-- ---------------------------------------------------------------------
-- Applying
-- ---------------------------------------------------------------------

CREATE FUNCTION migrate.upgrade(target text DEFAULT 'head', dry_run boolean DEFAULT false)
RETURNS TABLE(revision text, operation text, message text, duration interval,
              locks text[], rewritten text[])
AS 'MODULE_PATHNAME', 'migrate_upgrade'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION migrate.upgrade(text, boolean) IS
  'Run the upgrade scripts up to target in the caller''s transaction; one row per executed step. dry_run => true runs them in a subtransaction, reports the locks each step took and the tables it rewrote, and rolls back';

CREATE FUNCTION migrate.downgrade(target text, dry_run boolean DEFAULT false)
RETURNS TABLE(revision text, operation text, message text, duration interval,
              locks text[], rewritten text[])
AS 'MODULE_PATHNAME', 'migrate_downgrade'
LANGUAGE C VOLATILE;
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

CREATE FUNCTION migrate.stamp(target text, purge boolean DEFAULT false)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'migrate_stamp'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION migrate.stamp(text, boolean) IS
  'Set the version table to target without running scripts; returns the new version rows';

CREATE FUNCTION migrate.stamp(targets text[], purge boolean DEFAULT false)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'migrate_stamp_many'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION migrate.stamp(text[], boolean) IS
  'Set the version table to several targets at once (alembic stamp a b); returns the new version rows';

-- ---------------------------------------------------------------------
-- Reading
-- ---------------------------------------------------------------------

CREATE FUNCTION migrate.current()
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'migrate_current'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION migrate.current() IS
  'The version table: the applied heads, sorted';

CREATE FUNCTION migrate.heads()
RETURNS TABLE(revision text, branch_labels text[], message text)
AS 'MODULE_PATHNAME', 'migrate_heads'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION migrate.heads() IS
  'Revisions no other revision revises, in registration order';

CREATE FUNCTION migrate.bases()
RETURNS TABLE(revision text, branch_labels text[], message text)
AS 'MODULE_PATHNAME', 'migrate_bases'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION migrate.bases() IS
  'Revisions without down revisions, in registration order';

CREATE FUNCTION migrate.branches()
RETURNS TABLE(revision text, next_revisions text[])
AS 'MODULE_PATHNAME', 'migrate_branches'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION migrate.branches() IS
  'Branch points: revisions revised by more than one revision';

CREATE FUNCTION migrate.history("range" text DEFAULT NULL,
                                page_size integer DEFAULT NULL,
                                after text DEFAULT NULL)
RETURNS TABLE(revision text, down_revisions text[], message text,
              is_head boolean, is_base boolean, is_merge boolean,
              is_branch_point boolean, applied boolean,
              applied_at timestamptz, applied_by text, duration interval,
              last_error text)
AS 'MODULE_PATHNAME', 'migrate_history'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION migrate.history(text, integer, text) IS
  'Revisions newest first (like alembic history), with when, by whom and how long each applied one took and the error of a failed last attempt (migrate.log); range ''a:b'', ''a:'', '':b'', ''current:''; page_size rows after the revision after';

CREATE FUNCTION migrate.graph(format text DEFAULT 'dot', since text DEFAULT NULL,
                              depth integer DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'migrate_graph'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION migrate.graph(text, text, integer) IS
  'The revision graph in Graphviz DOT: merges, branch labels, dependencies dashed, applied revisions filled, heads double-bordered, the version rows in bold; since: only what came after a revision; depth: levels below the heads';

CREATE FUNCTION migrate.record_failure(revision text, operation text, sqlstate text,
                                       message text, duration interval DEFAULT '0')
RETURNS void
AS 'MODULE_PATHNAME', 'migrate_record_failure'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION migrate.record_failure(text, text, text, text, interval) IS
  'Log a step that failed and was rolled back with its transaction (pg_migrate calls it after the rollback), as upgrade_each() logs its own failures; history() shows it as last_error';
REVOKE ALL ON FUNCTION migrate.record_failure(text, text, text, text, interval) FROM PUBLIC;

CREATE FUNCTION migrate.show(revision text)
RETURNS TABLE(revision text, down_revisions text[], next_revisions text[],
              depends_on text[], dependents text[], branch_labels text[],
              message text, upgrade_sql text, downgrade_sql text,
              transactional boolean, checksum text, applied boolean)
AS 'MODULE_PATHNAME', 'migrate_show'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION migrate.show(text) IS
  'One revision with its scripts and graph neighbours; script text needs SELECT on migrate.revisions';

CREATE FUNCTION migrate.status()
RETURNS TABLE(current text[], heads text[], pending text[], problem text)
AS 'MODULE_PATHNAME', 'migrate_status'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION migrate.status() IS
  'The version rows, the heads, and the revisions upgrade(''heads'') would run, in order; problem says why pending is NULL (an unknown version row, overlapping rows, a broken graph)';

-- ---------------------------------------------------------------------
-- Plans as statements for psql's \gexec, and their bookkeeping calls
-- ---------------------------------------------------------------------

CREATE FUNCTION migrate.upgrade_statements(target text DEFAULT 'head')
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'migrate_upgrade_statements'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION migrate.upgrade_statements(text) IS
  'The upgrade plan as one top-level statement per row, for psql''s \gexec; non-transactional revisions (CREATE INDEX CONCURRENTLY) run statement by statement; needs SELECT on migrate.revisions';

CREATE FUNCTION migrate.downgrade_statements(target text)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'migrate_downgrade_statements'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION migrate.downgrade_statements(text) IS
  'The downgrade plan as one top-level statement per row, for psql''s \gexec; needs SELECT on migrate.revisions';

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
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION migrate.upgrade_sql(text, text) IS
  'The upgrade as one psql script (BEGIN/COMMIT, version table and log statements); from_revision defaults to the version table; needs SELECT on migrate.revisions';

CREATE FUNCTION migrate.downgrade_sql(target text, from_revision text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'migrate_downgrade_sql'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION migrate.downgrade_sql(text, text) IS
  'The downgrade as one psql script; from_revision defaults to the version table; needs SELECT on migrate.revisions';

-- ---------------------------------------------------------------------
-- Operating safely
-- ---------------------------------------------------------------------

CREATE FUNCTION migrate.verify()
RETURNS TABLE(revision text, problem text, detail text)
AS 'MODULE_PATHNAME', 'migrate_verify'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION migrate.verify() IS
  'One row per problem: applied revisions edited since, unknown version rows, unmerged heads, missing parents; no rows = healthy';

CREATE FUNCTION migrate.check_roundtrip(target text DEFAULT 'heads')
RETURNS TABLE(revision text, problem text, detail text)
AS 'MODULE_PATHNAME', 'migrate_check_roundtrip'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION migrate.check_roundtrip(text) IS
  'Upgrade, downgrade and upgrade each pending revision in a subtransaction, compare catalog fingerprints, roll back; one row per problem';

-- ---------------------------------------------------------------------
-- The schema as data, and the difference between two schemas
-- ---------------------------------------------------------------------

CREATE FUNCTION migrate.snapshot(schemas text[] DEFAULT NULL)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'migrate_snapshot'
LANGUAGE C STABLE;
COMMENT ON FUNCTION migrate.snapshot(text[]) IS
  'The user schemas (or those named) as jsonb, read in one statement: objects keyed by identity, definitions as the server prints them, dependencies, a fingerprint';

CREATE FUNCTION migrate.diff(from_snapshot jsonb, to_snapshot jsonb,
                             renames jsonb DEFAULT NULL,
                             concurrently boolean DEFAULT false)
RETURNS TABLE(seq int, statement text, hazards text[], transactional boolean)
AS 'MODULE_PATHNAME', 'migrate_diff'
LANGUAGE C IMMUTABLE;
COMMENT ON FUNCTION migrate.diff(jsonb, jsonb, jsonb, boolean) IS
  'The statements that turn the schema of from_snapshot into that of to_snapshot, in dependency order, with their hazards; diff(to, from) is the way back';

-- The schema each change of the version rows left, for drift(): recorded
-- when a transaction in which migrate upgraded, downgraded or stamped
-- commits, keyed by the version rows it left.
CREATE TABLE migrate.schema_snapshots (
    version     text[] PRIMARY KEY,
    fingerprint text NOT NULL,
    snapshot    jsonb NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE migrate.schema_snapshots IS
  'The snapshot of the user schemas each set of version rows left when migrate last set it (migrate.record_schema), what drift() compares with';
SELECT pg_catalog.pg_extension_config_dump('migrate.schema_snapshots', '');
REVOKE ALL ON migrate.schema_snapshots FROM PUBLIC;


CREATE FUNCTION migrate.desired_snapshot(desired_sql text, schemas text[] DEFAULT NULL)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'migrate_desired_snapshot'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION migrate.desired_snapshot(text, text[]) IS
  'The snapshot of the schema desired_sql describes: built in a subtransaction over emptied managed schemas and rolled back; needs migrate.allow_autogenerate';

CREATE FUNCTION migrate.autogenerate(message text, desired_sql text,
                                     schemas text[] DEFAULT NULL,
                                     renames jsonb DEFAULT NULL,
                                     allow_destructive boolean DEFAULT false,
                                     id text DEFAULT NULL,
                                     head text DEFAULT NULL,
                                     concurrently boolean DEFAULT false)
RETURNS text
AS 'MODULE_PATHNAME', 'migrate_autogenerate'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION migrate.autogenerate(text, text, text[], jsonb, boolean, text, text, boolean) IS
  'Register a revision whose upgrade is the diff from the head schema to the one desired_sql describes and whose downgrade is the reverse; needs migrate.allow_autogenerate, refuses to delete data unless allow_destructive';

CREATE FUNCTION migrate."check"(desired_sql text, schemas text[] DEFAULT NULL,
                                renames jsonb DEFAULT NULL)
RETURNS TABLE(seq int, statement text, hazards text[], transactional boolean)
AS 'MODULE_PATHNAME', 'migrate_check_desired'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION migrate."check"(text, text[], jsonb) IS
  'What the schema desired_sql describes needs beyond the head schema, as diff() rows; no rows = no difference (Alembic''s check); needs migrate.allow_autogenerate';

CREATE FUNCTION migrate.drift()
RETURNS TABLE(object text, change text, statement text, hazards text[])
AS 'MODULE_PATHNAME', 'migrate_drift'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION migrate.drift() IS
  'What changed in the schema outside migrations since the current version rows were set: the object, added/removed/changed, and the statement that undoes it';

REVOKE ALL ON FUNCTION
    migrate.desired_snapshot(text, text[]),
    migrate.autogenerate(text, text, text[], jsonb, boolean, text, text, boolean),
    migrate."check"(text, text[], jsonb)
FROM PUBLIC;

-- ---------------------------------------------------------------------
-- Privileges: reading is for everyone, changing needs a grant
-- ---------------------------------------------------------------------

REVOKE ALL ON FUNCTION
    migrate.revision(text, text, text, text[], text, text[], text[], text, boolean),
    migrate.merge(text[], text, text),
    migrate.load(text),
    migrate.sync(text[], text[], boolean),
    migrate.drop_revision(text),
    migrate.upgrade(text, boolean),
    migrate.downgrade(text, boolean),
    migrate.stamp(text, boolean),
    migrate.stamp(text[], boolean),
    migrate.apply_step(text, text, text),
    migrate.begin_step(text, text, text),
    migrate.end_step(text, text, text),
    migrate.check_roundtrip(text)
FROM PUBLIC;
REVOKE ALL ON PROCEDURE
    migrate.upgrade_each(text),
    migrate.downgrade_each(text)
FROM PUBLIC;
