-- migrate.sync(): a directory in one call, in any order; one row per file
-- and per registered revision that no file carries.
SET client_min_messages = warning;
CREATE EXTENSION migrate;
RESET client_min_messages;
\set a1 '-- migrate:revision a1\n-- migrate:message create t1\n-- migrate:upgrade\nCREATE TABLE t1 (id int);\n-- migrate:downgrade\nDROP TABLE t1;\n'
\set b2 '-- migrate:revision b2\n-- migrate:revises a1\n-- migrate:upgrade\nCREATE TABLE t2 (id int);\n-- migrate:downgrade\nDROP TABLE t2;\n'
\set c3 '-- migrate:revision c3\n-- migrate:revises b2\n-- migrate:depends-on lab\n-- migrate:upgrade\nSELECT 1;\n-- migrate:downgrade\nSELECT 1;\n'
\set d4 '-- migrate:revision d4\n-- migrate:branch-labels lab\n-- migrate:upgrade\nSELECT 2;\n-- migrate:downgrade\nSELECT 2;\n'
-- children before parents, a dependency on a label the batch declares,
-- and a file that cannot be read: the readable ones are registered
SELECT * FROM migrate.sync(ARRAY[E:'c3', E:'b2', E:'a1', E:'d4', '-- nope'],
  ARRAY['c3_x.sql', 'b2_x.sql', 'a1_x.sql', 'd4_lab.sql', 'broken.sql']);
SELECT id, down_revisions, depends_on FROM migrate.revisions ORDER BY id;
-- the same directory again changes nothing (and takes the fast path)
SELECT * FROM migrate.sync(ARRAY[E:'c3', E:'b2', E:'a1', E:'d4'], ARRAY['c3_x.sql', 'b2_x.sql', 'a1_x.sql', 'd4_lab.sql']);
-- file names are optional
SELECT * FROM migrate.sync(ARRAY[E:'a1', E:'b2', E:'c3', E:'d4']);
SELECT count(*) FROM migrate.upgrade('b2');
-- an applied file whose message changes is repaired; one whose upgrade
-- changes is refused, and what builds on it in the batch is refused too
\set a1_msg '-- migrate:revision a1\n-- migrate:message create the first table\n-- migrate:upgrade\nCREATE TABLE t1 (id int);\n-- migrate:downgrade\nDROP TABLE t1;\n'
\set b2_edit '-- migrate:revision b2\n-- migrate:revises a1\n-- migrate:upgrade\nCREATE TABLE t2 (id bigint);\n-- migrate:downgrade\nDROP TABLE t2;\n'
\set e5 '-- migrate:revision e5\n-- migrate:revises c3\n-- migrate:upgrade\nSELECT 5;\n'
\set f6 '-- migrate:revision f6\n-- migrate:revises e5\n-- migrate:upgrade\nSELECT 6;\n'
SELECT * FROM migrate.sync(ARRAY[E:'f6', E:'e5', E:'a1_msg', E:'b2', E:'c3', E:'d4'],
  ARRAY['f6.sql', 'e5.sql', 'a1.sql', 'b2.sql', 'c3.sql', 'd4.sql']);
SELECT * FROM migrate.sync(ARRAY[E:'a1_msg', E:'b2_edit'], ARRAY['a1.sql', 'b2.sql']);
-- an unapplied revision whose file changed is replaced
\set c3_new '-- migrate:revision c3\n-- migrate:revises b2\n-- migrate:depends-on lab\n-- migrate:message now with a message\n-- migrate:upgrade\nSELECT 3;\n-- migrate:downgrade\nSELECT 3;\n'
SELECT revision, status, detail FROM migrate.sync(ARRAY[E:'a1_msg', E:'b2', E:'c3_new', E:'d4', E:'e5', E:'f6']);
-- a refused file takes its descendants in the batch with it
\set g7 '-- migrate:revision g7\n-- migrate:revises f6\n-- migrate:upgrade\nSELECT * FROM no_such_table_yet(;\n'
\set h8 '-- migrate:revision h8\n-- migrate:revises g7\n-- migrate:upgrade\nSELECT 8;\n'
\set i9 '-- migrate:revision i9\n-- migrate:revises h8\n-- migrate:upgrade\nSELECT 9;\n'
SELECT revision, status, detail FROM migrate.sync(ARRAY[E:'i9', E:'h8', E:'g7', E:'a1_msg', E:'b2', E:'c3_new', E:'d4', E:'e5', E:'f6'])
  WHERE status <> 'unchanged';
-- two files with one id: both refused, and the revision is not stale
SELECT * FROM migrate.sync(ARRAY[E:'a1_msg', E:'a1_msg', E:'b2', E:'c3_new', E:'d4', E:'e5', E:'f6'],
  ARRAY['a1.sql', 'a1_copy.sql', 'b2.sql', 'c3.sql', 'd4.sql', 'e5.sql', 'f6.sql']) WHERE status <> 'unchanged';
