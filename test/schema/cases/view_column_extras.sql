-- Defaults and comments of a view's columns change in place: the view is
-- not rebuilt for them.
-- up-contains: ALTER VIEW public.v ALTER COLUMN n SET DEFAULT 7
-- down-contains: ALTER VIEW public.v ALTER COLUMN n DROP DEFAULT
-- before
CREATE TABLE t (id int, n int, s text);
CREATE VIEW v AS SELECT id, n, s FROM t;
COMMENT ON COLUMN v.id IS 'the id';
ALTER VIEW v ALTER COLUMN s SET DEFAULT 'x';
-- after
CREATE TABLE t (id int, n int, s text);
CREATE VIEW v AS SELECT id, n, s FROM t;
COMMENT ON COLUMN v.n IS 'the n';
ALTER VIEW v ALTER COLUMN n SET DEFAULT 7;
ALTER VIEW v ALTER COLUMN s SET DEFAULT 'y';
