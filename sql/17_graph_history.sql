-- graph() as Graphviz DOT, and history() with the log's when, who, how long,
-- the error of a failed last attempt, and pages.
SET client_min_messages = warning;
CREATE EXTENSION migrate;
RESET client_min_messages;
\set VERBOSITY default

-- a root, a branch point, a labelled branch, a dependency, a merge, a
-- second root depending on the merge
SELECT migrate.revision('create "accounts"', 'CREATE TABLE accounts (id int)', 'DROP TABLE accounts', id => 'a1');
SELECT migrate.revision('create users', 'CREATE TABLE users (id int)', 'DROP TABLE users', id => 'a2');
SELECT migrate.revision('orders', 'CREATE TABLE orders (id int)', 'DROP TABLE orders', id => 'o1');
SELECT migrate.revision('billing: a message long enough to be cut in the picture', 'CREATE TABLE bills (id int)', 'DROP TABLE bills',
                        down_revision => '{a2}', id => 'b1', branch_labels => '{billing}', depends_on => '{o1}');
SELECT migrate.merge(ARRAY['o1', 'b1'], 'merge', id => 'm1');
SELECT migrate.revision('report', 'CREATE SCHEMA rep', 'DROP SCHEMA rep',
                        down_revision => '{}', id => 'r1', depends_on => '{m1}');

-- nothing applied: every node white, no [current]
SELECT migrate.graph();
SELECT count(*) FROM migrate.upgrade('b1');
-- applied revisions filled, b1 (the version row) in bold, heads doubled
SELECT migrate.graph(format => 'dot');
-- depth: the heads and one level below; the rest summed up
SELECT migrate.graph(depth => 2);
-- since: the merge and what came after it
SELECT migrate.graph(since => 'm1');
SELECT migrate.graph(since => 'billing@head', depth => 1);
SELECT migrate.graph('DOT', since => 'base') = migrate.graph() AS base_is_all;
-- bad arguments
SELECT migrate.graph('svg');
SELECT migrate.graph(NULL);
SELECT migrate.graph(depth => 0);
SELECT migrate.graph(since => 'nope');
SELECT migrate.graph(since => 'a2+1');

-- history: applied rows say when, by whom and how long; pending ones nothing
SELECT revision, applied, applied_at IS NOT NULL AS has_at,
       applied_by = current_user AS by_me, duration >= '0' AS has_duration, last_error
  FROM migrate.history();
-- the times are the log's
SELECT bool_and(h.applied_at = l.started_at AND h.duration = l.duration) AS from_log
  FROM migrate.history() h JOIN migrate.log l ON l.revision = h.revision AND l.operation = 'upgrade'
 WHERE h.applied;
-- a stamp applies without running: no duration
SELECT * FROM migrate.stamp('m1');
SELECT revision, applied, applied_at IS NOT NULL AS has_at, duration IS NULL AS no_duration
  FROM migrate.history() WHERE revision IN ('m1', 'a1');

