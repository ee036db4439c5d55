-- 85_privileges.sql: privileges and search_path.  A role with no grants
-- can read but cannot register, apply, stamp or touch migrate's tables
-- (each attempt a clean 42501); a deployer granted exactly what README.md
-- "Privileges" lists migrates without owning anything of migrate's; a
-- hostile role that plants tables, functions, aggregates and operators
-- named like the ones migrate uses, in a schema first on the caller's
-- search_path, changes nothing migrate does; and the catalog: no function
-- is SECURITY DEFINER, every one has a comment, PUBLIC may execute exactly
-- the reading functions.  Roles are created inside the suite's
-- transaction and go away with its ROLLBACK.  Known bugs are TODO tests.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION migrate;

SELECT plan(80);

\ir helpers.psql

-- everything migrate keeps, without timestamps, positions and log ids
CREATE FUNCTION pg_temp.migrate_state() RETURNS text LANGUAGE sql AS $$
    SELECT concat_ws(E'\n',
        (SELECT string_agg(concat_ws('|', id, down_revisions, depends_on, branch_labels, message,
                                     upgrade_sql, downgrade_sql, transactional, checksum), E'\n' ORDER BY position)
           FROM migrate.revisions),
        (SELECT string_agg(revision, ',' ORDER BY revision) FROM migrate.version),
        (SELECT string_agg(concat_ws('|', revision, operation, checksum, heads_before, heads_after,
                                     sqlstate, error), E'\n' ORDER BY id)
           FROM migrate.log))
$$;

CREATE ROLE migrate_pgtap85_nobody NOLOGIN;
CREATE ROLE migrate_pgtap85_deployer NOLOGIN;
CREATE ROLE migrate_pgtap85_hostile NOLOGIN;

-- a small graph, p1 applied: p1 -> p2 -> p3 (non-transactional)
SELECT migrate.revision('p one', 'CREATE TABLE public.pv_one (id int)', 'DROP TABLE public.pv_one', id => 'p1') \gset
SELECT migrate.revision('p two', 'ALTER TABLE public.pv_one ADD n int', 'ALTER TABLE public.pv_one DROP n', id => 'p2') \gset
SELECT migrate.revision('p three', 'CREATE INDEX pv_one_n ON public.pv_one (n)', 'DROP INDEX public.pv_one_n',
                        id => 'p3', transactional => false) \gset
SELECT count(*) FROM migrate.upgrade('p1') \gset

-- =====================================================================
-- a role with no grants
-- =====================================================================

CREATE TEMP TABLE denied (what text, sql text, message text);
GRANT SELECT ON denied TO PUBLIC;
INSERT INTO denied VALUES
    ('revision()', $$SELECT migrate.revision('m', 'SELECT 1', id => 'x1')$$, 'permission denied for function revision'),
    ('merge()', $$SELECT migrate.merge(ARRAY['p1', 'p2'])$$, 'permission denied for function merge'),
    ('load()', E'SELECT migrate.load(E''-- migrate:revision x1\\n-- migrate:upgrade\\nSELECT 1;\\n'')', 'permission denied for function load'),
    ('drop_revision()', $$SELECT migrate.drop_revision('p3')$$, 'permission denied for function drop_revision'),
    ('upgrade()', $$SELECT * FROM migrate.upgrade('p2')$$, 'permission denied for function upgrade'),
    ('upgrade() dry run', $$SELECT * FROM migrate.upgrade('p2', dry_run => true)$$, 'permission denied for function upgrade'),
    ('downgrade()', $$SELECT * FROM migrate.downgrade('base')$$, 'permission denied for function downgrade'),
    ('CALL upgrade_each()', $$CALL migrate.upgrade_each('heads')$$, 'permission denied for procedure upgrade_each'),
    ('CALL downgrade_each()', $$CALL migrate.downgrade_each('base')$$, 'permission denied for procedure downgrade_each'),
    ('apply_step()', $$SELECT migrate.apply_step('p2', 'upgrade')$$, 'permission denied for function apply_step'),
    ('begin_step()', $$SELECT migrate.begin_step('p3', 'upgrade')$$, 'permission denied for function begin_step'),
    ('end_step()', $$SELECT migrate.end_step('p3', 'upgrade')$$, 'permission denied for function end_step'),
    ('check_roundtrip()', $$SELECT * FROM migrate.check_roundtrip()$$, 'permission denied for function check_roundtrip'),
    ('autogenerate()', $$SELECT migrate.autogenerate('m', 'SELECT 1')$$, 'permission denied for function autogenerate'),
    ('desired_snapshot()', $$SELECT migrate.desired_snapshot('SELECT 1')$$, 'permission denied for function desired_snapshot'),
    ('stamp(text)', $$SELECT * FROM migrate.stamp('p2')$$, 'permission denied for function stamp'),
    ('stamp(text[])', $$SELECT * FROM migrate.stamp(ARRAY['p2'])$$, 'permission denied for function stamp'),
    ('revisions_changed()', $$SELECT migrate.revisions_changed()$$, 'permission denied for function revisions_changed'),
    ('INSERT revisions', $$INSERT INTO migrate.revisions (id, upgrade_sql, checksum) VALUES ('x1', 'SELECT 1', 'x')$$,
     'permission denied for table revisions'),
    ('UPDATE revisions', $$UPDATE migrate.revisions SET upgrade_sql = 'SELECT 2'$$, 'permission denied for table revisions'),
    ('DELETE revisions', $$DELETE FROM migrate.revisions$$, 'permission denied for table revisions'),
    ('TRUNCATE revisions', $$TRUNCATE migrate.revisions$$, 'permission denied for table revisions'),
    ('INSERT version', $$INSERT INTO migrate.version VALUES ('p2')$$, 'permission denied for table version'),
    ('UPDATE version', $$UPDATE migrate.version SET revision = 'p2'$$, 'permission denied for table version'),
    ('DELETE version', $$DELETE FROM migrate.version$$, 'permission denied for table version'),
    ('TRUNCATE version', $$TRUNCATE migrate.version$$, 'permission denied for table version'),
    ('INSERT log', $$INSERT INTO migrate.log (revision, operation, started_at, duration, applied_by, heads_before, heads_after)
                     VALUES ('p2', 'upgrade', now(), '0', 'me', '{}', '{p2}')$$, 'permission denied for table log'),
    ('UPDATE log', $$UPDATE migrate.log SET applied_by = 'me'$$, 'permission denied for table log'),
    ('DELETE log', $$DELETE FROM migrate.log$$, 'permission denied for table log'),
    ('TRUNCATE log', $$TRUNCATE migrate.log$$, 'permission denied for table log'),
    ('UPDATE graph_generation', $$UPDATE migrate.graph_generation SET gen = 0$$, 'permission denied for table graph_generation'),
    ('SELECT revisions', $$SELECT * FROM migrate.revisions$$, 'permission denied for table revisions'),
    ('SELECT version', $$SELECT * FROM migrate.version$$, 'permission denied for table version'),
    ('SELECT log', $$SELECT * FROM migrate.log$$, 'permission denied for table log'),
    ('nextval log_id_seq', $$SELECT nextval('migrate.log_id_seq')$$, 'permission denied for sequence log_id_seq'),
    ('setval revisions_position_seq', $$SELECT setval('migrate.revisions_position_seq', 1)$$,
     'permission denied for sequence revisions_position_seq'),
    ('CREATE TABLE in migrate', $$CREATE TABLE migrate.planted (id int)$$, 'permission denied for schema migrate'),
    ('CREATE FUNCTION in migrate', $$CREATE FUNCTION migrate.current(int) RETURNS int LANGUAGE sql AS 'SELECT 1'$$,
     'permission denied for schema migrate'),
    ('ALTER TABLE version', $$ALTER TABLE migrate.version ADD note text$$, 'must be owner of table version'),
    ('DROP TABLE log', $$DROP TABLE migrate.log$$, 'must be owner of table log'),
    ('CREATE TRIGGER on version', $$CREATE TRIGGER t BEFORE INSERT ON migrate.version FOR EACH ROW EXECUTE FUNCTION pg_catalog.suppress_redundant_updates_trigger()$$,
     'permission denied for table version'),
    ('ALTER FUNCTION upgrade', $$ALTER FUNCTION migrate.upgrade(text, boolean) SECURITY DEFINER$$, 'must be owner of function migrate.upgrade');

