/*
 * catalog.c
 *		What migrate observes in the system catalogs: the relation locks
 *		this backend holds and the relfilenodes of user relations (for dry
 *		runs), and a fingerprint of the user schemas (for round trips).
 *
 * Only user relations count: system catalogs, TOAST, temporary schemas
 * and migrate's own schema are left out, so a step's report lists what
 * a DBA cares about (ACCESS EXCLUSIVE on a table, not ROW EXCLUSIVE on
 * pg_class).  The queries run in bookkeeping mode (store.c), immune to
 * the caller's search_path, which also makes every name they print
 * schema-qualified.
 */
#include "postgres.h"

#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "catalog.h"
#include "store.h"
#include "util.h"

#define USER_SCHEMAS \
	"SELECT oid, nspname, nspowner, nspacl FROM pg_namespace" \
	" WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'migrate')" \
	" AND nspname !~ '^pg_(toast|temp_|toast_temp_)'"

/* User relations by oid, sorted: name, relfilenode and kind. */
typedef struct RelationMap
{
	int			n;
	Oid		   *oids;
	Oid		   *filenodes;
	char	   *kinds;
	char	  **names;
} RelationMap;

/*
 * The relations and this backend's relation locks at one moment, sorted
 * for binary search, in a memory context of their own: a dry run keeps
 * the snapshot after each step as the "before" of the next one.
 */
struct CatalogSnapshot
{
	MemoryContext cxt;
	RelationMap *rels;
	int			nlocks;
	char	  **locks;			/* "oid mode", sorted by strcmp */
};

static SPIPlanPtr relations_plan;
static SPIPlanPtr locks_plan;
static SPIPlanPtr fingerprint_plan;

static RelationMap *
catalog_relations(void)
{
	RelationMap *m = palloc0(sizeof(RelationMap));
	uint64		i;

	store_run_catalog(&relations_plan,
					  "WITH ns AS (" USER_SCHEMAS ")"
					  " SELECT c.oid, c.relfilenode, c.relkind,"
					  " format('%I.%I', ns.nspname, c.relname)"
					  " FROM pg_class c JOIN ns ON ns.oid = c.relnamespace"
					  " ORDER BY c.oid");
	m->n = (int) SPI_processed;
	m->oids = palloc(Max(m->n, 1) * sizeof(Oid));
	m->filenodes = palloc(Max(m->n, 1) * sizeof(Oid));
	m->kinds = palloc(Max(m->n, 1));
	m->names = palloc(Max(m->n, 1) * sizeof(char *));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;

		m->oids[i] = DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull));
		m->filenodes[i] = DatumGetObjectId(SPI_getbinval(tup, desc, 2, &isnull));
		m->kinds[i] = DatumGetChar(SPI_getbinval(tup, desc, 3, &isnull));
		m->names[i] = SPI_getvalue(tup, desc, 4);
	}
	SPI_freetuptable(SPI_tuptable);
	return m;
}

