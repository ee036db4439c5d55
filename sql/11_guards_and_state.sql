-- Stamps that keep every target, status() on a broken version table, one
-- rule for NULL arguments, history ranges, the guard against dropping the
-- history, who may read scripts, misspelt settings, volatility.
SET client_min_messages = warning;
CREATE EXTENSION migrate;
RESET client_min_messages;
\set VERBOSITY default
SET client_min_messages = warning;

-- a <- b <- c; r a second root depending on b, labelled rep; s on rep@head
SELECT migrate.revision('a', 'SELECT 1', 'SELECT 1', id => 'a');
SELECT migrate.revision('b', 'SELECT 1', 'SELECT 1', id => 'b');
SELECT migrate.revision('c', 'SELECT 1', 'SELECT 1', id => 'c');
SELECT migrate.revision('r', 'SELECT 1', 'SELECT 1', id => 'r', down_revision => '{}',
                        depends_on => '{b}', branch_labels => '{rep}');
SELECT migrate.revision('s', 'SELECT 1', 'SELECT 1', id => 's', head => 'rep@head');
SELECT revision FROM migrate.upgrade('c');
SELECT revision FROM migrate.upgrade('rep@head');
SELECT * FROM migrate.current();
-- every target is a version row afterwards, as from an empty table
SELECT * FROM migrate.stamp(ARRAY['c', 'r']);
SELECT * FROM migrate.stamp('base');
SELECT * FROM migrate.stamp(ARRAY['c', 'r']);
-- a target and its descendant, from a row of one of them
SELECT * FROM migrate.stamp('a');
SELECT * FROM migrate.stamp(ARRAY['a', 'b']);
-- the log names what the targets resolved to
SELECT * FROM migrate.stamp('rep@head');
SELECT * FROM migrate.stamp('heads');
SELECT * FROM migrate.stamp('rep@base');
SELECT revision, heads_before, heads_after FROM migrate.log WHERE operation = 'stamp' ORDER BY id;

-- status() shows a version table that no plan can be made from
INSERT INTO migrate.version VALUES ('ghost');
SELECT * FROM migrate.status();
SELECT * FROM migrate.verify();
DELETE FROM migrate.version WHERE revision = 'ghost';
SELECT * FROM migrate.stamp(ARRAY['a', 'c']);
SELECT * FROM migrate.status();
SELECT * FROM migrate.stamp('c', purge => true);
SELECT * FROM migrate.status();

-- NULL: an error naming the argument, unless NULL has a documented meaning
SELECT * FROM migrate.upgrade('heads', dry_run => NULL);
SELECT * FROM migrate.downgrade('base', NULL);
SELECT * FROM migrate.stamp('c', purge => NULL);
SELECT * FROM migrate.stamp(ARRAY['c'], NULL);
SELECT migrate.revision('t', 'SELECT 1', transactional => NULL);
SELECT migrate.revision(NULL, 'SELECT 1', 'SELECT 1', down_revision => '{c}', id => 'no_message');
SELECT id, message FROM migrate.revisions WHERE id = 'no_message';
SELECT migrate.drop_revision('no_message');

-- history ranges have a colon; NULL is the whole history
SELECT count(*) FROM migrate.history(NULL);
SELECT * FROM migrate.history('');
SELECT * FROM migrate.history('b');
SELECT revision FROM migrate.history(':b');
SELECT revision FROM migrate.history('b:');
-- a range that crosses a dependency: both ends follow dependencies
SELECT migrate.revision('x', 'SELECT 1', 'SELECT 1', id => 'hx', down_revision => '{a}');
SELECT migrate.revision('h2', 'SELECT 1', 'SELECT 1', id => 'h2', down_revision => '{}', depends_on => '{hx}');
SELECT revision FROM migrate.history('a:h2');
SELECT migrate.drop_revision('h2'), migrate.drop_revision('hx');

-- dropping the extension while migrate.version has rows is refused
RESET client_min_messages;
DROP EXTENSION migrate;
DROP SCHEMA migrate CASCADE;
SELECT count(*) AS still_there FROM pg_extension WHERE extname = 'migrate';
-- DROP SCHEMA without CASCADE fails on its own; other drops are untouched
\set VERBOSITY terse
DROP SCHEMA migrate;
\set VERBOSITY default
CREATE SCHEMA regress_other;
DROP SCHEMA regress_other CASCADE;

