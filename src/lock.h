/*
 * lock.h
 *		The advisory locks that serialize migrations.
 */
#ifndef MIGRATE_LOCK_H
#define MIGRATE_LOCK_H

#include "datatype/timestamp.h"

extern void lock_acquire(void);
extern void lock_step_begin(const char *revision, bool upgrade);
extern bool lock_step_begun(const char *revision, bool upgrade,
							TimestampTz *started);
extern void lock_step_end(void);

#endif							/* MIGRATE_LOCK_H */
