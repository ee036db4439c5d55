/* migrate_tap--0.6.sql: pgTAP assertions about migrate's revisions */

\echo Use "CREATE EXTENSION migrate_tap" to load this file. \quit

-- Every assertion returns one TAP line made by pgTAP's ok(), followed on
-- failure by diag() lines that say why.  They never raise on the failure
-- they test for: migrate's errors are caught (each call of migrate runs in
-- a plpgsql block with an EXCEPTION clause, a subtransaction) and reported
-- as "not ok" with the error.  ok() is only called after such a block, so
-- that a rolled-back subtransaction cannot take the test result with it.
-- Mistakes of the test's author (a NULL argument, an unknown lock mode) do
-- raise.
--
-- ok() and diag() are called unqualified, as pgTAP calls its own
-- functions: they are found wherever pgtap was installed, through the
-- caller's search_path.  The same goes for this extension's own helpers
-- (the _migrate_tap_* functions), which is why migrate_tap belongs in a
-- schema on the search_path, like pgtap.  migrate's functions and
-- pg_catalog's are schema-qualified.  Nothing is SECURITY DEFINER: each
-- assertion runs as its caller, with the caller's grants on migrate.

-- ---------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------

CREATE FUNCTION _migrate_tap_require(value text, name text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF value IS NULL THEN
        RAISE EXCEPTION 'argument "%" must not be null', name
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = pg_catalog.format('Pass a value for "%s".', name);
    END IF;
END
$$;
COMMENT ON FUNCTION _migrate_tap_require(text, text) IS
  'migrate_tap internal: refuses a NULL argument (SQLSTATE 22004), as migrate does';

-- The error context minus the frames of the assertion itself (and of
-- whatever called it): what is left is migrate's and the scripts' own
-- lines, such as 'while applying revision "x" (upgrade), statement 2 at
-- line 1'.  own_context is the caller's PG_CONTEXT; its first line names
-- the assertion's frame, which the error context also holds, right after
-- the line of the statement that called migrate.
CREATE FUNCTION _migrate_tap_context(error_context text, own_context text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    frame text := pg_catalog.substring(own_context, '^(PL/pgSQL function .*?) line [0-9]+ ');
    lines text[] := pg_catalog.string_to_array(error_context, E'\n');
    i int;
    j int;
BEGIN
    IF frame IS NULL OR lines IS NULL THEN
        RETURN error_context;
    END IF;
    FOR i IN 1 .. pg_catalog.array_length(lines, 1) LOOP
        IF pg_catalog.starts_with(lines[i], frame || ' line ') THEN
            -- back to the line of the statement of that frame that raised
            FOR j IN REVERSE i - 1 .. 1 LOOP
                IF pg_catalog.starts_with(lines[j], 'SQL statement "') THEN
                    RETURN pg_catalog.array_to_string(lines[1:j - 1], E'\n');
                END IF;
            END LOOP;
            RETURN pg_catalog.array_to_string(lines[1:i - 1], E'\n');
        END IF;
    END LOOP;
    RETURN error_context;
END
$$;
COMMENT ON FUNCTION _migrate_tap_context(text, text) IS
  'migrate_tap internal: an error context without the frames of the assertion that caught it';

-- The diagnostic of a caught error, laid out as psql prints one.
CREATE FUNCTION _migrate_tap_error(attempt text, sqlstate text, message text, detail text,
                                   hint text, context text)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT pg_catalog.concat_ws(E'\n',
        '    ' || attempt || ' failed',
        '    ERROR:  ' || message,
        '    SQLSTATE:  ' || sqlstate,
        '    DETAIL:  ' || nullif(detail, ''),
        '    HINT:  ' || nullif(hint, ''),
        '    CONTEXT:  ' || pg_catalog.replace(nullif(context, ''), E'\n', E'\n              '))
$$;
COMMENT ON FUNCTION _migrate_tap_error(text, text, text, text, text, text) IS
  'migrate_tap internal: the diagnostic lines of an error that a call of migrate raised';

-- The assertion's TAP line: ok when there is no failure, else not ok
-- followed by the failure as diagnostics.  Called after the block that
-- caught migrate's error, never inside it: a subtransaction rolled back
-- must not take the test's result with it.
CREATE FUNCTION _migrate_tap_result(failure text, description text)
RETURNS text LANGUAGE sql AS $$
    SELECT ok(failure IS NULL, description)
        || CASE WHEN failure IS NULL THEN '' ELSE E'\n' || diag(failure) END
$$;
COMMENT ON FUNCTION _migrate_tap_result(text, text) IS
  'migrate_tap internal: ok(failure IS NULL, description), and the failure as diag() lines';

-- A list of ids for have/want lines.
CREATE FUNCTION _migrate_tap_ids(ids text[])
RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN pg_catalog.cardinality(ids) > 0
                THEN pg_catalog.array_to_string(ids, ', ') ELSE '(none)' END
$$;
COMMENT ON FUNCTION _migrate_tap_ids(text[]) IS
  'migrate_tap internal: ids separated by commas, or (none)';

-- At most ten items of a list that can be long, and how many more there
-- are; NULL for none, so that a line made with it is left out.
CREATE FUNCTION _migrate_tap_some(items text[])
RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT nullif(pg_catalog.array_to_string(items[1:10], ', '), '')
           || CASE WHEN pg_catalog.cardinality(items) > 10
                   THEN pg_catalog.format(' and %s more', pg_catalog.cardinality(items) - 10)
                   ELSE '' END
$$;
COMMENT ON FUNCTION _migrate_tap_some(text[]) IS
  'migrate_tap internal: the first ten items separated by commas and how many more, NULL for none';

-- One revision id for a revision spec.  A registered id is taken as it is,
-- which needs no privilege; any other spelling (a prefix, a label,
-- label@head, head) is resolved by migrate.show(), which needs SELECT on
-- migrate.revisions since it also returns the scripts.
CREATE FUNCTION _migrate_tap_resolve(spec text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    id text;
BEGIN
    IF EXISTS (SELECT FROM migrate.history() AS h WHERE h.revision = spec) THEN
        RETURN spec;
    END IF;
    SELECT s.revision INTO id FROM migrate.show(spec) AS s;
    RETURN id;
END
$$;
COMMENT ON FUNCTION _migrate_tap_resolve(text) IS
  'migrate_tap internal: the id of the one revision a spec names (a registered id as is, else through migrate.show())';

-- The version rows that applying exactly these revisions leaves: the ids,
-- sorted, without those that another of them builds on or depends on (an
-- applied revision implies what it needs).  So "heads" is not always what
-- migrate.heads() lists: a head that another head depends on is no version
-- row of its own.  migrate.history(':x') is x and all it needs.
CREATE FUNCTION _migrate_tap_version_rows(ids text[])
RETURNS text[] LANGUAGE sql AS $$
    SELECT ARRAY(
        SELECT DISTINCT i COLLATE "C" FROM pg_catalog.unnest(ids) AS i
         WHERE NOT EXISTS (SELECT FROM pg_catalog.unnest(ids) AS other,
                                       migrate.history(':' || other) AS h
                            WHERE other <> i AND h.revision = i)
         ORDER BY 1)
$$;
COMMENT ON FUNCTION _migrate_tap_version_rows(text[]) IS
  'migrate_tap internal: the version rows the given revisions leave when applied: sorted, without those another of them needs';

-- PostgreSQL's eight table lock modes, weakest first: the order of the
-- lock mode numbers, in which ALTER TABLE, for one, takes the strongest.
CREATE FUNCTION _migrate_tap_lock_modes()
RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY['ACCESS SHARE', 'ROW SHARE', 'ROW EXCLUSIVE', 'SHARE UPDATE EXCLUSIVE',
                 'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE']
$$;
COMMENT ON FUNCTION _migrate_tap_lock_modes() IS
  'migrate_tap internal: the eight table lock modes, weakest first';

-- The rank (1 to 8) of a lock mode written as LOCK TABLE writes it
-- ('share update exclusive', optionally followed by MODE) or as pg_locks
-- and migrate's dry run do ('ShareUpdateExclusiveLock'); NULL for
-- anything else.
CREATE FUNCTION _migrate_tap_lock_rank(mode text)
RETURNS int LANGUAGE sql IMMUTABLE AS $$
    SELECT pg_catalog.array_position(_migrate_tap_lock_modes(),
        pg_catalog.upper(pg_catalog.regexp_replace(pg_catalog.regexp_replace(
            -- only pg_locks' ShareUpdateExclusiveLock is split into words,
            -- not a mode typed in mixed case such as 'sHARE'
            CASE WHEN pg_catalog.btrim(mode) ~ '^([A-Z][a-z]+)+$'
                 THEN pg_catalog.regexp_replace(pg_catalog.btrim(mode), '([a-z])([A-Z])', E'\\1 \\2', 'g')
                 ELSE pg_catalog.btrim(mode) END,
            E'\\s+', ' ', 'g'),
            ' (lock|mode)$', '', 'i')))
$$;
COMMENT ON FUNCTION _migrate_tap_lock_rank(text) IS
  'migrate_tap internal: 1 (ACCESS SHARE) to 8 (ACCESS EXCLUSIVE) for a lock mode in LOCK TABLE''s or pg_locks'' spelling, NULL for anything else';

-- The rank of a lock mode a test names; an unknown one is the test's
-- mistake, not a failure of the migrations: an error.
CREATE FUNCTION _migrate_tap_lock_limit(lockmode text)
RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    rank int := _migrate_tap_lock_rank(lockmode);
BEGIN
    PERFORM _migrate_tap_require(lockmode, 'lockmode');
    IF rank IS NULL THEN
        RAISE EXCEPTION 'invalid lock mode "%"', lockmode
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The table lock modes, weakest first: '
                           || pg_catalog.array_to_string(_migrate_tap_lock_modes(), ', ') || '.',
                  HINT = 'Write the mode as LOCK TABLE does, such as ''SHARE UPDATE EXCLUSIVE''.';
    END IF;
    RETURN rank;
END
$$;
COMMENT ON FUNCTION _migrate_tap_lock_limit(text) IS
  'migrate_tap internal: the rank of a lock mode, or an error (SQLSTATE 22023) naming the eight modes';

-- ---------------------------------------------------------------------
-- migrations_apply_ok: base to heads
-- ---------------------------------------------------------------------

CREATE FUNCTION migrations_apply_ok(description text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    attempt text := 'migrate.current()';
    have text[];
    want text[];
    failure text;
    -- a script's SET search_path stays set after it (migrate keeps session
    -- settings); this test and pgTAP must still find their functions
    path text := pg_catalog.current_setting('search_path');
    st text; msg text; det text; hnt text; ctx text; own text;
BEGIN
    BEGIN
        IF EXISTS (SELECT FROM migrate.current()) THEN
            attempt := 'migrate.downgrade(''base'')';
            PERFORM FROM migrate.downgrade('base');
            PERFORM pg_catalog.set_config('search_path', path, true);
        END IF;
        attempt := 'migrate.upgrade(''heads'')';
        PERFORM FROM migrate.upgrade('heads');
        PERFORM pg_catalog.set_config('search_path', path, true);
        attempt := 'reading migrate.current() and migrate.heads()';
        have := ARRAY(SELECT c COLLATE "C" FROM migrate.current() AS c ORDER BY 1);
        want := _migrate_tap_version_rows(ARRAY(SELECT h.revision FROM migrate.heads() AS h));
    EXCEPTION WHEN OTHERS THEN
        -- the subtransaction is gone: the database is as it was before the test
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
            det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT, ctx = PG_EXCEPTION_CONTEXT;
        GET DIAGNOSTICS own = PG_CONTEXT;
        failure := _migrate_tap_error(attempt, st, msg, det, hnt, _migrate_tap_context(ctx, own));
    END;
    IF failure IS NULL AND have IS DISTINCT FROM want THEN
        failure := '    the version rows after migrate.upgrade(''heads'') are not the heads'
                   || E'\n        have: ' || _migrate_tap_ids(have)
                   || E'\n        want: ' || _migrate_tap_ids(want);
    END IF;
    RETURN _migrate_tap_result(failure, description);
END
$$;
COMMENT ON FUNCTION migrations_apply_ok(text) IS
  'pgTAP: downgrade to base (when anything is applied), upgrade to heads, and the version rows are then the heads (less a head that another one depends on); leaves the database upgraded (roll the test back), or as it was when a step fails';

CREATE FUNCTION migrations_apply_ok()
RETURNS text LANGUAGE sql AS $$
    SELECT migrations_apply_ok('migrations apply from base to heads')
$$;
COMMENT ON FUNCTION migrations_apply_ok() IS
  'pgTAP: migrations_apply_ok(description) with the description "migrations apply from base to heads"';

-- ---------------------------------------------------------------------
-- migrations_roundtrip_ok: upgrade, downgrade, upgrade leave one schema
-- ---------------------------------------------------------------------

CREATE FUNCTION migrations_roundtrip_ok(target text, description text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    problems text;
    failure text;
    st text; msg text; det text; hnt text; ctx text; own text;
BEGIN
    PERFORM _migrate_tap_require(target, 'target');
    BEGIN
        -- check_roundtrip() rolls back what it ran
        SELECT pg_catalog.string_agg(pg_catalog.format(E'    %s: %s\n        %s',
                                                       r.revision, r.problem, r.detail), E'\n')
          INTO problems
          FROM migrate.check_roundtrip(target) AS r;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
            det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT, ctx = PG_EXCEPTION_CONTEXT;
        GET DIAGNOSTICS own = PG_CONTEXT;
        failure := _migrate_tap_error(pg_catalog.format('migrate.check_roundtrip(%L)', target),
                                      st, msg, det, hnt, _migrate_tap_context(ctx, own));
    END;
    failure := coalesce(failure, problems);
    RETURN _migrate_tap_result(failure, description);
END
$$;
COMMENT ON FUNCTION migrations_roundtrip_ok(text, text) IS
  'pgTAP: migrate.check_roundtrip(target) finds no problem: each revision pending up to target upgrades, downgrades and upgrades again to the same schema (all rolled back)';

CREATE FUNCTION migrations_roundtrip_ok(target text)
RETURNS text LANGUAGE sql AS $$
    SELECT migrations_roundtrip_ok(target,
        pg_catalog.format('pending revisions up to %s round-trip', target))
$$;
COMMENT ON FUNCTION migrations_roundtrip_ok(text) IS
  'pgTAP: migrations_roundtrip_ok(target, description) with the description "pending revisions up to <target> round-trip"';

CREATE FUNCTION migrations_roundtrip_ok()
RETURNS text LANGUAGE sql AS $$
    SELECT migrations_roundtrip_ok('heads')
$$;
COMMENT ON FUNCTION migrations_roundtrip_ok() IS
  'pgTAP: migrations_roundtrip_ok(''heads''): every pending revision round-trips';

-- ---------------------------------------------------------------------
-- migrations_verify_ok: migrate.verify() is clean
-- ---------------------------------------------------------------------

CREATE FUNCTION migrations_verify_ok(description text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    problems text;
    failure text;
    st text; msg text; det text; hnt text; ctx text; own text;
BEGIN
    BEGIN
        SELECT pg_catalog.string_agg(pg_catalog.concat(
                   '    ', v.revision || ': ', v.problem, E'\n        ' || v.detail), E'\n')
          INTO problems
          FROM migrate.verify() AS v;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
            det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT, ctx = PG_EXCEPTION_CONTEXT;
        GET DIAGNOSTICS own = PG_CONTEXT;
        failure := _migrate_tap_error('migrate.verify()', st, msg, det, hnt,
                                      _migrate_tap_context(ctx, own));
    END;
    failure := coalesce(failure, problems);
    RETURN _migrate_tap_result(failure, description);
END
$$;
COMMENT ON FUNCTION migrations_verify_ok(text) IS
  'pgTAP: migrate.verify() returns no rows (no edited applied revision, unknown version row, missing parent, unmerged heads, ...); diag lists each problem';

CREATE FUNCTION migrations_verify_ok()
RETURNS text LANGUAGE sql AS $$
    SELECT migrations_verify_ok('migrate.verify() finds no problem')
$$;
COMMENT ON FUNCTION migrations_verify_ok() IS
  'pgTAP: migrations_verify_ok(description) with the description "migrate.verify() finds no problem"';

-- ---------------------------------------------------------------------
-- migrations_no_drift: nothing changed outside migrations
-- ---------------------------------------------------------------------

CREATE FUNCTION migrations_no_drift(description text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    changes text;
    failure text;
    st text; msg text; det text; hnt text; ctx text; own text;
BEGIN
    BEGIN
        -- pgtap and migrate_tap themselves are usually installed after the
        -- deploy that recorded the schema: the test's tools are not drift
        SELECT pg_catalog.string_agg(pg_catalog.concat(
                   '    ', d.object, ': ', d.change,
                   E'\n        undo: ' || d.statement,
                   E'\n        hazards: ' || nullif(pg_catalog.array_to_string(d.hazards, ', '), '')),
                   E'\n')
          INTO changes
          FROM migrate.drift() AS d
         WHERE d.object NOT IN ('extension pgtap', 'extension migrate_tap')
           -- nor the schema they were installed in, when it is theirs alone
           AND d.object NOT IN (
               SELECT 'schema ' || pg_catalog.quote_ident(n.nspname)
                 FROM pg_catalog.pg_extension AS e
                 JOIN pg_catalog.pg_namespace AS n ON n.oid = e.extnamespace
                WHERE e.extname IN ('pgtap', 'migrate_tap')
                  AND NOT EXISTS (SELECT FROM pg_catalog.pg_class AS c WHERE c.relnamespace = n.oid
                                     AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend AS dep
                                                      WHERE dep.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                                                        AND dep.objid = c.oid AND dep.deptype = 'e')));
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
            det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT, ctx = PG_EXCEPTION_CONTEXT;
        GET DIAGNOSTICS own = PG_CONTEXT;
        failure := _migrate_tap_error('migrate.drift()', st, msg, det, hnt,
                                      _migrate_tap_context(ctx, own));
    END;
    failure := coalesce(failure, changes);
    RETURN _migrate_tap_result(failure, description);
END
$$;
COMMENT ON FUNCTION migrations_no_drift(text) IS
  'pgTAP: migrate.drift() returns no rows (the extensions pgtap and migrate_tap aside): the schema is what the migrations left; diag lists each change with the statement that undoes it';

CREATE FUNCTION migrations_no_drift()
RETURNS text LANGUAGE sql AS $$
    SELECT migrations_no_drift('the schema is what the migrations left')
$$;
COMMENT ON FUNCTION migrations_no_drift() IS
  'pgTAP: migrations_no_drift(description) with the description "the schema is what the migrations left"';

-- ---------------------------------------------------------------------
-- migrations_current_is: the version rows
-- ---------------------------------------------------------------------

-- target is one revision spec or a comma-separated list of them: "heads"
-- stands for every head, "base" for no revision, anything else names one
-- revision (an id, a unique prefix, a label, label@head, head).  The
-- version rows must be exactly those that applying the revisions named
-- leaves, in any order: a revision another one named needs is implied.
CREATE FUNCTION migrations_current_is(target text, description text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    item text;
    have text[];
    want text[] := '{}';
    failure text;
    st text; msg text; det text; hnt text; ctx text; own text;
BEGIN
    PERFORM _migrate_tap_require(target, 'target');
    -- a test's mistake, not a state: an empty target is not "base"
    IF pg_catalog.btrim(target) = '' OR target ~ '(^|,)\s*(,|$)' THEN
        RAISE EXCEPTION 'invalid target "%"', target
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The target is empty, or has an empty item between commas.',
                  HINT = 'Name the version rows: ''heads'', ''base'', ids or labels, separated by commas.';
    END IF;
    BEGIN
        FOREACH item IN ARRAY pg_catalog.string_to_array(target, ',') LOOP
            item := pg_catalog.btrim(item);
            IF item = 'heads' THEN
                want := want || ARRAY(SELECT h.revision FROM migrate.heads() AS h);
            ELSIF item <> 'base' THEN
                want := want || _migrate_tap_resolve(item);
            END IF;
        END LOOP;
        want := _migrate_tap_version_rows(want);
        have := ARRAY(SELECT c COLLATE "C" FROM migrate.current() AS c ORDER BY 1);
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
            det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT, ctx = PG_EXCEPTION_CONTEXT;
        GET DIAGNOSTICS own = PG_CONTEXT;
        failure := _migrate_tap_error(pg_catalog.format('resolving %L', target), st, msg, det, hnt,
                                      _migrate_tap_context(ctx, own));
    END;
    IF failure IS NULL AND have <> want THEN
        failure := '        have: ' || _migrate_tap_ids(have)
                   || E'\n        want: ' || _migrate_tap_ids(want);
    END IF;
    RETURN _migrate_tap_result(failure, description);
END
$$;
COMMENT ON FUNCTION migrations_current_is(text, text) IS
  'pgTAP: migrate.current() holds exactly the version rows the revisions target names leave: a comma-separated list of heads (every head), base (none), ids, prefixes, labels or label@head (resolved by migrate.show(), which needs SELECT on migrate.revisions; full ids need nothing)';

CREATE FUNCTION migrations_current_is(target text)
RETURNS text LANGUAGE sql AS $$
    SELECT migrations_current_is(target, pg_catalog.format('the version rows are %s', target))
$$;
COMMENT ON FUNCTION migrations_current_is(text) IS
  'pgTAP: migrations_current_is(target, description) with the description "the version rows are <target>"';

-- ---------------------------------------------------------------------
-- migration_locks_at_most: the table locks of one revision's upgrade
-- ---------------------------------------------------------------------

-- Judged from migrate's dry run, which reports the relation locks each
-- step newly took.  Newly: a lock that the transaction already holds, in
-- the same mode on the same relation, is not reported again.  So the
-- step of the revision is judged only where nothing before it (this
-- transaction before the test, or the pending revisions the dry run runs
-- first) holds a lock above the limit; otherwise the test fails, saying
-- it cannot judge.  Locks on relations the step itself creates do not
-- count: nobody else can see those before the commit.
CREATE FUNCTION migration_locks_at_most(revision text, lockmode text, description text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    modes text[] := _migrate_tap_lock_modes();
    lim int := _migrate_tap_lock_limit(lockmode);
    id text;
    attempt text;
    before_oids oid[];
    existed text[];         -- the user relations before the dry run, named as it names them
    held text[];            -- locks above the limit the transaction holds already
    steps text[];           -- the dry run's revisions, in order,
    step_locks text[];      -- and the locks each took, one "Mode on relation" a line
    pos int;
    earlier text[];         -- the steps before the revision's that lock above the limit
    above text[];           -- the step's own locks above the limit
    maybe_new text[];       -- ... on relations that were not there before the dry run
    probed boolean := false;
    failure text;
    st text; msg text; det text; hnt text; ctx text; own text;
    s int;
    entry text;
    rank int;
    rel text;
BEGIN
    PERFORM _migrate_tap_require(revision, 'revision');
    BEGIN
        attempt := pg_catalog.format('resolving %L', revision);
        id := _migrate_tap_resolve(revision);

        -- as migrate's dry run counts user relations: not in system schemas or migrate's
        SELECT pg_catalog.array_agg(c.oid),
               pg_catalog.array_agg(pg_catalog.format('%I.%I', n.nspname, c.relname))
          INTO before_oids, existed
          FROM pg_catalog.pg_class AS c
          JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
         WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'migrate')
           AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)';
        SELECT pg_catalog.array_agg(DISTINCT modes[_migrate_tap_lock_rank(lk.mode)] || ' on '
                                    || pg_catalog.format('%I.%I', n.nspname, c.relname))
          INTO held
          FROM pg_catalog.pg_locks AS lk
          JOIN pg_catalog.pg_class AS c ON c.oid = lk.relation
          JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
         WHERE lk.pid = pg_catalog.pg_backend_pid() AND lk.locktype = 'relation' AND lk.granted
           AND lk.database = (SELECT d.oid FROM pg_catalog.pg_database AS d
                               WHERE d.datname = pg_catalog.current_database())
           AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'migrate')
           AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
           AND _migrate_tap_lock_rank(lk.mode) > lim
           -- not an extension's, such as the views and composite types of a
           -- CREATE EXTENSION pgtap in this transaction
           AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend AS dep
                            WHERE dep.deptype = 'e'
                              AND (dep.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND dep.objid = c.oid
                                   OR dep.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND dep.objid = c.reltype));

        attempt := pg_catalog.format('migrate.upgrade(%L, dry_run => true)', id);
        SELECT pg_catalog.array_agg(u.revision ORDER BY u.n),
               pg_catalog.array_agg(pg_catalog.array_to_string(u.locks, E'\n') ORDER BY u.n)
          INTO steps, step_locks
          FROM migrate.upgrade(id, dry_run => true)
               WITH ORDINALITY AS u(revision, operation, message, duration, locks, rewritten, n);
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
            det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT, ctx = PG_EXCEPTION_CONTEXT;
        GET DIAGNOSTICS own = PG_CONTEXT;
        failure := _migrate_tap_error(attempt, st, msg, det, hnt, _migrate_tap_context(ctx, own));
    END;

    pos := pg_catalog.array_position(steps, id);
    IF failure IS NULL AND pos IS NULL THEN
        failure := pg_catalog.format(
            '    revision %s is not pending: migrate.upgrade(%L) runs nothing, so there is no step to judge',
            id, id);
    END IF;

    IF failure IS NULL THEN
        -- sort the locks above the limit: taken before the revision's step, or by it
        FOR s IN 1 .. pos LOOP
            FOREACH entry IN ARRAY coalesce(pg_catalog.string_to_array(step_locks[s], E'\n'), '{}') LOOP
                rank := _migrate_tap_lock_rank(pg_catalog.split_part(entry, ' on ', 1));
                rel := pg_catalog.substr(entry, pg_catalog.strpos(entry, ' on ') + 4);
                CONTINUE WHEN rank IS NULL OR rank <= lim;
                entry := modes[rank] || ' on ' || rel;
                IF s < pos THEN
                    IF NOT steps[s] = ANY (coalesce(earlier, '{}')) THEN
                        earlier := earlier || steps[s];
                    END IF;
                ELSIF rel = ANY (existed) THEN
                    above := above || entry;
                ELSE
                    maybe_new := maybe_new || entry;
                END IF;
            END LOOP;
        END LOOP;

        -- A name that was not there before is a relation the step created,
        -- or one it renamed (the dry run names relations as the step leaves
        -- them).  To tell them apart, run the upgrade for real in a
        -- subtransaction, see which relations of before carry those names
        -- afterwards, and roll it back.
        IF maybe_new IS NOT NULL THEN
            BEGIN
                attempt := pg_catalog.format('migrate.upgrade(%L)', id);
                PERFORM FROM migrate.upgrade(id);
                SELECT pg_catalog.array_agg(m) INTO maybe_new
                  FROM pg_catalog.unnest(maybe_new) AS m
                 WHERE pg_catalog.substr(m, pg_catalog.strpos(m, ' on ') + 4) IN
                       (SELECT pg_catalog.format('%I.%I', n.nspname, c.relname)
                          FROM pg_catalog.pg_class AS c
                          JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
                         WHERE c.oid = ANY (before_oids));
                probed := true;
                RAISE EXCEPTION 'migrate_tap: roll the probe back';
            EXCEPTION WHEN OTHERS THEN
                IF NOT probed THEN
                    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                        det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT, ctx = PG_EXCEPTION_CONTEXT;
                    GET DIAGNOSTICS own = PG_CONTEXT;
                    failure := _migrate_tap_error(attempt, st, msg, det, hnt,
                                                  _migrate_tap_context(ctx, own));
                END IF;
            END;
            above := above || maybe_new;    -- the renamed ones
        END IF;
    END IF;

    IF failure IS NULL AND above IS NOT NULL THEN
        failure := pg_catalog.format('    locks of revision %s above %s:', id, modes[lim])
                   || E'\n        ' || pg_catalog.array_to_string(
                          ARRAY(SELECT DISTINCT a FROM pg_catalog.unnest(above) AS a ORDER BY 1),
                          E'\n        ');
    END IF;
    IF failure IS NULL AND (held IS NOT NULL OR earlier IS NOT NULL) THEN
        failure := pg_catalog.concat_ws(E'\n',
            pg_catalog.format('    cannot judge revision %s: a dry run does not report a lock that is already held', id),
            pg_catalog.format('    revisions pending before it that lock above %s: ', modes[lim])
                || _migrate_tap_some(earlier),
            pg_catalog.format('    locks above %s this transaction holds: ', modes[lim])
                || _migrate_tap_some(ARRAY(SELECT h FROM pg_catalog.unnest(held) AS h ORDER BY 1)),
            pg_catalog.format('    Check %s with what it builds on applied and committed, before anything in the transaction locks what it touches.', id));
    END IF;
    RETURN _migrate_tap_result(failure, description);
END
$$;
COMMENT ON FUNCTION migration_locks_at_most(text, text, text) IS
  'pgTAP: the upgrade of a pending revision takes no table lock stronger than lockmode (one of the eight table lock modes; an unknown one is an error, SQLSTATE 22023), judged from migrate.upgrade(revision, dry_run => true); locks on relations the step creates do not count; fails (cannot judge) when the transaction or pending revisions before it already hold locks above lockmode';

CREATE FUNCTION migration_locks_at_most(revision text, lockmode text)
RETURNS text LANGUAGE sql AS $$
    SELECT migration_locks_at_most(revision, lockmode,
        pg_catalog.format('revision %s takes no lock stronger than %s', revision,
                          (_migrate_tap_lock_modes())[_migrate_tap_lock_limit(lockmode)]))
$$;
COMMENT ON FUNCTION migration_locks_at_most(text, text) IS
  'pgTAP: migration_locks_at_most(revision, lockmode, description) with the description "revision <revision> takes no lock stronger than <LOCKMODE>"';
