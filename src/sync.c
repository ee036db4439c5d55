/*
 * sync.c
 *		A directory of revision files registered in one call: in any order,
 *		parents and dependencies found inside the batch, one status per
 *		file, and the registered revisions that no file carries.
 *
 * Files the database already holds unchanged are recognised from one
 * query, without the server's parser, so that syncing a large directory
 * at every deploy costs little.  Every other file is registered in a
 * subtransaction of its own, parents first: a file that is refused
 * leaves the others registered, and its descendants in the batch are
 * refused with it.
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "miscadmin.h"

#include "cache.h"
#include "plan.h"
#include "register.h"
#include "store.h"
#include "sync.h"
#include "util.h"

typedef struct SyncFile
{
	SyncResult *result;
	const char *text;
	NewRevision rev;			/* rev.id NULL: the file could not be read */
	bool		pending;		/* still to register */
	int			nwait;			/* batch files to register first */
	List	   *waiters;		/* batch files waiting for this one */
	const char *blocked_by;		/* a refused parent or dependency */
	bool		retry;			/* refused by the rules: may pass once others did */
	const char *status;			/* register_load's */
	char	   *detail;
} SyncFile;

/* A name (id or branch label) a file of the batch declares. */
typedef struct BatchName
{
	const char *name;
	SyncFile   *file;
} BatchName;

static int
cmp_batch_name(const void *a, const void *b)
{
	return strcmp(((const BatchName *) a)->name, ((const BatchName *) b)->name);
}

static int
cmp_file_id(const void *a, const void *b)
{
	const SyncFile *x = *(SyncFile *const *) a;
	const SyncFile *y = *(SyncFile *const *) b;

	return strcmp(x->rev.id, y->rev.id);
}

static int
cmp_rev_id(const void *a, const void *b)
{
	return strcmp(((const NewRevision *) a)->id, ((const NewRevision *) b)->id);
}

static SyncFile *
batch_find(BatchName *names, int n, const char *name)
{
	BatchName	key = {name, NULL};
	BatchName  *hit = bsearch(&key, names, n, sizeof(BatchName), cmp_batch_name);

	return hit ? hit->file : NULL;
}

static NewRevision *
registered_find(NewRevision *regs, int n, const char *id)
{
	NewRevision key = {0};

	key.id = (char *) id;
	return bsearch(&key, regs, n, sizeof(NewRevision), cmp_rev_id);
}

static void
refuse(SyncFile *f, char *detail)
{
	f->result->status = "refused";
	f->result->detail = detail;
	f->pending = false;
}

/* How a file is named in a detail: its file name, else its position. */
static char *
file_label(SyncFile *f)
{
	if (f->result->file_name)
		return psprintf("file %s", f->result->file_name);
	return psprintf("script %d", f->result->position);
}

static void
register_body(void *arg)
{
	SyncFile   *f = arg;

	(void) register_load(f->text, &f->status, &f->detail);
}

/*
 * The error of a refused file as one line: message, detail, the first
 * line of its context (which names the line of the file where the server
 * parser stopped), and the hint.
 */
static char *
error_line(ErrorData *err)
{
	StringInfoData out;

	initStringInfo(&out);
	appendStringInfoString(&out, err->message);
	if (err->detail)
		appendStringInfo(&out, ". %s", err->detail);
	if (err->context)
		appendStringInfo(&out, " (%.*s)", (int) strcspn(err->context, "\n"), err->context);
	if (err->hint)
		appendStringInfo(&out, " Hint: %s", err->hint);
	return out.data;
}

/*
 * Mark the files still waiting that lie on a cycle: the strongly connected
 * components of more than one file (a file naming itself is refused by
 * the rules), found by Tarjan's algorithm without recursion, so that any
 * number of files costs linear time.
 */
