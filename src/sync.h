/*
 * sync.h
 *		A directory of revision files registered in one call.
 */
#ifndef MIGRATE_SYNC_H
#define MIGRATE_SYNC_H

#include "nodes/pg_list.h"

/* One row of migrate.sync(): a file, or a registered revision no file carries. */
typedef struct SyncResult
{
	char	   *revision;		/* NULL: the file could not be read */
	char	   *file_name;		/* NULL: not given, or not a file */
	int			position;		/* 1-based in the call's arrays; -1: no file */
	const char *status;			/* new unchanged replaced refused stale pruned */
	char	   *detail;
} SyncResult;

extern List *sync_directory(List *scripts, List *file_names, bool prune);

#endif							/* MIGRATE_SYNC_H */
