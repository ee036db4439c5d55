/*
 * runner.c
 *		Execute a plan: run each revision's SQL as the caller through SPI,
 *		record the step, report progress.
 *
 * Every step runs in its own memory context, reset afterwards, so a
 * 10,000-revision upgrade holds one script at a time.  Scripts are split
 * into statements with the server's own parser so an error can name the
 * statement and its line.  The same split feeds psql's \gexec with the
 * statements of non-transactional revisions.
 */
#include "postgres.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/backend_status.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/wait_event.h"
#include "utils/timestamp.h"

#include "cache.h"
#include "catalog.h"
#include "lock.h"
#include "migrate.h"
#include "runner.h"
#include "statements.h"
#include "store.h"
#include "util.h"

/* True while a plan runs: a script must not call migrate itself. */
static bool runner_active = false;

/* True inside upgrade_each/downgrade_each: a step is one transaction. */
static bool each_running = false;

/*
 * Re-raise a script's error, adding our way out to the "out of shared
 * memory" error that a deploy creating thousands of objects in one
 * transaction runs into.
 */
static void
rethrow_script_error(ScriptContext *c, ErrorData *ed)
{
	if (ed->sqlerrcode == ERRCODE_OUT_OF_MEMORY && ed->message &&
		strstr(ed->message, "shared memory") != NULL)
		ed->hint = each_running
			? pstrdup("This revision alone needs more locks than the server has: split it, or raise max_locks_per_transaction.")
			: psprintf("Run the deploy with CALL migrate.%s_each(...), which commits after every revision, "
					   "or raise max_locks_per_transaction.", c->section);
	ReThrowError(ed);
}

typedef struct Attempt
{
	const char *sql;
	int		   *rc;
} Attempt;

static void
attempt_statement(void *arg)
{
	Attempt    *a = arg;
	int			nest = NewGUCNestLevel();
	char		value[32];

	snprintf(value, sizeof(value), "%d", migrate_lock_timeout);
	(void) set_config_option("lock_timeout", value, PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	*a->rc = SPI_execute(a->sql, false, 0);
	AtEOXact_GUC(true, nest);
}

/* 100 ms before the first retry, doubling up to 10 s */
static long
backoff_ms(int retry)
{
	long		ms = 100;

	while (--retry > 0 && ms < 10000)
		ms *= 2;
	return Min(ms, 10000);
}

static void
sleep_ms(long ms)
{
	TimestampTz until = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), ms);

	for (;;)
	{
		long		left = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), until);

		CHECK_FOR_INTERRUPTS();
		if (left <= 0)
			break;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 left, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

/*
 * Run one statement of a script.  With migrate.lock_timeout set, each
 * attempt runs in a subtransaction under that lock_timeout; one that
 * times out is rolled back, which releases the locks it took so the
 * queries queued behind them proceed, and runs again after a pause.
 */
static int
execute_statement(ScriptContext *c, const char *one, MemoryContext cxt)
{
	int			rc = 0;
	int			retry;
	Attempt		a = {one, &rc};

	if (migrate_lock_timeout <= 0)
	{
		PG_TRY();
		{
			rc = SPI_execute(one, false, 0);
		}
		PG_CATCH();
		{
			ErrorData  *ed;

			MemoryContextSwitchTo(cxt);
			ed = CopyErrorData();
			FlushErrorState();
			rethrow_script_error(c, ed);
		}
		PG_END_TRY();
		return rc;
	}

	for (retry = 1;; retry++)
	{
		ErrorData  *ed = util_subxact(attempt_statement, &a, true);

		if (ed == NULL)
			return rc;
		if (ed->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE)
			rethrow_script_error(c, ed);
		if (retry > migrate_lock_retries)
		{
			ed->hint = psprintf("The statement timed out %d time%s waiting for a lock (migrate.lock_timeout = %d ms). "
								"Retry when the blocking session is gone (pg_blocking_pids() names it), or raise migrate.lock_retries.",
								retry, retry == 1 ? "" : "s", migrate_lock_timeout);
			ReThrowError(ed);
		}
		ereport(NOTICE,
				(errmsg("lock timeout in statement %d of revision \"%s\" (%s), retry %d of %d in %ld ms",
						c->statement, c->revision, c->section, retry,
						migrate_lock_retries, backoff_ms(retry)),
				 errdetail("%s", ed->message)));
		FreeErrorData(ed);
		sleep_ms(backoff_ms(retry));
	}
}

