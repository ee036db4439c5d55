/*
 * snapshot.c
 *		migrate.snapshot(): the schema as data, read from the catalogs in
 *		one statement, so that every object is seen at the same moment.
 *
 * The statement is put together from each kind's reader (the kind files
 * hold them next to the code that writes the kind's statements), then
 * pg_depend is joined to the objects it found, so that dependencies are
 * named by identity, never by OID.  search_path is pinned to pg_catalog
 * while it runs: every name the server deparses comes out schema-
 * qualified, whatever the caller's setting.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"

#include "migrate.h"
#include "snapshot.h"

static SPIPlanPtr snapshot_plan;

static const char *
snapshot_sql(void)
{
	const char *const readers[] = {
		namespace_reader, extension_reader, collation_reader, type_reader,
		sequence_reader, table_reader, column_reader, constraint_reader,
		index_reader, function_reader, view_reader, trigger_reader,
		policy_reader, other_reader
	};
	StringInfoData sql;
	size_t		i;

	initStringInfo(&sql);
	appendStringInfoString(&sql,
						   "WITH ns AS ("
						   " SELECT n.oid, quote_ident(n.nspname) AS q, n.nspname"
						   " FROM pg_namespace n"
						   " WHERE CASE WHEN $1 IS NULL THEN"
						   "  n.nspname NOT IN ('pg_catalog', 'information_schema', 'migrate')"
						   "  AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'"
						   " ELSE n.nspname = ANY ($1) END"
						   " AND NOT EXISTS (SELECT 1 FROM pg_depend e"
						   "  WHERE e.classid = 'pg_namespace'::regclass"
						   "  AND e.objid = n.oid AND e.deptype = 'e')),"
						   " mem AS MATERIALIZED (SELECT classid, objid, refobjid AS ext"
						   " FROM pg_depend WHERE deptype = 'e'"
						   " AND refclassid = 'pg_extension'::regclass),"
						   " rel AS MATERIALIZED (SELECT c.*, ns.q || '.' || quote_ident(c.relname) AS qn"
						   " FROM pg_class c JOIN ns ON ns.oid = c.relnamespace"
						   " WHERE NOT " SNAP_MEMBER("pg_class", "c.oid") "),"
						   " objs (classid, objid, subid, key, obj) AS MATERIALIZED (");
	for (i = 0; i < lengthof(readers); i++)
		appendStringInfo(&sql, "%s(%s)", i ? " UNION ALL " : "", readers[i]);
	appendStringInfoString(&sql,
						   "),"
						   " map AS MATERIALIZED (SELECT classid, objid, subid, key FROM objs),"
						   " deps AS (SELECT DISTINCT coalesce(a1.key, a0.key) AS key,"
						   "  coalesce(b1.key, b0.key) AS ref"
						   " FROM pg_depend d"
						   " LEFT JOIN map a1 ON a1.classid = d.classid AND a1.objid = d.objid"
						   "  AND a1.subid = d.objsubid AND d.objsubid <> 0"
						   " LEFT JOIN map a0 ON a0.classid = d.classid AND a0.objid = d.objid"
						   "  AND a0.subid = 0"
						   " LEFT JOIN map b1 ON b1.classid = d.refclassid AND b1.objid = d.refobjid"
						   "  AND b1.subid = d.refobjsubid AND d.refobjsubid <> 0"
						   " LEFT JOIN map b0 ON b0.classid = d.refclassid AND b0.objid = d.refobjid"
						   "  AND b0.subid = 0"
						   " WHERE d.deptype NOT IN ('e', 'x')"
						   " AND coalesce(a1.key, a0.key) IS NOT NULL"
						   " AND coalesce(b1.key, b0.key) IS NOT NULL"
						   " AND coalesce(a1.key, a0.key) <> coalesce(b1.key, b0.key)"
	/* OWNED BY is the sequence's own field, not an order of creation */
						   " AND NOT (coalesce(a1.key, a0.key) LIKE 'sequence %'"
						   "  AND coalesce(b1.key, b0.key) LIKE 'column %')),"
						   " lists AS (SELECT key, jsonb_agg(ref ORDER BY ref) AS deps"
						   "  FROM deps GROUP BY key),"
						   " objects AS (SELECT coalesce(jsonb_object_agg(o.key,"
						   "  jsonb_strip_nulls(o.obj) || CASE WHEN l.deps IS NULL THEN '{}'"
						   "   ELSE jsonb_build_object('deps', l.deps) END), '{}') AS objects"
						   " FROM objs o LEFT JOIN lists l ON l.key = o.key WHERE o.obj IS NOT NULL)"
						   " SELECT jsonb_build_object('format', 1,"
						   "  'server_version_num', current_setting('server_version_num')::int,"
						   "  'schemas', (SELECT coalesce(jsonb_agg(nspname ORDER BY nspname), '[]')"
						   "   FROM ns),"
						   "  'fingerprint', md5(regexp_replace(objects::text,"
	/*
	 * the fingerprint is of the schema: column positions are not in it (in
	 * jsonb's text a key's quotes are never escaped, a string's always are)
	 */
						   "   '(\"position\": [0-9]+, |, \"position\": [0-9]+)', '', 'g')),"
						   "  'objects', objects)"
						   " FROM objects");
	return sql.data;
}