-- a failed attempt (upgrade_each commits the failure's log row)
SELECT migrate.revision('breaks', 'CREATE TABLE users (id int)', 'SELECT 1', down_revision => '{m1}', id => 'x1');
CALL migrate.upgrade_each('x1');
SELECT revision, applied, applied_at, last_error FROM migrate.history() WHERE revision = 'x1';
-- the log's columns are for roles that may read migrate.log
CREATE ROLE migrate_history_reader;
SET ROLE migrate_history_reader;
SELECT revision, applied, applied_at, applied_by, duration, last_error
  FROM migrate.history() WHERE revision IN ('x1', 'b1');
RESET ROLE;
GRANT SELECT ON migrate.log TO migrate_history_reader;
SET ROLE migrate_history_reader;
SELECT revision, applied, applied_at IS NOT NULL AS has_at, applied_by IS NOT NULL AS has_by, last_error
  FROM migrate.history() WHERE revision IN ('x1', 'b1');
RESET ROLE;
REVOKE SELECT ON migrate.log FROM migrate_history_reader;
DROP ROLE migrate_history_reader;
-- fixed and applied: the failure is history
SELECT migrate.drop_revision('x1');
SELECT migrate.revision('works', 'CREATE TABLE users2 (id int)', 'DROP TABLE users2', down_revision => '{m1}', id => 'x1');
SELECT count(*) FROM migrate.upgrade('x1');
SELECT revision, applied, applied_at IS NOT NULL AS has_at, last_error FROM migrate.history() WHERE revision = 'x1';

-- record_failure(): a client logs a step its rolled-back transaction lost
SELECT migrate.record_failure('r1', 'upgrade', '42P01', 'relation "m" does not exist', '1.5 s');
SELECT revision, applied, last_error FROM migrate.history() WHERE revision = 'r1';
SELECT revision, operation, sqlstate, error, duration, heads_before = heads_after AS version_kept
  FROM migrate.log WHERE id = (SELECT max(id) FROM migrate.log);
-- an applied revision keeps its applied_at when a later attempt failed
SELECT migrate.record_failure('x1', 'upgrade', '57014', 'canceling statement due to user request');
SELECT revision, applied, applied_at IS NOT NULL AS has_at, last_error FROM migrate.history() WHERE revision = 'x1';
-- a revision not registered (its file's first deploy rolled the
-- registration back) is logged under its id
SELECT migrate.record_failure('n1', 'upgrade', '42601', 'syntax error at or near "CREAT"');
SELECT revision, operation, checksum, sqlstate FROM migrate.log WHERE id = (SELECT max(id) FROM migrate.log);
-- a failed downgrade is a failed last attempt too
SELECT migrate.record_failure('x1', 'downgrade', '2BP01', 'cannot drop table users2 because other objects depend on it');
SELECT revision, applied, applied_at IS NOT NULL AS has_at, last_error FROM migrate.history() WHERE revision = 'x1';
SELECT migrate.record_failure('bad-id', 'upgrade', '42P01', 'x');
SELECT migrate.record_failure('heads', 'upgrade', '42P01', 'x');
SELECT migrate.record_failure('billing', 'upgrade', '42P01', 'x');
SELECT migrate.record_failure('r1', 'stamp', '42P01', 'x');
SELECT migrate.record_failure('r1', 'upgrade', '42p01', 'x');
SELECT migrate.record_failure('r1', 'upgrade', '42P01', 'x', '-1 s');
SELECT migrate.record_failure('r1', 'upgrade', '42P01', NULL);
SELECT migrate.record_failure('r1', 'upgrade', '42P01', 'x', NULL);
-- not for everyone
CREATE ROLE migrate_history_nobody;
SET ROLE migrate_history_nobody;
SELECT migrate.record_failure('r1', 'upgrade', '42P01', 'x');
RESET ROLE;
DROP ROLE migrate_history_nobody;

-- a downgrade undoes the upgrade's applied_at
SELECT count(*) FROM migrate.downgrade('m1');
SELECT revision, applied, applied_at, duration, last_error FROM migrate.history() WHERE revision = 'x1';
SELECT count(*) FROM migrate.upgrade('x1');

-- pages: page_size rows after the revision after, in the order of the whole history
SELECT string_agg(revision, ' ') AS whole FROM migrate.history();
SELECT string_agg(revision, ' ') AS page1 FROM migrate.history(page_size => 3);
SELECT string_agg(revision, ' ') AS page2 FROM migrate.history(page_size => 3, after => 'm1');
SELECT string_agg(revision, ' ') AS page3 FROM migrate.history(page_size => 3, after => 'b1');
SELECT count(*) AS past_the_end FROM migrate.history(page_size => 3, after => 'a1');
SELECT string_agg(revision, ' ') AS ranged FROM migrate.history('a2:m1', page_size => 2, after => 'm1');
SELECT count(*) AS rest FROM migrate.history(page_size => 2147483647, after => 'm1');
SELECT * FROM migrate.history(page_size => 0);
SELECT * FROM migrate.history(after => 'nope');
SELECT * FROM migrate.history('a2:b1', after => 'r1');

SET migrate.allow_drop = on;
DROP EXTENSION migrate;
DROP TABLE accounts, users, orders, bills, users2;
