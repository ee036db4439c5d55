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

#include "cache.h"
#include "migrate.h"

PG_MODULE_MAGIC;

int			migrate_lock_timeout = 0;
int			migrate_lock_retries = 3;
bool		migrate_shared_graphs = true;

void		_PG_init(void);

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
	MarkGUCPrefixReserved("migrate");
	cache_init();
}
