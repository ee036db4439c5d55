-- 20_targets.sql: every target form of upgrade() and downgrade(), step by
-- step, with the rows each call returns and the version table after it.
-- Expected results were checked against Alembic 1.8.1 (test/alembic/oracle.py).
--
--   aaaa1111 (trunk) -> aaaa2222 -> bbbb3333 -> cccc4444 (feat) -> cccc5555
--                                           \-> dd1 (fix)       -> dddd6666
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION migrate;

SELECT plan(100);

\ir helpers.psql

DO $$
BEGIN
    PERFORM pg_temp.rev('aaaa1111', '{}', '{trunk}');
    PERFORM pg_temp.rev('aaaa2222', '{aaaa1111}');
    PERFORM pg_temp.rev('bbbb3333', '{aaaa2222}');
    PERFORM pg_temp.rev('cccc4444', '{bbbb3333}', '{feat}');
    PERFORM pg_temp.rev('cccc5555', '{cccc4444}');
    PERFORM pg_temp.rev('dd1', '{bbbb3333}', '{fix}');
    PERFORM pg_temp.rev('dddd6666', '{dd1}');
END
$$;

SELECT results_eq('SELECT revision FROM migrate.heads()', ARRAY['cccc5555', 'dddd6666'],
    'the graph has two heads');

-- ---------------------------------------------------------------------
-- head with two heads; +N from empty; ambiguous walk; label@+N
-- ---------------------------------------------------------------------

SELECT throws_ok($$SELECT * FROM migrate.upgrade('head')$$,
    '55000', 'multiple head revisions are present for given argument "head"',
    'upgrade head with two heads is an error even on an empty database');
SELECT throws_ok($$SELECT * FROM migrate.upgrade()$$,
    '55000', 'multiple head revisions are present for given argument "head"',
    'upgrade() defaults to head');
SELECT is_empty('SELECT * FROM migrate.current()', 'the failed upgrade applied nothing');

SELECT results_eq($$SELECT revision FROM migrate.upgrade('+1')$$, ARRAY['aaaa1111'],
    'upgrade +1 on an empty database applies the root');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['aaaa1111'], 'current after +1');
SELECT has_table('tbl_aaaa1111', 'the root''s upgrade script ran');

SELECT results_eq($$SELECT revision FROM migrate.upgrade('+2')$$, ARRAY['aaaa2222', 'bbbb3333'],
    'upgrade +2 walks two steps up');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['bbbb3333'], 'current after +2');

SELECT throws_ok($$SELECT * FROM migrate.upgrade('+1')$$,
    '55000', 'ambiguous walk',
    'upgrade +1 at a branch point is an ambiguous walk');

SELECT results_eq($$SELECT revision FROM migrate.upgrade('feat@+1')$$, ARRAY['cccc4444'],
    'upgrade feat@+1 climbs the feat branch');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['cccc4444'], 'current after feat@+1');

SELECT results_eq($$SELECT revision FROM migrate.upgrade('+1')$$, ARRAY['cccc5555'],
    'upgrade +1 with a single way up');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['cccc5555'], 'current after +1');

SELECT throws_ok($$SELECT * FROM migrate.upgrade('+1')$$,
    '22023', 'relative revision +1 didn''t produce 1 migrations',
    'upgrade +1 past the end of the graph');
SELECT throws_ok($$SELECT * FROM migrate.upgrade('-1')$$,
    '22023', 'relative revision -1 didn''t produce 1 migrations',
    'upgrade -1 is an error');
SELECT throws_ok($$SELECT * FROM migrate.downgrade('+1')$$,
    '22023', 'relative revision +1 didn''t produce 1 migrations',
    'downgrade +1 is an error');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['cccc5555'],
    'failed relative targets left the version table alone');

-- ---------------------------------------------------------------------
-- a full id on another branch adds a head; -N with two heads
-- ---------------------------------------------------------------------

DELETE FROM trace;
SELECT results_eq($$SELECT revision FROM migrate.upgrade('dd1')$$, ARRAY['dd1'],
    'upgrade to a full id on another branch runs only that branch');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['cccc5555', 'dd1'],
    'upgrading another branch adds a head');
SELECT results_eq('SELECT * FROM pg_temp.drain()', ARRAY['up dd1'],
    'the script of dd1 ran once');

