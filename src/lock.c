/*
 * lock.c
 *		The transaction-level advisory lock that serializes migrations.
 *
 * Every mutating function takes it before reading the version table, so
 * two sessions migrating at once run one after the other and the second
 * sees the first's result.  The key pair is fixed and documented in
 * README.md: pg_advisory_xact_lock(1835624306, 1), where 1835624306 is
 * "migr" read as a big-endian integer.  A non-transactional step run by
 * psql spans several transactions; from begin_step until end_step's
 * transaction commits, its session holds the session-level lock
 * (1835624306, 2), which the server releases by itself if the session
 * dies.
 */
#include "postgres.h"

#include "access/xact.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/fmgrprotos.h"
#include "utils/timestamp.h"

#include "lock.h"
#include "target.h"
#include "store.h"

#define MIGRATE_LOCK_KEY1	0x6D696772
#define MIGRATE_LOCK_KEY2	1
#define MIGRATE_STEP_KEY2	2

static void
waiting_context(void *arg)
{
	errcontext("waiting for migrate's advisory lock (1835624306, 1): another session is migrating this database (pg_blocking_pids() names it)");
}

/*
 * Block until the lock is ours (lock_timeout applies: 55P03), then make
 * sure a transaction snapshot taken before the wait is not stale.
 */
void
lock_acquire(void)
{
	ErrorContextCallback context = {error_context_stack, waiting_context, NULL};

	error_context_stack = &context;
	DirectFunctionCall2(pg_advisory_xact_lock_int4,
						Int32GetDatum(MIGRATE_LOCK_KEY1),
						Int32GetDatum(MIGRATE_LOCK_KEY2));
	error_context_stack = context.previous;
	store_check_snapshot();
}

/* The step this session began (begin_step), so that end_step can check it. */
static char begun_revision[MIGRATE_ID_MAXLEN + 1];
static bool begun_upgrade;
static TimestampTz begun_at;

/*
 * end_step ran in this transaction: release the step lock at commit,
 * unless the (sub)transaction end_step ran in is rolled back.
 */
static bool release_at_commit = false;
static int	release_level = 0;	/* nest level that ran end_step, or its parent it went into */
static bool callback_registered = false;

static void
step_lock_tag(LOCKTAG *tag)
{
	SET_LOCKTAG_ADVISORY(*tag, MyDatabaseId, MIGRATE_LOCK_KEY1, MIGRATE_STEP_KEY2, 2);
}

/*
 * Whether this session holds the non-transactional step lock, asked of
 * the lock manager and not of a flag: DISCARD ALL or
 * pg_advisory_unlock_all() release it behind migrate's back.
 */
static bool
lock_step_held(void)
{
	LOCKTAG		tag;

	step_lock_tag(&tag);
	return LockHeldByMe(&tag, ExclusiveLock);
}

/*
 * The step is recorded when end_step's transaction commits; only then may
 * another session begin a step.  An aborted end_step keeps the lock: the
 * step is still this session's, unrecorded.
 */
static void
step_xact_callback(XactEvent event, void *arg)
{
	if (!release_at_commit)
		return;
	if (event == XACT_EVENT_COMMIT)
	{
		begun_revision[0] = '\0';
		if (lock_step_held())
			(void) DirectFunctionCall2(pg_advisory_unlock_int4,
									   Int32GetDatum(MIGRATE_LOCK_KEY1),
									   Int32GetDatum(MIGRATE_STEP_KEY2));
	}
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PREPARE)
		release_at_commit = false;
}

static void
step_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					  SubTransactionId parentSubid, void *arg)
{
	int			level = GetCurrentTransactionNestLevel();

	if (!release_at_commit)
		return;
	if (event == SUBXACT_EVENT_COMMIT_SUB && level == release_level)
		release_level--;		/* its work now belongs to the parent */
	else if (event == SUBXACT_EVENT_ABORT_SUB && level <= release_level)
		release_at_commit = false;	/* the step is not recorded after all */
}

/*
 * Claim the non-transactional step lock without waiting: a second \gexec
 * run must not start the same CREATE INDEX CONCURRENTLY.  Waiting could
 * deadlock, as CONCURRENTLY waits for other sessions' transactions.
 */
void
lock_step_begin(const char *revision, bool upgrade)
{
	if (!lock_step_held() &&
		!DatumGetBool(DirectFunctionCall2(pg_try_advisory_lock_int4,
										  Int32GetDatum(MIGRATE_LOCK_KEY1),
										  Int32GetDatum(MIGRATE_STEP_KEY2))))
		ereport(ERROR,
				(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
				 errmsg("another session is running a non-transactional step"),
				 errdetail("It holds the advisory lock (1835624306, 2) from its begin_step until its end_step commits."),
				 errhint("Wait for it to finish, then make the plan again; pg_locks names the session.")));
	strlcpy(begun_revision, revision, sizeof(begun_revision));
	begun_upgrade = upgrade;
	begun_at = GetCurrentTimestamp();
}

/*
 * Whether this session began this step and still holds the lock; when it
 * did, *started is when.  Only the session that ran begin_step knows the
 * statements in between ran.
 */
bool
lock_step_begun(const char *revision, bool upgrade, TimestampTz *started)
{
	*started = begun_at;
	return strcmp(begun_revision, revision) == 0 && begun_upgrade == upgrade &&
		lock_step_held();
}

/*
 * The step is recorded: forget it and release the step lock when the
 * current transaction commits.
 */
void
lock_step_end(void)
{
	if (!callback_registered)
	{
		RegisterXactCallback(step_xact_callback, NULL);
		RegisterSubXactCallback(step_subxact_callback, NULL);
		callback_registered = true;
	}
	release_at_commit = true;
	release_level = GetCurrentTransactionNestLevel();
}
