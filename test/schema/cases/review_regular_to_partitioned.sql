-- A case from the adversarial review of the diff (issue 11).
-- down-hazards: access_exclusive, deletes_data, irreversible
-- up-hazards: access_exclusive, deletes_data, irreversible
-- before
CREATE TABLE m (id int, k int);
CREATE VIEW v AS SELECT id FROM m;
-- after
CREATE TABLE m (id int, k int) PARTITION BY LIST (k);
CREATE TABLE m1 PARTITION OF m FOR VALUES IN (1);
CREATE VIEW v AS SELECT id FROM m;
