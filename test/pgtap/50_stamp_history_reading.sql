-- 50_stamp_history_reading.sql: stamp() in all its forms (never running a
-- script), and the reading functions current, heads, bases, branches,
-- history, show and status.
-- Expected results were checked against Alembic 1.8.1 (test/alembic/oracle.py
-- and ScriptDirectory.walk_revisions for history).
--
--   a0 -> b0 -> l1 (l) -> l2 -> l3
--           \-> r1 (r) -> r2
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION migrate;

SELECT plan(81);

\ir helpers.psql

DO $$
BEGIN
    PERFORM pg_temp.rev('a0', '{}');
    PERFORM pg_temp.rev('b0', '{a0}');
    PERFORM pg_temp.rev('l1', '{b0}', '{l}');
    PERFORM pg_temp.rev('l2', '{l1}');
    PERFORM pg_temp.rev('l3', '{l2}');
    PERFORM pg_temp.rev('r1', '{b0}', '{r}');
    PERFORM pg_temp.rev('r2', '{r1}');
END
$$;

-- ---------------------------------------------------------------------
-- reading an unapplied graph
-- ---------------------------------------------------------------------

SELECT is_empty('SELECT * FROM migrate.current()', 'current() of a fresh database is empty');
SELECT results_eq('SELECT revision, branch_labels, message FROM migrate.heads()',
    $$VALUES ('l3'::text, '{}'::text[], 'step l3'::text), ('r2', '{}', 'step r2')$$,
    'heads() lists both heads in registration order');
SELECT results_eq('SELECT revision, branch_labels, message FROM migrate.bases()',
    $$VALUES ('a0'::text, '{}'::text[], 'step a0'::text)$$,
    'bases() lists the single root');
SELECT results_eq('SELECT revision, next_revisions FROM migrate.branches()',
    $$VALUES ('b0'::text, ARRAY['l1', 'r1']::text[])$$,
    'branches() lists b0 with its two children');

SELECT results_eq(
    $$SELECT revision, down_revisions, message, is_head, is_base, is_merge,
             is_branch_point, applied FROM migrate.history()$$,
    $$VALUES ('l3'::text, '{l2}'::text[], 'step l3'::text, true, false, false, false, false),
             ('l2', '{l1}', 'step l2', false, false, false, false, false),
             ('l1', '{b0}', 'step l1', false, false, false, false, false),
             ('r2', '{r1}', 'step r2', true, false, false, false, false),
             ('r1', '{b0}', 'step r1', false, false, false, false, false),
             ('b0', '{a0}', 'step b0', false, false, false, true, false),
             ('a0', '{}', 'step a0', false, true, false, false, false)$$,
    'history() lists every revision newest first with its flags');
SELECT results_eq($$SELECT revision FROM migrate.history('b0:l3')$$,
    ARRAY['l3', 'l2', 'l1', 'b0'], 'history(a:b) runs from b down to a, both inclusive');
SELECT results_eq($$SELECT revision FROM migrate.history('l1:')$$,
    ARRAY['l3', 'l2', 'l1'], 'history(a:) runs from the heads down to a');
SELECT results_eq($$SELECT revision FROM migrate.history('b0:')$$,
    ARRAY['l3', 'l2', 'l1', 'r2', 'r1', 'b0'], 'history(b0:) covers both branches');
SELECT results_eq($$SELECT revision FROM migrate.history(':l2')$$,
    ARRAY['l2', 'l1', 'b0', 'a0'], 'history(:b) runs from b down to base');
SELECT results_eq($$SELECT revision FROM migrate.history(':r2')$$,
    ARRAY['r2', 'r1', 'b0', 'a0'], 'history(:r2) follows the r branch');
SELECT results_eq($$SELECT revision FROM migrate.history('a0:b0')$$,
    ARRAY['b0', 'a0'], 'history(a0:b0)');
SELECT throws_ok($$SELECT * FROM migrate.history('l1:r2')$$,
    '22023', 'revision "l1" is not an ancestor of the upper end of range "l1:r2"',
    'history(a:b) with a not an ancestor of b is an error');
SELECT throws_ok($$SELECT * FROM migrate.history('a0:b0:l1')$$,
    '22023', 'invalid history range "a0:b0:l1"',
    'a range with two colons is refused');

