-- A case from the adversarial review of the diff (issue 11).
-- down-hazards: access_exclusive, data_dependent, deletes_data, index_build, irreversible, rewrites_table
-- up-hazards: access_exclusive, data_dependent, deletes_data, index_build, irreversible, rewrites_table
-- before
CREATE TABLE t (id int, a int, b int GENERATED ALWAYS AS (a * 2) STORED);
INSERT INTO t (id, a) VALUES (1, 2);
CREATE INDEX t_b ON t (b);
-- after
CREATE TABLE t (id int, a bigint, b bigint GENERATED ALWAYS AS (a * 2) STORED);
CREATE INDEX t_b ON t (b);
