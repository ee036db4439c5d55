/*
 * graph.c
 *		The revision DAG: build and validate it from the rows of
 *		migrate.revisions, look names up, traverse it, and write it as a
 *		relocatable image that another backend can read.
 *
 * Revisions are addressed by their index, which is also their
 * registration order, the role Alembic's file load order plays.
 * Everything here is in-memory work on palloc'd arrays; no SPI.  What the
 * graph means for targets and plans is plan.c's.
 */
#include "postgres.h"

#include <limits.h>

#include "common/hashfn.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#include "graph.h"
#include "migrate.h"
#include "target.h"
#include "util.h"

/* an interrupt check every 4096 revisions of a loop over the graph */
#define INTERRUPTIBLE(i) \
	do { if (((i) & 4095) == 0) CHECK_FOR_INTERRUPTS(); } while (0)

/*
 * The names (ids and branch labels) in an open-addressing table of
 * offsets of the graph's own strings: 16 bytes a name, where a dynahash
 * entry with the name copied in was over 100.
 */
typedef struct NameSlot
{
	uint32		name_at;		/* chars; GRAPH_NULL: empty slot */
	uint32		hash;			/* compared before the strings */
	int			rev;
	bool		is_label;
} NameSlot;

void
intlist_push(IntList *l, int x)
{
	if (l->n == l->cap)
	{
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = l->v ? repalloc(l->v, l->cap * sizeof(int)) : palloc(l->cap * sizeof(int));
	}
	l->v[l->n++] = x;
}

bool
intlist_contains(IntList *l, int x)
{
	int			i;

	for (i = 0; i < l->n; i++)
		if (l->v[i] == x)
			return true;
	return false;
}

/* "a, b, c", for messages: past 20 ids, "and N more" */
char *
graph_join_ids(Graph *g, const int *revs, int n)
{
	return util_join_some(graph_ids(g, revs, n), 20);
}

List *
graph_ids(Graph *g, const int *revs, int n)
{
	List	   *l = NIL;
	int			i;

	for (i = 0; i < n; i++)
		l = lappend(l, REV_ID(g, revs[i]));
	return l;
}

/* ---------- traversal ---------- */

void
graph_mark_start(Graph *g)
{
	if (g->mark == NULL)
	{
		g->mark = MemoryContextAllocZero(g->cxt, Max(g->n, 1) * sizeof(uint32));
		g->stack = MemoryContextAlloc(g->cxt, Max(g->n, 1) * sizeof(int) * 2);
	}
	if (++g->epoch == 0)
	{
		memset(g->mark, 0, g->n * sizeof(uint32));
		g->epoch = 1;
	}
}

static void
neighbours(Graph *g, int r, GraphDir dir, int **v, int *n)
{
	GraphRev   *rev = &g->revs[r];

	*v = NULL;
	*n = 0;
	switch (dir)
	{
		case ANC_DEPS:
			*v = GR_ND(g, rev);
			*n = rev->nnd;
			break;
		case ANC_NODEPS:
			*v = GR_DOWN(g, rev);
			*n = rev->ndown;
			break;
		case DESC_DEPS:
			*v = GR_NEXT(g, rev);
			*n = rev->nnext;
			break;
		case DESC_NODEPS:
			*v = GR_CHILDREN(g, rev);
			*n = rev->nchildren;
			break;
	}
}

/*
 * Depth-first from start with an explicit stack (deep chains must not
 * recurse), marking what it reaches at the current epoch; stops at the
 * first revision accepted, when accept is given.
 */
static inline bool
walk_from(Graph *g, int start, GraphDir dir,
		  bool (*accept) (int rev, void *arg), void *arg)
{
	int			top = 0;

	if (start < 0 || g->mark[start] == g->epoch)
		return false;
	g->mark[start] = g->epoch;
	g->stack[top++] = start;
	while (top > 0)
	{
		int			r = g->stack[--top];
		int		   *v;
		int			n;
		int			k;

		if ((++g->steps & 4095) == 0)
			CHECK_FOR_INTERRUPTS();
		if (accept && accept(r, arg))
			return true;
		neighbours(g, r, dir, &v, &n);
		for (k = 0; k < n; k++)
			if (g->mark[v[k]] != g->epoch)
			{
				g->mark[v[k]] = g->epoch;
				g->stack[top++] = v[k];
			}
	}
	return false;
}

