-- 40_branches_merges_deps.sql: execution order and version rows across
-- branches, merges and depends_on (the examples of docs/semantics.md).
-- Every command is checked three ways: the rows it returns, the order in
-- which the scripts wrote to a trace table, and migrate.current() after it.
-- Expected results were checked against Alembic 1.8.1 (test/alembic/oracle.py).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION migrate;

SELECT plan(164);

\ir helpers.psql

-- Run one command and check it three ways (three assertions).
CREATE FUNCTION pg_temp.step(p_op text, p_target text, p_runs text[], p_current text[])
RETURNS SETOF text LANGUAGE sql AS $$
    SELECT * FROM pg_temp.check_step(p_op, p_target, p_runs, p_current,
        '%s %s returns the steps %s', '%s %s ran the scripts in the order %s')
$$;

-- ---------------------------------------------------------------------
-- Two labelled branches on a trunk; l is registered before r.
--   a0 -> b0 -> l1 (l) -> l2 -> l3
--           \-> r1 (r) -> r2
-- ---------------------------------------------------------------------

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

SELECT results_eq('SELECT revision, next_revisions FROM migrate.branches()',
    $$VALUES ('b0'::text, ARRAY['l1', 'r1']::text[])$$,
    'b0 is the only branch point');

SELECT * FROM pg_temp.step('upgrade', 'heads', '{a0,b0,r1,r2,l1,l2,l3}', '{l3,r2}');
SELECT * FROM pg_temp.step('downgrade', 'base', '{l3,l2,l1,r2,r1,b0,a0}', '{}');
SELECT * FROM pg_temp.step('upgrade', 'b0', '{a0,b0}', '{b0}');
SELECT * FROM pg_temp.step('upgrade', 'l1', '{l1}', '{l1}');
-- applying the other child of the branch point splits the row
SELECT * FROM pg_temp.step('upgrade', 'r2', '{r1,r2}', '{l1,r2}');
SELECT * FROM pg_temp.step('upgrade', 'l@head', '{l2,l3}', '{l3,r2}');
SELECT * FROM pg_temp.step('downgrade', 'r@-1', '{r2}', '{l3,r1}');
-- downgrading to the common ancestor removes both branches: rows collapse
SELECT * FROM pg_temp.step('downgrade', 'b0', '{l3,l2,l1,r1}', '{b0}');
SELECT * FROM pg_temp.step('upgrade', 'l2', '{l1,l2}', '{l2}');
SELECT * FROM pg_temp.step('upgrade', 'r2', '{r1,r2}', '{l2,r2}');
SELECT * FROM pg_temp.step('downgrade', 'l1', '{l2}', '{l1,r2}');
-- label@base goes to the base of the label's whole lineage
SELECT * FROM pg_temp.step('downgrade', 'r@base', '{l1,r2,r1,b0,a0}', '{}');

SELECT lives_ok('SELECT pg_temp.forget()', 'forget the two-branch graph');

-- ---------------------------------------------------------------------
-- A merge whose down revisions are (mc1, md2).
--   ma -> mb -> mc1 -----------\
--            \-> mc2 -> md2 ---> mm -> mn
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

-- the last listed parent's branch runs first
SELECT * FROM pg_temp.step('upgrade', 'heads', '{ma,mb,mc2,md2,mc1,mm,mn}', '{mn}');
SELECT * FROM pg_temp.step('downgrade', 'base', '{mn,mm,mc1,md2,mc2,mb,ma}', '{}');
SELECT * FROM pg_temp.step('upgrade', 'mc1', '{ma,mb,mc1}', '{mc1}');
SELECT * FROM pg_temp.step('upgrade', 'md2', '{mc2,md2}', '{mc1,md2}');
-- applying the merge collapses the two rows
SELECT * FROM pg_temp.step('upgrade', 'mm', '{mm}', '{mm}');
SELECT throws_ok($$SELECT * FROM migrate.downgrade('-1')$$,
    '55000', 'ambiguous walk',
    'downgrade -1 from a merge point is an ambiguous walk');
SELECT * FROM pg_temp.step('upgrade', 'mn', '{mn}', '{mn}');
-- downgrading to one parent of a merge leaves both parents
SELECT * FROM pg_temp.step('downgrade', 'mc1', '{mn,mm}', '{mc1,md2}');
SELECT * FROM pg_temp.step('upgrade', 'heads', '{mm,mn}', '{mn}');
-- to an ancestor of one parent also removes that part
SELECT * FROM pg_temp.step('downgrade', 'mc2', '{mn,mm,md2}', '{mc1,mc2}');
SELECT * FROM pg_temp.step('downgrade', 'mb', '{mc1,mc2}', '{mb}');
SELECT * FROM pg_temp.step('upgrade', 'mm', '{mc2,md2,mc1,mm}', '{mm}');
SELECT * FROM pg_temp.step('upgrade', 'mn', '{mn}', '{mn}');
SELECT throws_ok($$SELECT * FROM migrate.downgrade('-3')$$,
    '55000', 'ambiguous walk',
    'downgrade -3 through a merge point is an ambiguous walk');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['mn'],
    'the refused walk changed nothing');
SELECT * FROM pg_temp.step('downgrade', 'base', '{mn,mm,mc1,md2,mc2,mb,ma}', '{}');

SELECT lives_ok('SELECT pg_temp.forget()', 'forget the merge graph');

-- ---------------------------------------------------------------------
-- A three-way merge (ta, tb, tc) and a merge with a redundant parent
-- ---------------------------------------------------------------------

