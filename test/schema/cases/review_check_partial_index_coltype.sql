-- A case from the adversarial review of the diff (issue 11).
-- down-hazards: access_exclusive, data_dependent, index_build, rewrites_table
-- up-hazards: access_exclusive, data_dependent, index_build, rewrites_table
-- before
CREATE TABLE t (id int, n int CONSTRAINT n_pos CHECK (n > 0), s text);
CREATE INDEX t_s_partial ON t (s) WHERE n > 10;
CREATE INDEX t_expr ON t ((n + 1));
INSERT INTO t VALUES (1, 5, 'a');
-- after
CREATE TABLE t (id int, n numeric(10,2) CONSTRAINT n_pos CHECK (n > 0), s varchar(20));
CREATE INDEX t_s_partial ON t (s) WHERE n > 10;
CREATE INDEX t_expr ON t ((n + 1));
