-- A schema is renamed with what is in it.
-- renames: {"schema app": "schema core"}
-- up-hazards:
-- down-hazards:
-- up-contains: ALTER SCHEMA app RENAME TO core
-- before
CREATE SCHEMA app;
CREATE TABLE app.t (id int PRIMARY KEY);
CREATE FUNCTION app.f() RETURNS int LANGUAGE sql AS 'SELECT 1';
-- after
CREATE SCHEMA core;
CREATE TABLE core.t (id int PRIMARY KEY);
CREATE FUNCTION core.f() RETURNS int LANGUAGE sql AS 'SELECT 1';