SELECT pg_temp.migrate_state() AS state_before \gset
SET LOCAL ROLE migrate_pgtap85_nobody;
CREATE TEMP TABLE denied_result AS
    SELECT what, pg_temp.error_of(sql, 'sqlstate') AS sqlstate, pg_temp.error_of(sql, 'message') AS message
      FROM denied;
RESET ROLE;
SELECT is((SELECT count(*)::int FROM denied_result), 42, 'a role with no grants tried 42 things');
SELECT is_empty($$SELECT what, sqlstate, message FROM denied_result WHERE sqlstate IS DISTINCT FROM '42501'$$,
    'every one of them failed with SQLSTATE 42501');
SELECT is_empty($$SELECT r.what, r.message FROM denied_result r JOIN denied d USING (what)
                   WHERE d.message IS NOT NULL AND r.message IS DISTINCT FROM d.message$$,
    'each with the server''s own permission message');
SELECT is_empty($$SELECT what FROM denied_result WHERE what IN ('revision()', 'merge()', 'load()', 'drop_revision()')
                    AND sqlstate IS DISTINCT FROM '42501'$$,
    'no grant: cannot register (revision, merge, load, drop_revision)');
SELECT is_empty($$SELECT what FROM denied_result WHERE what ~ '^(upgrade|downgrade|CALL|apply_step|begin_step|end_step|check_roundtrip)'
                    AND sqlstate IS DISTINCT FROM '42501'$$,
    'no grant: cannot apply (upgrade, downgrade, the procedures, the \gexec steps, check_roundtrip)');
SELECT is_empty($$SELECT what FROM denied_result WHERE what LIKE 'stamp%' AND sqlstate IS DISTINCT FROM '42501'$$,
    'no grant: cannot stamp');
SELECT is_empty($$SELECT what FROM denied_result WHERE what ~ '^(INSERT|UPDATE|DELETE|TRUNCATE|SELECT) '
                    AND sqlstate IS DISTINCT FROM '42501'$$,
    'no grant: cannot read or write migrate.revisions, version, log or graph_generation directly');
SELECT is(pg_temp.migrate_state(), :'state_before', 'nothing changed: revisions, version rows and log are as before');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['p1'], 'the version table is still p1');
SELECT hasnt_column('pv_one', 'n', 'no script ran');
SELECT is_empty($$SELECT p.oid::regprocedure FROM pg_proc p WHERE p.pronamespace = 'migrate'::regnamespace
                   AND (p.prosecdef OR p.proacl::text ~ 'migrate_pgtap85')$$,
    'no function became SECURITY DEFINER or gained a grant');

-- the reading functions: same answers for the role without grants as for
-- the owner, but for script text, which needs SELECT on migrate.revisions
CREATE TEMP TABLE reads (q text PRIMARY KEY, scripts boolean, as_owner text[], as_nobody text[], as_reader text[]);
GRANT SELECT, UPDATE ON reads TO PUBLIC;
INSERT INTO reads (q, scripts) VALUES
    ('SELECT c FROM migrate.current() AS c', false),
    ('SELECT h::text FROM migrate.heads() AS h', false),
    ('SELECT b::text FROM migrate.bases() AS b', false),
    ('SELECT b::text FROM migrate.branches() AS b', false),
    -- history()'s own columns; those from migrate.log are checked below
    ('SELECT (h.revision, h.down_revisions, h.message, h.is_head, h.is_base, h.is_merge, h.is_branch_point, h.applied)::text FROM migrate.history() AS h', false),
    ($$SELECT (h.revision, h.down_revisions, h.applied)::text FROM migrate.history('p1:p3') AS h$$, false),
    ($$SELECT (h.revision, h.down_revisions, h.applied)::text FROM migrate.history(page_size => 2, after => 'p3') AS h$$, false),
    ('SELECT migrate.graph()', false),
    ('SELECT s::text FROM migrate.status() AS s', false),
    ('SELECT v::text FROM migrate.verify() AS v', false),
    ($$SELECT s::text FROM migrate.show('p2') AS s$$, true),
    ($$SELECT s FROM migrate.upgrade_statements('heads') AS s$$, true),
    ($$SELECT s FROM migrate.downgrade_statements('base') AS s$$, true),
    ($$SELECT migrate.upgrade_sql('heads')$$, true),
    ($$SELECT migrate.upgrade_sql('p2', 'base')$$, true),
    ($$SELECT migrate.downgrade_sql('base')$$, true);
UPDATE reads SET as_owner = ARRAY(SELECT pg_temp.rows_or_error(q));
SET LOCAL ROLE migrate_pgtap85_nobody;
UPDATE reads SET as_nobody = ARRAY(SELECT pg_temp.rows_or_error(q));
RESET ROLE;
GRANT SELECT ON migrate.revisions TO migrate_pgtap85_nobody;
SET LOCAL ROLE migrate_pgtap85_nobody;
UPDATE reads SET as_reader = ARRAY(SELECT pg_temp.rows_or_error(q)) WHERE scripts;
RESET ROLE;
REVOKE SELECT ON migrate.revisions FROM migrate_pgtap85_nobody;
SELECT is_empty($$SELECT q, as_nobody[1] FROM reads WHERE NOT scripts AND (as_nobody[1] LIKE 'ERROR%' OR as_nobody IS NULL)$$,
    'no grant: current, heads, bases, branches, history, graph, status, verify all work');
