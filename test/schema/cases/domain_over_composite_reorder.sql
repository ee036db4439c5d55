-- domain over a composite whose two text attributes swap places: values must follow names
-- up-hazards: access_exclusive, data_dependent, irreversible, rewrites_table
-- down-hazards: access_exclusive, data_dependent, irreversible, rewrites_table
-- before
CREATE TYPE nm AS (first text, last text);
CREATE DOMAIN nmd AS nm CHECK ((VALUE).first IS NOT NULL AND (VALUE).first <> 'Lovelace');
CREATE TABLE t (id int, n nmd, raw nm);
INSERT INTO t VALUES (1, ROW('Ada', 'Lovelace'), ROW('Alan', 'Turing'));
-- after
CREATE TYPE nm AS (last text, first text);
CREATE DOMAIN nmd AS nm CHECK ((VALUE).first IS NOT NULL AND (VALUE).first <> 'Lovelace');
CREATE TABLE t (id int, n nmd, raw nm);
