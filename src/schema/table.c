/*
 * table.c
 *		Tables: plain, unlogged, partitioned, partitions and inheritance
 *		children, with their storage options and row-level security
 *		switches.  Columns, constraints and the rest are objects of their
 *		own; a new table is created with its columns inline.
 *
 * A partition lives in its parent: dropping the parent takes it along,
 * and moving it to another parent is a DETACH and an ATTACH.
 */
#include "schema.h"

#include <stdlib.h>
#include <string.h>

const char *const table_reader =
"SELECT 'pg_class'::regclass::oid, c.oid, 0, 'table ' || c.qn,"
" jsonb_build_object('kind', 'table', 'name', c.qn,"
"  'owner', quote_ident(pg_get_userbyid(c.relowner)),"
"  'unlogged', c.relpersistence = 'u',"
"  'partition_by', CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,"
"  'partition_of', CASE WHEN c.relispartition THEN"
"   (SELECT quote_ident(pn.nspname) || '.' || quote_ident(pc.relname)"
"    FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent"
"    JOIN pg_namespace pn ON pn.oid = pc.relnamespace"
"    WHERE i.inhrelid = c.oid) END,"
"  'bound', CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END,"
"  'inherits', CASE WHEN NOT c.relispartition THEN"
"   (SELECT jsonb_agg(quote_ident(pn.nspname) || '.' || quote_ident(pc.relname)"
"     ORDER BY i.inhseqno)"
"    FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent"
"    JOIN pg_namespace pn ON pn.oid = pc.relnamespace"
"    WHERE i.inhrelid = c.oid) END,"
"  'options', (SELECT jsonb_agg(o ORDER BY o) FROM unnest(c.reloptions) o),"
"  'rls', c.relrowsecurity, 'rls_forced', c.relforcerowsecurity,"
"  'comment', " SNAP_COMMENT("pg_class", "c.oid", "0") ","
"  'acl', " SNAP_ACL("c.relacl", "r", "c.relowner") ")"
" FROM rel c WHERE c.relkind IN ('r', 'p')"
" UNION ALL"
/* a table's row type, and arrays of it, stand for the table */
" SELECT 'pg_type'::regclass::oid, x.oid, 0, 'table ' || c.qn, NULL"
" FROM rel c JOIN pg_type t ON t.oid = c.reltype"
" CROSS JOIN LATERAL (VALUES (t.oid), (t.typarray)) x(oid)"
" WHERE c.relkind IN ('r', 'p') AND x.oid <> 0";

static const char *
table_container(Diff *d, const SObj *o)
{
	const char *parent = json_str(o->def, "partition_of");

	return parent ? arena_printf(d->arena, "table %s", parent) : NULL;
}

static const char *
list_of(Diff *d, const JNode *array)
{
	Buf			b;
	int			i;

	buf_init(&b, d->arena);
	for (i = 0; array && array->type == J_ARRAY && i < array->n; i++)
		if (array->items[i]->type == J_STRING)
			buf_addf(&b, "%s%s", b.len ? ", " : "", array->items[i]->str);
	return b.data;
}

static void
security(Diff *d, Step *n, const char *name, const SObj *from, const SObj *to)
{
	bool		was = from && json_bool(from->def, "rls");
	bool		was_forced = from && json_bool(from->def, "rls_forced");

	if (json_bool(to->def, "rls") != was)
		diff_emit(d, n, HZ_ACCESS_EXCLUSIVE, "ALTER TABLE %s %s ROW LEVEL SECURITY",
				  name, was ? "DISABLE" : "ENABLE");
	if (json_bool(to->def, "rls_forced") != was_forced)
		diff_emit(d, n, HZ_ACCESS_EXCLUSIVE, "ALTER TABLE %s %s ROW LEVEL SECURITY",
				  name, was_forced ? "NO FORCE" : "FORCE");
}


static int
cmp_position(const void *a, const void *b)
{
	int			x = column_position(*(Pair *const *) a);
	int			y = column_position(*(Pair *const *) b);

	if (x != y)
		return x < y ? -1 : 1;
	return strcmp((*(Pair *const *) a)->key, (*(Pair *const *) b)->key);
}

/* a new table's columns in the order the desired table has them */
static Pair **
by_position(Diff *d, Pair **cols, int n)
{
	Pair	  **sorted = arena_alloc(d->arena, sizeof(Pair *) * (n + 1));

	if (n > 0)
		memcpy(sorted, cols, sizeof(Pair *) * n);
	qsort(sorted, n, sizeof(Pair *), cmp_position);
	return sorted;
}

