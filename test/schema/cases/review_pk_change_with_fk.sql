-- A case from the adversarial review of the diff (issue 11).
-- down-hazards: access_exclusive, data_dependent, deletes_data, index_build, irreversible
-- up-hazards: access_exclusive, data_dependent, index_build
-- before
CREATE TABLE p (a int, b int, CONSTRAINT p_pkey PRIMARY KEY (a));
CREATE TABLE c (a int REFERENCES p);
-- after
CREATE TABLE p (a int, b int NOT NULL, CONSTRAINT p_pkey PRIMARY KEY (a, b));
CREATE TABLE c (a int, b int, FOREIGN KEY (a, b) REFERENCES p);
