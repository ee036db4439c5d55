/*
 * view.c
 *		Views and materialized views, as pg_get_viewdef() prints them.  A
 *		changed view is dropped and created again, and so is everything
 *		built on it; so is a view over a column whose type changes, which
 *		PostgreSQL would otherwise refuse to alter.  Defaults and comments of
 *		a view's columns are set after it is created and altered in place.
 */
#include "schema.h"

#include <string.h>

const char *const view_reader =
"SELECT 'pg_class'::regclass::oid, c.oid, 0,"
" CASE c.relkind WHEN 'v' THEN 'view ' ELSE 'matview ' END || c.qn,"
" jsonb_build_object('kind', CASE c.relkind WHEN 'v' THEN 'view' ELSE 'matview' END,"
"  'name', c.qn, 'owner', quote_ident(pg_get_userbyid(c.relowner)),"
"  'definition', pg_get_viewdef(c.oid),"
"  'options', (SELECT jsonb_agg(o ORDER BY o) FROM unnest(c.reloptions) o),"
"  'comment', " SNAP_COMMENT("pg_class", "c.oid", "0") ","
"  'column_comments', (SELECT jsonb_object_agg(quote_ident(a.attname), d.description)"
"   FROM pg_attribute a JOIN pg_description d ON d.classoid = 'pg_class'::regclass"
"   AND d.objoid = c.oid AND d.objsubid = a.attnum"
"   WHERE a.attrelid = c.oid AND a.attnum > 0),"
"  'column_defaults', (SELECT jsonb_object_agg(quote_ident(a.attname), pg_get_expr(ad.adbin, ad.adrelid))"
"   FROM pg_attrdef ad JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum"
"   WHERE ad.adrelid = c.oid),"
"  'acl', " SNAP_ACL("c.relacl", "r", "c.relowner") ")"
" FROM rel c WHERE c.relkind IN ('v', 'm')"
" UNION ALL"
/* a column default's dependencies are its view's */
" SELECT 'pg_attrdef'::regclass::oid, ad.oid, 0, 'view ' || c.qn, NULL"
" FROM rel c JOIN pg_attrdef ad ON ad.adrelid = c.oid WHERE c.relkind = 'v'"
" UNION ALL"
/* dependencies are recorded for the view's rule */
" SELECT 'pg_rewrite'::regclass::oid, r.oid, 0,"
" CASE c.relkind WHEN 'v' THEN 'view ' ELSE 'matview ' END || c.qn, NULL"
" FROM rel c JOIN pg_rewrite r ON r.ev_class = c.oid AND r.rulename = '_RETURN'"
" WHERE c.relkind IN ('v', 'm')"
" UNION ALL"
" SELECT 'pg_type'::regclass::oid, x.oid, 0,"
" CASE c.relkind WHEN 'v' THEN 'view ' ELSE 'matview ' END || c.qn, NULL"
" FROM rel c JOIN pg_type t ON t.oid = c.reltype"
" CROSS JOIN LATERAL (VALUES (t.oid), (t.typarray)) x(oid)"
" WHERE c.relkind IN ('v', 'm') AND x.oid <> 0";

static bool
is_matview(Diff *d, const SObj *o)
{
	return strcmp(diff_str(d, o, "kind"), "matview") == 0;
}

/* the query without the semicolon pg_get_viewdef() ends with */
static const char *
query_of(Diff *d, const SObj *o)
{
	const char *def = diff_str(d, o, "definition");
	size_t		len = strlen(def);

	while (len > 0 && (def[len - 1] == ';' || def[len - 1] == ' ' ||
					   def[len - 1] == '\n'))
		len--;
	while (len > 0 && (*def == ' ' || *def == '\n'))
	{
		def++;
		len--;
	}
	return arena_printf(d->arena, "%.*s", (int) len, def);
}

static const char *
options_of(Diff *d, const SObj *o)
{
	const JNode *opts = json_get(o->def, "options");
	Buf			b;
	int			i;

	buf_init(&b, d->arena);
	for (i = 0; opts && opts->type == J_ARRAY && i < opts->n; i++)
		if (opts->items[i]->type == J_STRING)
			buf_addf(&b, "%s%s", b.len ? ", " : " WITH (", opts->items[i]->str);
	if (b.len > 0)
		buf_add(&b, ")");
	return b.data;
}

