-- A primary key that a foreign key uses changes columns: the foreign key
-- is rebuilt around it.
-- up-hazards: access_exclusive, data_dependent, index_build
-- down-hazards: access_exclusive, data_dependent, index_build
-- before
CREATE TABLE p (a int, b int, CONSTRAINT p_pkey PRIMARY KEY (a), UNIQUE (a, b));
CREATE TABLE c (a int REFERENCES p (a));
-- after
CREATE TABLE p (a int, b int, CONSTRAINT p_pkey PRIMARY KEY (a, b), UNIQUE (a));
CREATE TABLE c (a int REFERENCES p (a));
