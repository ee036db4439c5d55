/*
 * plan.c
 *		Alembic's revision semantics on the graph: resolve targets, walk
 *		relative steps, order and plan upgrades, downgrades and history,
 *		stamp, and keep the set of version rows as each step runs.
 *
 * Rules follow Alembic's RevisionMap (alembic/script/revision.py) rule by
 * rule; docs/semantics.md records them and where migrate deliberately
 * differs.  Plans are made from the graph and the version rows alone:
 * nothing here reads a table.
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#include "migrate.h"
#include "plan.h"
#include "target.h"
#include "util.h"

#define WALK_NOTHING	(-1)	/* start a walk from "nothing" */
#define WALK_BASE		(-2)	/* the walk went below the roots */
#define WALK_FAIL		(-3)	/* the walk ran off the graph */

/* ---------- resolving names ---------- */

static void
unknown_revision(const char *name)
{
	ereport(ERROR,
			(errcode(MIGRATE_ERR_UNKNOWN),
			 errmsg("revision \"%s\" does not exist", name),
			 strlen(name) < 3 ?
			 errdetail("Ids and labels of 3 characters or fewer match only exactly, never by a prefix.") : 0,
			 errhint("Call migrate.history() to list the known revisions.")));
}

static int
cmp_names(const ListCell *a, const ListCell *b)
{
	return strcmp((const char *) lfirst(a), (const char *) lfirst(b));
}

/*
 * The lineage of rev: its ancestors and descendants and itself (through
 * dependencies too when deps), as a fresh bool array.  rev shares a
 * lineage with x exactly when lineage[x]: Alembic's _shares_lineage for
 * many x at the cost of one traversal each way.
 */
static bool *
lineage_set(Graph *g, int rev, bool deps)
{
	bool	   *set = graph_reach_set(g, &rev, 1, deps ? ANC_DEPS : ANC_NODEPS);
	int			i;

	graph_reach(g, &rev, 1, deps ? DESC_DEPS : DESC_NODEPS);
	for (i = 0; i < g->n; i++)
		set[i] |= GRAPH_MARKED(g, i);
	return set;
}

/*
 * Alembic's _revision_for_ident: an exact id or label wins; otherwise
 * ids and labels longer than 3 characters starting with the text are
 * candidates (filtered to the branch when one is given).  With a branch,
 * the revision must share its lineage.
 */
static int
resolve_ident(Graph *g, const char *name, int branch, const char *branch_name)
{
	int			r = graph_lookup(g, name);
	bool	   *lineage = branch >= 0 ? lineage_set(g, branch, false) : NULL;

	if (r < 0)
	{
		IntList		cand = {0};
		List	   *names = NIL;

		graph_prefix_matches(g, name, lineage, &cand, &names);
		if (cand.n == 0)
			unknown_revision(name);
		if (cand.n > 1)
		{
			/* the table's order depends on hashes: list them sorted */
			list_sort(names, cmp_names);
			ereport(ERROR,
					(errcode(ERRCODE_AMBIGUOUS_PARAMETER),
					 errmsg("revision prefix \"%s\" is ambiguous", name),
					 errdetail("Candidates: %s.", util_join_some(names, 20)),
					 errhint("Give more characters of the revision id.")));
		}
		r = cand.v[0];
	}
	if (lineage && !lineage[r])
		ereport(ERROR,
				(errcode(MIGRATE_ERR_BAD_ARGUMENT),
				 errmsg("revision \"%s\" is not a member of branch \"%s\"", REV_ID(g, r), branch_name),
				 errhint("Name a revision that is an ancestor or descendant of \"%s\".", branch_name)));
	return r;
}

/* Alembic's _resolve_branch: a label or id, else an id prefix. */
static int
resolve_branch(Graph *g, const char *label)
{
	int			r = graph_lookup(g, label);

	if (r >= 0)
		return r;
	return resolve_ident(g, label, -1, NULL);
}

static char *
span(const char *p, size_t len)
{
	return pnstrdup(p, len);
}

static void
parse_or_error(const char *text, TargetSpec *spec)
{
	const char *err;

	if (!target_parse(text, strlen(text), spec, &err))
		ereport(ERROR,
				(errcode(MIGRATE_ERR_BAD_ARGUMENT),
				 errmsg("invalid target \"%s\"", text),
				 errdetail("%c%s.", pg_toupper((unsigned char) err[0]), err + 1),
				 errhint("Use an id or prefix, \"head\", \"heads\", \"base\", \"label@head\", \"+N\", \"-N\", \"id+N\" or \"id-N\".")));
}

static void
multiple_heads(Graph *g, IntList *heads, const char *what)
{
	ereport(ERROR,
			(errcode(MIGRATE_ERR_STATE),
			 errmsg("multiple head revisions are present for given argument \"%s\"", what),
			 errdetail("The heads are %s.", graph_join_ids(g, heads->v, heads->n)),
			 errhint("Specify a revision, \"<branchname>@head\" to narrow to a specific head, or \"heads\" for all heads.")));
}

/* The revisions of revs within lineage (all of them when it is NULL). */
static void
filter_in(const int *revs, int n, const bool *lineage, IntList *out)
{
	int			i;

	for (i = 0; i < n; i++)
		if (lineage == NULL || lineage[revs[i]])
			intlist_push(out, revs[i]);
}

/* The revisions of revs that share a lineage with branch (all if < 0). */
static void
filter_lineage(Graph *g, const int *revs, int n, int branch, bool deps, IntList *out)
{
	filter_in(revs, n, branch >= 0 ? lineage_set(g, branch, deps) : NULL, out);
}

/*
 * Alembic's get_revisions for an absolute spec (no +N/-N): the label, if
 * any, narrows heads and checks membership.  "base" is the empty list.
 */
