/*
 * cache.c
 *		The revision graph callers work with: built from migrate.revisions,
 *		kept per backend, shared between backends in dynamic shared memory,
 *		and forgotten when the revisions change.
 */
#include "postgres.h"

#include "access/xact.h"
#include "miscadmin.h"
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "cache.h"
#include "migrate.h"
#include "store.h"
#include "util.h"

/*
 * Building the graph reads every revision: 70-110 ms at 100,000 of them.
 * So each backend keeps the last graph it used, with the key it was built
 * at (read_key), and the graphs themselves are shared between backends:
 * the first backend that builds the graph of a committed generation
 * copies its image into a dynamic shared memory segment, pinned until a
 * newer generation of the same database replaces it, and every other
 * backend whose snapshot reads the same key maps that segment instead of
 * building.  A small table in the main shared memory segment (allocated
 * on first use, like autoprewarm's, so the library needs no preloading)
 * maps keys to segment handles.
 *
 * A statement trigger on migrate.revisions (0.2) rewrites the one-row
 * migrate.graph_generation once per transaction that changes it and
 * invalidates this backend's copy; other backends see the new key once
 * the change is visible to their snapshot, so a graph is used only when
 * the revisions it was built from are exactly the ones the caller would
 * read.  A graph built by a transaction that has written anything is
 * never shared (it may hold the transaction's own changes), and a
 * (sub)transaction abort invalidates such a copy; a mapped graph, or one
 * built by a transaction that had written nothing, holds committed state
 * and survives aborts.
 */
#define SHARED_GRAPHS	8		/* databases (or generations) at once */

typedef struct SharedGraph
{
	GraphKey	key;
	dsm_handle	handle;			/* DSM_HANDLE_INVALID: free */
	pg_atomic_uint64 used;		/* clock of the last attach, for eviction */
} SharedGraph;

/* change with any change of SharedGraphs, SharedGraph, GraphKey or SegmentHeader */
#define SHARED_LAYOUT	2

typedef struct SharedGraphs
{
	uint32		layout;			/* SHARED_LAYOUT of the build that made it */
	LWLock		lock;
	pg_atomic_uint64 changes;	/* bumped when a segment leaves the table */
	pg_atomic_uint64 clock;
	SharedGraph graphs[SHARED_GRAPHS];
} SharedGraphs;

static SharedGraphs *shared = NULL;
static bool shared_off = false; /* the table could not be had: local only */
static TimestampTz publish_retry = 0;	/* after a failure, not before this */

static MemoryContext cached_cxt = NULL;
static Graph *cached_graph = NULL;
static GraphKey cached_key;
static dsm_handle cached_handle = DSM_HANDLE_INVALID;	/* the graph's segment */
static bool cached_volatile = false;	/* may hold this transaction's writes */
static uint64 seen_changes = 0;	/* shared->changes when last checked */
static bool cache_valid = false;
static LocalTransactionId bumped_lxid = InvalidLocalTransactionId;
static uint64 changes_seen = 0;	/* trigger firings in this backend */
static int	holds = 0;			/* plans running on cached_graph */

static bool
key_equal(const GraphKey *a, const GraphKey *b)
{
	return a->dbid == b->dbid && a->relid == b->relid && a->gen == b->gen &&
		TransactionIdEquals(a->xmin, b->xmin) &&
		TransactionIdEquals(a->trigger_xmin, b->trigger_xmin);
}

/*
 * Build a graph in a context of its own under the current one, so that an
 * error while building (a cycle) frees it with everything else.  key, if
 * not NULL, is what the rows were read at.
 */
