-- 70_production.sql: the production operation functions of extension 0.2:
-- dry runs (locks taken, tables rewritten), the lock_timeout/lock_retries
-- settings, the statement lists for psql's \gexec and their bookkeeping
-- calls (apply_step, begin_step, end_step), offline SQL (upgrade_sql,
-- downgrade_sql), verify(), check_roundtrip(), and the refusal of the
-- committing procedures inside a transaction block.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

-- A dry run reports only the locks a step newly takes, and every table this
-- transaction creates is already held in ACCESS EXCLUSIVE mode until it ends.
-- To see what ALTER TABLE really takes on a live table, one table must exist
-- before the suite's transaction; it is dropped again at the end of the file
-- (and first, in case an earlier run stopped half way).
DROP TABLE IF EXISTS public.pgtap70_accounts;
CREATE TABLE public.pgtap70_accounts (id int PRIMARY KEY, balance int);

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION migrate;

SELECT plan(171);

\ir helpers.psql

-- an offline script without its BEGIN/COMMIT lines and its psql
-- \set ON_ERROR_STOP line, so that it can run inside this transaction with
-- EXECUTE (transactional steps only)
CREATE FUNCTION pg_temp.offline_body(p_script text) RETURNS text LANGUAGE sql AS $$
    SELECT regexp_replace(p_script, '^(BEGIN;|COMMIT;|\\set ON_ERROR_STOP on)$', '', 'gn')
$$;

-- empty the version table and forget the graph between sections
CREATE FUNCTION pg_temp.reset_graph() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM migrate.stamp('base');
    PERFORM pg_temp.forget();
END
$$;

-- =====================================================================
-- dry runs: locks and rewrites, then everything rolled back
-- =====================================================================

-- independent roots, so that each dry run below runs exactly one step
SELECT migrate.revision('widen balance',
    'ALTER TABLE pgtap70_accounts ALTER COLUMN balance TYPE bigint',
    'ALTER TABLE pgtap70_accounts ALTER COLUMN balance TYPE int',
    id => 'dr_widen', head => 'base') \gset
SELECT migrate.revision('add note',
    'ALTER TABLE pgtap70_accounts ADD COLUMN note text',
    'ALTER TABLE pgtap70_accounts DROP COLUMN note',
    id => 'dr_note', head => 'base') \gset
SELECT migrate.revision('index balance',
    'CREATE INDEX pgtap70_accounts_balance ON pgtap70_accounts (balance)',
    'DROP INDEX pgtap70_accounts_balance',
    id => 'dr_index', head => 'base') \gset

CREATE TEMP TABLE dry_widen AS SELECT * FROM migrate.upgrade('dr_widen', dry_run => true);
CREATE TEMP TABLE dry_note AS SELECT * FROM migrate.upgrade('dr_note', dry_run => true);
CREATE TEMP TABLE dry_index AS SELECT * FROM migrate.upgrade('dr_index', dry_run => true);

SELECT results_eq('SELECT revision, operation, message FROM dry_widen',
    $$VALUES ('dr_widen'::text, 'upgrade'::text, 'widen balance'::text)$$,
    'a dry run returns the usual row per step');
SELECT ok((SELECT 'AccessExclusiveLock on public.pgtap70_accounts' = ANY (locks) FROM dry_widen),
    'ALTER COLUMN TYPE reports the ACCESS EXCLUSIVE lock it takes on the table');
SELECT is((SELECT rewritten FROM dry_widen), '{public.pgtap70_accounts}'::text[],
    'ALTER COLUMN TYPE reports the table as rewritten');
SELECT is_empty($$SELECT l FROM (SELECT unnest(locks) FROM dry_widen UNION ALL
                                 SELECT unnest(locks) FROM dry_note UNION ALL
                                 SELECT unnest(locks) FROM dry_index) AS u(l)
                   WHERE l !~ '^[A-Za-z]+Lock on public\.pgtap70_accounts'$$,
    'locks name only user relations, schema-qualified (no catalogs, no migrate tables)');
SELECT is((SELECT locks FROM dry_note), '{"AccessExclusiveLock on public.pgtap70_accounts"}'::text[],
    'ADD COLUMN takes an ACCESS EXCLUSIVE lock on the table');
SELECT is((SELECT rewritten FROM dry_note), '{}'::text[],
    'ADD COLUMN without a default is not a rewrite');
SELECT ok((SELECT 'ShareLock on public.pgtap70_accounts' = ANY (locks) FROM dry_index),
    'CREATE INDEX reports a SHARE lock on the table');
SELECT ok((SELECT 'AccessExclusiveLock on public.pgtap70_accounts' <> ALL (locks) FROM dry_index),
    'CREATE INDEX does not report an ACCESS EXCLUSIVE lock on the table');
SELECT is((SELECT rewritten FROM dry_index), '{}'::text[], 'CREATE INDEX rewrites no table');

-- nothing of the three dry runs is left
SELECT col_type_is('pgtap70_accounts', 'balance', 'integer',
    'after the dry runs the column still has its old type');
SELECT hasnt_column('pgtap70_accounts', 'note', 'after the dry runs the added column is gone');
SELECT hasnt_index('pgtap70_accounts', 'pgtap70_accounts_balance',
    'after the dry runs the index is gone');
SELECT is_empty($$SELECT mode FROM pg_locks
                   WHERE locktype = 'relation' AND pid = pg_backend_pid()
                     AND relation = 'pgtap70_accounts'::regclass$$,
    'the locks of the dry runs were released with their subtransaction');
SELECT is_empty('SELECT * FROM migrate.current()', 'dry runs applied nothing');
SELECT is_empty('SELECT * FROM migrate.log', 'dry runs logged nothing');

-- a dry run of several steps: a table created by step 1 and altered by step 2
SELECT migrate.revision('create dry_t', 'CREATE TABLE dry_t (id int, v int)', 'DROP TABLE dry_t',
                        id => 'dc1', head => 'base') \gset
SELECT migrate.revision('widen dry_t', 'ALTER TABLE dry_t ALTER COLUMN v TYPE bigint',
                        'ALTER TABLE dry_t ALTER COLUMN v TYPE int', id => 'dc2',
                        down_revision => '{dc1}') \gset
CREATE TEMP TABLE dry_chain AS SELECT * FROM migrate.upgrade('dc2', dry_run => true);
SELECT results_eq('SELECT revision, rewritten FROM dry_chain',
    $$VALUES ('dc1'::text, '{}'::text[]), ('dc2', '{public.dry_t}')$$,
    'a two-step dry run: one row per step; the ALTER of step 2 rewrites the table of step 1');
