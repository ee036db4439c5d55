/*
 * check.c
 *		verify(): what is wrong with the stored revisions and version rows;
 *		check_roundtrip(): which pending revisions do not downgrade cleanly.
 *
 * Both report problems as rows instead of raising errors: a DBA (or a
 * pgTAP test) wants the whole list, and verify() must work on exactly
 * the broken states that make every other function refuse to run.
 */
#include "postgres.h"

#include "commands/trigger.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"

#include "cache.h"
#include "catalog.h"
#include "check.h"
#include "migrate.h"
#include "runner.h"
#include "store.h"
#include "target.h"
#include "util.h"

static List *
add_problem(List *out, const char *revision, const char *problem, char *detail)
{
	Problem    *p = palloc(sizeof(Problem));

	p->revision = revision ? pstrdup(revision) : NULL;
	p->problem = pstrdup(problem);
	p->detail = detail;
	return lappend(out, p);
}

typedef struct NameKey
{
	char		name[MIGRATE_ID_MAXLEN + 1];
} NameKey;

typedef struct BuildArgs
{
	RevRow	   *rows;
	int			n;
	Graph	   *g;
} BuildArgs;

static void
build_body(void *arg)
{
	BuildArgs  *b = arg;

	b->g = graph_build(b->rows, b->n);
}

/* Heads in one connected piece of the graph grew from shared history. */
static int
find_root(int *parent, int x)
{
	while (parent[x] != x)
	{
		parent[x] = parent[parent[x]];
		x = parent[x];
	}
	return x;
}

static List *
unmerged_heads(Graph *g, List *out)
{
	int		   *parent = palloc(Max(g->n, 1) * sizeof(int));
	int		   *count = palloc0(Max(g->n, 1) * sizeof(int));
	char	  **detail = palloc0(Max(g->n, 1) * sizeof(char *));
	int		   *first = palloc(Max(g->n, 1) * sizeof(int));
	int		   *next = palloc(Max(g->nheads, 1) * sizeof(int));
	int			i,
				k;

	memset(first, 0xff, Max(g->n, 1) * sizeof(int));	/* -1: no head yet */
	for (i = 0; i < g->n; i++)
		parent[i] = i;
	for (i = 0; i < g->n; i++)
		for (k = 0; k < g->revs[i].ndown; k++)
			parent[find_root(parent, i)] = find_root(parent, GR_DOWN(g, &g->revs[i])[k]);
	/* the heads of each piece, listed once: a graph may have thousands */
	for (i = g->nheads - 1; i >= 0; i--)
	{
		int			root = find_root(parent, G_HEADS(g)[i]);

		next[i] = first[root];
		first[root] = i;
		count[root]++;
	}
	for (i = 0; i < g->nheads; i++)
	{
		int			root = find_root(parent, G_HEADS(g)[i]);

		if (count[root] < 2)
			continue;
		if (detail[root] == NULL)
		{
			List	   *same = NIL;

			for (k = first[root]; k >= 0; k = next[k])
				same = lappend(same, REV_ID(g, G_HEADS(g)[k]));
			detail[root] = psprintf("Heads %s grew from shared history and no revision merges them.",
									util_join_some(same, 20));
		}
		out = add_problem(out, REV_ID(g, G_HEADS(g)[i]), "unmerged heads", detail[root]);
	}
	return out;
}

/*
 * The trigger that counts changes to migrate.revisions must fire for
 * every write; otherwise graphs are not cached or shared (cache.c), and
 * the DBA should know why and how to fix it.
 */
static List *
check_trigger(List *out)
{
	char		enabled = store_revisions_trigger();
	const char *how;

	switch (enabled)
	{
		case TRIGGER_FIRES_ALWAYS:
			return out;
		case TRIGGER_FIRES_ON_ORIGIN:
			how = "enabled for origin sessions only, so writes made with session_replication_role = replica are not counted";
			break;
		case TRIGGER_FIRES_ON_REPLICA:
			how = "enabled for replica sessions only, so most writes are not counted";
			break;
		case TRIGGER_DISABLED:
			how = "disabled, so no write is counted";
			break;
		default:
			return add_problem(out, NULL, "revisions trigger missing",
							   pstrdup("migrate.revisions has no trigger revisions_changed: every call builds the revision graph itself. Re-create the extension from a dump to restore it."));
	}
	return add_problem(out, NULL, "revisions trigger not always enabled",
					   psprintf("The trigger revisions_changed on migrate.revisions is %s: every call builds the revision graph itself. "
								"ALTER TABLE migrate.revisions ENABLE ALWAYS TRIGGER revisions_changed restores sharing.", how));
}

