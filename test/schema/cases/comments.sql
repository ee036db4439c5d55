-- Comments come, change and go on several kinds of object.
-- up-hazards:
-- down-hazards:
-- before
CREATE TABLE t (id int CONSTRAINT t_pk PRIMARY KEY, n int);
CREATE INDEX t_n ON t (n);
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';
COMMENT ON TABLE t IS 'old';
COMMENT ON COLUMN t.n IS 'a number';
-- after
CREATE TABLE t (id int CONSTRAINT t_pk PRIMARY KEY, n int);
CREATE INDEX t_n ON t (n);
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';
COMMENT ON TABLE t IS 'new ''quoted''';
COMMENT ON CONSTRAINT t_pk ON t IS 'the key';
COMMENT ON INDEX t_n IS 'by n';
COMMENT ON FUNCTION f() IS 'one';
