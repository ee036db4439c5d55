-- 80_hostile_input.sql: SQL-level hostile input.  NULL in every argument
-- of every function, a 1 MB script, ids at and over the 64-character
-- limit, ids with non-ASCII bytes and SQL metacharacters, transaction
-- control in scripts, scripts that call migrate themselves or change
-- migrate's own tables, messages with quotes, newlines and backslashes,
-- and a 10,000-revision chain.  Every refusal is a clean error with a
-- proper SQLSTATE and stores nothing.  Known bugs are pgTAP TODO tests.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION migrate;

SELECT plan(194);

\ir helpers.psql

-- the SQLSTATE a statement raises, or 'OK'
CREATE FUNCTION pg_temp.state_of(p_sql text) RETURNS text LANGUAGE sql AS $$
    SELECT coalesce(pg_temp.error_of(p_sql, 'sqlstate'), 'OK')
$$;

-- everything migrate keeps, as one text: revisions (without timestamps and
-- positions), version rows, log rows (without timings)
CREATE FUNCTION pg_temp.migrate_state() RETURNS text LANGUAGE sql AS $$
    SELECT concat_ws(E'\n',
        (SELECT string_agg(concat_ws('|', id, down_revisions, depends_on, branch_labels, message,
                                     upgrade_sql, downgrade_sql, transactional, checksum), E'\n' ORDER BY position)
           FROM migrate.revisions),
        (SELECT string_agg(revision, ',' ORDER BY revision) FROM migrate.version),
        (SELECT string_agg(concat_ws('|', id, revision, operation, checksum, heads_before, heads_after,
                                     sqlstate, error), E'\n' ORDER BY id)
           FROM migrate.log))
$$;

-- back to an empty graph and version table between sections
CREATE FUNCTION pg_temp.reset() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM migrate.stamp('base', purge => true);
    PERFORM pg_temp.forget();
    DELETE FROM migrate.log;
    DELETE FROM trace;
END
$$;

-- =====================================================================
-- NULL in every argument of every function
-- =====================================================================

-- the routines covered below, so that a new one cannot go without its NULL tests
SELECT results_eq(
    $$SELECT p.oid::regprocedure::text FROM pg_proc p
       WHERE p.pronamespace = 'migrate'::regnamespace ORDER BY 1$$,
    ARRAY['migrate."check"(text,text[],jsonb)',
          'migrate.apply_step(text,text,text)', 'migrate.autogenerate(text,text,text[],jsonb,boolean,text,text,boolean)',
          'migrate.bases()', 'migrate.begin_step(text,text,text)',
          'migrate.branches()', 'migrate.check_roundtrip(text)', 'migrate.current()',
          'migrate.desired_snapshot(text,text[])', 'migrate.diff(jsonb,jsonb,jsonb,boolean)',
          'migrate.downgrade(text,boolean)', 'migrate.downgrade_each(text)', 'migrate.downgrade_sql(text,text)',
          'migrate.downgrade_statements(text)', 'migrate.drift()', 'migrate.drop_revision(text)', 'migrate.end_step(text,text,text)',
          'migrate.graph(text,text,integer)',
          'migrate.guard_drop()', 'migrate.heads()', 'migrate.history(text,integer,text)', 'migrate.load(text)', 'migrate.merge(text[],text,text)',
          'migrate.record_failure(text,text,text,text,interval)',
          'migrate.revision(text,text,text,text[],text,text[],text[],text,boolean)', 'migrate.revisions_changed()', 'migrate.show(text)',
          'migrate.snapshot(text[])',
          'migrate.stamp(text,boolean)', 'migrate.stamp(text[],boolean)', 'migrate.status()',
          'migrate.sync(text[],text[],boolean)',
          'migrate.upgrade(text,boolean)', 'migrate.upgrade_each(text)', 'migrate.upgrade_sql(text,text)',
          'migrate.upgrade_statements(text)', 'migrate.verify()'],
    'the 37 routines of schema migrate are the ones whose NULL handling is tested here');
SELECT throws_ok('SELECT migrate.revisions_changed()', '39P01', 'migrate.revisions_changed() must be called as a trigger',
    'the trigger function (no arguments) refuses a direct call');
SELECT throws_ok('SELECT migrate.guard_drop()', '39P01', 'migrate.guard_drop() must be called as an event trigger',
    'the event trigger function (no arguments) refuses a direct call');

SELECT migrate.revision('n root', 'CREATE TABLE n_t (id int)', 'DROP TABLE n_t', id => 'n1') \gset

-- revision(): upgrade and transactional are required; every other NULL has a meaning (README)
SELECT throws_ok($$SELECT migrate.revision('m', NULL)$$,
    '22004', 'argument "upgrade" must not be null', 'revision(): a NULL upgrade script is refused');
SELECT throws_ok($$SELECT migrate.revision(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)$$,
    '22004', 'argument "upgrade" must not be null', 'revision(): all NULL is refused');
SELECT throws_ok($$SELECT migrate.revision('m', 'SELECT 1', down_revision => ARRAY['n1', NULL])$$,
    '22004', 'argument "down_revision" must not contain nulls', 'revision(): a NULL in down_revision is refused');
SELECT throws_ok($$SELECT migrate.revision('m', 'SELECT 1', branch_labels => ARRAY[NULL]::text[])$$,
    '22004', 'argument "branch_labels" must not contain nulls', 'revision(): a NULL in branch_labels is refused');
SELECT throws_ok($$SELECT migrate.revision('m', 'SELECT 1', depends_on => ARRAY[NULL]::text[])$$,
    '22004', 'argument "depends_on" must not contain nulls', 'revision(): a NULL in depends_on is refused');
SELECT throws_ok($$SELECT migrate.revision('m', 'SELECT 1', transactional => NULL)$$,
    '22004', 'argument "transactional" must not be null', 'revision(): a NULL transactional is refused');
SELECT migrate.revision(NULL, 'SELECT 1', NULL, NULL, NULL, NULL, NULL, NULL) AS nullrev \gset
SELECT matches(:'nullrev'::text, '^[0-9a-f]{12}$', 'revision() with NULL id generates a 12-hex id');
SELECT results_eq(
    format($$SELECT down_revisions, branch_labels, depends_on, message, downgrade_sql, transactional
               FROM migrate.show(%L)$$, :'nullrev'),
    $$VALUES ('{n1}'::text[], '{}'::text[], '{}'::text[], NULL::text, NULL::text, true)$$,
    'revision() with NULL elsewhere: on top of the single head, no labels or dependencies, no message, irreversible, transactional');

-- merge(): NULL revisions = all heads, NULL message = "merge a, b", NULL id = generated
SELECT migrate.revision('n second root', 'SELECT 1', 'SELECT 1', id => 'n2', head => 'base') \gset
SELECT throws_ok($$SELECT migrate.merge(ARRAY['n2', NULL])$$,
    '22004', 'argument "revisions" must not contain nulls', 'merge(): a NULL in revisions is refused');
SELECT migrate.merge(NULL, NULL, NULL) AS nullmerge \gset
SELECT matches(:'nullmerge'::text, '^[0-9a-f]{12}$', 'merge(NULL, NULL, NULL) generates a 12-hex id');
SELECT results_eq(format('SELECT down_revisions, message, upgrade_sql FROM migrate.show(%L)', :'nullmerge'),
    format($$VALUES (ARRAY[%L, 'n2'], 'merge ' || %L || ', n2', '')$$, :'nullrev', :'nullrev'),
    'merge(NULL, NULL, NULL) merges all heads with a generated message');

SELECT throws_ok($$SELECT migrate.load(NULL)$$,
    '22004', 'argument "script" must not be null', 'load(NULL) is refused');
SELECT throws_ok($$SELECT migrate.drop_revision(NULL)$$,
    '22004', 'argument "id" must not be null', 'drop_revision(NULL) is refused');

