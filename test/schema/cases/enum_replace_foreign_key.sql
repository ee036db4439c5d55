-- enum reordered; a foreign key between two columns of that enum
-- up-hazards: access_exclusive, data_dependent, irreversible, rewrites_table
-- down-hazards: access_exclusive, data_dependent, irreversible, rewrites_table
-- before
CREATE TYPE st AS ENUM ('a', 'b');
CREATE TABLE t (s st PRIMARY KEY);
CREATE TABLE r (s st REFERENCES t);
-- after
CREATE TYPE st AS ENUM ('b', 'a');
CREATE TABLE t (s st PRIMARY KEY);
CREATE TABLE r (s st REFERENCES t);
