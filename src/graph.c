/*
 * graph.c
 *		The revision DAG: build and validate it, resolve targets, plan
 *		upgrades, downgrades and stamps, and track the version table as
 *		each step runs.
 *
 * Semantics follow Alembic's RevisionMap rule by rule (see
 * ALEMBIC-SEMANTICS.md in the shared folder and README.md for deliberate
 * differences).  Revisions are addressed by their index, which is also
 * their registration order, the role Alembic's file load order plays.
 * Everything here is in-memory work on palloc'd arrays; no SPI.
 */
#include "migrate.h"

#include "common/hashfn.h"
#include "lib/stringinfo.h"
#include "utils/memutils.h"

#define WALK_NOTHING	(-1)	/* start a walk from "nothing" */
#define WALK_BASE		(-2)	/* the walk went below the roots */
#define WALK_FAIL		(-3)	/* the walk ran off the graph */

typedef enum Dir
{
	ANC_DEPS,					/* ancestors through down and depends_on */
	ANC_NODEPS,					/* ancestors through down only */
	DESC_DEPS,					/* descendants through children and dependents */
	DESC_NODEPS					/* descendants through children only */
} Dir;

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

/* A growable list of revision indexes. */
typedef struct IntList
{
	int			n;
	int			cap;
	int		   *v;
} IntList;

static void
il_push(IntList *l, int x)
{
	if (l->n == l->cap)
	{
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = l->v ? repalloc(l->v, l->cap * sizeof(int)) : palloc(l->cap * sizeof(int));
	}
	l->v[l->n++] = x;
}

static bool
il_contains(IntList *l, int x)
{
	int			i;

	for (i = 0; i < l->n; i++)
		if (l->v[i] == x)
			return true;
	return false;
}

static char *
join_ids(Graph *g, const int *revs, int n)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < n; i++)
		appendStringInfo(&buf, "%s%s", i ? ", " : "", REV_ID(g, revs[i]));
	return buf.data;
}

/* ---------- traversal ---------- */

