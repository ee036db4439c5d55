/*
 * desired.c
 *		The schema a SQL text describes, read as a snapshot: the managed
 *		schemas are emptied in a subtransaction, the SQL runs there, the
 *		result is snapshotted, and everything is rolled back.
 *
 * That locks every object it drops, so it is refused unless the setting
 * migrate.allow_autogenerate is on (a development database).  Schemas
 * other than public are dropped and must be created by the SQL, as a
 * complete description of the schema would; public, which every database
 * has, is emptied and given back its owner, privileges and comment.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "migrate.h"
#include "snapshot.h"
#include "statements.h"
#include "util.h"

typedef struct Desired
{
	const char *sql;
	List	   *statements;
	Datum		schemas;
	bool		all;
	MemoryContext cxt;			/* where the result is kept */
	Jsonb	   *result;
	int			statement;		/* for the error context */
	int			line;
} Desired;

static void
desired_context(void *arg)
{
	Desired    *d = arg;

	if (d->statement > 0)
		errcontext("while building the desired schema, statement %d at line %d",
				   d->statement, d->line);
	else
		errcontext("while building the desired schema");
}

static void
run_sql(const char *sql)
{
	if (SPI_execute(sql, false, 0) < 0)
		elog(ERROR, "SPI_execute failed for \"%s\"", sql);
}

/* "schema public" of a snapshot, alone, as snapshot text */
static Jsonb *
public_only(Jsonb *snap)
{
	StringInfoData s;
	Datum		obj;

	obj = DirectFunctionCall2(jsonb_object_field, JsonbPGetDatum(snap),
							  CStringGetTextDatum("objects"));
	obj = DirectFunctionCall2(jsonb_object_field, obj, CStringGetTextDatum("schema public"));
	initStringInfo(&s);
	appendStringInfo(&s, "{\"format\": 1, \"objects\": {\"schema public\": %s}}",
					 JsonbToCString(NULL, &DatumGetJsonbP(obj)->root, 0));
	return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(s.data)));
}

static Datum
public_array(void)
{
	Datum		item = CStringGetTextDatum("public");

	return PointerGetDatum(construct_array(&item, 1, TEXTOID, -1, false,
										   TYPALIGN_INT));
}

/* drop the managed schemas; public comes back empty, as it was otherwise */
static void
empty_schemas(Desired *d)
{
	Oid			types[1] = {TEXTARRAYOID};
	Datum		values[1] = {d->schemas};
	Jsonb	   *before = NULL;
	StringInfoData sql;
	char	   *owner = NULL;
	uint64		i;

	if (SPI_execute_with_args("SELECT quote_ident(nspname), nspname = 'public',"
							  " quote_ident(pg_get_userbyid(nspowner)) FROM pg_namespace n"
							  " WHERE CASE WHEN $1 IS NULL THEN"
							  "  nspname NOT IN ('pg_catalog', 'information_schema', 'migrate')"
							  "  AND nspname !~ '^pg_(toast|temp_|toast_temp_)'"
							  " ELSE nspname = ANY ($1) END"
							  " AND NOT EXISTS (SELECT 1 FROM pg_depend e"
							  "  WHERE e.classid = 'pg_namespace'::regclass"
							  "  AND e.objid = n.oid AND e.deptype = 'e')",
							  1, types, values, d->all ? "n" : " ", false, 0) < 0)
		elog(ERROR, "SPI_execute_with_args failed");
	initStringInfo(&sql);
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;

		appendStringInfo(&sql, "DROP SCHEMA %s CASCADE;",
						 SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
		if (DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc,
									   2, &isnull)))
			owner = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 3);
	}
	if (owner != NULL)
		before = public_only(snapshot_take(public_array(), false, true));
	if (sql.len > 0)
		run_sql(sql.data);
	if (owner != NULL)
	{
		DiffResult *r;
		int			k;

		run_sql("CREATE SCHEMA public");
		resetStringInfo(&sql);
		appendStringInfo(&sql, "ALTER SCHEMA public OWNER TO %s", owner);
		run_sql(sql.data);
		/* its privileges and comment, through the diff itself */
		r = diffrun(public_only(snapshot_take(public_array(), false, true)),
					before, NULL, false);
		for (k = 0; k < r->n; k++)
			if (strncmp(r->statements[k], "--", 2) != 0)
				run_sql(r->statements[k]);
	}
}

static void
build(void *arg)
{
	Desired    *d = arg;
	ErrorContextCallback cb = {error_context_stack, desired_context, d};
	ListCell   *lc;
	Jsonb	   *snap;
	MemoryContext old;

	error_context_stack = &cb;
	empty_schemas(d);
	foreach(lc, d->statements)
	{
		Statement  *s = lfirst(lc);

		d->statement = foreach_current_index(lc) + 1;
		d->line = s->line;
		run_sql(s->text);
	}
	d->statement = 0;
	snap = snapshot_take(d->schemas, d->all, true);
	old = MemoryContextSwitchTo(d->cxt);
	d->result = DatumGetJsonbPCopy(JsonbPGetDatum(snap));
	MemoryContextSwitchTo(old);
	error_context_stack = cb.previous;
}

/*
 * The snapshot of the schema desired_sql describes, in the named schemas
 * (all user schemas when all is true).  The caller is connected to SPI;
 * nothing of the build survives.
 */
Jsonb *
desired_take(const char *desired_sql, Datum schemas, bool all)
{
	Desired		d = {0};
	ErrorData  *err;
	int			nest;

	if (!migrate_allow_autogenerate)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("building a desired schema is not allowed in this database"),
				 errdetail("It empties the managed schemas in a subtransaction, runs the SQL there and rolls back, locking every object it touches while it runs."),
				 errhint("On a development database, a superuser can allow it: ALTER DATABASE ... SET migrate.allow_autogenerate = on.")));
	d.sql = desired_sql;
	d.statements = statements_for_schema(desired_sql);
	d.schemas = schemas;
	d.all = all;
	d.cxt = CurrentMemoryContext;
	/* DROP SCHEMA ... CASCADE would list every object it takes along */
	nest = NewGUCNestLevel();
	(void) set_config_option("client_min_messages", "warning", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	err = util_subxact(build, &d, false);
	AtEOXact_GUC(true, nest);
	if (err != NULL)
		ReThrowError(err);
	return d.result;
}
