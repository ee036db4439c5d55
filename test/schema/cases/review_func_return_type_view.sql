-- A case from the adversarial review of the diff (issue 11).
-- down-hazards: access_exclusive
-- up-hazards: access_exclusive
-- before
CREATE FUNCTION f(x int DEFAULT 1) RETURNS int LANGUAGE sql AS 'SELECT x';
CREATE VIEW v AS SELECT f() AS a;
CREATE FUNCTION g(OUT a int, OUT b text) LANGUAGE sql AS $$SELECT 1, 'x'$$;
CREATE PROCEDURE pr(a int) LANGUAGE sql AS $$SELECT 1$$;
-- after
CREATE FUNCTION f(x int) RETURNS bigint LANGUAGE sql AS 'SELECT x::bigint';
CREATE VIEW v AS SELECT f(1) AS a;
CREATE FUNCTION g(OUT a int, OUT b text, OUT c int) LANGUAGE sql AS $$SELECT 1, 'x', 2$$;
CREATE PROCEDURE pr(a int, b int DEFAULT 2) LANGUAGE sql AS $$SELECT 1$$;
