/*
 * lock.c
 *		The transaction-level advisory lock that serializes migrations.
 *
 * Every mutating function takes it before reading the version table, so
 * two sessions migrating at once run one after the other and the second
 * sees the first's result.  The key pair is fixed and documented in
 * README.md: pg_advisory_xact_lock(1835624306, 1), where 1835624306 is
 * "migr" read as a big-endian integer.  A non-transactional step run by
 * psql spans several transactions; from begin_step to end_step its
 * session holds the session-level lock (1835624306, 2), which the
 * server releases by itself if the session dies.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/fmgrprotos.h"

#include "lock.h"
#include "store.h"

#define MIGRATE_LOCK_KEY1	0x6D696772
#define MIGRATE_LOCK_KEY2	1
#define MIGRATE_STEP_KEY2	2

/* whether this session holds the non-transactional step lock */
static bool step_lock_held = false;

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

/*
 * Claim the non-transactional step lock without waiting: a second \gexec
 * run must not start the same CREATE INDEX CONCURRENTLY.  Waiting could
 * deadlock, as CONCURRENTLY waits for other sessions' transactions.
 */
void
lock_step_begin(void)
{
	if (step_lock_held)
		return;
	if (!DatumGetBool(DirectFunctionCall2(pg_try_advisory_lock_int4,
										  Int32GetDatum(MIGRATE_LOCK_KEY1),
										  Int32GetDatum(MIGRATE_STEP_KEY2))))
		ereport(ERROR,
				(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
				 errmsg("another session is running a non-transactional step"),
				 errdetail("It holds the advisory lock (1835624306, 2) from its begin_step until its end_step."),
				 errhint("Wait for it to finish, then make the plan again; pg_locks names the session.")));
	step_lock_held = true;
}

/*
 * Whether this session still holds the step lock: DISCARD ALL or
 * pg_advisory_unlock_all() may have released it behind migrate's back.
 */
bool
lock_step_held(void)
{
	LOCKTAG		tag;

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, MIGRATE_LOCK_KEY1, MIGRATE_STEP_KEY2, 2);
	return step_lock_held && LockHeldByMe(&tag, ExclusiveLock);
}

void
lock_step_end(void)
{
	if (!step_lock_held)
		return;
	(void) DirectFunctionCall2(pg_advisory_unlock_int4,
							   Int32GetDatum(MIGRATE_LOCK_KEY1),
							   Int32GetDatum(MIGRATE_STEP_KEY2));
	step_lock_held = false;
}