static int
find_relation(RelationMap *m, Oid oid)
{
	int			lo = 0,
				hi = m->n - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (m->oids[mid] == oid)
			return mid;
		if (m->oids[mid] < oid)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* The relation locks this backend holds, as "oid mode" strings. */
static List *
catalog_locks(void)
{
	List	   *out = NIL;
	uint64		i;

	store_run_catalog(&locks_plan,
					  "SELECT relation::text || ' ' || mode FROM pg_locks"
					  " WHERE pid = pg_backend_pid() AND locktype = 'relation' AND granted"
					  " AND database = (SELECT oid FROM pg_database"
					  "                 WHERE datname = current_database())");
	for (i = 0; i < SPI_processed; i++)
		out = lappend(out, SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
	SPI_freetuptable(SPI_tuptable);
	return out;
}

static int
cmp_strings(const ListCell *a, const ListCell *b)
{
	return strcmp(lfirst(a), lfirst(b));
}

/* A sorted list of strings without repeats. */
static List *
unique_sorted(List *l)
{
	List	   *out = NIL;
	ListCell   *lc;

	foreach(lc, l)
		if (out == NIL || strcmp(llast(out), lfirst(lc)) != 0)
			out = lappend(out, lfirst(lc));
	return out;
}

CatalogSnapshot *
catalog_snapshot(MemoryContext parent)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "migrate catalog snapshot",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	CatalogSnapshot *snap = palloc(sizeof(CatalogSnapshot));
	List	   *locks;

	snap->cxt = cxt;
	snap->rels = catalog_relations();
	locks = catalog_locks();
	snap->nlocks = list_length(locks);
	snap->locks = util_sorted_strings(locks);
	MemoryContextSwitchTo(old);
	return snap;
}

void
catalog_snapshot_free(CatalogSnapshot *snap)
{
	MemoryContextDelete(snap->cxt);
}

/*
 * What a step did, from the snapshot taken before it: the relation locks
 * it acquired ("AccessExclusiveLock on public.users"; a lock already held
 * from an earlier step is not new) and the tables and materialized views
 * whose relfilenode changed (rewritten or truncated).  Relations the step
 * created are named from the catalogs as they are now, those it dropped
 * from the snapshot before it.  The lists are made in the current memory
 * context; the snapshot after the step replaces the one before, which is
 * freed.
 */
CatalogSnapshot *
catalog_step_changes(CatalogSnapshot *before, List **locks, List **rewritten)
{
	CatalogSnapshot *after = catalog_snapshot(MemoryContextGetParent(before->cxt));
	RelationMap *was = before->rels;
	RelationMap *now = after->rels;
	int			i;

	*locks = NIL;
	*rewritten = NIL;
	for (i = 0; i < after->nlocks; i++)
	{
		char	   *entry = after->locks[i];
		char	   *mode = strchr(entry, ' ');
		Oid			oid;
		int			k;
		char	   *name;

		if (mode == NULL ||
			util_sorted_find(before->locks, before->nlocks, entry) != NULL)
			continue;
		oid = (Oid) strtoul(entry, NULL, 10);
		if ((k = find_relation(now, oid)) >= 0)
			name = now->names[k];
		else if ((k = find_relation(was, oid)) >= 0)
			name = was->names[k];
		else
			continue;			/* not a user relation */
		*locks = lappend(*locks, psprintf("%s on %s", mode + 1, name));
	}
	for (i = 0; i < was->n; i++)
	{
		int			k = find_relation(now, was->oids[i]);

		if (k >= 0 && (was->kinds[i] == 'r' || was->kinds[i] == 'm') &&
			now->filenodes[k] != was->filenodes[i])
			*rewritten = lappend(*rewritten, pstrdup(was->names[i]));
	}
	list_sort(*locks, cmp_strings);
	list_sort(*rewritten, cmp_strings);
	/* an index rebuilt under its old name is two relations with one name */
	*locks = unique_sorted(*locks);
	catalog_snapshot_free(before);
	return after;
}

/*
 * The user schemas as objects, sorted by name: each a row (object,
 * parent, definition).  Objects are named, never by OID, so a dropped and
 * re-created object reads the same: "table public.t", "column
 * public.t.c", "constraint c on table public.t", "index public.i",
 * "function public.f(integer)", "extension pgcrypto", ...  A column's
 * parent is its table, a constraint's its table or domain, and so on, so
 * that a table that went missing is reported once, not with each of its
 * columns.  Column positions are not part of a column: the order of a
 * table's columns is an object of its own ("column order of public.t"),
 * reported apart.  An extension is one object: its members are left out.
 */
List *
catalog_fingerprint(void)
{
	List	   *out = NIL;
	uint64		i;

	store_run_catalog(&fingerprint_plan,
					  "WITH ns AS (" USER_SCHEMAS
					  "   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass"
					  "                   AND d.objid = pg_namespace.oid AND d.deptype = 'e')),"
					  " members AS (SELECT classid, objid FROM pg_depend WHERE deptype = 'e'),"
					  " rels AS (SELECT c.oid, c.relkind, ns.nspname,"
					  "   format('%s %I.%I', CASE c.relkind WHEN 'r' THEN 'table'"
					  "   WHEN 'p' THEN 'partitioned table' WHEN 'v' THEN 'view'"
					  "   WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence'"
					  "   WHEN 'f' THEN 'foreign table' WHEN 'c' THEN 'composite type'"
					  "   WHEN 'i' THEN 'index' WHEN 'I' THEN 'partitioned index'"
					  "   ELSE 'relation' END, ns.nspname, c.relname) AS key"
					  "   FROM pg_class c JOIN ns ON ns.oid = c.relnamespace"
					  "   WHERE c.relkind NOT IN ('t')"
					  "   AND NOT EXISTS (SELECT 1 FROM members m WHERE m.classid = 'pg_class'::regclass AND m.objid = c.oid))"
					  " SELECT object, parent, def FROM ("
					  " SELECT 'schema ' || quote_ident(nspname) AS object, NULL::text AS parent,"
					  "   'owner ' || quote_ident(pg_get_userbyid(nspowner)) || coalesce(' acl ' || nspacl::text, '') AS def"
					  " FROM ns"
					  " UNION ALL"
					  " SELECT format('extension %I', e.extname), NULL,"
					  "   format('version %s in schema %I', e.extversion, e.extnamespace::regnamespace)"
					  " FROM pg_extension e WHERE e.extname <> 'migrate'"
					  " UNION ALL"
					  /* relations; an index's parent is its table */
					  " SELECT r.key, CASE WHEN r.relkind IN ('i', 'I') THEN t.key END,"
					  "   CASE WHEN r.relkind IN ('i', 'I') THEN pg_get_indexdef(c.oid)"
					  "   ELSE CASE c.relpersistence WHEN 'u' THEN 'unlogged ' ELSE '' END"
					  "   || coalesce('partition ' || pg_get_expr(c.relpartbound, c.oid) || ' ', '')"
					  "   || CASE WHEN c.relrowsecurity THEN 'row security ' ELSE '' END"
					  "   || CASE WHEN c.relforcerowsecurity THEN 'forced ' ELSE '' END"
					  "   || coalesce('acl ' || c.relacl::text || ' ', '')"
					  "   || coalesce('with ' || c.reloptions::text || ' ', '')"
					  "   || 'owner ' || quote_ident(pg_get_userbyid(c.relowner))"
					  "   || CASE WHEN c.relkind IN ('v', 'm') THEN ' as ' || pg_get_viewdef(c.oid) ELSE '' END"
					  "   || coalesce((SELECT format(' as %s start %s increment %s min %s max %s cache %s%s',"
					  "       format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache,"
					  "       CASE WHEN s.seqcycle THEN ' cycle' ELSE '' END)"
					  "     FROM pg_sequence s WHERE s.seqrelid = c.oid), '') END"
					  " FROM rels r JOIN pg_class c ON c.oid = r.oid"
					  " LEFT JOIN pg_index x ON x.indexrelid = c.oid LEFT JOIN rels t ON t.oid = x.indrelid"
					  " UNION ALL"
					  " SELECT format('column %I.%I.%I', r.nspname, c.relname, a.attname), r.key,"
					  "   format_type(a.atttypid, a.atttypmod)"
					  "   || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END"
					  "   || CASE a.attidentity WHEN 'a' THEN ' generated always as identity'"
					  "     WHEN 'd' THEN ' generated by default as identity' ELSE '' END"
					  "   || CASE WHEN a.attgenerated = 's' THEN ' generated always as ' ELSE '' END"
					  "   || coalesce(CASE WHEN a.attgenerated = 's' THEN '' ELSE ' default ' END"
					  "     || pg_get_expr(d.adbin, d.adrelid), '')"
					  "   || CASE WHEN a.attcollation <> t.typcollation"
					  "     THEN ' collate ' || a.attcollation::regcollation::text ELSE '' END"
					  " FROM rels r JOIN pg_class c ON c.oid = r.oid"
					  " JOIN pg_attribute a ON a.attrelid = c.oid"
					  " JOIN pg_type t ON t.oid = a.atttypid"
					  " LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
					  " WHERE a.attnum > 0 AND NOT a.attisdropped AND r.relkind IN ('r', 'p', 'v', 'm', 'f', 'c')"
					  " UNION ALL"
					  /* a table's column order apart (ignorable); a composite type's is part of it */
					  " SELECT format('%s %I.%I', CASE WHEN r.relkind = 'c' THEN 'attribute order of'"
					  "   ELSE 'column order of' END, r.nspname, c.relname), r.key,"
					  "   string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)"
					  " FROM rels r JOIN pg_class c ON c.oid = r.oid JOIN pg_attribute a ON a.attrelid = c.oid"
					  " WHERE a.attnum > 0 AND NOT a.attisdropped AND r.relkind IN ('r', 'p', 'f', 'c')"
					  " GROUP BY r.key, r.relkind, r.nspname, c.relname"
					  " UNION ALL"
					  " SELECT format('constraint %I on %s', co.conname, coalesce(r.key,"
					  "     'domain ' || co.contypid::regtype::text)), coalesce(r.key, 'domain ' || co.contypid::regtype::text),"
					  "   pg_get_constraintdef(co.oid)"
					  " FROM pg_constraint co JOIN ns ON ns.oid = co.connamespace LEFT JOIN rels r ON r.oid = co.conrelid"
					  " WHERE (co.conrelid = 0 OR r.oid IS NOT NULL)"
					  "   AND NOT EXISTS (SELECT 1 FROM members m WHERE m.classid = 'pg_type'::regclass AND m.objid = co.contypid)"
					  " UNION ALL"
					  " SELECT format('%s %s', CASE p.prokind WHEN 'a' THEN 'aggregate'"
					  "   WHEN 'p' THEN 'procedure' ELSE 'function' END, p.oid::regprocedure), NULL,"
					  "   CASE WHEN p.prokind = 'a' THEN (SELECT format('%s %s %s %s', ag.aggtransfn::regproc,"
					  "     ag.aggfinalfn::regproc, ag.aggtranstype::regtype, ag.agginitval)"
					  "     FROM pg_aggregate ag WHERE ag.aggfnoid = p.oid)"
					  "   ELSE 'definition sha256 ' || encode(sha256(convert_to(pg_get_functiondef(p.oid), getdatabaseencoding())), 'hex') END"
					  "   || ' owner ' || quote_ident(pg_get_userbyid(p.proowner)) || coalesce(' acl ' || p.proacl::text, '')"
					  " FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace"
					  " WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.classid = 'pg_proc'::regclass AND m.objid = p.oid)"
					  " UNION ALL"
					  " SELECT format('comment on %s %s', CASE p.prokind WHEN 'a' THEN 'aggregate'"
					  "   WHEN 'p' THEN 'procedure' ELSE 'function' END, p.oid::regprocedure),"
					  "   format('%s %s', CASE p.prokind WHEN 'a' THEN 'aggregate'"
					  "   WHEN 'p' THEN 'procedure' ELSE 'function' END, p.oid::regprocedure), d.description"
					  " FROM pg_description d JOIN pg_proc p ON d.classoid = 'pg_proc'::regclass"
					  "   AND p.oid = d.objoid JOIN ns ON ns.oid = p.pronamespace"
					  " WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.classid = 'pg_proc'::regclass AND m.objid = p.oid)"
					  " UNION ALL"
					  " SELECT format('%s %s', CASE t.typtype WHEN 'e' THEN 'type' WHEN 'd' THEN 'domain'"
					  "   ELSE 'range' END, t.oid::regtype), NULL,"
					  "   CASE t.typtype"
					  "   WHEN 'e' THEN 'enum (' || (SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)"
					  "     FROM pg_enum e WHERE e.enumtypid = t.oid) || ')'"
					  "   WHEN 'd' THEN format_type(t.typbasetype, t.typtypmod)"
					  "     || CASE WHEN t.typnotnull THEN ' not null' ELSE '' END || coalesce(' default ' || t.typdefault, '')"
					  "   ELSE 'range of ' || (SELECT rg.rngsubtype::regtype::text FROM pg_range rg WHERE rg.rngtypid = t.oid) END"
					  " FROM pg_type t JOIN ns ON ns.oid = t.typnamespace WHERE t.typtype IN ('e', 'd', 'r')"
					  "   AND NOT EXISTS (SELECT 1 FROM members m WHERE m.classid = 'pg_type'::regclass AND m.objid = t.oid)"
					  " UNION ALL"
					  " SELECT format('policy %I on %s', pol.polname, r.key), r.key,"
					  "   format('%s %s to %s using %s check %s', CASE WHEN pol.polpermissive THEN 'permissive'"
					  "   ELSE 'restrictive' END, pol.polcmd, pol.polroles::regrole[]::text,"
					  "   pg_get_expr(pol.polqual, pol.polrelid), pg_get_expr(pol.polwithcheck, pol.polrelid))"
					  " FROM pg_policy pol JOIN rels r ON r.oid = pol.polrelid"
					  " UNION ALL"
					  " SELECT CASE WHEN d.objsubid = 0 THEN 'comment on ' || r.key"
					  "     ELSE format('comment on column %I.%I.%I', r.nspname, c.relname, a.attname) END,"
					  "   CASE WHEN d.objsubid = 0 THEN r.key"
					  "     ELSE format('column %I.%I.%I', r.nspname, c.relname, a.attname) END, d.description"
					  " FROM pg_description d JOIN rels r ON d.classoid = 'pg_class'::regclass AND r.oid = d.objoid"
					  " JOIN pg_class c ON c.oid = r.oid"
					  " LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid"
					  " UNION ALL"
					  " SELECT format('trigger %I on %s', tg.tgname, r.key), r.key, pg_get_triggerdef(tg.oid)"
					  " FROM pg_trigger tg JOIN rels r ON r.oid = tg.tgrelid WHERE NOT tg.tgisinternal"
					  ") f ORDER BY object COLLATE \"C\"");
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		CatalogObject *o = palloc(sizeof(CatalogObject));

		o->object = SPI_getvalue(tup, desc, 1);
		o->parent = SPI_getvalue(tup, desc, 2);
		o->def = SPI_getvalue(tup, desc, 3);
		if (o->def == NULL)
			o->def = "";
		out = lappend(out, o);
	}
	SPI_freetuptable(SPI_tuptable);
	return out;
}

