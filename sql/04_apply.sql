-- Applying: execution order across branches, merges and depends_on,
-- version rows after each command, the log, errors and atomicity.
SET client_min_messages = warning;
CREATE EXTENSION migrate;
CREATE TABLE trace (n serial, op text, rev text);
CREATE FUNCTION rev(id text, parents text[], deps text[] DEFAULT NULL) RETURNS text
LANGUAGE sql AS $$
  SELECT migrate.revision('rev ' || id,
    format('INSERT INTO trace (op, rev) VALUES (%L, %L)', 'upgrade', id),
    format('INSERT INTO trace (op, rev) VALUES (%L, %L)', 'downgrade', id),
    down_revision => parents, id => id, depends_on => deps)
$$;
-- ma - mb -+- mc1 ------+- mm - mn      merge listing (mc1, md2)
--          +- mc2 - md2 +
SELECT rev('ma', '{}'), rev('mb', '{ma}'), rev('mc1', '{mb}'), rev('mc2', '{mb}'),
       rev('md2', '{mc2}'), rev('mm', '{mc1,md2}'), rev('mn', '{mm}');
RESET client_min_messages;
\set VERBOSITY default

-- the last listed parent's branch runs first
SELECT revision, operation, message FROM migrate.upgrade('head');
SELECT * FROM migrate.current();
SELECT revision, operation, heads_before, heads_after FROM migrate.log ORDER BY id;
-- downgrading to one parent of the merge leaves both parents
SELECT revision FROM migrate.downgrade('mc1');
SELECT * FROM migrate.current();
-- to an ancestor of one parent also removes that part
SELECT revision FROM migrate.downgrade('mc2');
SELECT * FROM migrate.current();
SELECT revision FROM migrate.downgrade('base');
SELECT * FROM migrate.current();

-- depends_on: a second root depending on mc2
SELECT rev('d1', '{}', '{mc2}'), rev('d2', '{d1}');
SELECT revision FROM migrate.upgrade('d2');
SELECT * FROM migrate.current();
-- downgrading below a dependency takes the dependents down first
SELECT revision FROM migrate.downgrade('mb');
SELECT * FROM migrate.current();
SELECT revision FROM migrate.downgrade('base');

-- a failing script: its SQLSTATE and message, a context naming the
-- revision and statement, and nothing applied or recorded
SELECT migrate.revision('breaks', E'CREATE TABLE t1 (a int);\n\nSELECT 1/0;', 'DROP TABLE t1',
                        down_revision => '{d2}', id => 'bad');
SELECT count(*) AS log_rows FROM migrate.log \gset
SELECT revision FROM migrate.upgrade('bad');
SELECT * FROM migrate.current();
SELECT count(*) = :log_rows AS log_unchanged FROM migrate.log;
SELECT to_regclass('t1') IS NULL AS t1_absent;

-- a script may not call migrate itself
SELECT migrate.drop_revision('bad');
SELECT migrate.load($f$-- migrate:revision selfcall
-- migrate:revises d2
-- migrate:upgrade
SELECT * FROM migrate.upgrade('heads');
$f$);
SELECT revision FROM migrate.upgrade('selfcall');
SELECT migrate.drop_revision('selfcall');

-- downgrading through an irreversible revision is refused before anything runs
SELECT migrate.revision('one way', 'CREATE TABLE oneway (a int)', NULL,
                        down_revision => '{d2}', id => 'irr');
SELECT migrate.revision('after', 'SELECT 1', 'SELECT 1', down_revision => '{irr}', id => 'aft');
SELECT revision FROM migrate.upgrade('aft');
SELECT revision FROM migrate.downgrade('d2');
SELECT * FROM migrate.current();
SELECT revision FROM migrate.downgrade('irr');

-- a non-transactional revision is refused before anything runs
SELECT migrate.revision('concurrently', 'CREATE INDEX CONCURRENTLY ON oneway (a)', 'DROP INDEX oneway_a_idx',
                        down_revision => '{aft}', id => 'conc', transactional => false);
SELECT revision FROM migrate.upgrade('conc');
SELECT * FROM migrate.current();

-- the checksum of a step is the revision's
SELECT l.checksum = r.checksum AS checksum_matches
  FROM migrate.log l JOIN migrate.revisions r ON r.id = l.revision
 WHERE l.revision = 'aft' AND l.operation = 'upgrade';

-- an unknown version row stops everything but stamp with purge
INSERT INTO migrate.version VALUES ('ghost');
SELECT revision FROM migrate.upgrade('heads');
SELECT * FROM migrate.stamp('heads');
SELECT * FROM migrate.stamp('d2', purge => true);

SELECT op, rev FROM trace ORDER BY n;
SET migrate.allow_drop = on;
DROP EXTENSION migrate;
DROP TABLE trace, oneway;
DROP FUNCTION rev(text, text[], text[]);
