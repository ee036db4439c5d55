-- A case from the adversarial review of the diff (issue 11).
-- before
CREATE TABLE t (id int);
-- after
CREATE TABLE t (id int);
COMMENT ON TABLE t IS E'it''s a\nmulti-line \\ comment $$ with $q$ dollars';
COMMENT ON COLUMN t.id IS '';
