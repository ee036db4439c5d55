-- 60_errors.sql: every refusal has a proper SQLSTATE and a message in
-- PostgreSQL's style, and a failing script keeps its own error with a
-- CONTEXT line naming the revision; privileges.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION migrate;

SELECT plan(97);

\ir helpers.psql

-- a small graph to refer to:  e1 (lab) -> e2 -> e3
--                                       \-> f2 (side)
SELECT migrate.revision('e1', 'CREATE TABLE e1_t (id int PRIMARY KEY)', 'DROP TABLE e1_t',
                        id => 'e1', branch_labels => '{lab}') \gset
SELECT migrate.revision('e2', 'INSERT INTO e1_t VALUES (1)', 'DELETE FROM e1_t',
                        id => 'e2') \gset
SELECT migrate.revision('e3', 'SELECT 1', 'SELECT 1', id => 'e3') \gset
SELECT migrate.revision('f2', 'SELECT 1', 'SELECT 1', id => 'f2', down_revision => '{e1}',
                        branch_labels => '{side}') \gset

-- ---------------------------------------------------------------------
-- revision() arguments
-- ---------------------------------------------------------------------

SELECT throws_ok($$SELECT migrate.revision('m', NULL, id => 'x1', head => 'base')$$,
    '22004', 'argument "upgrade" must not be null', 'a NULL upgrade script is refused');
SELECT throws_ok($$SELECT migrate.revision('m', 'SELECT 1', id => 'head', head => 'base')$$,
    '22023', 'revision id "head" is a reserved word', 'the id head is reserved');
SELECT throws_ok($$SELECT migrate.revision('m', 'SELECT 1', id => 'base', head => 'base')$$,
    '22023', 'revision id "base" is a reserved word', 'the id base is reserved');
SELECT throws_ok($$SELECT migrate.revision('m', 'SELECT 1', id => 'a@b', head => 'base')$$,
    '22023', 'revision id "a@b" is not valid', 'an id with @ is refused');
SELECT throws_ok($$SELECT migrate.revision('m', 'SELECT 1', id => 'a+1', head => 'base')$$,
    '22023', 'revision id "a+1" is not valid', 'an id with + is refused');
SELECT throws_ok($$SELECT migrate.revision('m', 'SELECT 1', id => '', head => 'base')$$,
    '22023', 'revision id "" is not valid', 'an empty id is refused');
SELECT throws_ok($$SELECT migrate.revision('m', 'SELECT 1', id => 'x1', head => 'base',
                                         branch_labels => '{"bad label"}')$$,
    '22023', 'branch label "bad label" is not valid', 'a label with a space is refused');
SELECT throws_ok($$SELECT migrate.revision('m', 'SELECT 1', id => 'x1', head => 'base',
                                         branch_labels => '{heads}')$$,
    '22023', 'branch label "heads" is a reserved word', 'the label heads is reserved');
SELECT throws_ok($$SELECT migrate.revision('m', 'SELECT 1', id => 'x1', head => 'base',
                                         branch_labels => '{x1}')$$,
    '42710', 'branch label "x1" equals the id of its revision',
    'a label equal to the revision''s own id is refused');
SELECT throws_ok($$SELECT migrate.revision('m', 'SELECT 1', id => 'x1', head => 'base',
                                         branch_labels => '{dup,dup}')$$,
    '22023', 'branch_labels of revision "x1" lists "dup" twice',
    'a label listed twice is refused');
SELECT throws_ok($$SELECT migrate.revision('m', 'SELECT 1', id => 'lab', head => 'base')$$,
    '42710', 'revision id "lab" is already a branch label of revision "e1"',
    'an id equal to an existing branch label is refused');
SELECT throws_ok($$SELECT migrate.revision('m', 'SELECT 1', id => 'x1', down_revision => '{x1}')$$,
    '55000', 'revision "x1" cannot revise itself', 'a self-loop is refused');
SELECT throws_ok($$SELECT migrate.revision('m', 'SELECT 1', id => 'x1', down_revision => '{e1}',
                                         depends_on => '{x1}')$$,
    '55000', 'revision "x1" cannot depend on itself', 'a self-dependency is refused');
SELECT throws_ok($$SELECT migrate.revision('m', 'SELECT 1', id => 'x1', down_revision => '{e3,e3}')$$,
    '22023', 'down_revision of revision "x1" lists "e3" twice',
    'a down revision listed twice is refused');