SELECT ok((SELECT 'AccessExclusiveLock on public.dry_t' = ANY (locks) FROM dry_chain WHERE revision = 'dc1'),
    'creating a table reports the ACCESS EXCLUSIVE lock on the new table');
SELECT ok((SELECT 'AccessExclusiveLock on public.dry_t' <> ALL (locks) FROM dry_chain WHERE revision = 'dc2'),
    'a lock already taken by an earlier step is not reported again');
SELECT hasnt_table('dry_t', 'the table created in the dry run is gone');

-- a failing script in a dry run raises its own error
SELECT migrate.revision('fails', 'CREATE TABLE dry_fail (id int); SELECT 1/0', 'DROP TABLE dry_fail',
                        id => 'dr_fail', down_revision => '{dc2}') \gset
SELECT throws_ok($$SELECT * FROM migrate.upgrade('dr_fail', dry_run => true)$$,
    '22012', 'division by zero', 'a failing script in a dry run raises its SQLSTATE and message');
SELECT matches(pg_temp.error_of($$SELECT * FROM migrate.upgrade('dr_fail', dry_run => true)$$, 'context'),
    'while applying revision "dr_fail" \(upgrade\), statement 2',
    'the error of a dry run names the revision and the statement');
SELECT ok(to_regclass('dry_fail') IS NULL AND to_regclass('dry_t') IS NULL,
    'the failed dry run left no table behind');
SELECT migrate.drop_revision('dr_fail') \gset

-- a dry-run downgrade that drops the pre-existing table: the dropped table is
-- named from the catalogs as they were before the step
SELECT migrate.revision('adopt accounts', 'SELECT 1', 'DROP TABLE pgtap70_accounts',
                        id => 'dr_drop', head => 'base') \gset
SELECT migrate.stamp('dr_drop') \gset
SELECT results_eq(
    $$SELECT revision, operation, 'AccessExclusiveLock on public.pgtap70_accounts' = ANY (locks)
        FROM migrate.downgrade('base', dry_run => true)$$,
    $$VALUES ('dr_drop'::text, 'downgrade'::text, true)$$,
    'a dry-run downgrade reports the lock on the table its script drops');
SELECT has_table('pgtap70_accounts', 'the table dropped in the dry run is still there');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['dr_drop'],
    'the dry-run downgrade left the version table alone');
SELECT count(*) FROM migrate.stamp('base') \gset

-- without dry_run the two columns are NULL
SELECT results_eq(
    $$SELECT revision, locks IS NULL AND rewritten IS NULL FROM migrate.upgrade('dc2')$$,
    $$VALUES ('dc1'::text, true), ('dc2', true)$$,
    'a real upgrade returns NULL locks and rewritten');
SELECT count(*) AS log_rows FROM migrate.log \gset
SELECT results_eq($$SELECT revision, operation FROM migrate.downgrade('base', dry_run => true)$$,
    $$VALUES ('dc2'::text, 'downgrade'::text), ('dc1', 'downgrade')$$,
    'a dry-run downgrade returns the downgrade steps newest first');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['dc2'],
    'after the dry-run downgrade the version table is unchanged');
SELECT is((SELECT count(*) FROM migrate.log), :'log_rows'::bigint,
    'the dry-run downgrade logged nothing');
SELECT has_table('dry_t', 'the table the dry-run downgrade dropped is still there');

SELECT count(*) FROM migrate.downgrade('base') \gset
SELECT pg_temp.reset_graph() \gset

-- =====================================================================
-- migrate.lock_timeout and migrate.lock_retries
-- =====================================================================

-- the library is loaded by any migrate function (and by CREATE EXTENSION)
SELECT count(*) FROM migrate.current() \gset
SELECT is(current_setting('migrate.lock_timeout'), '0', 'migrate.lock_timeout defaults to 0 (off)');
SELECT is(current_setting('migrate.lock_retries'), '3', 'migrate.lock_retries defaults to 3');
SELECT results_eq(
    $$SELECT name::text, unit, context FROM pg_settings WHERE name LIKE 'migrate.%' ORDER BY name$$,
    $$VALUES ('migrate.allow_autogenerate'::text, NULL::text, 'superuser'::text),
             ('migrate.allow_drop', NULL, 'user'),
             ('migrate.lock_retries', NULL, 'user'),
             ('migrate.lock_timeout', 'ms', 'user'),
             ('migrate.record_schema', NULL, 'user'),
             ('migrate.shared_graphs', NULL, 'user')$$,
    'the settings are per session but allow_autogenerate, a superuser''s; lock_timeout is in milliseconds');
SELECT is(current_setting('migrate.shared_graphs'), 'on', 'migrate.shared_graphs defaults to on');
SELECT throws_ok('SET LOCAL migrate.foo = 1',
    '42602', 'invalid configuration parameter name "migrate.foo"',
    'the migrate. prefix is reserved: an unknown migrate.foo is refused');
SELECT throws_ok('SET LOCAL migrate.lock_retries = 1001',
    '22023', '1001 is outside the valid range for parameter "migrate.lock_retries" (0 .. 1000)',
    'lock_retries is at most 1000');
SET LOCAL migrate.lock_timeout = '2s';
SELECT is(current_setting('migrate.lock_timeout'), '2s', 'lock_timeout accepts a unit');

-- the setting applies to each statement of a script, and only there
CREATE TABLE seen (what text);
CREATE SEQUENCE attempts;
SET LOCAL migrate.lock_timeout = 250;
SET LOCAL migrate.lock_retries = 2;
SELECT migrate.revision('record lock_timeout',
    $$INSERT INTO seen VALUES ('lock_timeout ' || current_setting('lock_timeout'))$$,
    'DELETE FROM seen', id => 'g_show', head => 'base') \gset
SELECT count(*) FROM migrate.upgrade('g_show') \gset
SELECT results_eq('SELECT what FROM seen', ARRAY['lock_timeout 250ms'],
    'the statements of a script run with lock_timeout = migrate.lock_timeout');
SELECT is(current_setting('lock_timeout'), '0', 'lock_timeout is restored after the script');
-- a script's own session-level SET: no later statement of the run sees its
-- lock_timeout, and both stay set in the session afterwards
SELECT migrate.revision('sets',
    $$SET lock_timeout = '7s'; SET work_mem = '7MB';
      INSERT INTO seen VALUES ('next ' || current_setting('lock_timeout') || ' ' || current_setting('work_mem'))$$,
    'SELECT 1', id => 'g_set', head => 'base') \gset
SELECT count(*) FROM migrate.upgrade('g_set') \gset
SELECT results_eq($$SELECT what FROM seen WHERE what LIKE 'next%'$$, ARRAY['next 250ms 7MB'],
    'the next statement runs under migrate.lock_timeout, not the script''s SET lock_timeout');
