-- Operating safely: dry runs, lock timeouts with retries, verify() and
-- check_roundtrip().
SET client_min_messages = warning;
CREATE EXTENSION migrate;
CREATE EXTENSION dblink;
CREATE TABLE accounts (id int PRIMARY KEY, balance int);
INSERT INTO accounts SELECT g, g FROM generate_series(1, 100) g;
SELECT migrate.revision('users', id => 'd1',
  upgrade => 'CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text)',
  downgrade => 'DROP TABLE users');
SELECT migrate.revision('wider balance', id => 'd2',
  upgrade => 'ALTER TABLE accounts ALTER balance TYPE bigint; ALTER TABLE accounts ADD note text',
  downgrade => 'ALTER TABLE accounts DROP note; ALTER TABLE accounts ALTER balance TYPE int');
SELECT migrate.revision('index emails', id => 'd3',
  upgrade => 'CREATE INDEX users_email_idx ON users (email)',
  downgrade => 'DROP INDEX users_email_idx');
RESET client_min_messages;
\set VERBOSITY default

-- ---------------------------------------------------------------------
-- dry run: every step runs, locks and rewrites are reported, nothing stays
-- ---------------------------------------------------------------------
SELECT revision, operation, locks, rewritten FROM migrate.upgrade('heads', dry_run => true);
SELECT * FROM migrate.current();
SELECT count(*) AS log_rows FROM migrate.log;
SELECT to_regclass('users') AS users_table, format_type(atttypid, atttypmod) AS balance_type
  FROM pg_attribute WHERE attrelid = 'accounts'::regclass AND attname = 'balance';
-- a real run reports no locks (the columns are for dry runs)
SELECT revision, locks, rewritten FROM migrate.upgrade('d2');
-- dry run of a downgrade
SELECT revision, operation, locks, rewritten FROM migrate.downgrade('base', dry_run => true);
SELECT * FROM migrate.current();
-- a dry run whose script fails raises the error and leaves nothing
SELECT migrate.revision('broken', 'CREATE TABLE half (a int); SELECT 1/0', 'DROP TABLE half', id => 'd4');
SELECT revision FROM migrate.upgrade('heads', dry_run => true);
SELECT to_regclass('half') AS half_table, (SELECT count(*) FROM migrate.log) AS log_rows;
SELECT migrate.drop_revision('d4');

-- ---------------------------------------------------------------------
-- lock timeouts: retried with backoff, each retry a NOTICE
-- ---------------------------------------------------------------------
SHOW migrate.lock_timeout;
SHOW migrate.lock_retries;
SET migrate.lock_timeout = -1;
SET migrate.lock_typo = 1;
-- a second session reads accounts and keeps its transaction open
SELECT dblink_connect('blocker', format('host=%s port=%s dbname=%s',
         split_part(current_setting('unix_socket_directories'), ',', 1),
         current_setting('port'), current_database()));
SELECT dblink_exec('blocker', 'BEGIN');
SELECT * FROM dblink('blocker', 'SELECT count(*) FROM accounts') AS t(n bigint);
SELECT migrate.revision('add column', id => 'd5', down_revision => '{d3}',
  upgrade => 'ALTER TABLE accounts ADD flag boolean',
  downgrade => 'ALTER TABLE accounts DROP flag');
SET migrate.lock_timeout = '50ms';
SET migrate.lock_retries = 2;
SELECT revision FROM migrate.upgrade('heads');
SELECT * FROM migrate.current();
SHOW lock_timeout;
-- the blocker goes away during the retries: the upgrade completes
SELECT dblink_send_query('blocker', 'SELECT pg_sleep(0.3); COMMIT');
SET migrate.lock_retries = 20;
SET client_min_messages = warning;
SELECT revision FROM migrate.upgrade('heads');
RESET client_min_messages;
SELECT * FROM dblink_get_result('blocker') AS t(slept text);
SELECT * FROM dblink_get_result('blocker') AS t(status text);
SELECT * FROM dblink_get_result('blocker') AS t(status text);
SELECT dblink_disconnect('blocker');
SELECT * FROM migrate.current();
RESET migrate.lock_timeout;
RESET migrate.lock_retries;

