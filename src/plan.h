/*
 * plan.h
 *		Alembic's semantics on the graph: resolving targets, planning
 *		upgrades, downgrades and history, stamping, and keeping the set of
 *		version rows up to date as steps run.
 */
#ifndef MIGRATE_PLAN_H
#define MIGRATE_PLAN_H

#include "graph.h"

typedef struct PlanStep
{
	int			rev;
	bool		upgrade;
} PlanStep;

typedef struct StepPlan
{
	int			nsteps;
	PlanStep   *steps;
} StepPlan;

extern int	plan_resolve_one(Graph *g, const char *spec, const char *what);
extern void plan_check_version(Graph *g, List *version, RevSet *out);
extern bool *plan_applied(Graph *g, RevSet *version);
extern bool plan_mark_overlap(Graph *g, RevSet *version);
extern StepPlan *plan_upgrade(Graph *g, RevSet *version, const char *target);
extern StepPlan *plan_downgrade(Graph *g, RevSet *version, const char *target);
extern StepPlan *plan_history(Graph *g, RevSet *version, const char *range,
							  int after, int limit);
extern void plan_apply_step(Graph *g, RevSet *version, PlanStep *step);
extern void plan_check_step(Graph *g, RevSet *version, PlanStep *step);
extern List *plan_stamp(Graph *g, RevSet *version, List *targets);
extern int	plan_new_parent(Graph *g, const char *head);

#endif							/* MIGRATE_PLAN_H */
