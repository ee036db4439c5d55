-- Defaults change, appear and go.
-- up-hazards: access_exclusive
-- down-hazards: access_exclusive
-- up-contains: ALTER TABLE public.t ALTER COLUMN a SET DEFAULT 5
-- before
CREATE TABLE t (a int DEFAULT 1, b text DEFAULT 'x', c timestamptz);
-- after
CREATE TABLE t (a int DEFAULT 5, b text, c timestamptz DEFAULT now());
