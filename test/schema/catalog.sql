-- The facts of the user schemas, one sorted line each, read straight from
-- the catalogs: what test/schema/run.sh compares between a database that
-- was migrated and one built from the target schema.  Written apart from
-- migrate.snapshot() on purpose, so that a blind spot of the snapshot is
-- not shared by the check.  Column order is not compared (ADD COLUMN
-- appends), nor OIDs, owners' names aside.
\set ON_ERROR_STOP 1
\pset tuples_only on
\pset format unaligned
SET search_path = pg_catalog;
-- privileges as granted, without the owner's own: a NULL acl and an
-- explicit one holding the defaults are the same
CREATE FUNCTION pg_temp.privs(acl aclitem[], kind "char", owner oid) RETURNS text
LANGUAGE sql AS $$
  SELECT CASE WHEN cardinality(acl) = 0 OR (acl IS NULL AND kind IS NULL) THEN NULL
  ELSE (SELECT string_agg(format('%s:%s:%s', grantee::regrole, privilege_type,
                                 is_grantable), ',' ORDER BY 1)
        FROM aclexplode(coalesce(acl, acldefault(kind, owner)))
        WHERE owner IS NULL OR grantee <> owner) END
$$;
WITH ns AS (
  SELECT oid, nspname FROM pg_namespace
  WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'migrate')
    AND nspname !~ '^pg_'
), rels AS (
  SELECT c.*, format('%I.%I', n.nspname, c.relname) AS qn
  FROM pg_class c JOIN ns n ON n.oid = c.relnamespace
)
SELECT line FROM (
  SELECT format('schema %I acl=%s comment=%s', nspname,
    (SELECT pg_temp.privs(nspacl, 'n', nspowner) FROM pg_namespace WHERE oid = ns.oid),
    obj_description(oid, 'pg_namespace')) AS line FROM ns
  UNION ALL
  SELECT format('extension %I schema=%s version=%s', extname,
    extnamespace::regnamespace, extversion)
  FROM pg_extension WHERE extname NOT IN ('plpgsql', 'migrate')
  UNION ALL
  SELECT format('relation %s kind=%s persistence=%s options=%s rls=%s/%s acl=%s comment=%s bound=%s parent=%s partkey=%s',
    qn, relkind, relpersistence,
    (SELECT array_agg(o ORDER BY o) FROM unnest(reloptions) o), relrowsecurity, relforcerowsecurity,
    pg_temp.privs(relacl, (CASE relkind WHEN 'S' THEN 's' ELSE 'r' END)::"char", relowner), obj_description(oid, 'pg_class'), pg_get_expr(relpartbound, oid),
    (SELECT string_agg(inhparent::regclass::text, ',' ORDER BY inhseqno)
     FROM pg_inherits WHERE inhrelid = rels.oid),
    CASE WHEN relkind = 'p' THEN pg_get_partkeydef(oid) END)
  FROM rels WHERE relkind IN ('r', 'p', 'v', 'm', 'f', 'c')
  UNION ALL
  SELECT format('column %s.%I type=%s notnull=%s default=%s identity=%s generated=%s collation=%s acl=%s comment=%s options=%s',
    r.qn, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
    pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated,
    CASE WHEN a.attcollation <> t.typcollation THEN a.attcollation::regcollation::text END,
    pg_temp.privs(a.attacl, NULL, NULL), col_description(r.oid, a.attnum),
    (SELECT array_agg(o ORDER BY o) FROM unnest(a.attoptions) o WHERE o NOT LIKE 'pg\_attver=%'))
    -- a composite type's attribute order is part of it (row literals); a
    -- table's is not compared (ADD COLUMN appends)
    || CASE WHEN r.relkind = 'c' THEN format(' position=%s', (SELECT count(*) FROM pg_attribute b
         WHERE b.attrelid = a.attrelid AND b.attnum > 0 AND NOT b.attisdropped AND b.attnum <= a.attnum)) ELSE '' END
  FROM rels r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
  JOIN pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  WHERE r.relkind IN ('r', 'p', 'v', 'm', 'f', 'c')
  UNION ALL
  SELECT format('constraint %s.%I %s validated=%s comment=%s', r.qn, k.conname,
    pg_get_constraintdef(k.oid), k.convalidated, obj_description(k.oid, 'pg_constraint'))
  FROM rels r JOIN pg_constraint k ON k.conrelid = r.oid
  UNION ALL
  SELECT format('index %s %s comment=%s', r.qn, pg_get_indexdef(r.oid),
    obj_description(r.oid, 'pg_class'))
  FROM rels r WHERE r.relkind IN ('i', 'I')
  UNION ALL
  SELECT format('sequence %s type=%s start=%s inc=%s min=%s max=%s cache=%s cycle=%s owned=%s acl=%s',
    r.qn, s.seqtypid::regtype, s.seqstart, s.seqincrement, s.seqmin, s.seqmax,
    s.seqcache, s.seqcycle,
    (SELECT refobjid::regclass || '.' || quote_ident(attname) FROM pg_depend
     JOIN pg_attribute ON attrelid = refobjid AND attnum = refobjsubid
     WHERE classid = 'pg_class'::regclass AND objid = r.oid AND deptype IN ('a', 'i')
       AND refobjsubid > 0), pg_temp.privs(r.relacl, 's', r.relowner))
  FROM rels r JOIN pg_sequence s ON s.seqrelid = r.oid
  UNION ALL
  SELECT format('view %s %s', r.qn, pg_get_viewdef(r.oid)) FROM rels r WHERE relkind IN ('v', 'm')
  UNION ALL
  SELECT format('trigger %s.%I %s enabled=%s', r.qn, t.tgname, pg_get_triggerdef(t.oid), t.tgenabled)
  FROM rels r JOIN pg_trigger t ON t.tgrelid = r.oid WHERE NOT t.tgisinternal
  UNION ALL
  SELECT format('policy %s.%I %s %s roles=%s using=%s check=%s', r.qn, p.polname,
    p.polpermissive, p.polcmd, p.polroles::regrole[], pg_get_expr(p.polqual, p.polrelid),
    pg_get_expr(p.polwithcheck, p.polrelid))
  FROM rels r JOIN pg_policy p ON p.polrelid = r.oid
  UNION ALL
  SELECT format('function %s %s acl=%s comment=%s', p.oid::regprocedure,
    pg_get_functiondef(p.oid), pg_temp.privs(p.proacl, 'f', p.proowner), obj_description(p.oid, 'pg_proc'))
  FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace WHERE p.prokind <> 'a'
  UNION ALL
  SELECT format('type %s kind=%s labels=%s base=%s default=%s notnull=%s checks=%s acl=%s comment=%s',
    t.oid::regtype, t.typtype,
    (SELECT array_agg(enumlabel ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = t.oid),
    CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END,
    t.typdefault, t.typnotnull,
    (SELECT array_agg(conname || ' ' || pg_get_constraintdef(oid) ORDER BY conname)
     FROM pg_constraint WHERE contypid = t.oid),
    pg_temp.privs(t.typacl, 'T', t.typowner), obj_description(t.oid, 'pg_type'))
  FROM pg_type t JOIN ns ON ns.oid = t.typnamespace
  WHERE t.typtype IN ('e', 'd') OR (t.typtype = 'c' AND
    (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
  UNION ALL
  SELECT format('collation %s provider=%s collate=%s ctype=%s icu=%s deterministic=%s',
    c.oid::regcollation, c.collprovider, c.collcollate, c.collctype, c.colliculocale,
    c.collisdeterministic)
  FROM pg_collation c JOIN ns ON ns.oid = c.collnamespace
) facts ORDER BY line COLLATE "C";
