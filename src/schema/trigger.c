/*
 * trigger.c
 *		Triggers on tables and views, as pg_get_triggerdef() prints them,
 *		with their ENABLE/DISABLE state.  Internal triggers (foreign keys)
 *		and the clones on partitions belong to something else.
 */
#include "schema.h"

#include <string.h>

const char *const trigger_reader =
"SELECT 'pg_trigger'::regclass::oid, t.oid, 0,"
" 'trigger ' || c.qn || '.' || quote_ident(t.tgname),"
" jsonb_build_object('kind', 'trigger', 'table', c.qn,"
"  'on', CASE WHEN c.relkind IN ('r', 'p') THEN 'table' ELSE 'view' END,"
"  'name', quote_ident(t.tgname), 'definition', pg_get_triggerdef(t.oid),"
"  'enabled', t.tgenabled,"
"  'comment', " SNAP_COMMENT("pg_trigger", "t.oid", "0") ")"
" FROM pg_trigger t JOIN rel c ON c.oid = t.tgrelid"
" WHERE NOT t.tgisinternal AND t.tgparentid = 0";

static const char *
trigger_container(Diff *d, const SObj *o)
{
	return arena_printf(d->arena, "%s %s", diff_str(d, o, "on"),
						diff_str(d, o, "table"));
}

static void
enable(Diff *d, Step *n, const SObj *o)
{
	const char *state = diff_str(d, o, "enabled");
	const char *word = strcmp(state, "D") == 0 ? "DISABLE" :
		strcmp(state, "R") == 0 ? "ENABLE REPLICA" :
		strcmp(state, "A") == 0 ? "ENABLE ALWAYS" : "ENABLE";

	diff_emit(d, n, 0, "ALTER TABLE %s %s TRIGGER %s", diff_str(d, o, "table"),
			  word, diff_str(d, o, "name"));
}

static void
trigger_create(Diff *d, Pair *p, Step *n)
{
	diff_emit(d, n, 0, "%s", diff_str(d, p->to, "definition"));
	if (strcmp(diff_str(d, p->to, "enabled"), "O") != 0)
		enable(d, n, p->to);
}

static void
trigger_drop(Diff *d, Pair *p, Step *n)
{
	diff_emit(d, n, 0, "DROP TRIGGER %s ON %s", diff_str(d, p->from, "name"),
			  diff_str(d, p->from, "table"));
}

static void
trigger_alter(Diff *d, Pair *p, Step *unused)
{
	if (!json_equal(json_get(p->from->def, "definition"),
					json_get(p->to->def, "definition")))
		diff_recreate(d, p);
	else
		enable(d, diff_node(d, p, PH_ALTER), p->to);
}

static const char *
trigger_ref(Diff *d, const SObj *o)
{
	return arena_printf(d->arena, "TRIGGER %s ON %s", diff_str(d, o, "name"),
						diff_str(d, o, "table"));
}

const Kind	trigger_kind = {
	.name = "trigger",
	.rank = 11,
	.create = trigger_create,
	.drop = trigger_drop,
	.alter = trigger_alter,
	.ref = trigger_ref,
	.container = trigger_container,
	.rebuilt_with_dependency = true,
	.blocks_type_change = true,
};
