-- Pending: a case from the adversarial review of the diff (issue 11) that
-- still fails; see README "Not handled yet".  Move it to cases/ when fixed.
-- before
CREATE TYPE addr AS (street text, zip int);
CREATE TABLE t (id int, a addr);
INSERT INTO t VALUES (1, ROW('x', 1));
-- after
CREATE TYPE addr AS (street text, zip text, city text);
CREATE TABLE t (id int, a addr);
