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

