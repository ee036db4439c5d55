-- A case from the adversarial review of the diff (issue 11).
-- down-hazards: access_exclusive, deletes_data, irreversible
-- before
CREATE TYPE thing AS (a int, b text);
CREATE FUNCTION mk() RETURNS thing LANGUAGE sql AS $$SELECT 1, 'x'$$;
-- after
CREATE TABLE thing (a int, b text);
CREATE FUNCTION mk() RETURNS thing LANGUAGE sql AS $$SELECT 1, 'x'$$;
