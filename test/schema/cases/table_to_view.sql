-- A table is replaced by a view of the same name.
-- up-hazards: access_exclusive, deletes_data, irreversible
-- down-hazards: access_exclusive
-- before
CREATE TABLE base (id int);
CREATE TABLE summary (id int);
-- after
CREATE TABLE base (id int);
CREATE VIEW summary AS SELECT id FROM base;
