-- A composite type gains, loses and retypes attributes.
-- up-hazards: data_dependent, deletes_data, irreversible
-- down-hazards: data_dependent, deletes_data, irreversible
-- before
CREATE TYPE addr AS (street text, zip int, old text);
-- after
CREATE TYPE addr AS (street text, zip text, city text);
