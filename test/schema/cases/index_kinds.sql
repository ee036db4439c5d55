-- Indexes: partial, expression, INCLUDE, operator class; one changes.
-- up-hazards: access_exclusive, data_dependent, index_build
-- down-hazards: access_exclusive, index_build
-- up-contains: CREATE INDEX t_lower_idx ON public.t USING btree (lower(name))
-- before
CREATE TABLE t (id int, name text, active bool, email text);
CREATE INDEX t_name_idx ON t (name);
-- after
CREATE TABLE t (id int, name text, active bool, email text);
CREATE INDEX t_name_idx ON t (name) WHERE active;
CREATE INDEX t_lower_idx ON t (lower(name));
CREATE UNIQUE INDEX t_id_idx ON t (id) INCLUDE (name);
CREATE INDEX t_email_idx ON t (email text_pattern_ops);