static void
get_revisions(Graph *g, TargetSpec *spec, RevSet *version, IntList *out)
{
	char	   *label = spec->label ? span(spec->label, spec->label_len) : NULL;
	int			branch = label ? resolve_branch(g, label) : -1;

	switch (spec->kind)
	{
		case TARGET_HEADS:
			if (label)
				filter_lineage(g, G_HEADS(g), g->nheads, branch, false, out);
			else
			{
				int			i;

				for (i = 0; i < g->nreal_heads; i++)
					intlist_push(out, G_REAL_HEADS(g)[i]);
			}
			break;
		case TARGET_HEAD:
			{
				IntList		heads = {0};

				filter_lineage(g, G_HEADS(g), g->nheads, branch, false, &heads);
				if (heads.n > 1)
					multiple_heads(g, &heads, label ? psprintf("%s@head", label) : "head");
				if (heads.n == 1)
					intlist_push(out, heads.v[0]);
			}
			break;
		case TARGET_BASE:
			break;
		case TARGET_CURRENT:
			if (version == NULL)
				ereport(ERROR,
						(errcode(MIGRATE_ERR_BAD_ARGUMENT),
						 errmsg("\"current\" is only valid in a history range"),
						 errhint("Call migrate.current() to see the applied heads.")));
			{
				int			i;

				for (i = 0; i < version->n; i++)
					intlist_push(out, version->items[i]);
			}
			break;
		case TARGET_REV:
			intlist_push(out, resolve_ident(g, span(spec->rev, spec->rev_len), branch, label));
			break;
		case TARGET_RELATIVE:
			elog(ERROR, "relative target reached get_revisions");
	}
}

/* get_revisions, but several results are the multiple-heads error. */
static int
get_revision(Graph *g, TargetSpec *spec, const char *text)
{
	IntList		l = {0};

	get_revisions(g, spec, NULL, &l);
	if (l.n > 1)
		multiple_heads(g, &l, text);
	return l.n ? l.v[0] : WALK_NOTHING;
}

/* The symbol of a relative spec ("ab12" of "lbl@ab12-1"), optionally without label. */
static TargetSpec
symbol_of(TargetSpec *spec, bool keep_label)
{
	TargetSpec	s = *spec;

	s.has_delta = false;
	s.delta = 0;
	if (!keep_label)
	{
		s.label = NULL;
		s.label_len = 0;
	}
	return s;
}

int
plan_resolve_one(Graph *g, const char *text, const char *what)
{
	TargetSpec	spec;

	parse_or_error(text, &spec);
	if (spec.has_delta || spec.kind == TARGET_RELATIVE)
		ereport(ERROR,
				(errcode(MIGRATE_ERR_BAD_ARGUMENT),
				 errmsg("%s \"%s\" must not be relative", what, text),
				 errhint("Name a revision without \"+N\" or \"-N\".")));
	return get_revision(g, &spec, text);
}

/* ---------- walking ---------- */

static void
ambiguous_walk(Graph *g, IntList *choices, int from)
{
	ereport(ERROR,
			(errcode(MIGRATE_ERR_STATE),
			 errmsg("ambiguous walk"),
			 errdetail("Stepping from %s reaches %d revisions: %s.",
					   from >= 0 ? psprintf("revision \"%s\"", REV_ID(g, from)) : "the ends of the graph",
					   choices->n, graph_join_ids(g, choices->v, choices->n)),
			 errhint("Name the revision explicitly or narrow the walk with \"label@\".")));
}

/*
 * Alembic's _walk: steps > 0 climbs children (from the roots when start
 * is nothing), filtered to the branch; steps < 0 descends down revisions
 * (from the heads when start is nothing), reaching WALK_BASE below a
 * root.  Running off the graph returns WALK_FAIL.
 */
static int
walk(Graph *g, int start, int steps, int branch)
{
	int			cur = start;
	int			i;
	bool	   *lineage = branch >= 0 && steps > 0 ? lineage_set(g, branch, false) : NULL;

	for (i = 0; i < abs(steps); i++)
	{
		IntList		choices = {0};

		CHECK_FOR_INTERRUPTS();
		if (steps > 0)
		{
			if (cur == WALK_BASE)
				return WALK_FAIL;
			if (cur == WALK_NOTHING)
				filter_in(G_BASES(g), g->nbases, lineage, &choices);
			else
				filter_in(GR_CHILDREN(g, &g->revs[cur]), g->revs[cur].nchildren,
						  lineage, &choices);
		}
		else
		{
			if (cur == WALK_BASE)
				return WALK_FAIL;
			if (cur == WALK_NOTHING)
			{
				int			k;

				for (k = 0; k < g->nheads; k++)
					intlist_push(&choices, G_HEADS(g)[k]);
			}
			else
			{
				int			k;

				for (k = 0; k < g->revs[cur].ndown; k++)
					intlist_push(&choices, GR_DOWN(g, &g->revs[cur])[k]);
			}
			if (choices.n == 0)
			{
				cur = WALK_BASE;
				continue;
			}
		}
		if (choices.n == 0)
			return WALK_FAIL;
		if (choices.n > 1)
			ambiguous_walk(g, &choices, cur);
		cur = choices.v[0];
	}
	return cur;
}

static void
relative_too_far(TargetSpec *spec, const char *text)
{
	ereport(ERROR,
			(errcode(MIGRATE_ERR_BAD_ARGUMENT),
			 errmsg("relative revision %s%d didn't produce %d migrations",
					spec->delta > 0 ? "+" : "", spec->delta, abs(spec->delta)),
			 errdetail("Target \"%s\" walks past the end of the revision graph.", text),
			 errhint("Use a smaller step or name the revision.")));
}

/* ---------- Alembic's topological sort ---------- */

static int
cmp_int(const void *a, const void *b)
{
	int			x = *(const int *) a;
	int			y = *(const int *) b;

	return (x > y) - (x < y);
}

/*
 * A pending head of the sort and its ancestors within todo, by local
 * index: a bit set when they are many, a sorted array when they are few
 * (ten thousand roots with a handful of ancestors each must not cost ten
 * thousand bit sets of the whole graph).
 */
typedef struct TopoHead
{
	int			rev;
	int			nanc;
	int		   *list;			/* sorted local indexes, or NULL */
	uint64	   *bits;			/* or a bit set of local indexes */
} TopoHead;

typedef struct TopoState
{
	Graph	   *g;
	const int  *local;
	int			m;				/* revisions in todo */
	int			words;
	int		   *count;			/* pending heads having each as ancestor */
} TopoState;

