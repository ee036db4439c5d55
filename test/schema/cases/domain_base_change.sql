-- A domain over another base type while a column and a view use it: the
-- new domain beside the old, the column converted, the view rebuilt.
-- up-hazards: access_exclusive, data_dependent, rewrites_table
-- down-hazards: access_exclusive, data_dependent, rewrites_table
-- before
CREATE DOMAIN money2 AS numeric(10,2) CHECK (VALUE >= 0);
CREATE TABLE t (id int, m money2);
CREATE VIEW v AS SELECT m FROM t;
INSERT INTO t VALUES (1, 3.5);
-- after
CREATE DOMAIN money2 AS numeric(12,4) CHECK (VALUE >= 0);
CREATE TABLE t (id int, m money2);
CREATE VIEW v AS SELECT m FROM t;
