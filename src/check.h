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

extern List *check_verify(void);
extern List *check_roundtrip(Graph *g, RevSet *version, StepPlan *plan);

#endif							/* MIGRATE_CHECK_H */