SELECT is(current_setting('lock_timeout') || ' ' || current_setting('work_mem'), '7s 7MB',
    'a session-level SET in a script stays set after the run');
RESET lock_timeout;
RESET work_mem;

-- a statement that fails with 55P03 (lock_not_available) is rolled back and retried
SELECT migrate.revision('flaky',
    $s$DO $d$ BEGIN
        INSERT INTO seen VALUES ('attempt ' || nextval('attempts'));
        IF currval('attempts') < 2 THEN
            RAISE EXCEPTION USING ERRCODE = '55P03', MESSAGE = 'fake lock timeout';
        END IF;
    END $d$$s$, 'SELECT 1', id => 'g_flaky', down_revision => '{g_show}') \gset
SELECT results_eq($$SELECT revision FROM migrate.upgrade('g_flaky')$$, ARRAY['g_flaky'],
    'a statement that timed out once succeeds on its retry');
SELECT results_eq($$SELECT what FROM seen WHERE what LIKE 'attempt%'$$, ARRAY['attempt 2'],
    'the timed-out attempt was rolled back; only the retry''s effect remains');

SELECT migrate.revision('stuck',
    $s$DO $d$ BEGIN
        PERFORM nextval('attempts');
        RAISE EXCEPTION USING ERRCODE = '55P03', MESSAGE = 'fake lock timeout';
    END $d$$s$, 'SELECT 1', id => 'g_stuck', down_revision => '{g_flaky}') \gset
SELECT setval('attempts', 1, false) \gset
SELECT throws_ok($$SELECT * FROM migrate.upgrade('g_stuck')$$,
    '55P03', 'fake lock timeout', 'after the last retry the lock timeout error is raised');
SELECT is((SELECT last_value FROM attempts), 3::bigint,
    'with lock_retries = 2 the statement ran 3 times');
SELECT matches(pg_temp.error_of($$SELECT * FROM migrate.upgrade('g_stuck')$$, 'hint'),
    '^The statement timed out 3 times waiting for a lock \(migrate\.lock_timeout = 250 ms\)',
    'the hint says how often and with which timeout it tried');
SET LOCAL migrate.lock_timeout = 0;
SELECT setval('attempts', 1, false) \gset
SELECT throws_ok($$SELECT * FROM migrate.upgrade('g_stuck')$$,
    '55P03', 'fake lock timeout', 'with migrate.lock_timeout = 0 the error is raised as well');
SELECT is((SELECT last_value FROM attempts), 1::bigint,
    'with migrate.lock_timeout = 0 nothing is retried');

-- other errors are not retried and keep their SQLSTATE and context
SET LOCAL migrate.lock_timeout = 250;
SELECT migrate.drop_revision('g_stuck') \gset
SELECT migrate.revision('divides', 'SELECT 1; SELECT 1/0', 'SELECT 1', id => 'g_div',
                        down_revision => '{g_flaky}') \gset
SELECT throws_ok($$SELECT * FROM migrate.upgrade('g_div')$$,
    '22012', 'division by zero', 'under lock_timeout a script error keeps its SQLSTATE');
SELECT matches(pg_temp.error_of($$SELECT * FROM migrate.upgrade('g_div')$$, 'context'),
    'while applying revision "g_div" \(upgrade\), statement 2 at line 1',
    'under lock_timeout the context still names the revision and the statement');
RESET migrate.lock_timeout;
RESET migrate.lock_retries;
SELECT pg_temp.reset_graph() \gset

-- =====================================================================
-- procedures that commit cannot run in the suite's transaction
-- =====================================================================

SELECT throws_ok($$CALL migrate.upgrade_each('head')$$,
    '25001', 'migrate.upgrade_each cannot run inside a transaction block',
    'CALL upgrade_each inside a transaction block is refused');
SELECT throws_ok($$CALL migrate.downgrade_each('base')$$,
    '25001', 'migrate.downgrade_each cannot run inside a transaction block',
    'CALL downgrade_each inside a transaction block is refused');

-- =====================================================================
-- upgrade_statements / downgrade_statements and their bookkeeping calls
-- =====================================================================

SELECT migrate.revision('create items', 'CREATE TABLE st_items (id int PRIMARY KEY, name text)',
                        'DROP TABLE st_items', id => 'st1') \gset
-- a non-transactional revision whose script has semicolons in a string, in
-- comments and in a dollar-quoted body: none of them may split a statement
SELECT migrate.revision('index items concurrently', $s$CREATE INDEX CONCURRENTLY st_items_name ON st_items (name);
INSERT INTO st_items VALUES (1, 'semi;colon');  -- a comment; with a semicolon
/* block; comment */ UPDATE st_items SET name = name || ';' WHERE id = 1;
DO $body$ BEGIN PERFORM 1; PERFORM 2; END $body$$s$,
    'DROP INDEX CONCURRENTLY st_items_name; DELETE FROM st_items', id => 'st2',
    transactional => false) \gset
SELECT migrate.revision('add extra', 'ALTER TABLE st_items ADD COLUMN extra int', NULL, id => 'st3') \gset
SELECT checksum AS st1_sum FROM migrate.revisions WHERE id = 'st1' \gset
SELECT checksum AS st2_sum FROM migrate.revisions WHERE id = 'st2' \gset
SELECT checksum AS st3_sum FROM migrate.revisions WHERE id = 'st3' \gset
SELECT count(*) AS log_rows FROM migrate.log \gset

SELECT results_eq($$SELECT * FROM migrate.upgrade_statements('heads')$$,
    ARRAY[format('SELECT migrate.apply_step(''st1'', ''upgrade'', %L)', :'st1_sum'),
          format('SELECT migrate.begin_step(''st2'', ''upgrade'', %L)', :'st2_sum'),
          'CREATE INDEX CONCURRENTLY st_items_name ON st_items (name)',
          $$INSERT INTO st_items VALUES (1, 'semi;colon')$$,
          E'-- a comment; with a semicolon\n/* block; comment */ UPDATE st_items SET name = name || '';'' WHERE id = 1',
          'DO $body$ BEGIN PERFORM 1; PERFORM 2; END $body$',
          format('SELECT migrate.end_step(''st2'', ''upgrade'', %L)', :'st2_sum'),
          format('SELECT migrate.apply_step(''st3'', ''upgrade'', %L)', :'st3_sum')],
    'upgrade_statements: apply_step per transactional revision; begin_step, each statement, end_step for a non-transactional one');
