-- A composite type's attributes keep their order (a row literal depends on
-- it); an attribute added in the middle needs a new type even with no user.
-- up-hazards: irreversible
-- down-hazards: deletes_data, irreversible
-- before
CREATE TYPE pt AS (z int, a int);
CREATE FUNCTION mk() RETURNS pt LANGUAGE sql AS 'SELECT ROW(1, 2)::pt';
-- after
CREATE TYPE pt AS (z int, m text, a int);
CREATE FUNCTION mk() RETURNS pt LANGUAGE sql AS 'SELECT ROW(1, ''x'', 2)::pt';
