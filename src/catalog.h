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
/* One object of a schema fingerprint. */
typedef struct CatalogObject
{
	char	   *object;			/* "table public.t", "column public.t.c", ... */
	char	   *parent;			/* the object it belongs to, or NULL */
	char	   *def;			/* what is compared */
} CatalogObject;

/* How two fingerprints differ. */
typedef struct CatalogDiff
{
	int			ndiff;			/* objects in detail */
	char	   *detail;			/* missing, extra, changed; NULL if none */
	char	   *order;			/* tables whose column order alone differs */
} CatalogDiff;

extern List *catalog_fingerprint(void);
extern bool catalog_diff(List *expected, List *found, CatalogDiff *out);

#endif							/* MIGRATE_CATALOG_H */