SELECT is_empty($$SELECT q FROM reads WHERE NOT scripts AND as_nobody IS DISTINCT FROM as_owner$$,
    'and answer exactly what they answer the owner (10 queries)');
-- what migrate.log holds (when, who, how long, errors) is for who may read it
SELECT ok((SELECT bool_or(applied_at IS NOT NULL) FROM migrate.history()), 'the owner sees when revisions were applied');
SET LOCAL ROLE migrate_pgtap85_nobody;
SELECT is((SELECT count(*)::int FROM migrate.history()
            WHERE applied_at IS NOT NULL OR applied_by IS NOT NULL OR duration IS NOT NULL OR last_error IS NOT NULL), 0,
    'no grant: history() shows nothing of migrate.log');
RESET ROLE;
GRANT SELECT ON migrate.log TO migrate_pgtap85_nobody;
SET LOCAL ROLE migrate_pgtap85_nobody;
SELECT ok((SELECT bool_or(applied_at IS NOT NULL) FROM migrate.history()), 'granted SELECT on migrate.log, history() shows it');
RESET ROLE;
REVOKE SELECT ON migrate.log FROM migrate_pgtap85_nobody;
SELECT is_empty($$SELECT q, as_nobody FROM reads
                   WHERE scripts AND as_nobody IS DISTINCT FROM
                         ARRAY['ERROR 42501: permission denied to read the scripts of migrate.revisions']$$,
    'no grant: show, upgrade_statements, downgrade_statements, upgrade_sql, downgrade_sql refuse with 42501 (6 queries)');
SELECT is_empty($$SELECT q FROM reads WHERE scripts AND as_reader IS DISTINCT FROM as_owner$$,
    'granted SELECT on migrate.revisions, they answer exactly what they answer the owner');
SELECT ok((SELECT as_reader[1] LIKE 'SELECT migrate.apply_step(''p2'', ''upgrade'', ''%' FROM reads
            WHERE q LIKE '%upgrade_statements%'), 'upgrade_statements() for the reader is a real plan');

-- =====================================================================
-- a deployer granted exactly what README.md "Privileges" lists
-- =====================================================================

GRANT EXECUTE ON FUNCTION migrate.upgrade(text, boolean), migrate.downgrade(text, boolean),
                          migrate.load(text), migrate.stamp(text, boolean),
                          migrate.stamp(text[], boolean)
   TO migrate_pgtap85_deployer;
GRANT EXECUTE ON PROCEDURE migrate.upgrade_each(text), migrate.downgrade_each(text)
   TO migrate_pgtap85_deployer;
GRANT EXECUTE ON FUNCTION migrate.apply_step(text, text, text),
                          migrate.begin_step(text, text, text),
                          migrate.end_step(text, text, text) TO migrate_pgtap85_deployer;
GRANT SELECT ON migrate.revisions TO migrate_pgtap85_deployer;
GRANT SELECT ON migrate.log TO migrate_pgtap85_deployer;
GRANT CREATE ON SCHEMA public TO migrate_pgtap85_deployer;
SELECT count(*) FROM migrate.stamp('base') \gset
DROP TABLE pv_one;
SELECT pg_temp.forget() \gset

SET LOCAL ROLE migrate_pgtap85_deployer;
SELECT is(migrate.load(E'-- migrate:revision d1\n-- migrate:message accounts\n-- migrate:upgrade\n'
                       || E'CREATE TABLE public.dep_accounts (id int PRIMARY KEY);\n'
                       || E'-- migrate:downgrade\nDROP TABLE public.dep_accounts;\n'),
    'd1', 'the deployer registers with load()');
SELECT is(migrate.load(E'-- migrate:revision d2\n-- migrate:revises d1\n-- migrate:message note\n-- migrate:upgrade\n'
                       || E'ALTER TABLE public.dep_accounts ADD note text;\n'
                       || E'-- migrate:downgrade\nALTER TABLE public.dep_accounts DROP note;\n'),
    'd2', 'and registers a second revision');
SELECT is(migrate.load(E'-- migrate:revision d3\n-- migrate:revises d2\n-- migrate:message index\n-- migrate:transactional false\n'
                       || E'-- migrate:upgrade\nCREATE INDEX CONCURRENTLY dep_accounts_note ON public.dep_accounts (note);\n'
                       || E'-- migrate:downgrade\nDROP INDEX CONCURRENTLY public.dep_accounts_note;\n'),
    'd3', 'and a non-transactional one');
SELECT is(migrate.load(E'-- migrate:revision d4\n-- migrate:revises d3\n-- migrate:message data\n-- migrate:upgrade\n'
                       || E'INSERT INTO public.dep_accounts VALUES (1, \'n\');\n-- migrate:downgrade\nDELETE FROM public.dep_accounts;\n'),
    'd4', 'and a data revision');
SELECT is(migrate.load(E'-- migrate:revision d1\n-- migrate:message accounts\n-- migrate:upgrade\n'
                       || E'CREATE TABLE public.dep_accounts (id int PRIMARY KEY);\n'
                       || E'-- migrate:downgrade\nDROP TABLE public.dep_accounts;\n'),
    'd1', 'loading the same file again is a no-op for the deployer');
SELECT results_eq($$SELECT revision FROM migrate.upgrade('d2')$$, ARRAY['d1', 'd2'], 'the deployer upgrades');
SELECT throws_ok($$SELECT * FROM migrate.upgrade('heads')$$, '25001', 'revision "d3" is not transactional',
    'upgrade() refuses the non-transactional revision for the deployer as for anyone');
SELECT is(pg_temp.gexec('upgrade_statements', 'heads'), 4,
    'the deployer runs the \gexec plan: begin_step, the statement, end_step, apply_step');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['d4'], 'the version table is d4');
SELECT results_eq($$SELECT revision, applied FROM migrate.history()$$,
    $$VALUES ('d4'::text, true), ('d3', true), ('d2', true), ('d1', true)$$, 'history() shows all four applied');
SELECT throws_ok($$CALL migrate.upgrade_each('heads')$$, '25001',
    'migrate.upgrade_each cannot run inside a transaction block',
    'upgrade_each is granted: inside a transaction block it refuses with 25001, not 42501');