static void
execute_script(ScriptContext *c, MemoryContext cxt)
{
	List	   *stmts = statements_parse(c);
	ListCell   *lc;
	ErrorContextCallback cb;

	cb.callback = statements_error_callback;
	cb.arg = c;
	cb.previous = error_context_stack;
	error_context_stack = &cb;
	foreach(lc, stmts)
	{
		Statement  *s = lfirst(lc);
		int			rc;

		c->statement++;
		c->line = s->line;
		if (IsA(s->stmt, TransactionStmt))
			statements_refuse_transaction_control(c, c->statement, c->line);
		rc = execute_statement(c, s->text, cxt);
		/* SPI returns in its procedure context; stay in the step's */
		MemoryContextSwitchTo(cxt);
		if (rc == SPI_ERROR_TRANSACTION)
			statements_refuse_transaction_control(c, c->statement, c->line);
		if (rc < 0)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("%s script of revision \"%s\" cannot run through SPI",
							c->section, c->revision),
					 errdetail("Statement %d at line %d failed with %s.",
							   c->statement, c->line, SPI_result_code_string(rc)),
					 errhint("Remove statements such as COPY FROM STDIN that need a client.")));
		SPI_freetuptable(SPI_tuptable);
	}
	error_context_stack = cb.previous;
}

void
runner_enter(void)
{
	if (runner_active)
		ereport(ERROR,
				(errcode(MIGRATE_ERR_STATE),
				 errmsg("migrate cannot be called from a revision script"),
				 errdetail("A migration is already running in this session."),
				 errhint("Remove the call to migrate from the script.")));
}

static List *
sorted_ids(Graph *g, RevSet *s)
{
	RevSet		copy = *s;

	copy.items = palloc(Max(s->n, 1) * sizeof(int));
	memcpy(copy.items, s->items, s->n * sizeof(int));
	revset_sort(g, &copy);
	return revset_ids(g, &copy);
}

/* "a, b" for the down side of a step, "" for a root (as Alembic prints it) */
static char *
down_text(Graph *g, GraphRev *rev)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < rev->ndown; i++)
		appendStringInfo(&buf, "%s%s", i ? ", " : "", REV_ID(g, GR_DOWN(g, rev)[i]));
	return buf.data;
}

/*
 * Refuse a plan that cannot run before running any of it: downgrades
 * through irreversible revisions and, through SPI, non-transactional
 * revisions.
 */
void
runner_check_plan(Graph *g, StepPlan *plan, bool allow_nontransactional)
{
	int			i;

	for (i = 0; i < plan->nsteps; i++)
	{
		GraphRev   *rev = &g->revs[plan->steps[i].rev];
		const char *op = plan->steps[i].upgrade ? "upgrade" : "downgrade";

		if (!rev->transactional && !allow_nontransactional)
			ereport(ERROR,
					(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
					 errmsg("revision \"%s\" is not transactional", GR_ID(g, rev)),
					 errdetail("It is marked transactional => false (for statements such as CREATE INDEX CONCURRENTLY), and step %d of %d would run it.",
							   i + 1, plan->nsteps),
					 errhint("Run the plan from psql, where each statement runs at top level: SELECT * FROM migrate.%s_statements(...) \\gexec",
							 op)));
		if (!plan->steps[i].upgrade && !rev->reversible)
			ereport(ERROR,
					(errcode(MIGRATE_ERR_STATE),
					 errmsg("revision \"%s\" is irreversible", GR_ID(g, rev)),
					 errdetail("It has no downgrade script, and step %d of %d would downgrade it.",
							   i + 1, plan->nsteps),
					 errhint("Downgrade to a revision above \"%s\", or register a downgrade script with migrate.load().",
							 GR_ID(g, rev))));
	}
}

/* "upgrade a -> b, message": Alembic's INFO line without its "Running" */
char *
runner_describe(Graph *g, PlanStep *step)
{
	GraphRev   *rev = &g->revs[step->rev];
	const char *sep = GR_MESSAGE(g, rev) ? ", " : "";
	const char *msg = GR_MESSAGE(g, rev) ? GR_MESSAGE(g, rev) : "";

	return step->upgrade
		? psprintf("upgrade %s -> %s%s%s", down_text(g, rev), GR_ID(g, rev), sep, msg)
		: psprintf("downgrade %s -> %s%s%s", GR_ID(g, rev), down_text(g, rev), sep, msg);
}

