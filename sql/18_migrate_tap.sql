-- migrate_tap: the pgTAP assertions about migrate's revisions, each passing
-- and failing, with their TAP lines and diagnostics verbatim.
SET client_min_messages = warning;
CREATE EXTENSION migrate;
DROP ROLE IF EXISTS regress_migrate_tap;
CREATE ROLE regress_migrate_tap;

-- a deploy before the test tools exist: its commit records the schema
SELECT migrate.revision('create users', 'CREATE TABLE users (id int PRIMARY KEY, email text)',
                        'DROP TABLE users', id => 'r1');
SELECT revision FROM migrate.upgrade('r1');

-- pgtap and migrate_tap come after it, as in a database deployed for tests
CREATE EXTENSION migrate_tap CASCADE;
\pset format unaligned
\pset tuples_only on

-- every function: commented, running as its caller
SELECT p.oid::regprocedure, obj_description(p.oid, 'pg_proc') IS NOT NULL AS commented,
       p.prosecdef AS security_definer
  FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'migrate_tap')
   AND d.deptype = 'e'
 ORDER BY p.proname COLLATE "C", p.oid::regprocedure::text COLLATE "C";

SELECT * FROM no_plan();

-- ---------------------------------------------------------------------
-- migrations_no_drift
-- ---------------------------------------------------------------------

-- the test tools installed since the deploy are drift, but not for the assertion
SELECT object, change FROM migrate.drift() ORDER BY 1;
SELECT migrations_no_drift();
-- changes made by hand: each with the statement that undoes it
CREATE TABLE scratch (id int);
CREATE INDEX users_email_idx ON users (email);
SELECT migrations_no_drift('nothing changed by hand');
DROP TABLE scratch;
DROP INDEX users_email_idx;
SELECT migrations_no_drift('nothing changed by hand');
-- version rows that no commit recorded a schema for: not ok, with the error
BEGIN;
SELECT migrate.stamp('base');
SELECT migrations_no_drift();
SELECT migrate.stamp('r1');
COMMIT;

-- ---------------------------------------------------------------------
-- migrations_verify_ok
-- ---------------------------------------------------------------------

SELECT migrate.revision('add index', 'CREATE INDEX users_email_idx ON users (email)',
                        'DROP INDEX users_email_idx', id => 'r2');
SELECT migrations_verify_ok();
-- two heads grown from one revision and never merged
SELECT migrate.revision('notes', 'CREATE TABLE notes (id int PRIMARY KEY, body text)',
                        'DROP TABLE notes', down_revision => '{r1}', id => 'n1');
SELECT migrations_verify_ok('the graph is healthy');
SELECT migrate.merge(id => 'merge_1');

-- ---------------------------------------------------------------------
-- migrations_current_is
-- ---------------------------------------------------------------------

SELECT migrations_current_is('r1');
SELECT migrations_current_is('r1', 'deployed at r1');
SELECT migrations_current_is('heads');
SELECT migrations_current_is('base');
SELECT migrations_current_is(' r1 , base ', 'a list, spaces around its items');
SELECT migrations_current_is('r2, n1', 'both branches');
SELECT migrations_current_is('zz');
-- a prefix or label is resolved by migrate.show(), which reads scripts:
-- a role without SELECT on migrate.revisions gets its refusal, a full id works
SELECT revision FROM migrate.upgrade('heads');
SELECT migrations_current_is('merge');
SET ROLE regress_migrate_tap;
SELECT migrations_current_is('merge');
SELECT migrations_current_is('merge_1');
RESET ROLE;
SELECT migrations_current_is(NULL);

-- ---------------------------------------------------------------------
-- migrations_apply_ok
-- ---------------------------------------------------------------------

-- from heads: down to base first, then up again
SELECT migrations_apply_ok();
SELECT * FROM migrate.current();
SELECT revision, operation FROM migrate.log ORDER BY id DESC LIMIT 5;
SELECT count(*) FROM migrate.downgrade('base');
SELECT migrations_apply_ok('from base');
-- a failing step: not ok with the error, its SQLSTATE and where; the
-- database is left as it was
SELECT migrate.revision('bad', E'CREATE TABLE bad (id int);\nSELECT 1/0;', 'DROP TABLE bad', id => 'b1');
SELECT migrations_apply_ok();
SELECT * FROM migrate.current();
SELECT migrate.drop_revision('b1');
-- a downgrade that cannot run
SELECT migrate.revision('one way', 'CREATE TABLE oneway (id int)', id => 'w1');
SELECT revision FROM migrate.upgrade('w1');
SELECT migrations_apply_ok('one way');
SELECT * FROM migrate.current();
DROP TABLE oneway;
SELECT migrate.stamp('merge_1', purge => true);
SELECT migrate.drop_revision('w1');
-- a head that another head depends on is no version row of its own
SELECT migrate.revision('lib', 'CREATE TABLE lib (id int)', 'DROP TABLE lib',
                        down_revision => '{}', branch_labels => '{lib}', id => 'lib1');
SELECT migrate.revision('uses lib', 'CREATE TABLE lib_user (id int)', 'DROP TABLE lib_user',
                        down_revision => '{merge_1}', depends_on => '{lib1}', id => 'u1');
SELECT revision FROM migrate.heads();
SELECT migrations_apply_ok();
SELECT * FROM migrate.current();
SELECT migrations_current_is('heads');
SELECT migrations_current_is('lib1, u1', 'lib1 is implied by u1');
SELECT migrations_current_is('lib@head', 'lib alone');
DROP TABLE lib, lib_user;
SELECT migrate.stamp('merge_1', purge => true);
SELECT migrate.drop_revision('u1');
SELECT migrate.drop_revision('lib1');
-- run as the caller: a role without EXECUTE on upgrade() and downgrade()
SET ROLE regress_migrate_tap;
SELECT migrations_apply_ok();
RESET ROLE;

