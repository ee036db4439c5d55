-- A parameter renamed: same argument types, so the old function must be
-- dropped before the new one is created (CREATE OR REPLACE cannot rename it).
-- before
CREATE FUNCTION add1(a int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT a + 1';
-- after
CREATE FUNCTION add1(n int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT n + 1';
