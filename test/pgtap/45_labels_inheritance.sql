-- 45_labels_inheritance.sql: branch labels are inherited by descendants
-- (through merges too), label@heads, label@rev, prefix+N, label@-N through a
-- merge, and stamp/downgrade around a dependency.
-- Expected results were checked against Alembic 1.8.1 (test/alembic/oracle.py).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION migrate;

SELECT plan(85);

\ir helpers.psql

-- Run one command (upgrade/downgrade/stamp) and check the rows it returns,
-- the scripts it ran (trace) and the version table: three assertions.
CREATE FUNCTION pg_temp.step(p_op text, p_target text, p_runs text[], p_current text[])
RETURNS SETOF text LANGUAGE sql AS $$
    SELECT * FROM pg_temp.check_step(p_op, p_target, p_runs, p_current,
        '%s %s returns %s', '%s %s ran the scripts %s')
$$;

-- the graphs below are registered with pg_temp.stampable_rev(): stamp x2
-- followed by downgrade x1 runs the downgrade of x2, whose table was never made

-- ---------------------------------------------------------------------
--   aaaa1111 (trunk) -> aaaa2222 -> bbbb3333 -> cccc4444 (feat) -> cccc5555
--                                           \-> dd1 (fix)       -> dddd6666
-- ---------------------------------------------------------------------

DO $$
BEGIN
    PERFORM pg_temp.stampable_rev('aaaa1111', '{}', '{trunk}');
    PERFORM pg_temp.stampable_rev('aaaa2222', '{aaaa1111}');
    PERFORM pg_temp.stampable_rev('bbbb3333', '{aaaa2222}');
    PERFORM pg_temp.stampable_rev('cccc4444', '{bbbb3333}', '{feat}');
    PERFORM pg_temp.stampable_rev('cccc5555', '{cccc4444}');
    PERFORM pg_temp.stampable_rev('dd1', '{bbbb3333}', '{fix}');
    PERFORM pg_temp.stampable_rev('dddd6666', '{dd1}');
END
$$;

-- trunk@heads: every head descending from trunk
SELECT * FROM pg_temp.step('upgrade', 'trunk@heads',
    '{aaaa1111,aaaa2222,bbbb3333,dd1,dddd6666,cccc4444,cccc5555}', '{cccc5555,dddd6666}');
SELECT * FROM pg_temp.step('downgrade', 'base',
    '{cccc5555,cccc4444,dddd6666,dd1,bbbb3333,aaaa2222,aaaa1111}', '{}');
SELECT * FROM pg_temp.step('upgrade', 'feat@heads',
    '{aaaa1111,aaaa2222,bbbb3333,cccc4444,cccc5555}', '{cccc5555}');
-- the label is inherited: cccc5555 is a member of feat
SELECT * FROM pg_temp.step('upgrade', 'feat@cccc5555', '{}', '{cccc5555}');
SELECT throws_ok($$SELECT * FROM migrate.upgrade('feat@dddd6666')$$,
    '22023', 'revision "dddd6666" is not a member of branch "feat"',
    'label@rev with rev on another branch is refused');
-- prefix plus relative step
SELECT * FROM pg_temp.step('downgrade', 'cccc5-1', '{cccc5555}', '{cccc4444}');
SELECT * FROM pg_temp.step('upgrade', 'cccc4+1', '{cccc5555}', '{cccc5555}');
SELECT * FROM pg_temp.step('downgrade', 'base',
    '{cccc5555,cccc4444,bbbb3333,aaaa2222,aaaa1111}', '{}');

-- label@head with two heads under the label
SELECT throws_ok($$SELECT * FROM migrate.upgrade('trunk@head')$$,
    '55000', 'multiple head revisions are present for given argument "trunk@head"',
    'label@head with several heads in the label''s lineage is the multiple-heads error');
SELECT * FROM pg_temp.step('upgrade', 'cccc4444', '{aaaa1111,aaaa2222,bbbb3333,cccc4444}', '{cccc4444}');
SELECT * FROM pg_temp.step('upgrade', 'dd1', '{dd1}', '{cccc4444,dd1}');
-- +N with several current heads and no label
SELECT throws_ok($$SELECT * FROM migrate.upgrade('+1')$$,
    '55000', 'ambiguous upgrade from multiple current revisions',
    'upgrade +1 with several current heads is refused');
-- label@+N starts at the applied head in the label's lineage
SELECT * FROM pg_temp.step('upgrade', 'fix@+1', '{dddd6666}', '{cccc4444,dddd6666}');
SELECT * FROM pg_temp.step('upgrade', 'feat@+1', '{cccc5555}', '{cccc5555,dddd6666}');
SELECT * FROM pg_temp.step('downgrade', 'base',
    '{cccc5555,cccc4444,dddd6666,dd1,bbbb3333,aaaa2222,aaaa1111}', '{}');