/* every named schema exists and is one a snapshot may read */
static void
check_schemas(Datum schemas)
{
	ArrayType  *arr = DatumGetArrayTypeP(schemas);
	Datum	   *items;
	bool	   *nulls;
	int			n,
				i;

	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &items, &nulls, &n);
	for (i = 0; i < n; i++)
	{
		char	   *name;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("schemas must not contain NULL"),
					 errhint("Pass the names of the schemas to read, or NULL for all of them.")));
		name = TextDatumGetCString(items[i]);
		if (!OidIsValid(get_namespace_oid(name, true)))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_SCHEMA),
					 errmsg("schema \"%s\" does not exist", name)));
		if (strcmp(name, "pg_catalog") == 0 ||
			strcmp(name, "information_schema") == 0 ||
			strcmp(name, "migrate") == 0 || strncmp(name, "pg_toast", 8) == 0 ||
			strncmp(name, "pg_temp", 7) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("schema \"%s\" cannot be part of a snapshot", name),
					 errdetail("System schemas and migrate's own schema are not user schema."),
					 errhint("Leave it out of the list, or pass NULL for every user schema.")));
	}
}

/*
 * The snapshot of the named schemas (all user schemas when all is true).
 * It reads with the caller's statement snapshot, unless the caller has
 * changed the schema itself (after_changes), when it needs a new one.
 * The caller is connected to SPI.
 */
Jsonb *
snapshot_take(Datum schemas, bool all, bool after_changes)
{
	Datum		values[1];
	char		nulls[1] = {all ? 'n' : ' '};
	int			nest;
	int			rc;
	bool		isnull;
	Datum		result;

	if (!all)
		check_schemas(schemas);
	values[0] = all ? (Datum) 0 : schemas;
	nest = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
	/* the query's cost estimate invites JIT, which costs far more than it saves */
	(void) set_config_option("jit", "off",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
	if (snapshot_plan == NULL)
	{
		Oid			types[1] = {TEXTARRAYOID};
		SPIPlanPtr	p = SPI_prepare(snapshot_sql(), 1, types);

		if (p == NULL)
			elog(ERROR, "SPI_prepare failed for the snapshot query: %s",
				 SPI_result_code_string(SPI_result));
		SPI_keepplan(p);
		snapshot_plan = p;
	}
	/* read-only: the caller's statement snapshot, not a new one */
	rc = SPI_execute_plan(snapshot_plan, values, nulls, !after_changes, 1);
	AtEOXact_GUC(true, nest);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "snapshot query failed: %s", SPI_result_code_string(rc));
	result = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return DatumGetJsonbP(SPI_datumTransfer(result, false, -1));
}
