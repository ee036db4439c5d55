-- A case from the adversarial review of the diff (issue 11).
-- down-hazards: access_exclusive, data_dependent, irreversible, rewrites_table
-- up-hazards: access_exclusive, data_dependent
-- before
CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE TABLE t (m mood DEFAULT 'ok');
-- after
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE t (m mood DEFAULT 'happy' CHECK (m <> 'happy' OR true));
CREATE VIEW v AS SELECT * FROM t WHERE m = 'happy';
