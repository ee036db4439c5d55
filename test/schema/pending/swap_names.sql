-- Pending: a case from the adversarial review of the diff (issue 11) that
-- still fails; see README "Not handled yet".  Move it to cases/ when fixed.
-- renames: {"table public.a": "table public.b", "table public.b": "table public.a"}
-- before
CREATE TABLE a (x int);
CREATE TABLE b (y text);
INSERT INTO a VALUES (1);
-- after
CREATE TABLE b (x int);
CREATE TABLE a (y text);
