/*
 * catalog.h
 *		What dry runs and round trips observe in the system catalogs.
 */
#ifndef MIGRATE_CATALOG_H
#define MIGRATE_CATALOG_H

#include "nodes/pg_list.h"
#include "utils/palloc.h"

typedef struct CatalogSnapshot CatalogSnapshot;

extern CatalogSnapshot *catalog_snapshot(MemoryContext parent);
extern void catalog_snapshot_free(CatalogSnapshot *snap);
extern CatalogSnapshot *catalog_step_changes(CatalogSnapshot *before,
											 List **locks, List **rewritten);
extern List *catalog_fingerprint(void);
extern char *catalog_diff(List *expected, List *found, int *ndiff);

#endif							/* MIGRATE_CATALOG_H */