SELECT throws_ok($$SELECT migrate.revision('m', 'SELECT 1', id => 'x1', down_revision => '{lab}')$$,
    '42704', 'down revision "lab" of revision "x1" does not exist',
    'a down revision must be a full id, not a label');
SELECT throws_ok($$SELECT migrate.revision('m', 'SELECT 1', id => 'x1', down_revision => '{e}')$$,
    '42704', 'down revision "e" of revision "x1" does not exist',
    'a down revision must be a full id, not a prefix');
SELECT throws_ok($$SELECT migrate.revision('m', 'SELECT 1', id => 'x1', down_revision => ARRAY['e3', NULL])$$,
    '22004', 'argument "down_revision" must not contain nulls',
    'a NULL in down_revision is refused');
SELECT throws_ok($$SELECT migrate.revision('m', 'SELECT 1', id => 'x1', down_revision => '{{e3},{f2}}')$$,
    '22023', 'argument "down_revision" must be a one-dimensional array',
    'a two-dimensional down_revision is refused');
SELECT throws_ok($$SELECT migrate.revision('m', 'SELECT 1', id => 'x1', head => 'nolabel@head')$$,
    '42704', 'revision "nolabel" does not exist',
    'head naming an unknown label is refused');
SELECT throws_ok($$SELECT migrate.revision('m', 'SELECT 1', id => 'x1')$$,
    '55000', 'multiple head revisions are present',
    'several heads and no head argument is refused');
SELECT is(pg_temp.error_of($$SELECT migrate.revision('m', 'SELECT 1', id => 'x1')$$, 'detail'),
    'The heads are e3, f2.',
    'the multiple heads error lists the heads');
SELECT throws_ok($$SELECT migrate.revision('m', 'SELECT 1; ROLLBACK', id => 'x1', head => 'base')$$,
    '2D000', 'upgrade script of revision "x1" contains transaction control',
    'ROLLBACK in a script is refused');
SELECT throws_ok($$SELECT migrate.revision('m', 'SAVEPOINT s', id => 'x1', head => 'base')$$,
    '2D000', 'upgrade script of revision "x1" contains transaction control',
    'SAVEPOINT in a script is refused');
SELECT throws_ok($$SELECT migrate.revision('m', 'SELECT 1', 'DROP TABLE (', id => 'x1', head => 'base')$$,
    '42601', 'syntax error at or near "("',
    'a syntax error in the downgrade script is refused');
SELECT is((SELECT count(*)::int FROM migrate.revisions), 4, 'no refused revision was stored');

-- ---------------------------------------------------------------------
-- merge() and drop_revision() arguments
-- ---------------------------------------------------------------------

SELECT throws_ok($$SELECT migrate.merge(ARRAY['e3', 'base'])$$,
    '22023', 'cannot merge "base"', 'merging base is refused');
SELECT throws_ok($$SELECT migrate.merge(ARRAY['e3'])$$,
    '55000', 'a merge needs at least two revisions', 'a merge of one revision is refused');
SELECT throws_ok($$SELECT migrate.merge(ARRAY['e3', 'e3'])$$,
    '55000', 'a merge needs at least two revisions', 'a merge of a revision with itself is refused');
SELECT throws_ok($$SELECT migrate.merge(ARRAY['e3', 'f2'], id => 'e1')$$,
    '42710', 'revision "e1" already exists', 'a merge with a taken id is refused');
SELECT throws_ok($$SELECT migrate.drop_revision('lab')$$,
    '42704', 'revision "lab" does not exist', 'drop_revision takes an id, not a label');
SELECT throws_ok($$SELECT migrate.drop_revision(NULL)$$,
    '22004', 'argument "id" must not be null', 'drop_revision(NULL) is refused');

-- ---------------------------------------------------------------------
-- load(): the file format
-- ---------------------------------------------------------------------

SELECT throws_ok($$SELECT migrate.load(NULL)$$,
    '22004', 'argument "script" must not be null', 'load(NULL) is refused');
SELECT throws_ok($$SELECT migrate.load(E'-- migrate:message m\n-- migrate:upgrade\nSELECT 1;\n')$$,
    '42601', 'invalid revision file at line 3', 'a file without a revision directive is refused');
SELECT is(pg_temp.error_of($$SELECT migrate.load(E'-- migrate:message m\n-- migrate:upgrade\nSELECT 1;\n')$$, 'detail'),
    'The "-- migrate:revision" directive is missing.',
    'the detail says what is missing');