static Graph *
build_graph(MemoryContext *cxt, GraphKey *key)
{
	MemoryContext old;
	MemoryContext build;
	int			n;
	RevRow	   *rows;
	Graph	   *g;

	*cxt = AllocSetContextCreate(CurrentMemoryContext, "migrate graph",
								 ALLOCSET_DEFAULT_SIZES);
	build = AllocSetContextCreate(*cxt, "migrate graph rows", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(build);
	rows = store_load_rows(&n, build, key);
	MemoryContextSwitchTo(*cxt);
	g = graph_build(rows, n);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(build);
	return g;
}

/*
 * A failure while sharing a graph (no shared memory left, /dev/shm full or
 * not writable, ...) costs only the sharing: logged, and the backend
 * builds its own.  A cancel, statement_timeout or recovery conflict
 * (classes 57 and 40) is the caller's and raised again.
 */
static void
sharing_failed(ErrorData *err, const char *what)
{
	util_rethrow_interrupt(err);
	ereport(LOG,
			(errmsg("migrate: %s: %s", what, err->message)));
}

static void
init_shared(void *arg)
{
	bool		found;
	SharedGraphs *sg;

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	sg = ShmemInitStruct("migrate shared graphs", sizeof(SharedGraphs), &found);
	if (!found)
	{
		int			i;

		memset(sg, 0, sizeof(SharedGraphs));
		sg->layout = SHARED_LAYOUT;
		LWLockInitialize(&sg->lock, LWLockNewTrancheId());
		pg_atomic_init_u64(&sg->changes, 0);
		pg_atomic_init_u64(&sg->clock, 0);
		for (i = 0; i < SHARED_GRAPHS; i++)
		{
			sg->graphs[i].handle = DSM_HANDLE_INVALID;
			pg_atomic_init_u64(&sg->graphs[i].used, 0);
		}
	}
	LWLockRelease(AddinShmemInitLock);
	/* a server that loaded another build of migrate before this one */
	if (sg->layout != SHARED_LAYOUT)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the table of shared graphs has layout %u, this build of migrate reads %u",
						sg->layout, SHARED_LAYOUT),
				 errhint("Restart the server after installing a new build of migrate.")));
	LWLockRegisterTranche(sg->lock.tranche, "migrate_graphs");
	shared = sg;
}

/*
 * The table of shared graphs, or NULL when this backend could not have it
 * (the main segment's spare space used up): then graphs stay local.
 */
static SharedGraphs *
shared_graphs(void)
{
	ErrorData  *err;

	if (!migrate_shared_graphs)
		return NULL;
	if (shared != NULL || shared_off)
		return shared;
	err = util_subxact(init_shared, NULL, true);
	if (err != NULL)
	{
		sharing_failed(err, "revision graphs are not shared between backends");
		shared_off = true;
	}
	return shared;
}

/* A segment's contents: the key, then the graph image. */
typedef struct SegmentHeader
{
	uint32		layout;			/* SHARED_LAYOUT */
	GraphKey	key;
	Size		image_size;
} SegmentHeader;

#define IMAGE_OFFSET	MAXALIGN(sizeof(SegmentHeader))

typedef struct Sharing
{
	GraphKey   *key;
	Graph	   *built;			/* publish this one */
	bool		replace;		/* publish over an unreadable image of key */
	bool		newer;			/* out: a newer generation is shared */
	bool		published;		/* out: seg entered in the table */
	dsm_segment *seg;			/* out: mapped and pinned, or NULL */
} Sharing;

/*
 * The entry for key's database and migrate.revisions; *newer if one of a
 * newer generation is there.  Caller holds the lock.
 */
static SharedGraph *
find_entry(SharedGraphs *sg, GraphKey *key, bool *newer)
{
	int			i;

	for (i = 0; i < SHARED_GRAPHS; i++)
	{
		SharedGraph *e = &sg->graphs[i];

		if (e->handle == DSM_HANDLE_INVALID || e->key.dbid != key->dbid ||
			e->key.relid != key->relid)
			continue;
		if (e->key.gen > key->gen)
			*newer = true;
		else if (key_equal(&e->key, key))
			return e;
	}
	return NULL;
}

/* Map e's segment and keep the mapping; caller holds the lock. */
static dsm_segment *
map_entry(SharedGraphs *sg, SharedGraph *e)
{
	dsm_segment *seg;

	/*
	 * Mapped already: a graph replaced while a plan runs keeps its mapping
	 * until the transaction ends.  Build instead of mapping it twice.
	 */
	if (dsm_find_mapping(e->handle) != NULL)
		return NULL;
	/* the lock keeps the segment pinned while we attach */
	seg = dsm_attach(e->handle);
	if (seg != NULL)
	{
		dsm_pin_mapping(seg);
		pg_atomic_write_u64(&e->used, pg_atomic_add_fetch_u64(&sg->clock, 1));
	}
	return seg;
}

