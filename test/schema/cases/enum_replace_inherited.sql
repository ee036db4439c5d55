-- enum reordered; plain inheritance child (inherited column) and a child-own column
-- up-hazards: access_exclusive, data_dependent, irreversible, rewrites_table
-- down-hazards: access_exclusive, data_dependent, irreversible, rewrites_table
-- before
CREATE TYPE st AS ENUM ('a', 'b');
CREATE TABLE par (id int, s st);
CREATE TABLE chi (extra st) INHERITS (par);
-- after
CREATE TYPE st AS ENUM ('b', 'a');
CREATE TABLE par (id int, s st);
CREATE TABLE chi (extra st) INHERITS (par);
