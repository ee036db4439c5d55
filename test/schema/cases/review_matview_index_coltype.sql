-- A case from the adversarial review of the diff (issue 11).
-- down-hazards: access_exclusive, data_dependent, rewrites_table
-- up-hazards: access_exclusive, data_dependent, rewrites_table
-- before
CREATE TABLE t (id int PRIMARY KEY, n int);
INSERT INTO t VALUES (1, 10);
CREATE VIEW v AS SELECT id, n FROM t;
CREATE VIEW vv AS SELECT n FROM v WHERE n > 0;
CREATE MATERIALIZED VIEW mv AS SELECT n, count(*) AS c FROM vv GROUP BY n;
CREATE UNIQUE INDEX mv_n ON mv (n);
COMMENT ON MATERIALIZED VIEW mv IS 'mat';
-- after
CREATE TABLE t (id int PRIMARY KEY, n bigint);
CREATE VIEW v AS SELECT id, n FROM t;
CREATE VIEW vv AS SELECT n FROM v WHERE n > 0;
CREATE MATERIALIZED VIEW mv AS SELECT n, count(*) AS c FROM vv GROUP BY n;
CREATE UNIQUE INDEX mv_n ON mv (n);
COMMENT ON MATERIALIZED VIEW mv IS 'mat';