/*
 * A script running as the table owner can write migrate's own tables.
 * Recording steps against revision rows it deleted or edited, or next to
 * version rows it added, would leave a history that lies: refuse the
 * whole run instead.  Three small queries per run (none for a no-op);
 * deleting the oldest log rows (TRUNCATE) shows, others do not.
 */
static void
check_own_tables(Graph *g, RevSet *version, int64 generation, uint64 changes,
				 int64 log_first)
{
	List	   *expected = sorted_ids(g, version);
	List	   *found = store_load_version();	/* sorted like ids: C order */
	bool		same = list_length(expected) == list_length(found);
	ListCell   *a,
			   *b;

	if (store_generation() != generation || cache_changes_seen() != changes)
		ereport(ERROR,
				(errcode(MIGRATE_ERR_STATE),
				 errmsg("migrate.revisions changed while the plan ran"),
				 errdetail("A revision script (or a session writing the table without migrate's lock) changed the registered revisions, so the steps would be recorded against revisions that no longer match."),
				 errhint("Revision scripts must not write migrate's tables; register changes with migrate.load() or migrate.revision().")));
	if (log_first != 0 && store_log_first() != log_first)
		ereport(ERROR,
				(errcode(MIGRATE_ERR_STATE),
				 errmsg("a revision script deleted rows of migrate.log"),
				 errdetail("The oldest log row was %lld before the run.", (long long) log_first),
				 errhint("Revision scripts must not write migrate's tables.")));
	if (same)
		forboth(a, expected, b, found)
			same &= strcmp(lfirst(a), lfirst(b)) == 0;
	if (!same)
		ereport(ERROR,
				(errcode(MIGRATE_ERR_STATE),
				 errmsg("a revision script changed migrate.version"),
				 errdetail("The steps leave %s; the table holds %s.",
						   expected ? util_join_some(expected, 20) : "no rows",
						   found ? util_join_some(found, 20) : "no rows"),
				 errhint("Revision scripts must not write migrate's tables; use migrate.stamp() between runs.")));
}

/*
 * Run the plan step by step in the caller's transaction, updating the
 * version set and the log after each step and the version table at the
 * end, and handing each step's result to opts->after.
 */
void
runner_apply(Graph *g, RevSet *version, StepPlan *plan, RunOptions *opts)
{
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext stepcxt;
	List	   *initial;
	int64		generation;
	uint64		changes;
	int64		log_first;
	CatalogSnapshot *volatile snap = NULL;

	runner_enter();
	runner_check_plan(g, plan, false);
	if (plan->nsteps == 0)
		return;
	stepcxt = AllocSetContextCreate(caller, "migrate step", ALLOCSET_DEFAULT_SIZES);
	initial = sorted_ids(g, version);
	generation = opts->bookkeeping ? store_generation() : -1;
	changes = cache_changes_seen();
	log_first = opts->bookkeeping ? store_log_first() : 0;
	/* a dry run compares each step with the catalogs as the last one left them */
	if (opts->observe)
		snap = catalog_snapshot(caller);

	runner_active = true;
	cache_hold();
	PG_TRY();
	{
		int			i;

		for (i = 0; i < plan->nsteps; i++)
		{
			PlanStep   *step = &plan->steps[i];
			GraphRev   *rev = &g->revs[step->rev];
			const char *op = step->upgrade ? "upgrade" : "downgrade";
			StoredScript script;
			ScriptContext sc;
			List	   *before;
			TimestampTz started;
			char	   *progress;
			StepResult	result;

			CHECK_FOR_INTERRUPTS();
			MemoryContextSwitchTo(stepcxt);
			memset(&result, 0, sizeof(result));

			script = store_get_script(GR_ID(g, rev));
			progress = psprintf("running %s", runner_describe(g, step));
			ereport(NOTICE, (errmsg_internal("%s", progress)));
			pgstat_report_activity(STATE_RUNNING, psprintf("migrate: %s", progress));

			before = sorted_ids(g, version);
			started = GetCurrentTimestamp();
			sc.revision = GR_ID(g, rev);
			sc.section = op;
			sc.sql = step->upgrade ? script.upgrade_sql : script.downgrade_sql;
			sc.statement = 0;
			sc.line = 0;
			sc.file = NULL;
			sc.file_offset = 0;
			execute_script(&sc, stepcxt);

			result.duration.time = GetCurrentTimestamp() - started;
			if (opts->observe)
				snap = catalog_step_changes(snap, &result.locks, &result.rewritten);
			plan_apply_step(g, version, step);
			if (opts->bookkeeping)
				store_record_step(GR_ID(g, rev), op, script.checksum, started,
								  &result.duration, before, sorted_ids(g, version));

			result.revision = GR_ID(g, rev);
			result.operation = op;
			result.message = GR_MESSAGE(g, rev);
			/* still in the step context: the callback copies what it keeps */
			if (opts->after)
				opts->after(&result, opts->arg);
			MemoryContextSwitchTo(caller);
			MemoryContextReset(stepcxt);
		}
	}
	PG_FINALLY();
	{
		runner_active = false;
		cache_release();
		if (debug_query_string)
			pgstat_report_activity(STATE_RUNNING, debug_query_string);
	}
	PG_END_TRY();
	MemoryContextSwitchTo(caller);
	MemoryContextDelete(stepcxt);
	if (snap)
		catalog_snapshot_free(snap);

	/*
	 * The version table is written once, after the last step: within one
	 * transaction nobody else can see the rows in between, and rewriting
	 * rows this transaction inserted would cost a combo command id per step.
	 */
	if (opts->bookkeeping)
	{
		store_set_version(initial, sorted_ids(g, version));
		check_own_tables(g, version, generation, changes, log_first);
	}
}

