-- A schema with a table in it comes.
-- up-hazards:
-- down-hazards: access_exclusive, deletes_data, irreversible
-- up-contains: CREATE SCHEMA app
-- before
CREATE TABLE t (id int);
-- after
CREATE TABLE t (id int);
CREATE SCHEMA app;
COMMENT ON SCHEMA app IS 'the application';
CREATE TABLE app.accounts (id int PRIMARY KEY, t_id int);