SELECT throws_ok($$SELECT * FROM migrate.downgrade('-1')$$,
    '55000', 'relative downgrade "-1" is ambiguous with several applied heads',
    'downgrade -1 with several applied heads is refused');

-- ---------------------------------------------------------------------
-- short ids and labels match only exactly; prefixes
-- ---------------------------------------------------------------------

SELECT throws_ok($$SELECT * FROM migrate.upgrade('fi')$$,
    '42704', 'revision "fi" does not exist',
    'a prefix of a 3-character label does not match it');
SELECT results_eq($$SELECT revision FROM migrate.upgrade('d')$$, ARRAY['dddd6666'],
    'upgrade d: a unique 1-character prefix wins; the 3-character id dd1 is no candidate');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['cccc5555', 'dddd6666'],
    'current after upgrade d');

DELETE FROM trace;
SELECT is_empty($$SELECT * FROM migrate.upgrade('heads')$$,
    'upgrade heads with every head applied returns no rows');
SELECT is_empty('SELECT * FROM pg_temp.drain()', 'and runs no script');

SELECT results_eq($$SELECT revision FROM migrate.downgrade('fix@-1')$$, ARRAY['dddd6666'],
    'downgrade fix@-1 walks down the fix branch only');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['cccc5555', 'dd1'],
    'current after fix@-1');
SELECT hasnt_table('tbl_dddd6666', 'the downgrade script of dddd6666 ran');
SELECT has_table('tbl_cccc5555', 'the other branch is untouched');

SELECT results_eq($$SELECT revision FROM migrate.downgrade('feat@-1')$$, ARRAY['cccc5555'],
    'downgrade feat@-1 walks down the feat branch only');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['cccc4444', 'dd1'],
    'current after feat@-1');

SELECT results_eq($$SELECT revision FROM migrate.upgrade('heads')$$,
    ARRAY['dddd6666', 'cccc5555'],
    'upgrade heads from a partial state runs only what is missing');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['cccc5555', 'dddd6666'],
    'current after upgrade heads');

SELECT throws_ok($$SELECT * FROM migrate.upgrade('aaaa')$$,
    '42P08', 'revision prefix "aaaa" is ambiguous',
    'an ambiguous prefix is an error');
SELECT ok(pg_temp.error_of($$SELECT * FROM migrate.upgrade('aaaa')$$, 'detail')
              ~ 'aaaa1111' AND
          pg_temp.error_of($$SELECT * FROM migrate.upgrade('aaaa')$$, 'detail')
              ~ 'aaaa2222',
    'the ambiguous prefix error lists the candidates');
SELECT throws_ok($$SELECT * FROM migrate.downgrade('cccc')$$,
    '42P08', 'revision prefix "cccc" is ambiguous',
    'an ambiguous prefix is an error for downgrade too');

-- ---------------------------------------------------------------------
-- label@base, label prefixes, unique id prefixes, base
-- ---------------------------------------------------------------------

SELECT results_eq($$SELECT revision FROM migrate.downgrade('feat@base')$$,
    ARRAY['cccc5555', 'cccc4444', 'dddd6666', 'dd1', 'bbbb3333', 'aaaa2222', 'aaaa1111'],
    'downgrade feat@base goes to the base of the whole lineage, sibling branch included');
SELECT is_empty('SELECT * FROM migrate.current()', 'current after feat@base is empty');
SELECT hasnt_table('tbl_aaaa1111', 'every downgrade script ran');

SELECT results_eq($$SELECT revision FROM migrate.upgrade('fe')$$,
    ARRAY['aaaa1111', 'aaaa2222', 'bbbb3333', 'cccc4444'],
    'a unique prefix of a branch label (fe -> feat) resolves to the labelled revision');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['cccc4444'], 'current after upgrade fe');

SELECT is_empty($$SELECT * FROM migrate.upgrade('tru')$$,
    'upgrade to an ancestor (tru -> trunk -> aaaa1111) does nothing');
SELECT results_eq($$SELECT revision FROM migrate.upgrade('cccc5')$$, ARRAY['cccc5555'],
    'upgrade to a unique id prefix');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['cccc5555'], 'current after cccc5');

DELETE FROM trace;
SELECT results_eq($$SELECT revision FROM migrate.downgrade('base')$$,
    ARRAY['cccc5555', 'cccc4444', 'bbbb3333', 'aaaa2222', 'aaaa1111'],
    'downgrade base runs every applied downgrade, newest first');
