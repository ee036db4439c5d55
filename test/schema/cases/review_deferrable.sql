-- A case from the adversarial review of the diff (issue 11).
-- down-hazards: access_exclusive, data_dependent, index_build
-- up-hazards: access_exclusive, data_dependent, index_build
-- before
CREATE TABLE t (id int CONSTRAINT t_pk PRIMARY KEY, code text CONSTRAINT t_code UNIQUE);

-- after
CREATE TABLE t (id int CONSTRAINT t_pk PRIMARY KEY DEFERRABLE, code text CONSTRAINT t_code UNIQUE DEFERRABLE INITIALLY DEFERRED);