/* Attach the segment shared for key, if there is one. */
static void
attach_shared(void *arg)
{
	Sharing    *sh = arg;
	SharedGraph *e;

	LWLockAcquire(&shared->lock, LW_SHARED);
	e = find_entry(shared, sh->key, &sh->newer);
	if (e != NULL)
		sh->seg = map_entry(shared, e);
	LWLockRelease(&shared->lock);
}

/* Take e out of the table; its segment goes when the last user lets go. */
static void
evict(SharedGraphs *sg, SharedGraph *e)
{
	dsm_handle	handle = e->handle;

	e->handle = DSM_HANDLE_INVALID;
	pg_atomic_fetch_add_u64(&sg->changes, 1);
	dsm_unpin_segment(handle);
}

/*
 * Copy the built graph into a new segment and enter it in the table,
 * evicting what it replaces: an older generation of the same database,
 * the graph of a dropped extension (another relation) or of a dropped
 * database, else the least recently mapped.  When another backend shared
 * the same generation first, map theirs instead.
 */
static void
publish_shared(void *arg)
{
	Sharing    *sh = arg;
	SharedGraphs *sg = shared;
	Size		size = graph_image_size(sh->built);
	dsm_segment *seg;
	SegmentHeader *h;
	SharedGraph *slot = NULL;
	SharedGraph *same;
	Oid			dead[SHARED_GRAPHS];
	int			ndead = 0,
				i,
				k;

	/* graphs of dropped databases: looked up before taking the lock */
	LWLockAcquire(&sg->lock, LW_SHARED);
	for (i = 0; i < SHARED_GRAPHS; i++)
		if (sg->graphs[i].handle != DSM_HANDLE_INVALID)
			dead[ndead++] = sg->graphs[i].key.dbid;
	LWLockRelease(&sg->lock);
	for (i = 0, k = 0; i < ndead; i++)
		if (!SearchSysCacheExists1(DATABASEOID, ObjectIdGetDatum(dead[i])))
			dead[k++] = dead[i];
	ndead = k;

	seg = dsm_create(IMAGE_OFFSET + size, DSM_CREATE_NULL_IF_MAXSEGMENTS);
	if (seg == NULL)
		return;
	h = dsm_segment_address(seg);
	h->layout = SHARED_LAYOUT;
	h->key = *sh->key;
	h->image_size = size;
	graph_image_write(sh->built, (char *) h + IMAGE_OFFSET);

	LWLockAcquire(&sg->lock, LW_EXCLUSIVE);
	same = find_entry(sg, sh->key, &sh->newer);
	if (same != NULL && !sh->replace)
	{
		/* lost the race: ours is unpinned and goes with this detach */
		dsm_detach(seg);
		sh->seg = map_entry(sg, same);
		LWLockRelease(&sg->lock);
		return;
	}
	if (sh->newer)
	{
		LWLockRelease(&sg->lock);
		dsm_detach(seg);
		return;
	}
	for (i = 0; i < SHARED_GRAPHS; i++)
	{
		SharedGraph *e = &sg->graphs[i];
		bool		gone = false;

		if (e->handle == DSM_HANDLE_INVALID)
			continue;
		for (k = 0; k < ndead; k++)
			gone |= e->key.dbid == dead[k];
		if (gone || e == same ||
			(e->key.dbid == sh->key->dbid &&
			 (e->key.relid != sh->key->relid || e->key.gen < sh->key->gen)))
			evict(sg, e);
	}
	for (i = 0; i < SHARED_GRAPHS && slot == NULL; i++)
		if (sg->graphs[i].handle == DSM_HANDLE_INVALID)
			slot = &sg->graphs[i];
	if (slot == NULL)
	{
		slot = &sg->graphs[0];
		for (i = 1; i < SHARED_GRAPHS; i++)
			if (pg_atomic_read_u64(&sg->graphs[i].used) < pg_atomic_read_u64(&slot->used))
				slot = &sg->graphs[i];
		evict(sg, slot);
	}
	dsm_pin_segment(seg);
	dsm_pin_mapping(seg);
	slot->key = *sh->key;
	slot->handle = dsm_segment_handle(seg);
	pg_atomic_write_u64(&slot->used, pg_atomic_add_fetch_u64(&sg->clock, 1));
	LWLockRelease(&sg->lock);
	sh->published = true;
	sh->seg = seg;
}