/*
 * The defaults and comments of a view's columns, from what the from side
 * had (NULL: nothing, a new view) to what the to side has.
 */
static void
view_columns(Diff *d, Step *n, const SObj *from, const SObj *to)
{
	static const char *const fields[] = {"column_defaults", "column_comments"};
	const char *name = diff_str(d, to, "name");
	int			f,
				i;

	for (f = 0; f < 2; f++)
	{
		const JNode *was = from ? json_get(from->def, fields[f]) : NULL;
		const JNode *now = json_get(to->def, fields[f]);

		/* what went first, then what is new or changed */
		for (i = 0; was && was->type == J_OBJECT && i < was->n; i++)
			if (json_str(now, was->keys[i]) == NULL)
				diff_emit(d, n, 0, f == 0 ? "ALTER VIEW %s ALTER COLUMN %s DROP DEFAULT"
						  : "COMMENT ON COLUMN %s.%s IS NULL", name, was->keys[i]);
		for (i = 0; now && now->type == J_OBJECT && i < now->n; i++)
		{
			const char *v = json_str(now, now->keys[i]);
			const char *old = json_str(was, now->keys[i]);

			if (v == NULL || (old && strcmp(old, v) == 0))
				continue;
			if (f == 0)
				diff_emit(d, n, 0, "ALTER VIEW %s ALTER COLUMN %s SET DEFAULT %s",
						  name, now->keys[i], v);
			else
				diff_emit(d, n, 0, "COMMENT ON COLUMN %s.%s IS %s", name,
						  now->keys[i], diff_literal(d, v));
		}
	}
}

static void
view_create(Diff *d, Pair *p, Step *n)
{
	if (is_matview(d, p->to))
		diff_emit(d, n, 0, "CREATE MATERIALIZED VIEW %s%s AS\n%s\nWITH DATA",
				  diff_str(d, p->to, "name"), options_of(d, p->to),
				  query_of(d, p->to));
	else
		diff_emit(d, n, 0, "CREATE VIEW %s%s AS\n%s", diff_str(d, p->to, "name"),
				  options_of(d, p->to), query_of(d, p->to));
	view_columns(d, n, NULL, p->to);
}

static void
view_drop(Diff *d, Pair *p, Step *n)
{
	diff_emit(d, n, HZ_ACCESS_EXCLUSIVE, "DROP %sVIEW %s",
			  is_matview(d, p->from) ? "MATERIALIZED " : "",
			  diff_str(d, p->from, "name"));
}

static void
view_alter(Diff *d, Pair *p, Step *unused)
{
	static const char *const in_place[] = {"deps", "comment", "acl", "owner",
	"column_defaults", "column_comments", NULL};

	if (!json_equal_except(p->from->def, p->to->def, in_place))
		diff_recreate(d, p);
	else
		view_columns(d, diff_node(d, p, PH_ALTER), p->from, p->to);
}

static const char *
view_ref(Diff *d, const SObj *o)
{
	return arena_printf(d->arena, "%sVIEW %s",
						is_matview(d, o) ? "MATERIALIZED " : "",
						diff_str(d, o, "name"));
}

static void
view_grants(Diff *d, Step *n, const SObj *o, const JNode *from_acl,
			const JNode *to_acl)
{
	diff_grants(d, n, from_acl, to_acl,
				arena_printf(d->arena, "TABLE %s", diff_str(d, o, "name")), NULL);
}

const Kind	view_kind = {
	.name = "view",
	.rank = 10,
	.create = view_create,
	.drop = view_drop,
	.alter = view_alter,
	.ref = view_ref,
	.grants = view_grants,
	.rebuilt_with_dependency = true,
	.blocks_type_change = true,
};

const Kind	matview_kind = {
	.name = "matview",
	.rank = 10,
	.create = view_create,
	.drop = view_drop,
	.alter = view_alter,
	.ref = view_ref,
	.grants = view_grants,
	.rebuilt_with_dependency = true,
	.blocks_type_change = true,
};
