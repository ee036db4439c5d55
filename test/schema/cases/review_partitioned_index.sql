-- A case from the adversarial review of the diff (issue 11).
-- down-hazards: access_exclusive, deletes_data, irreversible
-- up-hazards: access_exclusive, data_dependent, deletes_data, index_build, irreversible
-- before
CREATE TABLE m (id int, k int, v text) PARTITION BY RANGE (k);
CREATE TABLE m1 PARTITION OF m FOR VALUES FROM (0) TO (10);
CREATE TABLE m2 PARTITION OF m FOR VALUES FROM (10) TO (20);
CREATE INDEX m_v ON m (v);
-- after
CREATE TABLE m (id int, k int, v text) PARTITION BY RANGE (k);
CREATE TABLE m1 PARTITION OF m FOR VALUES FROM (0) TO (10);
CREATE TABLE m3 PARTITION OF m FOR VALUES FROM (20) TO (30);
CREATE INDEX m_v ON m (v);
CREATE UNIQUE INDEX m_idk ON m (id, k);