/* Detach a segment when the context of the graph reading it goes. */
static void
detach_segment(void *arg)
{
	dsm_detach((dsm_segment *) arg);
}

/*
 * The graph reading seg, in a new context under TopMemoryContext that
 * detaches seg when deleted; NULL (seg detached) if seg does not hold an
 * image of key that this build of migrate can read.
 */
static Graph *
open_segment(dsm_segment *seg, GraphKey *key, MemoryContext *cxt)
{
	SegmentHeader *h = dsm_segment_address(seg);
	MemoryContextCallback *cb;
	MemoryContext old;
	Graph	   *g;

	*cxt = AllocSetContextCreate(TopMemoryContext, "migrate graph",
								 ALLOCSET_DEFAULT_SIZES);
	cb = MemoryContextAlloc(*cxt, sizeof(MemoryContextCallback));
	cb->func = detach_segment;
	cb->arg = seg;
	MemoryContextRegisterResetCallback(*cxt, cb);
	old = MemoryContextSwitchTo(*cxt);
	g = h->layout == SHARED_LAYOUT && key_equal(&h->key, key)
		? graph_image_open((char *) h + IMAGE_OFFSET, h->image_size) : NULL;
	MemoryContextSwitchTo(old);
	if (g == NULL)
	{
		MemoryContextDelete(*cxt);
		*cxt = NULL;
	}
	return g;
}

/*
 * A plan that runs holds the graph it was made from: a revision script
 * may call a reading function of migrate, which may replace the cached
 * graph, and the plan must go on reading the old one.  A graph replaced
 * while held lives until the end of the transaction.
 */
void
cache_hold(void)
{
	holds++;
}

void
cache_release(void)
{
	Assert(holds > 0);
	holds--;
}

/*
 * The graph of the registered revisions, shared with later calls of this
 * backend (and with other backends): callers must not change it (graph.c
 * only writes its scratch marks), nor keep it past their own call, except
 * while a plan runs.
 */
Graph *
cache_graph(void)
{
	MemoryContext cxt = NULL;
	Graph	   *g = NULL;
	GraphKey	key;
	Sharing		sh = {0};
	ErrorData  *err;
	bool		own;
	bool		clean;

	if (!store_generation_available())
		return cache_build_graph();
	store_read_generation(&key);
	if (key.gen < 0)
	{
		/* no generation, or a trigger that does not always count writes */
		g = cache_build_graph();
		elog(DEBUG1, "migrate: built the graph of %d revisions for this backend only", g->n);
		return g;
	}
	/* a mapped graph is committed state: no abort makes it wrong */
	if (key_equal(&key, &cached_key) &&
		(cache_valid || (cached_graph != NULL && !cached_volatile)))
	{
		cache_valid = true;
		return cached_graph;
	}

	/*
	 * A graph of this transaction's own changes is for this backend only.
	 * So is one built after the transaction wrote anything: a statement
	 * that changes migrate.revisions bumps the generation only when it
	 * ends, and a function it calls meanwhile reads its rows.
	 */
	own = TransactionIdIsCurrentTransactionId(key.xmin);
	clean = !TransactionIdIsValid(GetTopTransactionIdIfAny());
	if (!own && shared_graphs() != NULL)
	{
		sh.key = &key;
		err = util_subxact(attach_shared, &sh, true);
		if (err != NULL)
			sharing_failed(err, "could not map the shared revision graph");
		else if (sh.seg != NULL)
		{
			g = open_segment(sh.seg, &key, &cxt);
			if (g == NULL)
			{
				sh.seg = NULL;	/* detached */
				sh.replace = true;
			}
			else
				elog(DEBUG1, "migrate: mapped the shared graph of %d revisions", g->n);
		}
	}
	if (g == NULL)
	{
		g = build_graph(&cxt, &key);
		if (clean && key.gen >= 0 && !sh.newer &&
			GetCurrentTimestamp() >= publish_retry && shared_graphs() != NULL)
		{
			MemoryContext built = cxt;
			Graph	   *mapped = NULL;

			sh.key = &key;
			sh.built = g;
			sh.seg = NULL;
			err = util_subxact(publish_shared, &sh, true);
			if (err != NULL)
			{
				sharing_failed(err, "could not share the revision graph");
				publish_retry = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), 60 * 1000);
			}
			else if (sh.seg != NULL)
				mapped = open_segment(sh.seg, &key, &cxt);
			if (mapped != NULL)
			{
				/* read the shared copy, drop the built one */
				g = mapped;
				MemoryContextDelete(built);
			}
			else
			{
				cxt = built;
				sh.seg = NULL;
				sh.published = false;
			}
		}
		elog(DEBUG1, "migrate: built the graph of %d revisions%s", g->n,
			 sh.published ? " and shared it" :
			 sh.seg ? ", then mapped the one another backend shared first" :
			 " for this backend only");
		/* kept from here on (an error before frees it with the call) */
		if (sh.seg == NULL)
			MemoryContextSetParent(cxt, TopMemoryContext);
	}

	/*
	 * The graph replaced is freed now, unless a plan is running: then a
	 * revision script called a reading function, and the plan still uses
	 * the old graph, which goes at the end of the transaction.
	 */
	if (cached_cxt != NULL && holds > 0)
		MemoryContextSetParent(cached_cxt, TopTransactionContext);
	else if (cached_cxt != NULL)
		MemoryContextDelete(cached_cxt);
	cached_cxt = cxt;
	cached_graph = g;
	cached_key = key;
	cached_handle = sh.seg ? dsm_segment_handle(sh.seg) : DSM_HANDLE_INVALID;
	cached_volatile = sh.seg == NULL && !clean;
	cache_valid = key.gen >= 0;
	return g;
}

