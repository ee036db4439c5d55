-- The revision graph each backend caches between calls must never be
-- stale: changes by another session, rolled-back changes (whole and
-- partial transactions), direct writes to migrate.revisions and TRUNCATE
-- all make the next call read the revisions again.
SET client_min_messages = warning;
CREATE EXTENSION migrate;
CREATE EXTENSION dblink;
SELECT migrate.revision('one', 'SELECT 1', 'SELECT 1', id => 'a1');
RESET client_min_messages;
\set VERBOSITY default
SELECT revision FROM migrate.heads();
-- another session registers a head: this backend's next call sees it
SELECT dblink_connect('other', format('host=%s port=%s dbname=%s',
         split_part(current_setting('unix_socket_directories'), ',', 1),
         current_setting('port'), current_database()));
SELECT * FROM dblink('other', $$SELECT migrate.revision('two', 'SELECT 1', 'SELECT 1', id => 'a2')$$) AS t(id text);
SELECT revision FROM migrate.heads();
-- ... but not while its transaction is open, and not after a rollback
SELECT dblink_exec('other', 'BEGIN');
SELECT * FROM dblink('other', $$SELECT migrate.revision('three', 'SELECT 1', 'SELECT 1', id => 'a3')$$) AS t(id text);
SELECT revision FROM migrate.heads();
SELECT dblink_exec('other', 'ROLLBACK');
SELECT revision FROM migrate.heads();
SELECT dblink_disconnect('other');
-- own rolled-back registration
BEGIN;
SELECT migrate.revision('three', 'SELECT 1', 'SELECT 1', id => 'a3');
SELECT revision FROM migrate.heads();
ROLLBACK;
SELECT revision FROM migrate.heads();
-- a registration rolled back with a subtransaction, then one that stays
BEGIN;
SAVEPOINT s;
SELECT migrate.revision('three', 'SELECT 1', 'SELECT 1', id => 'a3');
SELECT revision FROM migrate.heads();
ROLLBACK TO SAVEPOINT s;
SELECT revision FROM migrate.heads();
SELECT migrate.revision('four', 'SELECT 1', 'SELECT 1', id => 'a4');
COMMIT;
SELECT revision FROM migrate.heads();
SELECT gen > 0 AS generation_moved FROM migrate.graph_generation;
-- direct writes by the owner, bypassing migrate's functions
UPDATE migrate.revisions SET message = 'four, renamed' WHERE id = 'a4';
SELECT revision, message FROM migrate.heads();
DELETE FROM migrate.revisions WHERE id = 'a4';
SELECT revision FROM migrate.heads();
TRUNCATE migrate.revisions;
SELECT count(*) AS heads_after_truncate FROM migrate.heads();
SELECT migrate.stamp('base', purge => true);
-- a registration under session_replication_role = replica (replication
-- apply, some restores) still invalidates other backends' graphs
SELECT migrate.revision('five', 'SELECT 1', 'SELECT 1', id => 'a5');
SELECT revision FROM migrate.heads();
SELECT dblink_connect('other', format('host=%s port=%s dbname=%s',
         split_part(current_setting('unix_socket_directories'), ',', 1),
         current_setting('port'), current_database()));
SELECT * FROM dblink('other', $$SET session_replication_role = replica;
                                SELECT migrate.revision('six', 'SELECT 1', 'SELECT 1', id => 'a6')$$) AS t(id text);
SELECT dblink_disconnect('other');
SELECT revision FROM migrate.heads();
-- REPEATABLE READ: two registrations in one statement see each other,
-- and this transaction's own writes are no serialization failure
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT migrate.revision('seven', 'SELECT 1', 'SELECT 1', id => 'a7'),
       migrate.revision('eight', 'SELECT 1', 'SELECT 1', id => 'a8');
SELECT id, down_revisions FROM migrate.revisions WHERE id IN ('a7', 'a8') ORDER BY id;
SELECT count(*) AS steps FROM migrate.upgrade('heads');
ROLLBACK;
-- a script editing migrate.revisions is refused even when the same
-- transaction registered revisions before (the generation moved already)
BEGIN;
SELECT migrate.revision('x', 'SELECT 1', 'SELECT 1', id => 'x1');
SELECT migrate.revision('edits x1', downgrade => 'SELECT 1', id => 'x2',
  upgrade => $$UPDATE migrate.revisions SET upgrade_sql = 'SELECT 2', checksum = 'forged' WHERE id = 'x1'$$);
SELECT revision FROM migrate.upgrade('heads');
ROLLBACK;
TRUNCATE migrate.revisions;

-- registration order survives rows moving in the heap: an UPDATE puts a
-- row at the end of the table, and the build restores position order
SELECT migrate.revision('base', 'SELECT 1', 'SELECT 1', id => 'o1', down_revision => '{}');
SELECT migrate.revision('first branch', 'SELECT 1', 'SELECT 1', id => 'o2', down_revision => ARRAY['o1']);
SELECT migrate.revision('second branch', 'SELECT 1', 'SELECT 1', id => 'o3', down_revision => ARRAY['o1']);
SELECT migrate.revision('third branch', 'SELECT 1', 'SELECT 1', id => 'o4', down_revision => ARRAY['o1']);
UPDATE migrate.revisions SET message = message || ' (edited)' WHERE id IN ('o2', 'o1');
SELECT id FROM migrate.revisions;  -- heap order: moved rows last
SELECT revision, message FROM migrate.heads();  -- registration order
SELECT revision FROM migrate.history();
-- arrays as the build reads them: NULL elements (written outside
-- migrate's functions) take no place, long arrays are read in full
UPDATE migrate.revisions SET branch_labels = ARRAY[NULL, 'lab_three', NULL]::text[] WHERE id = 'o3';
UPDATE migrate.revisions
   SET branch_labels = ARRAY(SELECT 'label_' || i || repeat('x', 50) FROM generate_series(1, 40) i)
 WHERE id = 'o4';
SELECT revision, cardinality(branch_labels) AS labels, branch_labels[1] FROM migrate.heads();
SELECT (SELECT revision FROM migrate.show('lab_three')) AS by_label,
       (SELECT revision FROM migrate.show('label_40' || repeat('x', 50))) AS last_of_40;
TRUNCATE migrate.revisions;

-- a script that moves the generation inside a block it then rolls back:
-- the plan's graph, mapped from shared memory, stays mapped, and the read
-- after the rollback builds a graph instead of mapping that segment twice
SELECT migrate.revision('a', 'SELECT 1', 'SELECT 1', id => 'm1', down_revision => '{}') IS NOT NULL AS registered;
SELECT migrate.revision('b', $s$DO $$ BEGIN
  BEGIN
    UPDATE migrate.revisions SET message = message WHERE id = 'm1';
    PERFORM count(*) FROM migrate.heads();
    RAISE EXCEPTION 'undo';
  EXCEPTION WHEN raise_exception THEN NULL;
  END;
  PERFORM count(*) FROM migrate.heads();
END $$$s$, 'SELECT 1', id => 'm2') IS NOT NULL AS registered;
\c
SET client_min_messages = debug1;
SELECT revision FROM migrate.heads();
SELECT revision FROM migrate.upgrade('heads');
RESET client_min_messages;
TRUNCATE migrate.revisions;

-- the trigger function is only a trigger
SELECT migrate.revisions_changed();

DROP EXTENSION dblink;
SET migrate.allow_drop = on;
DROP EXTENSION migrate;