-- sync(): scripts and prune are required; NULL file_names = no names
SELECT throws_ok($$SELECT * FROM migrate.sync(NULL)$$,
    '22004', 'argument "scripts" must not be null', 'sync(NULL) is refused');
SELECT throws_ok($$SELECT * FROM migrate.sync(ARRAY[NULL]::text[])$$,
    '22004', 'argument "scripts" must not contain nulls', 'sync(): a NULL script is refused');
SELECT throws_ok($$SELECT * FROM migrate.sync(ARRAY['-- migrate:revision n1'], ARRAY[NULL]::text[])$$,
    '22004', 'argument "file_names" must not contain nulls', 'sync(): a NULL file name is refused');
SELECT throws_ok($$SELECT * FROM migrate.sync('{}', NULL, NULL)$$,
    '22004', 'argument "prune" must not be null', 'sync(): a NULL prune is refused');
SELECT is((SELECT count(*) FROM migrate.sync('{}', NULL) WHERE file_name IS NULL AND status = 'stale'),
    (SELECT count(*) FROM migrate.revisions), 'sync() with NULL file_names reports rows without names');

-- upgrade() / downgrade(): target and dry_run are required
SELECT throws_ok($$SELECT * FROM migrate.upgrade(NULL)$$,
    '22004', 'argument "target" must not be null', 'upgrade(NULL) is refused');
SELECT throws_ok($$SELECT * FROM migrate.upgrade(NULL, true)$$,
    '22004', 'argument "target" must not be null', 'upgrade(NULL, dry_run => true) is refused');
SELECT throws_ok($$SELECT * FROM migrate.downgrade(NULL)$$,
    '22004', 'argument "target" must not be null', 'downgrade(NULL) is refused');
SELECT throws_ok($$SELECT * FROM migrate.downgrade(NULL, true)$$,
    '22004', 'argument "target" must not be null', 'downgrade(NULL, dry_run => true) is refused');
SELECT throws_ok($$SELECT * FROM migrate.upgrade('n1', NULL)$$,
    '22004', 'argument "dry_run" must not be null', 'upgrade(target, dry_run => NULL) is refused');
SELECT is_empty('SELECT * FROM migrate.current()', 'and applied nothing');
SELECT results_eq($$SELECT revision FROM migrate.upgrade('n1')$$, ARRAY['n1'], 'upgrade(target) applies n1');
SELECT throws_ok($$SELECT * FROM migrate.downgrade('base', NULL)$$,
    '22004', 'argument "dry_run" must not be null', 'downgrade(target, dry_run => NULL) is refused');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['n1'], 'and removed nothing');
SELECT results_eq($$SELECT revision FROM migrate.downgrade('base')$$, ARRAY['n1'], 'downgrade(target) removes n1');

-- stamp(): target(s) and purge required
SELECT throws_ok($$SELECT * FROM migrate.stamp(NULL::text)$$,
    '22004', 'argument "target" must not be null', 'stamp(NULL::text) is refused');
SELECT throws_ok($$SELECT * FROM migrate.stamp(NULL::text[])$$,
    '22004', 'argument "targets" must not be null', 'stamp(NULL::text[]) is refused');
SELECT throws_ok($$SELECT * FROM migrate.stamp(ARRAY['n1', NULL])$$,
    '22004', 'argument "targets" must not contain nulls', 'stamp() with a NULL target in the array is refused');
INSERT INTO migrate.version VALUES ('ghost');
SELECT throws_ok($$SELECT * FROM migrate.stamp('n1', NULL)$$,
    '22004', 'argument "purge" must not be null',
    'stamp(target, purge => NULL) is refused, not read as purge => false');
SELECT throws_ok($$SELECT * FROM migrate.stamp(ARRAY['n1'], NULL)$$,
    '22004', 'argument "purge" must not be null',
    'stamp(targets, purge => NULL) is refused, not read as purge => false');
SELECT results_eq($$SELECT * FROM migrate.stamp('base', true)$$, '{}'::text[], 'purge => true clears the ghost row');
SELECT results_eq($$SELECT * FROM migrate.stamp('n1')$$, ARRAY['n1'], 'stamp(target) stamps');
SELECT results_eq($$SELECT * FROM migrate.stamp(ARRAY['base'])$$, '{}'::text[], 'stamp(targets) stamps');

-- reading functions
SELECT is((SELECT count(*)::int FROM migrate.history(NULL)), 4, 'history(NULL) is the whole history');
SELECT is((SELECT count(*)::int FROM migrate.history(NULL, NULL, NULL)), 4, 'history(NULL, NULL, NULL): the whole history, not paged');
SELECT throws_ok('SELECT migrate.graph(NULL)', '22004', 'argument "format" must not be null', 'graph(NULL) is refused');
SELECT is(migrate.graph('dot', NULL, NULL), migrate.graph(), 'graph(''dot'', NULL, NULL) is the whole graph');
SELECT throws_ok(format('SELECT migrate.record_failure(%s)', a), '22004', NULL, 'record_failure() refuses NULL in argument ' || i)
  FROM unnest(ARRAY[$$NULL, 'upgrade', '42P01', 'x'$$, $$'n1', NULL, '42P01', 'x'$$, $$'n1', 'upgrade', NULL, 'x'$$,
                    $$'n1', 'upgrade', '42P01', NULL$$, $$'n1', 'upgrade', '42P01', 'x', NULL$$]) WITH ORDINALITY AS t(a, i);
