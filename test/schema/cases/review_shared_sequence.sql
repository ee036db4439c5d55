-- A case from the adversarial review of the diff (issue 11).
-- down-hazards: access_exclusive, deletes_data, irreversible
-- up-hazards: access_exclusive, deletes_data, irreversible
-- before
CREATE SEQUENCE ids;
CREATE TABLE a (id bigint DEFAULT nextval('ids'));
CREATE TABLE b (id bigint DEFAULT nextval('ids'));
-- after
CREATE SEQUENCE ids START 100 INCREMENT 5;
CREATE TABLE b (id bigint DEFAULT nextval('ids'));
CREATE TABLE c (id bigint DEFAULT nextval('ids'));
ALTER SEQUENCE ids OWNED BY c.id;