static void
mark_start(Graph *g)
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
neighbours(Graph *g, int r, Dir dir, int **v, int *n)
{
	GraphRev   *rev = &g->revs[r];

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
 * Mark everything reachable from the starts (inclusive) in g->mark at the
 * current epoch.  Depth-first with an explicit stack: deep chains must not
 * recurse.  The normalized down list reaches the same set as down plus
 * every dependency, because a dropped dependency is an ancestor's.
 */
static void
reach(Graph *g, const int *starts, int nstarts, Dir dir)
{
	int			top = 0;
	int			i;

	mark_start(g);
	for (i = 0; i < nstarts; i++)
	{
		if (starts[i] < 0 || g->mark[starts[i]] == g->epoch)
			continue;
		g->mark[starts[i]] = g->epoch;
		g->stack[top++] = starts[i];
		while (top > 0)
		{
			int			r = g->stack[--top];
			int		   *v;
			int			n;
			int			k;

			neighbours(g, r, dir, &v, &n);
			for (k = 0; k < n; k++)
				if (g->mark[v[k]] != g->epoch)
				{
					g->mark[v[k]] = g->epoch;
					g->stack[top++] = v[k];
				}
		}
	}
}

#define MARKED(g, r) ((g)->mark[(r)] == (g)->epoch)

/* Reach into a fresh bool array that outlives the next traversal. */
static bool *
reach_set(Graph *g, const int *starts, int nstarts, Dir dir)
{
	bool	   *set = palloc0(Max(g->n, 1) * sizeof(bool));
	int			i;

	reach(g, starts, nstarts, dir);
	for (i = 0; i < g->n; i++)
		set[i] = MARKED(g, i);
	return set;
}

/*
 * Alembic's _shares_lineage: is "of" an ancestor or a descendant of rev
 * (or rev itself)?
 */
static bool
shares_lineage(Graph *g, int rev, int of, bool deps)
{
	reach(g, &rev, 1, deps ? ANC_DEPS : ANC_NODEPS);
	if (MARKED(g, of))
		return true;
	reach(g, &rev, 1, deps ? DESC_DEPS : DESC_NODEPS);
	return MARKED(g, of);
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
 * raise, else reported by returning false.
 */
static bool
check_cycles(Graph *g, bool deps, bool raise)
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
	pfree(queue);
	if (tail < g->n && !raise)
		return false;
	if (tail < g->n)
	{
		IntList		left = {0};

		for (i = 0; i < g->n; i++)
			if (indeg[i] > 0)
				il_push(&left, i);
		ereport(ERROR,
				(errcode(MIGRATE_ERR_STATE),
				 errmsg(deps ? "revision graph has a dependency cycle" : "revision graph has a cycle"),
				 errdetail("These revisions are on or above the cycle: %s.",
						   join_ids(g, left.v, left.n)),
				 errhint("Change the down revisions or depends_on of one of them with migrate.load().")));
	}
	pfree(indeg);
	return true;
}

/*
 * Alembic's _normalize_depends_on: drop a dependency that an ancestor
 * (through down revisions) already declares.  Only dependencies declared
 * more than once need the ancestor walk, which keeps the build O(V+E) for
 * the usual graph.
 */
static void
normalize_deps(Graph *g, int r, const int *declared, uint32 cap)
{
	GraphRev   *rev = &g->revs[r];
	IntList		keep = {0};
	bool	   *dropped;
	int			i,
				k;

	rev->nd_at = int_pool(g, rev->ndown + rev->ndeps, cap);
	rev->nnd = 0;
	for (i = 0; i < rev->ndown; i++)
		GR_ND(g, rev)[rev->nnd++] = GR_DOWN(g, rev)[i];
	if (rev->ndeps == 0)
		return;

	dropped = palloc0(rev->ndeps * sizeof(bool));
	/* only a dependency declared by another revision too can be implied */
	for (k = 0; k < rev->ndeps; k++)
		if (declared[GR_DEPS(g, rev)[k]] > 1)
			break;
	if (k == rev->ndeps)
	{
		for (k = 0; k < rev->ndeps; k++)
			il_push(&keep, GR_DEPS(g, rev)[k]);
		goto append;
	}
	reach(g, &r, 1, ANC_NODEPS);
	for (i = 0; i < g->n; i++)
	{
		GraphRev   *a = &g->revs[i];
		int			m;

		if (i == r || !MARKED(g, i) || a->ndeps == 0)
			continue;
		for (k = 0; k < rev->ndeps; k++)
			for (m = 0; m < a->ndeps; m++)
				if (GR_DEPS(g, a)[m] == GR_DEPS(g, rev)[k])
					dropped[k] = true;
	}
	for (k = 0; k < rev->ndeps; k++)
		if (!dropped[k])
			il_push(&keep, GR_DEPS(g, rev)[k]);
append:
	for (k = 0; k < keep.n; k++)
	{
		bool		dup = false;

		for (i = 0; i < rev->nnd; i++)
			dup |= GR_ND(g, rev)[i] == keep.v[k];
		if (!dup)
			GR_ND(g, rev)[rev->nnd++] = keep.v[k];
	}
}

/*
 * Build the graph from rows in registration order.  Resolves names,
 * computes children, heads and bases, normalized dependencies, and
 * refuses cycles.  O(V+E) apart from the normalization of revisions that
 * declare dependencies.  The image (revs, chars, ints, slots) is four
 * arrays in the current memory context, each sized before it is filled.
 */
Graph *
graph_build(RevRow *rows, int n)
{
	Graph	   *g = palloc0(sizeof(Graph));
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
		g->revs[i].children_at = int_pool(g, nchild[i], cap);
		g->revs[i].next_at = int_pool(g, nnext[i], cap);
	}
	for (i = 0; i < n; i++)
	{
		GraphRev   *rev = &g->revs[i];

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
		for (k = 0; k < rev->ndeps; k++)
		{
			GraphRev   *d = &g->revs[GR_DEPS(g, rev)[k]];
			int		   *next = GR_NEXT(g, d);
			int			m;
			bool		dup = false;

			for (m = 0; m < d->nnext; m++)
				dup |= next[m] == i;
			if (!dup)
				next[d->nnext++] = i;
		}
	}

	/* a cycle of down revisions is one of down and dependencies too */
	if (!check_cycles(g, true, false))
	{
		check_cycles(g, false, true);
		check_cycles(g, true, true);
	}

	{
		/* how many revisions declare each revision as a dependency */
		int		   *declared = palloc0(Max(n, 1) * sizeof(int));

		for (i = 0; i < n; i++)
			for (k = 0; k < g->revs[i].ndeps; k++)
				declared[GR_DEPS(g, &g->revs[i])[k]]++;
		for (i = 0; i < n; i++)
			normalize_deps(g, i, declared, cap);
		pfree(declared);
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
		if (g->revs[i].nchildren == 0)
			G_HEADS(g)[g->nheads++] = i;
		if (g->revs[i].nnext == 0)
			G_REAL_HEADS(g)[g->nreal_heads++] = i;
		if (g->revs[i].ndown == 0)
			G_BASES(g)[g->nbases++] = i;
	}
	return g;
}

