-- A function's body changes in place, another's result type forces a
-- rebuild of it and of the view and trigger that use it; a procedure comes.
-- up-hazards: access_exclusive
-- down-hazards: access_exclusive
-- up-contains: CREATE OR REPLACE FUNCTION public.add(a integer, b integer)
-- before
CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql AS 'SELECT a + b';
CREATE FUNCTION label(n int) RETURNS text LANGUAGE sql IMMUTABLE AS $$SELECT 'n' || n$$;
CREATE TABLE t (n int);
CREATE VIEW v AS SELECT label(n) FROM t;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER t_touch BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION touch();
-- after
CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql AS 'SELECT b + a';
CREATE FUNCTION label(n int) RETURNS varchar LANGUAGE sql IMMUTABLE AS $$SELECT 'n' || n$$;
CREATE TABLE t (n int);
CREATE VIEW v AS SELECT label(n) FROM t;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN NEW.n := NEW.n + 1; RETURN NEW; END$$;
CREATE TRIGGER t_touch BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION touch();
CREATE PROCEDURE reset() LANGUAGE sql AS 'DELETE FROM t';
