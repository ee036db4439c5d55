/*
 * guard.h
 *		Keeping the migration history from being dropped by accident.
 */
#ifndef MIGRATE_GUARD_H
#define MIGRATE_GUARD_H

#include "nodes/nodes.h"

extern void guard_check_drop(Node *stmt);

#endif							/* MIGRATE_GUARD_H */
