-- A case from the adversarial review of the diff (issue 11).
-- down-hazards: access_exclusive, data_dependent, index_build
-- up-hazards: access_exclusive, data_dependent, deletes_data, index_build, irreversible
-- before
CREATE TABLE t (a int, b int, c int, CONSTRAINT t_ab UNIQUE (a, b));
CREATE INDEX t_ac ON t (a) INCLUDE (c);
CREATE VIEW v AS SELECT a, c FROM t;
-- after
CREATE TABLE t (a int, b int, CONSTRAINT t_ab UNIQUE (a));
CREATE INDEX t_ac ON t (a);
CREATE VIEW v AS SELECT a FROM t;