/* Compute h's ancestors within todo and count them in. */
static void
topo_ancestors(TopoState *ts, TopoHead *h)
{
	Graph	   *g = ts->g;
	IntList		found = {0};
	int			top = 0,
				i;

	graph_mark_start(g);
	g->mark[h->rev] = g->epoch;
	g->stack[top++] = h->rev;
	while (top > 0)
	{
		int			r = g->stack[--top];
		GraphRev   *v = &g->revs[r];
		int			k;

		intlist_push(&found, ts->local[r]);
		for (k = 0; k < v->nnd; k++)
		{
			int			d = GR_ND(g, v)[k];

			if (ts->local[d] >= 0 && g->mark[d] != g->epoch)
			{
				g->mark[d] = g->epoch;
				g->stack[top++] = d;
			}
		}
	}
	h->nanc = found.n;
	h->list = NULL;
	h->bits = NULL;
	for (i = 0; i < found.n; i++)
		ts->count[found.v[i]]++;
	if ((uint64) found.n * 32 > (uint64) ts->m)
	{
		h->bits = palloc0(ts->words * sizeof(uint64));
		for (i = 0; i < found.n; i++)
			h->bits[found.v[i] / 64] |= UINT64CONST(1) << (found.v[i] % 64);
		pfree(found.v);
	}
	else
	{
		qsort(found.v, found.n, sizeof(int), cmp_int);
		h->list = found.v;
	}
}

static bool
topo_has(TopoHead *h, int lc)
{
	if (h->bits)
		return (h->bits[lc / 64] >> (lc % 64)) & 1;
	return bsearch(&lc, h->list, h->nanc, sizeof(int), cmp_int) != NULL;
}

/* Count h's ancestors out and free them. */
static void
topo_release(TopoState *ts, TopoHead *h)
{
	int			i;

	if (h->bits)
	{
		for (i = 0; i < ts->words; i++)
		{
			uint64		w = h->bits[i];

			while (w)
			{
				ts->count[i * 64 + __builtin_ctzll(w)]--;
				w &= w - 1;
			}
		}
		pfree(h->bits);
	}
	else
	{
		for (i = 0; i < h->nanc; i++)
			ts->count[h->list[i]]--;
		if (h->list)
			pfree(h->list);
	}
	h->bits = NULL;
	h->list = NULL;
	h->nanc = 0;
}

/* h moved down from lc to its only parent: lc is no longer its ancestor. */
static void
topo_drop(TopoState *ts, TopoHead *h, int lc)
{
	ts->count[lc]--;
	if (h->bits)
		h->bits[lc / 64] &= ~(UINT64CONST(1) << (lc % 64));
	else
	{
		int		   *at = bsearch(&lc, h->list, h->nanc, sizeof(int), cmp_int);

		Assert(at != NULL);
		memmove(at, at + 1, (h->nanc - (at - h->list) - 1) * sizeof(int));
		h->nanc--;
	}
}

static int *toposort_upto(Graph *g, const bool *todo, const int *heads_in,
						  int nheads_in, int after, int limit, int *nout);

/* The whole order (see toposort_upto). */
static int *
toposort(Graph *g, const bool *todo, const int *heads_in, int nheads_in, int *nout)
{
	return toposort_upto(g, todo, heads_in, nheads_in, -1, -1, nout);
}

/*
 * Order the todo set so that every revision precedes its ancestors (the
 * downgrade order; upgrades run it reversed), exactly as Alembic's
 * _topological_sort does: walk down from the heads in registration
 * order, and before emitting a revision that another pending head still
 * needs, switch to the first such head.  Traversals stay inside todo,
 * which holds every path between its members (todo is closed between the
 * heads and what lies below them), so membership answers equal Alembic's.
 * A count per revision of the pending heads above it answers "does any
 * other head need it" at once; only when one does are the heads scanned
 * for the first.  With limit >= 0 the sort stops once it has emitted limit
 * revisions after after (or from the start, after < 0): the order of the
 * first page of a long history costs only that page's walk, after the
 * ancestor counts of the heads.
 */
static int *
toposort_upto(Graph *g, const bool *todo, const int *heads_in, int nheads_in,
			  int after, int limit, int *nout)
{
	bool		counting = after < 0;
	int			counted = 0;
	bool		stopped = false;
	int		   *local = palloc(Max(g->n, 1) * sizeof(int));
	int			m = 0,
				i,
				nheads = 0,
				idx = 0;
	bool	   *in_heads = palloc0(Max(g->n, 1) * sizeof(bool));
	bool	   *emitted = palloc0(Max(g->n, 1) * sizeof(bool));
	TopoHead   *heads;
	TopoState	ts;
	int		   *out;
	int			n = 0;
	int		   *sorted;

	for (i = 0; i < g->n; i++)
		local[i] = todo[i] ? m++ : -1;
	out = palloc(Max(m, 1) * sizeof(int));
	heads = palloc((m + 1) * sizeof(TopoHead));
	ts.g = g;
	ts.local = local;
	ts.m = m;
	ts.words = Max((m + 63) / 64, 1);
	ts.count = palloc0(Max(m, 1) * sizeof(int));

	/* heads in todo, deduplicated, in registration order */
	sorted = palloc(Max(nheads_in, 1) * sizeof(int));
	memcpy(sorted, heads_in, nheads_in * sizeof(int));
	qsort(sorted, nheads_in, sizeof(int), cmp_int);
	for (i = 0; i < nheads_in; i++)
		if (todo[sorted[i]] && !in_heads[sorted[i]])
		{
			heads[nheads].rev = sorted[i];
			topo_ancestors(&ts, &heads[nheads]);
			in_heads[sorted[i]] = true;
			nheads++;
		}

	while (nheads > 0)
	{
		int			c = heads[idx].rev;
		int			lc = local[c];
		int			j;
		GraphRev   *rev;
		IntList		add = {0};

		if ((n & 1023) == 0)
			CHECK_FOR_INTERRUPTS();

		/* head idx has c among its ancestors; does another one? */
		if (ts.count[lc] > 1)
		{
			for (j = 0; j < nheads; j++)
				if (j != idx && topo_has(&heads[j], lc))
					break;
			Assert(j < nheads);
			idx = j;
			continue;
		}

		out[n++] = c;
		emitted[c] = true;
		if (counting)
			counted++;
		else if (c == after)
			counting = true;
		if (limit >= 0 && counting && counted >= limit)
		{
			stopped = true;
			break;
		}
		rev = &g->revs[c];
		for (j = 0; j < rev->nnd; j++)
		{
			int			d = GR_ND(g, rev)[j];

			if (todo[d] && !emitted[d] && !in_heads[d] && !intlist_contains(&add, d))
				intlist_push(&add, d);
		}
		in_heads[c] = false;
		if (add.n == 0)
		{
			topo_release(&ts, &heads[idx]);
			memmove(&heads[idx], &heads[idx + 1], (nheads - idx - 1) * sizeof(TopoHead));
			nheads--;
			idx = Max(idx - 1, 0);
			continue;
		}
		heads[idx].rev = add.v[0];
		in_heads[add.v[0]] = true;
		if (rev->nnd == 1)
		{
			/* a plain step down a line: the ancestors lose only c */
			topo_drop(&ts, &heads[idx], lc);
		}
		else
		{
			topo_release(&ts, &heads[idx]);
			topo_ancestors(&ts, &heads[idx]);
		}
		for (j = 1; j < add.n; j++)
		{
			heads[nheads].rev = add.v[j];
			topo_ancestors(&ts, &heads[nheads]);
			in_heads[add.v[j]] = true;
			nheads++;
		}
	}
	if (n != m && !stopped)
		elog(ERROR, "topological sort emitted %d of %d revisions", n, m);
	*nout = n;
	return out;
}

