/*
 * snapshot.h
 *		The backend side of the schema diff: reading a snapshot from the
 *		catalogs (snapshot.c) and running the pure diff on two of them
 *		(diffrun.c).
 */
#ifndef MIGRATE_SNAPSHOT_H
#define MIGRATE_SNAPSHOT_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "schema.h"

extern Jsonb *snapshot_take(Datum schemas, bool all);

typedef struct DiffResult
{
	int			n;
	char	  **statements;
	unsigned   *hazards;
	bool	   *transactional;
} DiffResult;

extern DiffResult *diffrun(Jsonb *from, Jsonb *to, Jsonb *renames,
						   bool concurrently);
extern Datum diffrun_hazard_array(unsigned hazards);

#endif							/* MIGRATE_SNAPSHOT_H */
