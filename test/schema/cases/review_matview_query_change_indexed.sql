-- A case from the adversarial review of the diff (issue 11).
-- down-hazards: access_exclusive
-- up-hazards: access_exclusive
-- before
CREATE TABLE o (id int, total numeric);
CREATE MATERIALIZED VIEW mv AS SELECT id, total FROM o;
CREATE UNIQUE INDEX mv_id ON mv (id);
CREATE VIEW over_mv AS SELECT id FROM mv;
-- after
CREATE TABLE o (id int, total numeric);
CREATE MATERIALIZED VIEW mv AS SELECT id, total, total * 2 AS dbl FROM o WITH NO DATA;
CREATE UNIQUE INDEX mv_id ON mv (id);
CREATE VIEW over_mv AS SELECT id FROM mv;