/*
 * Mark everything reachable from the starts (inclusive) in g->mark at the
 * current epoch.  The normalized down list reaches the same set as down
 * plus every dependency, because a dropped dependency is an ancestor's.
 */
void
graph_reach(Graph *g, const int *starts, int nstarts, GraphDir dir)
{
	int			i;

	graph_mark_start(g);
	for (i = 0; i < nstarts; i++)
		(void) walk_from(g, starts[i], dir, NULL, NULL);
}

/*
 * Whether a revision reachable from start (inclusive) in direction dir is
 * accepted; the walk stops at the first one, so that a question whose
 * answer is usually close by does not cost a traversal of the graph.
 */
bool
graph_reaches_any(Graph *g, int start, GraphDir dir,
				  bool (*accept) (int rev, void *arg), void *arg)
{
	graph_mark_start(g);
	return walk_from(g, start, dir, accept, arg);
}

/* Reach into a fresh bool array that outlives the next traversal. */
bool *
graph_reach_set(Graph *g, const int *starts, int nstarts, GraphDir dir)
{
	bool	   *set = palloc0(Max(g->n, 1) * sizeof(bool));
	int			i;

	graph_reach(g, starts, nstarts, dir);
	for (i = 0; i < g->n; i++)
		set[i] = GRAPH_MARKED(g, i);
	return set;
}

/* ---------- sets of revisions ---------- */

RevSet *
revset_create(Graph *g)
{
	RevSet	   *s = palloc0(sizeof(RevSet));

	s->member = palloc0(Max(g->n, 1) * sizeof(bool));
	s->cxt = CurrentMemoryContext;
	return s;
}

void
revset_add(RevSet *s, int rev)
{
	if (s->member[rev])
		return;
	if (s->n == s->cap)
	{
		s->cap = s->cap ? s->cap * 2 : 8;
		/* the set outlives per-step contexts: grow it in its own */
		s->items = s->items ? repalloc(s->items, s->cap * sizeof(int))
			: MemoryContextAlloc(s->cxt, s->cap * sizeof(int));
	}
	s->items[s->n++] = rev;
	s->member[rev] = true;
}

void
revset_remove(RevSet *s, int rev)
{
	int			i;

	if (!s->member[rev])
		return;
	s->member[rev] = false;
	for (i = 0; i < s->n; i++)
		if (s->items[i] == rev)
		{
			memmove(&s->items[i], &s->items[i + 1], (s->n - i - 1) * sizeof(int));
			s->n--;
			return;
		}
}

RevSet *
revset_copy(Graph *g, RevSet *s)
{
	RevSet	   *c = revset_create(g);
	int			i;

	for (i = 0; i < s->n; i++)
		revset_add(c, s->items[i]);
	return c;
}

bool
revset_equal(RevSet *a, RevSet *b)
{
	int			i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (!b->member[a->items[i]])
			return false;
	return true;
}

static int
cmp_by_id(const void *a, const void *b, void *arg)
{
	Graph	   *g = arg;

	return strcmp(REV_ID(g, *(const int *) a), REV_ID(g, *(const int *) b));
}

/* Sort by id, the order of current() and of the version table. */
void
revset_sort(Graph *g, RevSet *s)
{
	if (s->n > 1)
		qsort_arg(s->items, s->n, sizeof(int), cmp_by_id, g);
}

List *
revset_ids(Graph *g, RevSet *s)
{
	List	   *out = NIL;
	int			i;

	for (i = 0; i < s->n; i++)
		out = lappend(out, REV_ID(g, s->items[i]));
	return out;
}

/* ---------- build ---------- */

/*
 * The per-revision int arrays (parents, dependencies, children, ...) are
 * cut from g->ints, sized up front by graph_build: offsets, so that the
 * image can be copied anywhere.
 */
