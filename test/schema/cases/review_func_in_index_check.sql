-- A case from the adversarial review of the diff (issue 11).
-- before
CREATE FUNCTION norm(s text) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT lower(s)';
CREATE TABLE t (id int, s text CHECK (norm(s) <> ''));
CREATE INDEX t_norm ON t (norm(s));
INSERT INTO t VALUES (1, 'A');
-- after
CREATE FUNCTION norm(s text) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT upper(s)';
CREATE TABLE t (id int, s text CHECK (norm(s) <> ''));
CREATE INDEX t_norm ON t (norm(s));