SELECT results_eq('SELECT * FROM pg_temp.drain()',
    ARRAY['down cccc5555', 'down cccc4444', 'down bbbb3333', 'down aaaa2222', 'down aaaa1111'],
    'the downgrade scripts ran in that order');
SELECT is_empty('SELECT * FROM migrate.current()', 'current after downgrade base is empty');
SELECT is_empty($$SELECT * FROM migrate.downgrade('base')$$,
    'downgrade base on an empty database does nothing');

-- ---------------------------------------------------------------------
-- label@head
-- ---------------------------------------------------------------------

SELECT results_eq($$SELECT revision FROM migrate.upgrade('fix@head')$$,
    ARRAY['aaaa1111', 'aaaa2222', 'bbbb3333', 'dd1', 'dddd6666'],
    'upgrade fix@head runs the trunk and the fix branch');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['dddd6666'], 'current after fix@head');
SELECT results_eq($$SELECT revision FROM migrate.upgrade('feat@head')$$,
    ARRAY['cccc4444', 'cccc5555'],
    'upgrade feat@head runs only the feat branch');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['cccc5555', 'dddd6666'],
    'current after feat@head');
SELECT is_empty($$SELECT * FROM migrate.upgrade('feat@head')$$,
    'upgrade to the current label@head does nothing');

SELECT results_eq($$SELECT revision FROM migrate.downgrade('fix@base')$$,
    ARRAY['cccc5555', 'cccc4444', 'dddd6666', 'dd1', 'bbbb3333', 'aaaa2222', 'aaaa1111'],
    'downgrade fix@base takes the shared trunk and the sibling branch');
SELECT is_empty('SELECT * FROM migrate.current()', 'current after fix@base is empty');

SELECT throws_ok($$SELECT * FROM migrate.downgrade('aaaa2222')$$,
    '22023', 'destination aaaa2222 is not a valid downgrade target from current head(s)',
    'downgrade to a revision above the current state is an error');

-- ---------------------------------------------------------------------
-- id+N, id-N, label@+N, base+N
-- ---------------------------------------------------------------------

SELECT results_eq($$SELECT revision FROM migrate.upgrade('aaaa1111+2')$$,
    ARRAY['aaaa1111', 'aaaa2222', 'bbbb3333'],
    'upgrade id+2 is two above that id');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['bbbb3333'], 'current after id+2');
SELECT is_empty($$SELECT * FROM migrate.upgrade('cccc4444-1')$$,
    'upgrade id-1 is relative to the id: bbbb3333, already applied');
SELECT results_eq($$SELECT revision FROM migrate.upgrade('feat@+2')$$,
    ARRAY['cccc4444', 'cccc5555'],
    'upgrade feat@+2 from the branch point climbs the feat branch');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['cccc5555'], 'current after feat@+2');
SELECT results_eq($$SELECT revision FROM migrate.downgrade('cccc5555-2')$$,
    ARRAY['cccc5555', 'cccc4444'],
    'downgrade id-2 is two below that id');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['bbbb3333'], 'current after id-2');

SELECT results_eq($$SELECT revision FROM migrate.upgrade('fix')$$, ARRAY['dd1'],
    'a 3-character label matches exactly');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['dd1'], 'current after upgrade fix');
SELECT is_empty($$SELECT * FROM migrate.upgrade('base')$$, 'upgrade base does nothing');
SELECT is_empty($$SELECT * FROM migrate.downgrade('dd1')$$,
    'downgrade to the current revision does nothing');
SELECT throws_ok($$SELECT * FROM migrate.downgrade('dddd6666')$$,
    '22023', 'destination dddd6666 is not a valid downgrade target from current head(s)',
    'downgrade to a descendant is an error');
SELECT throws_ok($$SELECT * FROM migrate.downgrade('cccc4444')$$,
    '22023', 'destination cccc4444 is not a valid downgrade target from current head(s)',
    'downgrade to a revision on another branch is an error');

SELECT results_eq($$SELECT revision FROM migrate.downgrade('-2')$$, ARRAY['dd1', 'bbbb3333'],
    'downgrade -2 with a single head');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['aaaa2222'], 'current after -2');
SELECT results_eq($$SELECT revision FROM migrate.downgrade('base')$$,
    ARRAY['aaaa2222', 'aaaa1111'], 'downgrade base from aaaa2222');
