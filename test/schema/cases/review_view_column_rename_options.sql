-- A case from the adversarial review of the diff (issue 11).
-- down-hazards: access_exclusive
-- up-hazards: access_exclusive
-- before
CREATE TABLE t (id int, n int);
CREATE VIEW v AS SELECT id, n FROM t;
CREATE VIEW w AS SELECT id FROM v;
-- after
CREATE TABLE t (id int, n int);
CREATE VIEW v WITH (security_barrier) AS SELECT id AS ident, n FROM t WHERE n > 0 WITH CHECK OPTION;
CREATE VIEW w AS SELECT ident FROM v;
