-- A check changes its expression, a foreign key becomes deferrable and
-- cascades, an exclusion constraint comes.
-- up-hazards: access_exclusive, data_dependent, index_build
-- down-hazards: access_exclusive, data_dependent
-- before
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE c (id int PRIMARY KEY, parent int REFERENCES p, qty int CONSTRAINT qty_ok CHECK (qty > 0),
                during tsrange);
-- after
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE c (id int PRIMARY KEY,
                parent int REFERENCES p ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
                qty int CONSTRAINT qty_ok CHECK (qty >= 0),
                during tsrange, EXCLUDE USING gist (during WITH &&));
