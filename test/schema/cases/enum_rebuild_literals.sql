-- An enum reordered while a check, an index predicate and a view name its
-- labels: they are rebuilt around the new type.
-- up-hazards: access_exclusive, data_dependent, index_build, irreversible, rewrites_table
-- down-hazards: access_exclusive, data_dependent, index_build, irreversible, rewrites_table
-- before
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE t (id int, m mood CONSTRAINT not_sad CHECK (m <> 'sad'));
CREATE INDEX t_m_ok ON t (id) WHERE m = 'ok';
CREATE INDEX t_m ON t (m);
CREATE VIEW v AS SELECT id FROM t WHERE m = 'happy';
-- after
CREATE TYPE mood AS ENUM ('happy', 'ok', 'sad');
CREATE TABLE t (id int, m mood CONSTRAINT not_sad CHECK (m <> 'sad'));
CREATE INDEX t_m_ok ON t (id) WHERE m = 'ok';
CREATE INDEX t_m ON t (m);
CREATE VIEW v AS SELECT id FROM t WHERE m = 'happy';