static void
mark_cycles(SyncFile *files, int n)
{
	int		   *index = palloc(Max(n, 1) * sizeof(int));
	int		   *low = palloc(Max(n, 1) * sizeof(int));
	bool	   *on_stack = palloc0(Max(n, 1) * sizeof(bool));
	int		   *stack = palloc(Max(n, 1) * sizeof(int));
	int		   *call = palloc(Max(n, 1) * sizeof(int));	/* DFS: file */
	ListCell  **next = palloc(Max(n, 1) * sizeof(ListCell *));	/* and its edge */
	int			top = 0,
				depth,
				counter = 0,
				i;

	for (i = 0; i < n; i++)
		index[i] = -1;
	for (i = 0; i < n; i++)
	{
		if (!files[i].pending || index[i] >= 0)
			continue;
		depth = 0;
		call[depth] = i;
		next[depth] = list_head(files[i].waiters);
		index[i] = low[i] = counter++;
		stack[top++] = i;
		on_stack[i] = true;
		while (depth >= 0)
		{
			int			v = call[depth];
			ListCell   *lc = next[depth];

			CHECK_FOR_INTERRUPTS();
			if (lc != NULL)
			{
				int			w = (SyncFile *) lfirst(lc) - files;

				next[depth] = lnext(files[v].waiters, lc);
				if (!files[w].pending)
					continue;
				if (index[w] < 0)
				{
					index[w] = low[w] = counter++;
					stack[top++] = w;
					on_stack[w] = true;
					call[++depth] = w;
					next[depth] = list_head(files[w].waiters);
				}
				else if (on_stack[w])
					low[v] = Min(low[v], index[w]);
				continue;
			}
			if (low[v] == index[v])
			{
				int			size = 0;
				int			k = top;

				do
					size++;
				while (stack[--k] != v);
				while (top > k)
				{
					int			w = stack[--top];

					on_stack[w] = false;
					if (size > 1)
						files[w].result->detail = pstrdup("its down revisions and dependencies in the directory form a cycle");
				}
			}
			if (--depth >= 0)
				low[call[depth]] = Min(low[call[depth]], low[v]);
		}
	}
}

/*
 * One pass over the pending files: each after the batch files it names,
 * each in its own subtransaction.  Files left waiting form a cycle or
 * build on one.  Returns how many files were registered.
 */
static int
register_pass(SyncFile *files, int n, BatchName *names, int nnames)
{
	List	   *ready = NIL;
	int			registered = 0;
	int			i;

	for (i = 0; i < n; i++)
	{
		SyncFile   *f = &files[i];
		List	   *needs;
		ListCell   *lc;

		if (!f->pending)
			continue;
		needs = list_concat(list_copy(f->rev.down), f->rev.depends_on);
		foreach(lc, needs)
		{
			SyncFile   *p = batch_find(names, nnames, lfirst(lc));

			if (p == NULL || p == f)
				continue;
			if (p->pending)
			{
				f->nwait++;
				p->waiters = lappend(p->waiters, f);
			}
			else if (strcmp(p->result->status, "refused") == 0)
				f->blocked_by = lfirst(lc);
		}
	}
	for (i = 0; i < n; i++)
		if (files[i].pending && files[i].nwait == 0)
			ready = lappend(ready, &files[i]);

	while (ready != NIL)
	{
		SyncFile   *f = linitial(ready);
		ListCell   *lc;

		ready = list_delete_first(ready);
		CHECK_FOR_INTERRUPTS();
		if (f->blocked_by)
		{
			refuse(f, psprintf("\"%s\", which it builds on, was refused", f->blocked_by));
			f->retry = true;
		}
		else
		{
			ErrorData  *err = util_subxact(register_body, f, true);

			if (err)
			{
				util_rethrow_interrupt(err);
				refuse(f, error_line(err));
				f->retry = true;
			}
			else
			{
				f->result->status = f->status;
				f->result->detail = f->detail;
				f->pending = false;
				registered++;
			}
		}
		foreach(lc, f->waiters)
		{
			SyncFile   *w = lfirst(lc);

			if (strcmp(f->result->status, "refused") == 0)
				w->blocked_by = f->rev.id;
			if (--w->nwait == 0)
				ready = lappend(ready, w);
		}
	}
	mark_cycles(files, n);
	for (i = 0; i < n; i++)
		if (files[i].pending)
		{
			if (files[i].result->detail == NULL)
				files[i].result->detail = pstrdup("it builds on revisions of the directory that form a cycle");
			refuse(&files[i], files[i].result->detail);
		}
	return registered;
}

