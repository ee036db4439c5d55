/*
 * function.c
 *		Functions and procedures (aggregates are not diffed: other.c), as
 *		pg_get_functiondef() prints them.  A body change is a CREATE OR
 *		REPLACE; a change of result type, argument names or defaults, which
 *		CREATE OR REPLACE refuses, drops and creates the function again
 *		with what depends on it.
 */
#include "schema.h"

#include <string.h>

const char *const function_reader =
"SELECT 'pg_proc'::regclass::oid, p.oid, 0,"
" 'function ' || ns.q || '.' || quote_ident(p.proname)"
"  || '(' || pg_get_function_identity_arguments(p.oid) || ')',"
" jsonb_build_object('kind', 'function',"
"  'name', ns.q || '.' || quote_ident(p.proname),"
"  'owner', quote_ident(pg_get_userbyid(p.proowner)),"
"  'args', pg_get_function_identity_arguments(p.oid),"
"  'arg_types', oidvectortypes(p.proargtypes),"
"  'arguments', pg_get_function_arguments(p.oid),"
"  'result', pg_get_function_result(p.oid),"
"  'procedure', p.prokind = 'p',"
"  'definition', pg_get_functiondef(p.oid),"
"  'comment', " SNAP_COMMENT("pg_proc", "p.oid", "0") ","
"  'acl', " SNAP_ACL("p.proacl", "f", "p.proowner") ")"
" FROM pg_proc p JOIN ns ON ns.oid = p.pronamespace"
" WHERE p.prokind IN ('f', 'p', 'w') AND NOT " SNAP_MEMBER("pg_proc", "p.oid");

static const char *
function_ref(Diff *d, const SObj *o)
{
	return arena_printf(d->arena, "%s %s(%s)",
						json_bool(o->def, "procedure") ? "PROCEDURE" : "FUNCTION",
						diff_str(d, o, "name"), diff_str(d, o, "args"));
}

/* the definition without the newline pg_get_functiondef() ends with */
static void
emit_definition(Diff *d, Step *n, const SObj *o)
{
	const char *def = diff_str(d, o, "definition");
	size_t		len = strlen(def);

	while (len > 0 && (def[len - 1] == '\n' || def[len - 1] == ' '))
		len--;
	diff_emit(d, n, 0, "%.*s", (int) len, def);
}

static void
function_create(Diff *d, Pair *p, Step *n)
{
	emit_definition(d, n, p->to);
}

static void
function_drop(Diff *d, Pair *p, Step *n)
{
	diff_emit(d, n, 0, "DROP %s", function_ref(d, p->from));
}

static void
function_alter(Diff *d, Pair *p, Step *unused)
{
	static const char *const kept[] = {"arguments", "result", "procedure"};
	size_t		i;

	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		if (!json_equal(json_get(p->from->def, kept[i]), json_get(p->to->def, kept[i])))
		{
			diff_recreate(d, p);
			return;
		}
	/*
	 * CREATE OR REPLACE with the creations: a body (not BEGIN ATOMIC) names
	 * tables and columns without a recorded dependency, and its check at
	 * creation needs the new ones to exist.
	 */
	if (!json_equal(json_get(p->from->def, "definition"),
					json_get(p->to->def, "definition")))
		emit_definition(d, diff_node(d, p, PH_CREATE), p->to);
}

static void
function_grants(Diff *d, Step *n, const SObj *o, const JNode *from_acl,
				const JNode *to_acl)
{
	diff_grants(d, n, from_acl, to_acl, function_ref(d, o), NULL);
}

const Kind	function_kind = {
	.name = "function",
	.rank = 7,
	.create = function_create,
	.drop = function_drop,
	.alter = function_alter,
	.ref = function_ref,
	.grants = function_grants,
	.public_default = "EXECUTE PUBLIC",
	.rebuilt_with_dependency = true,
};
