-- A composite type that a table column stores changes its attributes:
-- PostgreSQL cannot alter it, so a new type is made and the column's rows
-- converted attribute by attribute (a new attribute is NULL).
-- up-hazards: access_exclusive, data_dependent, irreversible, rewrites_table
-- down-hazards: access_exclusive, data_dependent, irreversible, rewrites_table
-- before
CREATE TYPE addr AS (street text, zip int);
CREATE TABLE t (id int, a addr);
INSERT INTO t VALUES (1, ROW('x', 1));
-- after
CREATE TYPE addr AS (street text, zip text, city text);
CREATE TABLE t (id int, a addr);
