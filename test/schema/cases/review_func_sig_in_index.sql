-- A case from the adversarial review of the diff (issue 11).
-- down-hazards: access_exclusive, index_build
-- up-hazards: access_exclusive, index_build
-- before
CREATE FUNCTION norm(s text) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT lower(s)';
CREATE TABLE t (id int, s text);
CREATE INDEX t_norm ON t (norm(s));
-- after
CREATE FUNCTION norm(s text, d text DEFAULT '') RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT lower(s) || d';
CREATE TABLE t (id int, s text);
CREATE INDEX t_norm ON t (norm(s));
