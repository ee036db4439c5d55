-- Target forms for upgrade and downgrade, on a trunk with two labelled
-- branches:  a0 - b0 -+- l1 - l2 - l3   (label "left", registered first)
--                     +- r1 - r2        (label "right")
SET client_min_messages = warning;
CREATE EXTENSION migrate;
CREATE TABLE trace (n serial, op text, rev text);
CREATE FUNCTION rev(id text, parents text[], labels text[] DEFAULT NULL) RETURNS text
LANGUAGE sql AS $$
  SELECT migrate.revision('rev ' || id,
    format('INSERT INTO trace (op, rev) VALUES (%L, %L)', 'upgrade', id),
    format('INSERT INTO trace (op, rev) VALUES (%L, %L)', 'downgrade', id),
    down_revision => parents, id => id, branch_labels => labels)
$$;
SELECT rev('a0', '{}'), rev('b0', '{a0}'),
       rev('l1', '{b0}', '{left}'), rev('l2', '{l1}'), rev('l3', '{l2}'),
       rev('r1', '{b0}', '{right}'), rev('r2', '{r1}');
RESET client_min_messages;
\set VERBOSITY default
SET client_min_messages = warning;

-- head is ambiguous with two heads, even on an empty database
SELECT * FROM migrate.upgrade('head');
SELECT * FROM migrate.upgrade();
-- +N walks up from base; a fork is an ambiguous walk
SELECT revision FROM migrate.upgrade('+2');
SELECT revision FROM migrate.upgrade('+1');
-- label@+N follows the label's lineage
SELECT revision FROM migrate.upgrade('left@+2');
SELECT * FROM migrate.current();
SELECT revision FROM migrate.upgrade('right@+1');
SELECT * FROM migrate.current();
-- +N with several current heads and no label
SELECT revision FROM migrate.upgrade('+1');
-- absolute target on another branch adds a head
SELECT revision FROM migrate.upgrade('r2');
SELECT * FROM migrate.current();
-- label@head and heads
SELECT revision FROM migrate.upgrade('left@head');
SELECT revision FROM migrate.upgrade('heads');
SELECT * FROM migrate.current();
-- nothing to do
SELECT revision FROM migrate.upgrade('heads');
SELECT revision FROM migrate.upgrade('a0');
SELECT revision FROM migrate.upgrade('base');

-- -N with several heads is refused; label@-N walks one branch
SELECT revision FROM migrate.downgrade('-1');
SELECT revision FROM migrate.downgrade('left@-2');
SELECT * FROM migrate.current();
SELECT revision FROM migrate.downgrade('right@-1');
SELECT * FROM migrate.current();
-- id-N and id+N are relative to the id
SELECT revision FROM migrate.upgrade('l1+2');
SELECT revision FROM migrate.downgrade('l3-2');
SELECT * FROM migrate.current();
-- downgrading to a descendant or a revision on another branch
SELECT revision FROM migrate.downgrade('l3');
SELECT revision FROM migrate.downgrade('r2');
-- label@base removes the label's whole lineage, shared trunk included
SELECT revision FROM migrate.upgrade('heads');
SELECT revision FROM migrate.downgrade('right@base');
SELECT * FROM migrate.current();

-- prefixes: unique prefixes of more than 3 characters, labels too
SELECT revision FROM migrate.upgrade('righ');
SELECT revision FROM migrate.upgrade('zzzz');
-- a short text is a prefix of longer names only (rig: the label right);
-- names of 3 characters or fewer match only exactly, and the error says so
SELECT revision FROM migrate.upgrade('rig');
SELECT revision FROM migrate.upgrade('a');
SELECT revision FROM migrate.upgrade('l');
SELECT migrate.revision('x', 'SELECT 1', id => 'abcd1', down_revision => '{r1}');
SELECT migrate.revision('x', 'SELECT 1', id => 'abcd2', down_revision => '{r1}');
SELECT revision FROM migrate.upgrade('abcd');
SELECT revision FROM migrate.upgrade('abcd2');
SELECT revision FROM migrate.downgrade('abcd1');
-- the candidates of an ambiguous prefix are listed sorted
BEGIN;
SELECT count(migrate.revision('x', 'SELECT 1', id => i, down_revision => '{r1}'))
  FROM unnest(ARRAY['pfxq_c', 'pfxq_a', 'pfxq_d', 'pfxq_b', 'pfxq_lab_holder']) i;
SELECT migrate.revision('x', 'SELECT 1', id => 'pfxq_e', branch_labels => '{pfxq_label}', down_revision => '{r1}');
SELECT revision FROM migrate.upgrade('pfxq');
ROLLBACK;
SELECT revision FROM migrate.downgrade('left@r1');

-- malformed targets and ranges
SELECT revision FROM migrate.upgrade('a0:b0');
SELECT revision FROM migrate.upgrade('l1+2x');
SELECT revision FROM migrate.upgrade('@head');
SELECT revision FROM migrate.upgrade('+0');
SELECT revision FROM migrate.upgrade('-1');
SELECT revision FROM migrate.downgrade('+1');
SELECT revision FROM migrate.upgrade('l3+5');
SELECT revision FROM migrate.upgrade(NULL);

-- the trace agrees with the returned rows: every step ran once per command
SELECT op, rev FROM trace ORDER BY n;

SET migrate.allow_drop = on;
DROP EXTENSION migrate;
DROP TABLE trace;
DROP FUNCTION rev(text, text[], text[]);
