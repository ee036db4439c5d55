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

#define USER_SCHEMAS \
	"SELECT oid, nspname FROM pg_namespace" \
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

static int
cmp_cstrings(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

CatalogSnapshot *
catalog_snapshot(MemoryContext parent)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "migrate catalog snapshot",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	CatalogSnapshot *snap = palloc(sizeof(CatalogSnapshot));
	List	   *locks;
	ListCell   *lc;

	snap->cxt = cxt;
	snap->rels = catalog_relations();
	locks = catalog_locks();
	snap->nlocks = list_length(locks);
	snap->locks = palloc(Max(snap->nlocks, 1) * sizeof(char *));
	foreach(lc, locks)
		snap->locks[foreach_current_index(lc)] = lfirst(lc);
	qsort(snap->locks, snap->nlocks, sizeof(char *), cmp_cstrings);
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
			bsearch(&entry, before->locks, before->nlocks, sizeof(char *), cmp_cstrings) != NULL)
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
	catalog_snapshot_free(before);
	return after;
}

/*
 * The schema as one sorted line per fact: tables (with row security,
 * grants, storage options and owner), columns (position, type, default,
 * NOT NULL, identity, generation), constraints, indexes, views, functions
 * (by a hash of their definition, with owner and grants), aggregates,
 * sequences, enums, domains, range types, policies, comments on tables,
 * columns and functions, and triggers of every user schema.  Nothing in it depends on OIDs, so a
 * dropped and re-created object prints the same line.
 */