/*
 * Record a step whose statements ran outside migrate (a non-transactional
 * revision run by psql's \gexec): log it and move the version rows.
 */
void
runner_record(Graph *g, RevSet *version, PlanStep *step, const char *checksum,
			  TimestampTz started)
{
	List	   *before = sorted_ids(g, version);
	List	   *after;
	Interval	duration;

	memset(&duration, 0, sizeof(duration));
	duration.time = GetCurrentTimestamp() - started;
	plan_apply_step(g, version, step);
	after = sorted_ids(g, version);
	store_record_step(REV_ID(g, step->rev), step->upgrade ? "upgrade" : "downgrade",
					  checksum, started, &duration, before, after);
	store_set_version(before, after);
}

typedef struct EachStep
{
	Graph	   *g;
	RevSet	   *version;
	StepPlan	plan;
} EachStep;

/*
 * One step of upgrade_each.  Deferred constraints are checked before the
 * subtransaction ends, so that a step they reject fails here (logged,
 * named in the error context) rather than at the commit after it.
 */
static void
deferred_error_callback(void *arg)
{
	PlanStep   *step = ((EachStep *) arg)->plan.steps;

	errcontext("while checking the deferred constraints of revision \"%s\" (%s)",
			   REV_ID(((EachStep *) arg)->g, step->rev),
			   step->upgrade ? "upgrade" : "downgrade");
}

