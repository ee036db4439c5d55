-- autogenerate(), check(), desired_snapshot() and drift(): revisions from a
-- desired schema, and what changed outside migrations.  In a database of
-- its own: the desired schema is the whole of public, whatever the other
-- tests leave there.
CREATE DATABASE regress_autogenerate;
\c regress_autogenerate
CREATE EXTENSION migrate;
SET client_min_messages = notice;

-- off unless a superuser allows it, and it says why
SELECT migrate.desired_snapshot('CREATE TABLE t (id int)');
SET migrate.allow_autogenerate = on;

-- from an empty database: the first revision creates the schema
SELECT migrate.autogenerate('create users', $$
    CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                        email text NOT NULL);
$$, id => 'a1');
SELECT migrate.upgrade_sql('a1', 'base') AS script;
SELECT revision FROM migrate.upgrade('heads');
SELECT to_regclass('public.users') IS NOT NULL AS users_exists;

-- the building left nothing behind: the database is as it was
SELECT count(*) AS drift_rows FROM migrate.drift();

-- not at the heads: refused, as Alembic refuses
SELECT migrate.revision('manual', 'CREATE TABLE manual (id int)', 'DROP TABLE manual', id => 'a2');
SELECT migrate.autogenerate('too early', 'CREATE TABLE x (id int)');
SELECT revision FROM migrate.upgrade('heads');

-- a second revision: a column, an index; check() sees the difference first
SELECT seq, statement, hazards FROM migrate.check($$
    CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                        email text NOT NULL, name text);
    CREATE INDEX users_email ON users (lower(email));
    CREATE TABLE manual (id int);
$$);
SELECT migrate.autogenerate('add name', $$
    CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                        email text NOT NULL, name text);
    CREATE INDEX users_email ON users (lower(email));
    CREATE TABLE manual (id int);
$$, id => 'a3');
SELECT migrate.upgrade_sql('a3', 'a2') AS script;
SELECT migrate.downgrade_sql('a2', 'a3') AS script;
SELECT revision FROM migrate.upgrade('heads');
SELECT count(*) AS no_difference FROM migrate.check($$
    CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                        email text NOT NULL, name text);
    CREATE INDEX users_email ON users (lower(email));
    CREATE TABLE manual (id int);
$$);

-- a plan that deletes data needs to be asked for
SELECT migrate.autogenerate('drop manual', $$
    CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                        email text NOT NULL, name text);
    CREATE INDEX users_email ON users (lower(email));
$$);
SELECT migrate.autogenerate('drop manual', $$
    CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                        email text NOT NULL, name text);
    CREATE INDEX users_email ON users (lower(email));
$$, allow_destructive => true, id => 'a4');
SELECT migrate.upgrade_sql('a4', 'a3') AS script;

SELECT revision FROM migrate.upgrade('heads');

-- nothing to do: an empty revision, as Alembic writes one
SELECT migrate.autogenerate('nothing', $$
    CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                        email text NOT NULL, name text);
    CREATE INDEX users_email ON users (lower(email));
$$, id => 'a5');
SELECT migrate.upgrade_sql('a5', 'a4') ~ '-- no schema changes' AS empty_upgrade;

-- drift: changes made outside migrations, and what undoes each
CREATE INDEX sneaky ON users (name);
ALTER TABLE users ADD COLUMN note text;
COMMENT ON TABLE users IS 'changed by hand';
SELECT object, change, statement, hazards FROM migrate.drift();
DROP INDEX sneaky;
ALTER TABLE users DROP COLUMN note;
COMMENT ON TABLE users IS NULL;
SELECT count(*) AS drift_after_undo FROM migrate.drift();

-- version rows set in a subtransaction that rolls back record nothing:
-- an index made by hand is still drift after the commit
CREATE INDEX sneaky2 ON users (name);
BEGIN;
SAVEPOINT s;
SELECT count(*) AS stamped FROM migrate.stamp('a4');
ROLLBACK TO SAVEPOINT s;
COMMIT;
SELECT object, change FROM migrate.drift();
-- released, the subtransaction's stamp counts: the schema is recorded
BEGIN;
SAVEPOINT s;
SELECT count(*) AS stamped FROM migrate.stamp('a4');
RELEASE SAVEPOINT s;
COMMIT;
SELECT count(*) AS drift_after_released_stamp FROM migrate.drift();
DROP INDEX sneaky2;
SELECT count(*) AS stamped FROM migrate.stamp('a4');
SELECT count(*) AS drift_after_restamp FROM migrate.drift();

-- what the desired SQL may not hold
SELECT migrate.desired_snapshot('BEGIN; CREATE TABLE t (id int); COMMIT;');
SELECT migrate.desired_snapshot('CREATE TABLE t (id int); CREATE INDEX CONCURRENTLY ON t (id);');
SELECT migrate.desired_snapshot('CREATE TABLE t (id int); INSERT INTO t VALUES (1);');
SELECT migrate.desired_snapshot('CREATE TABLE t (id int); CREATE TABLE t (id int);');
SELECT migrate.desired_snapshot('CREATE TABLE t (id int) ;; SELEC 1');
SELECT migrate.desired_snapshot(NULL);
SELECT migrate.autogenerate('m', NULL);
SELECT * FROM migrate.check(NULL);

-- drift with nothing recorded for the version rows
SET migrate.record_schema = off;
SELECT revision FROM migrate.upgrade('heads');
SELECT * FROM migrate.drift();
RESET migrate.record_schema;
SELECT migrate.autogenerate('m', 'CREATE TABLE t (id int)', renames => '{"table public.x": "table public.t"}');


\c contrib_regression
DROP DATABASE regress_autogenerate;
