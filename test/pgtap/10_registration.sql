-- 10_registration.sql: revision(), merge(), load() and drop_revision(),
-- and the validation that refuses a revision before it is stored.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION migrate;

SELECT plan(77);

\ir helpers.psql

-- ---------------------------------------------------------------------
-- revision(): generated ids and the down_revision / head rules
-- ---------------------------------------------------------------------

SELECT migrate.revision('first revision',
                        'CREATE TABLE reg_first (id int)',
                        'DROP TABLE reg_first') AS gen1 \gset

SELECT matches(:'gen1'::text, '^[0-9a-f]{12}$',
    'revision() without id generates 12 lowercase hex characters');
SELECT is((SELECT down_revisions FROM migrate.revisions WHERE id = :'gen1'::text),
    '{}'::text[],
    'down_revision NULL on an empty graph makes a root');
SELECT matches((SELECT checksum FROM migrate.revisions WHERE id = :'gen1'::text),
    '^[0-9a-f]{64}$',
    'the checksum is a sha256 in hex');

SELECT migrate.revision('second revision',
                        'CREATE TABLE reg_second (id int)',
                        'DROP TABLE reg_second') AS gen2 \gset

SELECT isnt(:'gen2'::text, :'gen1'::text, 'a second generated id differs from the first');
SELECT is((SELECT down_revisions FROM migrate.revisions WHERE id = :'gen2'::text),
    ARRAY[:'gen1'::text],
    'down_revision NULL goes on top of the single head');

-- every parameter at once
SELECT is(migrate.revision(
        message => 'all parameters',
        upgrade => 'CREATE TABLE reg_trunk (id int)',
        downgrade => 'DROP TABLE reg_trunk',
        down_revision => ARRAY[:'gen2'::text],
        id => 'trunk1',
        branch_labels => ARRAY['trunk'],
        depends_on => ARRAY[:'gen1'::text],
        head => NULL,
        transactional => false),
    'trunk1',
    'revision() with every parameter returns the given id');
SELECT results_eq(
    $$SELECT down_revisions, depends_on, branch_labels, message, upgrade_sql,
             downgrade_sql, transactional
        FROM migrate.revisions WHERE id = 'trunk1'$$,
    format($$VALUES (ARRAY[%L]::text[], ARRAY[%L]::text[], ARRAY['trunk']::text[],
                     'all parameters'::text, 'CREATE TABLE reg_trunk (id int)'::text,
                     'DROP TABLE reg_trunk'::text, false)$$, :'gen2'::text, :'gen1'::text),
    'every parameter is stored as given');

-- give trunk1 a transactional twin so the graph can be applied later
SELECT is(migrate.revision('left one', 'CREATE TABLE reg_left1 (id int)',
        'DROP TABLE reg_left1', down_revision => ARRAY['trunk1'], id => 'left1',
        branch_labels => ARRAY['left']),
    'left1', 'a labelled branch off trunk1');
SELECT is(migrate.revision('right one', 'CREATE TABLE reg_right1 (id int)',
        'DROP TABLE reg_right1', down_revision => ARRAY['trunk1'], id => 'right1',
        branch_labels => ARRAY['right']),
    'right1', 'a second labelled branch off trunk1');

SELECT throws_ok(
    $$SELECT migrate.revision('ambiguous', 'SELECT 1')$$,
    '55000', 'multiple head revisions are present',
    'several heads and neither down_revision nor head is an error');

SELECT is(migrate.revision('left two', 'CREATE TABLE reg_left2 (id int)',
        'DROP TABLE reg_left2', id => 'left2', head => 'left@head'),
    'left2', 'head => label@head registers on that branch');
SELECT is((SELECT down_revisions FROM migrate.revisions WHERE id = 'left2'),
    ARRAY['left1'], 'head => left@head: the down revision is the head of branch left');

SELECT is(migrate.revision('right two', 'SELECT 1', 'SELECT 1',
        id => 'right2', head => 'right@head'),
    'right2', 'head => right@head registers on the other branch');
SELECT is((SELECT down_revisions FROM migrate.revisions WHERE id = 'right2'),
    ARRAY['right1'], 'head => right@head: the down revision is right1');