static StepPlan *
make_plan(int *order, int n, bool upgrade)
{
	StepPlan	   *plan = palloc0(sizeof(StepPlan));
	int			i;

	plan->nsteps = n;
	plan->steps = palloc(Max(n, 1) * sizeof(PlanStep));
	for (i = 0; i < n; i++)
	{
		plan->steps[i].rev = upgrade ? order[n - 1 - i] : order[i];
		plan->steps[i].upgrade = upgrade;
	}
	return plan;
}

/* ---------- the version table ---------- */

/*
 * Resolve the version rows; an unknown one is an error (every command but
 * stamp with purge refuses to run on such a table).
 */
void
plan_check_version(Graph *g, List *version, RevSet *out)
{
	ListCell   *lc;

	foreach(lc, version)
	{
		char	   *id = lfirst(lc);
		int			r = graph_lookup(g, id);

		if (r < 0 || graph_is_label(g, id))
			ereport(ERROR,
					(errcode(MIGRATE_ERR_STATE),
					 errmsg("version table names unknown revision \"%s\"", id),
					 errdetail("migrate.version holds \"%s\", which is not in migrate.revisions.", id),
					 errhint("Register the revision again, or reset the table with migrate.stamp(..., purge => true).")));
		revset_add(out, r);
	}
}

/* Everything applied: the version rows and all they imply. */
bool *
plan_applied(Graph *g, RevSet *version)
{
	return graph_reach_set(g, version->items, version->n, ANC_DEPS);
}

/* Version rows other than the ones a step replaces. */
typedef struct OtherRows
{
	RevSet	   *version;
	const int  *skip;
	int			nskip;
} OtherRows;

static bool
is_other_row(int rev, void *arg)
{
	OtherRows  *o = arg;
	int			k;

	if (!o->version->member[rev])
		return false;
	for (k = 0; k < o->nskip; k++)
		if (o->skip[k] == rev)
			return false;
	return true;
}

/*
 * Whether a version row other than those in skip implies p (is p, or
 * builds or depends on it): a walk up from p that stops at the first
 * such row, which after a step is usually a neighbour.
 */
static bool
implied_by_others(Graph *g, RevSet *version, int p, const int *skip, int nskip)
{
	OtherRows	o = {version, skip, nskip};

	return graph_reaches_any(g, p, DESC_DEPS, is_other_row, &o);
}

/*
 * Update the version set for one executed step, as Alembic's
 * HeadMaintainer does: an upgrade replaces the down revisions it builds
 * on (merging them) or starts a new row; a downgrade puts back those of
 * its down revisions that no other row implies.
 */
void
plan_apply_step(Graph *g, RevSet *version, PlanStep *step)
{
	GraphRev   *rev = &g->revs[step->rev];
	int			k,
				inter = 0;

	if (step->upgrade)
	{
		for (k = 0; k < rev->nnd; k++)
			inter += version->member[GR_ND(g, rev)[k]];
		if (inter > 1 && rev->nnd > 1)
		{
			IntList		gone = {0};

			for (k = 0; k < rev->nnd; k++)
				if (!implied_by_others(g, version, GR_ND(g, rev)[k], GR_ND(g, rev), rev->nnd))
					intlist_push(&gone, GR_ND(g, rev)[k]);
			for (k = 0; k < gone.n; k++)
				revset_remove(version, gone.v[k]);
		}
		else
		{
			for (k = 0; k < rev->nnd; k++)
				revset_remove(version, GR_ND(g, rev)[k]);
		}
		revset_add(version, step->rev);
	}
	else
	{
		IntList		put = {0};

		if (!version->member[step->rev])
			elog(ERROR, "downgrade of \"%s\", which is not a version row", GR_ID(g, rev));
		for (k = 0; k < rev->nnd; k++)
			if (!implied_by_others(g, version, GR_ND(g, rev)[k], &step->rev, 1))
				intlist_push(&put, GR_ND(g, rev)[k]);
		revset_remove(version, step->rev);
		for (k = 0; k < put.n; k++)
		{
			int			m;
			bool		implied = false;

			/* a parent below another parent needs no row (Alembic 1.19) */
			for (m = 0; m < put.n && !implied; m++)
				if (m != k)
				{
					graph_reach(g, GR_ND(g, &g->revs[put.v[m]]), g->revs[put.v[m]].nnd, ANC_DEPS);
					implied = GRAPH_MARKED(g, put.v[k]);
				}
			if (!implied)
				revset_add(version, put.v[k]);
		}
	}
}

