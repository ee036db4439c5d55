-- A case from the adversarial review of the diff (issue 11).
-- down-hazards: access_exclusive, deletes_data, irreversible, rewrites_table
-- up-hazards: access_exclusive, deletes_data, irreversible, rewrites_table
-- before
CREATE TABLE t (id int, a int, b int GENERATED ALWAYS AS (a * 2) STORED);
INSERT INTO t (id, a) VALUES (1, 2);
-- after
CREATE TABLE t (id int, a int, b int GENERATED ALWAYS AS (a * 3) STORED);
