-- A case from the adversarial review of the diff (issue 11).
-- down-hazards: access_exclusive, data_dependent, rewrites_table
-- up-hazards: access_exclusive, data_dependent, rewrites_table
-- before
CREATE TABLE parent (id int, n int);
CREATE TABLE child (extra text) INHERITS (parent);
INSERT INTO child VALUES (1, 2, 'x');
-- after
CREATE TABLE parent (id int, n bigint NOT NULL DEFAULT 0);
CREATE TABLE child (extra text) INHERITS (parent);