-- who may read script text
CREATE ROLE regress_migrate_reader;
SET ROLE regress_migrate_reader;
SELECT revision FROM migrate.history(':b');
SELECT revision, message FROM migrate.show('b');
SELECT migrate.upgrade_sql('heads', 'base') IS NOT NULL;
SELECT count(*) FROM migrate.downgrade_statements('base');
RESET ROLE;
GRANT SELECT (upgrade_sql) ON migrate.revisions TO regress_migrate_reader;
SET ROLE regress_migrate_reader;
SELECT revision, message FROM migrate.show('b');
RESET ROLE;
GRANT SELECT (downgrade_sql) ON migrate.revisions TO regress_migrate_reader;
SET ROLE regress_migrate_reader;
SELECT revision, upgrade_sql, downgrade_sql FROM migrate.show('b');
RESET ROLE;
REVOKE ALL ON migrate.revisions FROM regress_migrate_reader;
GRANT SELECT ON migrate.revisions TO regress_migrate_reader;
SET ROLE regress_migrate_reader;
SELECT count(*) FROM migrate.downgrade_statements('base');
RESET ROLE;
REVOKE ALL ON migrate.revisions FROM regress_migrate_reader;
DROP ROLE regress_migrate_reader;

-- every function that reads migrate's tables reads with fresh snapshots or
-- shares graphs: none may be STABLE or IMMUTABLE; only snapshot() (the
-- catalogs, as the calling statement sees them) and diff() (pure) are
SELECT p.oid::regprocedure FROM pg_proc p
 WHERE p.pronamespace = 'migrate'::regnamespace AND p.provolatile <> 'v';

-- a misspelt setting made before the library was loaded fails the first call
\c
SET migrate.lock_timout = '2s';
SELECT * FROM migrate.current();
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM migrate.current();
-- two of them, and LOAD: each fails one call
\c
SET migrate.a_typo = 1;
SET migrate.b_typo = 2;
LOAD 'migrate';
SELECT * FROM migrate.current();
SELECT * FROM migrate.current();
SELECT * FROM migrate.current();
-- once loaded, the server refuses it at once
SET migrate.lock_timout = '2s';
SET migrate.lock_timeout = '2s';
SHOW migrate.lock_timeout;

-- with migrate.allow_drop the extension goes, history and all
SET migrate.allow_drop = on;
DROP EXTENSION migrate;
-- an empty version table needs no setting
RESET migrate.allow_drop;
SET client_min_messages = warning;
CREATE EXTENSION migrate;
RESET client_min_messages;
DROP EXTENSION migrate;

-- a version table that cannot be read guards nothing unless it is gone
SET client_min_messages = warning;
CREATE EXTENSION migrate;
SELECT * FROM migrate.stamp(migrate.revision('x', 'SELECT 1', id => 'x'));
RESET client_min_messages;
ALTER TABLE migrate.version RENAME COLUMN revision TO r;
DROP EXTENSION migrate;
ALTER TABLE migrate.version RENAME COLUMN r TO revision;
ALTER EXTENSION migrate DROP TABLE migrate.version;
DROP TABLE migrate.version;
DROP EXTENSION migrate;

-- DROP OWNED BY the extension's owner would drop it too
CREATE ROLE regress_migrate_owner SUPERUSER;
SET ROLE regress_migrate_owner;
SET client_min_messages = warning;
CREATE EXTENSION migrate;
SELECT * FROM migrate.stamp(migrate.revision('x', 'SELECT 1', id => 'x'));
RESET client_min_messages;
DROP OWNED BY regress_migrate_owner;
SELECT extowner::regrole FROM pg_extension WHERE extname = 'migrate';
SET migrate.allow_drop = on;
DROP OWNED BY regress_migrate_owner;
SELECT count(*) AS gone FROM pg_extension WHERE extname = 'migrate';
RESET ROLE;
DROP ROLE regress_migrate_owner;
