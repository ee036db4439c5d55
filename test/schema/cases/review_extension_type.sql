-- A case from the adversarial review of the diff (issue 11).
-- down-hazards: access_exclusive, data_dependent, deletes_data, rewrites_table
-- up-hazards: access_exclusive, data_dependent, index_build, rewrites_table
-- before
CREATE TABLE t (id int, tags text);
-- after
CREATE EXTENSION IF NOT EXISTS hstore;
CREATE TABLE t (id int, tags hstore);
CREATE INDEX t_tags ON t USING gin (tags);