SELECT results_eq('SELECT current, heads, pending FROM migrate.status()',
    $$VALUES ('{}'::text[], '{l3,r2}'::text[], '{a0,b0,r1,r2,l1,l2,l3}'::text[])$$,
    'status() on an empty database: pending is the upgrade heads run order');

SELECT results_eq(
    $$SELECT revision, down_revisions, next_revisions, depends_on, dependents, branch_labels,
             message, upgrade_sql, downgrade_sql, transactional, checksum, applied
        FROM migrate.show('l1')$$,
    $$SELECT 'l1'::text, '{b0}'::text[], '{l2}'::text[], '{}'::text[], '{}'::text[], '{l}'::text[],
             'step l1'::text,
             'CREATE TABLE tbl_l1 (id int); INSERT INTO trace (step) VALUES (''up l1'');'::text,
             'DROP TABLE tbl_l1; INSERT INTO trace (step) VALUES (''down l1'');'::text,
             true, (SELECT checksum FROM migrate.revisions WHERE id = 'l1'), false$$,
    'show() gives the revision, its scripts and its neighbours');
SELECT results_eq($$SELECT revision, next_revisions FROM migrate.show('b0')$$,
    $$VALUES ('b0'::text, '{l1,r1}'::text[])$$, 'show() of a branch point lists both children');
SELECT is((SELECT revision FROM migrate.show('l')), 'l1', 'show() accepts a branch label');
SELECT throws_ok($$SELECT * FROM migrate.show('nosuchrev')$$,
    '42704', 'revision "nosuchrev" does not exist', 'show() of an unknown revision');

-- ---------------------------------------------------------------------
-- reading a partly applied graph
-- ---------------------------------------------------------------------

SELECT results_eq($$SELECT revision FROM migrate.upgrade('l2')$$, ARRAY['a0', 'b0', 'l1', 'l2'],
    'apply up to l2');
DELETE FROM trace;
SELECT results_eq('SELECT current, heads, pending FROM migrate.status()',
    $$VALUES ('{l2}'::text[], '{l3,r2}'::text[], '{r1,r2,l3}'::text[])$$,
    'status() lists only what upgrade heads would still run, in run order');
SELECT results_eq($$SELECT revision, applied FROM migrate.history()$$,
    $$VALUES ('l3'::text, false), ('l2', true), ('l1', true), ('r2', false), ('r1', false),
             ('b0', true), ('a0', true)$$,
    'history() marks the applied revisions');
SELECT results_eq($$SELECT revision FROM migrate.history('current:')$$,
    ARRAY['l3', 'l2'], 'history(current:) runs from the heads down to current');
SELECT results_eq($$SELECT revision FROM migrate.history(':current')$$,
    ARRAY['l2', 'l1', 'b0', 'a0'], 'history(:current) runs from current down to base');
SELECT is((SELECT applied FROM migrate.show('l2')), true, 'show() of an applied revision');
SELECT is((SELECT applied FROM migrate.show('r1')), false, 'show() of an unapplied revision');

-- ---------------------------------------------------------------------
-- stamp: only the version table changes
-- ---------------------------------------------------------------------

SELECT count(*) AS log_rows FROM migrate.log \gset

SELECT results_eq($$SELECT * FROM migrate.stamp('heads')$$, ARRAY['l3', 'r2'],
    'stamp heads returns the new version rows');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['l3', 'r2'], 'current after stamp heads');
SELECT hasnt_table('tbl_l3', 'stamp ran no upgrade script (no tbl_l3)');
SELECT hasnt_table('tbl_r1', 'stamp ran no upgrade script (no tbl_r1)');
SELECT results_eq(
    $$SELECT operation, checksum, heads_before, heads_after FROM migrate.log
       WHERE id > $$ || :'log_rows' || $$ ORDER BY id$$,
    $$VALUES ('stamp'::text, NULL::text, '{l2}'::text[], '{l3,r2}'::text[])$$,
    'a stamp writes one log row with operation stamp and the heads before/after');

SELECT results_eq($$SELECT * FROM migrate.stamp('l1')$$, ARRAY['l1', 'r2'],
    'stamp l1 replaces only the head in its lineage');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['l1', 'r2'], 'current after stamp l1');
SELECT results_eq($$SELECT * FROM migrate.stamp('b0')$$, ARRAY['b0'],
    'stamp b0, below both heads, leaves one row');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['b0'], 'current after stamp b0');