/* ---------- planning ---------- */

static void
refuse_range(const char *target)
{
	if (strchr(target, ':') != NULL)
		ereport(ERROR,
				(errcode(MIGRATE_ERR_BAD_ARGUMENT),
				 errmsg("a range such as \"%s\" is only valid for history", target),
				 errhint("Give upgrade and downgrade a single target.")));
}

/* Alembic's _parse_upgrade_target. */
static void
upgrade_targets(Graph *g, RevSet *version, const char *text, IntList *out)
{
	TargetSpec	spec;
	char	   *label;
	int			branch;
	int			r;

	parse_or_error(text, &spec);
	label = spec.label ? span(spec.label, spec.label_len) : NULL;
	branch = label ? resolve_branch(g, label) : -1;

	if (!spec.has_delta)
	{
		get_revisions(g, &spec, NULL, out);
		return;
	}
	if (spec.delta < 0 && spec.kind == TARGET_RELATIVE)
		relative_too_far(&spec, text);

	if (spec.kind == TARGET_RELATIVE)
	{
		IntList		start = {0};

		if (branch < 0)
		{
			int			i;

			for (i = 0; i < version->n; i++)
				intlist_push(&start, version->items[i]);
		}
		else
		{
			filter_lineage(g, version->items, version->n, branch, false, &start);
			if (start.n == 0 && version->n > 0)
			{
				/* the branch has no row: start from its highest applied revision */
				bool	   *active = graph_reach_set(g, version->items, version->n, ANC_DEPS);
				bool	   *lineage = lineage_set(g, branch, false);
				bool	   *below = palloc0(g->n * sizeof(bool));
				IntList		on = {0};
				int			i,
							k;

				for (i = 0; i < g->n; i++)
					if (active[i] && lineage[i])
						intlist_push(&on, i);
				for (i = 0; i < on.n; i++)
					for (k = 0; k < g->revs[on.v[i]].nnd; k++)
						below[GR_ND(g, &g->revs[on.v[i]])[k]] = true;
				for (i = 0; i < on.n; i++)
					if (!below[on.v[i]])
						intlist_push(&start, on.v[i]);
			}
		}
		if (start.n == 0)
			intlist_push(&start, WALK_NOTHING);
		if (start.n > 1)
			ereport(ERROR,
					(errcode(MIGRATE_ERR_STATE),
					 errmsg("ambiguous upgrade from multiple current revisions"),
					 errdetail("The current revisions are %s.", graph_join_ids(g, start.v, start.n)),
					 errhint("Use \"label@+N\" or name the target revision.")));
		r = walk(g, start.v[0], spec.delta, branch);
		if (r == WALK_FAIL)
			relative_too_far(&spec, text);
	}
	else if (spec.delta > 0)
	{
		TargetSpec	sym = symbol_of(&spec, false);

		r = walk(g, get_revision(g, &sym, text), spec.delta, branch);
		if (r == WALK_FAIL)
			relative_too_far(&spec, text);
	}
	else
	{
		TargetSpec	sym = symbol_of(&spec, true);

		r = walk(g, get_revision(g, &sym, text), spec.delta, -1);
		if (r == WALK_FAIL)
			relative_too_far(&spec, text);
	}
	if (r >= 0)
		intlist_push(out, r);
}

/*
 * Mark what the version rows' parents and dependencies reach: since the
 * graph has no cycles, a row that ends up marked lies below another row.
 * One walk whatever the number of rows; true when any row is marked.
 */
bool
plan_mark_overlap(Graph *g, RevSet *version)
{
	IntList		below = {0};
	bool		any = false;
	int			i,
				k;

	for (i = 0; i < version->n; i++)
	{
		GraphRev   *rev = &g->revs[version->items[i]];

		for (k = 0; k < rev->nnd; k++)
			intlist_push(&below, GR_ND(g, rev)[k]);
	}
	graph_reach(g, below.v, below.n, ANC_DEPS);
	for (i = 0; i < version->n; i++)
		any |= GRAPH_MARKED(g, version->items[i]);
	if (below.v)
		pfree(below.v);
	return any;
}

/*
 * Version rows that imply one another break Alembic's upgrade too.  One
 * traversal from the parents of every row marks what lies strictly below
 * some row; only when a row is marked, the rows are walked one by one to
 * name the pair.
 */
static void
check_overlap(Graph *g, RevSet *version)
{
	int			i,
				k;

	if (version->n < 2 || !plan_mark_overlap(g, version))
		return;
	for (i = 0; i < version->n; i++)
	{
		graph_reach(g, &version->items[i], 1, ANC_DEPS);
		for (k = 0; k < version->n; k++)
			if (k != i && GRAPH_MARKED(g, version->items[k]))
				ereport(ERROR,
						(errcode(MIGRATE_ERR_STATE),
						 errmsg("requested revision %s overlaps with other requested revisions %s",
								REV_ID(g, version->items[i]), REV_ID(g, version->items[k])),
						 errdetail("Version row \"%s\" is an ancestor of version row \"%s\".",
								   REV_ID(g, version->items[k]), REV_ID(g, version->items[i])),
						 errhint("Fix the version table with migrate.stamp().")));
	}
}

/*
 * StepPlan an upgrade: everything the targets need that the version rows do
 * not already imply, in Alembic's order.
 */
StepPlan *
plan_upgrade(Graph *g, RevSet *version, const char *target)
{
	IntList		targets = {0};
	bool	   *need;
	int			i,
				n;
	int		   *order;

	refuse_range(target);
	check_overlap(g, version);
	upgrade_targets(g, version, target, &targets);
	need = graph_reach_set(g, targets.v, targets.n, ANC_DEPS);
	graph_reach(g, version->items, version->n, ANC_DEPS);
	for (i = 0; i < g->n; i++)
		if (GRAPH_MARKED(g, i))
			need[i] = false;
	order = toposort(g, need, targets.v, targets.n, &n);
	return make_plan(order, n, true);
}

