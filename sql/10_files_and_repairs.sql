-- Revision files that must not load as written (look-alike directives,
-- statements that need top level in a transactional revision), file line
-- numbers in errors, and repairs of applied revisions.
SET client_min_messages = warning;
CREATE EXTENSION migrate;
RESET client_min_messages;
\set VERBOSITY default

-- a mistyped downgrade marker is an error naming its line, never SQL of the upgrade
SELECT migrate.load(E'-- migrate:revision m1\n-- migrate:upgrade\nCREATE TABLE m1 (id int);\n--  migrate:downgrade\nDROP TABLE m1;\n');
SELECT migrate.load(E'-- migrate:revision m1\n-- migrate:upgrade\nCREATE TABLE m1 (id int);\n--migrate:downgrade\nDROP TABLE m1;\n');
SELECT migrate.load(E'-- migrate:revision m1\n-- migrate:upgrade\nCREATE TABLE m1 (id int);\n\t-- migrate:downgrade\nDROP TABLE m1;\n');
SELECT migrate.load(E'-- migrate:revision m1\n-- migrate:upgrade\nCREATE TABLE m1 (id int);\n-- migrate: downgrade\nDROP TABLE m1;\n');
SELECT migrate.load(E'-- migrate:revision m1\n-- migrate:upgrade\nCREATE TABLE m1 (id int);\n-- MIGRATE:downgrade\nDROP TABLE m1;\n');
-- ... and in the header
SELECT migrate.load(E'--migrate:revision m1\n-- migrate:upgrade\nSELECT 1;\n');
SELECT migrate.load(E'-- migrate:revision m1\n  -- migrate:message indented\n-- migrate:upgrade\nSELECT 1;\n');
SELECT count(*) AS registered FROM migrate.revisions;

-- a UTF-8 byte order mark before the header is skipped
SELECT migrate.load(convert_from('\xefbbbf'::bytea, 'UTF8') ||
                    E'-- migrate:revision m1\n-- migrate:upgrade\nCREATE TABLE m1 (id int);\n-- migrate:downgrade\nDROP TABLE m1;\n');
SELECT id, upgrade_sql, downgrade_sql FROM migrate.revisions;

