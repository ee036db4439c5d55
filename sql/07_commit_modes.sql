-- Commit modes: upgrade_each/downgrade_each commit per revision and log
-- failures durably; upgrade_statements/downgrade_statements feed psql's
-- \gexec, non-transactional revisions included; upgrade_sql/downgrade_sql
-- print the offline script.
SET client_min_messages = warning;
CREATE EXTENSION migrate;
CREATE TABLE trace (n serial, op text, rev text);
CREATE FUNCTION rev(id text, parents text[], extra text DEFAULT '') RETURNS text
LANGUAGE sql AS $$
  SELECT migrate.revision('rev ' || id,
    format('INSERT INTO trace (op, rev) VALUES (%L, %L);', 'upgrade', id) || extra,
    format('INSERT INTO trace (op, rev) VALUES (%L, %L)', 'downgrade', id),
    down_revision => parents, id => id)
$$;
SELECT rev('e1', '{}'), rev('e2', '{e1}'), rev('e3', '{e2}', 'SELECT 1/0'),
       rev('e4', '{e3}');
RESET client_min_messages;
\set VERBOSITY default

-- ---------------------------------------------------------------------
-- upgrade_each: steps before the failure stay committed, the failing
-- one is rolled back and its error is logged durably
-- ---------------------------------------------------------------------
CALL migrate.upgrade_each('heads');
SELECT * FROM migrate.current();
SELECT op, rev FROM trace ORDER BY n;
SELECT revision, operation, heads_before, heads_after, sqlstate, error,
       checksum IS NOT NULL AS has_checksum
  FROM migrate.log ORDER BY id;
-- fix the revision (unapplied, so load() may replace it) and go on
SELECT migrate.load($f$-- migrate:revision e3
-- migrate:revises e2
-- migrate:message rev e3
-- migrate:upgrade
INSERT INTO trace (op, rev) VALUES ('upgrade', 'e3');
-- migrate:downgrade
INSERT INTO trace (op, rev) VALUES ('downgrade', 'e3')
$f$);
CALL migrate.upgrade_each('heads');
SELECT * FROM migrate.current();
-- downgrade_each commits per revision too
CALL migrate.downgrade_each('e2');
SELECT * FROM migrate.current();
SELECT revision, operation, heads_before, heads_after FROM migrate.log
 WHERE sqlstate IS NULL ORDER BY id;
-- relative targets are resolved once, when the call starts
CALL migrate.upgrade_each('+1');
SELECT * FROM migrate.current();
-- nothing to do is not an error
CALL migrate.upgrade_each('e3');

-- a deferred constraint a step violates fails that step, not the commit
-- after it: the step is rolled back and logged, earlier ones stay
SET client_min_messages = warning;
CREATE TABLE parent (id int PRIMARY KEY);
CREATE TABLE child (pid int REFERENCES parent DEFERRABLE INITIALLY DEFERRED);
SELECT migrate.revision('fine', 'INSERT INTO parent VALUES (1)', 'DELETE FROM parent', id => 'f1');
SELECT migrate.revision('orphan', 'INSERT INTO child VALUES (2)', 'DELETE FROM child', id => 'f2');
RESET client_min_messages;
CALL migrate.upgrade_each('heads');
SELECT * FROM migrate.current();
SELECT revision, sqlstate, error FROM migrate.log WHERE revision IN ('f1', 'f2') ORDER BY id;
SELECT count(*) AS orphans FROM child;
-- a script edited by another session between two steps stops the run:
-- f3 has a second session queue for migrate's lock to edit f4; it gets
-- the lock when f3 commits, before the step of f4 takes it again
SET client_min_messages = warning;
CREATE EXTENSION dblink;
UPDATE migrate.revisions SET upgrade_sql = 'INSERT INTO child VALUES (1)',
       checksum = encode(sha256(convert_to('INSERT INTO child VALUES (1)', 'UTF8') || '\x00'::bytea || convert_to(downgrade_sql, 'UTF8')), 'hex')
 WHERE id = 'f2';