static void
not_downgrade_target(const char *text)
{
	ereport(ERROR,
			(errcode(MIGRATE_ERR_BAD_ARGUMENT),
			 errmsg("destination %s is not a valid downgrade target from current head(s)", text),
			 errdetail("It is not below an applied revision."),
			 errhint("Call migrate.current() and migrate.history() to choose a revision below the applied heads.")));
}

/*
 * StepPlan a downgrade (Alembic's _parse_downgrade_target and
 * _collect_downgrade_revisions): drop the target's children and all
 * their descendants that are applied, dependents first.
 */
StepPlan *
plan_downgrade(Graph *g, RevSet *version, const char *text)
{
	TargetSpec	spec;
	char	   *label;
	int			target;
	int			branch;
	IntList		roots = {0};
	bool	   *drop;
	bool	   *active;
	int			i,
				n;
	int		   *order;

	refuse_range(text);
	parse_or_error(text, &spec);
	label = spec.label ? span(spec.label, spec.label_len) : NULL;

	if (spec.has_delta && spec.delta > 0)
	{
		TargetSpec	sym = symbol_of(&spec, false);

		if (spec.kind == TARGET_RELATIVE)
			relative_too_far(&spec, text);
		target = walk(g, get_revision(g, &sym, text), spec.delta,
					  label ? resolve_branch(g, label) : -1);
		if (target == WALK_FAIL)
			ereport(ERROR,
					(errcode(MIGRATE_ERR_BAD_ARGUMENT),
					 errmsg("walked too far"),
					 errdetail("Target \"%s\" walks past the end of the revision graph.", text),
					 errhint("Use a smaller step or name the revision.")));
	}
	else if (spec.has_delta)
	{
		TargetSpec	sym;
		bool		relative = spec.kind == TARGET_RELATIVE;

		if (relative)
		{
			int			symbol;

			if (label)
			{
				IntList		on = {0};
				int			b = resolve_branch(g, label);

				filter_lineage(g, version->items, version->n, b, false, &on);
				if (on.n == 0 && version->n > 0)
				{
					bool	   *all = graph_reach_set(g, version->items, version->n, ANC_DEPS);
					IntList		tips = {0};

					/* Alembic's _filter_into_branch_heads of all current */
					for (i = 0; i < g->n; i++)
						if (all[i])
						{
							int			k;
							bool		has_child = false;

							for (k = 0; k < g->revs[i].nchildren; k++)
								has_child |= all[GR_CHILDREN(g, &g->revs[i])[k]];
							if (!has_child)
								intlist_push(&tips, i);
						}
					filter_lineage(g, tips.v, tips.n, b, false, &on);
				}
				if (on.n != 1)
					ereport(ERROR,
							(errcode(MIGRATE_ERR_STATE),
							 errmsg("branch \"%s\" has %d applied heads", label, on.n),
							 on.n ? errdetail("A relative downgrade starts from exactly one applied head; the branch's are %s.",
											  graph_join_ids(g, on.v, on.n)) :
							 errdetail("A relative downgrade starts from exactly one applied head."),
							 errhint("Name the target revision explicitly.")));
				symbol = on.v[0];
			}
			else
			{
				if (version->n == 0)
					relative_too_far(&spec, text);
				if (version->n > 1)
				{
					revset_sort(g, version);
					ereport(ERROR,
							(errcode(MIGRATE_ERR_STATE),
							 errmsg("relative downgrade \"%s\" is ambiguous with several applied heads", text),
							 errdetail("The applied heads are %s.", graph_join_ids(g, version->items, version->n)),
							 errhint("Use \"label@%d\" or name the target revision.", spec.delta)));
				}
				symbol = version->items[0];
				label = REV_ID(g, symbol);
			}
			memset(&sym, 0, sizeof(sym));
			sym.kind = TARGET_REV;
			sym.rev = REV_ID(g, symbol);
			sym.rev_len = strlen(sym.rev);
			sym.label = label;
			sym.label_len = strlen(label);
		}
		else
			sym = symbol_of(&spec, true);
		target = walk(g, get_revision(g, &sym, text), spec.delta, -1);
		if (target == WALK_FAIL)
		{
			if (relative)
				relative_too_far(&spec, text);
			ereport(ERROR,
					(errcode(MIGRATE_ERR_BAD_ARGUMENT),
					 errmsg("walked too far"),
					 errdetail("Target \"%s\" walks below the base.", text),
					 errhint("Use a smaller step or downgrade to \"base\".")));
		}
	}
	else
	{
		TargetSpec	sym = symbol_of(&spec, false);

		target = get_revision(g, &sym, text);
	}
	if (target == WALK_NOTHING)
		target = WALK_BASE;

	if (target == WALK_BASE)
	{
		for (i = 0; i < g->nbases; i++)
			intlist_push(&roots, G_BASES(g)[i]);
	}
	else
		for (i = 0; i < g->revs[target].nchildren; i++)
			intlist_push(&roots, GR_CHILDREN(g, &g->revs[target])[i]);

	branch = label ? resolve_branch(g, label) : -1;
	if (branch >= 0 && roots.n > 1)
	{
		IntList		kept = {0};

		graph_reach(g, &branch, 1, ANC_NODEPS);
		for (i = 0; i < roots.n; i++)
			if (GRAPH_MARKED(g, roots.v[i]))
				intlist_push(&kept, roots.v[i]);
		if (kept.n == 0)
			not_downgrade_target(text);
		roots = kept;
	}

	drop = graph_reach_set(g, roots.v, roots.n, DESC_DEPS);
	active = graph_reach_set(g, version->items, version->n, ANC_DEPS);
	n = 0;
	for (i = 0; i < g->n; i++)
	{
		drop[i] = drop[i] && active[i];
		n += drop[i];
	}
	if (target >= 0 && n == 0 && !version->member[target])
		not_downgrade_target(text);

	order = toposort(g, drop, version->items, version->n, &n);
	return make_plan(order, n, false);
}

/* The ids of revs, each once, in order. */
static List *
unique_ids(Graph *g, IntList revs)
{
	List	   *out = NIL;
	bool	   *seen = palloc0(Max(g->n, 1) * sizeof(bool));
	int			i;

	for (i = 0; i < revs.n; i++)
		if (!seen[revs.v[i]])
		{
			seen[revs.v[i]] = true;
			out = lappend(out, REV_ID(g, revs.v[i]));
		}
	pfree(seen);
	return out;
}

