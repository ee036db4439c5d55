-- Privileges, search_path immunity, progress reporting, the advisory lock,
-- pg_dump configuration, cycles, and the lock-slot hint.
SET client_min_messages = warning;
CREATE EXTENSION migrate;
DROP ROLE IF EXISTS migrate_nobody;
DROP ROLE IF EXISTS migrate_deployer;
CREATE ROLE migrate_nobody;
CREATE ROLE migrate_deployer;
RESET client_min_messages;
\set VERBOSITY default

-- every table and sequence is dumped with the database
SELECT c.relname
  FROM pg_extension e, unnest(e.extconfig) AS t(oid)
  JOIN pg_class c ON c.oid = t.oid
 WHERE e.extname = 'migrate' ORDER BY 1;
-- no function runs as its owner
SELECT count(*) AS security_definer FROM pg_proc
 WHERE pronamespace = 'migrate'::regnamespace AND prosecdef;

-- a role with no grants can read but not change anything
SELECT migrate.revision('t', 'CREATE TABLE public.t (a int)', 'DROP TABLE public.t', id => 't1');
GRANT CREATE ON SCHEMA public TO migrate_deployer;
SET ROLE migrate_nobody;
SELECT * FROM migrate.heads();
SELECT migrate.revision('x', 'SELECT 1');
SELECT * FROM migrate.upgrade('heads');
SELECT * FROM migrate.downgrade('base');
SELECT * FROM migrate.stamp('heads');
SELECT migrate.load(E'-- migrate:revision zz\n-- migrate:upgrade\n');
SELECT migrate.drop_revision('t1');
SELECT migrate.merge();
SELECT * FROM migrate.version;
INSERT INTO migrate.version VALUES ('t1');
RESET ROLE;

-- a deployer granted EXECUTE migrates without any right on the tables
GRANT EXECUTE ON FUNCTION migrate.upgrade(text, boolean), migrate.downgrade(text, boolean) TO migrate_deployer;
SET ROLE migrate_deployer;
SELECT revision, operation FROM migrate.upgrade('heads');
SELECT * FROM migrate.current();
SELECT * FROM migrate.version;
RESET ROLE;
-- the scripts ran as the deployer, the bookkeeping as the owner
SELECT tableowner FROM pg_tables WHERE tablename = 't';
SELECT applied_by = session_user AS logged_session_user FROM migrate.log;
SET ROLE migrate_deployer;
SELECT revision FROM migrate.downgrade('base');
RESET ROLE;

-- a hostile object early on search_path captures nothing migrate does
CREATE SCHEMA evil;
CREATE FUNCTION evil.unnest(text[]) RETURNS SETOF text LANGUAGE sql
  AS $$ SELECT 'hijacked'::text $$;
CREATE FUNCTION evil.texteq_evil(text, text) RETURNS boolean LANGUAGE sql
  AS $$ SELECT true $$;
CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.texteq_evil);
SET search_path = evil, public, pg_catalog;
SELECT revision FROM migrate.upgrade('heads');
SELECT * FROM migrate.current();
SELECT revision FROM migrate.downgrade('base');
RESET search_path;
DROP SCHEMA evil CASCADE;

-- the running step is visible in pg_stat_activity, and the advisory lock is held
CREATE TABLE seen (query text, locked boolean);
SELECT migrate.revision('watch', $$INSERT INTO seen
    SELECT a.query, EXISTS (SELECT FROM pg_locks l
                             WHERE l.locktype = 'advisory' AND l.pid = pg_backend_pid()
                               AND l.classid = 1835624306 AND l.objid = 1)
      FROM pg_stat_activity a WHERE a.pid = pg_backend_pid()$$, 'DELETE FROM seen',
    id => 'w1', down_revision => '{t1}');
SELECT revision FROM migrate.upgrade('w1');
SELECT * FROM seen;
SELECT revision FROM migrate.downgrade('base');

-- a load that closes a cycle is refused and changes nothing
SELECT migrate.load(E'-- migrate:revision t1\n-- migrate:revises w1\n-- migrate:upgrade\nCREATE TABLE public.t (a int);\n-- migrate:downgrade\nDROP TABLE public.t;\n');
SELECT id, down_revisions FROM migrate.revisions ORDER BY position;

-- a failure caught by the caller's exception handler leaves nothing behind:
-- no steps, the caller's user and search_path, a session that migrates on
SELECT migrate.revision('fails', 'SELECT 1/0', 'SELECT 1', id => 'f1', down_revision => '{w1}');
SET search_path = public;
DO $$ BEGIN
  PERFORM * FROM migrate.upgrade('f1');
EXCEPTION WHEN division_by_zero THEN RAISE NOTICE 'caught: %', SQLERRM;
END $$;
SHOW search_path;
SELECT current_user = session_user AS same_user;
SELECT * FROM migrate.current();
SELECT revision FROM migrate.upgrade('w1');
SELECT revision FROM migrate.downgrade('base');
RESET search_path;
SELECT migrate.drop_revision('f1');

-- a deploy that exhausts lock slots is told the ways out
SELECT migrate.revision('many tables', $q$DO $do$ BEGIN
    FOR i IN 1..1000000 LOOP EXECUTE format('CREATE TABLE many_%s ()', i); END LOOP;
  END $do$$q$, 'SELECT 1', id => 'big', down_revision => '{w1}');
\set SHOW_CONTEXT never
SELECT revision FROM migrate.upgrade('big');
\set SHOW_CONTEXT errors

DROP TABLE seen;
SET migrate.allow_drop = on;
DROP EXTENSION migrate;
REVOKE CREATE ON SCHEMA public FROM migrate_deployer;
DROP ROLE migrate_nobody;
DROP ROLE migrate_deployer;
