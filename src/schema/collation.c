/*
 * collation.c
 *		Collations of the covered schemas, libc or ICU, deterministic or
 *		not.  A changed collation is created again.
 */
#include "schema.h"

#include <string.h>

const char *const collation_reader =
"SELECT 'pg_collation'::regclass::oid, co.oid, 0,"
" 'collation ' || ns.q || '.' || quote_ident(co.collname),"
" jsonb_build_object('kind', 'collation',"
"  'name', ns.q || '.' || quote_ident(co.collname),"
"  'owner', quote_ident(pg_get_userbyid(co.collowner)),"
"  'provider', CASE co.collprovider WHEN 'i' THEN 'icu' WHEN 'c' THEN 'libc'"
"   ELSE 'default' END,"
"  'lc_collate', co.collcollate, 'lc_ctype', co.collctype,"
"  'locale', co.colliculocale, 'deterministic', co.collisdeterministic,"
"  'comment', " SNAP_COMMENT("pg_collation", "co.oid", "0") ")"
" FROM pg_collation co JOIN ns ON ns.oid = co.collnamespace"
" WHERE NOT " SNAP_MEMBER("pg_collation", "co.oid");

static void
collation_create(Diff *d, Pair *p, Step *n)
{
	const SObj *o = p->to;
	const char *provider = diff_str(d, o, "provider");
	Buf			b;

	buf_init(&b, d->arena);
	buf_addf(&b, "CREATE COLLATION %s (provider = %s", diff_str(d, o, "name"),
			 provider);
	if (strcmp(provider, "icu") == 0)
		buf_addf(&b, ", locale = %s", diff_literal(d, json_str(o->def, "locale")));
	else
		buf_addf(&b, ", lc_collate = %s, lc_ctype = %s",
				 diff_literal(d, json_str(o->def, "lc_collate")),
				 diff_literal(d, json_str(o->def, "lc_ctype")));
	if (!json_bool(o->def, "deterministic"))
		buf_add(&b, ", deterministic = false");
	buf_add(&b, ")");
	diff_emit(d, n, 0, "%s", b.data);
}

static void
collation_drop(Diff *d, Pair *p, Step *n)
{
	diff_emit(d, n, 0, "DROP COLLATION %s", diff_str(d, p->from, "name"));
}

static void
collation_alter(Diff *d, Pair *p, Step *unused)
{
	diff_recreate(d, p);
}

static const char *
collation_ref(Diff *d, const SObj *o)
{
	return arena_printf(d->arena, "COLLATION %s", diff_str(d, o, "name"));
}

const Kind	collation_kind = {
	.name = "collation",
	.rank = 2,
	.create = collation_create,
	.drop = collation_drop,
	.alter = collation_alter,
	.ref = collation_ref,
};