static uint32
int_pool(Graph *g, int count, uint32 cap)
{
	uint32		at = g->nints;

	if ((uint64) at + count > cap)
		elog(ERROR, "revision graph outgrew its int array (%u + %d > %u)", at, count, cap);
	g->nints += count;
	return at;
}

static uint32
chars_add(Graph *g, const char *s)
{
	size_t		len = strlen(s) + 1;
	uint32		at = g->nchars;

	memcpy(g->chars + at, s, len);
	g->nchars += len;
	return at;
}

static uint32
name_hash(const char *name)
{
	return hash_bytes((const unsigned char *) name, strlen(name));
}

/* The slot of name, or the empty slot where it would go. */
static NameSlot *
name_slot(Graph *g, const char *name, uint32 hash)
{
	uint32		i = hash & (g->nslots - 1);

	while (g->slots[i].name_at != GRAPH_NULL &&
		   (g->slots[i].hash != hash || strcmp(g->chars + g->slots[i].name_at, name) != 0))
		i = (i + 1) & (g->nslots - 1);
	return &g->slots[i];
}

/* Enter the name at chars offset at, of that hash; *found if already there. */
static NameSlot *
name_enter(Graph *g, uint32 at, uint32 hash, bool *found)
{
	const char *name = g->chars + at;
	NameSlot   *e;

	if (strlen(name) > MIGRATE_ID_MAXLEN)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("revision graph holds an overlong name \"%.64s...\"", name),
				 errdetail("Ids and branch labels are at most 64 characters; the rows of migrate.revisions were changed outside migrate's functions."),
				 errhint("Correct the row in migrate.revisions.")));
	e = name_slot(g, name, hash);
	*found = e->name_at != GRAPH_NULL;
	e->name_at = at;
	e->hash = hash;
	return e;
}

static NameSlot *
name_find(Graph *g, const char *name)
{
	NameSlot   *e;

	if (g->nslots == 0 || strlen(name) > MIGRATE_ID_MAXLEN)
		return NULL;
	e = name_slot(g, name, name_hash(name));
	return e->name_at != GRAPH_NULL ? e : NULL;
}

int
graph_lookup(Graph *g, const char *name)
{
	NameSlot   *e = name_find(g, name);

	return e ? e->rev : -1;
}

bool
graph_is_label(Graph *g, const char *name)
{
	NameSlot   *e = name_find(g, name);

	return e && e->is_label;
}

/*
 * Revisions whose id or a label, longer than 3 characters, starts with
 * prefix (Alembic's candidates for a partial identifier), limited to the
 * revisions within marks when it is not NULL; their names in *names.
 */
void
graph_prefix_matches(Graph *g, const char *prefix, const bool *within,
					 IntList *revs, List **names)
{
	size_t		len = strlen(prefix);
	uint32		i;

	for (i = 0; i < g->nslots; i++)
	{
		NameSlot   *e = &g->slots[i];
		const char *name;

		if (e->name_at == GRAPH_NULL)
			continue;
		name = g->chars + e->name_at;
		if (strncmp(name, prefix, len) == 0 && strlen(name) > 3 &&
			(within == NULL || within[e->rev]))
		{
			intlist_push(revs, e->rev);
			*names = lappend(*names, (char *) name);
		}
	}
}

static void
broken_graph(const char *id, const char *what, const char *name)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("revision \"%s\" names unknown %s \"%s\"", id, what, name),
			 errdetail("The rows of migrate.revisions were changed outside migrate's functions."),
			 errhint("Register the missing revision, or fix the row of \"%s\".", id)));
}

/*
 * Kahn's algorithm over down revisions (and, when deps, dependencies); any
 * revision left over sits on or above a cycle: raised as an error if
 * raise, else reported by returning false.  Without a cycle, *order (if
 * asked for) is the order found, every revision after its parents and
 * dependencies.
 */
