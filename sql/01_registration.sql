-- Registration: revision(), merge(), load(), drop_revision() and validation.
SET client_min_messages = warning;
CREATE EXTENSION migrate;
RESET client_min_messages;
\set VERBOSITY default

-- a root, then revisions on top of the single head
SELECT migrate.revision('create accounts', 'CREATE TABLE accounts (id int PRIMARY KEY)',
                        'DROP TABLE accounts', id => 'a1');
SELECT migrate.revision('create users', 'CREATE TABLE users (id int)', 'DROP TABLE users', id => 'a2');
SELECT id, down_revisions, depends_on, branch_labels, message, transactional,
       length(checksum) AS checksum_len
  FROM migrate.revisions ORDER BY position;

-- a generated id is 12 lowercase hex characters
SELECT migrate.revision('generated', 'SELECT 1') ~ '^[0-9a-f]{12}$' AS generated_ok;
SELECT migrate.drop_revision(id) FROM migrate.revisions WHERE message = 'generated';

-- explicit parents, labels, and an explicit second root
SELECT migrate.revision('left', 'CREATE TABLE l (x int)', 'DROP TABLE l',
                        down_revision => '{a2}', id => 'l1', branch_labels => '{left}');
SELECT migrate.revision('right', 'CREATE TABLE r (x int)', 'DROP TABLE r',
                        head => 'a2', id => 'r1', branch_labels => '{right}');
SELECT migrate.revision('right', 'CREATE TABLE r (x int)', 'DROP TABLE r',
                        down_revision => '{a2}', id => 'r1', branch_labels => '{right}');
SELECT migrate.revision('other root', 'CREATE SCHEMA rep', 'DROP SCHEMA rep',
                        down_revision => '{}', id => 'o1', depends_on => '{left}');
SELECT id, down_revisions, depends_on, branch_labels FROM migrate.revisions ORDER BY position;

-- several heads and no head: refused
SELECT migrate.revision('ambiguous', 'SELECT 1');
-- head => 'label@head' and head => 'base'
SELECT migrate.revision('left 2', 'SELECT 1', '', head => 'left@head', id => 'l2');
SELECT migrate.revision('third root', 'SELECT 1', '', head => 'base', id => 'b1');
SELECT id, down_revisions FROM migrate.revisions WHERE id IN ('l2', 'b1') ORDER BY id;
SELECT migrate.revision('both', 'SELECT 1', down_revision => '{a1}', head => 'a1');

-- merge: default is all heads
SELECT migrate.merge(id => 'm1');
SELECT id, down_revisions, message, upgrade_sql, downgrade_sql
  FROM migrate.revisions WHERE id = 'm1';
SELECT migrate.merge(ARRAY['m1'], 'lonely');

-- validation
SELECT migrate.revision('x', 'SELECT 1', id => 'bad-id');
SELECT migrate.revision('x', 'SELECT 1', id => repeat('a', 65));
SELECT migrate.revision('x', 'SELECT 1', id => 'head');
SELECT migrate.revision('x', 'SELECT 1', id => 'a1');
SELECT migrate.revision('x', 'SELECT 1', id => 'left');
SELECT migrate.revision('x', 'SELECT 1', down_revision => '{nope}', id => 'x1');
SELECT migrate.revision('x', 'SELECT 1', down_revision => '{a1,a1}', id => 'dup');
SELECT migrate.revision('x', 'SELECT 1', down_revision => '{m1}', depends_on => '{nope}', id => 'x1');
SELECT migrate.revision('x', 'SELECT 1', down_revision => '{m1}', branch_labels => '{left}');
SELECT migrate.revision('x', 'SELECT 1', down_revision => '{m1}', branch_labels => '{a1}');
SELECT migrate.revision('x', 'SELECT 1', down_revision => '{m1}', branch_labels => '{x1}', id => 'x1');
SELECT migrate.revision('x', NULL, down_revision => '{m1}');
SELECT migrate.revision('x', 'CREATE TABLE t (a int); COMMIT;', down_revision => '{m1}', id => 'tx');
SELECT migrate.revision('x', 'SELECT 1', 'SAVEPOINT s', down_revision => '{m1}', id => 'tx');
SELECT migrate.revision('x', E'SELECT 1;\nCREATE TABLE (', down_revision => '{m1}', id => 'syn');
SELECT migrate.revision('x', 'SELECT 1', down_revision => ARRAY['m1', NULL]);
-- nothing of the failed attempts was stored
SELECT count(*) FROM migrate.revisions;

-- drop_revision
SELECT migrate.drop_revision('a1');
SELECT migrate.drop_revision('nope');
SELECT migrate.drop_revision('left');
SELECT migrate.revision('leaf', 'SELECT 1', down_revision => '{m1}', id => 'leaf');
SELECT migrate.drop_revision('leaf');
SELECT count(*) FROM migrate.revisions WHERE id = 'leaf';

SET migrate.allow_drop = on;
DROP EXTENSION migrate;
