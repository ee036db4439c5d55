-- A case from the adversarial review of the diff (issue 11).
-- down-hazards: data_dependent
-- up-hazards: access_exclusive, deletes_data, irreversible
-- before
CREATE SCHEMA s;
CREATE TYPE s.e AS ENUM ('a');
CREATE TABLE s.t (id int PRIMARY KEY, e s.e);
CREATE VIEW s.v AS SELECT id FROM s.t;
CREATE FUNCTION s.f() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE SEQUENCE s.q;
CREATE TABLE keep (id int REFERENCES s.t);
-- after
CREATE TABLE keep (id int);
