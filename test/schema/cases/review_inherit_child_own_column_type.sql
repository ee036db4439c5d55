-- A case from the adversarial review of the diff (issue 11).
-- down-hazards: access_exclusive, deletes_data, irreversible
-- up-hazards: access_exclusive, data_dependent
-- before
CREATE TABLE parent (id int);
CREATE TABLE child (id int, x int);
-- after
CREATE TABLE parent (id int);
CREATE TABLE child (id int, x int) INHERITS (parent);
CREATE TABLE c2 () INHERITS (parent, child);
