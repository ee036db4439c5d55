/*
 * lock.h
 *		The advisory locks that serialize migrations.
 */
#ifndef MIGRATE_LOCK_H
#define MIGRATE_LOCK_H

extern void lock_acquire(void);
extern void lock_step_begin(void);
extern void lock_step_end(void);
extern bool lock_step_held(void);

#endif							/* MIGRATE_LOCK_H */