static bool
check_cycles(Graph *g, bool deps, bool raise, int **order)
{
	int		   *indeg = palloc0(Max(g->n, 1) * sizeof(int));
	int		   *queue = palloc(Max(g->n, 1) * sizeof(int));
	int			head = 0,
				tail = 0,
				i,
				k;

	for (i = 0; i < g->n; i++)
	{
		GraphRev   *rev = &g->revs[i];
		int		   *v = deps ? GR_NEXT(g, rev) : GR_CHILDREN(g, rev);
		int			n = deps ? rev->nnext : rev->nchildren;

		for (k = 0; k < n; k++)
			indeg[v[k]]++;
	}
	for (i = 0; i < g->n; i++)
		if (indeg[i] == 0)
			queue[tail++] = i;
	while (head < tail)
	{
		GraphRev   *rev = &g->revs[queue[head++]];
		int		   *v = deps ? GR_NEXT(g, rev) : GR_CHILDREN(g, rev);
		int			n = deps ? rev->nnext : rev->nchildren;

		for (k = 0; k < n; k++)
			if (--indeg[v[k]] == 0)
				queue[tail++] = v[k];
	}
	if (tail == g->n && order != NULL)
		*order = queue;
	else
		pfree(queue);
	if (tail < g->n && !raise)
		return false;
	if (tail < g->n)
	{
		IntList		left = {0};

		for (i = 0; i < g->n; i++)
			if (indeg[i] > 0)
				intlist_push(&left, i);
		ereport(ERROR,
				(errcode(MIGRATE_ERR_STATE),
				 errmsg(deps ? "revision graph has a dependency cycle" : "revision graph has a cycle"),
				 errdetail("These revisions are on or above the cycle: %s.",
						   graph_join_ids(g, left.v, left.n)),
				 errhint("Change the down revisions or depends_on of one of them with migrate.load().")));
	}
	pfree(indeg);
	return true;
}

/*
 * Alembic's _normalize_depends_on: a dependency that a proper ancestor
 * (through down revisions) also declares is implied, and dropped from
 * the revision's normalized list.  Marks such dependencies in implied[],
 * indexed like g->ints (deps_at + k).
 *
 * Only targets declared by two or more revisions can be implied.  They
 * are taken 64 at a time, in the order of their first declarer in a
 * topological order; for each batch one pass in that order over the
 * revisions between its first and its last declarer carries a bit mask
 * per revision of the batch's targets that its ancestors declare.  A
 * revision declaring a target whose bit it inherits has that dependency
 * implied.  That is O(V + E) per batch over the span the batch covers
 * (one batch for the usual graph), where walking each declarer's
 * ancestors was quadratic (16,000 revisions depending on one: 0.9 s).
 */
typedef struct DepTarget
{
	int			rev;			/* the revision depended on */
	int			lo;				/* topological positions of its first and */
	int			hi;				/* last declarer */
} DepTarget;

static int
cmp_target_lo(const void *a, const void *b)
{
	const DepTarget *x = a;
	const DepTarget *y = b;

	return (x->lo > y->lo) - (x->lo < y->lo);
}