SELECT results_eq($$SELECT * FROM migrate.upgrade_statements()$$,
    $$SELECT * FROM migrate.upgrade_statements('heads')$$,
    'upgrade_statements() defaults to head');

-- upgrade() and dry runs refuse the non-transactional revision before running anything
SELECT throws_ok($$SELECT * FROM migrate.upgrade('heads')$$,
    '25001', 'revision "st2" is not transactional',
    'upgrade() refuses a plan with a non-transactional revision');
SELECT matches(pg_temp.error_of($$SELECT * FROM migrate.upgrade('heads')$$, 'hint'),
    'migrate\.upgrade_statements\(\.\.\.\) \\gexec', 'the hint names upgrade_statements and \gexec');
SELECT throws_ok($$SELECT * FROM migrate.upgrade('heads', dry_run => true)$$,
    '25001', 'revision "st2" is not transactional', 'a dry run refuses it too');
SELECT ok(to_regclass('st_items') IS NULL, 'the refusals ran nothing (st1 did not run)');

-- refusals of the bookkeeping calls
SELECT throws_ok($$SELECT migrate.apply_step('nosuch', 'upgrade')$$,
    '42704', 'revision "nosuch" does not exist', 'apply_step of an unknown revision');
SELECT throws_ok($$SELECT migrate.apply_step('st', 'upgrade')$$,
    '42704', 'revision "st" does not exist', 'apply_step takes a full id, not a prefix');
SELECT throws_ok($$SELECT migrate.apply_step('st1', 'sideways')$$,
    '22023', 'invalid operation "sideways"', 'apply_step with an invalid operation');
SELECT throws_ok($$SELECT migrate.begin_step('st2', 'stamp')$$,
    '22023', 'invalid operation "stamp"', 'stamp is not an operation of a step');
SELECT throws_ok($$SELECT migrate.apply_step(NULL, 'upgrade')$$,
    '22004', 'argument "revision" must not be null', 'apply_step(NULL) is refused');
SELECT throws_ok($$SELECT migrate.begin_step('st2', 'upgrade')$$,
    '55000', 'revision "st2" cannot be applied yet', 'a step whose parent is not applied is refused');
SELECT is(pg_temp.error_of($$SELECT migrate.begin_step('st2', 'upgrade')$$, 'detail'),
    'It needs revision "st1", which is not applied.', 'the detail names the missing parent');
SELECT throws_ok($$SELECT migrate.apply_step('st1', 'downgrade')$$,
    '55000', 'revision "st1" is not applied', 'downgrading an unapplied revision is refused');
SELECT throws_ok(format($$SELECT migrate.apply_step('st1', 'upgrade', %L)$$, :'st2_sum'),
    '55000', 'revision "st1" changed after the plan was made',
    'apply_step with another checksum than the registered one is refused');
SELECT throws_ok($$SELECT migrate.begin_step('st1', 'upgrade')$$,
    '22023', 'revision "st1" is transactional', 'begin_step of a transactional revision is refused');
SELECT throws_ok($$SELECT migrate.end_step('st1', 'upgrade')$$,
    '22023', 'revision "st1" is transactional', 'end_step of a transactional revision is refused');
SELECT is((SELECT count(*) FROM migrate.log), :'log_rows'::bigint, 'the refused calls logged nothing');

-- apply_step runs and records one step
SELECT is(migrate.apply_step('st1', 'upgrade', :'st1_sum'), 'upgrade  -> st1, create items',
    'apply_step returns what it did, like the progress line');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['st1'], 'apply_step moved the version table');
SELECT results_eq(format($$SELECT revision, operation, checksum, heads_before, heads_after
                             FROM migrate.log WHERE id > %s$$, :'log_rows'),
    format($$VALUES ('st1'::text, 'upgrade'::text, %L::text, '{}'::text[], '{st1}'::text[])$$, :'st1_sum'),
    'apply_step wrote one log row with the checksum and the heads before and after');
SELECT has_table('st_items', 'the script of st1 ran');
SELECT throws_ok(format($$SELECT migrate.apply_step('st1', 'upgrade', %L)$$, :'st1_sum'),
    '55000', 'revision "st1" is already applied', 'applying a step twice is refused');
SELECT throws_ok(format($$SELECT migrate.apply_step('st2', 'upgrade', %L)$$, :'st2_sum'),
    '25001', 'revision "st2" is not transactional', 'apply_step of a non-transactional revision is refused');
SELECT throws_ok($$SELECT migrate.begin_step('st2', 'upgrade', 'feedface')$$,
    '55000', 'revision "st2" changed after the plan was made', 'begin_step checks the checksum too');

-- begin_step only checks; end_step records
SELECT is(migrate.begin_step('st2', 'upgrade', :'st2_sum'),
    'upgrade st1 -> st2, index items concurrently (non-transactional: its statements follow)',
    'begin_step says its statements follow');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['st1'], 'begin_step does not move the version table');
SELECT is((SELECT count(*) FROM migrate.log), :'log_rows'::bigint + 1, 'begin_step logs nothing');

-- an interrupted run resumes: the plan made again starts at the pending step
SELECT is((SELECT s FROM migrate.upgrade_statements('heads') AS s LIMIT 1),
    format('SELECT migrate.begin_step(''st2'', ''upgrade'', %L)', :'st2_sum'),
    'made again, the plan starts with the first pending step');
SELECT is(pg_temp.gexec('upgrade_statements', 'st2'), 6, 'run the statement list up to st2');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['st2'], 'end_step moved the version table');
SELECT results_eq($$SELECT revision, operation, checksum, heads_before, heads_after
                      FROM migrate.log ORDER BY id DESC LIMIT 1$$,
    format($$VALUES ('st2'::text, 'upgrade'::text, %L::text, '{st1}'::text[], '{st2}'::text[])$$, :'st2_sum'),
    'end_step wrote the log row of the non-transactional step');
SELECT results_eq('SELECT name FROM st_items', ARRAY['semi;colon;'],
    'each statement of the list ran whole, once');
SELECT has_index('st_items', 'st_items_name', 'the index statement ran');

SELECT results_eq($$SELECT * FROM migrate.downgrade_statements('base')$$,
    ARRAY[format('SELECT migrate.begin_step(''st2'', ''downgrade'', %L)', :'st2_sum'),
          'DROP INDEX CONCURRENTLY st_items_name',
          'DELETE FROM st_items',
          format('SELECT migrate.end_step(''st2'', ''downgrade'', %L)', :'st2_sum'),
          format('SELECT migrate.apply_step(''st1'', ''downgrade'', %L)', :'st1_sum')],
    'downgrade_statements: newest first, operation downgrade');
