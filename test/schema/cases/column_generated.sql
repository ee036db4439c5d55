-- A generated column's expression changes, another column becomes generated.
-- up-hazards: access_exclusive, deletes_data, irreversible, rewrites_table
-- down-hazards: access_exclusive, deletes_data, irreversible, rewrites_table
-- before
CREATE TABLE t (a int, b int, total int GENERATED ALWAYS AS (a + b) STORED);
INSERT INTO t (a, b) VALUES (1, 2);
-- after
CREATE TABLE t (a int, b int, total int GENERATED ALWAYS AS (a * b) STORED);
