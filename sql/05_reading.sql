-- stamp, history, heads, bases, branches, show, status.
SET client_min_messages = warning;
CREATE EXTENSION migrate;
CREATE FUNCTION rev(id text, parents text[], labels text[] DEFAULT NULL,
                    deps text[] DEFAULT NULL) RETURNS text
LANGUAGE sql AS $$
  SELECT migrate.revision('rev ' || id, 'SELECT 1', 'SELECT 1',
    down_revision => parents, id => id, branch_labels => labels, depends_on => deps)
$$;
SELECT rev('a0', '{}'), rev('b0', '{a0}'),
       rev('l1', '{b0}', '{left}'), rev('l2', '{l1}'), rev('l3', '{l2}'),
       rev('r1', '{b0}', '{right}'), rev('r2', '{r1}'),
       rev('x1', '{}', NULL, '{r1}');
RESET client_min_messages;
\set VERBOSITY default

SELECT * FROM migrate.heads();
SELECT * FROM migrate.bases();
SELECT * FROM migrate.branches();
SELECT * FROM migrate.history();
SELECT revision FROM migrate.history('l1:l3');
SELECT revision FROM migrate.history('b0:');
SELECT revision FROM migrate.history(':r2');
SELECT revision FROM migrate.history('l1:r2');
SELECT revision FROM migrate.history('a:b:c');
SELECT * FROM migrate.status();

-- stamp runs no script and replaces rows in the target's lineage
SELECT * FROM migrate.stamp('l3');
SELECT * FROM migrate.stamp('r2');
SELECT * FROM migrate.stamp('l1');
SELECT * FROM migrate.stamp('b0');
SELECT * FROM migrate.stamp(ARRAY['l3', 'r2']);
SELECT * FROM migrate.stamp('left@base');
SELECT * FROM migrate.stamp('heads');
SELECT * FROM migrate.stamp('base');
-- on an empty table "-N" walks down from the heads, as in Alembic
SELECT * FROM migrate.stamp('left@-1');
SELECT * FROM migrate.stamp('base');
SELECT * FROM migrate.stamp(ARRAY['l1', 'l3']);
SELECT revision FROM migrate.upgrade('heads');
SELECT * FROM migrate.stamp('+1');
SELECT * FROM migrate.stamp(ARRAY[]::text[]);
SELECT revision, operation, heads_before, heads_after FROM migrate.log ORDER BY id;

SELECT * FROM migrate.stamp('r1', purge => true);
SELECT revision, applied FROM migrate.history() WHERE applied;
SELECT revision FROM migrate.history('current:');
SELECT * FROM migrate.status();
SELECT revision, down_revisions, next_revisions, depends_on, dependents,
       branch_labels, message, upgrade_sql, downgrade_sql, transactional, applied
  FROM migrate.show('right');
SELECT revision FROM migrate.show('base');
SET migrate.allow_drop = on;
DROP EXTENSION migrate;
DROP FUNCTION rev(text, text[], text[], text[]);
