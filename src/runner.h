/*
 * runner.h
 *		Executing a plan: each revision's SQL run as the caller, each step
 *		recorded and reported.
 */
#ifndef MIGRATE_RUNNER_H
#define MIGRATE_RUNNER_H

#include "utils/timestamp.h"

#include "plan.h"

/* What the runner reports back per executed step. */
typedef struct StepResult
{
	const char *revision;
	const char *operation;
	const char *message;
	Interval	duration;
	List	   *locks;			/* dry runs: "Mode on schema.table", sorted */
	List	   *rewritten;		/* dry runs: tables whose relfilenode changed */
} StepResult;

typedef void (*StepCallback) (StepResult *result, void *arg);

/* How runner_apply runs a plan. */
typedef struct RunOptions
{
	StepCallback after;			/* each executed step, or NULL */
	void	   *arg;
	bool		observe;		/* fill locks and rewritten (dry runs) */
	bool		bookkeeping;	/* write migrate.log and migrate.version */
} RunOptions;

extern void runner_enter(void);
extern void runner_apply(Graph *g, RevSet *version, StepPlan *plan,
						 RunOptions *opts);
extern void runner_check_plan(Graph *g, StepPlan *plan, bool allow_nontransactional);
extern void runner_apply_each(Graph *g, RevSet *version, StepPlan *plan);
extern void runner_record(Graph *g, RevSet *version, PlanStep *step,
						  const char *checksum, TimestampTz started);
extern char *runner_describe(Graph *g, PlanStep *step);

#endif							/* MIGRATE_RUNNER_H */
