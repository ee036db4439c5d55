-- A case from the adversarial review of the diff (issue 11).
-- down-hazards: access_exclusive, data_dependent, rewrites_table
-- up-hazards: access_exclusive, data_dependent, rewrites_table
-- before
CREATE TABLE t (id serial PRIMARY KEY, v text);
INSERT INTO t (v) VALUES ('a');
-- after
CREATE TABLE t (id bigserial PRIMARY KEY, v text);
