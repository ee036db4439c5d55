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

extern Jsonb *snapshot_take(Datum schemas, bool all, bool after_changes);

typedef struct DiffResult
{
	int			n;
	char	  **statements;
	unsigned   *hazards;
	bool	   *transactional;
	char	  **keys;			/* the object of each statement */
	const char **changes;		/* "create", "drop" or "alter" */
} DiffResult;

extern DiffResult *diffrun(Jsonb *from, Jsonb *to, Jsonb *renames,
						   bool concurrently);
extern Datum diffrun_hazard_array(unsigned hazards);
extern char *diffrun_script(DiffResult *r, bool *transactional);

/* record.c */
extern void record_init(void);

/* desired.c */
extern Jsonb *desired_take(const char *desired_sql, Datum schemas, bool all);

#endif							/* MIGRATE_SNAPSHOT_H */
