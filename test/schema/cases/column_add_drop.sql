-- One column goes, another comes.
-- up-hazards: access_exclusive, deletes_data, irreversible
-- down-hazards: access_exclusive, deletes_data, irreversible
-- up-contains: ALTER TABLE public.t DROP COLUMN old
-- up-contains: ALTER TABLE public.t ADD COLUMN fresh text DEFAULT 'n/a'::text NOT NULL
-- before
CREATE TABLE t (id int PRIMARY KEY, old text);
INSERT INTO t VALUES (1, 'x');
-- after
CREATE TABLE t (id int PRIMARY KEY, fresh text NOT NULL DEFAULT 'n/a');