/* ---------- resolving names ---------- */

static void
unknown_revision(const char *name)
{
	ereport(ERROR,
			(errcode(MIGRATE_ERR_UNKNOWN),
			 errmsg("revision \"%s\" does not exist", name),
			 strlen(name) < 4 ?
			 errdetail("Ids and labels of 3 characters or fewer match only exactly; a prefix needs at least 4.") : 0,
			 errhint("Call migrate.history() to list the known revisions.")));
}

/*
 * Alembic's _revision_for_ident: an exact id or label wins; otherwise
 * ids and labels longer than 3 characters starting with the text are
 * candidates (filtered to the branch when one is given).  With a branch,
 * the revision must share its lineage.
 */
static int
cmp_names(const ListCell *a, const ListCell *b)
{
	return strcmp((const char *) lfirst(a), (const char *) lfirst(b));
}

static int
resolve_ident(Graph *g, const char *name, int branch, const char *branch_name)
{
	int			r = graph_lookup(g, name);

	if (r < 0)
	{
		IntList		cand = {0};
		List	   *names = NIL;
		uint32		i;
		size_t		len = strlen(name);

		for (i = 0; i < g->nslots; i++)
		{
			NameSlot   *e = &g->slots[i];

			if (e->name_at != GRAPH_NULL &&
				strlen(g->chars + e->name_at) > 3 &&
				strncmp(g->chars + e->name_at, name, len) == 0 &&
				(branch < 0 || shares_lineage(g, e->rev, branch, false)))
			{
				il_push(&cand, e->rev);
				names = lappend(names, g->chars + e->name_at);
			}
		}
		if (cand.n == 0)
			unknown_revision(name);
		if (cand.n > 1)
		{
			/* the table's order depends on hashes: list them sorted */
			list_sort(names, cmp_names);
			ereport(ERROR,
					(errcode(ERRCODE_AMBIGUOUS_PARAMETER),
					 errmsg("revision prefix \"%s\" is ambiguous", name),
					 errdetail("Candidates: %s.", migrate_join(names)),
					 errhint("Give more characters of the revision id.")));
		}
		r = cand.v[0];
	}
	if (branch >= 0 && !shares_lineage(g, r, branch, false))
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
			 errdetail("The heads are %s.", join_ids(g, heads->v, heads->n)),
			 errhint("Specify a revision, \"<branchname>@head\" to narrow to a specific head, or \"heads\" for all heads.")));
}