SELECT throws_ok($$CALL migrate.downgrade_each('base')$$, '25001',
    'migrate.downgrade_each cannot run inside a transaction block',
    'so is downgrade_each');
SELECT is(pg_temp.gexec('downgrade_statements', 'd2'), 4, 'the deployer runs the downgrade plan through \gexec');
SELECT results_eq($$SELECT revision FROM migrate.downgrade('base')$$, ARRAY['d2', 'd1'], 'the deployer downgrades');
SELECT results_eq($$SELECT * FROM migrate.stamp('d2')$$, ARRAY['d2'], 'the deployer stamps');
SELECT results_eq($$SELECT * FROM migrate.stamp(ARRAY['d1'])$$, ARRAY['d1'], 'the deployer stamps a list of targets');
SELECT results_eq($$SELECT * FROM migrate.stamp('base')$$, '{}'::text[], 'and stamps back to base');
SELECT results_eq($$SELECT revision FROM migrate.upgrade('d1')$$, ARRAY['d1'], 'and upgrades again');
-- what README.md does not grant stays refused
SELECT throws_ok($$SELECT migrate.revision('m', 'SELECT 1', id => 'x1')$$, '42501',
    'permission denied for function revision', 'the deployer cannot call revision() (README grants load())');
SELECT throws_ok($$SELECT migrate.drop_revision('d4')$$, '42501',
    'permission denied for function drop_revision', 'nor drop_revision()');
SELECT throws_ok($$SELECT * FROM migrate.check_roundtrip()$$, '42501',
    'permission denied for function check_roundtrip', 'nor check_roundtrip() (it needs its own grant)');
SELECT throws_ok($$INSERT INTO migrate.version VALUES ('d4')$$, '42501',
    'permission denied for table version', 'the deployer cannot write the version table directly');
SELECT ok((SELECT count(*) FROM migrate.log WHERE revision = 'd2') > 0, 'the deployer reads migrate.log');
-- scripts run as the deployer: migrate's tables are out of their reach
SELECT is(migrate.load(E'-- migrate:revision d5\n-- migrate:revises d1\n-- migrate:upgrade\n'
                       || E'CREATE TABLE public.dep_side (id int);\nDELETE FROM migrate.version;\n'),
    'd5', 'the deployer registers a revision whose script deletes the version rows');
SELECT is(migrate.load(E'-- migrate:revision d6\n-- migrate:revises d1\n-- migrate:upgrade\n'
                       || E'UPDATE migrate.revisions SET upgrade_sql = \'SELECT 2\';\n'),
    'd6', 'and one whose script edits the registered scripts');
SELECT throws_ok($$SELECT * FROM migrate.upgrade('d5')$$, '42501', 'permission denied for table version',
    'run by the deployer, the script cannot touch migrate.version');
SELECT throws_ok($$SELECT * FROM migrate.upgrade('d6')$$, '42501', 'permission denied for table revisions',
    'nor migrate.revisions');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['d1'], 'the refused runs applied nothing');
SELECT hasnt_table('public', 'dep_side', 'not even their first statement');
RESET ROLE;

SELECT is((SELECT tableowner::text FROM pg_tables WHERE schemaname = 'public' AND tablename = 'dep_accounts'),
    'migrate_pgtap85_deployer', 'the scripts ran as the deployer');
SELECT is_empty($$SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'migrate'::regnamespace
                   AND pg_get_userbyid(c.relowner) = 'migrate_pgtap85_deployer'$$,
    'the deployer owns nothing in schema migrate');
