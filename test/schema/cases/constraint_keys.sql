-- Keys on a table with rows: a primary key, a unique key, a foreign key
-- and a check, the last two added NOT VALID and validated.
-- up-hazards: access_exclusive, data_dependent, index_build
-- down-hazards: access_exclusive
-- up-contains: FOREIGN KEY (parent) REFERENCES public.p(id) NOT VALID
-- up-contains: VALIDATE CONSTRAINT c_parent_fkey
-- before
CREATE TABLE p (id int NOT NULL);
CREATE TABLE c (id int NOT NULL, parent int, code text, qty int);
INSERT INTO p VALUES (1);
INSERT INTO c VALUES (1, 1, 'a', 3);
-- after
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE c (id int PRIMARY KEY, parent int REFERENCES p, code text UNIQUE, qty int CHECK (qty > 0));