/*
 * stamp (Alembic's _stamp_revs): each destination replaces the version
 * rows in the lineage of the targets, or adds a row when it is related to
 * none of them; "base" removes them.  Unlike Alembic, a row that is itself
 * a destination is never removed: every target is represented afterwards
 * whatever rows were there before (Alembic can drop one when it replaces
 * the whole group by a later target).  Returns the ids of the resolved
 * destinations, each once, in the order of the targets (NIL for "base").
 */
List *
plan_stamp(Graph *g, RevSet *version, List *targets)
{
	IntList		filtered = {0};
	IntList		dests = {0};
	bool	   *is_filtered = palloc0(Max(g->n, 1) * sizeof(bool));
	bool	   *is_dest;
	ListCell   *lc;
	int			i,
				k;

	/* the version rows sharing a lineage with any target */
	foreach(lc, targets)
	{
		char	   *text = lfirst(lc);
		TargetSpec	spec;
		IntList		shares = {0};

		refuse_range(text);
		parse_or_error(text, &spec);
		if (spec.kind == TARGET_RELATIVE && spec.delta < 0 && version->n == 0)
		{
			/* Alembic: "-N" on an empty table walks down from each head */
			int			branch = spec.label ? resolve_branch(g, span(spec.label, spec.label_len)) : -1;
			IntList		heads = {0};

			filter_lineage(g, G_REAL_HEADS(g), g->nreal_heads, branch, false, &heads);
			for (i = 0; i < heads.n; i++)
			{
				int			r = walk(g, heads.v[i], spec.delta, -1);

				if (r < 0)
					relative_too_far(&spec, text);
				intlist_push(&dests, r);
			}
			continue;
		}
		if (spec.has_delta || spec.kind == TARGET_RELATIVE || spec.kind == TARGET_CURRENT)
			ereport(ERROR,
					(errcode(MIGRATE_ERR_BAD_ARGUMENT),
					 errmsg("stamp target \"%s\" must be absolute", text),
					 errdetail("Only \"-N\" and \"label@-N\" are relative stamp targets, and only on an empty version table."),
					 errhint("Name a revision, \"heads\", \"head\", \"base\" or \"label@base\".")));
		if (spec.label)
			intlist_push(&shares, resolve_branch(g, span(spec.label, spec.label_len)));
		if (spec.kind != TARGET_BASE)
			get_revisions(g, &spec, NULL, &shares);
		if (shares.n > 0 && version->n > 0)
		{
			/* in the lineage of any share: above or below one of them */
			bool	   *lineage = graph_reach_set(g, shares.v, shares.n, ANC_DEPS);

			graph_reach(g, shares.v, shares.n, DESC_DEPS);
			for (i = 0; i < version->n; i++)
				if ((lineage[version->items[i]] || GRAPH_MARKED(g, version->items[i])) &&
					!is_filtered[version->items[i]])
				{
					is_filtered[version->items[i]] = true;
					intlist_push(&filtered, version->items[i]);
				}
			pfree(lineage);
		}
		if (shares.n == 0)
			for (i = 0; i < version->n; i++)
				if (!is_filtered[version->items[i]])
				{
					is_filtered[version->items[i]] = true;
					intlist_push(&filtered, version->items[i]);
				}
		get_revisions(g, &spec, NULL, &dests);
	}

	if (dests.n == 0)
	{
		for (i = 0; i < filtered.n; i++)
			revset_remove(version, filtered.v[i]);
		return NIL;
	}
	is_dest = palloc0(Max(g->n, 1) * sizeof(bool));
	for (i = 0; i < dests.n; i++)
		is_dest[dests.v[i]] = true;
	for (i = 0; i < dests.n; i++)
	{
		int			d = dests.v[i];
		bool		related = false;

		if (filtered.n == 0 || is_filtered[d])
			continue;
		graph_reach(g, &d, 1, DESC_DEPS);
		for (k = 0; k < filtered.n; k++)
			related |= GRAPH_MARKED(g, filtered.v[k]);
		if (!related)
		{
			graph_reach(g, &d, 1, ANC_DEPS);
			for (k = 0; k < filtered.n; k++)
				related |= GRAPH_MARKED(g, filtered.v[k]);
		}
		if (related)
			for (k = 0; k < filtered.n; k++)
				if (!is_dest[filtered.v[k]])
					revset_remove(version, filtered.v[k]);
	}
	for (i = 0; i < dests.n; i++)
		revset_add(version, dests.v[i]);
	return unique_ids(g, dests);
}

/*
 * history(range): newest first in the downgrade order.  "a:b" runs from b
 * down to a, both inclusive; a must be an ancestor of b.  With limit >= 0
 * the order stops limit revisions after the revision after (-1: the top).
 */
