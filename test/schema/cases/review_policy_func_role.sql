-- A case from the adversarial review of the diff (issue 11).
-- down-hazards: access_exclusive, data_dependent
-- up-hazards: access_exclusive, data_dependent, rewrites_table
-- before
DO $$BEGIN CREATE ROLE schema_reader; EXCEPTION WHEN duplicate_object THEN NULL; END$$;
CREATE TABLE owners (id int PRIMARY KEY, name text);
CREATE TABLE t (id int, owner int);
ALTER TABLE t ENABLE ROW LEVEL SECURITY;
CREATE POLICY p ON t FOR SELECT TO schema_reader USING (owner IN (SELECT id FROM owners WHERE name = current_user));
-- after
DO $$BEGIN CREATE ROLE schema_reader; EXCEPTION WHEN duplicate_object THEN NULL; END$$;
CREATE TABLE owners (id int PRIMARY KEY, name varchar(100));
CREATE TABLE t (id int, owner int);
ALTER TABLE t ENABLE ROW LEVEL SECURITY;
ALTER TABLE t FORCE ROW LEVEL SECURITY;
CREATE POLICY p ON t AS RESTRICTIVE FOR SELECT TO schema_reader, PUBLIC USING (owner IN (SELECT id FROM owners WHERE name = current_user));
CREATE POLICY "Ins ""q""" ON t FOR INSERT WITH CHECK (owner > 0);