/* What a difference shows of an object: its name, and a short definition. */
static char *
show_object(CatalogObject *o)
{
	if (strncmp(o->object, "column ", 7) == 0 && strlen(o->def) <= 80)
		return psprintf("%s (%s)", o->object, o->def);
	return o->object;
}

static void
append_side(StringInfo buf, const char *label, List *items)
{
	ListCell   *lc;

	if (items == NIL)
		return;
	appendStringInfo(buf, " %s: ", label);
	foreach(lc, items)
	{
		if (foreach_current_index(lc) == 5)
		{
			appendStringInfo(buf, "; and %d more", list_length(items) - 5);
			break;
		}
		appendStringInfo(buf, "%s%s", foreach_current_index(lc) ? "; " : "",
						 (char *) lfirst(lc));
	}
	appendStringInfoChar(buf, '.');
}

static bool
is_column_order(CatalogObject *o)
{
	return strncmp(o->object, "column order of ", 16) == 0;
}

/* Whether the object named name is in items (a list of CatalogObject *). */
static bool
named_in(List *items, const char *name)
{
	ListCell   *lc;

	if (name == NULL)
		return false;
	foreach(lc, items)
		if (strcmp(((CatalogObject *) lfirst(lc))->object, name) == 0)
			return true;
	return false;
}

