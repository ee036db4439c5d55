-- A case from the adversarial review of the diff (issue 11).
-- down-hazards: access_exclusive, data_dependent, rewrites_table
-- up-hazards: access_exclusive, data_dependent, rewrites_table
-- before
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE c (id int PRIMARY KEY, pid int REFERENCES p);
INSERT INTO p VALUES (1); INSERT INTO c VALUES (1, 1);
-- after
CREATE TABLE p (id bigint PRIMARY KEY);
CREATE TABLE c (id int PRIMARY KEY, pid bigint REFERENCES p);
