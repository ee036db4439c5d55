/*
 * namespace.c
 *		Schemas (the SQL word; "namespace" in the catalogs, as here to keep
 *		this file apart from schema.h).  What a schema holds is dropped
 *		before it, so DROP SCHEMA never needs CASCADE.
 */
#include "schema.h"

const char *const namespace_reader =
"SELECT 'pg_namespace'::regclass::oid, n.oid, 0, 'schema ' || ns.q,"
" jsonb_build_object('kind', 'schema', 'name', ns.q,"
"  'owner', quote_ident(pg_get_userbyid(n.nspowner)),"
"  'comment', " SNAP_COMMENT("pg_namespace", "n.oid", "0") ","
"  'acl', " SNAP_ACL("n.nspacl", "n", "n.nspowner") ")"
" FROM ns JOIN pg_namespace n ON n.oid = ns.oid";

static void
namespace_create(Diff *d, Pair *p, Step *n)
{
	diff_emit(d, n, 0, "CREATE SCHEMA %s", diff_str(d, p->to, "name"));
}

static void
namespace_drop(Diff *d, Pair *p, Step *n)
{
	diff_emit(d, n, 0, "DROP SCHEMA %s", diff_str(d, p->from, "name"));
}

static void
namespace_alter(Diff *d, Pair *p, Step *unused)
{
	/* a schema has nothing of its own but what every kind has */
}

static const char *
namespace_ref(Diff *d, const SObj *o)
{
	return arena_printf(d->arena, "SCHEMA %s", diff_str(d, o, "name"));
}

static void
namespace_grants(Diff *d, Step *n, const SObj *o, const JNode *from_acl,
				 const JNode *to_acl)
{
	diff_grants(d, n, from_acl, to_acl, namespace_ref(d, o), NULL);
}

const Kind	namespace_kind = {
	.name = "schema",
	.rank = 0,
	.create = namespace_create,
	.drop = namespace_drop,
	.alter = namespace_alter,
	.ref = namespace_ref,
	.grants = namespace_grants,
};
