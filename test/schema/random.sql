-- Random schemas for the property test of test/schema/run.sh --random:
-- pg_temp.random_schema(seed, side) returns the DDL of a schema (side 0)
-- or of the same schema after random changes (side 1).  Every choice is a
-- hash of (seed, place), not a draw from a generator, so both sides agree
-- on what they share and a seed reproduces a failure.
CREATE FUNCTION pg_temp.r(seed int, VARIADIC place int[]) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$
  SELECT (('x' || substr(md5(seed || ':' || array_to_string(place, ':')), 1, 8))::bit(32)::bigint
          & 2147483647) / 2147483648.0
$$;

CREATE FUNCTION pg_temp.random_schema(seed int, side int) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  types text[] := ARRAY['integer', 'bigint', 'text', 'varchar(20)', 'numeric(10,2)',
                        'boolean', 'timestamptz', 'jsonb', 'mood', 'date'];
  -- a type each may change into (same position), always castable
  wider text[] := ARRAY['bigint', 'numeric', 'varchar(40)', 'text', 'numeric(12,2)',
                        'text', 'timestamp', 'text', 'text', 'timestamptz'];
  defaults text[] := ARRAY['0', '1', '''x''', '''y''', '1.5', 'true', 'now()', '''{}''',
                           '''ok''', 'current_date'];
  ddl text := '';
  ntables int := 2 + floor(pg_temp.r(seed, 0) * 5)::int;
  t int; c int; ncols int; ty int; col text; coldef text; tname text;
  cols text[]; has_pk boolean; change float8;
  labels text := '''sad'', ''ok''';
BEGIN
  IF side = 1 AND pg_temp.r(seed, 1) < 0.5 THEN
    labels := '''sad'', ''meh'', ''ok'', ''happy''';
  END IF;
  ddl := ddl || format(E'CREATE TYPE mood AS ENUM (%s);\n', labels);
  FOR t IN 1..ntables LOOP
    -- tables come and go between the sides
    IF pg_temp.r(seed, t, 0, 1) < 0.15 AND side = 0 THEN CONTINUE; END IF;
    IF pg_temp.r(seed, t, 0, 2) < 0.15 AND side = 1 THEN CONTINUE; END IF;
    tname := 't' || t;
    cols := ARRAY['id'];
    coldef := 'id integer NOT NULL';
    ncols := 1 + floor(pg_temp.r(seed, t, 0, 3) * 6)::int;
    FOR c IN 1..ncols LOOP
      col := 'c' || c;
      IF side = 1 AND pg_temp.r(seed, t, c, 1) < 0.15 THEN CONTINUE; END IF;      -- dropped
      IF side = 0 AND pg_temp.r(seed, t, c, 2) < 0.15 THEN CONTINUE; END IF;      -- added
      ty := 1 + floor(pg_temp.r(seed, t, c, 3) * array_length(types, 1))::int;
      change := pg_temp.r(seed, t, c, 4);
      coldef := coldef || ', ' || col || ' ' ||
        CASE WHEN side = 1 AND change < 0.2 THEN wider[ty] ELSE types[ty] END;
      IF pg_temp.r(seed, t, c, 5 + side) < 0.3 AND NOT (side = 1 AND change < 0.2) THEN
        coldef := coldef || ' DEFAULT ' || defaults[ty];
      END IF;
      IF pg_temp.r(seed, t, c, 7 + side) < 0.3 THEN
        coldef := coldef || ' NOT NULL';
      END IF;
      cols := cols || col;
    END LOOP;
    has_pk := pg_temp.r(seed, t, 0, 4 + side) < 0.7;
    IF has_pk THEN coldef := coldef || format(', CONSTRAINT %s_pk PRIMARY KEY (id)', tname); END IF;
    IF pg_temp.r(seed, t, 0, 6 + side) < 0.3 THEN
      coldef := coldef || format(', CONSTRAINT %s_ck CHECK (id %s 0)', tname,
                                 CASE WHEN pg_temp.r(seed, t, 0, 8 + side) < 0.5 THEN '>' ELSE '>=' END);
    END IF;
    ddl := ddl || format(E'CREATE TABLE %s (%s);\n', tname, coldef);
    IF pg_temp.r(seed, t, 0, 10 + side) < 0.4 AND array_length(cols, 1) > 1 THEN
      ddl := ddl || format(E'CREATE INDEX %s_ix ON %s (%s)%s;\n', tname, tname, cols[2],
                           CASE WHEN pg_temp.r(seed, t, 0, 12 + side) < 0.5 THEN ' WHERE id > 0' ELSE '' END);
    END IF;
    IF pg_temp.r(seed, t, 0, 14 + side) < 0.3 THEN
      ddl := ddl || format(E'COMMENT ON TABLE %s IS %L;\n', tname, 'table ' || t || ' side ' || side);
    END IF;
    IF pg_temp.r(seed, t, 0, 16 + side) < 0.35 THEN
      ddl := ddl || format(E'CREATE VIEW %s_v AS SELECT %s FROM %s%s;\n', tname,
                           array_to_string(cols, ', '), tname,
                           CASE WHEN pg_temp.r(seed, t, 0, 18 + side) < 0.5 THEN ' WHERE id > 1' ELSE '' END);
    END IF;
  END LOOP;
  -- foreign keys between tables that both keep a primary key
  FOR t IN 2..ntables LOOP
    IF pg_temp.r(seed, t, 0, 20 + side) < 0.4 AND position(format('CREATE TABLE t%s ', t) IN ddl) > 0
       AND position(format('t%s_pk PRIMARY KEY', t - 1) IN ddl) > 0 THEN
      ddl := ddl || format(E'ALTER TABLE t%s ADD CONSTRAINT t%s_fk FOREIGN KEY (id) REFERENCES t%s;\n',
                           t, t, t - 1);
    END IF;
  END LOOP;
  IF pg_temp.r(seed, 2, side) < 0.5 THEN
    ddl := ddl || format(E'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS %L;\n',
                         'SELECT ' || floor(pg_temp.r(seed, 3, side) * 3)::int);
  END IF;
  RETURN ddl;
END
$$;