-- a syntax error names the line of the file (psql's LINE and the context)
SELECT migrate.load(E'-- migrate:revision m2\n-- migrate:revises m1\n-- migrate:message typo\n-- migrate:upgrade\n\nCREATE TABLE m2 (id int);\nCREAT INDEX ON m2 (id);\n-- migrate:downgrade\nDROP TABLE m2;\n');
SELECT migrate.load(E'-- migrate:revision m2\n-- migrate:revises m1\n-- migrate:upgrade\nCREATE TABLE m2 (id int);\n-- migrate:downgrade\nDROP TABLE m2;\nDROP TABEL m2;\n');
-- transaction control names the line of the file too
SELECT migrate.load(E'-- migrate:revision m2\n-- migrate:revises m1\n-- migrate:upgrade\nCREATE TABLE m2 (id int);\nCOMMIT;\n');
-- COPY with the client's stdin or stdout cannot run in the server
SELECT migrate.load(E'-- migrate:revision m2\n-- migrate:revises m1\n-- migrate:upgrade\nCREATE TABLE m2 (id int);\nCOPY m2 FROM stdin;\n');
SELECT migrate.revision('x', 'SELECT 1', 'COPY m1 TO STDOUT', id => 'm2');
-- psql's \gexec is the client of a non-transactional revision's statements
SELECT migrate.revision('export', 'COPY (SELECT 1) TO STDOUT', 'SELECT 1', id => 'm2x', transactional => false);
SELECT migrate.drop_revision('m2x');
-- revision() has no file: the line of the script
SELECT migrate.revision('typo', E'SELECT 1;\nSELEC 2;', id => 'm2');

-- statements PostgreSQL runs only outside a transaction block are refused
-- in a transactional revision, at registration
SELECT migrate.load(E'-- migrate:revision m2\n-- migrate:revises m1\n-- migrate:upgrade\nCREATE TABLE m2 (id int);\nCREATE INDEX CONCURRENTLY m2_id ON m2 (id);\n-- migrate:downgrade\nDROP TABLE m2;\n');
SELECT migrate.revision('x', 'REINDEX TABLE CONCURRENTLY m1', id => 'm2');
SELECT migrate.revision('x', 'VACUUM m1', id => 'm2');
SELECT migrate.revision('x', 'CREATE DATABASE m2_db', id => 'm2');
SELECT migrate.revision('x', $$ALTER SYSTEM SET work_mem = '64MB'$$, id => 'm2');
SELECT migrate.revision('x', 'SELECT 1', 'DROP INDEX CONCURRENTLY m2_id', id => 'm2');
SELECT migrate.revision('x', 'REINDEX DATABASE contrib_regression', id => 'm2');
SELECT migrate.revision('x', 'ALTER TABLE m1 DETACH PARTITION p1 CONCURRENTLY', id => 'm2');
-- what may run in a transaction block is not refused
SELECT migrate.revision('fine', $$ANALYZE m1; REINDEX TABLE m1; CREATE INDEX m1_id ON m1 (id); REFRESH MATERIALIZED VIEW CONCURRENTLY nothing_yet$$, id => 'm2a');
SELECT migrate.drop_revision('m2a');
-- marked non-transactional, the same statements register
SELECT migrate.load(E'-- migrate:revision m2\n-- migrate:revises m1\n-- migrate:transactional false\n-- migrate:upgrade\nCREATE INDEX CONCURRENTLY m1_id ON m1 (id);\nVACUUM m1;\n-- migrate:downgrade\nDROP INDEX CONCURRENTLY m1_id;\n');
SELECT migrate.drop_revision('m2');

-- repairs: an applied revision keeps its upgrade script and parents, all
-- else may change (logged, verify() stays clean)
SELECT migrate.load(E'-- migrate:revision m3\n-- migrate:revises m1\n-- migrate:message add m3\n-- migrate:upgrade\nCREATE TABLE m3 (id int);\n');
SELECT revision FROM migrate.upgrade('heads');
-- irreversible: the hint says to add a downgrade script
SELECT * FROM migrate.downgrade('m1');
-- the message alone changed: no longer "checksums differ" with two equal checksums
SELECT migrate.load(E'-- migrate:revision m3\n-- migrate:revises m1\n-- migrate:message add table m3\n-- migrate:upgrade\nCREATE TABLE m3 (id int);\n');
-- a downgrade script added, a label given
SELECT migrate.load(E'-- migrate:revision m3\n-- migrate:revises m1\n-- migrate:message add table m3\n-- migrate:branch-labels tables\n-- migrate:upgrade\nCREATE TABLE m3 (id int);\n-- migrate:downgrade\nDROP TABLE m3;\n');
SELECT id, message, branch_labels, downgrade_sql FROM migrate.revisions WHERE id = 'm3';
SELECT revision, operation, heads_before, heads_after, detail, applied_by = session_user AS by_me
  FROM migrate.log WHERE operation = 'repair' ORDER BY id;
SELECT * FROM migrate.verify();
-- the same file again: nothing to repair, nothing logged
SELECT migrate.load(E'-- migrate:revision m3\n-- migrate:revises m1\n-- migrate:message add table m3\n-- migrate:branch-labels tables\n-- migrate:upgrade\nCREATE TABLE m3 (id int);\n-- migrate:downgrade\nDROP TABLE m3;\n');
SELECT count(*) AS repairs FROM migrate.log WHERE operation = 'repair';
-- the upgrade script stays as it ran
SELECT migrate.load(E'-- migrate:revision m3\n-- migrate:revises m1\n-- migrate:message add table m3\n-- migrate:upgrade\nCREATE TABLE m3 (id int);\nCREATE INDEX ON m3 (id);\n-- migrate:downgrade\nDROP TABLE m3;\n');
-- and so do its parents
SELECT migrate.load(E'-- migrate:revision m3\n-- migrate:message add table m3\n-- migrate:upgrade\nCREATE TABLE m3 (id int);\n-- migrate:downgrade\nDROP TABLE m3;\n');
-- the repaired downgrade runs
SELECT revision, operation FROM migrate.downgrade('m1');
SELECT to_regclass('m3') AS m3_after_downgrade;
-- an unapplied revision is replaced as before (no repair row)
SELECT migrate.load(E'-- migrate:revision m3\n-- migrate:revises m1\n-- migrate:message add table m3\n-- migrate:upgrade\nCREATE TABLE m3 (id int, note text);\n-- migrate:downgrade\nDROP TABLE m3;\n');
SELECT count(*) AS repairs FROM migrate.log WHERE operation = 'repair';
SELECT revision FROM migrate.upgrade('heads');
SELECT * FROM migrate.verify();
-- a dependency added to an applied revision is refused like a parent
SELECT migrate.load(E'-- migrate:revision m3\n-- migrate:revises m1\n-- migrate:depends-on m1\n-- migrate:message add table m3\n-- migrate:upgrade\nCREATE TABLE m3 (id int, note text);\n-- migrate:downgrade\nDROP TABLE m3;\n');
-- its transactional flag is repaired, and its downgrade script removed
SELECT migrate.load(E'-- migrate:revision m3\n-- migrate:revises m1\n-- migrate:message add table m3\n-- migrate:transactional false\n-- migrate:upgrade\nCREATE TABLE m3 (id int, note text);\n');
SELECT transactional, downgrade_sql IS NULL AS irreversible FROM migrate.revisions WHERE id = 'm3';
SELECT detail FROM migrate.log WHERE operation = 'repair' ORDER BY id DESC LIMIT 1;
SELECT * FROM migrate.verify();
SELECT migrate.load(E'-- migrate:revision m3\n-- migrate:revises m1\n-- migrate:message add table m3\n-- migrate:upgrade\nCREATE TABLE m3 (id int, note text);\n-- migrate:downgrade\nDROP TABLE m3;\n');
SELECT transactional, downgrade_sql FROM migrate.revisions WHERE id = 'm3';
-- a row edited outside migrate is not repaired over
UPDATE migrate.revisions SET upgrade_sql = 'CREATE TABLE m3 (id bigint)' WHERE id = 'm3';
SELECT migrate.load(E'-- migrate:revision m3\n-- migrate:revises m1\n-- migrate:message edited\n-- migrate:upgrade\nCREATE TABLE m3 (id bigint)\n-- migrate:downgrade\nDROP TABLE m3;\n');

SET migrate.allow_drop = on;
DROP EXTENSION migrate;
DROP TABLE m1, m3;