/*
 * Everything verify() reports, in this order: references to unregistered
 * revisions, a graph that does not build (cycles), version rows naming
 * unknown revisions, version rows implied by other rows, scripts that no
 * longer match their stored checksum, applied revisions edited since
 * they ran, and heads of one history that were never merged.
 */
List *
check_verify(void)
{
	int			n,
				i,
				k;
	RevRow	   *rows = store_load_rows(&n, CurrentMemoryContext, NULL);
	List	   *version = store_load_version();
	List	   *out = NIL;
	HTAB	   *names;
	HTAB	   *labels;
	HASHCTL		ctl;
	bool		broken = false;
	ListCell   *lc;
	BuildArgs	b = {rows, n, NULL};
	ErrorData  *err;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(NameKey);
	ctl.entrysize = sizeof(NameKey);
	ctl.hcxt = CurrentMemoryContext;
	names = hash_create("migrate verify names", Max(n, 16), &ctl,
						HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	labels = hash_create("migrate verify labels", 16, &ctl,
						 HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	for (i = 0; i < n; i++)
	{
		(void) hash_search(names, rows[i].id, HASH_ENTER, NULL);
		for (k = 0; k < rows[i].nlabels; k++)
			if (strlen(rows[i].labels[k]) <= MIGRATE_ID_MAXLEN)
				(void) hash_search(labels, rows[i].labels[k], HASH_ENTER, NULL);
	}

	for (i = 0; i < n; i++)
		for (k = 0; k < rows[i].ndown + rows[i].ndeps; k++)
		{
			bool		is_down = k < rows[i].ndown;
			char	   *ref = is_down ? rows[i].down[k] : rows[i].deps[k - rows[i].ndown];

			/* a depends_on may name a branch label */
			if (strlen(ref) <= MIGRATE_ID_MAXLEN &&
				(hash_search(names, ref, HASH_FIND, NULL) != NULL ||
				 (!is_down && hash_search(labels, ref, HASH_FIND, NULL) != NULL)))
				continue;
			broken = true;
			out = add_problem(out, rows[i].id, is_down ? "missing parent" : "missing dependency",
							  psprintf("%s \"%s\" is not a registered revision.",
									   is_down ? "Down revision" : "Dependency", ref));
		}

	foreach(lc, version)
	{
		char	   *v = lfirst(lc);

		if (strlen(v) > MIGRATE_ID_MAXLEN || hash_search(names, v, HASH_FIND, NULL) == NULL)
			out = add_problem(out, v, "unknown version row",
							  psprintf("migrate.version holds \"%s\", which is not a registered revision.", v));
	}

	if (broken)
		return check_trigger(out);
	err = util_subxact(build_body, &b, true);
	if (err != NULL)
	{
		util_rethrow_interrupt(err);
		return check_trigger(add_problem(out, NULL, "invalid graph",
										 psprintf("The graph does not build: %s.%s%s", err->message,
												  err->detail ? " " : "", err->detail ? err->detail : "")));
	}

	{
		Graph	   *g = b.g;
		RevSet	   *applied_rows = revset_create(g);
		bool	   *applied;

		foreach(lc, version)
		{
			int			r = graph_lookup(g, lfirst(lc));

			if (r >= 0 && !graph_is_label(g, lfirst(lc)))
				revset_add(applied_rows, r);
		}
		applied = plan_applied(g, applied_rows);
		(void) plan_mark_overlap(g, applied_rows);
		for (i = 0; i < applied_rows->n; i++)
		{
			int			v = applied_rows->items[i];

			if (GRAPH_MARKED(g, v))
				out = add_problem(out, REV_ID(g, v), "overlapping version rows",
								  psprintf("Version row \"%s\" is an ancestor or dependency of another version row; upgrade() and downgrade() refuse such a table.",
										   REV_ID(g, v)));
		}
		foreach(lc, store_log_checksums())
		{
			char	  **row = lfirst(lc);	/* id, stored, actual, last op, its checksum */
			int			r = graph_lookup(g, row[0]);

			if (strcmp(row[1], row[2]) != 0)
				out = add_problem(out, row[0], "checksum mismatch",
								  psprintf("migrate.revisions.checksum is %s but the scripts hash to %s: they were changed without migrate.load().",
										   row[1], row[2]));
			if (r >= 0 && applied[r] && row[3] && strcmp(row[3], "downgrade") != 0 &&
				row[4] && strcmp(row[4], row[2]) != 0)
				out = add_problem(out, row[0], "edited after apply",
								  psprintf("%s scripts with checksum %s; the registered scripts hash to %s.",
										   strcmp(row[3], "repair") == 0 ? "The last repair registered" : "The applied upgrade ran",
										   row[4], row[2]));
		}
		out = unmerged_heads(g, out);
	}
	return check_trigger(out);
}

/* ---------- status ---------- */

static void
status_body(void *arg)
{
	Status	   *st = arg;
	Graph	   *g = cache_graph();
	RevSet	   *version = revset_create(g);
	StepPlan   *plan;
	int			i;

	st->heads = graph_ids(g, G_HEADS(g), g->nheads);
	plan_check_version(g, st->current, version);
	plan = plan_upgrade(g, version, "heads");
	for (i = 0; i < plan->nsteps; i++)
		st->pending = lappend(st->pending, REV_ID(g, plan->steps[i].rev));
}

/*
 * status(): the version rows as they are, the heads, and what
 * upgrade('heads') would run; when the graph or the version rows keep
 * that plan from being made (an unknown version row, overlapping rows, a
 * broken graph), the reason instead of an error, so that status() shows
 * what verify() reports.
 */
void
check_status(Status *st)
{
	MemoryContext cxt = CurrentMemoryContext;
	ErrorData  *err;

	memset(st, 0, sizeof(Status));
	st->current = store_load_version();
	err = util_subxact(status_body, st, true);
	MemoryContextSwitchTo(cxt);
	if (err == NULL)
		return;
	util_rethrow_interrupt(err);
	st->pending = NIL;
	st->error = err;
	st->problem = psprintf("%s%s%s", err->message, err->detail ? ": " : "",
						   err->detail ? err->detail : "");
}

/* ---------- check_roundtrip ---------- */

typedef struct Roundtrip
{
	Graph	   *g;
	RevSet	   *version;
	StepPlan   *plan;
	List	   *problems;
	PlanStep	step;			/* the step run_one runs */
} Roundtrip;

static void
run_one(void *arg)
{
	Roundtrip  *rt = arg;
	StepPlan	one = {1, &rt->step};
	RunOptions	opts = {NULL, NULL, false, false};

	runner_apply(rt->g, rt->version, &one, &opts);
}

typedef enum StepOutcome
{
	STEP_OK,
	STEP_FAILED,				/* reported; the check stops */
	STEP_UNCHECKABLE			/* forbidden only because all runs in one transaction */
} StepOutcome;

/*
 * Errors that say nothing about a script, only about running its upgrade
 * and downgrade in one transaction, as the check must: a value an upgrade
 * added to an enum cannot be used before it commits (55P04), a table with
 * trigger events still pending cannot be altered (55006).
 */
static bool
single_transaction_only(ErrorData *err)
{
	return err->sqlerrcode == ERRCODE_UNSAFE_NEW_ENUM_VALUE_USAGE ||
		err->sqlerrcode == ERRCODE_OBJECT_IN_USE;
}

/*
 * Run one step in its own subtransaction; on error, report it and say
 * so, unless the error is one that only running everything in one
 * transaction causes (and something ran before it, unless first): a
 * downgrade is then left unchecked with a NOTICE, an upgrade ends the
 * check as "not checked".
 */
static StepOutcome
run_step(Roundtrip *rt, int rev, bool upgrade, bool first, const char *what,
		 const char *problem)
{
	ErrorData  *err;

	rt->step.rev = rev;
	rt->step.upgrade = upgrade;
	err = util_subxact(run_one, rt, true);
	if (err == NULL)
		return STEP_OK;
	util_rethrow_interrupt(err);
	if (single_transaction_only(err) && !upgrade)
	{
		ereport(NOTICE,
				(errmsg("the downgrade of revision \"%s\" cannot be checked in one transaction with its upgrade",
						REV_ID(rt->g, rev)),
				 errdetail("It failed with: %s (SQLSTATE %s). Committed between the steps, as a deploy runs them, it may well work; this is not reported as a problem.",
						   err->message, unpack_sql_state(err->sqlerrcode))));
		return STEP_UNCHECKABLE;
	}
	if (single_transaction_only(err) && !first)
	{
		/* an upgrade that needs what ran before it committed: nothing after it can be checked */
		rt->problems = add_problem(rt->problems, REV_ID(rt->g, rev), "not checked",
								   psprintf("Its %s cannot run in the same transaction as what ran before it: %s (SQLSTATE %s). "
											"Committed in between, as a deploy runs them, it may well work; the check stops here.",
											what, err->message, unpack_sql_state(err->sqlerrcode)));
		return STEP_UNCHECKABLE;
	}
	rt->problems = add_problem(rt->problems, REV_ID(rt->g, rev), problem,
							   psprintf("%s (SQLSTATE %s). The check stops here.",
										err->message, unpack_sql_state(err->sqlerrcode)));
	return STEP_FAILED;
}

/*
 * Report how the schema after a step differs from the one expected, at
 * the level of objects; a table whose columns only changed places is a
 * problem of its own, which most applications can ignore.
 */
static void
compare_fingerprints(Roundtrip *rt, int rev, List *expected, List *found, const char *problem,
					 const char *against)
{
	CatalogDiff diff;

	if (!catalog_diff(expected, found, &diff))
		return;
	if (diff.detail)
		rt->problems = add_problem(rt->problems, REV_ID(rt->g, rev), problem,
								   psprintf("%d difference%s from the schema %s. %s",
											diff.ndiff, diff.ndiff == 1 ? "" : "s", against, diff.detail));
	if (diff.order)
		rt->problems = add_problem(rt->problems, REV_ID(rt->g, rev), "column order differs",
								   psprintf("Columns are where they were %s, but not in the same order. %s "
											"Only code that reads columns by position notices (SELECT *, INSERT without a column list, COPY).",
											against, diff.order));
}

static void
roundtrip_body(void *arg)
{
	Roundtrip  *rt = arg;
	List	   *before = catalog_fingerprint();
	int			i;

	for (i = 0; i < rt->plan->nsteps; i++)
	{
		int			r = rt->plan->steps[i].rev;
		GraphRev   *rev = &rt->g->revs[r];
		List	   *up,
				   *again;
		StepOutcome outcome;

		if (!rev->transactional)
		{
			rt->problems = add_problem(rt->problems, GR_ID(rt->g, rev), "not transactional",
									   pstrdup("It cannot run through SPI, so the check stops here; try it with upgrade_statements() on a copy of the database."));
			break;
		}
		if (run_step(rt, r, true, i == 0, "upgrade", "upgrade failed") != STEP_OK)
			break;
		up = catalog_fingerprint();
		if (!rev->reversible)
		{
			rt->problems = add_problem(rt->problems, GR_ID(rt->g, rev), "irreversible",
									   pstrdup("It has no downgrade script; the revisions after it are checked on top of its upgrade."));
			before = up;
			continue;
		}
		outcome = run_step(rt, r, false, false, "downgrade", "downgrade failed");
		if (outcome == STEP_UNCHECKABLE)
		{
			/* still upgraded: the next revisions build on it */
			before = up;
			continue;
		}
		if (outcome == STEP_FAILED)
			break;
		compare_fingerprints(rt, r, before, catalog_fingerprint(), "downgrade does not restore the schema",
							 "before the upgrade");
		if (run_step(rt, r, true, false, "second upgrade", "upgrade after downgrade failed") != STEP_OK)
			break;
		again = catalog_fingerprint();
		compare_fingerprints(rt, r, up, again, "upgrade after downgrade differs",
							 "after the first upgrade");
		before = again;
	}
}

/*
 * Upgrade, downgrade and upgrade again each step of the plan, comparing
 * schema fingerprints, all inside a subtransaction that is rolled back:
 * nothing stays applied, logged or created.  The first step that fails
 * ends the check (what follows builds on it).
 */
List *
check_roundtrip(Graph *g, RevSet *version, StepPlan *plan)
{
	Roundtrip	rt = {g, version, plan, NIL, {0, true}};
	ErrorData  *err;

	err = util_subxact(roundtrip_body, &rt, false);
	if (err != NULL)
		ReThrowError(err);
	return rt.problems;
}