SELECT is(migrate.revision('new root', 'CREATE TABLE reg_root2 (id int)',
        'DROP TABLE reg_root2', id => 'root2', head => 'base'),
    'root2', 'head => base is accepted with several heads');
SELECT is((SELECT down_revisions FROM migrate.revisions WHERE id = 'root2'),
    '{}'::text[], 'head => base starts a new root');

SELECT is(migrate.revision('explicit root', 'SELECT 1', 'SELECT 1',
        down_revision => '{}', id => 'root3'),
    'root3', 'down_revision => {} is accepted with several heads');
SELECT is((SELECT down_revisions FROM migrate.revisions WHERE id = 'root3'),
    '{}'::text[], 'down_revision => {} makes a root explicitly');

SELECT throws_ok(
    $$SELECT migrate.revision('both', 'SELECT 1', down_revision => ARRAY['left2'],
                              head => 'right@head')$$,
    '22023', 'down_revision and head cannot both be given',
    'down_revision and head together are refused');

-- ---------------------------------------------------------------------
-- merge()
-- ---------------------------------------------------------------------

SELECT is(migrate.merge(ARRAY['root2', 'root3'], 'join the roots', 'mroots'),
    'mroots', 'merge() with revisions, message and id returns the id');
SELECT results_eq(
    $$SELECT down_revisions, message, upgrade_sql, downgrade_sql
        FROM migrate.revisions WHERE id = 'mroots'$$,
    $$VALUES (ARRAY['root2', 'root3']::text[], 'join the roots'::text, ''::text, ''::text)$$,
    'an explicit merge lists the given parents in order, with empty scripts');

-- heads now: left2, right2, mroots (registration order)
SELECT migrate.merge() AS mall \gset
SELECT matches(:'mall'::text, '^[0-9a-f]{12}$', 'merge() without id generates an id');
SELECT results_eq(
    format($$SELECT down_revisions, upgrade_sql, downgrade_sql
               FROM migrate.revisions WHERE id = %L$$, :'mall'::text),
    $$VALUES (ARRAY['left2', 'right2', 'mroots']::text[], ''::text, ''::text)$$,
    'merge() without arguments merges every head, in registration order');
SELECT isnt((SELECT message FROM migrate.revisions WHERE id = :'mall'::text), NULL,
    'merge() without a message gets a generated message');
SELECT results_eq('SELECT revision FROM migrate.heads()', ARRAY[:'mall'::text],
    'after the merge there is a single head');
SELECT throws_ok(
    $$SELECT migrate.merge()$$,
    '55000', 'a merge needs at least two revisions',
    'merge() with a single head is refused');
SELECT throws_ok(
    $$SELECT migrate.merge(ARRAY['left1', 'nosuchrev'])$$,
    '42704', 'revision "nosuchrev" does not exist',
    'merge() of an unknown revision is refused');

-- ---------------------------------------------------------------------
-- load(): the file format
-- ---------------------------------------------------------------------

-- two files loaded more than once below
CREATE FUNCTION pg_temp.ld_root_file() RETURNS text LANGUAGE sql AS $$
    SELECT $f$-- migrate:revision ld_root
-- migrate:message Loaded root
-- migrate:branch-labels loaded
-- migrate:upgrade
CREATE TABLE ld_root_t (id int);
INSERT INTO trace (step) VALUES ('up ld_root');
-- migrate:downgrade
DROP TABLE ld_root_t;
INSERT INTO trace (step) VALUES ('down ld_root');
$f$
$$;
CREATE FUNCTION pg_temp.ld_merge_file() RETURNS text LANGUAGE sql AS $$
    SELECT $f$-- migrate:revision ld_merge
-- migrate:revises ld_root, ld_side
-- migrate:message Loaded merge with a dependency
-- migrate:branch-labels lm_one, lm_two
-- migrate:depends-on trunk
-- migrate:transactional false
-- migrate:upgrade
CREATE INDEX CONCURRENTLY ld_merge_idx ON ld_root_t (id);
-- migrate:downgrade
DROP INDEX CONCURRENTLY ld_merge_idx;
$f$
$$;

SELECT is(migrate.load(pg_temp.ld_root_file()), 'ld_root',
    'load() returns the id of the revision in the file');