static void
find_implied_deps(Graph *g, const int *topo, const int *declared, bool *implied)
{
	int			n = g->n;
	int		   *pos = palloc(Max(n, 1) * sizeof(int));
	int		   *bit = palloc(Max(n, 1) * sizeof(int));
	uint64	   *decl = palloc0(Max(n, 1) * sizeof(uint64));
	uint64	   *inh = palloc0(Max(n, 1) * sizeof(uint64));
	DepTarget  *targets;
	int			ntargets = 0,
				i,
				k,
				t;

	for (i = 0; i < n; i++)
	{
		pos[topo[i]] = i;
		bit[i] = -1;
	}
	targets = palloc(Max(n, 1) * sizeof(DepTarget));
	for (i = 0; i < n; i++)
		if (declared[i] > 1)
		{
			targets[ntargets].rev = i;
			targets[ntargets].lo = INT_MAX;
			targets[ntargets].hi = -1;
			bit[i] = ntargets++;
		}
	if (ntargets == 0)
	{
		pfree(pos);
		pfree(bit);
		pfree(decl);
		pfree(inh);
		pfree(targets);
		return;
	}
	for (i = 0; i < n; i++)
	{
		GraphRev   *rev = &g->revs[i];

		for (k = 0; k < rev->ndeps; k++)
		{
			int			d = bit[GR_DEPS(g, rev)[k]];

			if (d >= 0)
			{
				targets[d].lo = Min(targets[d].lo, pos[i]);
				targets[d].hi = Max(targets[d].hi, pos[i]);
			}
		}
	}
	qsort(targets, ntargets, sizeof(DepTarget), cmp_target_lo);

	for (t = 0; t < ntargets; t += 64)
	{
		int			m = Min(64, ntargets - t);
		int			lo = targets[t].lo;
		int			hi = -1;
		int			p;

		CHECK_FOR_INTERRUPTS();
		for (k = 0; k < m; k++)
		{
			bit[targets[t + k].rev] = k;
			hi = Max(hi, targets[t + k].hi);
		}
		/* what each revision of the span declares, as bits of this batch */
		for (p = lo; p <= hi; p++)
		{
			GraphRev   *rev = &g->revs[topo[p]];

			decl[topo[p]] = 0;
			inh[topo[p]] = 0;
			for (k = 0; k < rev->ndeps; k++)
			{
				int			d = GR_DEPS(g, rev)[k];

				if (bit[d] >= 0 && bit[d] < 64 && d == targets[t + bit[d]].rev)
					decl[topo[p]] |= UINT64CONST(1) << bit[d];
			}
		}
		/* parents come first: what the ancestors declare flows down */
		for (p = lo; p <= hi; p++)
		{
			int			r = topo[p];
			GraphRev   *rev = &g->revs[r];
			uint64		from = 0;

			if ((p & 1023) == 0)
				CHECK_FOR_INTERRUPTS();
			for (k = 0; k < rev->ndown; k++)
			{
				int			d = GR_DOWN(g, rev)[k];

				if (pos[d] >= lo)
					from |= inh[d] | decl[d];
			}
			inh[r] = from;
			if ((decl[r] & from) == 0)
				continue;
			for (k = 0; k < rev->ndeps; k++)
			{
				int			d = GR_DEPS(g, rev)[k];

				if (bit[d] >= 0 && bit[d] < 64 && d == targets[t + bit[d]].rev &&
					(from >> bit[d]) & 1)
					implied[rev->deps_at + k] = true;
			}
		}
		for (k = 0; k < m; k++)
			bit[targets[t + k].rev] = -1;
	}
	pfree(pos);
	pfree(bit);
	pfree(decl);
	pfree(inh);
	pfree(targets);
}

/*
 * The normalized down list of r: its down revisions, then its dependencies
 * that are neither implied nor already listed (a mark per revision: a
 * revision may list thousands of dependencies).
 */
static void
normalize_deps(Graph *g, int r, const bool *implied, uint32 cap)
{
	GraphRev   *rev = &g->revs[r];
	int			i,
				k;

	rev->nd_at = int_pool(g, rev->ndown + rev->ndeps, cap);
	rev->nnd = 0;
	for (i = 0; i < rev->ndown; i++)
		GR_ND(g, rev)[rev->nnd++] = GR_DOWN(g, rev)[i];
	if (rev->ndeps == 0)
		return;
	graph_mark_start(g);
	for (i = 0; i < rev->nnd; i++)
		g->mark[GR_ND(g, rev)[i]] = g->epoch;
	for (k = 0; k < rev->ndeps; k++)
	{
		int			d = GR_DEPS(g, rev)[k];

		if (implied[rev->deps_at + k] || g->mark[d] == g->epoch)
			continue;
		g->mark[d] = g->epoch;
		GR_ND(g, rev)[rev->nnd++] = d;
	}
}

/*
 * Build the graph from rows in registration order.  Resolves names,
 * computes children, heads and bases, normalized dependencies, and
 * refuses cycles.  O(V+E), plus a pass per 64 dependency targets declared
 * more than once (find_implied_deps).  The image (revs, chars, ints, slots) is four
 * arrays in the current memory context, each sized before it is filled.
 */
