-- Privileges on a schema, a table, a column, a sequence and a function.
-- up-hazards:
-- down-hazards:
-- up-contains: GRANT SELECT (name) ON TABLE public.t TO schema_reader
-- up-contains: REVOKE EXECUTE ON FUNCTION public.f() FROM PUBLIC
-- before
DO $$BEGIN CREATE ROLE schema_reader; EXCEPTION WHEN duplicate_object THEN NULL; END$$;
CREATE TABLE t (id int, name text);
CREATE SEQUENCE s;
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';
GRANT INSERT ON t TO schema_reader;
-- after
DO $$BEGIN CREATE ROLE schema_reader; EXCEPTION WHEN duplicate_object THEN NULL; END$$;
CREATE TABLE t (id int, name text);
CREATE SEQUENCE s;
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';
GRANT USAGE ON SCHEMA public TO schema_reader;
GRANT SELECT ON t TO schema_reader WITH GRANT OPTION;
GRANT SELECT (name) ON t TO schema_reader;
GRANT USAGE ON SEQUENCE s TO schema_reader;
REVOKE EXECUTE ON FUNCTION f() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION f() TO schema_reader;
