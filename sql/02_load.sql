-- load(): the revision file format, replacement and refusal rules.
SET client_min_messages = warning;
CREATE EXTENSION migrate;
RESET client_min_messages;

SELECT migrate.load($f$-- migrate:revision f8ff2ab1fdfa
-- migrate:message Create users
-- migrate:upgrade
CREATE TABLE users (id int);
-- migrate:downgrade
DROP TABLE users;
$f$);
SELECT migrate.load($f$-- a comment before the header is fine

-- migrate:revision a9ef987fd631
-- migrate:revises f8ff2ab1fdfa
-- migrate:message Add phone number to users
-- migrate:branch-labels auth
-- migrate:upgrade
ALTER TABLE users ADD COLUMN phone_number varchar(20);
-- migrate:downgrade
ALTER TABLE users DROP COLUMN phone_number;
$f$);
SELECT migrate.load($f$-- migrate:revision 55af2cb1c267
-- migrate:revises base
-- migrate:depends-on auth
-- migrate:transactional true
-- migrate:upgrade
CREATE SCHEMA reports;
$f$);
SELECT migrate.load($f$-- migrate:revision c0ffee000001
-- migrate:revises a9ef987fd631, 55af2cb1c267
-- migrate:message merge
-- migrate:upgrade
-- migrate:downgrade
$f$);
SELECT id, down_revisions, depends_on, branch_labels, message,
       upgrade_sql, downgrade_sql, transactional
  FROM migrate.revisions ORDER BY position;

-- loading the same file again changes nothing
SELECT migrate.load($f$-- migrate:revision f8ff2ab1fdfa
-- migrate:message Create users
-- migrate:upgrade
CREATE TABLE users (id int);
-- migrate:downgrade
DROP TABLE users;
$f$);
SELECT count(*) FROM migrate.revisions;

-- changed scripts of an unapplied revision replace the stored ones
SELECT migrate.load($f$-- migrate:revision 55af2cb1c267
-- migrate:revises base
-- migrate:depends-on auth
-- migrate:upgrade
CREATE SCHEMA reporting;
-- migrate:downgrade
DROP SCHEMA reporting;
$f$);
SELECT upgrade_sql, downgrade_sql FROM migrate.revisions WHERE id = '55af2cb1c267';

-- once applied, an edited file is refused
SELECT revision FROM migrate.upgrade('a9ef');
SELECT migrate.load($f$-- migrate:revision f8ff2ab1fdfa
-- migrate:message Create users
-- migrate:upgrade
CREATE TABLE users (id bigint);
-- migrate:downgrade
DROP TABLE users;
$f$);

-- file format errors name the line
SELECT migrate.load('');
SELECT migrate.load(E'-- migrate:revision abc\n-- migrate:upgrade\nSELECT 1;\n-- migrate:revision abd\n');
SELECT migrate.load(E'-- migrate:revision abc\n-- migrate:bogus x\n-- migrate:upgrade\n');
SELECT migrate.load(E'-- migrate:revision abc\n-- migrate:revision abd\n-- migrate:upgrade\n');
SELECT migrate.load(E'-- migrate:revision ab-c\n-- migrate:upgrade\n');
SELECT migrate.load(E'-- migrate:revision abc\n');
SELECT migrate.load(E'-- migrate:revision abc\nCREATE TABLE t();\n-- migrate:upgrade\n');
SELECT migrate.load(E'-- migrate:revision abc\n-- migrate:revises a, ,b\n-- migrate:upgrade\n');
SELECT migrate.load(E'-- migrate:revision abc\n-- migrate:transactional maybe\n-- migrate:upgrade\n');
SELECT migrate.load(E'-- migrate:revision abc\n-- migrate:downgrade\n-- migrate:upgrade\n');
SELECT migrate.load(E'-- migrate:revision abc\n-- migrate:upgrade\nSELECT 1;\n-- migrate:upgrade\n');
SELECT migrate.load(E'-- migrate:revision abc\n-- migrate:revises nope\n-- migrate:upgrade\n');
SELECT migrate.load(E'-- migrate:revision abc\n-- migrate:branch-labels x,\n-- migrate:upgrade\n');
SELECT count(*) FROM migrate.revisions;

SET migrate.allow_drop = on;
DROP EXTENSION migrate;
DROP TABLE users;
