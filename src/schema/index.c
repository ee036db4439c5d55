/*
 * index.c
 *		Indexes that no constraint owns, on tables and materialized views,
 *		as pg_get_indexdef() prints them: partial, expression, INCLUDE and
 *		operator classes come with the text.  A changed index is built
 *		again.
 *
 * Asked for concurrent builds, an index on a table that already existed
 * is created and dropped CONCURRENTLY, as a step of its own outside the
 * transaction.  Indexes that partitions inherit from their parent's
 * index belong to the parent.
 */
#include "schema.h"

#include <string.h>

const char *const index_reader =
"SELECT 'pg_class'::regclass::oid, i.indexrelid, 0, 'index ' || ic.qn,"
" jsonb_build_object('kind', 'index', 'name', ic.qn, 'table', c.qn,"
"  'on', CASE c.relkind WHEN 'm' THEN 'matview' ELSE 'table' END,"
"  'partitioned', c.relkind = 'p',"
"  'definition', pg_get_indexdef(i.indexrelid),"
"  'comment', " SNAP_COMMENT("pg_class", "i.indexrelid", "0") ")"
" FROM pg_index i JOIN rel ic ON ic.oid = i.indexrelid"
" JOIN rel c ON c.oid = i.indrelid"
" WHERE c.relkind IN ('r', 'p', 'm') AND NOT ic.relispartition"
" AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid"
"  AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x'))";

static const char *
index_container(Diff *d, const SObj *o)
{
	return arena_printf(d->arena, "%s %s", diff_str(d, o, "on"),
						diff_str(d, o, "table"));
}

static bool
concurrent(Diff *d, Pair *p, const SObj *o)
{
	return d->opt.concurrently && diff_existed(p) &&
		!json_bool(o->def, "partitioned");
}

static void
index_create(Diff *d, Pair *p, Step *n)
{
	const char *def = diff_str(d, p->to, "definition");
	const char *at;
	unsigned	hz = diff_existed(p) ? HZ_INDEX_BUILD : 0;

	if (strncmp(def, "CREATE UNIQUE", 13) == 0 && diff_existed(p))
		hz |= HZ_DATA_DEPENDENT;
	/*
	 * pg_get_indexdef() prints a partitioned table's index ON ONLY, as
	 * pg_dump attaches the partitions' indexes one by one; created without
	 * ONLY, it reaches every partition by itself.
	 */
	if (json_bool(p->to->def, "partitioned"))
	{
		const char *only = strstr(def, " ON ONLY ");

		if (only)
			def = arena_printf(d->arena, "%.*s ON %s", (int) (only - def), def,
							   only + 9);
	}
	at = strstr(def, "INDEX ");
	if (at && concurrent(d, p, p->to))
		diff_emit_outside(d, n, hz, "%.*sINDEX CONCURRENTLY %s",
						  (int) (at - def), def, at + 6);
	else
		diff_emit(d, n, hz, "%s", def);
}

static void
index_drop(Diff *d, Pair *p, Step *n)
{
	if (concurrent(d, p, p->from))
		diff_emit_outside(d, n, 0, "DROP INDEX CONCURRENTLY %s",
						  diff_str(d, p->from, "name"));
	else
		diff_emit(d, n, HZ_ACCESS_EXCLUSIVE, "DROP INDEX %s",
				  diff_str(d, p->from, "name"));
}

static void
index_alter(Diff *d, Pair *p, Step *unused)
{
	diff_recreate(d, p);
}

static const char *
index_ref(Diff *d, const SObj *o)
{
	return arena_printf(d->arena, "INDEX %s", diff_str(d, o, "name"));
}

const Kind	index_kind = {
	.name = "index",
	.rank = 9,
	.create = index_create,
	.drop = index_drop,
	.alter = index_alter,
	.ref = index_ref,
	.container = index_container,
	.rebuilt_with_dependency = true,
};