SELECT throws_ok(format($$SELECT migrate.apply_step('st1', 'downgrade', %L)$$, :'st1_sum'),
    '55000', 'revision "st1" cannot be downgraded yet',
    'downgrading a revision that an applied one builds on is refused');
SELECT throws_ok($$SELECT * FROM migrate.downgrade('base')$$,
    '25001', 'revision "st2" is not transactional', 'downgrade() refuses the non-transactional revision');
SELECT matches(pg_temp.error_of($$SELECT * FROM migrate.downgrade('base')$$, 'hint'),
    'migrate\.downgrade_statements', 'the downgrade hint names downgrade_statements');

SELECT is(pg_temp.gexec('upgrade_statements', 'heads'), 1, 'run the rest of the plan');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['st3'], 'the plan ran to the head');
SELECT is_empty($$SELECT * FROM migrate.upgrade_statements('heads')$$,
    'at the head the statement list is empty');
SELECT throws_ok($$SELECT * FROM migrate.downgrade_statements('base')$$,
    '55000', 'revision "st3" is irreversible',
    'downgrade_statements refuses a plan through an irreversible revision');
SELECT throws_ok(format($$SELECT migrate.apply_step('st3', 'downgrade', %L)$$, :'st3_sum'),
    '55000', 'revision "st3" is irreversible', 'apply_step refuses to downgrade an irreversible revision');
SELECT throws_ok($$SELECT * FROM migrate.upgrade_statements('nosuch')$$,
    '42704', 'revision "nosuch" does not exist', 'upgrade_statements with an unknown target');
SELECT pg_temp.reset_graph() \gset

-- =====================================================================
-- offline SQL: upgrade_sql / downgrade_sql
-- =====================================================================

--   o1 -> o2 -> o3 (not transactional)
--     \-> p1 -> p2 (irreversible)
SELECT migrate.revision('off a', 'CREATE TABLE off_a (id int)', 'DROP TABLE off_a', id => 'o1') \gset
SELECT migrate.revision('off b', 'CREATE TABLE off_b (id int);', 'DROP TABLE off_b;', id => 'o2') \gset
SELECT migrate.revision('off index', 'CREATE INDEX CONCURRENTLY off_b_id ON off_b (id)',
                        'DROP INDEX CONCURRENTLY off_b_id', id => 'o3', transactional => false) \gset
SELECT migrate.revision('off c', 'CREATE TABLE off_c (id int)', 'DROP TABLE off_c', id => 'p1',
                        down_revision => '{o1}') \gset
SELECT migrate.revision('off irreversible', 'SELECT 1', NULL, id => 'p2', down_revision => '{p1}') \gset
SELECT count(*) AS log_rows FROM migrate.log \gset

SELECT migrate.upgrade_sql('o3') AS off_up \gset
SELECT matches(:'off_up'::text, E'^-- migrate upgrade script: 3 steps from base\n',
    'upgrade_sql starts with a header naming the steps and the start');
SELECT matches(:'off_up'::text,
    E'\nBEGIN;\nSELECT pg_catalog\\.pg_advisory_xact_lock\\(1835624306, 1\\);\nDO \\$migrate_guard\\$',
    'it opens a transaction, takes migrate''s advisory lock and runs a guard DO block');
SELECT matches(:'off_up'::text, $$IF NOT found OPERATOR\(pg_catalog\.=\) '\{\}'::text\[\] THEN$$,
    'the guard compares the version table with the start (here: empty)');
SELECT matches(:'off_up'::text, E'\nCOMMIT;\n$', 'it ends with COMMIT');
SELECT ok(strpos(:'off_up'::text, E'\nCREATE TABLE off_a (id int)\n;\n') > 0
          AND strpos(:'off_up'::text, E'\nCREATE TABLE off_a (id int)\n;\n')
              < strpos(:'off_up'::text, E'\nCREATE TABLE off_b (id int);\n'),
    'the scripts appear in plan order, each terminated by a semicolon');
SELECT is(regexp_count(:'off_up'::text, 'INSERT INTO migrate\.log '), 3, 'one log insert per step');
SELECT ok(strpos(:'off_up'::text, $$INSERT INTO migrate.version (revision) VALUES ('o1');$$) > 0
          AND strpos(:'off_up'::text, $$UPDATE migrate.version SET revision = 'o2' WHERE revision OPERATOR(pg_catalog.=) 'o1';$$) > 0,
    'the version table statements: insert the first row, then move it');
SELECT matches(:'off_up'::text,
    E'\nCOMMIT;\nDO \\$migrate_step\\$ BEGIN\n    IF NOT pg_catalog\\.pg_try_advisory_lock\\(1835624306, 2\\) THEN\n.*\nCREATE INDEX CONCURRENTLY off_b_id ON off_b \\(id\\)\n;\nSELECT pg_catalog\\.pg_advisory_unlock\\(1835624306, 2\\);\nBEGIN;\nSELECT pg_catalog\\.pg_advisory_xact_lock',
    'a non-transactional script runs between COMMIT and a new locked transaction, holding the step lock');
SELECT is(migrate.upgrade_sql('o3', 'base'), :'off_up'::text,
    'from_revision base equals the (empty) version table');

SELECT matches(migrate.upgrade_sql('o2', 'o1'), E'^-- migrate upgrade script: 1 step from o1\n',
    'from_revision names the revision to start from');
SELECT ok(strpos(migrate.upgrade_sql('o2', 'o1'), 'CREATE TABLE off_a') = 0,
    'the script from o1 leaves out o1''s own script');
SELECT matches(migrate.upgrade_sql('heads', 'o2,p1'),
    $$^-- migrate upgrade script: 2 steps from o2, p1\n.*IF NOT found OPERATOR\(pg_catalog\.=\) '\{o2,p1\}'::text\[\] THEN$$,
    'from_revision takes a comma-separated list of version rows');
SELECT throws_ok($$SELECT migrate.upgrade_sql('heads', ' , ')$$,
    '22023', 'from_revision is empty', 'an empty from_revision list is refused');
SELECT throws_ok($$SELECT migrate.upgrade_sql('heads', 'nosuch')$$,
    '42704', 'revision "nosuch" does not exist', 'an unknown from_revision is refused');
SELECT throws_ok($$SELECT migrate.downgrade_sql('base', 'p2')$$,
    '55000', 'revision "p2" is irreversible', 'downgrade_sql refuses a plan through an irreversible revision');
SELECT is((SELECT count(*) FROM migrate.log), :'log_rows'::bigint, 'making scripts logs nothing');

