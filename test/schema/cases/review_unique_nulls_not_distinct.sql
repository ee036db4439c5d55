-- A case from the adversarial review of the diff (issue 11).
-- down-hazards: access_exclusive, data_dependent, index_build
-- up-hazards: access_exclusive, data_dependent, index_build
-- before
CREATE TABLE t (id int, c text, CONSTRAINT t_c UNIQUE (c));
-- after
CREATE TABLE t (id int, c text, CONSTRAINT t_c UNIQUE NULLS NOT DISTINCT (c) INCLUDE (id));
