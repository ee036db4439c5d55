-- Tables linked by a foreign key switch between logged and unlogged: the
-- referencing table goes unlogged first and logged last.
-- up-hazards: access_exclusive, rewrites_table
-- down-hazards: access_exclusive, rewrites_table
-- before
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE c (id int REFERENCES p);
-- after
CREATE UNLOGGED TABLE p (id int PRIMARY KEY);
CREATE UNLOGGED TABLE c (id int REFERENCES p);