SELECT is_empty($$SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'migrate'::regnamespace AND c.relkind IN ('r', 'S')
                   AND (has_table_privilege('migrate_pgtap85_deployer', c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')
                        OR has_any_column_privilege('migrate_pgtap85_deployer', c.oid, 'INSERT, UPDATE')
                        OR (c.relname NOT IN ('revisions', 'log') AND has_any_column_privilege('migrate_pgtap85_deployer', c.oid, 'SELECT')))$$,
    'and has no privilege on its tables or sequences but reading migrate.revisions and migrate.log');
SELECT results_eq($$SELECT revision, operation, applied_by FROM migrate.log WHERE revision LIKE 'd_' AND operation <> 'stamp' ORDER BY id$$,
    format($$VALUES ('d1'::text, 'upgrade'::text, %1$L::text), ('d2', 'upgrade', %1$L), ('d3', 'upgrade', %1$L),
                    ('d4', 'upgrade', %1$L), ('d4', 'downgrade', %1$L), ('d3', 'downgrade', %1$L),
                    ('d2', 'downgrade', %1$L), ('d1', 'downgrade', %1$L), ('d1', 'upgrade', %1$L)$$, session_user),
    'every step of the deployer is logged, applied_by the session user');
SELECT results_eq($$SELECT revision, heads_before, heads_after FROM migrate.log WHERE operation = 'stamp' ORDER BY id$$,
    $$VALUES ('base'::text, '{p1}'::text[], '{}'::text[]), ('d2', '{}', '{d2}'), ('d1', '{d2}', '{d1}'),
             ('base', '{d1}', '{}')$$,
    'and so are the stamps');

-- =====================================================================
-- a hostile role plants look-alikes first on the caller's search_path
-- =====================================================================

SELECT count(*) FROM migrate.stamp('base') \gset
DROP TABLE dep_accounts;
SELECT pg_temp.forget() \gset
DELETE FROM migrate.log;

CREATE SCHEMA evil AUTHORIZATION migrate_pgtap85_hostile;
GRANT USAGE ON SCHEMA evil TO PUBLIC;
SET LOCAL ROLE migrate_pgtap85_hostile;

-- every planted function counts its calls here (sequences ignore rollbacks)
CREATE SEQUENCE evil.calls;
GRANT USAGE, SELECT, UPDATE ON SEQUENCE evil.calls TO PUBLIC;
CREATE FUNCTION evil.trap() RETURNS bigint LANGUAGE sql AS $$ SELECT pg_catalog.nextval('evil.calls'::pg_catalog.regclass) $$;

-- tables and catalog look-alikes
CREATE TABLE evil.version (revision text);
CREATE TABLE evil.revisions (id text, upgrade_sql text, checksum text, position bigint);
CREATE TABLE evil.log (id bigint, revision text);
CREATE TABLE evil.graph_generation (gen bigint);
INSERT INTO evil.version VALUES ('ghost');
INSERT INTO evil.revisions VALUES ('ghost', 'DROP TABLE public.trace', 'x', 1);
INSERT INTO evil.graph_generation VALUES (999);
GRANT ALL ON evil.version, evil.revisions, evil.log, evil.graph_generation TO PUBLIC;
CREATE VIEW evil.pg_class AS SELECT * FROM pg_catalog.pg_class WHERE evil.trap() IS NULL;
CREATE VIEW evil.pg_namespace AS SELECT * FROM pg_catalog.pg_namespace WHERE evil.trap() IS NULL;
CREATE VIEW evil.pg_locks AS SELECT * FROM pg_catalog.pg_locks WHERE evil.trap() IS NULL;
CREATE VIEW evil.pg_attribute AS SELECT attrelid, attname, atttypid, atttypmod, attnum, attnotnull, attisdropped,
    attidentity, attgenerated FROM pg_catalog.pg_attribute WHERE evil.trap() IS NULL;
CREATE VIEW evil.pg_proc AS SELECT * FROM pg_catalog.pg_proc WHERE evil.trap() IS NULL;
CREATE VIEW evil.pg_extension AS SELECT * FROM pg_catalog.pg_extension WHERE evil.trap() IS NULL;
CREATE VIEW evil.pg_database AS SELECT * FROM pg_catalog.pg_database WHERE evil.trap() IS NULL;

-- functions migrate's queries use, each a better match than pg_catalog's
CREATE FUNCTION evil.now() RETURNS timestamptz LANGUAGE sql AS $$ SELECT evil.trap(); SELECT '2000-01-01'::pg_catalog.timestamptz $$;
CREATE FUNCTION evil.clock_timestamp() RETURNS timestamptz LANGUAGE sql AS $$ SELECT evil.trap(); SELECT '2000-01-01'::pg_catalog.timestamptz $$;
CREATE FUNCTION evil.sha256(bytea) RETURNS bytea LANGUAGE sql AS $$ SELECT evil.trap(); SELECT '\x00'::pg_catalog.bytea $$;
CREATE FUNCTION evil.encode(bytea, text) RETURNS text LANGUAGE sql AS $$ SELECT evil.trap(); SELECT 'evil'::pg_catalog.text $$;
CREATE FUNCTION evil.decode(text, text) RETURNS bytea LANGUAGE sql AS $$ SELECT evil.trap(); SELECT '\x00'::pg_catalog.bytea $$;
CREATE FUNCTION evil.convert_to(text, name) RETURNS bytea LANGUAGE sql AS $$ SELECT evil.trap(); SELECT '\x00'::pg_catalog.bytea $$;
CREATE FUNCTION evil.getdatabaseencoding() RETURNS name LANGUAGE sql AS $$ SELECT evil.trap(); SELECT 'LATIN1'::pg_catalog.name $$;
CREATE FUNCTION evil.format(text, name, name) RETURNS text LANGUAGE sql AS $$ SELECT evil.trap(); SELECT 'evil'::pg_catalog.text $$;
CREATE FUNCTION evil.format(text, text) RETURNS text LANGUAGE sql AS $$ SELECT evil.trap(); SELECT 'evil'::pg_catalog.text $$;
CREATE FUNCTION evil.format(text, text, text) RETURNS text LANGUAGE sql AS $$ SELECT evil.trap(); SELECT 'evil'::pg_catalog.text $$;
CREATE FUNCTION evil.quote_ident(name) RETURNS text LANGUAGE sql AS $$ SELECT evil.trap(); SELECT 'evil'::pg_catalog.text $$;
CREATE FUNCTION evil.quote_literal(text) RETURNS text LANGUAGE sql AS $$ SELECT evil.trap(); SELECT 'evil'::pg_catalog.text $$;
CREATE FUNCTION evil.format_type(oid, integer) RETURNS text LANGUAGE sql AS $$ SELECT evil.trap(); SELECT 'evil'::pg_catalog.text $$;
CREATE FUNCTION evil.pg_get_expr(pg_node_tree, oid) RETURNS text LANGUAGE sql AS $$ SELECT evil.trap(); SELECT 'evil'::pg_catalog.text $$;
CREATE FUNCTION evil.pg_get_indexdef(oid) RETURNS text LANGUAGE sql AS $$ SELECT evil.trap(); SELECT 'evil'::pg_catalog.text $$;
CREATE FUNCTION evil.pg_get_constraintdef(oid) RETURNS text LANGUAGE sql AS $$ SELECT evil.trap(); SELECT 'evil'::pg_catalog.text $$;
CREATE FUNCTION evil.pg_get_viewdef(oid) RETURNS text LANGUAGE sql AS $$ SELECT evil.trap(); SELECT 'evil'::pg_catalog.text $$;
CREATE FUNCTION evil.md5(text) RETURNS text LANGUAGE sql AS $$ SELECT evil.trap(); SELECT 'evil'::pg_catalog.text $$;
CREATE FUNCTION evil.pg_backend_pid() RETURNS integer LANGUAGE sql AS $$ SELECT evil.trap(); SELECT 0 $$;
CREATE FUNCTION evil.current_database() RETURNS name LANGUAGE sql AS $$ SELECT evil.trap(); SELECT 'evil'::pg_catalog.name $$;
CREATE FUNCTION evil.pg_advisory_xact_lock(integer, integer) RETURNS void LANGUAGE sql AS $$ SELECT evil.trap(); $$;
CREATE FUNCTION evil.set_config(text, text, boolean) RETURNS text LANGUAGE sql AS $$ SELECT evil.trap(); SELECT 'evil'::pg_catalog.text $$;
CREATE FUNCTION evil.array_to_string(text[], text) RETURNS text LANGUAGE sql AS $$ SELECT evil.trap(); SELECT 'evil'::pg_catalog.text $$;
CREATE FUNCTION evil.lower(text) RETURNS text LANGUAGE sql AS $$ SELECT evil.trap(); SELECT 'evil'::pg_catalog.text $$;
CREATE FUNCTION evil.length(text) RETURNS integer LANGUAGE sql AS $$ SELECT evil.trap(); SELECT 0 $$;
CREATE FUNCTION evil."coalesce"(text, text) RETURNS text LANGUAGE sql AS $$ SELECT evil.trap(); SELECT 'evil'::pg_catalog.text $$;
CREATE FUNCTION evil.unnest(text[]) RETURNS SETOF text LANGUAGE sql AS $$ SELECT evil.trap(); SELECT 'evil'::pg_catalog.text $$;
CREATE FUNCTION evil.agg_text_array(text[], text) RETURNS text[] LANGUAGE sql AS $$ SELECT evil.trap(); SELECT ARRAY['evil'::pg_catalog.text] $$;
CREATE AGGREGATE evil.array_agg(text) (SFUNC = evil.agg_text_array, STYPE = text[]);
CREATE FUNCTION evil.agg_text(text, text, text) RETURNS text LANGUAGE sql AS $$ SELECT evil.trap(); SELECT 'evil'::pg_catalog.text $$;
CREATE AGGREGATE evil.string_agg(text, text) (SFUNC = evil.agg_text, STYPE = text);
CREATE FUNCTION evil.agg_bigint(bigint, bigint) RETURNS bigint LANGUAGE sql AS $$ SELECT evil.trap(); SELECT 0::pg_catalog.int8 $$;
CREATE AGGREGATE evil.max(bigint) (SFUNC = evil.agg_bigint, STYPE = bigint);

-- operators on the types migrate compares, each always true or wrong
CREATE FUNCTION evil.t_t(text, text) RETURNS boolean LANGUAGE sql AS $$ SELECT evil.trap(); SELECT true $$;
CREATE FUNCTION evil.t_f(text, text) RETURNS boolean LANGUAGE sql AS $$ SELECT evil.trap(); SELECT false $$;
CREATE FUNCTION evil.ta_t(text[], text[]) RETURNS boolean LANGUAGE sql AS $$ SELECT evil.trap(); SELECT true $$;
CREATE FUNCTION evil.n_t(name, name) RETURNS boolean LANGUAGE sql AS $$ SELECT evil.trap(); SELECT true $$;
CREATE FUNCTION evil.nt_f(name, text) RETURNS boolean LANGUAGE sql AS $$ SELECT evil.trap(); SELECT false $$;
CREATE FUNCTION evil.o_t(oid, oid) RETURNS boolean LANGUAGE sql AS $$ SELECT evil.trap(); SELECT true $$;
CREATE FUNCTION evil.c_t("char", "char") RETURNS boolean LANGUAGE sql AS $$ SELECT evil.trap(); SELECT true $$;
CREATE FUNCTION evil.b_t(bigint, bigint) RETURNS boolean LANGUAGE sql AS $$ SELECT evil.trap(); SELECT true $$;
CREATE FUNCTION evil.cat(text, text) RETURNS text LANGUAGE sql AS $$ SELECT evil.trap(); SELECT 'evil'::pg_catalog.text $$;
CREATE FUNCTION evil.bcat(bytea, bytea) RETURNS bytea LANGUAGE sql AS $$ SELECT evil.trap(); SELECT '\x00'::pg_catalog.bytea $$;
CREATE FUNCTION evil.acat(text[], text[]) RETURNS text[] LANGUAGE sql AS $$ SELECT evil.trap(); SELECT ARRAY['evil'::pg_catalog.text] $$;
CREATE FUNCTION evil.bplus(bigint, integer) RETURNS bigint LANGUAGE sql AS $$ SELECT evil.trap(); SELECT 0::pg_catalog.int8 $$;
CREATE FUNCTION evil.tsminus(timestamptz, timestamptz) RETURNS interval LANGUAGE sql AS $$ SELECT evil.trap(); SELECT '1 day'::pg_catalog.interval $$;
CREATE FUNCTION evil.si_t(smallint, integer) RETURNS boolean LANGUAGE sql AS $$ SELECT evil.trap(); SELECT true $$;
CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.t_t);
CREATE OPERATOR evil.<> (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.t_t);
CREATE OPERATOR evil.< (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.t_f);
CREATE OPERATOR evil.~ (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.t_t);
CREATE OPERATOR evil.!~ (LEFTARG = name, RIGHTARG = text, FUNCTION = evil.nt_f);
CREATE OPERATOR evil.= (LEFTARG = text[], RIGHTARG = text[], FUNCTION = evil.ta_t);
CREATE OPERATOR evil.&& (LEFTARG = text[], RIGHTARG = text[], FUNCTION = evil.ta_t);
CREATE OPERATOR evil.= (LEFTARG = name, RIGHTARG = name, FUNCTION = evil.n_t);
CREATE OPERATOR evil.= (LEFTARG = oid, RIGHTARG = oid, FUNCTION = evil.o_t);
CREATE OPERATOR evil.= (LEFTARG = "char", RIGHTARG = "char", FUNCTION = evil.c_t);
CREATE OPERATOR evil.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = evil.b_t);
CREATE OPERATOR evil.> (LEFTARG = smallint, RIGHTARG = integer, FUNCTION = evil.si_t);
CREATE OPERATOR evil.|| (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.cat);
CREATE OPERATOR evil.|| (LEFTARG = bytea, RIGHTARG = bytea, FUNCTION = evil.bcat);
CREATE OPERATOR evil.|| (LEFTARG = text[], RIGHTARG = text[], FUNCTION = evil.acat);
CREATE OPERATOR evil.+ (LEFTARG = bigint, RIGHTARG = integer, FUNCTION = evil.bplus);
CREATE OPERATOR evil.- (LEFTARG = timestamptz, RIGHTARG = timestamptz, FUNCTION = evil.tsminus);
RESET ROLE;