SELECT results_eq(
    $$SELECT down_revisions, branch_labels, message, transactional,
             downgrade_sql IS NOT NULL
        FROM migrate.revisions WHERE id = 'ld_root'$$,
    $$VALUES ('{}'::text[], ARRAY['loaded']::text[], 'Loaded root'::text, true, true)$$,
    'a file without revises is a root; labels, message and the downgrade are stored');
SELECT ok((SELECT upgrade_sql LIKE 'CREATE TABLE ld_root_t (id int);%'
                  AND upgrade_sql NOT LIKE '%migrate:%'
             FROM migrate.revisions WHERE id = 'ld_root'),
    'the upgrade section holds the SQL between the section lines');

SELECT is(migrate.load($f$-- migrate:revision ld_side
-- migrate:revises base
-- migrate:upgrade
CREATE TABLE ld_side_t (id int);
-- migrate:downgrade
DROP TABLE ld_side_t;
$f$), 'ld_side', 'load() with revises base');
SELECT is((SELECT down_revisions FROM migrate.revisions WHERE id = 'ld_side'),
    '{}'::text[], 'revises base makes a root');

SELECT is(migrate.load(pg_temp.ld_merge_file()), 'ld_merge',
    'load() of a file using every directive');
SELECT results_eq(
    $$SELECT down_revisions, branch_labels, transactional
        FROM migrate.revisions WHERE id = 'ld_merge'$$,
    $$VALUES (ARRAY['ld_root', 'ld_side']::text[], ARRAY['lm_one', 'lm_two']::text[], false)$$,
    'revises "a, b" gives two down revisions; branch-labels a list; transactional false');
SELECT ok((SELECT depends_on IN (ARRAY['trunk1'], ARRAY['trunk'])
             FROM migrate.revisions WHERE id = 'ld_merge'),
    'depends-on naming a branch label is accepted and refers to the labelled revision');
SELECT is((SELECT depends_on FROM migrate.show('ld_merge')), ARRAY['trunk1'],
    'show() resolves a depends-on label to the labelled revision id');

SELECT is(migrate.load($f$-- migrate:revision ld_irrev
-- migrate:revises ld_side
-- migrate:upgrade
INSERT INTO trace (step) VALUES ('up ld_irrev');
$f$), 'ld_irrev', 'load() of a file without a downgrade section');
SELECT is((SELECT downgrade_sql FROM migrate.revisions WHERE id = 'ld_irrev'),
    NULL, 'a missing downgrade section makes the revision irreversible (NULL)');

SELECT is(migrate.load($f$-- migrate:revision ld_noop
-- migrate:revises ld_irrev
-- migrate:upgrade
INSERT INTO trace (step) VALUES ('up ld_noop');
-- migrate:downgrade
$f$), 'ld_noop', 'load() of a file with an empty downgrade section');
SELECT is((SELECT btrim(downgrade_sql, E' \n') FROM migrate.revisions WHERE id = 'ld_noop'),
    '', 'an empty downgrade section is a reversible no-op (empty, not NULL)');

-- loading the same file again
SELECT results_eq(
    $$SELECT migrate.load(pg_temp.ld_root_file())$$,
    ARRAY['ld_root'],
    'loading the same file twice returns its id');
SELECT is((SELECT count(*)::int FROM migrate.revisions WHERE id = 'ld_root'), 1,
    'loading the same file twice registers it once');
CREATE TEMP TABLE before_reload AS
    SELECT checksum, position, created_at FROM migrate.revisions WHERE id = 'ld_root';
SELECT lives_ok($$SELECT migrate.load(pg_temp.ld_root_file())$$,
    'a third identical load succeeds');
SELECT results_eq(
    $$SELECT checksum, position, created_at FROM migrate.revisions WHERE id = 'ld_root'$$,
    $$SELECT checksum, position, created_at FROM before_reload$$,
    'loading the same file again leaves the stored revision untouched');

-- changed scripts for an unapplied revision replace them
SELECT (SELECT checksum FROM migrate.revisions WHERE id = 'ld_side') AS side_sum \gset
SELECT is(migrate.load($f$-- migrate:revision ld_side
-- migrate:revises base
-- migrate:upgrade
CREATE TABLE ld_side_t (id int, note text);
-- migrate:downgrade
DROP TABLE ld_side_t;
$f$), 'ld_side', 'load() of changed scripts for an unapplied revision');
SELECT is((SELECT upgrade_sql FROM migrate.revisions WHERE id = 'ld_side'),
    'CREATE TABLE ld_side_t (id int, note text);',
    'the changed upgrade script replaced the stored one');
