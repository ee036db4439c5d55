-- A view changes its query; a materialized view with an index comes.
-- up-hazards: access_exclusive
-- down-hazards: access_exclusive
-- before
CREATE TABLE orders (id int, total numeric, placed date);
CREATE VIEW big AS SELECT id FROM orders WHERE total > 100;
-- after
CREATE TABLE orders (id int, total numeric, placed date);
CREATE VIEW big AS SELECT id, total FROM orders WHERE total > 1000;
CREATE MATERIALIZED VIEW daily AS SELECT placed, sum(total) AS total FROM orders GROUP BY placed;
CREATE UNIQUE INDEX daily_placed ON daily (placed);
COMMENT ON MATERIALIZED VIEW daily IS 'per day';
