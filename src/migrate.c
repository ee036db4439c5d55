/*
 * migrate.c
 *		Module identification and settings of the migrate extension.
 *
 * migrate keeps Alembic-style revisions in extension-owned tables and runs
 * them inside the caller's transaction.  The SQL-callable functions are in
 * api.c.
 */
#include "postgres.h"

#include <limits.h>

#include "fmgr.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"
#include "utils/memutils.h"

#include "cache.h"
#include "migrate.h"
#include "schema/snapshot.h"

PG_MODULE_MAGIC;

int			migrate_lock_timeout = 0;
int			migrate_lock_retries = 3;
bool		migrate_shared_graphs = true;
bool		migrate_allow_autogenerate = false;
bool		migrate_record_schema = true;
bool		migrate_allow_drop = false;

/* migrate.* names set before the library was loaded that are no setting */
static List *unknown_settings = NIL;

void		_PG_init(void);

/*
 * Placeholders of the "migrate." prefix that no setting claimed: set
 * (SET, postgresql.conf, ALTER ROLE ... SET) before this library was
 * loaded, so the server could not know they are misspelt.
 * MarkGUCPrefixReserved removes them with a WARNING; they are remembered
 * to fail the first call of migrate in this session.
 */
static void
remember_unknown_settings(void)
{
	struct config_generic **vars = get_guc_variables();
	int			n = GetNumConfigOptions();
	int			i;
	MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

	/* kept for the session: LOAD runs _PG_init in a statement's memory */
	for (i = 0; i < n; i++)
		if ((vars[i]->flags & GUC_CUSTOM_PLACEHOLDER) != 0 &&
			strncmp(vars[i]->name, "migrate.", 8) == 0)
			unknown_settings = lappend(unknown_settings, pstrdup(vars[i]->name));
	MemoryContextSwitchTo(old);
}

/*
 * Refuse to run with a misspelt migrate setting: a deploy that set
 * migrate.lock_timout = '2s' must not run without a lock timeout.  Once
 * the library is loaded, the server refuses such a SET by itself.
 */
void
migrate_check_settings(void)
{
	char	   *name;

	if (unknown_settings == NIL)
		return;
	name = pstrdup(linitial(unknown_settings));
	pfree(linitial(unknown_settings));
	unknown_settings = list_delete_first(unknown_settings);
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("unrecognized configuration parameter \"%s\"", name),
			 errdetail("It was set before migrate's library was loaded, so it was accepted as a placeholder; "
					   "migrate has no such setting and has removed it."),
			 errhint("migrate's settings are migrate.lock_timeout, migrate.lock_retries, migrate.shared_graphs and migrate.allow_drop. "
					 "LOAD 'migrate' (or session_preload_libraries) makes a misspelt SET fail at once.")));
}

/*
 * The settings are per session (PGC_USERSET): a deploy sets them for the
 * one session that migrates, never for the whole server.
 */
void
_PG_init(void)
{
	DefineCustomIntVariable("migrate.lock_timeout",
							"Lock timeout applied to each statement of a revision script.",
							"0 turns it off: statements wait as long as lock_timeout allows. "
							"When a statement times out it is retried migrate.lock_retries times.",
							&migrate_lock_timeout,
							0, 0, INT_MAX,
							PGC_USERSET, GUC_UNIT_MS,
							NULL, NULL, NULL);
	DefineCustomIntVariable("migrate.lock_retries",
							"How often a statement that hit migrate.lock_timeout is retried.",
							"Each retry rolls the statement back, waits (100 ms, doubling up to 10 s) and runs it again.",
							&migrate_lock_retries,
							3, 0, 1000,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
	DefineCustomBoolVariable("migrate.shared_graphs",
							 "Share revision graphs between backends.",
							 "On, the graph of each committed generation of migrate.revisions is built once "
							 "and mapped from dynamic shared memory by every other backend; off, this "
							 "backend builds and keeps its own.",
							 &migrate_shared_graphs,
							 true,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);
	DefineCustomBoolVariable("migrate.allow_drop",
							 "Allow DROP EXTENSION migrate while migrate.version has rows.",
							 "Off, dropping the extension (or its schema, or its owner's objects) is refused while "
							 "it holds applied revisions: the drop would delete the migration history.",
							 &migrate_allow_drop,
							 false,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);
	/* a superuser's decision for a development database, not a session's */
	DefineCustomBoolVariable("migrate.allow_autogenerate",
							 "Allow building a desired schema (autogenerate, check, desired_snapshot).",
							 "On, those functions empty the managed schemas in a subtransaction, run the "
							 "desired SQL and roll back, locking everything they touch: for development "
							 "databases only.",
							 &migrate_allow_autogenerate,
							 false,
							 PGC_SUSET, 0,
							 NULL, NULL, NULL);
	DefineCustomBoolVariable("migrate.record_schema",
							 "Record the schema each change of migrate.version leaves, for drift().",
							 "On, the commit of a transaction that upgraded, downgraded or stamped "
							 "snapshots the user schemas into migrate.schema_snapshots; off, nothing is "
							 "recorded and drift() compares with the last record.",
							 &migrate_record_schema,
							 true,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);
	remember_unknown_settings();
	MarkGUCPrefixReserved("migrate");
	cache_init();
	record_init();
}
