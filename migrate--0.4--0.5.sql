/* migrate--0.4--0.5.sql: snapshots of the schema and the diff between two */

\echo Use "ALTER EXTENSION migrate UPDATE TO '0.5'" to load this file. \quit


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
