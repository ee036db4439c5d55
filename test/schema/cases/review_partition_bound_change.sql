-- A case from the adversarial review of the diff (issue 11).
-- down-hazards: access_exclusive, data_dependent
-- up-hazards: access_exclusive, data_dependent
-- before
CREATE TABLE m (id int, k int) PARTITION BY RANGE (k);
CREATE TABLE m1 PARTITION OF m FOR VALUES FROM (0) TO (10);
CREATE TABLE md PARTITION OF m DEFAULT;
ALTER TABLE m ADD PRIMARY KEY (id, k);
INSERT INTO m VALUES (1, 5), (2, 50);
-- after
CREATE TABLE m (id int, k int) PARTITION BY RANGE (k);
CREATE TABLE m1 PARTITION OF m FOR VALUES FROM (0) TO (20);
CREATE TABLE md PARTITION OF m DEFAULT;
ALTER TABLE m ADD PRIMARY KEY (id, k);
