/*
 * cache.h
 *		The revision graph as callers get it: cached per backend, shared
 *		between backends through dynamic shared memory, forgotten when
 *		migrate.revisions changes.
 */
#ifndef MIGRATE_CACHE_H
#define MIGRATE_CACHE_H

#include "graph.h"

extern Graph *cache_graph(void);
extern Graph *cache_build_graph(void);
extern void cache_hold(void);
extern void cache_release(void);
extern void cache_revisions_changed(void);
extern uint64 cache_changes_seen(void);
extern void cache_init(void);

#endif							/* MIGRATE_CACHE_H */
