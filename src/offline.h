/*
 * offline.h
 *		Plans rendered as SQL text: for psql's \gexec and for psql -f.
 */
#ifndef MIGRATE_OFFLINE_H
#define MIGRATE_OFFLINE_H

#include "plan.h"

extern List *offline_statements(Graph *g, RevSet *version, StepPlan *plan);
extern char *offline_script(Graph *g, RevSet *version, StepPlan *plan,
							bool upgrade);

#endif							/* MIGRATE_OFFLINE_H */
