-- Pending: a case from the adversarial review of the diff (issue 11) that
-- still fails; see README "Not handled yet".  Move it to cases/ when fixed.
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
