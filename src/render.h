/*
 * render.h
 *		The revision graph as a picture (Graphviz DOT).
 */
#ifndef MIGRATE_RENDER_H
#define MIGRATE_RENDER_H

#include "graph.h"

extern char *render_dot(Graph *g, const bool *applied, const RevSet *version,
						int since, int depth);

#endif							/* MIGRATE_RENDER_H */
