/*
 * extension.c
 *		Extensions installed in the covered schemas, with their version.
 *		Their member objects are not read: the extension stands for them,
 *		so an object using a member (a column of type citext) depends on
 *		the extension.  migrate itself is never part of a snapshot.
 */
#include "schema.h"

#include <string.h>

const char *const extension_reader =
"SELECT 'pg_extension'::regclass::oid, x.oid, 0,"
" 'extension ' || quote_ident(x.extname),"
" jsonb_build_object('kind', 'extension', 'name', quote_ident(x.extname),"
"  'schema', ns.q, 'version', x.extversion,"
"  'comment', " SNAP_COMMENT("pg_extension", "x.oid", "0") ")"
" FROM pg_extension x JOIN ns ON ns.oid = x.extnamespace"
" WHERE x.extname <> 'migrate'"
" UNION ALL"
" SELECT m.classid, m.objid, 0, 'extension ' || quote_ident(x.extname), NULL"
" FROM mem m JOIN pg_extension x ON x.oid = m.ext"
" JOIN ns ON ns.oid = x.extnamespace WHERE x.extname <> 'migrate'";

static void
extension_create(Diff *d, Pair *p, Step *n)
{
	diff_emit(d, n, 0, "CREATE EXTENSION %s WITH SCHEMA %s VERSION %s",
			  diff_str(d, p->to, "name"), diff_str(d, p->to, "schema"),
			  diff_literal(d, diff_str(d, p->to, "version")));
}

static void
extension_drop(Diff *d, Pair *p, Step *n)
{
	diff_emit(d, n, HZ_DELETES_DATA, "DROP EXTENSION %s",
			  diff_str(d, p->from, "name"));
}

static void
extension_alter(Diff *d, Pair *p, Step *unused)
{
	const char *name = diff_str(d, p->to, "name");
	const char *schema = diff_str(d, p->to, "schema");
	const char *version = diff_str(d, p->to, "version");

	if (strcmp(diff_str(d, p->from, "schema"), schema) != 0)
		diff_emit(d, diff_node(d, p, PH_ALTER), 0,
				  "ALTER EXTENSION %s SET SCHEMA %s", name, schema);
	if (strcmp(diff_str(d, p->from, "version"), version) != 0)
		diff_emit(d, diff_node(d, p, PH_ALTER), 0,
				  "ALTER EXTENSION %s UPDATE TO %s", name,
				  diff_literal(d, version));
}

static const char *
extension_ref(Diff *d, const SObj *o)
{
	return arena_printf(d->arena, "EXTENSION %s", diff_str(d, o, "name"));
}

const Kind	extension_kind = {
	.name = "extension",
	.rank = 1,
	.create = extension_create,
	.drop = extension_drop,
	.alter = extension_alter,
	.ref = extension_ref,
};
