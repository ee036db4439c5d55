-- A case from the adversarial review of the diff (issue 11).
-- down-hazards: access_exclusive, data_dependent, index_build
-- up-hazards: access_exclusive, data_dependent, index_build
-- before
CREATE TABLE t (id int, code text CONSTRAINT t_code_key UNIQUE);
-- after
CREATE TABLE t (id int, code text);
CREATE UNIQUE INDEX t_code_key ON t (code);
