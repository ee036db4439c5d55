-- NOT NULL on a column with rows: checked by a constraint that is
-- validated first, so SET NOT NULL does not scan under its lock.
-- up-hazards: access_exclusive, data_dependent
-- down-hazards: access_exclusive
-- up-contains: VALIDATE CONSTRAINT migrate_not_null
-- before
CREATE TABLE t (id int, name text);
INSERT INTO t VALUES (1, 'a');
-- after
CREATE TABLE t (id int, name text NOT NULL);