SELECT throws_ok($$SELECT * FROM migrate.history('')$$,
    '22023', 'invalid history range ""', 'history('''') is refused (NULL is the whole history)');
SELECT throws_ok($$SELECT * FROM migrate.show(NULL)$$,
    '22004', 'argument "revision" must not be null', 'show(NULL) is refused');
SELECT throws_ok($$SELECT * FROM migrate.upgrade_statements(NULL)$$,
    '22004', 'argument "target" must not be null', 'upgrade_statements(NULL) is refused');
SELECT throws_ok($$SELECT * FROM migrate.downgrade_statements(NULL)$$,
    '22004', 'argument "target" must not be null', 'downgrade_statements(NULL) is refused');
SELECT throws_ok($$SELECT migrate.upgrade_sql(NULL)$$,
    '22004', 'argument "target" must not be null', 'upgrade_sql(NULL) is refused');
SELECT throws_ok($$SELECT migrate.upgrade_sql(NULL, 'base')$$,
    '22004', 'argument "target" must not be null', 'upgrade_sql(NULL, from_revision) is refused');
SELECT is(migrate.upgrade_sql('heads', NULL), migrate.upgrade_sql('heads'),
    'upgrade_sql(target, from_revision => NULL) starts from the version table');
SELECT throws_ok($$SELECT migrate.downgrade_sql(NULL)$$,
    '22004', 'argument "target" must not be null', 'downgrade_sql(NULL) is refused');
SELECT throws_ok($$SELECT migrate.downgrade_sql(NULL, 'n1')$$,
    '22004', 'argument "target" must not be null', 'downgrade_sql(NULL, from_revision) is refused');
SELECT is(migrate.downgrade_sql('base', NULL), migrate.downgrade_sql('base'),
    'downgrade_sql(target, from_revision => NULL) starts from the version table');
SELECT throws_ok($$SELECT * FROM migrate.check_roundtrip(NULL)$$,
    '22004', 'argument "target" must not be null', 'check_roundtrip(NULL) is refused');

-- snapshot(): NULL = every user schema; NULL inside the list is refused
SELECT ok(migrate.snapshot(NULL) ? 'objects', 'snapshot(NULL) reads every user schema');
SELECT throws_ok($$SELECT migrate.snapshot(ARRAY[NULL]::text[])$$,
    '22004', 'schemas must not contain NULL', 'snapshot(): a NULL schema name is refused');
-- diff(): both snapshots and concurrently are required; NULL renames = none
SELECT throws_ok($$SELECT * FROM migrate.diff(NULL, migrate.snapshot())$$,
    '22004', 'argument "from_snapshot" must not be null', 'diff(): a NULL from_snapshot is refused');
SELECT throws_ok($$SELECT * FROM migrate.diff(migrate.snapshot(), NULL)$$,
    '22004', 'argument "to_snapshot" must not be null', 'diff(): a NULL to_snapshot is refused');
SELECT throws_ok($$SELECT * FROM migrate.diff(migrate.snapshot(), migrate.snapshot(), NULL, NULL)$$,
    '22004', 'argument "concurrently" must not be null', 'diff(): a NULL concurrently is refused');
SELECT is_empty($$SELECT * FROM migrate.diff(migrate.snapshot(), migrate.snapshot(), NULL)$$,
    'diff(): NULL renames means none, and a schema equals itself');
-- the desired-schema functions: desired_sql is required, before anything else
SELECT throws_ok($$SELECT migrate.desired_snapshot(NULL)$$,
    '22004', 'argument "desired_sql" must not be null', 'desired_snapshot(NULL) is refused');
SELECT throws_ok($$SELECT migrate.autogenerate('m', NULL)$$,
    '22004', 'argument "desired_sql" must not be null', 'autogenerate(): a NULL desired_sql is refused');
SELECT throws_ok($$SELECT * FROM migrate."check"(NULL)$$,
    '22004', 'argument "desired_sql" must not be null', 'check(NULL) is refused');
SELECT throws_ok($$SELECT migrate.desired_snapshot('SELECT 1', ARRAY[NULL]::text[])$$,
    '55000', 'building a desired schema is not allowed in this database',
    'desired_snapshot(): off unless migrate.allow_autogenerate is on');

-- the committing procedures check their argument before refusing a transaction block
SELECT throws_ok($$CALL migrate.upgrade_each(NULL)$$,
    '22004', 'argument "target" must not be null', 'CALL upgrade_each(NULL) is refused');
SELECT throws_ok($$CALL migrate.downgrade_each(NULL)$$,
    '22004', 'argument "target" must not be null', 'CALL downgrade_each(NULL) is refused');

-- the bookkeeping calls of \gexec plans: revision and operation required,
-- a NULL checksum skips the checksum check
SELECT throws_ok($$SELECT migrate.apply_step(NULL, 'upgrade')$$,
    '22004', 'argument "revision" must not be null', 'apply_step(NULL, ...) is refused');
SELECT throws_ok($$SELECT migrate.apply_step('n1', NULL)$$,
    '22004', 'argument "operation" must not be null', 'apply_step(..., NULL) is refused');
SELECT throws_ok($$SELECT migrate.begin_step(NULL, 'upgrade')$$,
    '22004', 'argument "revision" must not be null', 'begin_step(NULL, ...) is refused');
SELECT throws_ok($$SELECT migrate.begin_step('n1', NULL)$$,
    '22004', 'argument "operation" must not be null', 'begin_step(..., NULL) is refused');
SELECT throws_ok($$SELECT migrate.end_step(NULL, 'upgrade')$$,
    '22004', 'argument "revision" must not be null', 'end_step(NULL, ...) is refused');
SELECT throws_ok($$SELECT migrate.end_step('n1', NULL)$$,
    '22004', 'argument "operation" must not be null', 'end_step(..., NULL) is refused');
SELECT is(migrate.apply_step('n1', 'upgrade', NULL), 'upgrade  -> n1, n root',
    'apply_step(revision, operation, checksum => NULL) runs the step');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['n1'], 'and records it');
SELECT migrate.revision('non-transactional', 'CREATE INDEX n_t_id ON n_t (id)', 'DROP INDEX n_t_id',
                        id => 'n3', down_revision => '{n1}', transactional => false) \gset
SELECT is(migrate.begin_step('n3', 'upgrade', NULL), 'upgrade n1 -> n3, non-transactional (non-transactional: its statements follow)',
    'begin_step(revision, operation, checksum => NULL) starts the step');
CREATE INDEX n_t_id ON n_t (id);
SELECT is(migrate.end_step('n3', 'upgrade', NULL), 'recorded upgrade n1 -> n3, non-transactional',
    'end_step(revision, operation, checksum => NULL) records the step');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['n3'], 'current is n3');
SELECT is((SELECT count(*)::int FROM migrate.log), 7, 'the log holds exactly the 7 steps and stamps above: the refused NULL calls logged nothing');

SELECT pg_temp.reset() \gset
DROP TABLE n_t;

-- =====================================================================
-- a 1 MB script: registers, runs, checksum right
-- =====================================================================

-- 1,100 statements of about 1 KB each, with quotes, backslashes,
-- semicolons, dollar signs, newlines and non-ASCII text inside strings
CREATE TEMP TABLE big AS
SELECT payload,
       'CREATE TABLE big_t (n int PRIMARY KEY, v text);' || E'\n'
       || string_agg(format('INSERT INTO big_t VALUES (%s, %L); -- row %s; not a terminator', i, payload, i),
                     E'\n' ORDER BY i) AS up
  FROM (SELECT repeat(E'it''s; a \\ "payload" $$ caf\u00e9 \u2603\n', 31) AS payload) p,
       generate_series(1, 1100) i
 GROUP BY payload;

SELECT cmp_ok((SELECT octet_length(up) FROM big), '>=', 1048576, 'the script is at least 1 MB');
SELECT is(migrate.revision('one megabyte', (SELECT up FROM big), 'DROP TABLE big_t', id => 'big1'),
    'big1', 'a 1 MB script registers');
SELECT is((SELECT checksum FROM migrate.revisions WHERE id = 'big1'),
    (SELECT pg_temp.checksum(up, 'DROP TABLE big_t') FROM big),
    'its checksum is sha256 of the scripts as README.md documents');
SELECT is((SELECT md5(upgrade_sql) FROM migrate.show('big1')), (SELECT md5(up) FROM big),
    'show() returns the 1 MB script byte for byte');
SELECT ok(position((SELECT up FROM big) IN migrate.upgrade_sql('big1')) > 0,
    'upgrade_sql() contains the whole 1 MB script');
SELECT results_eq($$SELECT revision FROM migrate.upgrade('big1')$$, ARRAY['big1'], 'the 1 MB script runs');
SELECT results_eq('SELECT count(*)::int, count(DISTINCT v)::int, min(v) FROM big_t',
    $$SELECT 1100, 1, payload FROM big$$, 'all 1,100 statements ran with their strings intact');
SELECT is((SELECT checksum FROM migrate.log WHERE revision = 'big1'),
    (SELECT checksum FROM migrate.revisions WHERE id = 'big1'), 'the log row carries the same checksum');
SELECT is(migrate.load((SELECT E'-- migrate:revision big2\n-- migrate:revises big1\n-- migrate:message same scripts from a file\n'
                               || E'-- migrate:upgrade\n' || up || E'\n\n-- migrate:downgrade\nDROP TABLE big_t\n' FROM big)),
    'big2', 'load() registers a 1 MB file');
SELECT is((SELECT checksum FROM migrate.revisions WHERE id = 'big2'),
    (SELECT checksum FROM migrate.revisions WHERE id = 'big1'),
    'the loaded file has the same checksum (sections trimmed)');
SELECT results_eq($$SELECT revision FROM migrate.downgrade('base')$$, ARRAY['big1'], 'the downgrade runs');
SELECT hasnt_table('big_t', 'and drops the table');
SELECT pg_temp.reset() \gset

-- =====================================================================
-- ids at the length limit (64) and over it (65)
-- =====================================================================

SELECT is(migrate.revision('long', 'SELECT 1', 'SELECT 1', id => repeat('a', 64),
                           branch_labels => ARRAY[repeat('L', 64)]),
    repeat('a', 64), 'a 64-character id with a 64-character label registers');
SELECT is(migrate.load(E'-- migrate:revision ' || repeat('b', 64) || E'\n-- migrate:revises ' || repeat('a', 64)
                       || E'\n-- migrate:depends-on ' || repeat('L', 64) || E'\n-- migrate:upgrade\nSELECT 1;\n-- migrate:downgrade\nSELECT 1;\n'),
    repeat('b', 64), 'load() takes 64-character ids in every directive');
SELECT results_eq(format('SELECT revision FROM migrate.upgrade(%L)', repeat('a', 64)),
    ARRAY[repeat('a', 64)], 'a 64-character id works as a target');
SELECT results_eq(format('SELECT revision FROM migrate.upgrade(%L)', repeat('L', 64) || '@head'),
    ARRAY[repeat('b', 64)], 'a 64-character label works in label@head');
SELECT results_eq(format('SELECT revision FROM migrate.show(%L)', repeat('b', 63)),
    ARRAY[repeat('b', 64)], 'a 63-character prefix resolves');
SELECT results_eq(format('SELECT * FROM migrate.stamp(%L)', repeat('a', 64)), ARRAY[repeat('a', 64)],
    'stamp() takes a 64-character id');
SELECT is((SELECT count(*)::int FROM migrate.history(repeat('a', 64) || ':')), 2,
    'history() takes a 64-character id in a range');

CREATE TEMP TABLE too_long (what text, sql text, sqlstate text, message text);
INSERT INTO too_long VALUES
    ('revision id', format($$SELECT migrate.revision('m', 'SELECT 1', id => %L, head => 'base')$$, repeat('c', 65)),
     '22023', format('revision id "%s" is not valid', repeat('c', 65))),
    ('branch label', format($$SELECT migrate.revision('m', 'SELECT 1', id => 'c1', head => 'base', branch_labels => ARRAY[%L])$$, repeat('L', 65)),
     '22023', format('branch label "%s" is not valid', repeat('L', 65))),
    ('down_revision', format($$SELECT migrate.revision('m', 'SELECT 1', id => 'c1', down_revision => ARRAY[%L])$$, repeat('a', 65)),
     '42704', format('down revision "%s" of revision "c1" does not exist', repeat('a', 65))),
    ('depends_on', format($$SELECT migrate.revision('m', 'SELECT 1', id => 'c1', head => 'base', depends_on => ARRAY[%L])$$, repeat('a', 65)),
     '42704', format('dependency "%s" of revision "c1" does not exist', repeat('a', 65))),
    ('head', format($$SELECT migrate.revision('m', 'SELECT 1', id => 'c1', head => %L)$$, repeat('a', 65)),
     '22023', format('invalid target "%s"', repeat('a', 65))),
    ('load revision', format('SELECT migrate.load(%L)', E'-- migrate:revision ' || repeat('c', 65) || E'\n-- migrate:upgrade\nSELECT 1;\n'),
     '42601', 'invalid revision file at line 1'),
    ('load revises', format('SELECT migrate.load(%L)', E'-- migrate:revision c1\n-- migrate:revises ' || repeat('a', 65) || E'\n-- migrate:upgrade\nSELECT 1;\n'),
     '42601', 'invalid revision file at line 2'),
    ('load branch-labels', format('SELECT migrate.load(%L)', E'-- migrate:revision c1\n-- migrate:branch-labels ' || repeat('L', 65) || E'\n-- migrate:upgrade\nSELECT 1;\n'),
     '42601', 'invalid revision file at line 2'),
    ('upgrade target', format('SELECT * FROM migrate.upgrade(%L)', repeat('a', 65)),
     '22023', format('invalid target "%s"', repeat('a', 65))),
    ('upgrade label@head', format('SELECT * FROM migrate.upgrade(%L)', repeat('L', 65) || '@head'),
     '22023', format('invalid target "%s@head"', repeat('L', 65))),
    ('downgrade target', format('SELECT * FROM migrate.downgrade(%L)', repeat('a', 65)),
     '22023', format('invalid target "%s"', repeat('a', 65))),
    ('show', format('SELECT * FROM migrate.show(%L)', repeat('a', 65)),
     '22023', format('invalid target "%s"', repeat('a', 65))),
    ('stamp', format('SELECT * FROM migrate.stamp(%L)', repeat('a', 65)),
     '22023', format('invalid target "%s"', repeat('a', 65))),
    ('history', format('SELECT * FROM migrate.history(%L)', repeat('a', 65) || ':'),
     '22023', format('invalid target "%s"', repeat('a', 65))),
    ('drop_revision', format('SELECT migrate.drop_revision(%L)', repeat('a', 65)),
     '42704', format('revision "%s" does not exist', repeat('a', 65))),
    ('apply_step', format($$SELECT migrate.apply_step(%L, 'upgrade')$$, repeat('a', 65)),
     '42704', format('revision "%s" does not exist', repeat('a', 65))),
    ('begin_step', format($$SELECT migrate.begin_step(%L, 'upgrade')$$, repeat('a', 65)),
     '42704', format('revision "%s" does not exist', repeat('a', 65))),
    ('upgrade_statements', format('SELECT * FROM migrate.upgrade_statements(%L)', repeat('a', 65)),
     '22023', format('invalid target "%s"', repeat('a', 65))),
    ('upgrade_sql from', format($$SELECT migrate.upgrade_sql('heads', %L)$$, repeat('a', 65)),
     '22023', format('invalid target "%s"', repeat('a', 65)));
SELECT is_empty($$SELECT what, pg_temp.error_of(sql, 'sqlstate'), pg_temp.error_of(sql, 'message')
                    FROM too_long
                   WHERE pg_temp.error_of(sql, 'sqlstate') IS DISTINCT FROM sqlstate
                      OR pg_temp.error_of(sql, 'message') IS DISTINCT FROM message$$,
    'a 65-character id or label is a clean error at every entry point (19 cases)');
SELECT is((SELECT count(*)::int FROM migrate.revisions), 2, 'no over-long name was stored');
SELECT pg_temp.reset() \gset

-- =====================================================================
-- ids with non-ASCII characters, control bytes and SQL metacharacters
-- =====================================================================

SELECT migrate.revision('anchor', 'SELECT 1', 'SELECT 1', id => 'ok1') \gset
CREATE TEMP TABLE bad_ids (id text);
INSERT INTO bad_ids VALUES
    (E'caf\u00e9'), (E'\u0430bc'), (E'\uff41bc'), (E'\ufeffab'), (E'ab\u200b'), (chr(65533)),
    (E'\u00b2'), (E'\u0661\u0662'), (E'\u0131d'), (E'\x01ab'), (E'a\tb'), (E'a\nb'), (E'a\rb'),
    ('a b'), (' ab'), ('ab '), ('a''b'), ('a"b'), ('a;b'), ($$a'; DROP TABLE trace; --$$),
    ('a\b'), ('a\x00'), ('a%sb'), ('%n'), ('a-b'), ('a.b'), ('a/b'), ('a*'), ('a,b'), ('{a}'),
    ('a$b'), ('$1'), ('ab--'), ('/*x*/'), ('a)b'), ('a[1]'), ('');

SELECT is_empty($$SELECT quote_literal(id), pg_temp.state_of(format('SELECT migrate.revision(%L, %L, id => %L)', 'm', 'SELECT 1', id))
                    FROM bad_ids
                   WHERE pg_temp.error_of(format('SELECT migrate.revision(%L, %L, id => %L)', 'm', 'SELECT 1', id), 'message')
                         IS DISTINCT FROM format('revision id "%s" is not valid', id)
                      OR pg_temp.state_of(format('SELECT migrate.revision(%L, %L, id => %L)', 'm', 'SELECT 1', id)) <> '22023'$$,
    'revision(): each bad id is refused with 22023 naming it (37 ids)');
SELECT is_empty($$SELECT quote_literal(id) FROM bad_ids
                   WHERE pg_temp.state_of(format('SELECT migrate.revision(%L, %L, id => %L, branch_labels => ARRAY[%L])',
                                                 'm', 'SELECT 1', 'x2', id)) <> '22023'$$,
    'revision(): each bad branch label is refused with 22023');
SELECT is_empty($$SELECT quote_literal(id) FROM bad_ids
                   WHERE pg_temp.state_of(format('SELECT migrate.revision(%L, %L, id => %L, down_revision => ARRAY[%L])',
                                                 'm', 'SELECT 1', 'x2', id)) <> '42704'
                      OR pg_temp.state_of(format('SELECT migrate.revision(%L, %L, id => %L, depends_on => ARRAY[%L])',
                                                 'm', 'SELECT 1', 'x2', id)) <> '42704'$$,
    'revision(): each bad down_revision or depends_on entry is an unknown revision (42704)');
SELECT is_empty($$SELECT quote_literal(id) FROM bad_ids
                   WHERE id !~ '^\s|\s$'
                     AND pg_temp.state_of(format('SELECT migrate.load(%L)',
                                                 E'-- migrate:revision ' || id || E'\n-- migrate:upgrade\nSELECT 1;\n')) <> '42601'$$,
    'load(): each bad id in the revision directive is a file format error (42601)');
SELECT is(migrate.load(E'-- migrate:revision  trimmed \n-- migrate:upgrade\nSELECT 1;\n'), 'trimmed',
    'load(): blank space around a directive value is trimmed, not part of the id');
SELECT is_empty($$SELECT quote_literal(id), fn FROM bad_ids,
                         unnest(ARRAY['upgrade', 'downgrade', 'show', 'stamp', 'upgrade_statements', 'upgrade_sql']) AS fn
                   WHERE pg_temp.state_of(format('SELECT * FROM migrate.%s(%L)', fn, id)) <> '22023'$$,
    'targets: each bad id is refused with 22023 by upgrade, downgrade, show, stamp, upgrade_statements, upgrade_sql');
SELECT is_empty($$SELECT quote_literal(id) FROM bad_ids
                   WHERE id <> '' AND pg_temp.state_of(format('SELECT * FROM migrate.history(%L)', id || ':')) <> '22023'$$,
    'history(): each bad id in a range is refused with 22023');
SELECT is_empty($$SELECT quote_literal(id), fn FROM bad_ids, unnest(ARRAY['drop_revision', 'apply_step', 'begin_step']) AS fn
                   WHERE pg_temp.state_of(format('SELECT migrate.%s(%L%s)', fn, id,
                                                 CASE fn WHEN 'drop_revision' THEN '' ELSE ', ''upgrade''' END)) <> '42704'$$,
    'drop_revision, apply_step, begin_step: each bad id is an unknown revision (42704)');