-- the text runs: without its BEGIN/COMMIT lines inside this transaction
SELECT lives_ok(format('DO $off$ BEGIN EXECUTE %L; END $off$', pg_temp.offline_body(migrate.upgrade_sql('o2'))),
    'the offline script up to o2 runs');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['o2'], 'it set the version table');
SELECT results_eq(
    format($$SELECT revision, operation, heads_before, heads_after, checksum = r.expected
               FROM migrate.log, LATERAL (SELECT checksum AS expected FROM migrate.revisions
                                          WHERE id = log.revision) r
              WHERE log.id > %s ORDER BY log.id$$, :'log_rows'),
    $$VALUES ('o1'::text, 'upgrade'::text, '{}'::text[], '{o1}'::text[], true),
             ('o2', 'upgrade', '{o1}', '{o2}', true)$$,
    'it logged each step with its checksum and heads');
SELECT ok(to_regclass('off_a') IS NOT NULL AND to_regclass('off_b') IS NOT NULL,
    'it ran the scripts');
SELECT results_eq($$SELECT migrate.upgrade_sql('heads')$$, $$SELECT migrate.upgrade_sql('heads', 'o2')$$,
    'from_revision NULL starts from the version table as it is now');
SELECT throws_ok(format('DO $off$ BEGIN EXECUTE %L; END $off$', pg_temp.offline_body(migrate.upgrade_sql('o2', 'base'))),
    '55000', 'version table does not match this script',
    'the guard refuses a database whose version table differs from the script''s start');

SELECT migrate.downgrade_sql('base') AS off_down \gset
SELECT matches(:'off_down'::text, E'^-- migrate downgrade script: 2 steps from o2\n',
    'downgrade_sql from the version table');
SELECT ok(strpos(:'off_down'::text, E'\nDROP TABLE off_b;\n') > 0
          AND strpos(:'off_down'::text, E'\nDROP TABLE off_b;\n') < strpos(:'off_down'::text, E'\nDROP TABLE off_a\n;\n'),
    'downgrade_sql holds the downgrade scripts, newest first');
SELECT ok(strpos(:'off_down'::text, $$DELETE FROM migrate.version WHERE revision OPERATOR(pg_catalog.=) 'o1';$$) > 0,
    'the last step of a downgrade to base deletes the version row');
SELECT lives_ok(format('DO $off$ BEGIN EXECUTE %L; END $off$', pg_temp.offline_body(:'off_down'::text)),
    'the offline downgrade script runs');
SELECT ok(to_regclass('off_a') IS NULL AND to_regclass('off_b') IS NULL
          AND NOT EXISTS (SELECT FROM migrate.current()),
    'the offline downgrade dropped the tables and emptied the version table');
SELECT pg_temp.reset_graph() \gset

-- =====================================================================
-- verify()
-- =====================================================================

--   v1 (vlab) -> v2          w1 -> w2 (irreversible)
--             \-> v3
SELECT migrate.revision('verify root', 'CREATE TABLE ver_a (id int)', 'DROP TABLE ver_a', id => 'v1',
                        branch_labels => '{vlab}') \gset
SELECT migrate.revision('left', 'CREATE TABLE ver_b (id int)', 'DROP TABLE ver_b', id => 'v2') \gset
SELECT migrate.revision('right', 'SELECT 3', 'SELECT 3', id => 'v3', down_revision => '{v1}') \gset
SELECT migrate.revision('other root', 'SELECT 1', 'SELECT 1', id => 'w1', head => 'base') \gset
SELECT migrate.revision('irreversible', 'SELECT 2', NULL, id => 'w2', down_revision => '{w1}') \gset

SELECT results_eq('SELECT revision, problem, detail FROM migrate.verify() ORDER BY revision',
    $$VALUES ('v2'::text, 'unmerged heads'::text,
              'Heads v2, v3 grew from shared history and no revision merges them.'::text),
             ('v3', 'unmerged heads', 'Heads v2, v3 grew from shared history and no revision merges them.')$$,
    'two heads of one history are unmerged; the head of an independent root is not');
SELECT migrate.merge('{v2,v3}', 'merge', 'vm') \gset
SELECT is_empty('SELECT * FROM migrate.verify()',
    'after the merge: healthy, though two independent roots remain');
SELECT count(*) FROM migrate.upgrade('heads') \gset
SELECT is_empty('SELECT * FROM migrate.verify()', 'healthy after applying (an irreversible revision included)');
SELECT is_empty('SELECT id FROM migrate.revisions WHERE checksum <> pg_temp.checksum(upgrade_sql, downgrade_sql)',
    'every stored checksum is sha256(upgrade, zero byte, downgrade or a null marker)');

-- a script changed behind migrate's back, its checksum left alone
UPDATE migrate.revisions SET upgrade_sql = 'CREATE TABLE ver_b (id bigint)' WHERE id = 'v2';
SELECT results_eq($$SELECT revision, problem FROM migrate.verify()$$,
    $$VALUES ('v2'::text, 'checksum mismatch'::text), ('v2', 'edited after apply')$$,
    'an edited applied script: checksum mismatch and edited after apply');
SELECT is((SELECT detail FROM migrate.verify() WHERE problem = 'checksum mismatch'),
    format('migrate.revisions.checksum is %s but the scripts hash to %s: they were changed without migrate.load().',
           pg_temp.checksum('CREATE TABLE ver_b (id int)', 'DROP TABLE ver_b'),
           pg_temp.checksum('CREATE TABLE ver_b (id bigint)', 'DROP TABLE ver_b')),
    'the checksum mismatch detail gives both hashes');

-- the same edit with a matching checksum: only the log tells it apart
UPDATE migrate.revisions SET checksum = pg_temp.checksum(upgrade_sql, downgrade_sql) WHERE id = 'v2';
SELECT results_eq($$SELECT revision, problem, detail FROM migrate.verify()$$,
    format($$VALUES ('v2'::text, 'edited after apply'::text,
                     'The applied upgrade ran scripts with checksum %s; the registered scripts hash to %s.'::text)$$,
           pg_temp.checksum('CREATE TABLE ver_b (id int)', 'DROP TABLE ver_b'),
           pg_temp.checksum('CREATE TABLE ver_b (id bigint)', 'DROP TABLE ver_b')),
    'an applied revision edited with a consistent checksum: edited after apply');
UPDATE migrate.revisions SET upgrade_sql = 'CREATE TABLE ver_b (id int)',
                             checksum = pg_temp.checksum('CREATE TABLE ver_b (id int)', 'DROP TABLE ver_b')
 WHERE id = 'v2';
SELECT is_empty('SELECT * FROM migrate.verify()', 'healthy again once the script is restored');