SELECT is_empty($$SELECT * FROM migrate.stamp('base')$$, 'stamp base returns no rows');
SELECT is_empty('SELECT * FROM migrate.current()', 'stamp base empties the version table');
SELECT has_table('tbl_l2', 'stamp base ran no downgrade script (tbl_l2 is still there)');
SELECT results_eq($$SELECT * FROM migrate.stamp(ARRAY['l2', 'r1'])$$, ARRAY['l2', 'r1'],
    'stamp with an array writes every target');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['l2', 'r1'], 'current after stamp l2, r1');
SELECT results_eq($$SELECT * FROM migrate.stamp('l@base')$$, ARRAY['r1'],
    'stamp label@base removes only that branch''s head');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['r1'], 'current after stamp l@base');
SELECT results_eq($$SELECT * FROM migrate.stamp(ARRAY['l1', 'l3'])$$, ARRAY['l1', 'l3', 'r1'],
    'stamp of an ancestor with its descendant writes both, keeping the other branch');
SELECT throws_ok($$SELECT * FROM migrate.upgrade('heads')$$,
    '55000', 'requested revision l3 overlaps with other requested revisions l1',
    'upgrade heads after stamping an ancestor with its descendant fails');
SELECT results_eq($$SELECT * FROM migrate.stamp('a0', purge => true)$$, ARRAY['a0'],
    'stamp with purge deletes every row first');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['a0'], 'current after the purge');
SELECT results_eq($$SELECT * FROM migrate.stamp('r2')$$, ARRAY['r2'],
    'stamp r2 above a0 replaces it');
SELECT results_eq($$SELECT * FROM pg_temp.rows_or_error('SELECT * FROM migrate.stamp(''l@head'')')$$,
    ARRAY['l3', 'r2'],
    'stamp label@head adds that branch''s head');
SELECT is_empty('SELECT * FROM trace', 'no stamp ran any script');
SELECT is((SELECT count(*)::int FROM migrate.log WHERE id > :'log_rows'::bigint AND operation <> 'stamp'),
    0, 'every log row written by stamp says stamp');

-- a version row naming an unknown revision
INSERT INTO migrate.version VALUES ('ghost');
SELECT throws_ok($$SELECT * FROM migrate.upgrade('heads')$$,
    '55000', 'version table names unknown revision "ghost"',
    'an unknown version row makes upgrade fail');
SELECT throws_ok($$SELECT * FROM migrate.downgrade('base')$$,
    '55000', 'version table names unknown revision "ghost"',
    'an unknown version row makes downgrade fail');
SELECT throws_ok($$SELECT * FROM migrate.stamp('a0')$$,
    '55000', 'version table names unknown revision "ghost"',
    'an unknown version row makes stamp without purge fail');
SELECT throws_ok($$SELECT * FROM migrate.history()$$,
    '55000', 'version table names unknown revision "ghost"',
    'an unknown version row makes history fail');
SELECT throws_ok($$SELECT * FROM migrate.show('l1')$$,
    '55000', 'version table names unknown revision "ghost"',
    'an unknown version row makes show fail');
SELECT ok((SELECT bool_or(c = 'ghost') FROM migrate.current() c), 'current() still answers, with the row');
SELECT ok((SELECT count(*) > 0 FROM migrate.heads()), 'heads() still answers');
SELECT results_eq($$SELECT revision, problem FROM migrate.verify() WHERE problem = 'unknown version row'$$,
    $$VALUES ('ghost'::text, 'unknown version row'::text)$$, 'verify() still answers, naming the row');
SELECT results_eq($$SELECT * FROM migrate.stamp('l1', purge => true)$$, ARRAY['l1'],
    'stamp with purge recovers from an unknown version row');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['l1'], 'current after the purge');

-- refused stamps
SELECT throws_ok($$SELECT * FROM migrate.stamp('+1')$$,
    '22023', 'stamp target "+1" must be absolute', 'stamp refuses a relative target');
SELECT throws_ok($$SELECT * FROM migrate.stamp('{}'::text[])$$,
    '22023', 'stamp needs at least one target', 'stamp refuses an empty array');
SELECT throws_ok($$SELECT * FROM migrate.stamp('nosuchrev')$$,
    '42704', 'revision "nosuchrev" does not exist', 'stamp refuses an unknown revision');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['l1'], 'refused stamps changed nothing');