static void
filter_lineage(Graph *g, const int *revs, int n, int branch, bool deps, IntList *out)
{
	int			i;

	for (i = 0; i < n; i++)
		if (branch < 0 || shares_lineage(g, revs[i], branch, deps))
			il_push(out, revs[i]);
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
					il_push(out, G_REAL_HEADS(g)[i]);
			}
			break;
		case TARGET_HEAD:
			{
				IntList		heads = {0};

				filter_lineage(g, G_HEADS(g), g->nheads, branch, false, &heads);
				if (heads.n > 1)
					multiple_heads(g, &heads, label ? psprintf("%s@head", label) : "head");
				if (heads.n == 1)
					il_push(out, heads.v[0]);
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
					il_push(out, version->items[i]);
			}
			break;
		case TARGET_REV:
			il_push(out, resolve_ident(g, span(spec->rev, spec->rev_len), branch, label));
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
graph_resolve_one(Graph *g, const char *text, const char *what)
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
					   choices->n, join_ids(g, choices->v, choices->n)),
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

	for (i = 0; i < abs(steps); i++)
	{
		IntList		choices = {0};

		if (steps > 0)
		{
			if (cur == WALK_BASE)
				return WALK_FAIL;
			if (cur == WALK_NOTHING)
				filter_lineage(g, G_BASES(g), g->nbases, branch, false, &choices);
			else
				filter_lineage(g, GR_CHILDREN(g, &g->revs[cur]), g->revs[cur].nchildren,
							   branch, false, &choices);
		}
		else
		{
			if (cur == WALK_BASE)
				return WALK_FAIL;
			if (cur == WALK_NOTHING)
			{
				int			k;

				for (k = 0; k < g->nheads; k++)
					il_push(&choices, G_HEADS(g)[k]);
			}
			else
			{
				int			k;

				for (k = 0; k < g->revs[cur].ndown; k++)
					il_push(&choices, GR_DOWN(g, &g->revs[cur])[k]);
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

typedef struct TopoHead
{
	int			rev;
	uint64	   *anc;			/* ancestors within todo, by local index */
} TopoHead;

static void
topo_ancestors(Graph *g, int rev, const int *local, uint64 *bits, int words)
{
	int			top = 0;

	memset(bits, 0, words * sizeof(uint64));
	mark_start(g);
	g->mark[rev] = g->epoch;
	g->stack[top++] = rev;
	while (top > 0)
	{
		int			r = g->stack[--top];
		GraphRev   *v = &g->revs[r];
		int			k;

		bits[local[r] / 64] |= UINT64CONST(1) << (local[r] % 64);
		for (k = 0; k < v->nnd; k++)
		{
			int			d = GR_ND(g, v)[k];

			if (local[d] >= 0 && g->mark[d] != g->epoch)
			{
				g->mark[d] = g->epoch;
				g->stack[top++] = d;
			}
		}
	}
}

/*
 * Order the todo set so that every revision precedes its ancestors (the
 * downgrade order; upgrades run it reversed), exactly as Alembic's
 * _topological_sort does: walk down from the heads in registration
 * order, and before emitting a revision that another pending head still
 * needs, switch to that head.  Traversals stay inside todo, which holds
 * every path between its members (todo is closed between the heads and
 * what lies below them), so membership answers equal Alembic's.
 */
static int *
toposort(Graph *g, const bool *todo, const int *heads_in, int nheads_in, int *nout)
{
	int		   *local = palloc(Max(g->n, 1) * sizeof(int));
	int			m = 0,
				words,
				i,
				nheads = 0,
				idx = 0;
	bool	   *in_heads = palloc0(Max(g->n, 1) * sizeof(bool));
	bool	   *emitted = palloc0(Max(g->n, 1) * sizeof(bool));
	TopoHead   *heads;
	int		   *out;
	int			n = 0;
	int		   *sorted;

	for (i = 0; i < g->n; i++)
		local[i] = todo[i] ? m++ : -1;
	out = palloc(Max(m, 1) * sizeof(int));
	words = Max((m + 63) / 64, 1);
	heads = palloc((m + 1) * sizeof(TopoHead));

	/* heads in todo, deduplicated, in registration order */
	sorted = palloc(Max(nheads_in, 1) * sizeof(int));
	memcpy(sorted, heads_in, nheads_in * sizeof(int));
	qsort(sorted, nheads_in, sizeof(int), cmp_int);
	for (i = 0; i < nheads_in; i++)
		if (todo[sorted[i]] && !in_heads[sorted[i]])
		{
			heads[nheads].rev = sorted[i];
			heads[nheads].anc = palloc(words * sizeof(uint64));
			topo_ancestors(g, sorted[i], local, heads[nheads].anc, words);
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

		for (j = 0; j < nheads; j++)
			if (j != idx && (heads[j].anc[lc / 64] >> (lc % 64)) & 1)
				break;
		if (j < nheads)
		{
			idx = j;
			continue;
		}

		out[n++] = c;
		emitted[c] = true;
		rev = &g->revs[c];
		for (j = 0; j < rev->nnd; j++)
		{
			int			d = GR_ND(g, rev)[j];

			if (todo[d] && !emitted[d] && !in_heads[d] && !il_contains(&add, d))
				il_push(&add, d);
		}
		in_heads[c] = false;
		if (add.n == 0)
		{
			pfree(heads[idx].anc);
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
			heads[idx].anc[lc / 64] &= ~(UINT64CONST(1) << (lc % 64));
		}
		else
			topo_ancestors(g, add.v[0], local, heads[idx].anc, words);
		for (j = 1; j < add.n; j++)
		{
			heads[nheads].rev = add.v[j];
			heads[nheads].anc = palloc(words * sizeof(uint64));
			topo_ancestors(g, add.v[j], local, heads[nheads].anc, words);
			in_heads[add.v[j]] = true;
			nheads++;
		}
	}
	if (n != m)
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
graph_check_version(Graph *g, List *version, RevSet *out)
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
graph_applied(Graph *g, RevSet *version)
{
	return reach_set(g, version->items, version->n, ANC_DEPS);
}

/*
 * Ancestors (inclusive) of every version row except those in skip:
 * marked at the current epoch.
 */
static void
reach_others(Graph *g, RevSet *version, const int *skip, int nskip)
{
	IntList		others = {0};
	int			i,
				k;

	for (i = 0; i < version->n; i++)
	{
		bool		skipped = false;

		for (k = 0; k < nskip; k++)
			skipped |= version->items[i] == skip[k];
		if (!skipped)
			il_push(&others, version->items[i]);
	}
	reach(g, others.v, others.n, ANC_DEPS);
}

/*
 * Update the version set for one executed step, as Alembic's
 * HeadMaintainer does: an upgrade replaces the down revisions it builds
 * on (merging them) or starts a new row; a downgrade puts back those of
 * its down revisions that no other row implies.
 */
void
graph_apply_step(Graph *g, RevSet *version, PlanStep *step)
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
			reach_others(g, version, GR_ND(g, rev), rev->nnd);
			for (k = 0; k < rev->nnd; k++)
				if (!MARKED(g, GR_ND(g, rev)[k]))
					revset_remove(version, GR_ND(g, rev)[k]);
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
		reach_others(g, version, &step->rev, 1);
		for (k = 0; k < rev->nnd; k++)
			if (!MARKED(g, GR_ND(g, rev)[k]))
				il_push(&put, GR_ND(g, rev)[k]);
		revset_remove(version, step->rev);
		for (k = 0; k < put.n; k++)
		{
			int			m;
			bool		implied = false;

			/* a parent below another parent needs no row (Alembic 1.19) */
			for (m = 0; m < put.n && !implied; m++)
				if (m != k)
				{
					reach(g, GR_ND(g, &g->revs[put.v[m]]), g->revs[put.v[m]].nnd, ANC_DEPS);
					implied = MARKED(g, put.v[k]);
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
				il_push(&start, version->items[i]);
		}
		else
		{
			filter_lineage(g, version->items, version->n, branch, false, &start);
			if (start.n == 0 && version->n > 0)
			{
				/* the branch has no row: start from its highest applied revision */
				bool	   *active = reach_set(g, version->items, version->n, ANC_DEPS);
				bool	   *below = palloc0(g->n * sizeof(bool));
				IntList		on = {0};
				int			i,
							k;

				for (i = 0; i < g->n; i++)
					if (active[i] && shares_lineage(g, i, branch, false))
						il_push(&on, i);
				for (i = 0; i < on.n; i++)
					for (k = 0; k < g->revs[on.v[i]].nnd; k++)
						below[GR_ND(g, &g->revs[on.v[i]])[k]] = true;
				for (i = 0; i < on.n; i++)
					if (!below[on.v[i]])
						il_push(&start, on.v[i]);
			}
		}
		if (start.n == 0)
			il_push(&start, WALK_NOTHING);
		if (start.n > 1)
			ereport(ERROR,
					(errcode(MIGRATE_ERR_STATE),
					 errmsg("ambiguous upgrade from multiple current revisions"),
					 errdetail("The current revisions are %s.", join_ids(g, start.v, start.n)),
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
		il_push(out, r);
}

/* Version rows that imply one another break Alembic's upgrade too. */
static void
check_overlap(Graph *g, RevSet *version)
{
	int			i,
				k;

	if (version->n < 2)
		return;
	for (i = 0; i < version->n; i++)
	{
		reach(g, &version->items[i], 1, ANC_DEPS);
		for (k = 0; k < version->n; k++)
			if (k != i && MARKED(g, version->items[k]))
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
graph_plan_upgrade(Graph *g, RevSet *version, const char *target)
{
	IntList		targets = {0};
	bool	   *need;
	int			i,
				n;
	int		   *order;

	refuse_range(target);
	check_overlap(g, version);
	upgrade_targets(g, version, target, &targets);
	need = reach_set(g, targets.v, targets.n, ANC_DEPS);
	reach(g, version->items, version->n, ANC_DEPS);
	for (i = 0; i < g->n; i++)
		if (MARKED(g, i))
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
graph_plan_downgrade(Graph *g, RevSet *version, const char *text)
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
					bool	   *all = reach_set(g, version->items, version->n, ANC_DEPS);
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
								il_push(&tips, i);
						}
					filter_lineage(g, tips.v, tips.n, b, false, &on);
				}
				if (on.n != 1)
					ereport(ERROR,
							(errcode(MIGRATE_ERR_STATE),
							 errmsg("branch \"%s\" has %d applied heads", label, on.n),
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
							 errdetail("The applied heads are %s.", join_ids(g, version->items, version->n)),
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
			il_push(&roots, G_BASES(g)[i]);
	}
	else
		for (i = 0; i < g->revs[target].nchildren; i++)
			il_push(&roots, GR_CHILDREN(g, &g->revs[target])[i]);

	branch = label ? resolve_branch(g, label) : -1;
	if (branch >= 0 && roots.n > 1)
	{
		IntList		kept = {0};

		reach(g, &branch, 1, ANC_NODEPS);
		for (i = 0; i < roots.n; i++)
			if (MARKED(g, roots.v[i]))
				il_push(&kept, roots.v[i]);
		if (kept.n == 0)
			not_downgrade_target(text);
		roots = kept;
	}

	drop = reach_set(g, roots.v, roots.n, DESC_DEPS);
	active = reach_set(g, version->items, version->n, ANC_DEPS);
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

/*
 * stamp (Alembic's _stamp_revs): each destination replaces the version
 * rows in its lineage, or adds a row when none is; "base" removes them.
 */
void
graph_stamp(Graph *g, RevSet *version, List *targets)
{
	IntList		filtered = {0};
	IntList		dests = {0};
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
				il_push(&dests, r);
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
			il_push(&shares, resolve_branch(g, span(spec.label, spec.label_len)));
		if (spec.kind != TARGET_BASE)
			get_revisions(g, &spec, NULL, &shares);
		for (i = 0; i < version->n; i++)
		{
			int			h = version->items[i];
			bool		shared = shares.n == 0;

			for (k = 0; k < shares.n && !shared; k++)
				shared = shares_lineage(g, h, shares.v[k], true);
			if (shared && !il_contains(&filtered, h))
				il_push(&filtered, h);
		}
		get_revisions(g, &spec, NULL, &dests);
	}

	if (dests.n == 0)
	{
		for (i = 0; i < filtered.n; i++)
			revset_remove(version, filtered.v[i]);
		return;
	}
	for (i = 0; i < dests.n; i++)
	{
		int			d = dests.v[i];
		bool		related = false;

		if (il_contains(&filtered, d))
			continue;
		reach(g, &d, 1, DESC_DEPS);
		for (k = 0; k < filtered.n; k++)
			related |= MARKED(g, filtered.v[k]);
		if (!related)
		{
			reach(g, &d, 1, ANC_DEPS);
			for (k = 0; k < filtered.n; k++)
				related |= MARKED(g, filtered.v[k]);
		}
		if (related)
			for (k = 0; k < filtered.n; k++)
				revset_remove(version, filtered.v[k]);
		revset_add(version, d);
	}
}

/*
 * history(range): newest first in the downgrade order.  "a:b" runs from b
 * down to a, both inclusive; a must be an ancestor of b.
 */
StepPlan *
graph_history(Graph *g, RevSet *version, const char *range)
{
	IntList		upper = {0};
	IntList		lower = {0};
	bool	   *need;
	int			i,
				n;
	int		   *order;

	if (range == NULL || range[0] == '\0')
	{
		for (i = 0; i < g->nreal_heads; i++)
			il_push(&upper, G_REAL_HEADS(g)[i]);
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
		else if (err)
			ereport(ERROR,
					(errcode(MIGRATE_ERR_BAD_ARGUMENT),
					 errmsg("invalid history range \"%s\"", range),
					 errdetail("%c%s.", pg_toupper((unsigned char) err[0]), err + 1),
					 errhint("Write \"a:b\", \"a:\" or \":b\".")));
		else
			hi = pstrdup(range);

		if (hi[0] == '\0')
			for (i = 0; i < g->nreal_heads; i++)
				il_push(&upper, G_REAL_HEADS(g)[i]);
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

	need = reach_set(g, upper.v, upper.n, ANC_DEPS);
	for (i = 0; i < lower.n; i++)
		if (!need[lower.v[i]])
			ereport(ERROR,
					(errcode(MIGRATE_ERR_BAD_ARGUMENT),
					 errmsg("revision \"%s\" is not an ancestor of the upper end of range \"%s\"",
							REV_ID(g, lower.v[i]), range),
					 errhint("Put the older revision before the colon.")));
	if (lower.n > 0)
	{
		reach(g, lower.v, lower.n, ANC_DEPS);
		for (i = 0; i < g->n; i++)
			if (MARKED(g, i))
				need[i] = false;
		for (i = 0; i < lower.n; i++)
			need[lower.v[i]] = true;
		reach(g, lower.v, lower.n, DESC_NODEPS);
		for (i = 0; i < g->n; i++)
			if (!MARKED(g, i))
				need[i] = false;
	}
	order = toposort(g, need, upper.v, upper.n, &n);
	return make_plan(order, n, false);
}

/*
 * The parent of a new revision registered without down revisions: the
 * single head (or the head named by "label@head"), nothing for "base" or
 * an empty graph.  Returns -1 for a root.
 */
int
graph_new_parent(Graph *g, const char *head)
{
	if (head == NULL)
	{
		IntList		heads = {0};
		int			i;

		for (i = 0; i < g->nheads; i++)
			il_push(&heads, G_HEADS(g)[i]);
		if (heads.n > 1)
			ereport(ERROR,
					(errcode(MIGRATE_ERR_STATE),
					 errmsg("multiple head revisions are present"),
					 errdetail("The heads are %s.", join_ids(g, heads.v, heads.n)),
					 errhint("Pass head => '<label>@head' or a head's id, down_revision => ARRAY[...], or merge the heads with migrate.merge().")));
		return heads.n ? heads.v[0] : -1;
	}
	else
	{
		int			r = graph_resolve_one(g, head, "head");

		/* like alembic revision --head without --splice */
		if (r >= 0 && g->revs[r].nchildren > 0)
			ereport(ERROR,
					(errcode(MIGRATE_ERR_STATE),
					 errmsg("revision \"%s\" is not a head revision", REV_ID(g, r)),
					 errdetail("Revisions already build on it: %s.",
							   join_ids(g, GR_CHILDREN(g, &g->revs[r]), g->revs[r].nchildren)),
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
graph_check_step(Graph *g, RevSet *version, PlanStep *step)
{
	GraphRev   *rev = &g->revs[step->rev];
	bool	   *applied = graph_applied(g, version);
	int			k;

	if (step->upgrade)
	{
		if (applied[step->rev])
			ereport(ERROR,
					(errcode(MIGRATE_ERR_STATE),
					 errmsg("revision \"%s\" is already applied", GR_ID(g, rev)),
					 errdetail("The version table is now: %s.",
							   version->n ? migrate_join(revset_ids(g, version)) : "empty"),
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

/* ---------- images ---------- */

/*
 * A graph image is a header followed by the four arrays, each at a
 * MAXALIGNed offset from the header: it can be copied to any address (a
 * shared memory segment, store.c) and read from there by graph_image_open.
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
