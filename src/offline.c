/*
 * offline.c
 *		Plans rendered as SQL text: the statement list that psql's \gexec
 *		runs (upgrade_statements), and the reviewable script that psql -f
 *		runs without migrate's functions (upgrade_sql, like Alembic's
 *		--sql mode).
 *
 * Both are made from the same plan upgrade() would run.  The \gexec list
 * calls migrate's bookkeeping functions, which check every step against
 * the version table as it is when the step runs, so an interrupted list
 * can simply be made again.  The offline script writes migrate.version
 * and migrate.log itself and starts with a guard that refuses to run on
 * a database whose version rows differ from the ones it was made for.
 */
#include "postgres.h"

#include <ctype.h>

#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "migrate.h"
#include "offline.h"
#include "runner.h"
#include "statements.h"
#include "store.h"
#include "util.h"

static char *
call(const char *fn, const char *id, bool upgrade, const char *checksum)
{
	return psprintf("SELECT migrate.%s(%s, '%s', %s)", fn,
					quote_literal_cstr(id), upgrade ? "upgrade" : "downgrade",
					quote_literal_cstr(checksum));
}

/*
 * One top-level statement per element: a transactional revision is one
 * apply_step call; a non-transactional one is begin_step, each of its
 * statements on its own, and end_step, so CREATE INDEX CONCURRENTLY runs
 * at top level as it must.
 */
List *
offline_statements(Graph *g, RevSet *version, StepPlan *plan)
{
	List	   *out = NIL;
	int			i;

	runner_check_plan(g, plan, true);
	for (i = 0; i < plan->nsteps; i++)
	{
		PlanStep   *step = &plan->steps[i];
		GraphRev   *rev = &g->revs[step->rev];
		StoredScript s = store_get_script(GR_ID(g, rev));

		if (rev->transactional)
			out = lappend(out, call("apply_step", GR_ID(g, rev), step->upgrade, s.checksum));
		else
		{
			out = lappend(out, call("begin_step", GR_ID(g, rev), step->upgrade, s.checksum));
			out = list_concat(out, statements_split(GR_ID(g, rev),
													   step->upgrade ? "upgrade" : "downgrade",
													   step->upgrade ? s.upgrade_sql : s.downgrade_sql));
			out = lappend(out, call("end_step", GR_ID(g, rev), step->upgrade, s.checksum));
		}
	}
	return out;
}

/*
 * Text for a "--" comment line: a message may hold a newline, which would
 * end the comment and turn the rest into SQL or a psql meta-command.
 */
static char *
comment_text(const char *s)
{
	char	   *out = pstrdup(s);
	char	   *p;

	for (p = out; *p; p++)
		if ((unsigned char) *p < 0x20 || *p == 0x7f)
			*p = ' ';
	return out;
}

/* '{a,b}' as a quoted text[] literal */
static char *
array_literal(List *ids)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	foreach(lc, ids)
		appendStringInfo(&buf, "%s%s", foreach_current_index(lc) ? "," : "",
						 quote_identifier(lfirst(lc)));
	appendStringInfoChar(&buf, '}');
	return psprintf("%s::text[]", quote_literal_cstr(buf.data));
}

static List *
sorted_copy(Graph *g, RevSet *version)
{
	RevSet	   *c = revset_copy(g, version);

	revset_sort(g, c);
	return revset_ids(g, c);
}

/* The version table statements of one step, as Alembic writes them. */
static void
append_version_change(StringInfo buf, List *before, List *after)
{
	List	   *gone = util_list_minus(before, after);
	List	   *added = util_list_minus(after, before);
	ListCell   *lc;

	if (list_length(gone) == 1 && list_length(added) == 1)
	{
		appendStringInfo(buf, "UPDATE migrate.version SET revision = %s WHERE revision OPERATOR(pg_catalog.=) %s;\n",
						 quote_literal_cstr(linitial(added)), quote_literal_cstr(linitial(gone)));
		return;
	}
	foreach(lc, gone)
		appendStringInfo(buf, "DELETE FROM migrate.version WHERE revision OPERATOR(pg_catalog.=) %s;\n",
						 quote_literal_cstr(lfirst(lc)));
	foreach(lc, added)
		appendStringInfo(buf, "INSERT INTO migrate.version (revision) VALUES (%s);\n",
						 quote_literal_cstr(lfirst(lc)));
}

/*
 * The script text, terminated so that what follows starts a new
 * statement: the parser says whether the last statement has its
 * semicolon (a ';' at the end of a trailing comment does not count).
 */
static void
append_script(StringInfo buf, const char *id, bool upgrade, const char *sql)
{
	int			len = strlen(sql);

	while (len > 0 && isspace((unsigned char) sql[len - 1]))
		len--;
	appendBinaryStringInfo(buf, sql, len);
	if (!statements_terminated(id, upgrade ? "upgrade" : "downgrade", sql))
		appendStringInfoString(buf, "\n;");
	appendStringInfoChar(buf, '\n');
}

/*
 * Refuse to go on unless migrate.version holds exactly these rows: the
 * script was made for them.  Sorted as the C locale sorts, like the ids
 * in the script, whatever the database's collation.
 */