-- revisions that name each other inside the batch
\set x1 '-- migrate:revision x1\n-- migrate:revises y2\n-- migrate:upgrade\nSELECT 1;\n'
\set y2 '-- migrate:revision y2\n-- migrate:revises x1\n-- migrate:upgrade\nSELECT 1;\n'
\set z3 '-- migrate:revision z3\n-- migrate:revises x1\n-- migrate:upgrade\nSELECT 1;\n'
SELECT revision, status, detail FROM migrate.sync(ARRAY[E:'x1', E:'y2', E:'z3', E:'a1_msg', E:'b2', E:'c3_new', E:'d4', E:'e5', E:'f6'])
  WHERE status <> 'unchanged';
-- files gone: stale; prune drops the unapplied ones children first, keeps
-- the applied ones and what a kept revision builds on
SELECT revision, status, detail FROM migrate.sync(ARRAY[E:'a1_msg', E:'b2', E:'c3_new']) WHERE status <> 'unchanged';
SELECT revision, status, detail FROM migrate.sync(ARRAY[E:'a1_msg', E:'c3_new'], prune => true) WHERE status <> 'unchanged';
-- a file that cannot be read may carry a stale revision: nothing pruned
SELECT revision, file_name, status, detail FROM migrate.sync(ARRAY[E:'a1_msg', E:'b2', E'-- migrate:revision\n'], ARRAY['a1.sql', 'b2.sql', 'c3.sql'], prune => true)
  WHERE status <> 'unchanged';
SELECT revision, status, detail FROM migrate.sync(ARRAY[E:'a1_msg', E:'b2'], prune => true) WHERE status <> 'unchanged';
SELECT id FROM migrate.revisions ORDER BY id;
SELECT * FROM migrate.current();
-- a branch label moving from one file to another registers whatever the
-- order: the file that gives it up goes first
\set m1 '-- migrate:revision m1\n-- migrate:branch-labels moving\n-- migrate:upgrade\nSELECT 1;\n'
\set m1_bare '-- migrate:revision m1\n-- migrate:upgrade\nSELECT 1;\n'
\set m2 '-- migrate:revision m2\n-- migrate:revises m1\n-- migrate:branch-labels moving\n-- migrate:upgrade\nSELECT 2;\n'
SELECT revision, status FROM migrate.sync(ARRAY[E:'a1_msg', E:'b2', E:'m1']) WHERE status <> 'unchanged';
SELECT revision, status, detail FROM migrate.sync(ARRAY[E:'m2', E:'a1_msg', E:'b2', E:'m1_bare']) WHERE status <> 'unchanged';
SELECT id, branch_labels FROM migrate.revisions WHERE id LIKE 'm%' ORDER BY id;
-- version rows the graph cannot explain do not stop a sync (check and
-- stamp --purge find and fix them); nothing is pruned meanwhile
INSERT INTO migrate.version VALUES ('ghost');
SELECT revision, status, detail FROM migrate.sync(ARRAY[E:'a1_msg', E:'b2'], prune => true) WHERE status <> 'unchanged';
DELETE FROM migrate.version WHERE revision = 'ghost';
SELECT revision, status FROM migrate.sync(ARRAY[E:'a1_msg', E:'b2'], prune => true) WHERE status <> 'unchanged';
-- bad arguments
SELECT * FROM migrate.sync(NULL);
SELECT * FROM migrate.sync(ARRAY['x', NULL]);
SELECT * FROM migrate.sync(ARRAY[E:'a1_msg'], ARRAY['a.sql', 'b.sql']);
SELECT * FROM migrate.sync(ARRAY[E:'a1_msg'], prune => NULL);
-- an empty directory: every registered revision is stale
SELECT revision, status FROM migrate.sync('{}');
-- only a role granted EXECUTE may sync
CREATE ROLE migrate_sync_nobody;
SET ROLE migrate_sync_nobody;
SELECT * FROM migrate.sync('{}');
RESET ROLE;
DROP ROLE migrate_sync_nobody;
SELECT has_function_privilege('public', 'migrate.sync(text[], text[], boolean)', 'EXECUTE') AS public_may_sync;
-- sync in a transaction that rolls back leaves nothing
\set z9 '-- migrate:revision z9\n-- migrate:upgrade\nSELECT 9;\n'
BEGIN;
SELECT revision, status FROM migrate.sync(ARRAY[E:'a1_msg', E:'b2', E:'z9']) WHERE status <> 'unchanged';
ROLLBACK;
SELECT count(*) AS revisions FROM migrate.revisions;
SET client_min_messages = warning;
SET migrate.allow_drop = on;
DROP EXTENSION migrate CASCADE;