-- ---------------------------------------------------------------------
-- a second root with a merge, and a dependency
--   ma -> mb -> mc1 ----------\
--            \-> mc2 -> md2 --> mm -> mn        xd (depends on mc2)
-- ---------------------------------------------------------------------

DO $$
BEGIN
    PERFORM pg_temp.rev('ma', '{}');
    PERFORM pg_temp.rev('mb', '{ma}');
    PERFORM pg_temp.rev('mc1', '{mb}');
    PERFORM pg_temp.rev('mc2', '{mb}');
    PERFORM pg_temp.rev('md2', '{mc2}');
    PERFORM pg_temp.rev('mm', '{mc1,md2}');
    PERFORM pg_temp.rev('mn', '{mm}');
END
$$;

SELECT results_eq('SELECT revision FROM migrate.bases()', ARRAY['a0', 'ma'],
    'bases() lists both roots in registration order');
SELECT results_eq('SELECT revision FROM migrate.heads()', ARRAY['l3', 'r2', 'mn'],
    'heads() lists the three heads in registration order');
SELECT results_eq('SELECT revision, next_revisions FROM migrate.branches()',
    $$VALUES ('b0'::text, '{l1,r1}'::text[]), ('mb', '{mc1,mc2}')$$,
    'branches() lists both branch points');
SELECT results_eq(
    $$SELECT revision, down_revisions, is_merge, is_branch_point FROM migrate.history(':mn')$$,
    $$VALUES ('mn'::text, '{mm}'::text[], false, false),
             ('mm', '{mc1,md2}', true, false),
             ('mc1', '{mb}', false, false),
             ('md2', '{mc2}', false, false),
             ('mc2', '{mb}', false, false),
             ('mb', '{ma}', false, true),
             ('ma', '{}', false, false)$$,
    'history(:mn) lists the merge graph newest first, flagging the merge and the branch point');
SELECT results_eq($$SELECT revision FROM migrate.history('mc2:mn')$$,
    ARRAY['mn', 'mm', 'md2', 'mc2'], 'history across a merge keeps only the lineage');
SELECT results_eq($$SELECT revision, next_revisions FROM migrate.show('mm')$$,
    $$VALUES ('mm'::text, '{mn}'::text[])$$, 'show() of the merge');

SELECT results_eq($$SELECT * FROM migrate.stamp('mm')$$, ARRAY['l1', 'mm'],
    'stamp mm adds a row and keeps the unrelated one');
SELECT results_eq($$SELECT * FROM migrate.stamp('mc1')$$, ARRAY['l1', 'mc1'],
    'stamping one parent of an applied merge leaves only that parent');
SELECT results_eq($$SELECT * FROM migrate.stamp('mn')$$, ARRAY['l1', 'mn'],
    'stamp mn replaces mc1');
SELECT results_eq($$SELECT * FROM migrate.stamp('ma@base')$$, ARRAY['l1'],
    'stamp ma@base removes the merge graph''s row only');
SELECT results_eq($$SELECT * FROM migrate.stamp(ARRAY['mc1', 'md2'])$$, ARRAY['l1', 'mc1', 'md2'],
    'stamp both parents of the merge');
SELECT results_eq('SELECT current, pending FROM migrate.status()',
    $$VALUES ('{l1,mc1,md2}'::text[], '{mm,mn,r1,r2,l2,l3}'::text[])$$,
    'status() lists what upgrade heads would run from the stamped state');

SELECT is(pg_temp.rev('xd', '{}', NULL, '{mc2}'), 'xd', 'register xd depending on mc2');
SELECT results_eq($$SELECT depends_on, dependents FROM migrate.show('xd')$$,
    $$VALUES ('{mc2}'::text[], '{}'::text[])$$, 'show() lists the dependency');
SELECT results_eq($$SELECT next_revisions, dependents FROM migrate.show('mc2')$$,
    $$VALUES ('{md2}'::text[], '{xd}'::text[])$$,
    'show() of the dependency lists its dependent, not as a child');
SELECT results_eq($$SELECT * FROM migrate.stamp('xd')$$, ARRAY['l1', 'mc1', 'md2', 'xd'],
    'stamp a dependent stores the dependent');
SELECT is_empty('SELECT * FROM trace', 'still no script ran');
SELECT has_table('tbl_l2', 'and no downgrade ran either');

SELECT * FROM finish();
ROLLBACK;
