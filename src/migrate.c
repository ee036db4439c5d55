/*
 * migrate.c
 *		Module identification of the migrate extension.
 *
 * migrate keeps Alembic-style revisions in extension-owned tables and runs
 * them inside the caller's transaction.  The SQL-callable functions are in
 * api.c.  GUCs and _PG_init will live here once there are settings.
 */
#include "postgres.h"

#include "fmgr.h"

PG_MODULE_MAGIC;
