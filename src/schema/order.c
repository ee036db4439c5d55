/*
 * order.c
 *		The one ordering step of the diff: a topological sort of the
 *		statement nodes over the edges diff.c drew from both snapshots'
 *		dependencies.
 *
 * Correctness comes from the edges alone.  Among nodes that are ready at
 * the same time a heap picks drops before alterations before creations,
 * then by kind and by key (a table's columns by position), so that the same input always gives the same
 * script and a reader finds a table's statements near each other.
 */
#include "schema.h"

#include <string.h>

static int
node_cmp(const Step *a, const Step *b)
{
	int			c;

	if (a->order != b->order)
		return a->order < b->order ? -1 : 1;
	/* one table's columns in the order the table has them */
	if (a->pair->kind == &column_kind && b->pair->kind == &column_kind &&
		a->pair->container == b->pair->container && a->pair != b->pair &&
		column_position(a->pair) != column_position(b->pair))
		return column_position(a->pair) < column_position(b->pair) ? -1 : 1;
	c = strcmp(a->pair->key, b->pair->key);
	if (c != 0)
		return c;
	return (int) a->phase - (int) b->phase;
}

typedef struct Heap
{
	Step	  **items;
	int			n;
} Heap;

static void
heap_push(Heap *h, Step *x)
{
	int			i = h->n++;

	while (i > 0)
	{
		int			parent = (i - 1) / 2;

		if (node_cmp(h->items[parent], x) <= 0)
			break;
		h->items[i] = h->items[parent];
		i = parent;
	}
	h->items[i] = x;
}

static Step *
heap_pop(Heap *h)
{
	Step	   *top = h->items[0];
	Step	   *last = h->items[--h->n];
	int			i = 0;

	for (;;)
	{
		int			child = 2 * i + 1;

		if (child >= h->n)
			break;
		if (child + 1 < h->n && node_cmp(h->items[child + 1], h->items[child]) < 0)
			child++;
		if (node_cmp(last, h->items[child]) <= 0)
			break;
		h->items[i] = h->items[child];
		i = child;
	}
	if (h->n > 0)
		h->items[i] = last;
	return top;
}

/*
 * The live nodes in an order that respects every edge, or NULL when some
 * are left in a cycle.  Kahn's algorithm: O((V + E) log V).
 */
Step **
order_nodes(Diff *d, int *n)
{
	Step	  **out = arena_alloc(d->arena, sizeof(Step *) * (d->nnodes + 1));
	Heap		heap;
	int			live = 0,
				k = 0,
				i;

	heap.items = arena_alloc(d->arena, sizeof(Step *) * (d->nnodes + 1));
	heap.n = 0;
	for (i = 0; i < d->nnodes; i++)
	{
		Step	   *x = d->nodes[i];
		int			rank = x->pair->kind->rank;

		x->order = (int) x->phase * 1000 + (x->phase == PH_DROP ? 999 - rank : rank);
	}
	/* every rank is set before the heap compares any */
	for (i = 0; i < d->nnodes; i++)
	{
		Step	   *x = d->nodes[i];

		if (x->merged_into != NULL || x->dead)
			continue;
		live++;
		if (x->nin == 0)
			heap_push(&heap, x);
	}
	while (heap.n > 0)
	{
		Step	   *x = heap_pop(&heap);

		out[k++] = x;
		for (i = 0; i < x->nout; i++)
		{
			Step	   *y = x->out[i];

			if (y->dead)
				continue;
			if (--y->nin == 0)
				heap_push(&heap, y);
		}
	}
	*n = k;
	return k == live ? out : NULL;
}