static void
table_create(Diff *d, Pair *p, Step *n)
{
	const SObj *o = p->to;
	const char *name = diff_str(d, o, "name");
	const char *parent = json_str(o->def, "partition_of");
	const char *partition_by = json_str(o->def, "partition_by");
	const JNode *inherits = json_get(o->def, "inherits");
	const JNode *options = json_get(o->def, "options");
	Buf			b;
	Pair	  **cols;
	int			ncols,
				i,
				listed = 0;

	buf_init(&b, d->arena);
	buf_addf(&b, "CREATE %sTABLE %s", json_bool(o->def, "unlogged") ? "UNLOGGED " : "",
			 name);
	if (parent)
		buf_addf(&b, " PARTITION OF %s %s", parent, diff_str(d, o, "bound"));
	else
	{
		buf_add(&b, " (");
		cols = diff_children(d, arena_printf(d->arena, "column %s.", name), &ncols);
		cols = by_position(d, cols, ncols);
		for (i = 0; i < ncols; i++)
		{
			/* inherited columns come from the parents named below */
			if (cols[i]->to == NULL || cols[i]->kind != &column_kind ||
				cols[i]->container != p ||
				json_str(cols[i]->to->def, "inherited_from"))
				continue;
			buf_addf(&b, "%s\n    %s", listed++ ? "," : "",
					 column_definition(d, cols[i]->to));
		}
		buf_add(&b, listed ? "\n)" : ")");
		if (inherits)
			buf_addf(&b, " INHERITS (%s)", list_of(d, inherits));
	}
	if (partition_by)
		buf_addf(&b, " PARTITION BY %s", partition_by);
	if (options)
		buf_addf(&b, " WITH (%s)", list_of(d, options));
	diff_emit(d, n, 0, "%s", b.data);
	security(d, n, name, NULL, o);
}

static void
table_drop(Diff *d, Pair *p, Step *n)
{
	diff_emit(d, n, HZ_DELETES_DATA | HZ_IRREVERSIBLE | HZ_ACCESS_EXCLUSIVE,
			  "DROP TABLE %s", diff_str(d, p->from, "name"));
}

static bool
same(const SObj *a, const SObj *b, const char *field)
{
	return json_equal(json_get(a->def, field), json_get(b->def, field));
}

static void
table_alter(Diff *d, Pair *p, Step *unused)
{
	const SObj *from = p->from;
	const SObj *to = p->to;
	const char *name = diff_str(d, to, "name");
	const JNode *was_inh = json_get(from->def, "inherits");
	const JNode *now_inh = json_get(to->def, "inherits");
	Step	   *n;
	int			i;

	/* a different partitioning is a different table */
	if (!same(from, to, "partition_by"))
	{
		diff_recreate(d, p);
		return;
	}
	n = diff_node(d, p, PH_ALTER);
	if (!same(from, to, "partition_of") || !same(from, to, "bound"))
	{
		const char *was = json_str(from->def, "partition_of");
		const char *now = json_str(to->def, "partition_of");

		if (was)
			diff_emit(d, n, HZ_ACCESS_EXCLUSIVE,
					  "ALTER TABLE %s DETACH PARTITION %s", was, name);
		if (now)
			diff_emit(d, n, HZ_ACCESS_EXCLUSIVE | HZ_DATA_DEPENDENT,
					  "ALTER TABLE %s ATTACH PARTITION %s %s", now, name,
					  diff_str(d, to, "bound"));
	}
	for (i = 0; was_inh && was_inh->type == J_ARRAY && i < was_inh->n; i++)
		if (was_inh->items[i]->type == J_STRING &&
			!json_has_string(now_inh, was_inh->items[i]->str))
			diff_emit(d, n, HZ_ACCESS_EXCLUSIVE, "ALTER TABLE %s NO INHERIT %s",
					  name, was_inh->items[i]->str);
	for (i = 0; now_inh && now_inh->type == J_ARRAY && i < now_inh->n; i++)
		if (now_inh->items[i]->type == J_STRING &&
			!json_has_string(was_inh, now_inh->items[i]->str))
			diff_emit(d, n, HZ_ACCESS_EXCLUSIVE | HZ_DATA_DEPENDENT,
					  "ALTER TABLE %s INHERIT %s", name, now_inh->items[i]->str);
	if (json_bool(from->def, "unlogged") != json_bool(to->def, "unlogged"))
		diff_emit(d, n, HZ_ACCESS_EXCLUSIVE | HZ_REWRITES_TABLE,
				  "ALTER TABLE %s SET %s", name,
				  json_bool(to->def, "unlogged") ? "UNLOGGED" : "LOGGED");
	if (!same(from, to, "options"))
	{
		const JNode *was = json_get(from->def, "options");
		const JNode *now = json_get(to->def, "options");

		for (i = 0; was && was->type == J_ARRAY && i < was->n; i++)
		{
			const char *opt = was->items[i]->type == J_STRING ? was->items[i]->str : "";
			const char *eq = strchr(opt, '=');

			if (eq && !json_has_string(now, opt))
				diff_emit(d, n, 0, "ALTER TABLE %s RESET (%.*s)", name,
						  (int) (eq - opt), opt);
		}
		if (now && now->n > 0)
			diff_emit(d, n, 0, "ALTER TABLE %s SET (%s)", name, list_of(d, now));
	}
	security(d, n, name, from, to);
}

static const char *
table_ref(Diff *d, const SObj *o)
{
	return arena_printf(d->arena, "TABLE %s", diff_str(d, o, "name"));
}

static void
table_grants(Diff *d, Step *n, const SObj *o, const JNode *from_acl,
			 const JNode *to_acl)
{
	diff_grants(d, n, from_acl, to_acl, table_ref(d, o), NULL);
}

const Kind	table_kind = {
	.name = "table",
	.rank = 5,
	.create = table_create,
	.drop = table_drop,
	.alter = table_alter,
	.ref = table_ref,
	.container = table_container,
	.grants = table_grants,
};
