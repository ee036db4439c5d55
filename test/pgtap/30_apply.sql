-- 30_apply.sql: what upgrade() and downgrade() do to the database: the rows
-- they return, migrate.log, all-or-nothing failures, the script's own
-- SQLSTATE, irreversible and non-transactional revisions, re-entry.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION migrate;

SELECT plan(71);

\ir helpers.psql

-- nextval() is not undone by a rollback: scripts that bump this sequence
-- prove whether they ran at all, even inside a failed (rolled back) call
CREATE SEQUENCE side_effects;

CREATE FUNCTION pg_temp.side_effects() RETURNS bigint LANGUAGE sql AS $$
    SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM side_effects
$$;

-- ---------------------------------------------------------------------
-- a linear history with real DDL and DML
-- ---------------------------------------------------------------------

SELECT migrate.revision('create users', $$
CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO users VALUES (1, 'alice'), (2, 'bob');
INSERT INTO trace (step) VALUES ('up u1');
$$, $$
DROP TABLE users;
INSERT INTO trace (step) VALUES ('down u1');
$$, id => 'u1') \gset
SELECT migrate.revision('add email', $$
ALTER TABLE users ADD COLUMN email text;
UPDATE users SET email = name || '@example.com';
CREATE FUNCTION users_email(p_id int) RETURNS text LANGUAGE plpgsql AS $body$
DECLARE
    e text;
BEGIN
    SELECT email INTO e FROM users WHERE id = p_id;
    RETURN e;
END;
$body$;
INSERT INTO trace (step) VALUES ('up u2');
$$, $$
DROP FUNCTION users_email(int);
ALTER TABLE users DROP COLUMN email;
INSERT INTO trace (step) VALUES ('down u2');
$$, id => 'u2') \gset
SELECT migrate.revision('audit', $$
CREATE TABLE audit (id int);
INSERT INTO trace (step) VALUES ('up u3');
$$, $$
DROP TABLE audit;
INSERT INTO trace (step) VALUES ('down u3');
$$, id => 'u3') \gset

SELECT results_eq(
    $$SELECT revision, operation, message FROM migrate.upgrade('u2')$$,
    $$VALUES ('u1'::text, 'upgrade'::text, 'create users'::text),
             ('u2', 'upgrade', 'add email')$$,
    'upgrade() returns one row per step: revision, operation, message');
SELECT results_eq('SELECT * FROM pg_temp.drain()', ARRAY['up u1', 'up u2'],
    'the upgrade scripts ran once each, in order');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['u2'], 'current is u2');
SELECT has_table('users', 'u1 created a table');
SELECT has_column('users', 'email', 'u2 altered it');
SELECT results_eq('SELECT id, email FROM users ORDER BY id',
    $$VALUES (1, 'alice@example.com'::text), (2, 'bob@example.com')$$,
    'the DML of both scripts took effect');
SELECT is(users_email(2), 'bob@example.com',
    'a plpgsql function with semicolons in its body was created whole');

SELECT results_eq(
    $$SELECT revision, operation, checksum, heads_before, heads_after, applied_by
        FROM migrate.log ORDER BY id$$,
    $$SELECT r.id, 'upgrade'::text, r.checksum, v.before, v.after, session_user::text COLLATE "default"
        FROM (VALUES ('u1', '{}'::text[], '{u1}'::text[], 1),
                     ('u2', '{u1}', '{u2}', 2)) AS v(id, before, after, n)
        JOIN migrate.revisions r ON r.id = v.id ORDER BY v.n$$,
    'migrate.log: one upgrade row per step with the stored checksum and the heads before/after');
SELECT ok((SELECT bool_and(started_at IS NOT NULL AND duration >= interval '0')
             FROM migrate.log),
    'migrate.log rows have a start time and a duration');

SELECT is_empty($$SELECT * FROM migrate.upgrade('u2')$$,
    'upgrading to the current revision returns no rows');
SELECT is_empty($$SELECT * FROM migrate.upgrade('u1')$$,
    'upgrading to an ancestor returns no rows');