/* A graph of the caller's own, in the current memory context. */
Graph *
cache_build_graph(void)
{
	MemoryContext cxt;

	return build_graph(&cxt, NULL);
}

/*
 * Called by the statement trigger on migrate.revisions: forget this
 * backend's graph, and bump the generation once per transaction so that
 * other backends forget theirs when they see the change.
 */
void
cache_revisions_changed(void)
{
	cache_valid = false;
	changes_seen++;
	if (bumped_lxid == MyProc->lxid)
		return;
	store_bump_generation();
	bumped_lxid = MyProc->lxid;
}

/*
 * How often this backend changed migrate.revisions: a run compares it
 * before and after, since the generation moves only once per transaction.
 */
uint64
cache_changes_seen(void)
{
	return changes_seen;
}

/*
 * At the end of each transaction of a backend holding a mapped graph: let
 * go of it if it left the table (a newer generation replaced it, or it
 * was evicted), so that a backend that stopped calling migrate does not
 * keep an old segment alive.  An atomic read when nothing changed.
 */
static void
release_superseded(void)
{
	uint64		changes;
	bool		current = false;
	int			i;

	if (cached_handle == DSM_HANDLE_INVALID || shared == NULL)
		return;
	changes = pg_atomic_read_u64(&shared->changes);
	if (changes == seen_changes)
		return;
	LWLockAcquire(&shared->lock, LW_SHARED);
	for (i = 0; i < SHARED_GRAPHS; i++)
		current |= shared->graphs[i].handle == cached_handle;
	LWLockRelease(&shared->lock);
	seen_changes = changes;
	if (current)
		return;
	MemoryContextDelete(cached_cxt);
	cached_cxt = NULL;
	cached_graph = NULL;
	cached_handle = DSM_HANDLE_INVALID;
	cache_valid = false;
	cached_key.gen = -1;
}

static void
cache_xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PREPARE)
	{
		holds = 0;
		release_superseded();
	}
	/* a prepared transaction may still be rolled back by someone else */
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_PREPARE)
	{
		cache_valid = false;
		bumped_lxid = InvalidLocalTransactionId;
	}
}

static void
cache_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid, void *arg)
{
	/* the bump may have been rolled back with the subtransaction */
	if (event == SUBXACT_EVENT_ABORT_SUB)
	{
		cache_valid = false;
		bumped_lxid = InvalidLocalTransactionId;
	}
}

void
cache_init(void)
{
	RegisterXactCallback(cache_xact_callback, NULL);
	RegisterSubXactCallback(cache_subxact_callback, NULL);
}