SELECT throws_ok($$SELECT migrate.load(E'-- migrate:revision x1\nSELECT 1;\n-- migrate:upgrade\nSELECT 1;\n')$$,
    '42601', 'invalid revision file at line 2', 'SQL before the upgrade section is refused');
SELECT throws_ok($$SELECT migrate.load(E'-- migrate:revision x1\n-- migrate:upgrade\nSELECT 1;\n-- migrate:message late\n')$$,
    '42601', 'invalid revision file at line 4', 'a header directive after the upgrade section is refused');
SELECT throws_ok($$SELECT migrate.load(E'-- migrate:revision x1\n-- migrate:downgrade\nSELECT 1;\n-- migrate:upgrade\nSELECT 1;\n')$$,
    '42601', 'invalid revision file at line 2', 'a downgrade section before the upgrade section is refused');
SELECT throws_ok($$SELECT migrate.load(E'-- migrate:revision x1\n-- migrate:upgrade now\nSELECT 1;\n')$$,
    '42601', 'invalid revision file at line 2', 'a section directive with a value is refused');
SELECT throws_ok($$SELECT migrate.load(E'-- migrate:revision x1\n-- migrate:transactional maybe\n-- migrate:upgrade\nSELECT 1;\n')$$,
    '42601', 'invalid revision file at line 2', 'transactional must be true or false');
SELECT throws_ok($$SELECT migrate.load(E'-- migrate:revision tc1\n-- migrate:revises e1,\n-- migrate:upgrade\nSELECT 1;\n')$$,
    '42601', 'invalid revision file at line 2', 'a trailing comma in revises is refused');
SELECT throws_ok($$SELECT migrate.load(E'-- migrate:revision x1\n-- migrate:revises\n-- migrate:upgrade\nSELECT 1;\n')$$,
    '42601', 'invalid revision file at line 2', 'an empty revises is refused');
SELECT throws_ok($$SELECT migrate.load(E'-- migrate:revision x1\n-- migrate:branch-labels a b\n-- migrate:upgrade\nSELECT 1;\n')$$,
    '42601', 'invalid revision file at line 2', 'a malformed branch label is refused');
SELECT throws_ok($$SELECT migrate.load(E'-- migrate:revision head\n-- migrate:upgrade\nSELECT 1;\n')$$,
    '42601', 'invalid revision file at line 1', 'a reserved word as id is refused');
SELECT throws_ok($$SELECT migrate.load(E'-- migrate:revision x1\n-- migrate:revises nosuchrev\n-- migrate:upgrade\nSELECT 1;\n')$$,
    '42704', 'down revision "nosuchrev" of revision "x1" does not exist',
    'load() with an unknown down revision is refused');
SELECT throws_ok($$SELECT migrate.load(E'-- migrate:revision x1\n-- migrate:depends-on nosuchrev\n-- migrate:upgrade\nSELECT 1;\n')$$,
    '42704', 'dependency "nosuchrev" of revision "x1" does not exist',
    'load() with an unknown dependency is refused');
SELECT throws_ok($$SELECT migrate.load(E'-- migrate:revision x1\n-- migrate:upgrade\nCOMMIT;\n')$$,
    '2D000', 'upgrade script of revision "x1" contains transaction control',
    'load() with transaction control is refused');
SELECT throws_ok($$SELECT migrate.load(E'-- migrate:revision x1\n-- migrate:upgrade\nSELEC 1;\n')$$,
    '42601', 'syntax error at or near "SELEC"',
    'load() with a syntax error in a script is refused');
SELECT throws_ok($$SELECT migrate.load(E'-- migrate:revision e1x\n-- migrate:branch-labels lab\n-- migrate:upgrade\nSELECT 1;\n')$$,
    '42710', 'branch label "lab" is already used by revision "e1"',
    'load() with a label in use is refused');

-- reloading an unapplied revision with parents that close a cycle
SELECT throws_ok($$SELECT migrate.load(E'-- migrate:revision e1\n-- migrate:revises e3\n-- migrate:branch-labels lab\n-- migrate:upgrade\nCREATE TABLE e1_t (id int PRIMARY KEY)\n-- migrate:downgrade\nDROP TABLE e1_t\n')$$,
    '55000', 'revision graph has a cycle',
    'reloading a revision so that it revises its descendant is refused');
