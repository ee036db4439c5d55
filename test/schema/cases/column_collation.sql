-- A column gets a collation of its own.
-- up-hazards: access_exclusive, data_dependent, rewrites_table
-- down-hazards: access_exclusive, data_dependent, rewrites_table
-- up-contains: COLLATE pg_catalog."C"
-- before
CREATE TABLE t (name text);
-- after
CREATE TABLE t (name text COLLATE "C");