List *
catalog_fingerprint(void)
{
	List	   *out = NIL;
	uint64		i;

	store_run_catalog(&fingerprint_plan,
					  "WITH ns AS (" USER_SCHEMAS ") SELECT line FROM ("
					  " SELECT 'schema ' || quote_ident(nspname) AS line FROM ns"
					  " UNION ALL"
					  " SELECT format('%s %I.%I%s%s', CASE c.relkind WHEN 'r' THEN 'table'"
					  "   WHEN 'p' THEN 'partitioned table' WHEN 'v' THEN 'view'"
					  "   WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence'"
					  "   WHEN 'f' THEN 'foreign table' WHEN 'c' THEN 'composite type'"
					  "   WHEN 'i' THEN 'index' WHEN 'I' THEN 'partitioned index'"
					  "   ELSE 'relation' END, ns.nspname, c.relname,"
					  "   CASE c.relpersistence WHEN 'u' THEN ' unlogged' ELSE '' END,"
					  "   coalesce(' partition ' || pg_get_expr(c.relpartbound, c.oid), '')"
					  "   || CASE WHEN c.relrowsecurity THEN ' row security' ELSE '' END"
					  "   || CASE WHEN c.relforcerowsecurity THEN ' forced' ELSE '' END"
					  "   || coalesce(' acl ' || c.relacl::text, '')"
					  "   || coalesce(' with ' || c.reloptions::text, '')"
					  "   || ' owner ' || quote_ident(pg_get_userbyid(c.relowner)))"
					  " FROM pg_class c JOIN ns ON ns.oid = c.relnamespace"
					  " UNION ALL"
					  " SELECT format('column %I.%I.%I #%s %s%s%s%s%s', ns.nspname, c.relname,"
					  "   a.attname,"
					  "   row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum),"
					  "   format_type(a.atttypid, a.atttypmod),"
					  "   CASE WHEN a.attnotnull THEN ' not null' ELSE '' END,"
					  "   CASE a.attidentity WHEN 'a' THEN ' generated always as identity'"
					  "     WHEN 'd' THEN ' generated by default as identity' ELSE '' END,"
					  "   CASE WHEN a.attgenerated = 's' THEN ' generated always as ' ELSE '' END,"
					  "   coalesce(CASE WHEN a.attgenerated = 's' THEN '' ELSE ' default ' END"
					  "     || pg_get_expr(d.adbin, d.adrelid), ''),"
					  "   CASE WHEN a.attcollation <> t.typcollation"
					  "     THEN ' collate ' || a.attcollation::regcollation::text ELSE '' END)"
					  " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
					  " JOIN ns ON ns.oid = c.relnamespace"
					  " JOIN pg_type t ON t.oid = a.atttypid"
					  " LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
					  " WHERE a.attnum > 0 AND NOT a.attisdropped"
					  "   AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c')"
					  " UNION ALL"
					  " SELECT format('constraint %I on %s: %s', co.conname,"
					  "   CASE WHEN co.conrelid <> 0 THEN co.conrelid::regclass::text"
					  "     ELSE co.contypid::regtype::text END, pg_get_constraintdef(co.oid))"
					  " FROM pg_constraint co JOIN ns ON ns.oid = co.connamespace"
					  " UNION ALL"
					  " SELECT 'index ' || pg_get_indexdef(i.indexrelid)"
					  " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
					  " JOIN ns ON ns.oid = c.relnamespace"
					  " UNION ALL"
					  " SELECT format('view %I.%I: %s', ns.nspname, c.relname, pg_get_viewdef(c.oid))"
					  " FROM pg_class c JOIN ns ON ns.oid = c.relnamespace"
					  " WHERE c.relkind IN ('v', 'm')"
					  " UNION ALL"
					  " SELECT format('%s %s: %s owner %s%s', CASE p.prokind WHEN 'a' THEN 'aggregate'"
					  "   WHEN 'p' THEN 'procedure' ELSE 'function' END, p.oid::regprocedure,"
					  "   CASE WHEN p.prokind = 'a' THEN (SELECT format('%s %s %s %s', ag.aggtransfn::regproc,"
					  "     ag.aggfinalfn::regproc, ag.aggtranstype::regtype, ag.agginitval)"
					  "     FROM pg_aggregate ag WHERE ag.aggfnoid = p.oid)"
					  "   ELSE encode(sha256(convert_to(pg_get_functiondef(p.oid), getdatabaseencoding())), 'hex') END,"
					  "   quote_ident(pg_get_userbyid(p.proowner)), coalesce(' acl ' || p.proacl::text, ''))"
					  " FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace"
					  " UNION ALL"
					  " SELECT format('comment on %s: %s', p.oid::regprocedure, d.description)"
					  " FROM pg_description d JOIN pg_proc p ON d.classoid = 'pg_proc'::regclass"
					  "   AND p.oid = d.objoid JOIN ns ON ns.oid = p.pronamespace"
					  " UNION ALL"
					  " SELECT format('range %s: %s', t.oid::regtype, r.rngsubtype::regtype)"
					  " FROM pg_type t JOIN ns ON ns.oid = t.typnamespace"
					  " JOIN pg_range r ON r.rngtypid = t.oid"
					  " UNION ALL"
					  " SELECT format('sequence %s as %s start %s increment %s min %s max %s cache %s%s',"
					  "   s.seqrelid::regclass, format_type(s.seqtypid, NULL), s.seqstart,"
					  "   s.seqincrement, s.seqmin, s.seqmax, s.seqcache,"
					  "   CASE WHEN s.seqcycle THEN ' cycle' ELSE '' END)"
					  " FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid"
					  " JOIN ns ON ns.oid = c.relnamespace"
					  " UNION ALL"
					  " SELECT format('enum %s: %s', t.oid::regtype,"
					  "   (SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)"
					  "    FROM pg_enum e WHERE e.enumtypid = t.oid))"
					  " FROM pg_type t JOIN ns ON ns.oid = t.typnamespace WHERE t.typtype = 'e'"
					  " UNION ALL"
					  " SELECT format('domain %s: %s%s%s', t.oid::regtype,"
					  "   format_type(t.typbasetype, t.typtypmod),"
					  "   CASE WHEN t.typnotnull THEN ' not null' ELSE '' END,"
					  "   coalesce(' default ' || t.typdefault, ''))"
					  " FROM pg_type t JOIN ns ON ns.oid = t.typnamespace WHERE t.typtype = 'd'"
					  " UNION ALL"
					  " SELECT format('policy %I on %s: %s %s to %s using %s check %s', pol.polname,"
					  "   pol.polrelid::regclass, CASE WHEN pol.polpermissive THEN 'permissive'"
					  "   ELSE 'restrictive' END, pol.polcmd, pol.polroles::regrole[]::text,"
					  "   pg_get_expr(pol.polqual, pol.polrelid), pg_get_expr(pol.polwithcheck, pol.polrelid))"
					  " FROM pg_policy pol JOIN pg_class c ON c.oid = pol.polrelid"
					  " JOIN ns ON ns.oid = c.relnamespace"
					  " UNION ALL"
					  " SELECT format('comment on %s: %s',"
					  "   CASE WHEN d.objsubid = 0 THEN c.oid::regclass::text"
					  "     ELSE format('%s.%I', c.oid::regclass, a.attname) END, d.description)"
					  " FROM pg_description d JOIN pg_class c ON d.classoid = 'pg_class'::regclass"
					  "   AND c.oid = d.objoid JOIN ns ON ns.oid = c.relnamespace"
					  " LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid"
					  " UNION ALL"
					  " SELECT 'trigger ' || pg_get_triggerdef(tg.oid)"
					  " FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid"
					  " JOIN ns ON ns.oid = c.relnamespace WHERE NOT tg.tgisinternal"
					  ") f ORDER BY line COLLATE \"C\"");
	for (i = 0; i < SPI_processed; i++)
		out = lappend(out, SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
	SPI_freetuptable(SPI_tuptable);
	return out;
}

static void
append_side(StringInfo buf, const char *label, List *lines, int *shown)
{
	ListCell   *lc;

	if (lines == NIL)
		return;
	appendStringInfo(buf, "%s%s: ", buf->len ? " " : "", label);
	foreach(lc, lines)
	{
		if (foreach_current_index(lc) == 5)
		{
			appendStringInfo(buf, "; and %d more", list_length(lines) - 5);
			break;
		}
		appendStringInfo(buf, "%s%s", foreach_current_index(lc) ? "; " : "",
						 (char *) lfirst(lc));
		(*shown)++;
	}
	appendStringInfoChar(buf, '.');
}

/*
 * Compare two fingerprints (both sorted by strcmp, as the query sorts
 * them).  Returns NULL when they are equal, else a description of what
 * is missing and what is extra, with the number of differing lines in
 * *ndiff.
 */
char *
catalog_diff(List *expected, List *found, int *ndiff)
{
	List	   *missing = NIL;
	List	   *extra = NIL;
	int			i = 0,
				k = 0;
	int			shown = 0;
	StringInfoData buf;

	while (i < list_length(expected) || k < list_length(found))
	{
		int			c;

		if (i >= list_length(expected))
			c = 1;
		else if (k >= list_length(found))
			c = -1;
		else
			c = strcmp(list_nth(expected, i), list_nth(found, k));
		if (c == 0)
			i++, k++;
		else if (c < 0)
			missing = lappend(missing, list_nth(expected, i++));
		else
			extra = lappend(extra, list_nth(found, k++));
	}
	*ndiff = list_length(missing) + list_length(extra);
	if (*ndiff == 0)
		return NULL;
	initStringInfo(&buf);
	append_side(&buf, "Missing", missing, &shown);
	append_side(&buf, "Extra", extra, &shown);
	return buf.data;
}
