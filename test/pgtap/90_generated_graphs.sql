-- 90_generated_graphs.sql: upgrade('heads') then downgrade('base') on random DAGs.
--
-- For each of several revision graphs generated here with a fixed seed (several
-- roots, branch points, 2- and 3-parent merges, depends_on edges to revisions that
-- are not ancestors, branch labels, a fraction of revisions doing real DDL with
-- foreign keys to their parents' tables), this suite checks, against facts computed
-- independently in SQL from the generated edge list:
--   * upgrade('heads') runs every revision exactly once, every parent and every
--     dependency before its child, and leaves migrate.current() = the real heads;
--   * upgrade('heads') again runs nothing;
--   * downgrade('base') runs every revision exactly once, children and dependents
--     before parents and dependencies, and leaves nothing applied and no table;
--   * migrate.log holds exactly one row per executed step, in execution order;
--   * from a partial state (upgrade to Y), upgrade to X runs exactly the ancestors
--     of X (through down revisions and depends_on) not yet applied, in a valid order.
-- Graphs are separated by downgrading to base and dropping every revision (a
-- SAVEPOINT/ROLLBACK TO would also roll back pgTAP's own test counter).
--
-- Run from the repository root: pg_virtualenv pg_prove test/pgtap/90_generated_graphs.sql

\set ON_ERROR_STOP 1
SET client_min_messages = warning;

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION migrate;

SELECT plan(4 + 3 * 38);

-- ---------------------------------------------------------------------
-- Scratch state (all rolled back at the end)
-- ---------------------------------------------------------------------
CREATE SCHEMA gg;        -- the generator's own record of each graph
CREATE SCHEMA gg_ddl;    -- tables created by revision scripts

-- What every revision script writes: one row per executed upgrade/downgrade, tagged
-- with the phase of the test that ran it (set with set_config before each call).
CREATE TABLE gg.trace (
    seq   bigserial PRIMARY KEY,
    phase text NOT NULL DEFAULT pg_catalog.current_setting('gg.phase'),
    op    text NOT NULL,
    rev   text NOT NULL
);

-- The generated revisions, in registration order.
CREATE TABLE gg.rev (
    g       int  NOT NULL,
    ord     int  NOT NULL,
    id      text NOT NULL PRIMARY KEY,
    parents text[] NOT NULL,
    deps    text[] NOT NULL,
    labels  text[],
    ddl     boolean NOT NULL,
    depth   int NOT NULL,       -- revisions on the longest chain down to a root
    UNIQUE (g, ord)
);

-- Every edge: kind 'down' (child revises parent) or 'dep' (child depends_on parent).
CREATE TABLE gg.edge (
    g      int  NOT NULL,
    child  text NOT NULL,
    parent text NOT NULL,
    kind   text NOT NULL CHECK (kind IN ('down', 'dep'))
);
CREATE INDEX ON gg.edge (g, parent);
CREATE INDEX ON gg.edge (g, child);

-- Reflexive transitive closure through both kinds of edge: (rev, anc) means anc
-- must be applied for rev to be applied (anc = rev included).
CREATE TABLE gg.anc (
    g   int  NOT NULL,
    rev text NOT NULL,
    anc text NOT NULL,
    PRIMARY KEY (rev, anc)
);
CREATE INDEX ON gg.anc (anc);

-- Rows returned by migrate.upgrade()/downgrade(), with their position.
CREATE TABLE gg.steps (
    phase     text   NOT NULL,
    n         bigint NOT NULL,
    revision  text,
    operation text
);

-- Heads of graph gid so far (revisions no other revision revises), registration order.
CREATE FUNCTION gg.graph_heads(gid int) RETURNS text[] LANGUAGE sql AS $$
    SELECT coalesce(array_agg(r.id ORDER BY r.ord), '{}')
      FROM gg.rev r
     WHERE r.g = gid
       AND NOT EXISTS (SELECT 1 FROM gg.edge e
                        WHERE e.g = gid AND e.parent = r.id AND e.kind = 'down')
$$;

-- Are a and b comparable (one needed by the other)?
CREATE FUNCTION gg.related(a text, b text) RETURNS boolean LANGUAGE sql AS $$
    SELECT EXISTS (SELECT 1 FROM gg.anc WHERE (rev, anc) IN ((a, b), (b, a)))
$$;

-- Is c needed by one of revs (c an ancestor-or-self of any of them)?
CREATE FUNCTION gg.below_any(c text, revs text[]) RETURNS boolean LANGUAGE sql AS $$
    SELECT EXISTS (SELECT 1 FROM gg.anc WHERE rev = ANY (revs) AND anc = c)
$$;

-- A random element of arr (NULL for an empty array).
CREATE FUNCTION gg.pick(arr text[]) RETURNS text LANGUAGE sql AS $$
    SELECT arr[1 + floor(random() * cardinality(arr))::int]
$$;

-- Generate graph gid with n revisions and register it with migrate.revision() in
-- registration (= topological) order.  Deterministic for a given seed.
CREATE FUNCTION gg.generate(gid int, n int, seed float8, nroots int,
                            p_root float8, p_merge float8, p_dep float8,
                            p_extend_head float8, p_ddl float8)
RETURNS int LANGUAGE plpgsql AS $f$
DECLARE
    i       int;
    rid     text;
    v_parents text[];
    v_deps    text[];
    v_labels  text[];
    nlab    int := 0;
    r       float8;
    k       int;
    c       text;
    heads   text[];
    allrevs text[] := '{}';
    tries   int;
    v_ddl     boolean;
    cols    text;
    up      text;
    down    text;
    got     text;
BEGIN
    PERFORM setseed(seed);
    FOR i IN 1..n LOOP
        -- random hex first, so lexical order is not registration order
        rid := format('g%s_%s_%s', gid, substr(md5(random()::text), 1, 6), i);
        v_parents := '{}';
        v_deps := '{}';
        v_labels := NULL;
        heads := gg.graph_heads(gid);
        r := random();

        IF i <= nroots OR r < p_root THEN
            NULL;                                   -- a root
        ELSIF r < p_root + p_merge AND cardinality(heads) >= 2 THEN
            -- a merge of 2 or 3 mutually unrelated revisions, mostly heads
            k := CASE WHEN random() < 0.4 THEN 3 ELSE 2 END;
            tries := 0;
            WHILE cardinality(v_parents) < k AND tries < 40 LOOP
                tries := tries + 1;
                c := gg.pick(CASE WHEN random() < 0.7 THEN heads ELSE allrevs END);
                IF c <> ALL (v_parents)
                   AND NOT EXISTS (SELECT 1 FROM unnest(v_parents) p
                                    WHERE gg.related(p, c)) THEN
                    v_parents := v_parents || c;
                END IF;
            END LOOP;
        END IF;

        IF i > nroots AND r >= p_root AND cardinality(v_parents) < 2 THEN
            -- a single parent: extend a head, or fork an earlier revision
            -- (biased towards recent ones), which makes a branch point
            IF random() < p_extend_head THEN
                v_parents := ARRAY[gg.pick(heads)];
            ELSE
                v_parents := ARRAY[allrevs[greatest(1, i - 1 -
                                  floor(random() ^ 2 * (i - 1))::int)]];
            END IF;
        END IF;

        -- depends_on: revisions that are not already needed through the parents
        IF i > nroots AND random() < p_dep THEN
            k := CASE WHEN random() < 0.25 THEN 2 ELSE 1 END;
            tries := 0;
            WHILE cardinality(v_deps) < k AND tries < 40 LOOP
                tries := tries + 1;
                c := gg.pick(CASE WHEN random() < 0.5 THEN heads ELSE allrevs END);
                IF NOT gg.below_any(c, v_parents)
                   AND c <> ALL (v_deps)
                   AND NOT EXISTS (SELECT 1 FROM unnest(v_deps) d
                                    WHERE gg.related(d, c)) THEN
                    v_deps := v_deps || c;
                END IF;
            END LOOP;
        END IF;

        -- a few branch labels: the second root, three fixed points, a few random
        IF i = 2 OR i IN (n / 4, n / 2, 3 * n / 4)
           OR (random() < 0.01 AND nlab < 8) THEN
            v_labels := ARRAY[format('g%s_lab%s', gid, nlab)];
            nlab := nlab + 1;
        END IF;

        -- scripts: trace the step; a fraction also create/drop a table with a
        -- foreign key to each parent's/dependency's table, so a wrong order fails
        v_ddl := random() < p_ddl;
        up := format($s$INSERT INTO gg.trace (op, rev) VALUES ('upgrade', %L);$s$, rid);
        down := format($s$INSERT INTO gg.trace (op, rev) VALUES ('downgrade', %L);$s$, rid);
        IF v_ddl THEN
            SELECT string_agg(format(', %I int REFERENCES gg_ddl.%I (x)',
                                     'p_' || x.id, 't_' || x.id), '' ORDER BY x.ord)
              INTO cols
              FROM gg.rev x
             WHERE x.id = ANY (v_parents || v_deps) AND x.ddl;
            up := format('CREATE TABLE gg_ddl.%I (x int PRIMARY KEY%s); ',
                         't_' || rid, coalesce(cols, '')) || up;
            down := down || format(' DROP TABLE gg_ddl.%I;', 't_' || rid);
        END IF;

        INSERT INTO gg.rev
        SELECT gid, i, rid, v_parents, v_deps, v_labels, v_ddl,
               1 + coalesce(max(x.depth), 0)
          FROM gg.rev x WHERE x.id = ANY (v_parents || v_deps);
        INSERT INTO gg.edge
            SELECT gid, rid, p, 'down' FROM unnest(v_parents) p
            UNION ALL
            SELECT gid, rid, d, 'dep' FROM unnest(v_deps) d;
        INSERT INTO gg.anc
            SELECT gid, rid, rid
            UNION
            SELECT gid, rid, a.anc FROM gg.anc a WHERE a.rev = ANY (v_parents || v_deps);
        allrevs := allrevs || rid;

        got := migrate.revision(
            message       => format('revision %s of graph %s', i, gid),
            upgrade       => up,
            downgrade     => down,
            down_revision => v_parents,
            id            => rid,
            branch_labels => v_labels,
            depends_on    => CASE WHEN cardinality(v_deps) > 0 THEN v_deps END);
        IF got IS DISTINCT FROM rid THEN
            RAISE EXCEPTION 'migrate.revision returned % for %', got, rid;
        END IF;
    END LOOP;
    RETURN n;
END
$f$;

-- Number of edges of graph gid whose child was upgraded in phase ph after its
-- parent: the parent was upgraded earlier in the same phase, or was already
-- applied (in prior).  Equals the number of edges into the run set iff the order
-- is valid and nothing was missed.
CREATE FUNCTION gg.upgrade_edges_ok(gid int, ph text, prior text[])
RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*)
      FROM gg.edge e
      JOIN gg.trace tc ON tc.phase = ph AND tc.op = 'upgrade' AND tc.rev = e.child
      LEFT JOIN gg.trace tp ON tp.phase = ph AND tp.op = 'upgrade' AND tp.rev = e.parent
     WHERE e.g = gid
       AND (tp.seq < tc.seq OR (tp.seq IS NULL AND e.parent = ANY (prior)))
$$;

-- Number of edges of graph gid whose parent was downgraded in phase ph after its
-- child was downgraded in the same phase.
CREATE FUNCTION gg.downgrade_edges_ok(gid int, ph text)
RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*)
      FROM gg.edge e
      JOIN gg.trace tp ON tp.phase = ph AND tp.op = 'downgrade' AND tp.rev = e.parent
      JOIN gg.trace tc ON tc.phase = ph AND tc.op = 'downgrade' AND tc.rev = e.child
     WHERE e.g = gid AND tc.seq < tp.seq