SELECT isnt((SELECT checksum FROM migrate.revisions WHERE id = 'ld_side'), :'side_sum'::text,
    'the checksum follows the replaced scripts');

-- a file whose depends-on names a label reloads as a no-op too
SELECT (SELECT position FROM migrate.revisions WHERE id = 'ld_merge') AS merge_pos \gset
SELECT is(migrate.load(pg_temp.ld_merge_file()), 'ld_merge',
    'reloading the file using every directive');
SELECT is((SELECT position FROM migrate.revisions WHERE id = 'ld_merge'), :'merge_pos'::bigint,
    'reloading an unchanged file with a label in depends-on keeps the stored revision');

-- a changed revises line for an unapplied revision replaces its parents
SELECT is(migrate.load($f$-- migrate:revision ld_irrev
-- migrate:revises ld_root
-- migrate:upgrade
INSERT INTO trace (step) VALUES ('up ld_irrev');
$f$), 'ld_irrev', 'load() of ld_irrev with a different revises line');
SELECT is((SELECT down_revisions FROM migrate.revisions WHERE id = 'ld_irrev'),
    ARRAY['ld_root'], 'the new revises line replaced the down revisions');

-- a file with Windows line endings
SELECT is(migrate.load(E'-- migrate:revision ld_crlf\r\n-- migrate:message windows\r\n-- migrate:upgrade\r\nCREATE TABLE ld_crlf_t (id int);\r\n-- migrate:downgrade\r\nDROP TABLE ld_crlf_t;\r\n'),
    'ld_crlf', 'load() accepts CRLF line endings');
SELECT results_eq($$SELECT message, upgrade_sql, downgrade_sql FROM migrate.revisions WHERE id = 'ld_crlf'$$,
    $$VALUES ('windows'::text, 'CREATE TABLE ld_crlf_t (id int);'::text, 'DROP TABLE ld_crlf_t;'::text)$$,
    'CRLF: the directives and sections are read without the carriage returns');

-- changed scripts for an applied revision are refused
SELECT results_eq($$SELECT revision FROM migrate.upgrade('ld_root')$$, ARRAY['ld_root'],
    'apply ld_root');
SELECT throws_ok(
    $$SELECT migrate.load(replace(pg_temp.ld_root_file(),
                                  '(id int)', '(id int, changed int)'))$$,
    '55000', 'revision "ld_root" is applied and its file changes its upgrade script',
    'changed scripts for an applied revision are refused, naming it');
SELECT lives_ok($$SELECT migrate.load(pg_temp.ld_root_file())$$,
    'the unchanged file of an applied revision still loads (no-op)');

-- file format errors
SELECT throws_ok(
    $$SELECT migrate.load(E'-- migrate:revision ld_bad\n-- migrate:frobnicate yes\n-- migrate:upgrade\nSELECT 1;\n')$$,
    '42601', 'invalid revision file at line 2',
    'an unknown directive is an error naming its line');
SELECT throws_ok(
    $$SELECT migrate.load(E'-- migrate:revision ld_bad\n-- migrate:message one\n-- migrate:message two\n-- migrate:upgrade\nSELECT 1;\n')$$,
    '42601', 'invalid revision file at line 3',
    'a duplicate directive is an error naming its line');
SELECT throws_ok(
    $$SELECT migrate.load(E'-- migrate:message no id\n-- migrate:revision ld-bad\n-- migrate:upgrade\nSELECT 1;\n')$$,
    '42601', 'invalid revision file at line 2',
    'a malformed id is an error naming its line');
SELECT throws_ok(
    $$SELECT migrate.load(E'-- migrate:revision ld_bad\n-- migrate:message no upgrade\n')$$,
    '42601', 'invalid revision file at line 2',
    'a file without an upgrade section is refused');

-- ---------------------------------------------------------------------
-- drop_revision()
-- ---------------------------------------------------------------------

