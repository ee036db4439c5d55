-- A case from the adversarial review of the diff (issue 11).
-- down-hazards: access_exclusive, deletes_data, irreversible
-- up-hazards: access_exclusive
-- before
CREATE TABLE t (id int, n int);
INSERT INTO t VALUES (1, -1);
-- after
CREATE TABLE t (id int, n int);
ALTER TABLE t ADD CONSTRAINT n_pos CHECK (n > 0) NOT VALID;
CREATE TABLE p (id int PRIMARY KEY);
ALTER TABLE t ADD CONSTRAINT t_fk FOREIGN KEY (id) REFERENCES p NOT VALID;