SELECT throws_ok($$SELECT migrate.load(E'-- migrate:revision e1\n-- migrate:depends-on e2\n-- migrate:branch-labels lab\n-- migrate:upgrade\nCREATE TABLE e1_t (id int PRIMARY KEY)\n-- migrate:downgrade\nDROP TABLE e1_t\n')$$,
    '55000', 'revision graph has a dependency cycle',
    'reloading a revision so that it depends on its descendant is refused');
SELECT results_eq($$SELECT down_revisions, depends_on FROM migrate.revisions WHERE id = 'e1'$$,
    $$VALUES ('{}'::text[], '{}'::text[])$$, 'the refused reloads changed nothing');

-- ---------------------------------------------------------------------
-- targets
-- ---------------------------------------------------------------------

SELECT throws_ok($$SELECT * FROM migrate.upgrade('current')$$,
    '22023', '"current" is only valid in a history range', 'upgrade current is refused');
SELECT throws_ok($$SELECT * FROM migrate.upgrade('heads+1')$$,
    '22023', 'invalid target "heads+1"', 'heads takes no relative step');
SELECT throws_ok($$SELECT * FROM migrate.upgrade('+0')$$,
    '22023', 'invalid target "+0"', 'a zero step is refused');
SELECT throws_ok($$SELECT * FROM migrate.upgrade('')$$,
    '22023', 'invalid target ""', 'an empty target is refused');
SELECT throws_ok($$SELECT * FROM migrate.upgrade('side@e3')$$,
    '22023', 'revision "e3" is not a member of branch "side"',
    'label@rev with rev outside the label''s lineage is refused');
SELECT throws_ok($$SELECT * FROM migrate.upgrade('zz')$$,
    '42704', 'revision "zz" does not exist', 'an unknown short target');
SELECT matches(pg_temp.error_of($$SELECT * FROM migrate.upgrade('zz')$$, 'detail'),
    '3 characters or fewer match only exactly', 'the detail of an unknown short target says short names match only exactly');
SELECT throws_ok($$SELECT * FROM migrate.upgrade(NULL)$$,
    '22004', 'argument "target" must not be null', 'upgrade(NULL) is refused');
SELECT throws_ok($$SELECT * FROM migrate.history('+1:e3')$$,
    '22023', 'the lower end of range "+1:e3" must be absolute', 'a relative lower end is refused');
SELECT throws_ok($$SELECT * FROM migrate.show('e1+1')$$,
    '22023', 'revision "e1+1" must not be relative', 'show() refuses a relative target');
SELECT throws_ok($$SELECT * FROM migrate.show(NULL)$$,
    '22004', 'argument "revision" must not be null', 'show(NULL) is refused');
SELECT ok(pg_temp.error_of($$SELECT * FROM migrate.upgrade('head')$$, 'hint') ~ 'heads',
    'the multiple heads error hints at heads');

-- ---------------------------------------------------------------------
-- a failing script keeps its error and gains a CONTEXT line
-- ---------------------------------------------------------------------

SELECT migrate.revision('dup key', $$SELECT 1;
INSERT INTO e1_t VALUES (2);
INSERT INTO e1_t VALUES (2);$$, 'SELECT 1', id => 'g1', down_revision => '{e1}') \gset
SELECT throws_ok($$SELECT * FROM migrate.upgrade('g1')$$,
    '23505', 'duplicate key value violates unique constraint "e1_t_pkey"',
    'a unique violation keeps SQLSTATE 23505 and its message');
SELECT matches(pg_temp.error_of($$SELECT * FROM migrate.upgrade('g1')$$, 'context'),
    'while applying revision "g1" \(upgrade\), statement 3 at line 3',
    'the context names the revision, the section, the statement and its line');
SELECT is(pg_temp.error_of($$SELECT * FROM migrate.upgrade('g1')$$, 'detail'),
    'Key (id)=(2) already exists.', 'the script''s errdetail is kept');
SELECT is_empty('SELECT * FROM migrate.current()', 'nothing was applied');

SELECT migrate.revision('bad down', 'SELECT 1', 'SELECT * FROM no_such_table', id => 'g2',
                        down_revision => '{e1}') \gset
SELECT results_eq($$SELECT revision FROM migrate.upgrade('g2')$$, ARRAY['e1', 'g2'], 'apply g2');
SELECT throws_ok($$SELECT * FROM migrate.downgrade('base')$$,
    '42P01', 'relation "no_such_table" does not exist',
    'a failing downgrade script keeps its SQLSTATE');