SELECT is((SELECT count(*)::int FROM pg_proc WHERE pronamespace = 'evil'::regnamespace), 48,
    'the hostile role planted 48 functions, aggregates and operator functions');
SELECT is((SELECT count(*)::int FROM pg_operator WHERE oprnamespace = 'evil'::regnamespace), 17,
    'and 17 operators');
-- the planted operators do capture unqualified SQL on that search_path
SET LOCAL search_path = evil, pg_catalog, public;
SELECT 'a'::pg_catalog.text = 'b'::pg_catalog.text AS evil_equal \gset
RESET search_path;
SELECT ok(:'evil_equal'::boolean, 'the trap works: with evil first on the search_path, ''a'' = ''b''');
SELECT last_value AS calls_before FROM evil.calls \gset

-- One workflow through every function, its results as text, run in a
-- subtransaction that is rolled back; p_path is the search_path for the
-- workflow's statements (and so for migrate and the scripts), the harness
-- itself runs with a clean one.  Scripts qualify their names: a script
-- creating an unqualified table would rightly create it in the first
-- schema on the caller's search_path.
CREATE TEMP TABLE wf (n int PRIMARY KEY, q text);
INSERT INTO wf VALUES
    (1, $$SELECT migrate.revision('w one', 'CREATE TABLE public.wf_a (id int)', 'DROP TABLE public.wf_a', id => 'w1')$$),
    (2, $$SELECT migrate.revision('w two', 'ALTER TABLE public.wf_a ADD COLUMN n int', 'ALTER TABLE public.wf_a DROP COLUMN n', id => 'w2')$$),
    (3, $$SELECT migrate.revision('w side', 'CREATE TABLE public.wf_side (id int)', 'SELECT 1', id => 'w3',
                                  down_revision => '{w1}', branch_labels => '{side}', depends_on => '{w2}')$$),
    (4, $$SELECT migrate.load(E'-- migrate:revision w4\n-- migrate:revises w2\n-- migrate:message w four\n-- migrate:upgrade\nCREATE INDEX wf_a_n ON public.wf_a (n);\n-- migrate:downgrade\nDROP INDEX public.wf_a_n;\n')$$),
    (5, $$SELECT migrate.merge(NULL, 'w merge', 'wm')$$),
    (6, 'SELECT * FROM migrate.heads()'),
    (7, 'SELECT * FROM migrate.bases()'),
    (8, 'SELECT * FROM migrate.branches()'),
    (9, 'SELECT * FROM migrate.history()'),
    (10, $$SELECT * FROM migrate.history('w1:w4')$$),
    (11, $$SELECT * FROM migrate.show('w4')$$),
    (12, 'SELECT * FROM migrate.status()'),
    (13, 'SELECT * FROM migrate.verify()'),
    (14, $$SELECT * FROM migrate.upgrade_statements('heads')$$),
    (15, $$SELECT migrate.upgrade_sql('heads')$$),
    (16, $$SELECT revision, operation, message, locks, rewritten FROM migrate.upgrade('heads', dry_run => true)$$),
    (17, $$SELECT * FROM migrate.check_roundtrip('heads')$$),
    (18, $$SELECT revision, operation, message FROM migrate.upgrade('w2')$$),
    (19, $$SELECT migrate.apply_step('w3', 'upgrade', NULL)$$),
    (20, $$SELECT revision, operation, message FROM migrate.upgrade('heads')$$),
    (21, 'SELECT * FROM migrate.current()'),
    (22, $$SELECT migrate.downgrade_sql('w2')$$),
    (23, $$SELECT * FROM migrate.downgrade_statements('w2')$$),
    (24, $$SELECT revision, operation, message FROM migrate.downgrade('w4')$$),
    (25, $$SELECT * FROM migrate.stamp('base')$$),
    (26, $$SELECT * FROM migrate.stamp(ARRAY['w4', 'w3'])$$),
    (27, $$SELECT migrate.drop_revision('wm')$$),
    (28, $$SELECT revision, operation, locks, rewritten FROM migrate.downgrade('w2', dry_run => true)$$),
    (29, $$SELECT * FROM migrate.upgrade('nosuch')$$),
    (30, $$SELECT migrate.revision('dup', 'SELECT 1', id => 'w1', head => 'base')$$),
    (31, 'SELECT * FROM migrate.verify()'),
    (32, $$SELECT revision, operation, checksum, applied_by, heads_before, heads_after, sqlstate, error
            FROM migrate.log ORDER BY id$$),
    (33, $$SELECT id, down_revisions, depends_on, branch_labels, message, upgrade_sql, downgrade_sql, transactional, checksum
            FROM migrate.revisions ORDER BY position$$),
    (34, 'SELECT * FROM migrate.version ORDER BY revision');

