/*
 * runner.c
 *		Execute a plan: run each revision's SQL as the caller through SPI,
 *		record the step, report progress.
 *
 * Every step runs in its own memory context, reset afterwards, so a
 * 10,000-revision upgrade holds one script at a time.  Scripts are split
 * into statements with the server's own parser so an error can name the
 * statement and its line.
 */
#include "postgres.h"

#include <ctype.h>

#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "pgstat.h"
#include "tcop/tcopprot.h"
#include "utils/backend_status.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "migrate.h"

/* True while a plan runs: a script must not call migrate itself. */
static bool runner_active = false;

typedef struct ScriptContext
{
	const char *revision;
	const char *section;		/* "upgrade" or "downgrade" */
	const char *sql;			/* the whole script */
	int			statement;		/* 1-based, 0 while parsing */
	int			line;
} ScriptContext;

/*
 * Error context for user SQL.  A syntax error position from parsing the
 * whole script becomes an internal position into it, as SPI does for its
 * queries, so the caret points into the script and not the caller's query.
 */
static void
script_error_callback(void *arg)
{
	ScriptContext *c = arg;
	int			pos = geterrposition();

	if (pos > 0 && c->statement == 0)
	{
		errposition(0);
		internalerrposition(pos);
		internalerrquery(c->sql);
	}
	if (c->statement > 0)
		errcontext("while applying revision \"%s\" (%s), statement %d at line %d",
				   c->revision, c->section, c->statement, c->line);
	else
		errcontext("while checking the %s script of revision \"%s\"",
				   c->section, c->revision);
}

static int
line_of(const char *sql, int offset)
{
	int			line = 1;
	int			i;

	for (i = 0; i < offset && sql[i]; i++)
		line += sql[i] == '\n';
	return line;
}

static void
refuse_transaction_control(ScriptContext *c, int statement, int line)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TRANSACTION_TERMINATION),
			 errmsg("%s script of revision \"%s\" contains transaction control",
					c->section, c->revision),
			 errdetail("Statement %d at line %d begins, ends or marks a transaction.",
					   statement, line),
			 errhint("Remove it: migrate runs each revision inside the caller's transaction.")));
}

/* Parse a script and return its RawStmts; errors name the revision. */
static List *
parse_script(ScriptContext *c)
{
	ErrorContextCallback cb;
	List	   *stmts;

	cb.callback = script_error_callback;
	cb.arg = c;
	cb.previous = error_context_stack;
	error_context_stack = &cb;
	c->statement = 0;
	stmts = raw_parser(c->sql, RAW_PARSE_DEFAULT);
	error_context_stack = cb.previous;
	return stmts;
}

/*
 * Registration-time check: the script parses and holds no transaction
 * control, so a revision that could never run is refused up front.
 */
void
runner_check_script(const char *id, const char *section, const char *sql)
{
	ScriptContext c = {id, section, sql, 0, 0};
	List	   *stmts = parse_script(&c);
	ListCell   *lc;
	int			i = 0;

	foreach(lc, stmts)
	{
		RawStmt    *rs = lfirst_node(RawStmt, lc);

		i++;
		if (IsA(rs->stmt, TransactionStmt))
			refuse_transaction_control(&c, i, line_of(sql, rs->stmt_location));
	}
}

/*
 * Add our way out to the "out of shared memory" error that a deploy
 * creating thousands of objects in one transaction runs into.
 */
static void
rethrow_with_lock_hint(MemoryContext cxt)
{
	ErrorData  *ed;

	MemoryContextSwitchTo(cxt);
	ed = CopyErrorData();
	if (ed->sqlerrcode == ERRCODE_OUT_OF_MEMORY && ed->message &&
		strstr(ed->message, "shared memory") != NULL)
	{
		FlushErrorState();
		ed->hint = pstrdup("Raise max_locks_per_transaction, or upgrade in several transactions "
						   "to intermediate revisions (for example \"+100\", then \"heads\").");
		ReThrowError(ed);
	}
	PG_RE_THROW();
}

static void
execute_script(ScriptContext *c, MemoryContext cxt)
{
	List	   *stmts = parse_script(c);
	ListCell   *lc;
	ErrorContextCallback cb;

	cb.callback = script_error_callback;
	cb.arg = c;
	cb.previous = error_context_stack;
	error_context_stack = &cb;
	foreach(lc, stmts)
	{
		RawStmt    *rs = lfirst_node(RawStmt, lc);
		int			start = rs->stmt_location;
		int			len = rs->stmt_len ? rs->stmt_len : (int) strlen(c->sql + start);
		char	   *one;
		int			rc;

		/* the statement starts after the previous one's semicolon */
		while (len > 0 && isspace((unsigned char) c->sql[start]))
		{
			start++;
			len--;
		}
		one = pnstrdup(c->sql + start, len);
		c->statement++;
		c->line = line_of(c->sql, start);
		if (IsA(rs->stmt, TransactionStmt))
			refuse_transaction_control(c, c->statement, c->line);
		PG_TRY();
		{
			rc = SPI_execute(one, false, 0);
		}
		PG_CATCH();
		{
			rethrow_with_lock_hint(cxt);
		}
		PG_END_TRY();
		/* SPI returns in its procedure context; stay in the step's */
		MemoryContextSwitchTo(cxt);
		if (rc == SPI_ERROR_TRANSACTION)
			refuse_transaction_control(c, c->statement, c->line);
		if (rc < 0)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("%s script of revision \"%s\" cannot run through SPI",
							c->section, c->revision),
					 errdetail("Statement %d at line %d failed with %s.",
							   c->statement, c->line, SPI_result_code_string(rc)),
					 errhint("Remove statements such as COPY FROM STDIN that need a client.")));
		SPI_freetuptable(SPI_tuptable);
		pfree(one);
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
		appendStringInfo(&buf, "%s%s", i ? ", " : "", g->revs[rev->down[i]].id);
	return buf.data;
}

