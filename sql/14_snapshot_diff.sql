-- migrate.snapshot() and migrate.diff(): the shape of a snapshot, what it
-- leaves out, and every error either function raises.
CREATE EXTENSION migrate;
SET client_min_messages = warning;

CREATE SCHEMA shop;
CREATE TYPE shop.mood AS ENUM ('sad', 'ok');
CREATE TABLE shop.items (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                         name text NOT NULL DEFAULT 'x', m shop.mood);
CREATE INDEX items_name ON shop.items (lower(name));
CREATE VIEW shop.names AS SELECT name FROM shop.items;
COMMENT ON TABLE shop.items IS 'what we sell';

-- the top level, and one object of each kind made above
SELECT jsonb_object_keys(migrate.snapshot('{shop}')) ORDER BY 1;
SELECT key FROM jsonb_each(migrate.snapshot('{shop}')->'objects') ORDER BY 1;
SELECT jsonb_pretty(migrate.snapshot('{shop}')->'objects'->'table shop.items');
SELECT jsonb_pretty(migrate.snapshot('{shop}')->'objects'->'column shop.items.name');
SELECT jsonb_pretty(migrate.snapshot('{shop}')->'objects'->'view shop.names');
SELECT migrate.snapshot('{shop}')->'schemas' AS schemas;

-- names come out qualified whatever the caller's search_path
SET search_path = shop, public;
SELECT migrate.snapshot('{shop}')->'objects'->'index shop.items_name'->>'definition' AS definition;
RESET search_path;

-- migrate's own schema and extension members are never part of it
SELECT count(*) AS migrate_objects FROM jsonb_each(migrate.snapshot()->'objects')
 WHERE key LIKE '% migrate.%' OR key = 'schema migrate' OR key = 'extension migrate';

-- neither sequence values nor column order count
BEGIN;
CREATE TABLE public.o (a int, b text, "position" int);
COMMENT ON COLUMN public.o.b IS '"position": 1, ';
CREATE SEQUENCE public.s;
SELECT migrate.snapshot('{public}')->>'fingerprint' AS f1 \gset
ROLLBACK;
BEGIN;
CREATE TABLE public.o ("position" int, b text, a int);
COMMENT ON COLUMN public.o.b IS '"position": 1, ';
CREATE SEQUENCE public.s;
SELECT nextval('public.s'), nextval('public.s');
SELECT migrate.snapshot('{public}')->>'fingerprint' = :'f1' AS same_fingerprint;
SELECT migrate.snapshot('{public}') AS reordered \gset
ROLLBACK;
BEGIN;
CREATE TABLE public.o (a int, b text, "position" int);
COMMENT ON COLUMN public.o.b IS '"position": 1, ';
CREATE SEQUENCE public.s;
SELECT count(*) AS no_statements FROM migrate.diff(migrate.snapshot('{public}'), :'reordered');
ROLLBACK;

-- a position orders columns: a new table's, and those added to a table
BEGIN;
CREATE SCHEMA ord;
CREATE TABLE ord.o (zeta int, alpha text, mid bigint);
SELECT migrate.snapshot('{ord}') AS ordered \gset
ALTER TABLE ord.o ADD COLUMN yes int, ADD COLUMN abc int;
SELECT migrate.snapshot('{ord}') AS grown \gset
ROLLBACK;
SELECT statement FROM migrate.diff(migrate.snapshot('{}'), :'ordered');
SELECT statement FROM migrate.diff(:'ordered', :'grown');

-- a schema equals itself; the empty schema set is an empty snapshot
SELECT count(*) FROM migrate.diff(migrate.snapshot(), migrate.snapshot());
SELECT migrate.snapshot('{}')->'objects' AS nothing;

-- from nothing to shop, and back: statements, hazards, transactional
SELECT seq, statement, hazards, transactional
  FROM migrate.diff(migrate.snapshot('{}'), migrate.snapshot('{shop}'));
SELECT seq, statement, hazards, transactional
  FROM migrate.diff(migrate.snapshot('{shop}'), migrate.snapshot('{}'));

