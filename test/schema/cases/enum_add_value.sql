-- An enum grows in place: values before, between and after.
-- up-hazards:
-- down-hazards: access_exclusive, data_dependent, irreversible, rewrites_table
-- up-contains: ALTER TYPE public.mood ADD VALUE 'meh' BEFORE 'ok'
-- down-contains: ALTER TYPE public.mood RENAME TO migrate_old_mood
-- before
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE t (m mood DEFAULT 'ok', ms mood[]);
INSERT INTO t VALUES ('sad', '{ok}');
CREATE VIEW v AS SELECT m FROM t;
-- after
CREATE TYPE mood AS ENUM ('awful', 'sad', 'meh', 'ok', 'happy', 'ecstatic');
CREATE TABLE t (m mood DEFAULT 'ok', ms mood[]);
CREATE VIEW v AS SELECT m FROM t;
