/*
 * diffrun.c
 *		migrate.diff() on the server: hand the text of two snapshots to the
 *		pure diff, with an arena in a memory context of its own, and turn
 *		its failure message into an error.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "migrate.h"
#include "snapshot.h"

static void *
block_alloc(size_t size, void *arg)
{
	return MemoryContextAllocHuge((MemoryContext) arg, size);
}

static void
block_free(void *block, void *arg)
{
	pfree(block);
}

/*
 * A jsonb value as the diff's tree, walked with the jsonb iterator: no
 * text in between (a snapshot of 1,000 tables prints to megabytes).
 */
static JNode *
jsonb_tree(Arena *a, Jsonb *j)
{
	JsonbIterator *it = JsonbIteratorInit(&j->root);
	JsonbIteratorToken tok;
	JsonbValue	v;
	JNode	   *root = NULL;
	JNode	  **stack = NULL;
	int		   *caps = NULL;
	const char **pending = NULL;
	int			depth = 0,
				room = 0;

	while ((tok = JsonbIteratorNext(&it, &v, false)) != WJB_DONE)
	{
		JNode	   *node = NULL;

		switch (tok)
		{
			case WJB_KEY:
				pending[depth - 1] = pnstrdup(v.val.string.val, v.val.string.len);
				continue;
			case WJB_END_OBJECT:
			case WJB_END_ARRAY:
				depth--;
				continue;
			case WJB_BEGIN_OBJECT:
			case WJB_BEGIN_ARRAY:
				node = palloc0(sizeof(JNode));
				node->type = tok == WJB_BEGIN_OBJECT ? J_OBJECT : J_ARRAY;
				break;
			case WJB_VALUE:
			case WJB_ELEM:
				node = palloc0(sizeof(JNode));
				switch (v.type)
				{
					case jbvNull:
						node->type = J_NULL;
						break;
					case jbvBool:
						node->type = J_BOOL;
						node->boolean = v.val.boolean;
						break;
					case jbvNumeric:
						node->type = J_NUMBER;
						node->str = DatumGetCString(DirectFunctionCall1(numeric_out,
																		NumericGetDatum(v.val.numeric)));
						break;
					default:
						node->type = J_STRING;
						node->str = pnstrdup(v.val.string.val, v.val.string.len);
						break;
				}
				break;
			default:
				continue;
		}
		if (depth > 0)
			json_append(a, stack[depth - 1], &caps[depth - 1],
						stack[depth - 1]->type == J_OBJECT ? pending[depth - 1] : NULL,
						node);
		else
			root = node;
		if (node->type == J_OBJECT || node->type == J_ARRAY)
		{
			if (depth == room)
			{
				room = room == 0 ? 16 : room * 2;
				stack = stack ? repalloc(stack, sizeof(JNode *) * room) :
					palloc(sizeof(JNode *) * room);
				caps = caps ? repalloc(caps, sizeof(int) * room) :
					palloc(sizeof(int) * room);
				pending = pending ? repalloc(pending, sizeof(char *) * room) :
					palloc(sizeof(char *) * room);
			}
			stack[depth] = node;
			caps[depth] = 0;
			pending[depth] = NULL;
			depth++;
		}
	}
	return root;
}

/*
 * The statements from one snapshot's schema to the other's, copied into
 * the current memory context; the arena goes with its context at the end
 * or on error.
 */
DiffResult *
diffrun(Jsonb *from, Jsonb *to, Jsonb *renames, bool concurrently)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "migrate diff",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext caller = CurrentMemoryContext;
	DiffResult *r = palloc0(sizeof(DiffResult));
	char		errbuf[512];
	jmp_buf		fail;
	Arena	   *arena;
	DiffOptions opt;
	DiffRow    *rows;
	int			i;

	memset(&opt, 0, sizeof(opt));
	opt.concurrently = concurrently;
	MemoryContextSwitchTo(cxt);
	arena = arena_create(block_alloc, block_free, cxt, &fail, errbuf,
						 sizeof(errbuf));
	if (setjmp(fail) != 0)
	{
		bool		renames_wrong = arena_failed_about(arena) == ARENA_ABOUT_RENAMES;

		MemoryContextSwitchTo(caller);
		MemoryContextDelete(cxt);
		if (renames_wrong)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cannot rename as asked: %s", errbuf),
					 errhint("Pass renames as an object from keys of the from snapshot to keys of the to snapshot, such as '{\"table public.old\": \"table public.new\"}'.")));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot diff these snapshots: %s", errbuf),
				 errhint("Pass two values returned by migrate.snapshot().")));
	}
	if (renames != NULL)
	{
		arena_about(arena, ARENA_ABOUT_RENAMES);
		opt.renames = jsonb_tree(arena, renames);
		if (opt.renames->type != J_OBJECT)
			arena_fail(arena, "renames is not an object");
		arena_about(arena, ARENA_ABOUT_SNAPSHOTS);
	}
	rows = diff_run_trees(arena, jsonb_tree(arena, from), jsonb_tree(arena, to),
						  &opt, &r->n);

	MemoryContextSwitchTo(caller);
	r->statements = palloc(sizeof(char *) * Max(r->n, 1));
	r->hazards = palloc(sizeof(unsigned) * Max(r->n, 1));
	r->transactional = palloc(sizeof(bool) * Max(r->n, 1));
	r->keys = palloc(sizeof(char *) * Max(r->n, 1));
	r->changes = palloc(sizeof(char *) * Max(r->n, 1));
	for (i = 0; i < r->n; i++)
	{
		r->statements[i] = pstrdup(rows[i].statement);
		r->hazards[i] = rows[i].hazards;
		r->transactional[i] = rows[i].transactional;
		r->keys[i] = pstrdup(rows[i].key);
		r->changes[i] = rows[i].change;	/* static strings */
	}
	MemoryContextDelete(cxt);
	return r;
}

/* the hazard bits as text[], in the order of diff_hazard_names */
Datum
diffrun_hazard_array(unsigned hazards)
{
	Datum		items[HZ_COUNT];
	int			n = 0,
				i;

	for (i = 0; i < HZ_COUNT; i++)
		if (hazards & (1u << i))
			items[n++] = CStringGetTextDatum(diff_hazard_names[i]);
	return PointerGetDatum(construct_array(items, n, TEXTOID, -1, false,
										   TYPALIGN_INT));
}

/*
 * The statements as a revision script: each ends with a semicolon, and
 * one with hazards has them in a comment line above it, for the reviewer.
 * *transactional is false when any statement must run outside a
 * transaction block.
 */
char *
diffrun_script(DiffResult *r, bool *transactional)
{
	StringInfoData s;
	int			i,
				h;

	initStringInfo(&s);
	*transactional = true;
	for (i = 0; i < r->n; i++)
	{
		if (r->hazards[i] & ~HZ_NOT_DIFFED)
		{
			appendStringInfoString(&s, "-- hazards:");
			for (h = 0; h < HZ_COUNT; h++)
				if (r->hazards[i] & (1u << h))
					appendStringInfo(&s, " %s", diff_hazard_names[h]);
			appendStringInfoChar(&s, '\n');
		}
		if (strncmp(r->statements[i], "--", 2) == 0)
			appendStringInfo(&s, "%s\n", r->statements[i]);
		else
			appendStringInfo(&s, "%s;\n", r->statements[i]);
		if (!r->transactional[i])
			*transactional = false;
	}
	return s.data;
}
