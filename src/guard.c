/*
 * guard.c
 *		Keeping the migration history from being dropped by accident.
 *
 * DROP EXTENSION migrate deletes migrate.revisions, migrate.version and
 * migrate.log with it.  An event trigger (ddl_command_start, created by
 * the extension's script) calls guard_check_drop with the statement
 * about to run; while migrate.version has rows, a statement that would
 * drop the extension is refused unless migrate.allow_drop is on.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_extension.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "nodes/parsenodes.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"

#include "guard.h"
#include "migrate.h"
#include "store.h"
#include "util.h"

static bool
names_list_has(List *names, const char *name)
{
	ListCell   *lc;

	foreach(lc, names)
		if (IsA(lfirst(lc), String) && strcmp(strVal(lfirst(lc)), name) == 0)
			return true;
	return false;
}

/* Whether the statement would drop the migrate extension. */
static bool
drops_extension(Node *stmt)
{
	if (IsA(stmt, DropStmt))
	{
		DropStmt   *d = (DropStmt *) stmt;

		if (d->removeType == OBJECT_EXTENSION)
			return names_list_has(d->objects, "migrate");
		/* the extension depends on its schema: CASCADE takes it along */
		if (d->removeType == OBJECT_SCHEMA && d->behavior == DROP_CASCADE)
			return names_list_has(d->objects, get_namespace_name(store_extension_schema()));
		return false;
	}
	if (IsA(stmt, DropOwnedStmt))
	{
		ListCell   *lc;
		Oid			owner = store_extension_owner();

		foreach(lc, ((DropOwnedStmt *) stmt)->roles)
			if (get_rolespec_oid(lfirst(lc), true) == owner)
				return true;
	}
	return false;
}

typedef struct VersionRows
{
	MemoryContext cxt;			/* where the answer goes */
	int			n;
	char	   *rows;			/* "a, b" */
} VersionRows;

static void
reading_context(void *arg)
{
	errcontext("reading migrate.version before dropping the extension (SET migrate.allow_drop = on drops it unread)");
}

static void
read_rows(void *arg)
{
	VersionRows *v = arg;
	List	   *rows;
	ErrorContextCallback context = {error_context_stack, reading_context, NULL};

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	error_context_stack = &context;
	rows = store_load_version();
	error_context_stack = context.previous;
	/* SPI_finish frees what was read in SPI's context */
	v->n = list_length(rows);
	v->rows = MemoryContextStrdup(v->cxt, util_join_some(rows, 20));
	SPI_finish();
}

/*
 * Refuse a statement that would drop the extension while migrate.version
 * has rows.  The rows are read in a subtransaction: an extension too
 * broken to read its version table (the table or schema gone) holds no
 * history to lose, and must stay droppable; any other error (a cancel, a
 * lock timeout) stops the drop.
 */
void
guard_check_drop(Node *stmt)
{
	Oid			extoid = get_extension_oid("migrate", true);
	VersionRows v = {CurrentMemoryContext, 0, NULL};
	ErrorData  *err;

	if (migrate_allow_drop || !OidIsValid(extoid) || !drops_extension(stmt))
		return;
	err = util_subxact(read_rows, &v, true);
	MemoryContextSwitchTo(v.cxt);
	if (err != NULL)
	{
		/* only an extension missing its table has no history to keep */
		if (err->sqlerrcode != ERRCODE_UNDEFINED_TABLE &&
			err->sqlerrcode != ERRCODE_INVALID_SCHEMA_NAME)
			ReThrowError(err);
		return;
	}
	if (v.n == 0)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
			 errmsg("extension \"migrate\" holds the migration history of this database"),
			 errdetail("migrate.version has %d row%s (%s); dropping the extension deletes migrate.revisions, migrate.version and migrate.log.",
					   v.n, v.n == 1 ? "" : "s", v.rows),
			 errhint("Keep a copy first (pg_dump --schema=migrate), then SET migrate.allow_drop = on and drop it again.")));
}
