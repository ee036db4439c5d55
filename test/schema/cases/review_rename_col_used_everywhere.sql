-- A case from the adversarial review of the diff (issue 11).
-- down-hazards: access_exclusive, data_dependent
-- up-hazards: access_exclusive, data_dependent
-- renames: {"column public.t.a": "column public.t.z"}
-- before
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE t (id int, a int REFERENCES p CHECK (a > 0), g int GENERATED ALWAYS AS (a + 1) STORED);
CREATE INDEX t_a ON t (a) WHERE a > 1;
ALTER TABLE t ENABLE ROW LEVEL SECURITY;
CREATE POLICY pol ON t USING (a > 0);
COMMENT ON COLUMN t.a IS 'a';
-- after
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE t (id int, z int REFERENCES p CHECK (z > 0), g int GENERATED ALWAYS AS (z + 1) STORED);
CREATE INDEX t_a ON t (z) WHERE z > 1;
ALTER TABLE t ENABLE ROW LEVEL SECURITY;
CREATE POLICY pol ON t USING (z > 0);
COMMENT ON COLUMN t.z IS 'a';
