/*
 * lock.c
 *		The transaction-level advisory lock that serializes migrations.
 *
 * Every mutating function takes it before reading the version table, so
 * two sessions migrating at once run one after the other and the second
 * sees the first's result.  The key pair is fixed and documented in
 * README.md: pg_advisory_xact_lock(1835624306, 1), where 1835624306 is
 * "migr" read as a big-endian integer.
 */
#include "postgres.h"

#include "utils/fmgrprotos.h"

#include "migrate.h"

#define MIGRATE_LOCK_KEY1	0x6D696772
#define MIGRATE_LOCK_KEY2	1

/*
 * Block until the lock is ours (lock_timeout applies: 55P03), then make
 * sure a transaction snapshot taken before the wait is not stale.
 */
void
lock_acquire(void)
{
	DirectFunctionCall2(pg_advisory_xact_lock_int4,
						Int32GetDatum(MIGRATE_LOCK_KEY1),
						Int32GetDatum(MIGRATE_LOCK_KEY2));
	store_check_snapshot();
}
