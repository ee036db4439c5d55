/*
 * check.h
 *		verify() and check_roundtrip(): problems reported as rows.
 */
#ifndef MIGRATE_CHECK_H
#define MIGRATE_CHECK_H

#include "plan.h"

typedef struct Problem
{
	char	   *revision;
	char	   *problem;
	char	   *detail;
} Problem;

/* What status() shows: the version rows even when nothing else can be had. */
typedef struct Status
{
	List	   *current;		/* the version rows as stored, sorted */
	List	   *heads;
	List	   *pending;		/* what upgrade('heads') would run */
	char	   *problem;		/* why pending (or heads) could not be had */
	ErrorData  *error;			/* the same, as raised */
} Status;

extern List *check_verify(void);
extern void check_status(Status *st);
extern List *check_roundtrip(Graph *g, RevSet *version, StepPlan *plan);

#endif							/* MIGRATE_CHECK_H */