static void
each_body(void *arg)
{
	EachStep   *es = arg;
	RunOptions	opts = {NULL, NULL, false, true};
	ErrorContextCallback cb;

	runner_apply(es->g, es->version, &es->plan, &opts);
	cb.callback = deferred_error_callback;
	cb.arg = es;
	cb.previous = error_context_stack;
	error_context_stack = &cb;
	if (SPI_execute("SET CONSTRAINTS ALL IMMEDIATE", false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "SET CONSTRAINTS ALL IMMEDIATE failed");
	error_context_stack = cb.previous;
}

static void
log_failure(Graph *g, PlanStep *step, const char *checksum,
			TimestampTz started, List *before, ErrorData *err)
{
	Interval	duration;

	memset(&duration, 0, sizeof(duration));
	duration.time = GetCurrentTimestamp() - started;
	store_record_failure(REV_ID(g, step->rev), step->upgrade ? "upgrade" : "downgrade",
						 checksum, started, &duration, before,
						 unpack_sql_state(err->sqlerrcode),
						 err->message ? err->message : "");
}

/* Before step i (i > 0): is the version table still where the plan left it? */
static bool
still_on_plan(Graph *g, RevSet *version, RevSet *final, StepPlan *plan, int i)
{
	PlanStep   *step = &plan->steps[i];
	RevSet	   *now = revset_create(g);

	plan_check_version(g, store_load_version(), now);
	if (revset_equal(now, version))
		return true;
	if (revset_equal(now, final))
	{
		/* a concurrent upgrade() ran the rest of this plan */
		ereport(NOTICE,
				(errmsg("another session applied the remaining %d step%s of %s_each",
						plan->nsteps - i, plan->nsteps - i == 1 ? "" : "s",
						step->upgrade ? "upgrade" : "downgrade")));
		return false;
	}
	ereport(ERROR,
			(errcode(MIGRATE_ERR_STATE),
			 errmsg("the version table changed while %s_each was running",
					step->upgrade ? "upgrade" : "downgrade"),
			 errdetail("After step %d it should hold %s; it holds %s.", i,
					   version->n ? util_join_some(sorted_ids(g, version), 20) : "no rows",
					   now->n ? util_join_some(sorted_ids(g, now), 20) : "no rows"),
			 errhint("Another session migrated this database meanwhile; call the procedure again to continue from the new state.")));
	return false;				/* keep compiler quiet */
}

/*
 * upgrade_each / downgrade_each: commit after every step.  The plan is
 * made once (so "+2" means two steps from where the call started), with
 * the checksum of every script it will run; each later step starts a
 * transaction, takes the lock again and checks that nobody moved the
 * version rows (if another session already reached the plan's end state,
 * there is nothing left to do) or changed the scripts meanwhile.  A
 * failing step is rolled back in its subtransaction and logged with its
 * error, the log row is committed, and then the error is raised.  Needs a
 * non-atomic SPI connection (CALL outside a transaction block); g,
 * version and plan must live in a context that survives commits, and
 * everything else a step allocates goes in a context reset after it.
 */
void
runner_apply_each(Graph *g, RevSet *version, StepPlan *plan)
{
	RevSet	   *final = revset_copy(g, version);
	char	  **checksums = palloc(Max(plan->nsteps, 1) * sizeof(char *));
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext stepcxt;
	int			i;

	runner_check_plan(g, plan, false);
	for (i = 0; i < plan->nsteps; i++)
	{
		plan_apply_step(g, final, &plan->steps[i]);
		checksums[i] = store_get_script(REV_ID(g, plan->steps[i].rev)).checksum;
	}
	stepcxt = AllocSetContextCreate(caller, "migrate each step", ALLOCSET_DEFAULT_SIZES);
	each_running = true;
	PG_TRY();
	{
		for (i = 0; i < plan->nsteps; i++)
		{
			PlanStep   *step = &plan->steps[i];
			EachStep	es = {g, version, {1, step}};
			List	   *before;
			TimestampTz started;
			ErrorData  *err;
			StoredScript script;

			MemoryContextSwitchTo(stepcxt);
			if (i > 0)
			{
				lock_acquire();
				if (!still_on_plan(g, version, final, plan, i))
					break;
			}
			if (!store_fetch_script(REV_ID(g, step->rev), &script) ||
				strcmp(script.checksum, checksums[i]) != 0)
				ereport(ERROR,
						(errcode(MIGRATE_ERR_STATE),
						 errmsg("revision \"%s\" changed while %s_each was running",
								REV_ID(g, step->rev), step->upgrade ? "upgrade" : "downgrade"),
						 errdetail("The plan was made with checksum %s; the registered scripts now have %s.",
								   checksums[i], script.checksum ? script.checksum : "none"),
						 errhint("Review the new scripts, then call the procedure again.")));
			before = sorted_ids(g, version);
			started = GetCurrentTimestamp();
			err = util_subxact(each_body, &es, true);
			if (err != NULL)
			{
				log_failure(g, step, checksums[i], started, before, err);
				SPI_commit();
				ReThrowError(err);
			}
			PG_TRY();
			{
				SPI_commit();
			}
			PG_CATCH();
			{
				/* SPI_commit started a new transaction: log it there */
				MemoryContextSwitchTo(stepcxt);
				err = CopyErrorData();
				FlushErrorState();
				log_failure(g, step, checksums[i], started, before, err);
				SPI_commit();
				ReThrowError(err);
			}
			PG_END_TRY();
			MemoryContextSwitchTo(caller);
			MemoryContextReset(stepcxt);
		}
	}
	PG_FINALLY();
	{
		each_running = false;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(caller);
	MemoryContextDelete(stepcxt);
}
