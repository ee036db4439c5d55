-- A case from the adversarial review of the diff (issue 11).
-- down-hazards: access_exclusive
-- up-hazards: access_exclusive, data_dependent, index_build
-- before
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE m (id int, k int) PARTITION BY LIST (k);
CREATE TABLE m1 PARTITION OF m FOR VALUES IN (1);
CREATE TABLE m2 PARTITION OF m FOR VALUES IN (2);
-- after
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE m (id int REFERENCES p, k int, CHECK (k > 0)) PARTITION BY LIST (k);
CREATE TABLE m1 PARTITION OF m FOR VALUES IN (1);
CREATE TABLE m2 PARTITION OF m FOR VALUES IN (2);
CREATE FUNCTION trg() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER m_trg BEFORE INSERT ON m FOR EACH ROW EXECUTE FUNCTION trg();
ALTER TABLE m ADD PRIMARY KEY (id, k);