CREATE FUNCTION pg_temp.run_wf(p_path text) RETURNS TABLE(n int, result text) LANGUAGE plpgsql AS $$
DECLARE
    acc pg_catalog.text[] := '{}';
    r record;
    res pg_catalog.text;
BEGIN
    BEGIN
        FOR r IN SELECT w.n, w.q FROM wf w ORDER BY w.n LOOP
            BEGIN
                PERFORM pg_catalog.set_config('search_path', p_path, true);
                EXECUTE pg_catalog.format('SELECT pg_catalog.string_agg(x::pg_catalog.text, E''\n'') FROM (%s) AS x', r.q)
                    INTO res;
                PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
            EXCEPTION WHEN OTHERS THEN
                res := pg_catalog.format('ERROR %s: %s', SQLSTATE, SQLERRM);
            END;
            acc := pg_catalog.array_append(acc, res);
        END LOOP;
        RAISE EXCEPTION 'undo' USING ERRCODE = 'P0099';
    EXCEPTION WHEN SQLSTATE 'P0099' THEN NULL;
    END;
    RETURN QUERY SELECT u.o::int, u.x FROM pg_catalog.unnest(acc) WITH ORDINALITY AS u(x, o);
END
$$;

CREATE TEMP TABLE wf_clean AS SELECT * FROM pg_temp.run_wf('"$user", public');
SELECT is((SELECT last_value FROM evil.calls), :'calls_before'::bigint,
    'the clean run (evil not on the search_path) called no planted object');
CREATE TEMP TABLE wf_hostile AS SELECT * FROM pg_temp.run_wf('evil, pg_catalog, public');
SELECT is((SELECT last_value FROM evil.calls), :'calls_before'::bigint,
    'the run with evil first on the search_path called no planted function, aggregate, operator or view');
SELECT results_eq('SELECT n, result FROM wf_hostile ORDER BY n', 'SELECT n, result FROM wf_clean ORDER BY n',
    'all 34 results (registration, reading, plans, offline SQL, dry runs, round trips, applying, stamping, errors, the tables) are identical');
SELECT is_empty($$SELECT n, result FROM wf_clean WHERE result LIKE 'ERROR%' AND n NOT IN (29, 30)$$,
    'the workflow ran without errors but the two it provokes');
SELECT results_eq('SELECT result FROM wf_clean WHERE n IN (20, 21, 29) ORDER BY n',
    $$VALUES (E'(w4,upgrade,"w four")\n(wm,upgrade,"w merge")'),
             ('(wm)'),
             ('ERROR 42704: revision "nosuch" does not exist')$$,
    'the workflow did real work: upgrade(''heads'') ran w4 and the merge, an unknown target was refused');
SELECT ok((SELECT result LIKE '%AccessExclusiveLock on public.wf_a%' FROM wf_clean WHERE n = 16),
    'the dry run reported schema-qualified lock names');
SELECT ok((SELECT result LIKE '%w3,"downgrade does not restore the schema"%public.wf_side%' FROM wf_clean WHERE n = 17),
    'check_roundtrip() reported w3''s leftover table by its qualified name');
SELECT results_eq('SELECT * FROM evil.version', ARRAY['ghost'], 'the planted version table is untouched');
SELECT is((SELECT count(*)::int FROM evil.revisions), 1, 'the planted revisions table is untouched');
SELECT is_empty('SELECT * FROM evil.log', 'the planted log table got no rows');
SELECT is((SELECT gen FROM evil.graph_generation), 999::bigint, 'the planted graph_generation is untouched');

-- the deployer under the same hostile search_path
GRANT EXECUTE ON FUNCTION migrate.upgrade(text, boolean), migrate.downgrade(text, boolean),
                          migrate.load(text), migrate.stamp(text, boolean)
   TO migrate_pgtap85_deployer;
