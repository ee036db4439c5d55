-- A case from the adversarial review of the diff (issue 11).
-- down-hazards: access_exclusive
-- up-hazards: access_exclusive, deletes_data, irreversible
-- before
CREATE TABLE t (id serial, n int);
CREATE TABLE u (id int DEFAULT nextval('t_id_seq'));
-- after
CREATE TABLE t (n int);
CREATE SEQUENCE t_id_seq;
CREATE TABLE u (id int DEFAULT nextval('t_id_seq'));