Graph *
graph_build(RevRow *rows, int n)
{
	Graph	   *g = palloc0(sizeof(Graph));
	int		   *topo = NULL;
	int		   *nchild,
			   *nnext;
	uint32	   *hashes;
	int			i,
				k,
				nnames;
	uint64		nchars = 0,
				edges_down = 0,
				edges_deps = 0,
				nlabels = 0,
				cap;

	for (i = 0; i < n; i++)
	{
		INTERRUPTIBLE(i);
		nchars += strlen(rows[i].id) + 1;
		if (rows[i].message)
			nchars += strlen(rows[i].message) + 1;
		for (k = 0; k < rows[i].nlabels; k++)
			nchars += strlen(rows[i].labels[k]) + 1;
		edges_down += rows[i].ndown;
		edges_deps += rows[i].ndeps;
		nlabels += rows[i].nlabels;
	}
	/* down, deps, children, next, nd, labels, heads, real heads, bases */
	cap = edges_down + edges_deps + edges_down + (edges_down + edges_deps) * 2 +
		nlabels + (uint64) n * 3;
	if (cap >= MaxAllocSize / sizeof(int) || nchars >= MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("revision graph is too large"),
				 errdetail("%d revisions with %llu edges and %llu bytes of ids, labels and messages.",
						   n, (unsigned long long) (edges_down + edges_deps),
						   (unsigned long long) nchars),
				 errhint("Shorten the messages of the revisions.")));

	g->n = n;
	g->revs = palloc0(Max(n, 1) * sizeof(GraphRev));
	g->chars = palloc(Max(nchars, 1));
	g->ints = palloc(Max(cap, 1) * sizeof(int));
	g->cxt = CurrentMemoryContext;

	/* at most half full: ids and labels */
	nnames = n + (int) nlabels;
	g->nslots = 16;
	while (g->nslots < (uint32) nnames * 2)
		g->nslots *= 2;
	g->slots = palloc(g->nslots * sizeof(NameSlot));
	memset(g->slots, 0xff, g->nslots * sizeof(NameSlot));	/* GRAPH_NULL */

	hashes = palloc(Max(n, 1) * sizeof(uint32));
	for (i = 0; i < n; i++)
		hashes[i] = name_hash(rows[i].id);
	for (i = 0; i < n; i++)
	{
		GraphRev   *rev = &g->revs[i];
		bool		found;
		NameSlot   *e;

		INTERRUPTIBLE(i);

		/* the table is larger than the caches: fetch slots ahead */
		if (i + 16 < n)
			__builtin_prefetch(&g->slots[hashes[i + 16] & (g->nslots - 1)], 1);
		rev->id_at = chars_add(g, rows[i].id);
		e = name_enter(g, rev->id_at, hashes[i], &found);
		if (found)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("revision \"%s\" is registered twice", rows[i].id),
					 errhint("Remove one of the rows from migrate.revisions.")));
		e->rev = i;
		e->is_label = false;
		rev->message_at = rows[i].message ? chars_add(g, rows[i].message) : GRAPH_NULL;
		rev->transactional = rows[i].transactional;
		rev->reversible = rows[i].reversible;
	}
	for (i = 0; i < n; i++)
	{
		GraphRev   *rev = &g->revs[i];

		INTERRUPTIBLE(i);
		rev->nlabels = rows[i].nlabels;
		rev->labels_at = int_pool(g, rev->nlabels, cap);
		for (k = 0; k < rows[i].nlabels; k++)
		{
			bool		found;
			uint32		at = chars_add(g, rows[i].labels[k]);
			NameSlot   *e = name_enter(g, at, name_hash(rows[i].labels[k]), &found);

			if (found)
				ereport(ERROR,
						(errcode(ERRCODE_DATA_CORRUPTED),
						 errmsg("branch label \"%s\" of revision \"%s\" is already used by revision \"%s\"",
								rows[i].labels[k], rows[i].id, REV_ID(g, e->rev)),
						 errdetail("The rows of migrate.revisions were changed outside migrate's functions."),
						 errhint("Remove the label from one of the two revisions.")));
			e->rev = i;
			e->is_label = true;
			g->ints[rev->labels_at + k] = (int) at;
		}
	}

	nchild = palloc0(Max(n, 1) * sizeof(int));
	nnext = palloc0(Max(n, 1) * sizeof(int));
	for (i = 0; i < n; i++)
	{
		GraphRev   *rev = &g->revs[i];

		INTERRUPTIBLE(i);
		rev->ndown = rows[i].ndown;
		rev->down_at = int_pool(g, rev->ndown, cap);
		for (k = 0; k < rev->ndown; k++)
		{
			NameSlot   *e;
			int			d;

			/*
			 * Mostly the revision registered just before: a comparison with
			 * a string still in cache, where the name table costs two misses
			 * (labels never equal an id).
			 */
			if (i > 0 && strcmp(rows[i].down[k], rows[i - 1].id) == 0)
				d = i - 1;
			else
			{
				e = name_find(g, rows[i].down[k]);
				if (e == NULL || e->is_label)
					broken_graph(rows[i].id, "down revision", rows[i].down[k]);
				d = e->rev;
			}
			GR_DOWN(g, rev)[k] = d;
			nchild[d]++;
			nnext[d]++;
		}
		rev->ndeps = rows[i].ndeps;
		rev->deps_at = int_pool(g, rev->ndeps, cap);
		for (k = 0; k < rev->ndeps; k++)
		{
			int			d = graph_lookup(g, rows[i].deps[k]);

			if (d < 0)
				broken_graph(rows[i].id, "dependency", rows[i].deps[k]);
			GR_DEPS(g, rev)[k] = d;
			nnext[d]++;
		}
	}
	for (i = 0; i < n; i++)
	{
		INTERRUPTIBLE(i);
		g->revs[i].children_at = int_pool(g, nchild[i], cap);
		g->revs[i].next_at = int_pool(g, nnext[i], cap);
	}
	for (i = 0; i < n; i++)
	{
		GraphRev   *rev = &g->revs[i];

		INTERRUPTIBLE(i);
		for (k = 0; k < rev->ndown; k++)
		{
			GraphRev   *d = &g->revs[GR_DOWN(g, rev)[k]];
			int		   *children = GR_CHILDREN(g, d);
			int		   *next = GR_NEXT(g, d);

			if (d->nchildren == 0 || children[d->nchildren - 1] != i)
				children[d->nchildren++] = i;
			if (d->nnext == 0 || next[d->nnext - 1] != i)
				next[d->nnext++] = i;
		}
		/* i's entries are the last ones of each list: duplicates are adjacent */
		for (k = 0; k < rev->ndeps; k++)
		{
			GraphRev   *d = &g->revs[GR_DEPS(g, rev)[k]];
			int		   *next = GR_NEXT(g, d);

			if (d->nnext == 0 || next[d->nnext - 1] != i)
				next[d->nnext++] = i;
		}
	}

	/*
	 * A cycle of down revisions is one of down and dependencies too.  The
	 * order Kahn's algorithm finds is topological: parents and
	 * dependencies before what builds on them.
	 */
	if (!check_cycles(g, true, false, &topo))
	{
		check_cycles(g, false, true, NULL);
		check_cycles(g, true, true, NULL);
	}

	{
		/* how many revisions declare each revision as a dependency */
		int		   *declared = palloc0(Max(n, 1) * sizeof(int));
		bool	   *implied = palloc0(Max(g->nints, 1) * sizeof(bool));

		for (i = 0; i < n; i++)
			for (k = 0; k < g->revs[i].ndeps; k++)
				declared[GR_DEPS(g, &g->revs[i])[k]]++;
		find_implied_deps(g, topo, declared, implied);
		for (i = 0; i < n; i++)
			normalize_deps(g, i, implied, cap);
		pfree(declared);
		pfree(implied);
		pfree(topo);
	}
	/* the graph's context keeps the graph: scratch goes now */
	pfree(hashes);
	pfree(nchild);
	pfree(nnext);

	g->heads_at = int_pool(g, n, cap);
	g->real_heads_at = int_pool(g, n, cap);
	g->bases_at = int_pool(g, n, cap);
	for (i = 0; i < n; i++)
	{
		INTERRUPTIBLE(i);
		if (g->revs[i].nchildren == 0)
			G_HEADS(g)[g->nheads++] = i;
		if (g->revs[i].nnext == 0)
			G_REAL_HEADS(g)[g->nreal_heads++] = i;
		if (g->revs[i].ndown == 0)
			G_BASES(g)[g->nbases++] = i;
	}
	return g;
}