SELECT throws_ok($$SELECT * FROM migrate.upgrade('a@b')$$, '42704', 'revision "a" does not exist',
    'an @ in a target is a label reference: unknown label a');
SELECT throws_ok($$SELECT * FROM migrate.show('ok1:x')$$, '22023', 'invalid target "ok1:x"',
    'show() refuses a range');
SELECT throws_ok($$SELECT * FROM migrate.upgrade('ok1:')$$, '22023', 'a range such as "ok1:" is only valid for history',
    'upgrade() refuses a range');
-- bytes that are not UTF-8 never reach migrate: the server refuses the literal
SELECT ok(pg_temp.state_of($$SELECT migrate.revision('m', 'SELECT 1', id => E'ab\xff', head => 'base')$$) IN ('22021', '22023'),
    'an id with a byte that is not valid in the database encoding is refused');
SELECT ok(pg_temp.state_of($$SELECT migrate.revision('m', 'SELECT 1', id => convert_from('\x6162ff', 'LATIN1'), head => 'base')$$) = '22023',
    'an id decoded from LATIN1 bytes (ab + y-umlaut) is refused with 22023');
SELECT results_eq('SELECT id FROM migrate.revisions ORDER BY position', ARRAY['ok1', 'trimmed'],
    'none of the bad ids, labels or references was stored');