/*
 * Register the pending files.  A file refused by the rules may pass once
 * another is registered (a branch label that moves from one file to
 * another: the file that gives it up must be registered first), so the
 * refused files are tried again while a pass registers anything.
 */
static void
register_in_order(SyncFile *files, int n, BatchName *names, int nnames)
{
	for (;;)
	{
		int			again = 0;
		int			i;

		if (register_pass(files, n, names, nnames) == 0)
			return;
		for (i = 0; i < n; i++)
		{
			SyncFile   *f = &files[i];

			f->waiters = NIL;
			f->nwait = 0;
			f->blocked_by = NULL;
			if (f->retry)
			{
				f->retry = false;
				f->pending = true;
				f->result->status = NULL;
				f->result->detail = NULL;
				again++;
			}
		}
		if (again == 0)
			return;
	}
}

/*
 * The registered revisions no file carries, children first; with prune,
 * those that are not applied and that nothing left behind builds on are
 * deleted.
 */
typedef struct VersionRead
{
	Graph	   *g;
	RevSet	   *version;
	bool	   *applied;
} VersionRead;

static void
read_applied(void *arg)
{
	VersionRead *v = arg;

	plan_check_version(v->g, store_load_version(), v->version);
	v->applied = plan_applied(v->g, v->version);
}

static List *
stale_revisions(bool *carried, bool prune, bool unreadable)
{
	Graph	   *g = cache_graph();
	VersionRead v = {g, revset_create(g), NULL};
	ErrorData  *err;
	char	   *unknown = NULL;
	bool	   *applied;
	int		   *waiting = palloc0(Max(g->n, 1) * sizeof(int));
	bool	   *kept = palloc0(Max(g->n, 1) * sizeof(bool));
	int		   *queue = palloc(Max(g->n, 1) * sizeof(int));
	int			head = 0,
				tail = 0;
	List	   *out = NIL;
	int			r;

	/*
	 * Version rows the graph cannot explain must not stop the sync: check
	 * and stamp --purge are how they are found and fixed.  Then what is
	 * applied is unknown, and nothing is pruned.
	 */
	err = util_subxact(read_applied, &v, false);
	if (err)
	{
		util_rethrow_interrupt(err);
		unknown = psprintf("not pruned: the version rows cannot be read (%s)", err->message);
		applied = palloc0(Max(g->n, 1) * sizeof(bool));
	}
	else
		applied = v.applied;
	/* counted from the same lists the loop below walks */
	for (r = 0; r < g->n; r++)
	{
		GraphRev   *rev = &g->revs[r];
		int			k;

		for (k = 0; k < rev->ndown; k++)
			waiting[GR_DOWN(g, rev)[k]]++;
		for (k = 0; k < rev->ndeps; k++)
			waiting[GR_DEPS(g, rev)[k]]++;
	}
	for (r = 0; r < g->n; r++)
		if (waiting[r] == 0)
			queue[tail++] = r;
	/* children before parents: a revision is decided after all next ones */
	while (head < tail)
	{
		GraphRev   *rev;
		int			k;

		r = queue[head++];
		rev = &g->revs[r];
		CHECK_FOR_INTERRUPTS();
		if (!carried[r])
		{
			SyncResult *res = palloc0(sizeof(SyncResult));

			res->revision = pstrdup(REV_ID(g, r));
			res->status = "stale";
			res->position = -1;
			if (applied[r])
				res->detail = pstrdup("applied; no file carries it");
			else if (unknown)
				res->detail = unknown;
			else if (kept[r])
				res->detail = pstrdup("a revision that stays builds on it");
			else if (!prune)
				res->detail = pstrdup("not applied; prune removes it");
			else if (unreadable)
				res->detail = pstrdup("not pruned: a file could not be read, and it may carry this revision");
			else
			{
				store_delete_revision(res->revision);
				res->status = "pruned";
			}
			if (strcmp(res->status, "pruned") != 0)
				kept[r] = true;
			out = lappend(out, res);
		}
		else
			kept[r] = true;
		for (k = 0; k < rev->ndown + rev->ndeps; k++)
		{
			int			p = k < rev->ndown ? GR_DOWN(g, rev)[k] : GR_DEPS(g, rev)[k - rev->ndown];

			if (kept[r])
				kept[p] = true;
			if (--waiting[p] == 0)
				queue[tail++] = p;
		}
	}
	return out;
}