SELECT lives_ok($$SELECT migrate.drop_revision('ld_noop')$$,
    'drop_revision() of an unapplied leaf succeeds');
SELECT is((SELECT count(*)::int FROM migrate.revisions WHERE id = 'ld_noop'), 0,
    'the dropped revision is gone');
SELECT throws_ok($$SELECT migrate.drop_revision('ld_root')$$,
    '55000', 'revision "ld_root" is applied',
    'drop_revision() of an applied revision is refused');
SELECT throws_ok($$SELECT migrate.drop_revision('ld_side')$$,
    '2BP01', 'revision "ld_side" has dependent revisions',
    'drop_revision() of a revision with children is refused');
SELECT throws_ok($$SELECT migrate.drop_revision('trunk1')$$,
    '2BP01', 'revision "trunk1" has dependent revisions',
    'drop_revision() of a revision others build on or depend on is refused');
SELECT throws_ok($$SELECT migrate.drop_revision('nosuchrev')$$,
    '42704', 'revision "nosuchrev" does not exist',
    'drop_revision() of an unknown revision is refused');

-- ---------------------------------------------------------------------
-- validation at registration
-- ---------------------------------------------------------------------

SELECT throws_ok($$SELECT migrate.revision('x', 'SELECT 1', id => 'bad-id', down_revision => '{}')$$,
    '22023', 'revision id "bad-id" is not valid',
    'an id with a character outside [A-Za-z0-9_] is refused');
SELECT throws_ok(format($$SELECT migrate.revision('x', 'SELECT 1', id => %L, down_revision => '{}')$$,
                        repeat('a', 65)),
    '22023', format('revision id "%s" is not valid', repeat('a', 65)),
    'an id longer than 64 characters is refused');
SELECT throws_ok($$SELECT migrate.revision('x', 'SELECT 1', id => 'left1', down_revision => '{}')$$,
    '42710', 'revision "left1" already exists',
    'a duplicate id is refused');
SELECT throws_ok($$SELECT migrate.revision('x', 'SELECT 1', id => 'orphan', down_revision => ARRAY['nosuchrev'])$$,
    '42704', 'down revision "nosuchrev" of revision "orphan" does not exist',
    'an unknown down revision is refused');
SELECT throws_ok($$SELECT migrate.revision('x', 'SELECT 1', id => 'needy', down_revision => '{}',
                                         depends_on => ARRAY['nosuchrev'])$$,
    '42704', 'dependency "nosuchrev" of revision "needy" does not exist',
    'an unknown depends_on is refused');
SELECT throws_ok($$SELECT migrate.revision('x', 'SELECT 1', id => 'copycat', down_revision => '{}',
                                         branch_labels => ARRAY['left'])$$,
    '42710', 'branch label "left" is already used by revision "left1"',
    'a branch label used twice is refused');
SELECT throws_ok($$SELECT migrate.revision('x', 'SELECT 1', id => 'lblid', down_revision => '{}',
                                         branch_labels => ARRAY['right2'])$$,
    '42710', 'branch label "right2" equals the id of revision "right2"',
    'a branch label equal to a revision id is refused');
SELECT throws_ok($$SELECT migrate.revision('x', 'COMMIT', id => 'txctl', down_revision => '{}')$$,
    '2D000', 'upgrade script of revision "txctl" contains transaction control',
    'transaction control in an upgrade script is refused');
SELECT throws_ok($$SELECT migrate.revision('x', 'SELECT 1', 'BEGIN; DROP TABLE t; COMMIT;',
                                         id => 'txctl2', down_revision => '{}')$$,
    '2D000', 'downgrade script of revision "txctl2" contains transaction control',
    'transaction control in a downgrade script is refused');
SELECT throws_ok($$SELECT migrate.revision('x', 'CREAT TABLE oops (id int)', id => 'syntax', down_revision => '{}')$$,
    '42601', 'syntax error at or near "CREAT"',
    'a syntax error in a script is refused at registration');
SELECT is((SELECT count(*)::int FROM migrate.revisions
            WHERE id IN ('bad-id', 'orphan', 'needy', 'copycat', 'lblid', 'txctl', 'txctl2', 'syntax')),
    0, 'no refused revision was stored');

SELECT * FROM finish();
ROLLBACK;