static char *
clip_def(const char *def)
{
	return strlen(def) <= 100 ? pstrdup(def) : psprintf("%.97s...", def);
}

/*
 * Compare two fingerprints (both sorted by object name, as the query
 * sorts them), object by object: missing, extra and changed objects, an
 * object whose parent is missing (or extra) too counted with its parent.
 * Returns false when they are equal.  out->detail describes the
 * differences but for column order, out->order the tables whose column
 * order alone differs (NULL if none), out->ndiff counts the objects of
 * detail.
 */
bool
catalog_diff(List *expected, List *found, CatalogDiff *out)
{
	List	   *missing = NIL,
			   *extra = NIL,
			   *changed = NIL,
			   *order = NIL;
	List	   *shown_missing = NIL,
			   *shown_extra = NIL;
	int			i = 0,
				k = 0;
	ListCell   *lc;
	StringInfoData buf;

	memset(out, 0, sizeof(CatalogDiff));
	while (i < list_length(expected) || k < list_length(found))
	{
		CatalogObject *e = i < list_length(expected) ? list_nth(expected, i) : NULL;
		CatalogObject *f = k < list_length(found) ? list_nth(found, k) : NULL;
		int			c = e == NULL ? 1 : f == NULL ? -1 : strcmp(e->object, f->object);

		if (c == 0)
		{
			if (strcmp(e->def, f->def) != 0)
			{
				if (is_column_order(e))
					order = lappend(order, psprintf("%s was (%s), is (%s)", e->object + 16, e->def, f->def));
				else
					changed = lappend(changed, psprintf("%s: %s -> %s", e->object,
														clip_def(e->def), clip_def(f->def)));
			}
			i++, k++;
		}
		else if (c < 0)
			missing = lappend(missing, list_nth(expected, i++));
		else
			extra = lappend(extra, list_nth(found, k++));
	}
	/* an object goes with its parent when the parent went too */
	foreach(lc, missing)
		if (!named_in(missing, ((CatalogObject *) lfirst(lc))->parent))
			shown_missing = lappend(shown_missing, show_object(lfirst(lc)));
	foreach(lc, extra)
		if (!named_in(extra, ((CatalogObject *) lfirst(lc))->parent))
			shown_extra = lappend(shown_extra, show_object(lfirst(lc)));

	out->ndiff = list_length(shown_missing) + list_length(shown_extra) + list_length(changed);
	if (out->ndiff > 0)
	{
		initStringInfo(&buf);
		append_side(&buf, "Missing", shown_missing);
		append_side(&buf, "Extra", shown_extra);
		append_side(&buf, "Changed", changed);
		out->detail = buf.data + 1;
	}
	if (order != NIL)
	{
		initStringInfo(&buf);
		append_side(&buf, "Tables", order);
		out->order = buf.data + 1;
	}
	return out->ndiff > 0 || out->order != NULL;
}