/*
 * Register the given files and report on each, then on the registered
 * revisions none of them carries.  file_names may be NULL.
 */
List *
sync_directory(List *scripts, List *file_names, bool prune)
{
	int			n = list_length(scripts);
	SyncFile   *files = palloc0(Max(n, 1) * sizeof(SyncFile));
	SyncFile  **by_id = palloc(Max(n, 1) * sizeof(SyncFile *));
	BatchName  *names;
	int			nnames = 0,
				nids = 0,
				nregs,
				i;
	NewRevision *regs;
	List	   *out = NIL;
	bool		unreadable = false;
	bool		registered_any = false;
	Graph	   *g;
	bool	   *carried;

	/* read every file */
	for (i = 0; i < n; i++)
	{
		SyncFile   *f = &files[i];
		ScriptError err;

		f->result = palloc0(sizeof(SyncResult));
		f->result->position = i + 1;
		f->result->file_name = file_names ? list_nth(file_names, i) : NULL;
		f->text = list_nth(scripts, i);
		out = lappend(out, f->result);
		if (!register_read_file(f->text, &f->rev, &err))
		{
			f->rev.id = NULL;
			unreadable = true;
			refuse(f, psprintf("invalid revision file at line %d: %s", err.line, err.message));
			continue;
		}
		f->result->revision = f->rev.id;
		f->pending = true;
		by_id[nids++] = f;
	}

	/* one id in two files: neither can be trusted */
	qsort(by_id, nids, sizeof(SyncFile *), cmp_file_id);
	for (i = 0; i < nids; i++)
	{
		SyncFile   *other = NULL;

		if (i > 0 && strcmp(by_id[i - 1]->rev.id, by_id[i]->rev.id) == 0)
			other = by_id[i - 1];
		else if (i + 1 < nids && strcmp(by_id[i + 1]->rev.id, by_id[i]->rev.id) == 0)
			other = by_id[i + 1];
		if (other)
			refuse(by_id[i], psprintf("revision \"%s\" is also declared by %s",
									  by_id[i]->rev.id, file_label(other)));
	}

	/* what the database holds unchanged needs nothing more */
	regs = store_load_registered(&nregs);
	for (i = 0; i < n; i++)
	{
		SyncFile   *f = &files[i];
		NewRevision *stored;

		if (!f->pending)
			continue;
		stored = registered_find(regs, nregs, f->rev.id);
		if (stored && register_unchanged(&f->rev, stored))
		{
			f->pending = false;
			f->result->status = "unchanged";
		}
		else
			registered_any = true;
	}

	/* the names the batch declares, for ordering */
	for (i = 0; i < n; i++)
		nnames += 1 + list_length(files[i].rev.branch_labels);
	names = palloc(Max(nnames, 1) * sizeof(BatchName));
	nnames = 0;
	for (i = 0; i < n; i++)
	{
		ListCell   *lc;

		if (files[i].rev.id == NULL)
			continue;
		names[nnames++] = (BatchName) {files[i].rev.id, &files[i]};
		foreach(lc, files[i].rev.branch_labels)
			names[nnames++] = (BatchName) {lfirst(lc), &files[i]};
	}
	qsort(names, nnames, sizeof(BatchName), cmp_batch_name);

	if (registered_any)
		register_in_order(files, n, names, nnames);

	/* the registered revisions that no readable file declares */
	g = cache_graph();
	carried = palloc0(Max(g->n, 1) * sizeof(bool));
	for (i = 0; i < nids; i++)
	{
		int			r = graph_lookup(g, by_id[i]->rev.id);

		if (r >= 0 && !graph_is_label(g, by_id[i]->rev.id))
			carried[r] = true;
	}
	return list_concat(out, stale_revisions(carried, prune, unreadable));
}
