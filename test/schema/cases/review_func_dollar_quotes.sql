-- A case from the adversarial review of the diff (issue 11).
-- before
CREATE FUNCTION f() RETURNS text LANGUAGE plpgsql AS $fn$BEGIN RETURN 'a'; END$fn$;
-- after
CREATE FUNCTION f() RETURNS text LANGUAGE plpgsql SET search_path = public, pg_temp STABLE STRICT PARALLEL SAFE COST 5 AS $fn$
BEGIN
  -- $$ inside
  RETURN $$it's $x$ $$ || E'\n';
END$fn$;
CREATE FUNCTION "Weird Fn"("select" int, VARIADIC rest text[]) RETURNS SETOF int LANGUAGE sql ROWS 3 AS $$SELECT 1$$;
CREATE FUNCTION tbl() RETURNS TABLE (a int, "B b" text) LANGUAGE sql AS $$SELECT 1, 'x'$$;
