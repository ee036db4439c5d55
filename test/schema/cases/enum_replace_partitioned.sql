-- enum label removed; partitioned table column
-- up-hazards: access_exclusive, data_dependent, irreversible, rewrites_table
-- before
CREATE TYPE st AS ENUM ('new', 'old', 'gone');
CREATE TABLE p (id int, s st) PARTITION BY RANGE (id);
CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (100);
CREATE TABLE p2 PARTITION OF p FOR VALUES FROM (100) TO (200);
INSERT INTO p VALUES (1, 'new'), (150, 'old');
-- after
CREATE TYPE st AS ENUM ('new', 'old');
CREATE TABLE p (id int, s st) PARTITION BY RANGE (id);
CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (100);
CREATE TABLE p2 PARTITION OF p FOR VALUES FROM (100) TO (200);
