-- A case from the adversarial review of the diff (issue 11).
-- before
CREATE TABLE t (id int, secret text, name text);
-- after
CREATE TABLE t (id int, secret text, name text);
GRANT SELECT (id, name), UPDATE (name) ON t TO PUBLIC;
