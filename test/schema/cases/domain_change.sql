-- A domain gets a default, NOT NULL and a changed check; a new one comes.
-- up-hazards: access_exclusive, data_dependent
-- down-hazards: access_exclusive, data_dependent, deletes_data, irreversible
-- before
CREATE DOMAIN qty AS int CONSTRAINT positive CHECK (VALUE > 0);
CREATE TABLE t (q qty);
-- after
CREATE DOMAIN qty AS int DEFAULT 1 NOT NULL CONSTRAINT positive CHECK (VALUE >= 0);
CREATE DOMAIN code AS text COLLATE "C" CHECK (VALUE ~ '^[A-Z]+$');
CREATE TABLE t (q qty, c code);
