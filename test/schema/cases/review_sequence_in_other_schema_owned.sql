-- A case from the adversarial review of the diff (issue 11).
-- down-hazards: access_exclusive, deletes_data
-- up-hazards: access_exclusive, deletes_data
-- before
CREATE SCHEMA s;
CREATE SEQUENCE s.q;
CREATE TABLE t (id int DEFAULT nextval('s.q'));
-- after
CREATE SCHEMA s2;
CREATE SEQUENCE s2.q AS int CYCLE;
CREATE TABLE t (id int DEFAULT nextval('s2.q'));