SELECT matches(pg_temp.error_of($$SELECT * FROM migrate.downgrade('base')$$, 'context'),
    'while applying revision "g2" \(downgrade\)',
    'the context names the revision and the downgrade section');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['g2'],
    'the failed downgrade left the version table alone');
SELECT has_table('e1_t', 'and left the table of e1 in place');

SELECT migrate.revision('raises', $s$DO $do$ BEGIN RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'custom failure'; END $do$$s$,
                        'SELECT 1', id => 'g3', down_revision => '{e1}') \gset
SELECT throws_ok($$SELECT * FROM migrate.upgrade('g3')$$,
    'P0001', 'custom failure', 'a RAISE EXCEPTION in a script keeps its code and message');

SELECT migrate.revision('irreversible', 'SELECT 1', NULL, id => 'g4', down_revision => '{g2}') \gset
SELECT results_eq($$SELECT revision FROM migrate.upgrade('g4')$$, ARRAY['g4'], 'apply g4');
SELECT throws_ok($$SELECT * FROM migrate.downgrade('e1')$$,
    '55000', 'revision "g4" is irreversible', 'downgrade through g4 is refused');
SELECT ok(pg_temp.error_of($$SELECT * FROM migrate.downgrade('e1')$$, 'hint') ~ 'g4',
    'the irreversible error hint names the revision');

-- ---------------------------------------------------------------------
-- message style: lowercase, no trailing period; detail/hint are sentences
-- ---------------------------------------------------------------------

CREATE TEMP TABLE refusals (sql text);
INSERT INTO refusals VALUES
    ($$SELECT * FROM migrate.upgrade('nosuchrev')$$),
    ($$SELECT * FROM migrate.upgrade('e')$$),
    ($$SELECT * FROM migrate.upgrade('head')$$),
    ($$SELECT * FROM migrate.downgrade('e1')$$),
    ($$SELECT * FROM migrate.upgrade('e1:e3')$$),
    ($$SELECT migrate.revision('m', 'SELECT 1', id => 'e1')$$),
    ($$SELECT migrate.drop_revision('e1')$$),
    ($$SELECT migrate.load('nonsense')$$);
SELECT is_empty($$SELECT sql FROM refusals
                   WHERE pg_temp.error_of(sql, 'message') !~ '^[a-z"]'
                      OR pg_temp.error_of(sql, 'message') ~ '\.$'$$,
    'every errmsg starts in lowercase and has no trailing period');
SELECT is_empty($$SELECT sql FROM refusals
                   WHERE pg_temp.error_of(sql, 'hint') IS NULL
                      OR pg_temp.error_of(sql, 'hint') !~ '^[A-Z].*\.$'$$,
    'every refusal has a hint written as a sentence');
SELECT is_empty($$SELECT sql FROM refusals
                   WHERE pg_temp.error_of(sql, 'sqlstate') IN ('XX000', 'P0001')$$,
    'no refusal uses an internal or generic SQLSTATE');

-- ---------------------------------------------------------------------
-- privileges
-- ---------------------------------------------------------------------

CREATE ROLE migrate_pgtap_nobody NOLOGIN;
CREATE ROLE migrate_pgtap_deployer NOLOGIN;
CREATE SCHEMA deploy_area AUTHORIZATION migrate_pgtap_deployer;
GRANT USAGE ON SCHEMA deploy_area TO PUBLIC;
GRANT EXECUTE ON FUNCTION migrate.upgrade(text, boolean), migrate.downgrade(text, boolean)
    TO migrate_pgtap_deployer;
SELECT migrate.revision('deployable', 'CREATE TABLE deploy_area.deployed (id int)',
                        'DROP TABLE deploy_area.deployed', id => 'h1', down_revision => '{g4}') \gset
SELECT migrate.revision('not allowed', 'DROP TABLE public.trace', 'SELECT 1',
                        id => 'h2', down_revision => '{h1}') \gset

SET LOCAL ROLE migrate_pgtap_nobody;
SELECT throws_ok($$SELECT * FROM migrate.upgrade('h1')$$,
    '42501', 'permission denied for function upgrade',
    'a role without a grant cannot upgrade');
