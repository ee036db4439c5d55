-- enum loses a label; a composite attribute is of that enum; no table
-- up-hazards: irreversible
-- before
CREATE TYPE st AS ENUM ('a', 'b', 'c');
CREATE TYPE item AS (name text, s st);
-- after
CREATE TYPE st AS ENUM ('a', 'b');
CREATE TYPE item AS (name text, s st);