DO $$
BEGIN
    PERFORM pg_temp.rev('t0', '{}');
    PERFORM pg_temp.rev('ta', '{t0}');
    PERFORM pg_temp.rev('tb', '{t0}');
    PERFORM pg_temp.rev('tc', '{t0}');
    PERFORM pg_temp.rev('tm', '{ta,tb,tc}');
END
$$;

SELECT * FROM pg_temp.step('upgrade', 'heads', '{t0,tc,tb,ta,tm}', '{tm}');
SELECT * FROM pg_temp.step('downgrade', 't0', '{tm,ta,tb,tc}', '{t0}');
SELECT * FROM pg_temp.step('downgrade', 'base', '{t0}', '{}');
SELECT lives_ok('SELECT pg_temp.forget()', 'forget the three-way merge');

-- um merges u1 with its own ancestor u0: migrate follows Alembic 1.19.1
DO $$
BEGIN
    PERFORM pg_temp.rev('u0', '{}');
    PERFORM pg_temp.rev('u1', '{u0}');
    PERFORM pg_temp.rev('um', '{u1,u0}');
END
$$;

SELECT * FROM pg_temp.step('upgrade', 'heads', '{u0,u1,um}', '{um}');
SELECT * FROM pg_temp.step('downgrade', 'u1', '{um}', '{u1}');
SELECT * FROM pg_temp.step('downgrade', 'base', '{u1,u0}', '{}');
SELECT lives_ok('SELECT pg_temp.forget()', 'forget the redundant merge');

-- ---------------------------------------------------------------------
-- depends_on: x2 (on its own root x1) depends on d0 (another root)
--   d0 -> d1
--   x1 -> x2 (depends on d0)
-- ---------------------------------------------------------------------

DO $$
BEGIN
    PERFORM pg_temp.rev('d0', '{}');
    PERFORM pg_temp.rev('d1', '{d0}');
    PERFORM pg_temp.rev('x1', '{}');
    PERFORM pg_temp.rev('x2', '{x1}', NULL, '{d0}');
END
$$;

-- the dependency runs first, and only the dependent is stored
SELECT * FROM pg_temp.step('upgrade', 'x2', '{d0,x1,x2}', '{x2}');
SELECT * FROM pg_temp.step('upgrade', 'd1', '{d1}', '{d1,x2}');
-- downgrading to the dependency keeps the dependent
SELECT * FROM pg_temp.step('downgrade', 'd0', '{d1}', '{x2}');
-- removing the dependent turns its implied dependency into a row
SELECT * FROM pg_temp.step('downgrade', 'x1', '{x2}', '{d0,x1}');
SELECT * FROM pg_temp.step('upgrade', 'x2', '{x2}', '{x2}');
SELECT * FROM pg_temp.step('upgrade', 'd1', '{d1}', '{d1,x2}');
-- downgrading below a dependency takes its dependents down first
SELECT * FROM pg_temp.step('downgrade', 'd0@base', '{d1,x2,d0}', '{x1}');
SELECT * FROM pg_temp.step('upgrade', 'heads', '{d0,x2,d1}', '{d1,x2}');
SELECT * FROM pg_temp.step('downgrade', 'base', '{d1,x2,x1,d0}', '{}');
SELECT * FROM pg_temp.step('upgrade', 'd1', '{d0,d1}', '{d1}');
SELECT * FROM pg_temp.step('upgrade', 'heads', '{x1,x2}', '{d1,x2}');
SELECT * FROM pg_temp.step('downgrade', 'base', '{d1,x2,x1,d0}', '{}');
SELECT lives_ok('SELECT pg_temp.forget()', 'forget the dependency graph');

-- depends_on naming a branch label means the labelled revision
DO $$
BEGIN
    PERFORM pg_temp.rev('dd0', '{}', '{dlab}');
    PERFORM pg_temp.rev('dx', '{}', NULL, '{dlab}');
END
$$;

SELECT is_empty('SELECT * FROM migrate.verify()', 'verify() accepts a dependency naming a label');
SELECT * FROM pg_temp.step('upgrade', 'dx', '{dd0,dx}', '{dx}');
SELECT * FROM pg_temp.step('downgrade', 'base', '{dx,dd0}', '{}');
SELECT lives_ok('SELECT pg_temp.forget()', 'forget the label dependency graph');

-- several dependencies run in a fixed order, as the parents of a merge do:
-- the last declared first
DO $$
BEGIN
    PERFORM pg_temp.rev('q1', '{}');
    PERFORM pg_temp.rev('q2', '{}');
    PERFORM pg_temp.rev('q3', '{}');
    PERFORM pg_temp.rev('qx', '{}', NULL, '{q3,q1,q2}');
    PERFORM pg_temp.rev('qy', '{}', NULL, '{q2,q3,q1}');
    PERFORM pg_temp.rev('qm', '{q3,q1,q2}');
END
$$;

SELECT * FROM pg_temp.step('upgrade', 'qx', '{q2,q1,q3,qx}', '{qx}');
SELECT * FROM pg_temp.step('downgrade', 'base', '{qx,q3,q1,q2}', '{}');
SELECT * FROM pg_temp.step('upgrade', 'qy', '{q1,q3,q2,qy}', '{qy}');
SELECT * FROM pg_temp.step('downgrade', 'base', '{qy,q2,q3,q1}', '{}');
SELECT * FROM pg_temp.step('upgrade', 'qm', '{q2,q1,q3,qm}', '{qm}');
SELECT * FROM pg_temp.step('downgrade', 'base', '{qm,q3,q1,q2}', '{}');

SELECT * FROM finish();
ROLLBACK;