-- an index build asked to run concurrently is a step outside the transaction
SELECT migrate.snapshot('{shop}') AS before \gset
BEGIN;
CREATE INDEX items_m ON shop.items (m);
SELECT migrate.snapshot('{shop}') AS after \gset
ROLLBACK;
SELECT statement, hazards, transactional FROM migrate.diff(:'before', :'after', concurrently => true);
SELECT statement, hazards, transactional FROM migrate.diff(:'after', :'before', concurrently => true);
-- so is a unique key's index, which the key then takes over
BEGIN;
ALTER TABLE shop.items ADD CONSTRAINT items_name_key UNIQUE (name);
SELECT migrate.snapshot('{shop}') AS keyed \gset
ROLLBACK;
SELECT statement, hazards, transactional FROM migrate.diff(:'before', :'keyed', concurrently => true);

-- what a snapshot holds but the diff does not write is reported, not skipped
BEGIN;
CREATE RULE no_delete AS ON DELETE TO shop.items DO INSTEAD NOTHING;
SELECT statement, hazards FROM migrate.diff(:'before', migrate.snapshot('{shop}'));
ROLLBACK;

-- errors: snapshot()
SELECT migrate.snapshot(ARRAY[NULL]::text[]);
SELECT migrate.snapshot('{nosuch}');
SELECT migrate.snapshot('{pg_catalog}');
SELECT migrate.snapshot('{migrate}');
SELECT migrate.snapshot('{{shop}}');

-- errors: diff()
SELECT * FROM migrate.diff(NULL, '{}');
SELECT * FROM migrate.diff('{}', NULL);
SELECT * FROM migrate.diff('{"format": 1, "objects": {}}', '{"format": 1, "objects": {}}', concurrently => NULL);
SELECT * FROM migrate.diff('{}', '{"format": 1, "objects": {}}');
SELECT * FROM migrate.diff('[1, 2]', '{"format": 1, "objects": {}}');
SELECT * FROM migrate.diff('{"format": 2, "objects": {}}', '{"format": 1, "objects": {}}');
SELECT * FROM migrate.diff('{"format": 1, "objects": {"table a.b": {"kind": "table"}}}', '{"format": 1, "objects": {}}');
SELECT * FROM migrate.diff('{"format": 1, "objects": {}}', '{"format": 1, "objects": {"table a.b": {"kind": "table", "name": "a.b"}}}');
SELECT * FROM migrate.diff('{"format": 1, "objects": {}}', '{"format": 1, "objects": {"schema a": {"kind": "schema", "name": "a", "acl": ["SELECT"]}}}');
SELECT * FROM migrate.diff('{"format": 1, "objects": {}}', '{"format": 1, "objects": {
    "view a.v": {"kind": "view", "name": "a.v", "definition": "SELECT 1", "deps": ["view a.w"]},
    "view a.w": {"kind": "view", "name": "a.w", "definition": "SELECT 2", "deps": ["view a.v"]}}}');
SELECT * FROM migrate.diff('{"format": 1, "objects": {}}', '{"format": 1, "objects": {}}', renames => '[]');
SELECT * FROM migrate.diff(:'before', :'after', renames => '{"table shop.nosuch": "table shop.other"}');
SELECT * FROM migrate.diff(:'before', :'after', renames => '{"table shop.items": "table shop.items"}');
SELECT * FROM migrate.diff(:'before', :'after', renames => '{"table shop.items": 1}');

-- renames turn a drop and an add into RENAME
BEGIN;
ALTER TABLE shop.items RENAME TO goods;
ALTER TABLE shop.goods RENAME COLUMN name TO title;
SELECT migrate.snapshot('{shop}') AS renamed \gset
ROLLBACK;
SELECT statement, hazards FROM migrate.diff(:'before', :'renamed',
    renames => '{"table shop.items": "table shop.goods", "column shop.items.name": "column shop.goods.title"}');
SELECT * FROM migrate.diff(:'before', :'renamed', renames => '{"table shop.items": "view shop.names"}');

DROP SCHEMA shop CASCADE;
DROP EXTENSION migrate;