static void
append_guard(StringInfo buf, List *expected, bool upgrade)
{
	appendStringInfo(buf,
					 "DO $migrate_guard$\n"
					 "DECLARE found text[] := (SELECT coalesce(pg_catalog.array_agg(revision ORDER BY revision COLLATE \"C\"), '{}')\n"
					 "                         FROM migrate.version);\n"
					 "BEGIN\n"
					 "    IF NOT found OPERATOR(pg_catalog.=) %s THEN\n"
					 "        RAISE EXCEPTION 'version table does not match this script'\n"
					 "            USING ERRCODE = '55000',\n"
					 "                  DETAIL = pg_catalog.format('The script expects %%s here; migrate.version holds %%s.', %s, found),\n"
					 "                  HINT = 'Make the script again with migrate.%s_sql() for the current state.';\n"
					 "    END IF;\n"
					 "END\n"
					 "$migrate_guard$;\n",
					 array_literal(expected), array_literal(expected),
					 upgrade ? "upgrade" : "downgrade");
}

static void
append_log(StringInfo buf, const char *id, bool upgrade,
					const char *checksum, List *before, List *after)
{
	appendStringInfo(buf,
					 "INSERT INTO migrate.log (revision, operation, checksum, started_at, duration,"
					 " applied_by, heads_before, heads_after)\n"
					 "    VALUES (%s, '%s', %s, pg_catalog.clock_timestamp(), '0', session_user, %s, %s);\n",
					 quote_literal_cstr(id), upgrade ? "upgrade" : "downgrade",
					 quote_literal_cstr(checksum), array_literal(before), array_literal(after));
}

/*
 * The whole plan as one psql script: ON_ERROR_STOP, BEGIN, the advisory
 * lock, a guard on the version rows, then per step its script, a log row
 * and the version table change, and COMMIT.  A non-transactional revision
 * runs between a COMMIT and a new BEGIN, after which the lock and the
 * guard come again (another session may have moved in between).  version
 * is the assumed starting state.
 */
char *
offline_script(Graph *g, RevSet *version, StepPlan *plan, bool upgrade)
{
	StringInfoData buf;
	List	   *start = sorted_copy(g, version);
	const char *lock = "SELECT pg_catalog.pg_advisory_xact_lock(1835624306, 1);\n";
	int			i;

	runner_check_plan(g, plan, true);
	initStringInfo(&buf);
	/* psql must stop at the first error: the guards depend on it */
	appendStringInfo(&buf,
					 "-- migrate %s script: %d step%s from %s\n"
					 "-- run it with: psql -f <this file>\n\n"
					 "\\set ON_ERROR_STOP on\n"
					 "BEGIN;\n%s",
					 upgrade ? "upgrade" : "downgrade", plan->nsteps,
					 plan->nsteps == 1 ? "" : "s",
					 start ? util_join_some(start, 20) : "base", lock);
	append_guard(&buf, start, upgrade);

	for (i = 0; i < plan->nsteps; i++)
	{
		PlanStep   *step = &plan->steps[i];
		GraphRev   *rev = &g->revs[step->rev];
		StoredScript s = store_get_script(GR_ID(g, rev));
		List	   *before = sorted_copy(g, version);
		List	   *after;

		plan_apply_step(g, version, step);
		after = sorted_copy(g, version);

		appendStringInfo(&buf, "\n-- %s%s\n", comment_text(psprintf("running %s", runner_describe(g, step))),
						 rev->transactional ? "" : " (non-transactional: runs outside a transaction block)");
		if (rev->transactional)
		{
			/* the log row goes first so its duration can be measured */
			append_log(&buf, GR_ID(g, rev), step->upgrade, s.checksum, before, after);
			append_script(&buf, GR_ID(g, rev), step->upgrade, step->upgrade ? s.upgrade_sql : s.downgrade_sql);
			appendStringInfoString(&buf,
								   "UPDATE migrate.log SET duration = pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) started_at\n"
								   "    WHERE id OPERATOR(pg_catalog.=) pg_catalog.currval('migrate.log_id_seq');\n");
		}
		else
		{
			/* the session lock begin_step takes: one such step at a time */
			appendStringInfoString(&buf,
								   "COMMIT;\n"
								   "DO $migrate_step$ BEGIN\n"
								   "    IF NOT pg_catalog.pg_try_advisory_lock(1835624306, 2) THEN\n"
								   "        RAISE EXCEPTION 'another session is running a non-transactional step'\n"
								   "            USING ERRCODE = '55P03';\n"
								   "    END IF;\n"
								   "END $migrate_step$;\n");
			append_script(&buf, GR_ID(g, rev), step->upgrade, step->upgrade ? s.upgrade_sql : s.downgrade_sql);
			appendStringInfo(&buf, "SELECT pg_catalog.pg_advisory_unlock(1835624306, 2);\nBEGIN;\n%s", lock);
			append_guard(&buf, before, upgrade);
			append_log(&buf, GR_ID(g, rev), step->upgrade, s.checksum, before, after);
		}
		append_version_change(&buf, before, after);
	}
	appendStringInfoString(&buf, "\nCOMMIT;\n");
	return buf.data;
}
