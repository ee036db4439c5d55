-- Partitions: one is detached into a table of its own, another attached,
-- a new one created.
-- up-hazards: access_exclusive, data_dependent
-- down-hazards: access_exclusive, data_dependent, deletes_data, irreversible
-- up-contains: ATTACH PARTITION public.m3 FOR VALUES IN (3)
-- up-contains: DETACH PARTITION public.m1
-- before
CREATE TABLE m (id int, k int, v text) PARTITION BY LIST (k);
CREATE TABLE m1 PARTITION OF m FOR VALUES IN (1);
CREATE TABLE m2 PARTITION OF m FOR VALUES IN (2);
CREATE TABLE m3 (id int, k int, v text);
INSERT INTO m VALUES (1, 1, 'a'), (2, 2, 'b');
INSERT INTO m3 VALUES (3, 3, 'c');
-- after
CREATE TABLE m (id int, k int, v text) PARTITION BY LIST (k);
CREATE TABLE m1 (id int, k int, v text);
CREATE TABLE m2 PARTITION OF m FOR VALUES IN (2);
CREATE TABLE m3 PARTITION OF m FOR VALUES IN (3);
CREATE TABLE m4 PARTITION OF m FOR VALUES IN (4);
