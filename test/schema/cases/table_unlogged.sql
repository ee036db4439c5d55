-- A table becomes unlogged and gets storage options.
-- up-hazards: access_exclusive, rewrites_table
-- down-hazards: access_exclusive, rewrites_table
-- up-contains: ALTER TABLE public.cache SET UNLOGGED
-- before
CREATE TABLE cache (k text PRIMARY KEY, v text);
INSERT INTO cache VALUES ('a', 'b');
-- after
CREATE UNLOGGED TABLE cache (k text PRIMARY KEY, v text) WITH (fillfactor = 70);
