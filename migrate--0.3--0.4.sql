/* migrate--0.3--0.4.sql: a directory of revision files in one call */

\echo Use "ALTER EXTENSION migrate UPDATE TO '0.4'" to load this file. \quit

CREATE FUNCTION migrate.sync(scripts text[], file_names text[] DEFAULT NULL,
                             prune boolean DEFAULT false)
RETURNS TABLE(revision text, file_name text, status text, detail text)
AS 'MODULE_PATHNAME', 'migrate_sync'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION migrate.sync(text[], text[], boolean) IS
  'Register a whole directory of revision files in any order; one row per file (new, unchanged, replaced, refused) and per registered revision no file carries (stale; pruned with prune => true when unapplied)';

REVOKE ALL ON FUNCTION migrate.sync(text[], text[], boolean) FROM PUBLIC;