SELECT migrate.revision('edit f4 from another session', id => 'f3', downgrade => 'SELECT 1',
  upgrade => $s$SELECT dblink_connect('editor', format('host=%s port=%s dbname=%s',
         split_part(current_setting('unix_socket_directories'), ',', 1),
         current_setting('port'), current_database()));
SELECT dblink_send_query('editor', $q$BEGIN; SELECT pg_advisory_xact_lock(1835624306, 1);
  UPDATE migrate.revisions SET upgrade_sql = 'SELECT 3', checksum = 'edited' WHERE id = 'f4'; COMMIT$q$);
DO $w$ BEGIN
  WHILE NOT EXISTS (SELECT FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
                      AND classid = 1835624306 AND objid = 1) LOOP
    PERFORM pg_sleep(0.01);
  END LOOP;
END $w$$s$);
SELECT migrate.revision('edited behind the plan', 'SELECT 4', 'SELECT 1', id => 'f4');
RESET client_min_messages;
CALL migrate.upgrade_each('heads');
SELECT * FROM migrate.current();
SELECT * FROM dblink_get_result('editor') AS t(status text);
SELECT dblink_disconnect('editor');
-- a script that writes migrate's tables itself fails its own step
SET client_min_messages = warning;
SELECT migrate.revision('writes migrate.version', id => 'f5', down_revision => '{f3}',
  upgrade => $$INSERT INTO migrate.version VALUES ('zz')$$, downgrade => 'SELECT 1');
RESET client_min_messages;
SELECT revision FROM migrate.upgrade('f5');
SELECT * FROM migrate.current();
SET client_min_messages = warning;
SELECT migrate.stamp('e4', purge => true);
DELETE FROM migrate.revisions WHERE id IN ('f1', 'f2', 'f3', 'f4', 'f5');
DROP TABLE child, parent;
RESET client_min_messages;

-- refused inside a transaction block and from a function
BEGIN;
CALL migrate.upgrade_each('heads');
ROLLBACK;
CREATE FUNCTION deploy() RETURNS void LANGUAGE plpgsql AS $$
BEGIN CALL migrate.upgrade_each('heads'); END $$;
SELECT deploy();
DROP FUNCTION deploy();
-- a top-level DO block may commit, so the procedure runs there
DO $$ BEGIN CALL migrate.upgrade_each('heads'); END $$;
SELECT * FROM migrate.current();
CALL migrate.upgrade_each(NULL);
CALL migrate.downgrade_each('nope');

-- ---------------------------------------------------------------------
-- statements for \gexec
-- ---------------------------------------------------------------------
SET client_min_messages = warning;
SELECT migrate.revision('index concurrently', id => 'c1', transactional => false,
  upgrade => $u$CREATE INDEX CONCURRENTLY trace_rev_idx ON trace (rev);
-- a comment; and a semicolon in it
COMMENT ON INDEX trace_rev_idx IS 'made by c1; concurrently'$u$,
  downgrade => 'DROP INDEX CONCURRENTLY trace_rev_idx');
SELECT rev('c2', '{c1}');
RESET client_min_messages;
SELECT * FROM migrate.upgrade_statements('heads');
-- upgrade() still refuses the non-transactional revision, before anything runs
SELECT revision FROM migrate.upgrade('heads');
SELECT * FROM migrate.current();
-- while another session is inside a non-transactional step, nobody else
-- may start one; its lock goes away with the session
SELECT dblink_connect('other', format('host=%s port=%s dbname=%s',
         split_part(current_setting('unix_socket_directories'), ',', 1),
         current_setting('port'), current_database()));
SELECT * FROM dblink('other', $$SET client_min_messages = warning;
                                SELECT migrate.begin_step('c1', 'upgrade')$$) AS t(step text);
SELECT migrate.begin_step('c1', 'upgrade');
SELECT dblink_disconnect('other');
DO $$ BEGIN
  WHILE EXISTS (SELECT FROM pg_locks WHERE locktype = 'advisory'
                   AND classid = 1835624306 AND objid = 2 AND objsubid = 2) LOOP
    PERFORM pg_sleep(0.01);
  END LOOP;