/*
 * Refuse a plan that cannot run before running any of it: non-
 * transactional revisions and downgrades through irreversible ones.
 */
static void
check_plan(Graph *g, StepPlan *plan)
{
	int			i;

	for (i = 0; i < plan->nsteps; i++)
	{
		GraphRev   *rev = &g->revs[plan->steps[i].rev];

		if (!rev->transactional)
			ereport(ERROR,
					(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
					 errmsg("revision \"%s\" is not transactional", rev->id),
					 errdetail("It is marked transactional => false (for statements such as CREATE INDEX CONCURRENTLY), and step %d of %d would run it.",
							   i + 1, plan->nsteps),
					 errhint("Run its statements outside a transaction block, then record the result with migrate.stamp().")));
		if (!plan->steps[i].upgrade && !rev->reversible)
			ereport(ERROR,
					(errcode(MIGRATE_ERR_STATE),
					 errmsg("revision \"%s\" is irreversible", rev->id),
					 errdetail("It has no downgrade script, and step %d of %d would downgrade it.",
							   i + 1, plan->nsteps),
					 errhint("Downgrade to a revision above \"%s\", or register a downgrade script with migrate.load().",
							 rev->id)));
	}
}

/*
 * Run the plan step by step in the caller's transaction, updating the
 * version set and the log after each step and the version table at the
 * end, and handing each step's result to cb.
 */
void
runner_apply(Graph *g, RevSet *version, StepPlan *plan, StepCallback cb, void *arg)
{
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext stepcxt;
	List	   *initial;

	runner_enter();
	check_plan(g, plan);
	if (plan->nsteps == 0)
		return;
	stepcxt = AllocSetContextCreate(caller, "migrate step", ALLOCSET_DEFAULT_SIZES);
	initial = sorted_ids(g, version);

	runner_active = true;
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
			List	   *before,
					   *after;
			TimestampTz started;
			Interval	duration;
			char	   *progress;
			StepResult	result;

			CHECK_FOR_INTERRUPTS();
			MemoryContextSwitchTo(stepcxt);

			if (!store_fetch_script(rev->id, &script))
				ereport(ERROR,
						(errcode(MIGRATE_ERR_STATE),
						 errmsg("revision \"%s\" disappeared during the migration", rev->id),
						 errdetail("Its row in migrate.revisions was deleted after the plan was made, by a script of this run or outside migrate's functions."),
						 errhint("A revision script must not change migrate's own tables.")));
			progress = step->upgrade
				? psprintf("running upgrade %s -> %s%s%s", down_text(g, rev), rev->id,
						   rev->message ? ", " : "", rev->message ? rev->message : "")
				: psprintf("running downgrade %s -> %s%s%s", rev->id, down_text(g, rev),
						   rev->message ? ", " : "", rev->message ? rev->message : "");
			ereport(NOTICE, (errmsg_internal("%s", progress)));
			pgstat_report_activity(STATE_RUNNING, psprintf("migrate: %s", progress));

			before = sorted_ids(g, version);
			started = GetCurrentTimestamp();
			sc.revision = rev->id;
			sc.section = op;
			sc.sql = step->upgrade ? script.upgrade_sql : script.downgrade_sql;
			sc.statement = 0;
			sc.line = 0;
			execute_script(&sc, stepcxt);

			memset(&duration, 0, sizeof(duration));
			duration.time = GetCurrentTimestamp() - started;
			graph_apply_step(g, version, step);
			after = sorted_ids(g, version);
			store_record_step(rev->id, op, script.checksum, started, &duration,
							  before, after);

			result.revision = rev->id;
			result.operation = op;
			result.message = rev->message;
			result.duration = duration;
			/* still in the step context: cb copies what it keeps */
			cb(&result, arg);
			MemoryContextSwitchTo(caller);
			MemoryContextReset(stepcxt);
		}
	}
	PG_FINALLY();
	{
		runner_active = false;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(caller);
	MemoryContextDelete(stepcxt);

	/*
	 * The version table is written once, after the last step: within one
	 * transaction nobody else can see the rows in between, and rewriting
	 * rows this transaction inserted would cost a combo command id per step.
	 */
	store_set_version(initial, sorted_ids(g, version));
	if (debug_query_string)
		pgstat_report_activity(STATE_RUNNING, debug_query_string);
}