SELECT results_eq($$SELECT revision FROM migrate.upgrade('base+1')$$, ARRAY['aaaa1111'],
    'upgrade base+1 applies the root');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['aaaa1111'], 'current after base+1');
SELECT is_empty($$SELECT * FROM migrate.upgrade('feat@base')$$, 'upgrade label@base does nothing');
SELECT results_eq($$SELECT revision FROM migrate.downgrade('-1')$$, ARRAY['aaaa1111'],
    'downgrade -1 from the root goes to base');
SELECT is_empty('SELECT * FROM migrate.current()', 'current after -1 from the root');

-- from an empty database label@+1 starts with the trunk root
SELECT results_eq($$SELECT revision FROM migrate.upgrade('feat@+1')$$, ARRAY['aaaa1111'],
    'from empty feat@+1 applies the trunk root first');
SELECT results_eq($$SELECT revision FROM migrate.upgrade('feat@+3')$$,
    ARRAY['aaaa2222', 'bbbb3333', 'cccc4444'],
    'feat@+3 climbs through the branch point into feat');
SELECT results_eq($$SELECT revision FROM migrate.downgrade('feat@-3')$$,
    ARRAY['cccc4444', 'bbbb3333', 'aaaa2222'],
    'downgrade feat@-3 walks down the lineage');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['aaaa1111'], 'current after feat@-3');

-- ---------------------------------------------------------------------
-- head when there is a single head; head-N
-- ---------------------------------------------------------------------

SELECT lives_ok($$SELECT migrate.drop_revision('dddd6666')$$, 'drop dddd6666');
SELECT lives_ok($$SELECT migrate.drop_revision('dd1')$$, 'drop dd1: one head left');
SELECT results_eq($$SELECT revision FROM migrate.upgrade('head-1')$$,
    ARRAY['aaaa2222', 'bbbb3333', 'cccc4444'],
    'upgrade head-1 stops one below the head');
SELECT results_eq($$SELECT revision FROM migrate.upgrade('head')$$, ARRAY['cccc5555'],
    'upgrade head with a single head');
SELECT results_eq($$SELECT revision FROM migrate.upgrade()$$, '{}'::text[],
    'upgrade() at head returns no rows');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['cccc5555'], 'current after head');
SELECT results_eq($$SELECT revision FROM migrate.downgrade('head-2')$$,
    ARRAY['cccc5555', 'cccc4444'],
    'downgrade head-2');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['bbbb3333'], 'current after head-2');

-- ---------------------------------------------------------------------
-- malformed and refused targets
-- ---------------------------------------------------------------------

SELECT throws_ok($$SELECT * FROM migrate.upgrade('aaaa1111:bbbb3333')$$,
    '22023', 'a range such as "aaaa1111:bbbb3333" is only valid for history',
    'upgrade refuses a range');
SELECT throws_ok($$SELECT * FROM migrate.upgrade(':cccc5555')$$,
    '22023', 'a range such as ":cccc5555" is only valid for history',
    'upgrade refuses an open range');
SELECT throws_ok($$SELECT * FROM migrate.downgrade('aaaa1111:')$$,
    '22023', 'a range such as "aaaa1111:" is only valid for history',
    'downgrade refuses a range');
SELECT throws_ok($$SELECT * FROM migrate.upgrade('nosuchrev')$$,
    '42704', 'revision "nosuchrev" does not exist',
    'an unknown target is an error');
SELECT throws_ok($$SELECT * FROM migrate.upgrade('feat@')$$,
    '22023', 'invalid target "feat@"',
    'nothing after @ is an invalid target');
SELECT throws_ok($$SELECT * FROM migrate.upgrade('nolabel@head')$$,
    '42704', 'revision "nolabel" does not exist',
    'an unknown label is an error');
SELECT throws_ok($$SELECT * FROM migrate.upgrade('aaaa1111 ')$$,
    '22023', 'invalid target "aaaa1111 "',
    'trailing garbage is an invalid target');
SELECT throws_ok($$SELECT * FROM migrate.downgrade(NULL)$$,
    '22004', 'argument "target" must not be null',
    'downgrade(NULL) is refused');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['bbbb3333'],
    'refused targets changed nothing');

SELECT * FROM finish();
ROLLBACK;
