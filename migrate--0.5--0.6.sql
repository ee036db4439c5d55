/* migrate--0.5--0.6.sql: the revision graph as a picture (graph()), and a
 * history that pages and says when, by whom and how long */

\echo Use "ALTER EXTENSION migrate UPDATE TO '0.6'" to load this file. \quit

-- history() looks up the last step of each revision it shows
CREATE INDEX log_revision_id ON migrate.log (revision, id);

-- history() gains paging and the log's when, who, how long and last error
DROP FUNCTION migrate.history(text);
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

-- a client logs a step its rolled-back transaction could not
CREATE FUNCTION migrate.record_failure(revision text, operation text, sqlstate text,
                                       message text, duration interval DEFAULT '0')
RETURNS void
AS 'MODULE_PATHNAME', 'migrate_record_failure'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION migrate.record_failure(text, text, text, text, interval) IS
  'Log a step that failed and was rolled back with its transaction (pg_migrate calls it after the rollback), as upgrade_each() logs its own failures; history() shows it as last_error';
REVOKE ALL ON FUNCTION migrate.record_failure(text, text, text, text, interval) FROM PUBLIC;
