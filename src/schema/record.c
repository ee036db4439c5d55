/*
 * record.c
 *		The schema each upgrade, downgrade or stamp leaves, recorded when
 *		its transaction commits, for drift() to compare with.
 *
 * A transaction callback, not a trigger: migrate writes its version rows
 * as the extension owner in a security-restricted operation, where
 * PostgreSQL fires no deferred trigger.  Just before commit, if migrate
 * changed the version rows in this transaction (store.c remembers), one
 * snapshot of every user schema is kept in migrate.schema_snapshots,
 * keyed by the version rows; a failure there fails the commit, so a
 * record never describes a schema that was not committed.
 */
#include "postgres.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "utils/snapmgr.h"

#include "migrate.h"
#include "snapshot.h"
#include "store.h"

static void
record_at_commit(XactEvent event, void *arg)
{
	Jsonb	   *snap;

	if (event != XACT_EVENT_PRE_COMMIT || !migrate_record_schema ||
		!store_schema_to_record())
		return;
	PushActiveSnapshot(GetTransactionSnapshot());
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	snap = snapshot_take((Datum) 0, true, true);
	store_record_schema(JsonbPGetDatum(snap));
	SPI_finish();
	PopActiveSnapshot();
}

void
record_init(void)
{
	RegisterXactCallback(record_at_commit, NULL);
}
