-- domain over a domain over an enum that loses a label; the outer domain's CHECK changes too
-- up-hazards: access_exclusive, data_dependent, irreversible, rewrites_table
-- down-hazards: data_dependent
-- before
CREATE TYPE st AS ENUM ('a', 'b', 'c');
CREATE DOMAIN d1 AS st;
CREATE DOMAIN d2 AS d1 CHECK (VALUE::st <> 'c');
CREATE TABLE t (v d2);
-- after
CREATE TYPE st AS ENUM ('a', 'b');
CREATE DOMAIN d1 AS st;
CREATE DOMAIN d2 AS d1 CHECK (VALUE::st <> 'b');
CREATE TABLE t (v d2);
