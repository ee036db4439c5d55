-- A case from the adversarial review of the diff (issue 11).
-- down-hazards: access_exclusive
-- up-hazards: access_exclusive
-- before
CREATE FUNCTION mk() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE TABLE t (id int DEFAULT mk());
-- after
CREATE TABLE t (id int);