/* ---------- images ---------- */

/*
 * A graph image is a header followed by the four arrays, each at a
 * MAXALIGNed offset from the header: it can be copied to any address (a
 * shared memory segment, cache.c) and read from there by graph_image_open.
 */
typedef struct GraphImage
{
	uint32		magic;
	uint32		rev_size;		/* layout checks against another build */
	uint32		slot_size;
	int			n;
	uint32		nslots;
	uint32		nints;
	uint32		nchars;
	int			nheads;
	int			nreal_heads;
	int			nbases;
	uint32		heads_at;
	uint32		real_heads_at;
	uint32		bases_at;
	Size		revs_off;
	Size		slots_off;
	Size		ints_off;
	Size		chars_off;
	Size		size;
} GraphImage;

/* change it with any change of the layout or meaning of an image */
#define GRAPH_IMAGE_MAGIC	0x4d475231	/* "MGR1" */

static void
image_layout(Graph *g, GraphImage *h)
{
	memset(h, 0, sizeof(GraphImage));
	h->magic = GRAPH_IMAGE_MAGIC;
	h->rev_size = sizeof(GraphRev);
	h->slot_size = sizeof(NameSlot);
	h->n = g->n;
	h->nslots = g->nslots;
	h->nints = g->nints;
	h->nchars = g->nchars;
	h->nheads = g->nheads;
	h->nreal_heads = g->nreal_heads;
	h->nbases = g->nbases;
	h->heads_at = g->heads_at;
	h->real_heads_at = g->real_heads_at;
	h->bases_at = g->bases_at;
	h->revs_off = MAXALIGN(sizeof(GraphImage));
	h->slots_off = h->revs_off + MAXALIGN((Size) g->n * sizeof(GraphRev));
	h->ints_off = h->slots_off + MAXALIGN((Size) g->nslots * sizeof(NameSlot));
	h->chars_off = h->ints_off + MAXALIGN((Size) g->nints * sizeof(int));
	h->size = h->chars_off + MAXALIGN(g->nchars);
}