SELECT is((SELECT count(*)::int FROM migrate.log), 2, 'and logs nothing');

SELECT results_eq(
    $$SELECT revision, operation, message FROM migrate.upgrade()$$,
    $$VALUES ('u3'::text, 'upgrade'::text, 'audit'::text)$$,
    'upgrade() with the default target head');
SELECT is_empty($$SELECT * FROM migrate.upgrade()$$, 'upgrade() at head returns no rows');
DELETE FROM trace;

SELECT results_eq(
    $$SELECT revision, operation, message FROM migrate.downgrade('u1')$$,
    $$VALUES ('u3'::text, 'downgrade'::text, 'audit'::text),
             ('u2', 'downgrade', 'add email')$$,
    'downgrade() returns one row per step with operation downgrade');
SELECT results_eq('SELECT * FROM pg_temp.drain()', ARRAY['down u3', 'down u2'],
    'the downgrade scripts ran newest first');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['u1'], 'current is u1');
SELECT hasnt_column('users', 'email', 'the downgrade of u2 dropped the column');
SELECT hasnt_table('audit', 'the downgrade of u3 dropped its table');
SELECT results_eq(
    $$SELECT revision, operation, checksum, heads_before, heads_after
        FROM migrate.log WHERE operation = 'downgrade' ORDER BY id$$,
    $$SELECT r.id, 'downgrade'::text, r.checksum, v.before, v.after
        FROM (VALUES ('u3', '{u3}'::text[], '{u2}'::text[], 1),
                     ('u2', '{u2}', '{u1}', 2)) AS v(id, before, after, n)
        JOIN migrate.revisions r ON r.id = v.id ORDER BY v.n$$,
    'migrate.log: downgrade rows with the stored checksum and the heads before/after');
SELECT ok((SELECT bool_and(duration >= interval '0') FROM migrate.downgrade('base')),
    'downgrade base: every step reports a duration');
SELECT is_empty('SELECT * FROM migrate.current()', 'current is empty after downgrade base');
SELECT hasnt_table('users', 'downgrade base dropped users');
SELECT results_eq(
    $$SELECT heads_before, heads_after FROM migrate.log ORDER BY id DESC LIMIT 1$$,
    $$VALUES ('{u1}'::text[], '{}'::text[])$$,
    'the last log row goes from {u1} to no heads');

-- heads before/after through a branch and a merge
SELECT lives_ok($$
    SELECT migrate.revision('p0', 'INSERT INTO trace (step) VALUES (''up p0'')', '', id => 'p0', head => 'base');
    SELECT migrate.revision('p1', 'INSERT INTO trace (step) VALUES (''up p1'')', '', id => 'p1', down_revision => '{p0}');
    SELECT migrate.revision('q1', 'INSERT INTO trace (step) VALUES (''up q1'')', '', id => 'q1', down_revision => '{p0}');
    SELECT migrate.merge('{p1,q1}', 'merge p and q', 'pq');
$$, 'register a second root with a branch and a merge');
SELECT results_eq($$SELECT revision FROM migrate.upgrade('pq')$$,
    ARRAY['p0', 'q1', 'p1', 'pq'], 'upgrade to the merge');
SELECT results_eq(
    $$SELECT revision, heads_before, heads_after FROM migrate.log
       WHERE revision IN ('p0', 'q1', 'p1', 'pq') ORDER BY id$$,
    $$VALUES ('p0'::text, '{}'::text[], '{p0}'::text[]),
             ('q1', '{p0}', '{q1}'),
             ('p1', '{q1}', '{p1,q1}'),
             ('pq', '{p1,q1}', '{pq}')$$,
    'migrate.log records the split at the branch point and the collapse at the merge');
SELECT results_eq($$SELECT revision FROM migrate.downgrade('base')$$,
    ARRAY['pq', 'p1', 'q1', 'p0'], 'downgrade the merge graph');
SELECT lives_ok($$
    SELECT migrate.drop_revision('pq');
    SELECT migrate.drop_revision('q1');
    SELECT migrate.drop_revision('p1');
    SELECT migrate.drop_revision('p0');
$$, 'drop the merge graph again');
DELETE FROM trace;

