-- A column changes type with a view over it, which is rebuilt around it.
-- up-hazards: access_exclusive, data_dependent, rewrites_table
-- down-hazards: access_exclusive, data_dependent, rewrites_table
-- up-contains: ALTER TABLE public.t ALTER COLUMN n TYPE bigint USING n::bigint
-- before
CREATE TABLE t (id int PRIMARY KEY, n int);
INSERT INTO t VALUES (1, 10);
CREATE VIEW v AS SELECT id, n FROM t;
CREATE VIEW vv AS SELECT n FROM v;
-- after
CREATE TABLE t (id int PRIMARY KEY, n bigint);
CREATE VIEW v AS SELECT id, n FROM t;
CREATE VIEW vv AS SELECT n FROM v;
