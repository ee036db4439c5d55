-- A nondeterministic ICU collation comes, with a column using it.
-- up-hazards: access_exclusive
-- down-hazards: access_exclusive, deletes_data, irreversible
-- up-contains: CREATE COLLATION public.nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false)
-- before
CREATE TABLE t (id int);
-- after
CREATE COLLATION nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE t (id int, name text COLLATE nocase);