-- ---------------------------------------------------------------------
-- verify(): no rows when healthy, one row per problem otherwise
-- ---------------------------------------------------------------------
SELECT * FROM migrate.verify();
-- an applied revision edited behind migrate's back (checksum kept)
UPDATE migrate.revisions SET upgrade_sql = 'ALTER TABLE accounts ADD flag int' WHERE id = 'd5';
SELECT * FROM migrate.verify();
-- ... and with its checksum updated as well
UPDATE migrate.revisions SET checksum = encode(sha256(convert_to(upgrade_sql, 'UTF8') || '\x00'::bytea || convert_to(downgrade_sql, 'UTF8')), 'hex') WHERE id = 'd5';
SELECT * FROM migrate.verify();
-- load() refuses to change an applied revision
SELECT migrate.load($f$-- migrate:revision d1
-- migrate:upgrade
CREATE TABLE users (id int)
$f$);
-- a version row naming an unknown revision, a second head off d3
INSERT INTO migrate.version VALUES ('ghost');
SELECT migrate.revision('side branch', 'SELECT 1', 'SELECT 1', id => 'd6', down_revision => '{d3}');
-- an independent root is not an unmerged head
SELECT migrate.revision('other tree', 'SELECT 1', 'SELECT 1', id => 'o1', down_revision => '{}');
SELECT * FROM migrate.verify();
-- missing parents are reported even though the graph cannot be built
UPDATE migrate.revisions SET down_revisions = '{gone}', depends_on = '{away}' WHERE id = 'd6';
SELECT * FROM migrate.verify();
-- a cycle
UPDATE migrate.revisions SET down_revisions = '{d6}' WHERE id = 'o1';
UPDATE migrate.revisions SET down_revisions = '{o1}', depends_on = '{}' WHERE id = 'd6';
SELECT * FROM migrate.verify();
DELETE FROM migrate.revisions WHERE id IN ('d6', 'o1');
DELETE FROM migrate.version WHERE revision = 'ghost';
UPDATE migrate.revisions SET upgrade_sql = 'ALTER TABLE accounts ADD flag boolean' WHERE id = 'd5';
UPDATE migrate.revisions SET checksum = encode(sha256(convert_to(upgrade_sql, 'UTF8') || '\x00'::bytea || convert_to(downgrade_sql, 'UTF8')), 'hex') WHERE id = 'd5';
SELECT * FROM migrate.verify();
-- a version row implied by another one, which upgrade() refuses
INSERT INTO migrate.version VALUES ('d1');
SELECT * FROM migrate.verify();
SELECT revision FROM migrate.upgrade('heads');
DELETE FROM migrate.version WHERE revision = 'd1';

-- ---------------------------------------------------------------------
-- check_roundtrip(): upgrade, downgrade, upgrade each pending revision
-- ---------------------------------------------------------------------
SET client_min_messages = warning;
SELECT migrate.revision('clean', id => 'k1',
  upgrade => $u$CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE TABLE diary (id serial PRIMARY KEY, m mood DEFAULT 'ok', at timestamptz NOT NULL DEFAULT now());
CREATE VIEW happy AS SELECT id FROM diary WHERE m = 'ok';
CREATE FUNCTION cheer() RETURNS int LANGUAGE sql AS 'SELECT 1'$u$,
  downgrade => 'DROP FUNCTION cheer(); DROP VIEW happy; DROP TABLE diary; DROP TYPE mood');
SELECT migrate.revision('leaves a sequence', id => 'k2',
  upgrade => 'CREATE SEQUENCE IF NOT EXISTS tickets; ALTER TABLE diary ADD note text',
  downgrade => 'ALTER TABLE diary DROP note');
SELECT migrate.revision('loses a default', id => 'k3',
  upgrade => 'ALTER TABLE diary ADD tag text DEFAULT $$x$$',
  downgrade => 'ALTER TABLE diary DROP tag; ALTER TABLE diary ALTER at DROP DEFAULT');
SELECT migrate.revision('one way', id => 'k4', upgrade => 'CREATE TABLE audit (a int)');
SELECT migrate.revision('bad downgrade', id => 'k5',
  upgrade => 'CREATE TABLE k5 (a int)', downgrade => 'DROP TABLE k5_typo');
SELECT migrate.revision('after the failure', id => 'k6',
  upgrade => 'CREATE TABLE k6 (a int)', downgrade => 'DROP TABLE k6');
RESET client_min_messages;
SELECT * FROM migrate.check_roundtrip();
-- nothing stays: not applied, not logged, no objects
SELECT * FROM migrate.current();
SELECT count(*) AS log_rows FROM migrate.log WHERE revision LIKE 'k%';
SELECT to_regclass('diary') AS diary, to_regclass('tickets') AS tickets, to_regtype('mood') AS mood;
-- a target limits the check; the upgrade failing is reported
SELECT * FROM migrate.check_roundtrip('k1');
UPDATE migrate.revisions SET upgrade_sql = 'CREATE TABLE k1 (a int); SELECT 1/0' WHERE id = 'k1';
SELECT * FROM migrate.check_roundtrip('k1');
-- non-transactional revisions cannot run through SPI
SELECT migrate.revision('concurrently', id => 'k7', down_revision => '{d5}', transactional => false,
  upgrade => 'CREATE INDEX CONCURRENTLY accounts_balance_idx ON accounts (balance)',
  downgrade => 'DROP INDEX CONCURRENTLY accounts_balance_idx');
SELECT * FROM migrate.check_roundtrip('k7');
SELECT * FROM migrate.check_roundtrip(NULL);

SELECT migrate.stamp('base', purge => true);
DROP TABLE accounts, users;
DROP EXTENSION dblink;
SET migrate.allow_drop = on;
DROP EXTENSION migrate;