-- ---------------------------------------------------------------------
-- migrations_roundtrip_ok
-- ---------------------------------------------------------------------

SELECT count(*) FROM migrate.downgrade('r1');
SELECT migrations_roundtrip_ok();
SELECT migrations_roundtrip_ok('r2');
SELECT migrations_roundtrip_ok('r2', 'the index round-trips');
-- a downgrade that forgets a sequence; an upgrade that fails
SELECT migrate.revision('tickets', 'CREATE TABLE tickets (id int); CREATE SEQUENCE IF NOT EXISTS ticket_no',
                        'DROP TABLE tickets', id => 't1');
SELECT migrations_roundtrip_ok();
SELECT migrate.revision('typo', 'CREATE TABLE typo (id int)', 'DROP TABLE typo_typo', id => 't2');
SELECT migrations_roundtrip_ok('heads', 'all of it');
SELECT migrations_roundtrip_ok('nowhere');
SELECT migrations_roundtrip_ok(NULL);
SELECT * FROM migrate.current();
SELECT migrate.drop_revision('t2');
SELECT migrate.drop_revision('t1');
SELECT revision FROM migrate.upgrade('heads');

-- ---------------------------------------------------------------------
-- migration_locks_at_most
-- ---------------------------------------------------------------------

-- on top of the applied heads (committed): a new table, an index built
-- without CONCURRENTLY, a rename, a column added after the index
SELECT migrate.revision('archive', 'CREATE TABLE archive (id int PRIMARY KEY, at timestamptz)',
                        'DROP TABLE archive', id => 'k1');
SELECT migrate.revision('index archive', 'CREATE INDEX archive_at_idx ON archive (at)',
                        'DROP INDEX archive_at_idx', id => 'idx_archive');
SELECT migrate.revision('rename notes', 'ALTER TABLE notes RENAME TO memos',
                        'ALTER TABLE memos RENAME TO notes', down_revision => '{merge_1}', id => 'k3');
SELECT migrate.revision('column', 'ALTER TABLE archive ADD note text',
                        'ALTER TABLE archive DROP note', down_revision => '{idx_archive}', id => 'k4');
SELECT revision, locks FROM migrate.upgrade('k4', dry_run => true);
-- locks on relations the step creates do not count
SELECT migration_locks_at_most('k1', 'ACCESS SHARE');
SELECT migration_locks_at_most('k1', 'row exclusive', 'a new table blocks nobody');
-- the rename: the dry run names the table as it is after the step
SELECT migration_locks_at_most('k3', 'SHARE UPDATE EXCLUSIVE');
SELECT migration_locks_at_most('k3', 'AccessExclusiveLock');
-- a step after pending revisions that take the same locks: cannot judge
SELECT migration_locks_at_most('k4', 'SHARE UPDATE EXCLUSIVE');
SELECT revision FROM migrate.upgrade('k1');
SELECT migration_locks_at_most('idx_archive', 'SHARE UPDATE EXCLUSIVE');
SELECT migration_locks_at_most('idx_archive', 'share mode', 'the index build lets readers in');
-- a lock the transaction already holds above the limit: cannot judge
BEGIN;
LOCK TABLE archive IN EXCLUSIVE MODE;
SELECT migration_locks_at_most('idx_archive', 'SHARE');
COMMIT;
-- the revision must be pending; an unknown one is an error of migrate
SELECT migration_locks_at_most('k1', 'SHARE');
SELECT migration_locks_at_most('zz', 'SHARE');
-- a prefix, as current_is takes it
SELECT migration_locks_at_most('idx_arch', 'SHARE');
-- the test's own mistakes raise
SELECT migration_locks_at_most('idx_archive', 'SHARE UPDATE');
\echo :LAST_ERROR_SQLSTATE
SELECT migration_locks_at_most('idx_archive', 'SHARE UPDATE', 'described');
\echo :LAST_ERROR_SQLSTATE
SELECT migration_locks_at_most('idx_archive', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT migration_locks_at_most(NULL, 'SHARE');
\echo :LAST_ERROR_SQLSTATE
-- a role without EXECUTE on upgrade()
SET ROLE regress_migrate_tap;
SELECT migration_locks_at_most('idx_archive', 'SHARE');
RESET ROLE;
-- the lock mode in any case, and in pg_locks' spelling
SELECT migration_locks_at_most('idx_archive', 'sHARE', 'mixed case');
SELECT migration_locks_at_most('idx_archive', 'ShareLock', 'pg_locks spelling');
SELECT migration_locks_at_most('idx_archive', 'ShareUpdateExclusiveLock', 'pg_locks spelling, a weaker mode');

-- an empty target is the test's mistake, not "base"
SELECT migrations_current_is('');
\echo :LAST_ERROR_SQLSTATE
SELECT migrations_current_is('r1,');
\echo :LAST_ERROR_SQLSTATE

-- a script that empties search_path for the session (as a pg_dump'ed
-- baseline does): the assertion still finds its helpers and pgTAP
SELECT migrate.revision('empties search_path', $$SELECT pg_catalog.set_config('search_path', '', false)$$,
                        $$SELECT pg_catalog.set_config('search_path', '', false)$$,
                        id => 'sp1', down_revision => ARRAY(SELECT revision FROM migrate.heads()));
SELECT migrations_apply_ok('a script that empties search_path');
SHOW search_path;
RESET search_path;

SELECT * FROM finish();

\pset format aligned
\pset tuples_only off
SET migrate.allow_drop = on;
DROP EXTENSION migrate_tap, pgtap;
DROP EXTENSION migrate;
DROP TABLE IF EXISTS users, notes, archive;
DROP ROLE regress_migrate_tap;
