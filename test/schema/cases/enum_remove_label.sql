-- An enum loses a label while a domain, a function, a default and an array
-- column use it: the domain is replaced over the new type, the function
-- rebuilt, the columns converted.
-- up-hazards: access_exclusive, data_dependent, irreversible, rewrites_table
-- down-hazards: access_exclusive
-- before
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN dmood AS mood CHECK (VALUE <> 'sad');
CREATE FUNCTION f(m mood) RETURNS mood LANGUAGE sql AS 'SELECT m';
CREATE TABLE t (m mood DEFAULT 'ok', ms mood[], d dmood);
INSERT INTO t VALUES ('happy', '{happy}', 'happy');
-- after
CREATE TYPE mood AS ENUM ('sad', 'happy');
CREATE DOMAIN dmood AS mood CHECK (VALUE <> 'sad');
CREATE FUNCTION f(m mood) RETURNS mood LANGUAGE sql AS 'SELECT m';
CREATE TABLE t (m mood DEFAULT 'happy', ms mood[], d dmood);
