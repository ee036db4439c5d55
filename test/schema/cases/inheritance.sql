-- A table starts inheriting from another, and a child table comes.
-- up-hazards: access_exclusive, data_dependent
-- down-hazards: access_exclusive, deletes_data, irreversible
-- up-contains: ALTER TABLE public.b INHERIT public.base
-- before
CREATE TABLE base (id int, created timestamptz);
CREATE TABLE b (id int, created timestamptz, extra text);
-- after
CREATE TABLE base (id int, created timestamptz);
CREATE TABLE b (id int, created timestamptz, extra text);
ALTER TABLE b INHERIT base;
CREATE TABLE c (more int) INHERITS (base);
