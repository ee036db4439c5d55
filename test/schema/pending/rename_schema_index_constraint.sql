-- Pending: a case from the adversarial review of the diff (issue 11) that
-- still fails; see README "Not handled yet".  Move it to cases/ when fixed.
-- renames: {"schema old": "schema new", "table old.t": "table new.t2", "column old.t.a": "column new.t2.b"}
-- before
CREATE SCHEMA old;
CREATE TABLE old.t (id int PRIMARY KEY, a int);
CREATE VIEW old.v AS SELECT a FROM old.t;
-- after
CREATE SCHEMA new;
CREATE TABLE new.t2 (id int PRIMARY KEY, b int);
CREATE VIEW new.v AS SELECT b AS a FROM new.t2;
