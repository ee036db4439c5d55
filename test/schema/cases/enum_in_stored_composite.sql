-- enum loses a label; a composite attribute is of that enum; a table stores the composite
-- up-hazards: access_exclusive, data_dependent, irreversible, rewrites_table
-- before
CREATE TYPE st AS ENUM ('a', 'b', 'c');
CREATE TYPE item AS (name text, s st);
CREATE TABLE t (it item);
-- after
CREATE TYPE st AS ENUM ('a', 'b');
CREATE TYPE item AS (name text, s st);
CREATE TABLE t (it item);
