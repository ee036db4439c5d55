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

#include "common/hashfn.h"
#include "lib/stringinfo.h"
#include "utils/memutils.h"

#include "graph.h"
#include "migrate.h"
#include "target.h"

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

/* "a, b, c" */
char *
graph_join_ids(Graph *g, const int *revs, int n)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < n; i++)
		appendStringInfo(&buf, "%s%s", i ? ", " : "", REV_ID(g, revs[i]));
	return buf.data;
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
 * Mark everything reachable from the starts (inclusive) in g->mark at the
 * current epoch.  Depth-first with an explicit stack: deep chains must not
 * recurse.  The normalized down list reaches the same set as down plus
 * every dependency, because a dropped dependency is an ancestor's.
 */
void
graph_reach(Graph *g, const int *starts, int nstarts, GraphDir dir)
{
	int			top = 0;
	int			i;

	graph_mark_start(g);
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

/*
 * Alembic's _shares_lineage: is "of" an ancestor or a descendant of rev
 * (or rev itself)?
 */
bool
graph_shares_lineage(Graph *g, int rev, int of, bool deps)
{
	graph_reach(g, &rev, 1, deps ? ANC_DEPS : ANC_NODEPS);
	if (GRAPH_MARKED(g, of))
		return true;
	graph_reach(g, &rev, 1, deps ? DESC_DEPS : DESC_NODEPS);
	return GRAPH_MARKED(g, of);
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
			intlist_push(&keep, GR_DEPS(g, rev)[k]);
		goto append;
	}
	graph_reach(g, &r, 1, ANC_NODEPS);
	for (i = 0; i < g->n; i++)
	{
		GraphRev   *a = &g->revs[i];
		int			m;

		if (i == r || !GRAPH_MARKED(g, i) || a->ndeps == 0)
			continue;
		for (k = 0; k < rev->ndeps; k++)
			for (m = 0; m < a->ndeps; m++)
				if (GR_DEPS(g, a)[m] == GR_DEPS(g, rev)[k])
					dropped[k] = true;
	}
	for (k = 0; k < rev->ndeps; k++)
		if (!dropped[k])
			intlist_push(&keep, GR_DEPS(g, rev)[k]);
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