-- editing a revision that is not applied is not "edited after apply"
SELECT migrate.revision('pending', 'SELECT 4', 'SELECT 4', id => 'v4', down_revision => '{vm}') \gset
UPDATE migrate.revisions SET upgrade_sql = 'SELECT 44', checksum = pg_temp.checksum('SELECT 44', 'SELECT 4')
 WHERE id = 'v4';
SELECT is_empty('SELECT * FROM migrate.verify()', 'a pending revision may be edited');
SELECT migrate.drop_revision('v4') \gset

INSERT INTO migrate.version VALUES ('ghost');
SELECT results_eq($$SELECT revision, problem, detail FROM migrate.verify()$$,
    $$VALUES ('ghost'::text, 'unknown version row'::text,
              'migrate.version holds "ghost", which is not a registered revision.'::text)$$,
    'a version row naming no revision');
SELECT throws_ok($$SELECT * FROM migrate.upgrade('heads')$$, '55000',
    'version table names unknown revision "ghost"',
    'verify() reports the state that makes upgrade() refuse to run');
DELETE FROM migrate.version WHERE revision = 'ghost';

UPDATE migrate.revisions SET down_revisions = '{nope}' WHERE id = 'v3';
SELECT results_eq($$SELECT revision, problem, detail FROM migrate.verify()$$,
    $$VALUES ('v3'::text, 'missing parent'::text, 'Down revision "nope" is not a registered revision.'::text)$$,
    'a down revision that is not registered');
INSERT INTO migrate.version VALUES ('ghost');
SELECT results_eq($$SELECT revision, problem FROM migrate.verify() ORDER BY revision$$,
    $$VALUES ('ghost'::text, 'unknown version row'::text), ('v3', 'missing parent')$$,
    'several problems are all listed');
DELETE FROM migrate.version WHERE revision = 'ghost';
UPDATE migrate.revisions SET down_revisions = '{v1}' WHERE id = 'v3';

UPDATE migrate.revisions SET depends_on = '{nodep}' WHERE id = 'w2';
SELECT results_eq($$SELECT revision, problem, detail FROM migrate.verify()$$,
    $$VALUES ('w2'::text, 'missing dependency'::text, 'Dependency "nodep" is not a registered revision.'::text)$$,
    'a dependency that is not registered');
UPDATE migrate.revisions SET depends_on = '{vlab}' WHERE id = 'w2';
SELECT is_empty('SELECT * FROM migrate.verify()', 'a dependency may name a branch label');
UPDATE migrate.revisions SET depends_on = '{}' WHERE id = 'w2';

-- a cycle: the graph does not build, and verify() still answers
UPDATE migrate.revisions SET down_revisions = '{vm}' WHERE id = 'v1';
SELECT results_eq($$SELECT revision IS NULL, problem FROM migrate.verify()$$,
    $$VALUES (true, 'invalid graph'::text)$$, 'a cycle is an invalid graph, not tied to one revision');
SELECT is((SELECT detail FROM migrate.verify()),
    'The graph does not build: revision graph has a cycle. These revisions are on or above the cycle: v1, v2, v3, vm.',
    'the detail carries the graph error and the revisions on the cycle');
SELECT throws_ok($$SELECT * FROM migrate.upgrade('heads')$$, '55000', 'revision graph has a cycle',
    'while upgrade() refuses to run at all');
UPDATE migrate.revisions SET down_revisions = '{}' WHERE id = 'v1';
SELECT is_empty('SELECT * FROM migrate.verify()', 'healthy after the repairs');
SELECT pg_temp.reset_graph() \gset

-- =====================================================================
-- check_roundtrip()
-- =====================================================================

SELECT migrate.revision('roundtrip base', $$
CREATE TABLE rt_items (id int PRIMARY KEY, name text DEFAULT 'x');
CREATE TYPE rt_mood AS ENUM ('ok');
CREATE FUNCTION rt_f() RETURNS int LANGUAGE sql AS 'SELECT 1';
$$, 'DROP FUNCTION rt_f(); DROP TYPE rt_mood; DROP TABLE rt_items', id => 'r0') \gset
SELECT count(*) FROM migrate.upgrade('r0') \gset
CREATE SEQUENCE rt_calls;
SELECT count(*) AS log_rows FROM migrate.log \gset

-- register one revision rtc on top of r0, check it, drop it again; return
-- the problems as 'revision: problem' and keep the rows in roundtrip_rows
CREATE TEMP TABLE roundtrip_rows (n serial, revision text, problem text, detail text);
CREATE FUNCTION pg_temp.roundtrip(p_up text, p_down text) RETURNS text[] LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM roundtrip_rows;
    PERFORM migrate.revision('roundtrip case', p_up, p_down, id => 'rtc');
    INSERT INTO roundtrip_rows (revision, problem, detail) SELECT * FROM migrate.check_roundtrip();
    PERFORM migrate.drop_revision('rtc');
    RETURN ARRAY(SELECT revision || ': ' || problem FROM roundtrip_rows ORDER BY n);
END
$$;
CREATE FUNCTION pg_temp.roundtrip_detail(p_problem text) RETURNS text LANGUAGE sql AS $$
    SELECT detail FROM roundtrip_rows WHERE problem = p_problem
$$;

SELECT is(pg_temp.roundtrip(
        'ALTER TABLE rt_items ADD COLUMN qty int NOT NULL DEFAULT 0; CREATE INDEX rt_items_qty ON rt_items (qty)',
        'DROP INDEX rt_items_qty; ALTER TABLE rt_items DROP COLUMN qty'),
    '{}'::text[], 'a clean revision reports nothing');

SELECT is(pg_temp.roundtrip('CREATE SEQUENCE rt_seq', 'SELECT 1'),
    ARRAY['rtc: downgrade does not restore the schema', 'rtc: upgrade after downgrade failed'],
    'a downgrade that forgets a sequence: schema not restored, and the upgrade cannot run again');
SELECT matches(pg_temp.roundtrip_detail('downgrade does not restore the schema'),
    '^1 difference from the schema before the upgrade\. Extra: sequence public\.rt_seq\.$',
    'the detail lists what the downgrade left behind');
SELECT is(pg_temp.roundtrip_detail('upgrade after downgrade failed'),
    'relation "rt_seq" already exists (SQLSTATE 42P07). The check stops here.',
    'the detail of the failed re-upgrade carries its error');

SELECT is(pg_temp.roundtrip('CREATE INDEX rt_items_name ON rt_items (name)', 'SELECT 1'),
    ARRAY['rtc: downgrade does not restore the schema', 'rtc: upgrade after downgrade failed'],
    'a downgrade that forgets an index');
SELECT matches(pg_temp.roundtrip_detail('downgrade does not restore the schema'),
    'Extra: .*index public\.rt_items_name', 'the detail names the index');