-- ---------------------------------------------------------------------
-- a failing script leaves nothing applied and keeps its SQLSTATE
-- ---------------------------------------------------------------------

SELECT migrate.revision('fails', $$
CREATE TABLE half_done (id int);
SELECT 1/0;
$$, 'DROP TABLE half_done', id => 'u4') \gset

SELECT count(*) AS log_rows FROM migrate.log \gset
SELECT throws_ok($$SELECT * FROM migrate.upgrade('heads')$$,
    '22012', 'division by zero',
    'a failing script raises its own SQLSTATE and message');
SELECT is_empty('SELECT * FROM migrate.current()', 'the failed upgrade left nothing applied');
SELECT hasnt_table('users', 'the steps before the failing one were rolled back');
SELECT hasnt_table('half_done', 'the failing step itself was rolled back');
SELECT is_empty('SELECT * FROM trace', 'no trace rows survived the failure');
SELECT is((SELECT count(*) FROM migrate.log), :'log_rows'::bigint, 'nothing was logged');
SELECT matches(pg_temp.error_of($$SELECT * FROM migrate.upgrade('heads')$$, 'context'),
    'while applying revision "u4"',
    'the error context names the failing revision');
SELECT is(pg_temp.error_of($$SELECT * FROM migrate.upgrade('heads')$$, 'sqlstate'), '22012',
    'the SQLSTATE seen by a plpgsql handler is the script''s');

SELECT results_eq($$SELECT revision FROM migrate.upgrade('u3')$$, ARRAY['u1', 'u2', 'u3'],
    'after a failed upgrade the next upgrade works');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['u3'], 'current is u3');

SELECT lives_ok($$SELECT migrate.drop_revision('u4')$$, 'drop the failing revision');

-- a failure in a later script undoes the earlier steps of the same call
SELECT migrate.revision('ok step', 'CREATE TABLE ok_step (id int)', 'DROP TABLE ok_step',
                        id => 'u5') \gset
SELECT migrate.revision('bad step', 'INSERT INTO ok_step VALUES (1); INSERT INTO missing_table VALUES (1)',
                        'SELECT 1', id => 'u6') \gset
SELECT throws_ok($$SELECT * FROM migrate.upgrade('u6')$$,
    '42P01', 'relation "missing_table" does not exist',
    'an undefined table in step 2 keeps SQLSTATE 42P01');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['u3'],
    'the version table is as before the call');
SELECT hasnt_table('ok_step', 'step 1 of the failed call was rolled back');
SELECT lives_ok($$SELECT migrate.drop_revision('u6')$$, 'drop the second failing revision');

-- ---------------------------------------------------------------------
-- irreversible revisions
-- ---------------------------------------------------------------------

SELECT migrate.revision('irreversible', 'CREATE TABLE irrev (id int)', NULL, id => 'u7') \gset
SELECT migrate.revision('after irreversible',
    'CREATE TABLE after_irrev (id int)',
    $$DROP TABLE after_irrev; SELECT nextval('side_effects');$$, id => 'u8') \gset
SELECT results_eq($$SELECT revision FROM migrate.upgrade('head')$$, ARRAY['u5', 'u7', 'u8'],
    'upgrade through an irreversible revision works');
SELECT is(pg_temp.side_effects(), 0::bigint, 'the side-effect counter is 0');
SELECT throws_ok($$SELECT * FROM migrate.downgrade('base')$$,
    '55000', 'revision "u7" is irreversible',
    'downgrading through an irreversible revision is an error naming it');
SELECT is(pg_temp.side_effects(), 0::bigint,
    'the downgrade was refused before running anything (u8''s downgrade did not run)');
SELECT throws_ok($$SELECT * FROM migrate.downgrade('u5')$$,
    '55000', 'revision "u7" is irreversible',
    'downgrading to just below the irreversible revision is refused too');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['u8'], 'current is still u8');
