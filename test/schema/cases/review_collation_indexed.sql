-- A case from the adversarial review of the diff (issue 11).
-- down-hazards: access_exclusive, data_dependent, rewrites_table
-- up-hazards: access_exclusive, data_dependent, rewrites_table
-- before
CREATE TABLE t (id int, s text);
CREATE INDEX t_s ON t (s);
CREATE UNIQUE INDEX t_s_u ON t (s text_pattern_ops);
-- after
CREATE TABLE t (id int, s text COLLATE "C");
CREATE INDEX t_s ON t (s);
CREATE UNIQUE INDEX t_s_u ON t (s text_pattern_ops);