SET LOCAL ROLE migrate_pgtap85_deployer;
SET LOCAL search_path = evil, pg_catalog, public;
CREATE TEMP TABLE dep_hostile AS
    SELECT 1 AS n, migrate.load(E'-- migrate:revision h1\n-- migrate:upgrade\nCREATE TABLE public.hostile_t (id int);\n-- migrate:downgrade\nDROP TABLE public.hostile_t;\n') AS result
    UNION ALL SELECT 2, (SELECT pg_catalog.string_agg(revision, ',') FROM migrate.upgrade('heads'))
    UNION ALL SELECT 3, (SELECT pg_catalog.string_agg(c, ',') FROM migrate.current() AS c)
    UNION ALL SELECT 4, (SELECT pg_catalog.string_agg(revision, ',') FROM migrate.downgrade('base'))
    UNION ALL SELECT 5, (SELECT pg_catalog.string_agg(c, ',') FROM migrate.stamp('h1') AS c);
RESET search_path;
RESET ROLE;
SELECT results_eq('SELECT result FROM dep_hostile ORDER BY n', ARRAY['h1', 'h1', 'h1', 'h1', 'h1'],
    'the deployer with evil first on its search_path loads, upgrades, reads, downgrades and stamps normally');
SELECT is((SELECT last_value FROM evil.calls), :'calls_before'::bigint,
    'and no planted object was called');
SELECT is((SELECT revision || ' ' || operation || ' ' || heads_before::text || ' ' || heads_after::text
             FROM migrate.log ORDER BY id DESC LIMIT 1),
    'h1 stamp {} {h1}', 'the deployer''s steps were logged correctly');

-- The offline script from upgrade_sql() runs in the DBA's psql session,
-- with the DBA's search_path.  Its guard must refuse a database whose
-- version rows differ from the ones the script was made for.
SELECT count(*) FROM migrate.stamp('base') \gset
SELECT pg_temp.forget() \gset
SELECT migrate.revision('g one', 'SELECT 1', 'SELECT 1', id => 'g1') \gset
SELECT migrate.revision('g two', 'SELECT 1', 'SELECT 1', id => 'g2') \gset
SELECT count(*) FROM migrate.upgrade('g1') \gset
SELECT substring(migrate.upgrade_sql('heads') FROM '(DO \$migrate_guard\$.*?\$migrate_guard\$;)') AS guard \gset
SELECT count(*) FROM migrate.stamp('g2') \gset
SELECT throws_ok(:'guard', '55000', 'version table does not match this script',
    'the offline script''s guard refuses a version table it was not made for');
CREATE FUNCTION pg_temp.guard_with_path(p_guard text, p_path text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_catalog.set_config('search_path', p_path, true);
    EXECUTE p_guard;
    PERFORM pg_catalog.set_config('search_path', '"$user", public', true);
    RETURN 'passed';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END
$$;
SELECT is(pg_temp.guard_with_path(:'guard', 'evil, pg_catalog, public'), '55000',
    'with evil first on the search_path the guard still refuses');

-- =====================================================================
-- the catalog
-- =====================================================================

SELECT is_empty($$SELECT p.oid::regprocedure FROM pg_proc p
                   WHERE p.pronamespace = 'migrate'::regnamespace AND p.prosecdef$$,
    'no function in schema migrate is SECURITY DEFINER');
SELECT is_empty($$SELECT p.oid::regprocedure FROM pg_proc p
                   WHERE p.pronamespace = 'migrate'::regnamespace
                     AND coalesce(obj_description(p.oid, 'pg_proc'), '') = ''$$,
    'every function in schema migrate has a comment');
SELECT is_empty($$SELECT p.oid::regprocedure FROM pg_proc p
                   WHERE p.pronamespace = 'migrate'::regnamespace
                     AND NOT EXISTS (SELECT FROM pg_depend d
                                      WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
                                        AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'migrate'))$$,
    'every function in schema migrate belongs to the extension');
SELECT is_empty($$SELECT p.oid::regprocedure, p.proconfig FROM pg_proc p
                   WHERE p.pronamespace = 'migrate'::regnamespace AND p.proconfig IS NOT NULL$$,
    'no function carries its own settings (a SET search_path there would change the scripts'' search_path)');
SELECT results_eq($$SELECT p.proname::text COLLATE "default" FROM pg_proc p
                     WHERE p.pronamespace = 'migrate'::regnamespace AND has_function_privilege('public', p.oid, 'EXECUTE')
                     ORDER BY 1$$,
    ARRAY['bases', 'branches', 'current', 'diff', 'downgrade_sql', 'downgrade_statements', 'drift', 'graph', 'heads', 'history',
          'show', 'snapshot', 'status', 'upgrade_sql', 'upgrade_statements', 'verify'],
    'PUBLIC may execute exactly the reading functions');
SELECT results_eq($$SELECT p.oid::regprocedure::text FROM pg_proc p
                     WHERE p.pronamespace = 'migrate'::regnamespace AND NOT has_function_privilege('public', p.oid, 'EXECUTE')
                     ORDER BY 1$$,
    ARRAY['migrate."check"(text,text[],jsonb)', 'migrate.apply_step(text,text,text)',
          'migrate.autogenerate(text,text,text[],jsonb,boolean,text,text,boolean)',
          'migrate.begin_step(text,text,text)', 'migrate.check_roundtrip(text)',
          'migrate.desired_snapshot(text,text[])', 'migrate.downgrade(text,boolean)', 'migrate.downgrade_each(text)', 'migrate.drop_revision(text)',
          'migrate.end_step(text,text,text)', 'migrate.guard_drop()', 'migrate.load(text)', 'migrate.merge(text[],text,text)', 'migrate.record_failure(text,text,text,text,interval)',
          'migrate.revision(text,text,text,text[],text,text[],text[],text,boolean)', 'migrate.revisions_changed()',
          'migrate.stamp(text,boolean)', 'migrate.stamp(text[],boolean)', 'migrate.sync(text[],text[],boolean)',
          'migrate.upgrade(text,boolean)', 'migrate.upgrade_each(text)'],
    'every changing function is revoked from PUBLIC');
SELECT is_empty($$SELECT c.relname FROM pg_class c
                   WHERE c.relnamespace = 'migrate'::regnamespace AND c.relkind IN ('r', 'S')
                     AND (has_table_privilege('public', c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
                          OR (c.relkind = 'S' AND has_sequence_privilege('public', c.oid, 'USAGE, SELECT, UPDATE')))$$,
    'PUBLIC has no privilege on migrate''s tables and sequences');
SELECT ok(has_schema_privilege('public', 'migrate', 'USAGE') AND NOT has_schema_privilege('public', 'migrate', 'CREATE'),
    'PUBLIC may use schema migrate but not create objects in it');

SELECT * FROM finish();
ROLLBACK;
