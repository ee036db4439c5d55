/* migrate--0.1.sql: install script of the migrate extension */

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
    operation    text NOT NULL CHECK (operation IN ('upgrade', 'downgrade', 'stamp')),
    checksum     text,
    started_at   timestamptz NOT NULL,
    duration     interval NOT NULL,
    applied_by   text NOT NULL,
    heads_before text[] NOT NULL,
    heads_after  text[] NOT NULL
);
COMMENT ON TABLE migrate.log IS
  'One row per executed step (and per stamp), with the version rows before and after';

SELECT pg_catalog.pg_extension_config_dump('migrate.revisions', '');
SELECT pg_catalog.pg_extension_config_dump('migrate.revisions_position_seq', '');
SELECT pg_catalog.pg_extension_config_dump('migrate.version', '');
SELECT pg_catalog.pg_extension_config_dump('migrate.log', '');
SELECT pg_catalog.pg_extension_config_dump('migrate.log_id_seq', '');

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
  'Register (or replace, if unapplied) one revision written in the revision file format';

CREATE FUNCTION migrate.drop_revision(id text)
RETURNS void
AS 'MODULE_PATHNAME', 'migrate_drop_revision'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION migrate.drop_revision(text) IS
  'Remove an unapplied revision that no other revision builds on or depends on';

-- ---------------------------------------------------------------------
-- Applying
-- ---------------------------------------------------------------------

CREATE FUNCTION migrate.upgrade(target text DEFAULT 'head')
RETURNS TABLE(revision text, operation text, message text, duration interval)
AS 'MODULE_PATHNAME', 'migrate_upgrade'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION migrate.upgrade(text) IS
  'Run the upgrade scripts up to target in the caller''s transaction; one row per executed step';

CREATE FUNCTION migrate.downgrade(target text)
RETURNS TABLE(revision text, operation text, message text, duration interval)
AS 'MODULE_PATHNAME', 'migrate_downgrade'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION migrate.downgrade(text) IS
  'Run the downgrade scripts down to target in the caller''s transaction; one row per executed step';

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
LANGUAGE C STABLE;
COMMENT ON FUNCTION migrate.current() IS
  'The version table: the applied heads, sorted';

CREATE FUNCTION migrate.heads()
RETURNS TABLE(revision text, branch_labels text[], message text)
AS 'MODULE_PATHNAME', 'migrate_heads'
LANGUAGE C STABLE;
COMMENT ON FUNCTION migrate.heads() IS
  'Revisions no other revision revises, in registration order';

CREATE FUNCTION migrate.bases()
RETURNS TABLE(revision text, branch_labels text[], message text)
AS 'MODULE_PATHNAME', 'migrate_bases'
LANGUAGE C STABLE;
COMMENT ON FUNCTION migrate.bases() IS
  'Revisions without down revisions, in registration order';

CREATE FUNCTION migrate.branches()
RETURNS TABLE(revision text, next_revisions text[])
AS 'MODULE_PATHNAME', 'migrate_branches'
LANGUAGE C STABLE;
COMMENT ON FUNCTION migrate.branches() IS
  'Branch points: revisions revised by more than one revision';

CREATE FUNCTION migrate.history("range" text DEFAULT NULL)
RETURNS TABLE(revision text, down_revisions text[], message text,
              is_head boolean, is_base boolean, is_merge boolean,
              is_branch_point boolean, applied boolean)
AS 'MODULE_PATHNAME', 'migrate_history'
LANGUAGE C STABLE;
COMMENT ON FUNCTION migrate.history(text) IS
  'Revisions newest first (like alembic history); range ''a:b'', ''a:'', '':b'', ''current:''';

CREATE FUNCTION migrate.show(revision text)
RETURNS TABLE(revision text, down_revisions text[], next_revisions text[],
              depends_on text[], dependents text[], branch_labels text[],
              message text, upgrade_sql text, downgrade_sql text,
              transactional boolean, checksum text, applied boolean)
AS 'MODULE_PATHNAME', 'migrate_show'
LANGUAGE C STABLE;
COMMENT ON FUNCTION migrate.show(text) IS
  'One revision with its scripts and graph neighbours';

CREATE FUNCTION migrate.status()
RETURNS TABLE(current text[], heads text[], pending text[])
AS 'MODULE_PATHNAME', 'migrate_status'
LANGUAGE C STABLE;
COMMENT ON FUNCTION migrate.status() IS
  'The version rows, the heads, and the revisions upgrade(''heads'') would run, in order';

-- ---------------------------------------------------------------------
-- Privileges: reading is for everyone, changing needs a grant
-- ---------------------------------------------------------------------

REVOKE ALL ON FUNCTION
    migrate.revision(text, text, text, text[], text, text[], text[], text, boolean),
    migrate.merge(text[], text, text),
    migrate.load(text),
    migrate.drop_revision(text),
    migrate.upgrade(text),
    migrate.downgrade(text),
    migrate.stamp(text, boolean),
    migrate.stamp(text[], boolean)
FROM PUBLIC;