SELECT throws_ok($$SELECT migrate.revision('m', 'SELECT 1', id => 'x9', head => 'base')$$,
    '42501', 'permission denied for function revision',
    'a role without a grant cannot register');
SELECT throws_ok($$INSERT INTO migrate.version VALUES ('e1')$$,
    '42501', 'permission denied for table version',
    'a role without a grant cannot write the version table');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['g4'],
    'any role can read current()');
RESET ROLE;

SET LOCAL ROLE migrate_pgtap_deployer;
SELECT results_eq($$SELECT revision FROM migrate.upgrade('h1')$$, ARRAY['h1'],
    'a role granted EXECUTE on upgrade can migrate without owning the tables');
SELECT throws_ok($$SELECT * FROM migrate.upgrade('h2')$$,
    '42501', 'must be owner of table trace',
    'scripts run with the caller''s privileges');
RESET ROLE;
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['h1'], 'current is h1');
SELECT is((SELECT tableowner::text FROM pg_tables WHERE schemaname = 'deploy_area' AND tablename = 'deployed'),
    'migrate_pgtap_deployer', 'the script ran as the deployer');
SELECT is((SELECT applied_by FROM migrate.log WHERE revision = 'h1'), session_user::text,
    'migrate.log.applied_by is the session user');
SELECT has_table('public', 'trace', 'the refused script did not drop trace');

-- ---------------------------------------------------------------------
-- scripts that PostgreSQL refuses inside a transaction are caught early
-- ---------------------------------------------------------------------

SELECT throws_ok($$SELECT migrate.revision('vacuum', 'VACUUM', 'SELECT 1', id => 'k0', down_revision => '{h1}')$$,
    '25001', 'upgrade script of revision "k0" runs VACUUM, which cannot run inside a transaction block',
    'VACUUM in a transactional revision is refused when it is registered, with its own SQLSTATE');
SELECT is((SELECT count(*)::int FROM migrate.revisions WHERE id = 'k0'), 0, 'and nothing was registered');

-- a revision that is only a dependency of another cannot be dropped
SELECT migrate.revision('dependency', 'SELECT 1', 'SELECT 1', id => 'dep0', head => 'base') \gset
SELECT migrate.revision('dependent', 'SELECT 1', 'SELECT 1', id => 'dep1', head => 'base',
                        depends_on => '{dep0}') \gset
SELECT throws_ok($$SELECT migrate.drop_revision('dep0')$$,
    '2BP01', 'revision "dep0" has dependent revisions',
    'drop_revision of a revision another depends on is refused');
SELECT lives_ok($$SELECT migrate.drop_revision('dep1'); SELECT migrate.drop_revision('dep0')$$,
    'dropping the dependent first, then the dependency, works');

-- ---------------------------------------------------------------------
-- migrate's own queries are immune to the caller's search_path
-- ---------------------------------------------------------------------

SELECT migrate.revision('path proof', 'INSERT INTO public.trace (step) VALUES (''up k1'')',
                        'SELECT 1', id => 'k1', down_revision => '{h1}') \gset
CREATE SCHEMA evil;
CREATE FUNCTION evil.never_equal(text, text) RETURNS boolean LANGUAGE sql AS 'SELECT false';
CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.never_equal);
CREATE TABLE evil.version (revision text);
INSERT INTO evil.version VALUES ('ghost');
CREATE TABLE evil.revisions (id text);
SET LOCAL search_path = evil, pg_catalog, public;
CREATE TEMP TABLE sp_current AS
    SELECT * FROM pg_temp.rows_or_error('SELECT * FROM migrate.current()');
CREATE TEMP TABLE sp_upgrade AS
    SELECT * FROM pg_temp.rows_or_error($q$SELECT revision FROM migrate.upgrade('k1')$q$);
CREATE TEMP TABLE sp_show AS
    SELECT * FROM pg_temp.rows_or_error($q$SELECT revision FROM migrate.show('k1')$q$);
RESET search_path;
SELECT results_eq('SELECT * FROM sp_current', ARRAY['h1'],
    'current() ignores a version table and an = operator earlier on the search_path');
SELECT results_eq('SELECT * FROM sp_upgrade', ARRAY['k1'],
    'upgrade() works with a hostile search_path');
SELECT results_eq('SELECT * FROM sp_show', ARRAY['k1'],
    'show() works with a hostile search_path');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['k1'], 'current is k1');

SELECT * FROM finish();
ROLLBACK;