END $$;
-- psql runs the plan; CREATE INDEX CONCURRENTLY at top level
SELECT * FROM migrate.upgrade_statements('heads') \gexec
SELECT * FROM migrate.current();
SELECT indisvalid, obj_description(indexrelid) FROM pg_index
 WHERE indexrelid = 'trace_rev_idx'::regclass;
SELECT l.revision, l.operation, l.heads_before, l.heads_after,
       l.checksum = r.checksum AS checksum_recorded
  FROM migrate.log l JOIN migrate.revisions r ON r.id = l.revision
 WHERE l.revision IN ('c1', 'c2') ORDER BY l.id;
-- nothing left to do
SELECT count(*) FROM migrate.upgrade_statements('heads');
SELECT * FROM migrate.downgrade_statements('e4');
SELECT * FROM migrate.downgrade_statements('e4') \gexec
SELECT * FROM migrate.current();
SELECT count(*) AS index_left FROM pg_class WHERE relname = 'trace_rev_idx';

-- the bookkeeping calls check every step against the version table
SELECT migrate.apply_step('e4', 'upgrade');
SELECT migrate.apply_step('c2', 'upgrade');
SELECT migrate.apply_step('e1', 'downgrade');
SELECT migrate.apply_step('nope', 'upgrade');
SELECT migrate.apply_step('e4', 'sideways');
SELECT migrate.apply_step('c1', 'upgrade');
SELECT migrate.begin_step('e4', 'downgrade');
SELECT migrate.begin_step('c1', 'upgrade', 'not the checksum');
SELECT migrate.end_step('c2', 'upgrade');
-- end_step records only what this session's begin_step started
SELECT migrate.end_step('c1', 'upgrade');
SELECT migrate.apply_step('e4', 'downgrade', (SELECT checksum FROM migrate.revisions WHERE id = 'e4'));
SELECT * FROM migrate.current();
SELECT migrate.downgrade_sql('e1');
-- a plan through an irreversible revision is refused up front
SELECT migrate.revision('one way', 'SELECT 1', NULL, id => 'ow', down_revision => '{e3}');
SELECT migrate.apply_step('ow', 'upgrade');
SELECT * FROM migrate.downgrade_statements('base');

-- ---------------------------------------------------------------------
-- offline SQL
-- ---------------------------------------------------------------------
SELECT migrate.downgrade_sql('e2');
SELECT migrate.upgrade_sql('c2', from_revision => 'e4');
SELECT migrate.upgrade_sql('e2', from_revision => 'base');
-- several starting rows, separated by commas
SELECT migrate.revision('side', 'SELECT 1', 'SELECT 1', id => 's1', down_revision => '{}');
SELECT migrate.upgrade_sql('heads', from_revision => 'ow, s1');
SELECT migrate.upgrade_sql('heads', from_revision => ' ');
SELECT migrate.upgrade_sql('heads', from_revision => 'nope');
-- a script whose last statement ends in a comment gets its terminator
SELECT migrate.revision('trailing comment', id => 'tc', down_revision => '{}',
  upgrade => 'SELECT 1 -- done;', downgrade => 'SELECT 2; -- done');
SELECT migrate.upgrade_sql('tc', from_revision => 'base');
SELECT migrate.downgrade_sql('base', from_revision => 'tc');
-- a message cannot end the comment it is printed in
SELECT migrate.revision(E'line one\n\\! touch /tmp/pwned\nDROP TABLE trace;', id => 'nl',
  down_revision => '{}', upgrade => 'SELECT 1', downgrade => 'SELECT 1');
SELECT line FROM regexp_split_to_table(migrate.upgrade_sql('nl', from_revision => 'base'), E'\n') AS line
 WHERE line LIKE '%line one%' OR line LIKE '%pwned%' OR line LIKE 'DROP%';
SELECT * FROM migrate.current();

DROP TABLE trace;
DROP FUNCTION rev(text, text[], text);
DROP EXTENSION dblink;
SET migrate.allow_drop = on;
DROP EXTENSION migrate;
