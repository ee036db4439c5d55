/*
 * graph.h
 *		The revision DAG as one relocatable image: built from the rows of
 *		migrate.revisions, validated, looked up by name, traversed.
 *
 * Revisions are addressed by index, which is also their registration
 * order.  Strings and int arrays are offsets into the graph's chars and
 * ints, not pointers, so that backends can share an image (cache.c).
 * Nothing here uses SPI.
 */
#ifndef MIGRATE_GRAPH_H
#define MIGRATE_GRAPH_H

#include "nodes/pg_list.h"
#include "utils/memutils.h"

/* One revision as stored; the graph refers to revisions by index. */
typedef struct GraphRev
{
	uint32		id_at;			/* chars */
	uint32		message_at;		/* chars */
	bool		transactional;
	bool		reversible;		/* downgrade_sql IS NOT NULL */
	int			ndown;			/* versioned down revisions, in order */
	uint32		down_at;
	int			ndeps;			/* depends_on, resolved */
	uint32		deps_at;
	int			nnd;			/* down + deps not already implied */
	uint32		nd_at;
	int			nlabels;
	uint32		labels_at;		/* ints holding chars offsets */
	int			nchildren;		/* revisions naming this one as down */
	uint32		children_at;
	int			nnext;			/* children plus dependents */
	uint32		next_at;
} GraphRev;

/*
 * The graph as one backend sees it: pointers to the arrays of an image
 * (its own memory, or a shared segment another backend built), plus the
 * backend's own scratch.
 */
typedef struct Graph
{
	int			n;
	GraphRev   *revs;
	char	   *chars;
	int		   *ints;
	struct NameSlot *slots;		/* id or label -> index (graph.c) */
	uint32		nslots;			/* a power of two */
	uint32		nints;			/* used (while building: filled) */
	uint32		nchars;
	int			nheads;			/* revisions without children */
	uint32		heads_at;		/* ints */
	int			nreal_heads;	/* ... and without dependents */
	uint32		real_heads_at;
	int			nbases;			/* revisions without down revisions */
	uint32		bases_at;
	/* scratch for traversals, allocated in cxt on first use: a revision is
	 * marked when mark == epoch */
	MemoryContext cxt;
	uint32	   *mark;
	uint32		epoch;
	int		   *stack;
	uint32		steps;			/* traversal steps, for interrupt checks */
} Graph;

#define GR_ID(g, rev)		((g)->chars + (rev)->id_at)
#define GRAPH_NULL			UINT32_MAX	/* message_at of a NULL message */
#define GR_MESSAGE(g, rev)	graph_message(g, rev)
#define GR_DOWN(g, rev)		((g)->ints + (rev)->down_at)
#define GR_DEPS(g, rev)		((g)->ints + (rev)->deps_at)
#define GR_ND(g, rev)		((g)->ints + (rev)->nd_at)
#define GR_CHILDREN(g, rev)	((g)->ints + (rev)->children_at)
#define GR_NEXT(g, rev)		((g)->ints + (rev)->next_at)
#define GR_LABEL(g, rev, k)	((g)->chars + (g)->ints[(rev)->labels_at + (k)])
#define REV_ID(g, r)		GR_ID(g, &(g)->revs[r])
#define G_HEADS(g)			((g)->ints + (g)->heads_at)
#define G_REAL_HEADS(g)		((g)->ints + (g)->real_heads_at)
#define G_BASES(g)			((g)->ints + (g)->bases_at)

static inline char *
graph_message(const Graph *g, const GraphRev *rev)
{
	return rev->message_at == GRAPH_NULL ? NULL : g->chars + rev->message_at;
}

/* A raw row as store.c reads it; names are not yet resolved. */
typedef struct RevRow
{
	char	   *id;
	char	   *message;
	bool		transactional;
	bool		reversible;
	int			ndown;
	char	  **down;
	int			ndeps;
	char	  **deps;
	int			nlabels;
	char	  **labels;
} RevRow;

/* An ordered set of revision indexes with O(1) membership. */
typedef struct RevSet
{
	int			n;
	int			cap;
	int		   *items;
	bool	   *member;			/* indexed by revision, graph-sized */
	MemoryContext cxt;			/* where items grow */
} RevSet;

/* A growable list of revision indexes. */
typedef struct IntList
{
	int			n;
	int			cap;
	int		   *v;
} IntList;

extern void intlist_push(IntList *l, int x);
extern bool intlist_contains(IntList *l, int x);

/* Which edges a traversal follows. */
typedef enum GraphDir
{
	ANC_DEPS,					/* ancestors through down and depends_on */
	ANC_NODEPS,					/* ancestors through down only */
	DESC_DEPS,					/* descendants through children and dependents */
	DESC_NODEPS					/* descendants through children only */
} GraphDir;

extern Graph *graph_build(RevRow *rows, int n);
extern Size graph_image_size(Graph *g);
extern void graph_image_write(Graph *g, char *dst);
extern Graph *graph_image_open(char *src, Size size);

extern int	graph_lookup(Graph *g, const char *name);
extern bool graph_is_label(Graph *g, const char *name);
extern void graph_prefix_matches(Graph *g, const char *prefix,
								 const bool *within, IntList *revs,
								 List **names);

/* traversals mark what they reach in g->mark at the current epoch */
#define GRAPH_MARKED(g, r) ((g)->mark[(r)] == (g)->epoch)
extern void graph_mark_start(Graph *g);
extern void graph_reach(Graph *g, const int *starts, int nstarts, GraphDir dir);
extern bool *graph_reach_set(Graph *g, const int *starts, int nstarts,
							 GraphDir dir);
extern bool graph_reaches_any(Graph *g, int start, GraphDir dir,
							  bool (*accept) (int rev, void *arg), void *arg);
extern char *graph_join_ids(Graph *g, const int *revs, int n);
extern List *graph_ids(Graph *g, const int *revs, int n);

extern RevSet *revset_create(Graph *g);
extern void revset_add(RevSet *s, int rev);
extern void revset_remove(RevSet *s, int rev);
extern void revset_sort(Graph *g, RevSet *s);
extern RevSet *revset_copy(Graph *g, RevSet *s);
extern bool revset_equal(RevSet *a, RevSet *b);
extern List *revset_ids(Graph *g, RevSet *s);

#endif							/* MIGRATE_GRAPH_H */