Size
graph_image_size(Graph *g)
{
	GraphImage	h;

	image_layout(g, &h);
	return h.size;
}

/* Write g's image to dst, which has graph_image_size(g) bytes. */
void
graph_image_write(Graph *g, char *dst)
{
	GraphImage	h;

	image_layout(g, &h);
	memcpy(dst, &h, sizeof(GraphImage));
	memcpy(dst + h.revs_off, g->revs, (Size) g->n * sizeof(GraphRev));
	memcpy(dst + h.slots_off, g->slots, (Size) g->nslots * sizeof(NameSlot));
	memcpy(dst + h.ints_off, g->ints, (Size) g->nints * sizeof(int));
	memcpy(dst + h.chars_off, g->chars, g->nchars);
}

/*
 * A graph reading the image at src, which must outlive it; the scratch
 * arrays for traversals are this backend's own, in the current context.
 * NULL if src holds no image of this build of migrate.
 */
Graph *
graph_image_open(char *src, Size size)
{
	GraphImage *h = (GraphImage *) src;
	Graph	   *g;

	if (size < sizeof(GraphImage) || h->magic != GRAPH_IMAGE_MAGIC ||
		h->rev_size != sizeof(GraphRev) || h->slot_size != sizeof(NameSlot) || h->size != size)
		return NULL;
	g = palloc0(sizeof(Graph));
	g->n = h->n;
	g->nslots = h->nslots;
	g->nints = h->nints;
	g->nchars = h->nchars;
	g->nheads = h->nheads;
	g->nreal_heads = h->nreal_heads;
	g->nbases = h->nbases;
	g->heads_at = h->heads_at;
	g->real_heads_at = h->real_heads_at;
	g->bases_at = h->bases_at;
	g->revs = (GraphRev *) (src + h->revs_off);
	g->slots = (NameSlot *) (src + h->slots_off);
	g->ints = (int *) (src + h->ints_off);
	g->chars = src + h->chars_off;
	g->cxt = CurrentMemoryContext;
	return g;
}