SELECT has_table('after_irrev', 'and u8''s table is still there');
SELECT results_eq($$SELECT revision FROM migrate.downgrade('u7')$$, ARRAY['u8'],
    'downgrading to the irreversible revision itself is fine');
SELECT is(pg_temp.side_effects(), 1::bigint, 'u8''s downgrade ran this time');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['u7'], 'current is u7');

-- an empty downgrade script is a reversible no-op
SELECT migrate.revision('noop down', 'CREATE TABLE noop_down (id int)', '', id => 'u9') \gset
SELECT results_eq($$SELECT revision FROM migrate.upgrade('u9')$$, ARRAY['u8', 'u9'], 'apply u9');
SELECT results_eq($$SELECT revision FROM migrate.downgrade('u7')$$, ARRAY['u9', 'u8'],
    'an empty downgrade script downgrades as a no-op');
SELECT has_table('noop_down', 'the no-op downgrade left the table in place');
SELECT lives_ok($$SELECT migrate.drop_revision('u9')$$, 'drop u9');
DROP TABLE noop_down;

-- ---------------------------------------------------------------------
-- non-transactional revisions cannot run through upgrade()
-- ---------------------------------------------------------------------

SELECT migrate.revision('before concurrently', $$SELECT nextval('side_effects')$$, 'SELECT 1',
                        id => 'u10') \gset
SELECT migrate.revision('concurrently', 'CREATE INDEX CONCURRENTLY irrev_idx ON irrev (id)',
                        'DROP INDEX CONCURRENTLY irrev_idx', id => 'u11',
                        transactional => false) \gset
SELECT throws_ok($$SELECT * FROM migrate.upgrade('u11')$$,
    '25001', 'revision "u11" is not transactional',
    'upgrade() refuses a non-transactional revision, naming it');
SELECT is(pg_temp.side_effects(), 2::bigint,
    'the refusal came before any step ran (u10 did not run)');
SELECT ok(pg_temp.error_of($$SELECT * FROM migrate.upgrade('u11')$$, 'hint')
              ~ 'top level: SELECT \* FROM migrate\.upgrade_statements\(\.\.\.\) \\gexec',
    'the hint points at upgrade_statements and \gexec');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['u7'], 'current is still u7');
SELECT lives_ok($$SELECT migrate.drop_revision('u11')$$, 'drop u11');

-- ---------------------------------------------------------------------
-- scripts cannot call migrate; scripts run with the caller's search_path
-- ---------------------------------------------------------------------

SELECT migrate.revision('reentrant', 'SELECT * FROM migrate.upgrade(''heads'')', 'SELECT 1',
                        id => 'u12') \gset
SELECT throws_ok($$SELECT * FROM migrate.upgrade('u12')$$,
    '55000', 'migrate cannot be called from a revision script',
    'a script calling migrate.upgrade() is refused');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['u7'], 'current is still u7');
SELECT lives_ok($$SELECT migrate.drop_revision('u12')$$, 'drop u12');
SELECT migrate.revision('registers', 'SELECT migrate.revision(''inner'', ''SELECT 1'')', 'SELECT 1',
                        id => 'u13') \gset
SELECT throws_ok($$SELECT * FROM migrate.upgrade('u13')$$,
    '55000', 'migrate cannot be called from a revision script',
    'a script calling migrate.revision() is refused');
SELECT results_eq($$SELECT revision FROM migrate.upgrade('u10')$$, ARRAY['u8', 'u10'],
    'after the refused re-entry migrate works again');

CREATE SCHEMA app;
SET LOCAL search_path = app, public;
SELECT lives_ok($$SELECT migrate.drop_revision('u13')$$, 'drop u13');
SELECT migrate.revision('search path', 'CREATE TABLE in_app (id int)', 'DROP TABLE in_app',
                        id => 'u14') \gset
SELECT results_eq($$SELECT revision FROM migrate.upgrade('u14')$$, ARRAY['u14'],
    'apply u14 with search_path = app, public');
SELECT has_table('app', 'in_app', 'the script ran with the caller''s search_path');
RESET search_path;

SELECT * FROM finish();
ROLLBACK;