SELECT is_empty($$SELECT l FROM migrate.revisions, unnest(branch_labels || down_revisions || depends_on) AS l
                   WHERE l !~ '^[A-Za-z0-9_]{1,64}$'$$,
    'every stored label and reference is 1-64 characters of [A-Za-z0-9_]');
SELECT pg_temp.reset() \gset

-- =====================================================================
-- transaction control in scripts: refused at registration, with the
-- statement number
-- =====================================================================

CREATE TEMP TABLE tc (stmt text);
INSERT INTO tc VALUES ('COMMIT'), ('COMMIT AND CHAIN'), ('commit work'), ('ROLLBACK'), ('ROLLBACK AND CHAIN'),
    ('ABORT'), ('END'), ('BEGIN'), ('BEGIN ISOLATION LEVEL SERIALIZABLE'), ('START TRANSACTION READ ONLY'),
    ('SAVEPOINT s'), ('RELEASE SAVEPOINT s'), ('RELEASE s'), ('ROLLBACK TO SAVEPOINT s'), ('ROLLBACK TO s'),
    ('PREPARE TRANSACTION ''t'''), ('COMMIT PREPARED ''t'''), ('ROLLBACK PREPARED ''t'''), ('/* x */ CoMmIt');

SELECT is_empty($$SELECT stmt FROM tc
                   WHERE pg_temp.error_of(format('SELECT migrate.revision(%L, %L, id => %L)', 'm',
                                                 E'SELECT 1;\nSELECT 2;\n' || stmt || ';', 'tc1'), 'sqlstate') IS DISTINCT FROM '2D000'
                      OR pg_temp.error_of(format('SELECT migrate.revision(%L, %L, id => %L)', 'm',
                                                 E'SELECT 1;\nSELECT 2;\n' || stmt || ';', 'tc1'), 'message')
                         IS DISTINCT FROM 'upgrade script of revision "tc1" contains transaction control'
                      OR pg_temp.error_of(format('SELECT migrate.revision(%L, %L, id => %L)', 'm',
                                                 E'SELECT 1;\nSELECT 2;\n' || stmt || ';', 'tc1'), 'detail')
                         !~ '^Statement 3 at line \d+ begins, ends or marks a transaction\.$'$$,
    'upgrade scripts: each of 19 transaction control statements is refused (2D000) naming statement 3');
SELECT is_empty($$SELECT stmt FROM tc
                   WHERE pg_temp.error_of(format('SELECT migrate.revision(%L, %L, %L, id => %L)', 'm', 'SELECT 1',
                                                 stmt || E';\nSELECT 2', 'tc1'), 'message')
                         IS DISTINCT FROM 'downgrade script of revision "tc1" contains transaction control'
                      OR pg_temp.error_of(format('SELECT migrate.revision(%L, %L, %L, id => %L)', 'm', 'SELECT 1',
                                                 stmt || E';\nSELECT 2', 'tc1'), 'detail')
                         IS DISTINCT FROM 'Statement 1 at line 1 begins, ends or marks a transaction.'$$,
    'downgrade scripts: each is refused naming statement 1 at line 1');
SELECT is_empty($$SELECT stmt FROM tc
                   WHERE pg_temp.error_of(format('SELECT migrate.revision(%L, %L, id => %L, transactional => false)', 'm',
                                                 'SELECT 1; ' || stmt, 'tc1'), 'sqlstate') IS DISTINCT FROM '2D000'$$,
    'non-transactional revisions: each is refused too');
