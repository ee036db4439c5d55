-- A function's signature changes while a column default calls it: the new
-- overload first, the default moved to it, then the old one dropped.
-- up-hazards: access_exclusive
-- down-hazards: access_exclusive
-- before
CREATE FUNCTION mk(a int) RETURNS int LANGUAGE sql AS 'SELECT a + 1';
CREATE TABLE t (id int, n int DEFAULT mk(1));
-- after
CREATE FUNCTION mk(a bigint) RETURNS int LANGUAGE sql AS 'SELECT (a + 2)::int';
CREATE TABLE t (id int, n int DEFAULT mk(1));
