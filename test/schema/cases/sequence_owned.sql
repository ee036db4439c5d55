-- Sequences: a serial column, a shared sequence whose parameters change.
-- up-hazards: access_exclusive
-- down-hazards: access_exclusive, deletes_data, irreversible
-- up-contains: ALTER SEQUENCE public.shared INCREMENT BY 10
-- before
CREATE SEQUENCE shared;
CREATE TABLE t (a int DEFAULT nextval('shared'));
-- after
CREATE SEQUENCE shared INCREMENT BY 10 MAXVALUE 100000 CYCLE;
CREATE TABLE t (a int DEFAULT nextval('shared'), id serial);
