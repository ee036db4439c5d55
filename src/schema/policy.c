/*
 * policy.c
 *		Row-level security policies.  A changed policy is created again;
 *		the table's ENABLE/FORCE ROW LEVEL SECURITY switches are table.c's.
 */
#include "schema.h"

#include <string.h>

const char *const policy_reader =
"SELECT 'pg_policy'::regclass::oid, p.oid, 0,"
" 'policy ' || c.qn || '.' || quote_ident(p.polname),"
" jsonb_build_object('kind', 'policy', 'table', c.qn,"
"  'name', quote_ident(p.polname), 'permissive', p.polpermissive,"
"  'command', CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT'"
"   WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,"
"  'roles', (SELECT jsonb_agg(CASE r WHEN 0 THEN 'PUBLIC'"
"   ELSE quote_ident(pg_get_userbyid(r)) END ORDER BY 1)"
"   FROM unnest(p.polroles) r),"
"  'using', pg_get_expr(p.polqual, p.polrelid),"
"  'check', pg_get_expr(p.polwithcheck, p.polrelid),"
"  'comment', " SNAP_COMMENT("pg_policy", "p.oid", "0") ")"
" FROM pg_policy p JOIN rel c ON c.oid = p.polrelid";

static const char *
policy_container(Diff *d, const SObj *o)
{
	return arena_printf(d->arena, "table %s", diff_str(d, o, "table"));
}

static void
policy_create(Diff *d, Pair *p, Step *n)
{
	const SObj *o = p->to;
	const JNode *roles = json_get(o->def, "roles");
	Buf			b;
	int			i;

	buf_init(&b, d->arena);
	buf_addf(&b, "CREATE POLICY %s ON %s AS %s FOR %s TO ", diff_str(d, o, "name"),
			 diff_str(d, o, "table"),
			 json_bool(o->def, "permissive") ? "PERMISSIVE" : "RESTRICTIVE",
			 diff_str(d, o, "command"));
	for (i = 0; roles && roles->type == J_ARRAY && i < roles->n; i++)
		if (roles->items[i]->type == J_STRING)
			buf_addf(&b, "%s%s", i ? ", " : "", roles->items[i]->str);
	if (roles == NULL || roles->type != J_ARRAY || roles->n == 0)
		buf_add(&b, "PUBLIC");
	if (json_str(o->def, "using"))
		buf_addf(&b, " USING (%s)", json_str(o->def, "using"));
	if (json_str(o->def, "check"))
		buf_addf(&b, " WITH CHECK (%s)", json_str(o->def, "check"));
	diff_emit(d, n, 0, "%s", b.data);
}

static void
policy_drop(Diff *d, Pair *p, Step *n)
{
	diff_emit(d, n, 0, "DROP POLICY %s ON %s", diff_str(d, p->from, "name"),
			  diff_str(d, p->from, "table"));
}

static void
policy_alter(Diff *d, Pair *p, Step *unused)
{
	diff_recreate(d, p);
}

static const char *
policy_ref(Diff *d, const SObj *o)
{
	return arena_printf(d->arena, "POLICY %s ON %s", diff_str(d, o, "name"),
						diff_str(d, o, "table"));
}

const Kind	policy_kind = {
	.name = "policy",
	.rank = 12,
	.create = policy_create,
	.drop = policy_drop,
	.alter = policy_alter,
	.ref = policy_ref,
	.container = policy_container,
	.rebuilt_with_dependency = true,
	.blocks_type_change = true,
};