SELECT is_empty($$SELECT stmt FROM tc
                   WHERE pg_temp.error_of(format('SELECT migrate.load(%L)',
                                                 E'-- migrate:revision tc1\n-- migrate:upgrade\nSELECT 1;\n-- migrate:downgrade\n' || stmt || E';\n'),
                                          'message')
                         IS DISTINCT FROM 'downgrade script of revision "tc1" contains transaction control'$$,
    'load(): each is refused in a file''s downgrade section');
SELECT is(pg_temp.error_of(E'SELECT migrate.revision(''m'', E''SELECT 1;\\nSELECT 2;\\nCOMMIT;'', id => ''tc1'')', 'detail'),
    'Statement 3 at line 3 begins, ends or marks a transaction.',
    'the detail names statement 3 at line 3 for three one-line statements');
SELECT is(pg_temp.error_of(E'SELECT migrate.revision(''m'', E''SELECT 1;\\n\\n\\n  COMMIT;'', id => ''tc1'')', 'detail'),
    'Statement 2 at line 4 begins, ends or marks a transaction.',
    'after blank lines the line named is the COMMIT''s, as a CONTEXT line at run time would name it');
SELECT is_empty('SELECT * FROM migrate.revisions', 'no script with transaction control was stored');

-- the words inside strings, comments, dollar quotes and identifiers are no statements
SELECT is(migrate.revision('words only', $s$SELECT 'COMMIT; ROLLBACK'; -- COMMIT;
/* BEGIN; SAVEPOINT s; */ SELECT $q$ROLLBACK;$q$;
CREATE TABLE "commit" (savepoint int);
INSERT INTO trace (step) VALUES ('up tw')$s$, 'DROP TABLE "commit"', id => 'tw'),
    'tw', 'transaction words in strings, comments, dollar quotes and identifiers are accepted');
SELECT results_eq($$SELECT revision FROM migrate.upgrade('tw')$$, ARRAY['tw'], 'and the script runs');
SELECT results_eq('SELECT * FROM pg_temp.drain()', ARRAY['up tw'], 'to its end');

-- transaction control hidden in a DO block or a procedure cannot be seen
-- at registration; PostgreSQL refuses it when it runs
SELECT migrate.revision('do commit', $s$INSERT INTO trace (step) VALUES ('up tdo');
DO $$BEGIN COMMIT; END$$$s$, 'SELECT 1', id => 'tdo', down_revision => '{tw}') \gset
SELECT throws_ok($$SELECT * FROM migrate.upgrade('tdo')$$, '2D000', 'invalid transaction termination',
    'COMMIT inside a DO block fails when it runs, with 2D000');
SELECT matches(pg_temp.error_of($$SELECT * FROM migrate.upgrade('tdo')$$, 'context'),
    'while applying revision "tdo" \(upgrade\), statement 2 at line 2', 'naming the revision and statement 2');
CREATE PROCEDURE public.pgtap80_commits() LANGUAGE plpgsql AS $$BEGIN ROLLBACK; END$$;
SELECT migrate.revision('call rollback', 'CALL public.pgtap80_commits()', 'SELECT 1', id => 'tpr',
                        down_revision => '{tw}') \gset
SELECT throws_ok($$SELECT * FROM migrate.upgrade('tpr')$$, '2D000', 'invalid transaction termination',
    'a procedure that rolls back fails when it runs, with 2D000');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['tw'], 'neither step was recorded');
SELECT is_empty('SELECT * FROM trace', 'and the first statement of tdo was rolled back');
SELECT pg_temp.reset() \gset
DROP TABLE "commit";

-- =====================================================================
-- a script that calls migrate itself
-- =====================================================================

SELECT migrate.revision('base rev', $$INSERT INTO trace (step) VALUES ('up s0')$$, 'SELECT 1', id => 's0') \gset
SELECT migrate.revision('calls upgrade', $s$INSERT INTO trace (step) VALUES ('up s1');
SELECT * FROM migrate.upgrade('heads')$s$, 'SELECT 1', id => 's1', down_revision => '{s0}') \gset
SELECT throws_ok($$SELECT * FROM migrate.upgrade('s1')$$,
    '55000', 'migrate cannot be called from a revision script',
    'a script that calls migrate.upgrade() is refused');
SELECT matches(pg_temp.error_of($$SELECT * FROM migrate.upgrade('s1')$$, 'context'),
    'while applying revision "s1" \(upgrade\), statement 2 at line 2', 'the error names the revision and the statement');
SELECT is(pg_temp.error_of($$SELECT * FROM migrate.upgrade('s1')$$, 'hint'),
    'Remove the call to migrate from the script.', 'the hint says what to do');
SELECT is_empty('SELECT * FROM migrate.current()', 'nothing was applied: not s0 before it');
SELECT is_empty('SELECT * FROM trace', 'and the scripts'' writes were rolled back');
SELECT is((SELECT count(*)::int FROM migrate.log), 0, 'and nothing was logged');

CREATE TEMP TABLE nested (what text, script text);
INSERT INTO nested VALUES
    ('revision()', $$SELECT migrate.revision('x', 'SELECT 1', id => 'nn', head => 'base')$$),
    ('merge()', $$SELECT migrate.merge(ARRAY['s0', 's1'])$$),
    ('load()', E'SELECT migrate.load(E''-- migrate:revision nn\\n-- migrate:upgrade\\nSELECT 1;\\n'')'),
    ('drop_revision()', $$SELECT migrate.drop_revision('s1')$$),
    ('downgrade()', $$SELECT * FROM migrate.downgrade('base')$$),
    ('stamp()', $$SELECT * FROM migrate.stamp('heads')$$),
    ('stamp(text[])', $$SELECT * FROM migrate.stamp(ARRAY['heads'])$$),
    ('apply_step()', $$SELECT migrate.apply_step('s1', 'upgrade')$$),
    ('begin_step()', $$SELECT migrate.begin_step('s1', 'upgrade')$$),
    ('check_roundtrip()', $$SELECT * FROM migrate.check_roundtrip()$$),
    ('a dry run', $$SELECT * FROM migrate.upgrade('heads', dry_run => true)$$),
    ('upgrade() from PL/pgSQL', $n$DO $d$BEGIN PERFORM migrate.upgrade('heads'); END$d$$n$);
SELECT is_empty($$SELECT what FROM nested
                   WHERE pg_temp.error_of(format('SELECT migrate.revision(%L, %L, %L, id => %L, down_revision => %L)',
                                                 what, script, 'SELECT 1', 'nx', '{s0}')
                                          || '; SELECT * FROM migrate.upgrade(''nx'')', 'message')
                         IS DISTINCT FROM 'migrate cannot be called from a revision script'$$,
    'a script calling any changing function of migrate is refused (12 ways)');
SELECT migrate.revision('calls upgrade_each', $$CALL migrate.upgrade_each('heads')$$, 'SELECT 1', id => 's2',
                        down_revision => '{s0}') \gset
SELECT throws_ok($$SELECT * FROM migrate.upgrade('s2')$$, '25001',
    'migrate.upgrade_each cannot run inside a transaction block',
    'a script calling upgrade_each is refused (25001)');
SELECT migrate.revision('calls downgrade', 'SELECT 1', $$SELECT * FROM migrate.downgrade('base')$$, id => 's3',
                        down_revision => '{s0}') \gset
SELECT results_eq($$SELECT revision FROM migrate.upgrade('s3')$$, ARRAY['s0', 's3'], 'apply s0 and s3');
SELECT throws_ok($$SELECT * FROM migrate.downgrade('s0')$$,
    '55000', 'migrate cannot be called from a revision script',
    'a downgrade script that calls migrate.downgrade() is refused');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['s3'], 'the version table is unchanged');
SELECT is(pg_temp.error_of($$SELECT * FROM migrate.upgrade('s1', dry_run => true)$$, 'message'),
    'migrate cannot be called from a revision script', 'a dry run refuses the nested call too');
