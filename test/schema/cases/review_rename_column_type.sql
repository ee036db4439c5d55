-- A case from the adversarial review of the diff (issue 11).
-- down-hazards: access_exclusive, data_dependent, rewrites_table
-- up-hazards: access_exclusive, data_dependent, rewrites_table
-- renames: {"column public.t.a": "column public.t.b"}
-- before
CREATE TABLE t (id int, a int);
CREATE VIEW v AS SELECT a FROM t;
INSERT INTO t VALUES (1, 2);
-- after
CREATE TABLE t (id int, b bigint);
CREATE VIEW v AS SELECT b FROM t;
