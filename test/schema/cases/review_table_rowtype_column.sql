-- A case from the adversarial review of the diff (issue 11).
-- down-hazards: access_exclusive, deletes_data, irreversible
-- up-hazards: access_exclusive
-- before
CREATE TABLE item (a int, b text);
CREATE TABLE holder (id int, it item);
-- after
CREATE TABLE item (a int, b text, c int);
CREATE TABLE holder (id int, it item);