SELECT results_eq($$SELECT revision, problem FROM migrate.check_roundtrip('s1')$$,
    $$VALUES ('s1'::text, 'upgrade failed'::text)$$, 'check_roundtrip() reports the nested call as a failed upgrade');
SELECT matches((SELECT detail FROM migrate.check_roundtrip('s1')),
    '^migrate cannot be called from a revision script \(SQLSTATE 55000\)', 'with its message and SQLSTATE');
-- reading is allowed, and sees the version rows as they were before the run
SELECT migrate.revision('reads current', $$INSERT INTO trace (step) SELECT 'saw ' || c FROM migrate.current() AS c$$,
                        'SELECT 1', id => 's4', down_revision => '{s3}') \gset
SELECT migrate.revision('reads again', $$INSERT INTO trace (step) SELECT 'saw ' || c FROM migrate.current() AS c$$,
                        'SELECT 1', id => 's5', down_revision => '{s4}') \gset
DELETE FROM trace;
SELECT results_eq($$SELECT revision FROM migrate.upgrade('s5')$$, ARRAY['s4', 's5'],
    'scripts that call the reading function current() run');
SELECT results_eq('SELECT * FROM pg_temp.drain()', ARRAY['saw s3', 'saw s3'],
    'and both see the version rows as they were before the run');
SELECT results_eq($$SELECT revision FROM migrate.downgrade('s3')$$, ARRAY['s5', 's4'],
    'after the refused nested calls, migrate works normally in this session');
SELECT pg_temp.reset() \gset

-- =====================================================================
-- a script that drops or changes migrate's own tables (run here by the
-- superuser; 85_privileges.sql shows a deployer gets 42501 instead).
-- Each run either fails with the whole statement rolled back, or is
-- recorded as if nothing happened: the latter are bugs (TODO below).
-- =====================================================================

SELECT migrate.revision('root', 'CREATE TABLE own_root (id int)', 'DROP TABLE own_root', id => 'o0') \gset
SELECT results_eq($$SELECT revision FROM migrate.upgrade('o0')$$, ARRAY['o0'], 'apply o0');

-- one run in a subtransaction that is always rolled back: its error, or
-- what it left (version rows, verify() problems, revisions and log rows)
CREATE FUNCTION pg_temp.own_run(p_target text, OUT state text, OUT message text, OUT version text,
                                OUT problems text, OUT revisions int, OUT log_rows int)
LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        PERFORM * FROM migrate.upgrade(p_target);
        version := (SELECT string_agg(c, ',') FROM migrate.current() AS c);
        problems := (SELECT string_agg(DISTINCT problem, ',') FROM migrate.verify());
        revisions := (SELECT count(*) FROM migrate.revisions);
        log_rows := (SELECT count(*) FROM migrate.log);
        RAISE EXCEPTION 'undo' USING ERRCODE = 'P0099';
    EXCEPTION
        WHEN SQLSTATE 'P0099' THEN NULL;
        WHEN OTHERS THEN GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
    END;
END
$$;

CREATE TEMP TABLE own (id text, script text, sqlstate text, message text);
INSERT INTO own VALUES
    ('o1', 'DROP TABLE migrate.version', '2BP01', 'cannot drop table migrate.version because extension migrate requires it'),
    ('o2', 'DROP TABLE migrate.revisions CASCADE', '2BP01', 'cannot drop table migrate.revisions because extension migrate requires it'),
    ('o3', 'DROP TABLE migrate.log', '2BP01', 'cannot drop table migrate.log because extension migrate requires it'),
    ('o4', 'DROP SCHEMA migrate CASCADE', '2BP01', 'extension "migrate" holds the migration history of this database'),
    ('o5', 'DROP EXTENSION migrate', '2BP01', 'extension "migrate" holds the migration history of this database'),
    ('o6', 'ALTER TABLE migrate.version RENAME TO version_old', '42P01', 'relation "migrate.version" does not exist'),
    ('o7', 'ALTER TABLE migrate.log DROP COLUMN applied_by', '42703', 'column "applied_by" of relation "log" does not exist'),
    ('o8', 'ALTER TABLE migrate.log ADD CONSTRAINT no_rows CHECK (false) NOT VALID', '23514',
     'new row for relation "log" violates check constraint "no_rows"'),
    ('o9', $$INSERT INTO migrate.version VALUES ('o9')$$, '23505', 'duplicate key value violates unique constraint "version_pkey"'),
    ('o10', 'ALTER TABLE migrate.log RENAME TO log_old; CREATE TABLE migrate.log (LIKE migrate.log_old)', '23502',
     'null value in column "id" of relation "log" violates not-null constraint');
SELECT count(migrate.revision('own ' || id, E'CREATE TABLE own_side (id int);\nINSERT INTO trace (step) VALUES (''up own'');\n' || script,
                              'SELECT 1', id => id, down_revision => '{o0}')) AS n
  FROM own \gset
-- a two-step plan whose first script deletes the second revision
SELECT migrate.revision('deletes the next revision', $$DELETE FROM migrate.revisions WHERE id = 'o12'$$, 'SELECT 1',
                        id => 'o11', down_revision => '{o0}') \gset
SELECT migrate.revision('deleted by o11', 'SELECT 1', 'SELECT 1', id => 'o12', down_revision => '{o11}') \gset
INSERT INTO own VALUES ('o12', NULL, '55000', 'revision "o12" disappeared during the migration');

SELECT pg_temp.migrate_state() AS own_before \gset
SELECT is_empty($$SELECT o.id, r.state, r.message FROM own o, pg_temp.own_run(o.id) r
                   WHERE r.state IS DISTINCT FROM o.sqlstate OR r.message IS DISTINCT FROM o.message$$,
    'dropping, renaming or changing migrate''s tables, or deleting a later revision, fails the run with a clean error (11 cases)');
SELECT is(pg_temp.migrate_state(), :'own_before', 'after the failed runs, revisions, version and log are as before');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['o0'], 'the version table is o0');
SELECT hasnt_table('own_side', 'no script''s first statement was left applied');
SELECT is_empty('SELECT * FROM trace', 'no script''s writes were left');
SELECT has_table('migrate', 'version', 'migrate.version is still there');
SELECT is((SELECT extversion FROM pg_extension WHERE extname = 'migrate'), '0.6', 'the extension is still there');

-- runs that succeed although the script changed migrate's bookkeeping
SELECT migrate.revision('deletes all revisions', 'DELETE FROM migrate.revisions', 'SELECT 1', id => 'p1', down_revision => '{o0}') \gset
SELECT migrate.revision('deletes itself', $$DELETE FROM migrate.revisions WHERE id = 'p2'$$, 'SELECT 1', id => 'p2', down_revision => '{o0}') \gset
SELECT migrate.revision('moves the version row', $$UPDATE migrate.version SET revision = 'zz'$$, 'SELECT 1', id => 'p3', down_revision => '{o0}') \gset
SELECT migrate.revision('edits its own scripts', $$UPDATE migrate.revisions SET upgrade_sql = 'SELECT 2' WHERE id = 'p4'$$, 'SELECT 1',
                        id => 'p4', down_revision => '{o0}') \gset
SELECT migrate.revision('truncates the log', 'TRUNCATE migrate.log', 'SELECT 1', id => 'p5', down_revision => '{o0}') \gset
SELECT migrate.revision('adds a column', 'ALTER TABLE migrate.revisions ADD COLUMN note text', 'SELECT 1',
                        id => 'p6', down_revision => '{o0}') \gset
SELECT pg_temp.migrate_state() AS p_before \gset

SELECT results_eq($$SELECT state, version, revisions, log_rows FROM pg_temp.own_run('p6')$$,
    $$VALUES (NULL::text, 'p6'::text, 19, 2)$$,
    'a script that adds a column to migrate.revisions: the run succeeds and migrate keeps working');