SELECT * FROM pg_temp.step('upgrade', 'aaaa2222', '{aaaa1111,aaaa2222}', '{aaaa2222}');
SELECT throws_ok($$SELECT * FROM migrate.downgrade('-5')$$,
    '22023', 'relative revision -5 didn''t produce 5 migrations',
    'downgrade -N below base is the didn''t-produce error');
SELECT * FROM pg_temp.step('downgrade', '-2', '{aaaa2222,aaaa1111}', '{}');
SELECT lives_ok('SELECT pg_temp.forget()', 'forget the first graph');

-- a dependency that is already an ancestor is harmless
DO $$
BEGIN
    PERFORM pg_temp.stampable_rev('y0', '{}');
    PERFORM pg_temp.stampable_rev('y1', '{y0}');
    PERFORM pg_temp.stampable_rev('y2', '{y1}', NULL, '{y0}');
END
$$;
SELECT * FROM pg_temp.step('upgrade', 'heads', '{y0,y1,y2}', '{y2}');
SELECT results_eq($$SELECT revision FROM migrate.downgrade('y1')$$, ARRAY['y2'],
    'downgrade y1 runs only y2');
SELECT ok((SELECT array_agg(c) FROM migrate.current() AS c) IN (ARRAY['y1'], ARRAY['y0', 'y1']),
    'after downgrade y1 the version table holds y1 (Alembic 1.8.1 also keeps the redundant y0)');
SELECT * FROM pg_temp.step('downgrade', 'base', '{y1,y0}', '{}');
SELECT lives_ok('SELECT pg_temp.forget()', 'forget the ancestor-dependency graph');

-- ---------------------------------------------------------------------
-- a label above a merge's parent is inherited through the merge
--   ma -> mb -> mc1 ----------------\
--            \-> mc2 (two) -> md2 --> mm -> mn
-- ---------------------------------------------------------------------

DO $$
BEGIN
    PERFORM pg_temp.stampable_rev('ma', '{}');
    PERFORM pg_temp.stampable_rev('mb', '{ma}');
    PERFORM pg_temp.stampable_rev('mc1', '{mb}');
    PERFORM pg_temp.stampable_rev('mc2', '{mb}', '{two}');
    PERFORM pg_temp.stampable_rev('md2', '{mc2}');
    PERFORM pg_temp.stampable_rev('mm', '{mc1,md2}');
    PERFORM pg_temp.stampable_rev('mn', '{mm}');
END
$$;

SELECT * FROM pg_temp.step('upgrade', 'two@head', '{ma,mb,mc2,md2,mc1,mm,mn}', '{mn}');
SELECT * FROM pg_temp.step('downgrade', 'two@-1', '{mn}', '{mm}');
SELECT throws_ok($$SELECT * FROM migrate.downgrade('two@-1')$$,
    '55000', 'ambiguous walk', 'label@-1 through a merge point is an ambiguous walk');
SELECT * FROM pg_temp.step('upgrade', 'two@+1', '{mn}', '{mn}');
SELECT * FROM pg_temp.step('downgrade', 'two@mc2', '{mn,mm,md2}', '{mc1,mc2}');
SELECT * FROM pg_temp.step('upgrade', 'heads', '{md2,mm,mn}', '{mn}');
SELECT * FROM pg_temp.step('downgrade', 'two@base', '{mn,mm,mc1,md2,mc2,mb,ma}', '{}');
SELECT lives_ok('SELECT pg_temp.forget()', 'forget the merge graph');

-- ---------------------------------------------------------------------
-- stamp and downgrade around a dependency
--   d0 -> d1;  x1 -> x2 (depends on d0)
-- ---------------------------------------------------------------------

DO $$
BEGIN
    PERFORM pg_temp.stampable_rev('d0', '{}');
    PERFORM pg_temp.stampable_rev('d1', '{d0}');
    PERFORM pg_temp.stampable_rev('x1', '{}');
    PERFORM pg_temp.stampable_rev('x2', '{x1}', NULL, '{d0}');
END
$$;

SELECT * FROM pg_temp.step('stamp', 'x2', '{}', '{x2}');
SELECT * FROM pg_temp.step('upgrade', 'd1', '{d1}', '{d1,x2}');
SELECT * FROM pg_temp.step('downgrade', 'x1', '{x2}', '{d1,x1}');

SELECT * FROM finish();
ROLLBACK;