StepPlan *
plan_history(Graph *g, RevSet *version, const char *range, int after, int limit)
{
	IntList		upper = {0};
	IntList		lower = {0};
	bool	   *need;
	int			i,
				n;
	int		   *order;

	if (range == NULL)
	{
		for (i = 0; i < g->nreal_heads; i++)
			intlist_push(&upper, G_REAL_HEADS(g)[i]);
	}
	else
	{
		size_t		colon;
		const char *err;
		char	   *lo = NULL;
		char	   *hi;

		if (target_split_range(range, strlen(range), &colon, &err))
		{
			lo = pnstrdup(range, colon);
			hi = pstrdup(range + colon + 1);
		}
		else
			ereport(ERROR,
					(errcode(MIGRATE_ERR_BAD_ARGUMENT),
					 errmsg("invalid history range \"%s\"", range),
					 err ? errdetail("%c%s.", pg_toupper((unsigned char) err[0]), err + 1)
					 : errdetail("A range has a colon: \"a:b\" lists b down to a, \"a:\" a up to the heads, \":b\" the base up to b."),
					 err ? errhint("Write \"a:b\", \"a:\" or \":b\".")
					 : range[0] == '\0' ? errhint("Pass NULL (or leave the argument out) for the whole history.")
					 : errhint("Write \":%s\" for %s and what it builds on, \"%s:\" for %s and what builds on it.",
							   range, range, range, range)));

		if (hi[0] == '\0')
			for (i = 0; i < g->nreal_heads; i++)
				intlist_push(&upper, G_REAL_HEADS(g)[i]);
		else
		{
			TargetSpec	spec;

			parse_or_error(hi, &spec);
			if (spec.kind == TARGET_CURRENT)
				get_revisions(g, &spec, version, &upper);
			else
				upgrade_targets(g, version, hi, &upper);
		}
		if (lo && lo[0] != '\0')
		{
			TargetSpec	spec;

			parse_or_error(lo, &spec);
			if (spec.has_delta)
				ereport(ERROR,
						(errcode(MIGRATE_ERR_BAD_ARGUMENT),
						 errmsg("the lower end of range \"%s\" must be absolute", range),
						 errhint("Name a revision, \"base\" or \"current\".")));
			get_revisions(g, &spec, version, &lower);
		}
	}

	need = graph_reach_set(g, upper.v, upper.n, ANC_DEPS);
	for (i = 0; i < lower.n; i++)
		if (!need[lower.v[i]])
			ereport(ERROR,
					(errcode(MIGRATE_ERR_BAD_ARGUMENT),
					 errmsg("revision \"%s\" is not an ancestor of the upper end of range \"%s\"",
							REV_ID(g, lower.v[i]), range),
					 errdetail("The upper end is %s.", graph_join_ids(g, upper.v, upper.n)),
					 errhint("Put the older revision before the colon.")));
	if (lower.n > 0)
	{
		graph_reach(g, lower.v, lower.n, ANC_DEPS);
		for (i = 0; i < g->n; i++)
			if (GRAPH_MARKED(g, i))
				need[i] = false;
		for (i = 0; i < lower.n; i++)
			need[lower.v[i]] = true;
		/* through dependencies, as the ancestors: a closed interval */
		graph_reach(g, lower.v, lower.n, DESC_DEPS);
		for (i = 0; i < g->n; i++)
			if (!GRAPH_MARKED(g, i))
				need[i] = false;
	}
	order = toposort_upto(g, need, upper.v, upper.n, after, limit, &n);
	return make_plan(order, n, false);
}

/*
 * The parent of a new revision registered without down revisions: the
 * single head (or the head named by "label@head"), nothing for "base" or
 * an empty graph.  Returns -1 for a root.
 */
int
plan_new_parent(Graph *g, const char *head)
{
	if (head == NULL)
	{
		IntList		heads = {0};
		int			i;

		for (i = 0; i < g->nheads; i++)
			intlist_push(&heads, G_HEADS(g)[i]);
		if (heads.n > 1)
			ereport(ERROR,
					(errcode(MIGRATE_ERR_STATE),
					 errmsg("multiple head revisions are present"),
					 errdetail("The heads are %s.", graph_join_ids(g, heads.v, heads.n)),
					 errhint("Pass head => '<label>@head' or a head's id, down_revision => ARRAY[...], or merge the heads with migrate.merge().")));
		return heads.n ? heads.v[0] : -1;
	}
	else
	{
		int			r = plan_resolve_one(g, head, "head");

		/* like alembic revision --head without --splice */
		if (r >= 0 && g->revs[r].nchildren > 0)
			ereport(ERROR,
					(errcode(MIGRATE_ERR_STATE),
					 errmsg("revision \"%s\" is not a head revision", REV_ID(g, r)),
					 errdetail("Revisions already build on it: %s.",
							   graph_join_ids(g, GR_CHILDREN(g, &g->revs[r]), g->revs[r].nchildren)),
					 errhint("Pass down_revision => ARRAY['%s'] to start a new branch from it.",
							 REV_ID(g, r))));
		return r;
	}
}

/*
 * Refuse one step that the current version rows do not allow: the
 * bookkeeping calls of a \gexec plan run one by one, and the state may
 * have moved since the plan was made (another deploy, an earlier
 * statement that failed).
 */
void
plan_check_step(Graph *g, RevSet *version, PlanStep *step)
{
	GraphRev   *rev = &g->revs[step->rev];
	bool	   *applied = plan_applied(g, version);
	int			k;

	if (step->upgrade)
	{
		if (applied[step->rev])
			ereport(ERROR,
					(errcode(MIGRATE_ERR_STATE),
					 errmsg("revision \"%s\" is already applied", GR_ID(g, rev)),
					 errdetail("The version table is now: %s.",
							   version->n ? util_join_some(revset_ids(g, version), 20) : "empty"),
					 errhint("The plan is out of date: make it again from the current version table.")));
		for (k = 0; k < rev->ndown + rev->ndeps; k++)
		{
			int			need = k < rev->ndown ? GR_DOWN(g, rev)[k] : GR_DEPS(g, rev)[k - rev->ndown];

			if (!applied[need])
				ereport(ERROR,
						(errcode(MIGRATE_ERR_STATE),
						 errmsg("revision \"%s\" cannot be applied yet", GR_ID(g, rev)),
						 errdetail("It needs revision \"%s\", which is not applied.",
								   REV_ID(g, need)),
						 errhint("Run the steps in plan order; make the plan again from the current version table.")));
		}
	}
	else
	{
		if (!applied[step->rev])
			ereport(ERROR,
					(errcode(MIGRATE_ERR_STATE),
					 errmsg("revision \"%s\" is not applied", GR_ID(g, rev)),
					 errdetail("The version table is now: %s.",
							   version->n ? util_join_some(revset_ids(g, version), 20) : "empty"),
					 errhint("The plan is out of date: make it again from the current version table.")));
		for (k = 0; k < rev->nnext; k++)
			if (applied[GR_NEXT(g, rev)[k]])
				ereport(ERROR,
						(errcode(MIGRATE_ERR_STATE),
						 errmsg("revision \"%s\" cannot be downgraded yet", GR_ID(g, rev)),
						 errdetail("Applied revision \"%s\" builds on or depends on it.",
								   REV_ID(g, GR_NEXT(g, rev)[k])),
						 errhint("Run the steps in plan order; make the plan again from the current version table.")));
	}
}
