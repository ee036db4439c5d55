-- An enum replaced (a label removed) keeps its comment and privileges: the
-- new type gets them as a new one would.
-- up-hazards: access_exclusive, data_dependent, irreversible, rewrites_table
-- before
DO $$BEGIN CREATE ROLE schema_reader; EXCEPTION WHEN duplicate_object THEN NULL; END$$;
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
COMMENT ON TYPE mood IS 'how it went';
REVOKE USAGE ON TYPE mood FROM PUBLIC;
GRANT USAGE ON TYPE mood TO schema_reader;
CREATE TABLE t (m mood);
-- after
DO $$BEGIN CREATE ROLE schema_reader; EXCEPTION WHEN duplicate_object THEN NULL; END$$;
CREATE TYPE mood AS ENUM ('sad', 'happy');
COMMENT ON TYPE mood IS 'how it went';
REVOKE USAGE ON TYPE mood FROM PUBLIC;
GRANT USAGE ON TYPE mood TO schema_reader;
CREATE TABLE t (m mood);