-- never silently: each of these runs must fail, or leave damage that
-- verify() reports; each makes the run fail (checked after the last step).
SELECT ok((SELECT state IS NOT NULL OR (problems LIKE '%unknown version row%' AND revisions = 0) FROM pg_temp.own_run('p1')),
    'a script that deletes every revision: the run fails, or verify() reports the version row');
SELECT ok((SELECT state IS NOT NULL OR (problems LIKE '%unknown version row%' AND version = 'p2') FROM pg_temp.own_run('p2')),
    'a script that deletes its own revision: the run fails, or verify() reports the version row');
SELECT ok((SELECT state IS NOT NULL OR (problems LIKE '%unknown version row%' AND version = 'p3,zz') FROM pg_temp.own_run('p3')),
    'a script that rewrites the version row: the run fails, or verify() reports the extra row');
SELECT ok((SELECT state IS NOT NULL OR problems LIKE '%checksum mismatch,edited after apply%' FROM pg_temp.own_run('p4')),
    'a script that edits its own scripts: the run fails, or verify() reports the edit');
SELECT isnt((SELECT state FROM pg_temp.own_run('p1')), NULL, 'a script that deletes every revision makes the run fail');
SELECT isnt((SELECT state FROM pg_temp.own_run('p2')), NULL, 'a script that deletes its own revision makes the run fail');
SELECT isnt((SELECT state FROM pg_temp.own_run('p3')), NULL, 'a script that rewrites the version rows makes the run fail');
SELECT isnt((SELECT state FROM pg_temp.own_run('p4')), NULL, 'a script that edits its own scripts makes the run fail');
SELECT ok((SELECT state IS NOT NULL OR log_rows > 2 FROM pg_temp.own_run('p5')),
    'a script that truncates migrate.log makes the run fail');
SELECT is(pg_temp.migrate_state(), :'p_before', 'the rolled-back runs left no trace in migrate''s tables');
SELECT count(*) FROM migrate.stamp('base') \gset
DROP TABLE own_root;
DELETE FROM migrate.revisions;
DELETE FROM migrate.log;

-- =====================================================================
-- messages with quotes, newlines and backslashes round-trip
-- =====================================================================

CREATE TEMP TABLE msgs AS SELECT E'it''s a "test"\nsecond line \\ backslash \\n\ttab; -- dash /* c */ $$ %s %I'::text AS msg;
SELECT migrate.revision((SELECT msg FROM msgs), 'SELECT 1', 'SELECT 1', id => 'q1') \gset
SELECT is((SELECT message FROM migrate.history()), (SELECT msg FROM msgs), 'history() returns the message unchanged');
SELECT is((SELECT message FROM migrate.show('q1')), (SELECT msg FROM msgs), 'show() returns the message unchanged');
SELECT is((SELECT message FROM migrate.heads()), (SELECT msg FROM msgs), 'heads() returns the message unchanged');
SELECT is((SELECT message FROM migrate.revisions WHERE id = 'q1'), (SELECT msg FROM msgs), 'migrate.revisions stores it unchanged');
SELECT ok(position(E'-- running upgrade  -> q1, it''s a "test"' IN migrate.upgrade_sql('q1')) > 0,
    'upgrade_sql() names the step with its message');
SELECT is_empty($$SELECT l FROM regexp_split_to_table(migrate.upgrade_sql('q1'), E'\n') AS l
                   WHERE l LIKE '%second line%' AND l NOT LIKE '--%'$$,
    'upgrade_sql(): every line carrying message text is a comment');
SELECT migrate.revision(E'harmless\nCREATE TABLE injected_by_message (id int);', 'SELECT 1', 'SELECT 1', id => 'q2',
                        head => 'base') \gset
CREATE FUNCTION pg_temp.offline_creates(p_script text, p_table text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    created boolean;
BEGIN
    BEGIN
        EXECUTE regexp_replace(p_script, '^(BEGIN;|COMMIT;|\\set ON_ERROR_STOP on)$', '', 'gn');
        created := to_regclass(p_table) IS NOT NULL;
        RAISE EXCEPTION 'undo' USING ERRCODE = 'P0099';
    EXCEPTION
        WHEN SQLSTATE 'P0099' THEN NULL;
        WHEN OTHERS THEN RETURN NULL;
    END;
    RETURN created;
END
$$;
SELECT is(pg_temp.offline_creates(migrate.upgrade_sql('q2'), 'injected_by_message'), false,
    'running an offline script does not execute SQL written in a message');
SELECT results_eq($$SELECT message FROM migrate.upgrade('q1')$$, ARRAY[(SELECT msg FROM msgs)], 'upgrade() returns the message unchanged');
SELECT is_empty($$SELECT l FROM regexp_split_to_table(migrate.downgrade_sql('base'), E'\n') AS l
                   WHERE l LIKE '%second line%' AND l NOT LIKE '--%'$$,
    'downgrade_sql(): every line carrying message text is a comment');
SELECT is(migrate.load(E'-- migrate:revision q3\n-- migrate:message it''s "quoted" \\ back; -- not a comment $$ %s\n-- migrate:upgrade\nSELECT 1;\n'),
    'q3', 'load() a file whose message has quotes, a backslash and SQL metacharacters');
SELECT is((SELECT message FROM migrate.show('q3')), E'it''s "quoted" \\ back; -- not a comment $$ %s',
    'the loaded message round-trips through show()');
SELECT pg_temp.reset() \gset

-- =====================================================================
-- a 10,000-revision chain, registered in one statement
-- =====================================================================

CREATE TABLE chain_trace (seq serial, n int PRIMARY KEY);
SELECT is((SELECT count(migrate.revision('c' || i,
                                         format('INSERT INTO chain_trace (n) VALUES (%s)', i),
                                         format('DELETE FROM chain_trace WHERE n = %s', i),
                                         down_revision => CASE WHEN i = 1 THEN '{}'::text[] ELSE ARRAY['c' || (i - 1)] END,
                                         id => 'c' || i))::int
             FROM generate_series(1, 10000) AS i),
    10000, 'one statement registers a 10,000-revision chain');
SELECT results_eq('SELECT revision FROM migrate.heads()', ARRAY['c10000'], 'its head is c10000');
SELECT results_eq('SELECT revision FROM migrate.bases()', ARRAY['c1'], 'its base is c1');
CREATE TEMP TABLE chain_up AS SELECT revision, ord FROM migrate.upgrade('heads') WITH ORDINALITY AS u(revision, operation, message, duration, locks, rewritten, ord);
SELECT is((SELECT count(*)::int FROM chain_up WHERE revision = 'c' || ord), 10000,
    'upgrade(''heads'') runs the 10,000 revisions in order');
SELECT is((SELECT count(*)::int FROM chain_trace WHERE seq = n), 10000, 'each script ran once, in order');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['c10000'], 'the version table is c10000');
SELECT is((SELECT count(*)::int FROM migrate.log), 10000, 'one log row per step');
SELECT is((SELECT count(*)::int FROM migrate.history()), 10000, 'history() lists all of them');
SELECT results_eq($$SELECT revision FROM migrate.history('c9998:')$$, ARRAY['c10000', 'c9999', 'c9998'],
    'a history range at the top of the chain');
SELECT is_empty($$SELECT revision FROM migrate.upgrade('heads')$$, 'a second upgrade(''heads'') does nothing');
CREATE TEMP TABLE chain_down AS SELECT revision, ord FROM migrate.downgrade('base') WITH ORDINALITY AS d(revision, operation, message, duration, locks, rewritten, ord);
SELECT is((SELECT count(*)::int FROM chain_down WHERE revision = 'c' || (10001 - ord)), 10000,
    'downgrade(''base'') runs the 10,000 downgrades in reverse order');
SELECT is_empty('SELECT * FROM chain_trace', 'and undoes every script');
SELECT is_empty('SELECT * FROM migrate.current()', 'the version table is empty');

SELECT * FROM finish();
ROLLBACK;