$$;

-- Call migrate.upgrade/downgrade(target) in phase ph, recording the returned rows.
CREATE FUNCTION gg.run_sql(fn text, target text, ph text) RETURNS text
LANGUAGE sql AS $$
    SELECT format($q$SELECT pg_catalog.set_config('gg.phase', %L, true);
                     INSERT INTO gg.steps
                     SELECT %L, s.n, s.revision, s.operation
                       FROM migrate.%I(%L) WITH ORDINALITY
                            AS s(revision, operation, message, duration, locks, rewritten, n)$q$,
                  ph, ph, fn, target)
$$;

-- Tables currently in gg_ddl.
CREATE FUNCTION gg.ddl_tables() RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = 'gg_ddl'
$$;

-- All assertions for graph gid (38 of them).
CREATE FUNCTION gg.check_graph(gid int) RETURNS SETOF text LANGUAGE plpgsql AS $f$
DECLARE
    pre    text := format('graph %s: ', gid);
    ph     text;
    v      int;
    ne     int;
    nddl   int;
    nroots int;
    nbp    int;
    nm2    int;
    nm3    int;
    ndep   int;
    nlab   int;
    nhead  int;
    nreal  int;
    depth  int;
    y      text;
    x      text;
    ancy   text[];
    runx   text[];
    s      text[];