SELECT is(pg_temp.roundtrip($$ALTER TABLE rt_items ALTER COLUMN name SET DEFAULT 'y'$$, 'SELECT 1'),
    ARRAY['rtc: downgrade does not restore the schema'], 'a downgrade that forgets a column default');
SELECT is(pg_temp.roundtrip_detail('downgrade does not restore the schema'),
    $$1 difference from the schema before the upgrade. Changed: column public.rt_items.name: text default 'x'::text -> text default 'y'::text.$$,
    'the detail shows the default before and after');

SELECT is(pg_temp.roundtrip('CREATE VIEW rt_view AS SELECT id FROM rt_items', 'SELECT 1'),
    ARRAY['rtc: downgrade does not restore the schema', 'rtc: upgrade after downgrade failed'],
    'a downgrade that forgets a view');
SELECT is(pg_temp.roundtrip($$ALTER TYPE rt_mood ADD VALUE IF NOT EXISTS 'meh'$$, 'SELECT 1'),
    ARRAY['rtc: downgrade does not restore the schema'], 'a downgrade that forgets an enum value');
SELECT matches(pg_temp.roundtrip_detail('downgrade does not restore the schema'),
    $$Changed: type public\.rt_mood: enum \('ok'\) -> enum \('ok', 'meh'\)\.$$,
    'the detail shows the labels before and after');
SELECT is(pg_temp.roundtrip($$CREATE OR REPLACE FUNCTION rt_f() RETURNS int LANGUAGE sql AS 'SELECT 2'$$, 'SELECT 1'),
    ARRAY['rtc: downgrade does not restore the schema'], 'a downgrade that forgets to restore a function body');
SELECT matches(pg_temp.roundtrip_detail('downgrade does not restore the schema'),
    'Changed: function public\.rt_f\(\): definition sha256 [0-9a-f]{64} owner postgres -> definition sha256 [0-9a-f]{64} owner postgres\.$',
    'the detail names the function');

SELECT is(pg_temp.roundtrip('CREATE TABLE rt_tmp (id int)', 'DROP TABLE rt_nope'),
    ARRAY['rtc: downgrade failed'], 'a downgrade script that fails');
SELECT is(pg_temp.roundtrip_detail('downgrade failed'),
    'table "rt_nope" does not exist (SQLSTATE 42P01). The check stops here.',
    'the detail carries the downgrade''s error');
SELECT is(pg_temp.roundtrip('SELECT 1/0', 'SELECT 1'), ARRAY['rtc: upgrade failed'],
    'an upgrade script that fails');
SELECT is(pg_temp.roundtrip_detail('upgrade failed'),
    'division by zero (SQLSTATE 22012). The check stops here.', 'the detail carries the upgrade''s error');

-- an upgrade that does something else the second time it runs
SELECT is(pg_temp.roundtrip(
        $s$DO $d$ BEGIN
            IF nextval('rt_calls') > 1 THEN EXECUTE 'CREATE INDEX rt_items_second ON rt_items (id)'; END IF;
        END $d$$s$,
        'DROP INDEX IF EXISTS rt_items_second'),
    ARRAY['rtc: upgrade after downgrade differs'], 'an upgrade that differs when run again');
SELECT matches(pg_temp.roundtrip_detail('upgrade after downgrade differs'),
    '^1 difference from the schema after the first upgrade\. Extra: index public\.rt_items_second\.$',
    'the detail names what the second upgrade added');

-- an irreversible revision is reported and the check goes on on top of it;
-- a non-transactional revision stops the check
SELECT migrate.revision('irreversible', 'CREATE TABLE rt_irr (id int)', NULL, id => 'rti') \gset
SELECT migrate.revision('forgets index', 'CREATE INDEX rt_irr_id ON rt_irr (id)', 'SELECT 1', id => 'rtj') \gset
SELECT results_eq($$SELECT revision, problem FROM migrate.check_roundtrip()$$,
    $$VALUES ('rti'::text, 'irreversible'::text),
             ('rtj', 'downgrade does not restore the schema'),
             ('rtj', 'upgrade after downgrade failed')$$,
    'an irreversible revision is reported and the revision after it is still checked');
SELECT results_eq($$SELECT revision, problem FROM migrate.check_roundtrip('rti')$$,
    $$VALUES ('rti'::text, 'irreversible'::text)$$, 'check_roundtrip(target) checks up to the target only');
SELECT migrate.drop_revision('rtj') \gset
SELECT migrate.revision('concurrently', 'CREATE INDEX CONCURRENTLY rt_irr_id ON rt_irr (id)',
                        'DROP INDEX CONCURRENTLY rt_irr_id', id => 'rtn', transactional => false) \gset
SELECT migrate.revision('after it', 'CREATE SEQUENCE rt_never', 'SELECT 1', id => 'rtk') \gset
SELECT results_eq($$SELECT revision, problem FROM migrate.check_roundtrip()$$,
    $$VALUES ('rti'::text, 'irreversible'::text), ('rtn', 'not transactional')$$,
    'a non-transactional revision is reported and ends the check');

-- nothing stays applied, logged or created
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['r0'], 'check_roundtrip applied nothing');
SELECT is((SELECT count(*) FROM migrate.log), :'log_rows'::bigint, 'check_roundtrip logged nothing');
SELECT ok(to_regclass('rt_seq') IS NULL AND to_regclass('rt_irr') IS NULL AND to_regclass('rt_tmp') IS NULL
          AND to_regclass('rt_view') IS NULL AND to_regclass('rt_items_name') IS NULL,
    'check_roundtrip left no object behind');
SELECT is((SELECT array_agg(enumlabel ORDER BY enumsortorder)::text[] FROM pg_enum
            WHERE enumtypid = 'rt_mood'::regtype), ARRAY['ok'],
    'the enum value added during the check is gone');

SELECT throws_ok($$SELECT * FROM migrate.check_roundtrip('nosuch')$$,
    '42704', 'revision "nosuch" does not exist', 'check_roundtrip with an unknown target');
SELECT throws_ok($$SELECT * FROM migrate.check_roundtrip(NULL)$$,
    '22004', 'argument "target" must not be null', 'check_roundtrip(NULL) is refused');
SELECT migrate.drop_revision('rtk') \gset
SELECT migrate.drop_revision('rtn') \gset
SELECT migrate.drop_revision('rti') \gset
SELECT is_empty('SELECT * FROM migrate.check_roundtrip()', 'nothing pending: nothing to report');

SELECT * FROM finish();
ROLLBACK;

DROP TABLE public.pgtap70_accounts;
