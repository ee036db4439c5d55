-- check_roundtrip() reports objects, not catalog rows: an extension left
-- installed is one object, a column re-added at the end is a column order
-- apart from schema differences, and what only a single transaction
-- forbids (a value an upgrade added to an enum, used by its downgrade) is
-- not reported as a failed downgrade.
SET client_min_messages = warning;
CREATE EXTENSION migrate;
SELECT migrate.revision('base', $u$CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE TABLE diary (id int PRIMARY KEY, m mood, note text, at date)$u$,
  'DROP TABLE diary; DROP TYPE mood', id => 'r1');
SELECT count(*) FROM migrate.upgrade('r1');
-- an extension the downgrade forgets: one object, not its dozens of functions
SELECT migrate.revision('crypto', 'CREATE EXTENSION IF NOT EXISTS pgcrypto', 'SELECT 1', id => 'r2');
-- a column dropped and re-added: only its place changed
SELECT migrate.revision('drop note', 'ALTER TABLE diary DROP COLUMN note',
  'ALTER TABLE diary ADD COLUMN note text', id => 'r3');
-- an enum value added, and used by the downgrade: fine when committed in
-- between, impossible in the one transaction of the check
SELECT migrate.revision('great mood', $u$ALTER TYPE mood ADD VALUE 'great'$u$,
  $d$UPDATE diary SET m = 'ok' WHERE m = 'great'$d$, id => 'r4');
-- checked on top of r4's upgrade: a real problem
SELECT migrate.revision('loses a default', 'ALTER TABLE diary ALTER at SET DEFAULT current_date',
  'SELECT 1', id => 'r5');
RESET client_min_messages;
\set VERBOSITY default
SELECT revision, problem, detail FROM migrate.check_roundtrip();
-- an upgrade that uses what the one before it added cannot run in the
-- same transaction either: reported as not checked, and the check stops
SET client_min_messages = warning;
SELECT migrate.revision('calm mood', $u$ALTER TYPE mood ADD VALUE IF NOT EXISTS 'calm'$u$, 'SELECT 1', id => 'r6');
SELECT migrate.revision('a calm entry', $u$INSERT INTO diary VALUES (1, 'calm')$u$,
  'DELETE FROM diary WHERE id = 1', id => 'r7');
RESET client_min_messages;
SELECT revision, problem, detail FROM migrate.check_roundtrip() WHERE revision IN ('r6', 'r7');
SELECT migrate.drop_revision('r7'), migrate.drop_revision('r6');
-- the downgrade of r4 works when the upgrade is committed first
SET client_min_messages = warning;
SELECT revision FROM migrate.upgrade('r4');
SELECT revision FROM migrate.downgrade('r3');
SELECT revision FROM migrate.downgrade('r1');
DROP EXTENSION IF EXISTS pgcrypto;
-- the first step of the check has nothing before it: such an error is its own
SELECT migrate.revision('zen', $u$ALTER TYPE mood ADD VALUE 'zen'; INSERT INTO diary VALUES (5, 'zen')$u$,
  'SELECT 1', id => 'z1', down_revision => '{}');
RESET client_min_messages;
SELECT revision, problem, detail FROM migrate.check_roundtrip('z1');
SET client_min_messages = warning;
SELECT migrate.drop_revision('z1');
-- policies and comments are objects; a table a downgrade drops is one
-- Missing object; pending trigger events (a deferred foreign key) forbid
-- a downgrade only in one transaction, like the enum above
CREATE TABLE keep (a int, b int);
SELECT migrate.revision('policy and comment', $u$DROP POLICY IF EXISTS diary_p ON diary; CREATE POLICY diary_p ON diary USING (true);
COMMENT ON TABLE diary IS 'notes'$u$, 'SELECT 1', id => 'p1', down_revision => '{}');
SELECT migrate.revision('scratch', 'CREATE TABLE scratch (a int)', 'DROP TABLE scratch, keep', id => 'p2', down_revision => '{p1}');
SELECT migrate.revision('deferred', $u$CREATE TABLE evp (id int PRIMARY KEY);
CREATE TABLE ev (p int REFERENCES evp DEFERRABLE INITIALLY DEFERRED);
INSERT INTO evp VALUES (1); INSERT INTO ev VALUES (1)$u$, 'DROP TABLE ev, evp', id => 'p3', down_revision => '{p2}');
RESET client_min_messages;
SELECT revision, problem, detail FROM migrate.check_roundtrip('p3');
SET client_min_messages = warning;
SELECT migrate.drop_revision('p3'), migrate.drop_revision('p2'), migrate.drop_revision('p1');
SELECT to_regclass('keep') AS keep_stays, to_regclass('scratch') AS no_scratch;
DROP TABLE keep;
-- nothing of the check stayed
SELECT * FROM migrate.current();
SET migrate.allow_drop = on;
DROP EXTENSION migrate;
DROP TABLE diary;
DROP TYPE mood;