BEGIN
    SELECT count(*), count(*) FILTER (WHERE ddl),
           count(*) FILTER (WHERE parents = '{}'),
           count(*) FILTER (WHERE cardinality(parents) = 2),
           count(*) FILTER (WHERE cardinality(parents) = 3),
           count(*) FILTER (WHERE labels IS NOT NULL),
           max(rev.depth)
      INTO v, nddl, nroots, nm2, nm3, nlab, depth
      FROM gg.rev WHERE g = gid;
    SELECT count(*), count(*) FILTER (WHERE kind = 'dep')
      INTO ne, ndep FROM gg.edge WHERE g = gid;
    SELECT count(*) INTO nbp FROM (
        SELECT parent FROM gg.edge WHERE g = gid AND kind = 'down'
         GROUP BY parent HAVING count(*) > 1) b;
    nhead := cardinality(gg.graph_heads(gid));
    SELECT count(*) INTO nreal FROM gg.rev r
     WHERE r.g = gid AND NOT EXISTS (SELECT 1 FROM gg.edge e
                                      WHERE e.g = gid AND e.parent = r.id);

    -- 1. the generator built the kind of graph this suite claims to test
    RETURN NEXT ok(v >= 200 AND nroots >= 3 AND nbp >= 3 AND nm2 >= 3 AND nm3 >= 1
                   AND ndep >= 5 AND nlab >= 3 AND nddl >= 10 AND nreal < nhead
                   AND depth >= 20,
                   pre || format('shape: %s revisions, longest chain %s, %s roots, '
                                 '%s branch points, '
                                 '%s 2-parent and %s 3-parent merges, %s depends_on '
                                 'edges, %s labels, %s with DDL, %s heads of which '
                                 '%s real', v, depth, nroots, nbp, nm2, nm3, ndep, nlab,
                                 nddl, nhead, nreal));

    -- 2-3. registration stored exactly the generated graph, and nothing else
    RETURN NEXT is((SELECT count(*)::int FROM migrate.revisions), v,
                   pre || 'migrate.revisions holds exactly this graph''s revisions');
    RETURN NEXT is((SELECT count(*)::int FROM gg.rev r JOIN migrate.revisions m
                      ON m.id = r.id AND m.down_revisions = r.parents
                     AND m.depends_on = r.deps
                     AND m.branch_labels = coalesce(r.labels, '{}')
                   WHERE r.g = gid), v,
                   pre || 'every revision registered with its down revisions, '
                          'depends_on and labels');

    -- upgrade('heads') from nothing -------------------------------------------
    ph := format('g%s_up', gid);
    -- 4
    RETURN NEXT lives_ok(gg.run_sql('upgrade', 'heads', ph),
                         pre || 'upgrade(''heads'') succeeds');
    -- 5
    RETURN NEXT is((SELECT count(*)::int FROM gg.steps WHERE phase = ph), v,
                   pre || 'upgrade(''heads'') returns one row per revision');
    -- 6
    RETURN NEXT bag_eq(
        format('SELECT rev FROM gg.trace WHERE phase = %L AND op = ''upgrade''', ph),
        format('SELECT id FROM gg.rev WHERE g = %s', gid),
        pre || 'every revision''s upgrade script ran exactly once');
    -- 7
    RETURN NEXT is((SELECT count(*)::int FROM gg.trace WHERE phase = ph AND op <> 'upgrade'), 0,
                   pre || 'no downgrade script ran during upgrade');
    -- 8
    RETURN NEXT is(gg.upgrade_edges_ok(gid, ph, '{}')::int, ne,
                   pre || format('all %s edges (down revisions and depends_on): '
                                 'parent upgraded before child', ne));
    -- 9
    RETURN NEXT is(
        (SELECT array_agg(revision || '/' || operation ORDER BY n) FROM gg.steps WHERE phase = ph),
        (SELECT array_agg(rev || '/' || op ORDER BY seq) FROM gg.trace WHERE phase = ph),
        pre || 'returned rows are the executed steps, in execution order');
    -- 10
    RETURN NEXT set_eq('SELECT * FROM migrate.current()',
        format('SELECT r.id FROM gg.rev r WHERE r.g = %s AND NOT EXISTS '
               '(SELECT 1 FROM gg.edge e WHERE e.g = %s AND e.parent = r.id)', gid, gid),
        pre || 'current() is exactly the real heads');
    -- 11
    RETURN NEXT is((SELECT count(*)::int FROM migrate.current()), nreal,
                   pre || 'current() has one row per real head');
    -- 12
    RETURN NEXT is(gg.ddl_tables()::int, nddl,
                   pre || 'every DDL revision created its table');

    -- upgrade('heads') again --------------------------------------------------
    ph := format('g%s_again', gid);
    -- 13
    RETURN NEXT lives_ok(gg.run_sql('upgrade', 'heads', ph),
                         pre || 'second upgrade(''heads'') succeeds');
    -- 14
    RETURN NEXT is((SELECT count(*)::int FROM gg.steps WHERE phase = ph), 0,
                   pre || 'second upgrade(''heads'') returns no rows');
    -- 15
    RETURN NEXT is((SELECT count(*)::int FROM gg.trace WHERE phase = ph), 0,
                   pre || 'second upgrade(''heads'') runs no script');

    -- downgrade('base') -------------------------------------------------------
    ph := format('g%s_down', gid);
    -- 16
    RETURN NEXT lives_ok(gg.run_sql('downgrade', 'base', ph),
                         pre || 'downgrade(''base'') succeeds');
    -- 17
    RETURN NEXT is((SELECT count(*)::int FROM gg.steps WHERE phase = ph), v,
                   pre || 'downgrade(''base'') returns one row per revision');
    -- 18
    RETURN NEXT bag_eq(
        format('SELECT rev FROM gg.trace WHERE phase = %L AND op = ''downgrade''', ph),
        format('SELECT id FROM gg.rev WHERE g = %s', gid),
        pre || 'every revision''s downgrade script ran exactly once');
    -- 19
    RETURN NEXT is(gg.downgrade_edges_ok(gid, ph)::int, ne,
                   pre || format('all %s edges: child downgraded before parent', ne));
    -- 20
    RETURN NEXT is(
        (SELECT array_agg(revision || '/' || operation ORDER BY n) FROM gg.steps WHERE phase = ph),
        (SELECT array_agg(rev || '/' || op ORDER BY seq) FROM gg.trace WHERE phase = ph),
        pre || 'downgrade rows are the executed steps, in execution order');
    -- 21
    RETURN NEXT is_empty('SELECT * FROM migrate.current()',
                         pre || 'current() is empty after downgrade(''base'')');
    -- 22
    RETURN NEXT is(gg.ddl_tables()::int, 0,
                   pre || 'every table created by an upgrade is gone');
    -- 23
    RETURN NEXT is((SELECT count(*)::int FROM migrate.log
                     WHERE revision LIKE format('g%s\_%%', gid)), 2 * v,
                   pre || format('migrate.log has exactly 2*%s rows', v));
    -- 24
    RETURN NEXT is(
        (SELECT array_agg(revision || '/' || operation ORDER BY id) FROM migrate.log
          WHERE revision LIKE format('g%s\_%%', gid)),
        (SELECT array_agg(rev || '/' || op ORDER BY seq) FROM gg.trace
          WHERE phase IN (format('g%s_up', gid), format('g%s_down', gid))),
        pre || 'migrate.log rows are the executed steps, in order');

    -- mid-way: upgrade to Y, then to X ---------------------------------------
    PERFORM setseed(0.25 + gid / 100.0);
    SELECT gg.pick(array_agg(r.id ORDER BY r.ord)) INTO y
      FROM gg.rev r
     WHERE r.g = gid
       AND (SELECT count(*) FROM gg.anc a WHERE a.rev = r.id) BETWEEN 4 AND v / 3;
    SELECT array_agg(anc) INTO ancy FROM gg.anc WHERE rev = y;
    -- X: not applied by Y, shares some ancestors with Y, needs several more
    SELECT gg.pick(array_agg(r.id ORDER BY r.ord)) INTO x
      FROM gg.rev r
     WHERE r.g = gid AND r.id <> ALL (ancy)
       AND (SELECT count(*) FROM gg.anc a WHERE a.rev = r.id AND a.anc = ANY (ancy)) >= 1
       AND (SELECT count(*) FROM gg.anc a WHERE a.rev = r.id AND a.anc <> ALL (ancy)) >= 3;
    SELECT array_agg(anc) INTO runx FROM gg.anc WHERE rev = x AND anc <> ALL (ancy);
    s := ancy || runx;

    ph := format('g%s_midy', gid);
    -- 25
    RETURN NEXT lives_ok(gg.run_sql('upgrade', y, ph),
                         pre || format('upgrade(%L) succeeds', y));
    -- 26
    RETURN NEXT bag_eq(
        format('SELECT rev FROM gg.trace WHERE phase = %L AND op = ''upgrade''', ph),
        format('SELECT anc FROM gg.anc WHERE rev = %L', y),
        pre || format('upgrade(%L) from nothing runs exactly its %s ancestors',
                      y, cardinality(ancy)));
    -- 27
    RETURN NEXT is(gg.upgrade_edges_ok(gid, ph, '{}')::int,
                   (SELECT count(*)::int FROM gg.edge WHERE g = gid AND child = ANY (ancy)),
                   pre || format('upgrade(%L) order respects every edge', y));
    -- 28
    RETURN NEXT is(ARRAY(SELECT * FROM migrate.current()), ARRAY[y],
                   pre || format('current() is {%s}', y));

    ph := format('g%s_midx', gid);
    -- 29
    RETURN NEXT lives_ok(gg.run_sql('upgrade', x, ph),
                         pre || format('then upgrade(%L) succeeds', x));
    -- 30
    RETURN NEXT is((SELECT count(*)::int FROM gg.steps WHERE phase = ph), cardinality(runx),
                   pre || format('upgrade(%L) returns %s rows', x, cardinality(runx)));
    -- 31
    RETURN NEXT bag_eq(
        format('SELECT rev FROM gg.trace WHERE phase = %L', ph),
        format('SELECT anc FROM gg.anc WHERE rev = %L AND anc <> ALL (%L::text[])', x, ancy),
        pre || format('upgrade(%L) runs exactly its %s ancestors not yet applied',
                      x, cardinality(runx)));
    -- 32
    RETURN NEXT is(gg.upgrade_edges_ok(gid, ph, ancy)::int,
                   (SELECT count(*)::int FROM gg.edge WHERE g = gid AND child = ANY (runx)),
                   pre || format('upgrade(%L) order respects every edge', x));
    -- 33: the version table holds the applied revisions nothing applied needs
    RETURN NEXT set_eq('SELECT * FROM migrate.current()',
        format('SELECT u FROM unnest(%L::text[]) u WHERE NOT EXISTS '
               '(SELECT 1 FROM gg.edge e WHERE e.parent = u AND e.child = ANY (%L::text[]))',
               s, s),
        pre || 'current() is the maximal applied revisions');

    ph := format('g%s_middown', gid);
    -- 34
    RETURN NEXT lives_ok(gg.run_sql('downgrade', 'base', ph),
                         pre || 'downgrade(''base'') from the partial state succeeds');
    -- 35
    RETURN NEXT bag_eq(
        format('SELECT rev FROM gg.trace WHERE phase = %L AND op = ''downgrade''', ph),
        format('SELECT unnest(%L::text[])', s),
        pre || format('downgrade(''base'') runs exactly the %s applied revisions',
                      cardinality(s)));
    -- 36
    RETURN NEXT is(gg.downgrade_edges_ok(gid, ph)::int,
                   (SELECT count(*)::int FROM gg.edge WHERE g = gid AND child = ANY (s)),
                   pre || 'and in an order that respects every edge');
    -- 37
    RETURN NEXT ok(NOT EXISTS (SELECT FROM migrate.current()) AND gg.ddl_tables() = 0,
                   pre || 'nothing applied and no table left');

    -- 38. drop the graph so the next one starts from an empty registry
    RETURN NEXT lives_ok(format(
        'SELECT migrate.drop_revision(id) FROM (SELECT id FROM gg.rev WHERE g = %s '
        'ORDER BY ord DESC) d', gid),
        pre || 'every revision can be dropped, newest first');
END
$f$;

-- ---------------------------------------------------------------------
-- The graphs
-- ---------------------------------------------------------------------

-- graph 1: 220 revisions, mixed shape
SELECT is(gg.generate(1, 220, 0.11, 4, 0.02, 0.10, 0.12, 0.55, 0.25), 220,
          'graph 1 generated and registered');
SELECT * FROM gg.check_graph(1);

-- graph 2: 260 revisions, wide (many roots, many merges and dependencies)
SELECT is(gg.generate(2, 260, 0.22, 8, 0.04, 0.18, 0.20, 0.35, 0.20), 260,
          'graph 2 generated and registered');
SELECT * FROM gg.check_graph(2);

-- graph 3: 420 revisions, deep (mostly extending heads)
SELECT is(gg.generate(3, 420, 0.33, 3, 0.01, 0.08, 0.10, 0.75, 0.20), 420,
          'graph 3 generated and registered');
SELECT * FROM gg.check_graph(3);

SELECT is((SELECT count(*)::int FROM migrate.revisions), 0,
          'all graphs dropped: the registry is empty');

SELECT * FROM finish();
ROLLBACK;
