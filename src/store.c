/*
 * store.c
 *		Every read and write of the migrate.* tables, and the per-backend
 *		cache of the revision graph built from them.
 *
 * Bookkeeping runs through SPI as the extension's owner with search_path
 * set to pg_catalog, pg_temp (pg_cron's pattern): a deployer needs only
 * EXECUTE on the functions, and nothing on the caller's search_path can
 * capture an operator or table used here.  User scripts never run in this
 * mode; runner.c executes them as the caller.  Plans are prepared once per
 * backend and kept.  The graph's rows are read by a direct heap scan,
 * which no search_path or user code can touch either.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/tupmacs.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "executor/tuptable.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "common/cryptohash.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "migrate.h"

typedef struct StoreMode
{
	Oid			saved_user;
	int			saved_sec;
	int			nest;
} StoreMode;

/* What a graph was built from (see read_key). */
typedef struct GraphKey
{
	Oid			dbid;
	Oid			relid;			/* migrate.revisions */
	int64		gen;			/* -1: none, the graph is not shared */
	TransactionId xmin;			/* the writer of that gen */
} GraphKey;

typedef enum StoreQuery
{
	Q_VERSION,
	Q_SCRIPT,
	Q_INSERT,
	Q_REPLACE,
	Q_DELETE,
	Q_STEP,
	Q_FAIL,
	Q_SET_VERSION,
	Q_SNAPSHOT,
	Q_SNAPSHOT_GRAPH,
	Q_NAMES,
	Q_REVISION,
	Q_CHECKSUMS,
	Q_GENERATION,
	Q_LOG_FIRST,
	Q_BUMP,
	Q_COUNT
} StoreQuery;

static const char *const query_text[Q_COUNT] = {
	[Q_VERSION] =
	"SELECT revision FROM migrate.version ORDER BY revision COLLATE \"C\"",
	[Q_SCRIPT] =
	"SELECT upgrade_sql, downgrade_sql, checksum"
	" FROM migrate.revisions WHERE id = $1",
	[Q_INSERT] =
	"INSERT INTO migrate.revisions (id, down_revisions, depends_on,"
	" branch_labels, message, upgrade_sql, downgrade_sql, transactional,"
	" checksum) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
	[Q_REPLACE] =
	"UPDATE migrate.revisions SET down_revisions = $2, depends_on = $3,"
	" branch_labels = $4, message = $5, upgrade_sql = $6,"
	" downgrade_sql = $7, transactional = $8, checksum = $9"
	" WHERE id = $1",
	[Q_DELETE] =
	"DELETE FROM migrate.revisions WHERE id = $1",
	/* without the 0.2 columns: a 0.1 schema keeps working until updated */
	[Q_STEP] =
	"INSERT INTO migrate.log (revision, operation, checksum, started_at,"
	" duration, applied_by, heads_before, heads_after)"
	" VALUES ($1, $2, $3, $4, $5, session_user, $6, $7)",
	[Q_FAIL] =
	"INSERT INTO migrate.log (revision, operation, checksum, started_at,"
	" duration, applied_by, heads_before, heads_after, sqlstate, error)"
	" VALUES ($1, $2, $3, $4, $5, session_user, $6, $7, $8, $9)",
	[Q_SET_VERSION] =
	"WITH gone AS (DELETE FROM migrate.version WHERE revision = ANY ($1))"
	" INSERT INTO migrate.version (revision) SELECT unnest($2)",
	[Q_SNAPSHOT] =
	"SELECT coalesce((SELECT max(id) FROM migrate.log)::text, '') || '/' ||"
	" coalesce((SELECT string_agg(revision, ',' ORDER BY revision)"
	" FROM migrate.version), '')",
	/* 0.2: registrations count as well (migrate.graph_generation) */
	[Q_SNAPSHOT_GRAPH] =
	"SELECT coalesce((SELECT max(id) FROM migrate.log)::text, '') || '/' ||"
	" coalesce((SELECT string_agg(revision, ',' ORDER BY revision)"
	" FROM migrate.version), '') || '/' ||"
	" (SELECT gen FROM migrate.graph_generation)::text",
	[Q_NAMES] =
	"SELECT id, branch_labels FROM migrate.revisions"
	" WHERE id = ANY ($1) OR branch_labels && $1",
	[Q_REVISION] =
	"SELECT down_revisions, depends_on, branch_labels, message,"
	" transactional, checksum FROM migrate.revisions WHERE id = $1",
	/* the scripts hashed as store_checksum does, and the last applied step */
	[Q_CHECKSUMS] =
	"SELECT r.id, r.checksum, encode(sha256("
	" convert_to(r.upgrade_sql, getdatabaseencoding()) || decode('00', 'hex')"
	" || coalesce(convert_to(r.downgrade_sql, getdatabaseencoding()),"
	" decode('01', 'hex'))), 'hex'),"
	" l.operation, l.checksum"
	" FROM migrate.revisions r LEFT JOIN"
	" (SELECT DISTINCT ON (revision) revision, operation, checksum"
	" FROM migrate.log WHERE operation IN ('upgrade', 'downgrade')"
	" AND sqlstate IS NULL ORDER BY revision, id DESC) l"
	" ON l.revision = r.id ORDER BY r.position",
	[Q_GENERATION] =
	"SELECT gen, xmin FROM migrate.graph_generation",
	[Q_LOG_FIRST] =
	"SELECT coalesce(min(id), 0) FROM migrate.log",
	[Q_BUMP] =
	"UPDATE migrate.graph_generation SET gen = gen + 1",
};

static const int query_nargs[Q_COUNT] = {
	[Q_SCRIPT] = 1,[Q_INSERT] = 9,[Q_REPLACE] = 9,[Q_DELETE] = 1,
	[Q_STEP] = 7,[Q_FAIL] = 9,[Q_SET_VERSION] = 2,[Q_NAMES] = 1,[Q_REVISION] = 1,
};

static SPIPlanPtr plans[Q_COUNT];

static bool generation_available(void);

/* The owner of the extension, looked up once per transaction. */
static Oid
extension_owner(void)
{
	static LocalTransactionId cached_lxid = InvalidLocalTransactionId;
	static Oid	cached_owner = InvalidOid;
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	Oid			extoid;

	if (cached_lxid == MyProc->lxid && OidIsValid(cached_owner))
		return cached_owner;

	extoid = get_extension_oid("migrate", false);
	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_oid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(extoid));
	scan = systable_beginscan(rel, ExtensionOidIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "extension migrate has no catalog row");
	cached_owner = ((Form_pg_extension) GETSTRUCT(tup))->extowner;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	cached_lxid = MyProc->lxid;
	return cached_owner;
}

/*
 * Switch to bookkeeping mode.  An error inside needs no cleanup here:
 * (sub)transaction abort restores the user id and unwinds the GUC level.
 */
static void
store_enter(StoreMode *m)
{
	GetUserIdAndSecContext(&m->saved_user, &m->saved_sec);
	SetUserIdAndSecContext(extension_owner(),
						   m->saved_sec | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	m->nest = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
}

static void
store_leave(StoreMode *m)
{
	AtEOXact_GUC(true, m->nest);
	SetUserIdAndSecContext(m->saved_user, m->saved_sec);
}

static SPIPlanPtr
plan_for(StoreQuery q)
{
	static const Oid arg_types[Q_COUNT][9] = {
		[Q_SCRIPT] = {TEXTOID},
		[Q_INSERT] = {TEXTOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
		TEXTOID, TEXTOID, TEXTOID, BOOLOID, TEXTOID},
		[Q_REPLACE] = {TEXTOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
		TEXTOID, TEXTOID, TEXTOID, BOOLOID, TEXTOID},
		[Q_DELETE] = {TEXTOID},
		[Q_NAMES] = {TEXTARRAYOID},
		[Q_REVISION] = {TEXTOID},
		[Q_STEP] = {TEXTOID, TEXTOID, TEXTOID, TIMESTAMPTZOID, INTERVALOID,
		TEXTARRAYOID, TEXTARRAYOID},
		[Q_FAIL] = {TEXTOID, TEXTOID, TEXTOID, TIMESTAMPTZOID, INTERVALOID,
		TEXTARRAYOID, TEXTARRAYOID, TEXTOID, TEXTOID},
		[Q_SET_VERSION] = {TEXTARRAYOID, TEXTARRAYOID},
	};

	if (plans[q] == NULL)
	{
		/*
		 * A generic plan made while the table was small would keep scanning
		 * it sequentially as a bulk registration grows it; the name lookup
		 * is planned for its actual arguments every time instead.
		 */
		SPIPlanPtr	p = SPI_prepare_cursor(query_text[q], query_nargs[q],
										   (Oid *) arg_types[q],
										   q == Q_NAMES ? CURSOR_OPT_CUSTOM_PLAN : 0);

		if (p == NULL)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s", query_text[q],
				 SPI_result_code_string(SPI_result));
		SPI_keepplan(p);
		plans[q] = p;
	}
	return plans[q];
}

/*
 * Run a kept plan in bookkeeping mode; returns SPI's result code.  Never
 * read-only: a fresh snapshot after a command counter increment makes
 * earlier writes of the same statement visible (several revision() calls
 * in one SELECT must see each other).
 */
static int
run(StoreQuery q, Datum *values, const char *nulls)
{
	StoreMode	m;
	int			rc;
	MemoryContext caller = CurrentMemoryContext;

	store_enter(&m);
	rc = SPI_execute_plan(plan_for(q), values, nulls, false, 0);
	store_leave(&m);
	/* SPI returns in its procedure context; results belong to the caller's */
	MemoryContextSwitchTo(caller);
	if (rc < 0)
		elog(ERROR, "SPI_execute_plan failed for \"%s\": %s", query_text[q],
			 SPI_result_code_string(rc));
	return rc;
}

/* ---------- text[] helpers ---------- */

Datum
migrate_list_to_array(List *strings)
{
	int			n = list_length(strings);
	Datum	   *elems = palloc(Max(n, 1) * sizeof(Datum));
	ListCell   *lc;
	int			i = 0;

	foreach(lc, strings)
		elems[i++] = CStringGetTextDatum((char *) lfirst(lc));
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false,
										   TYPALIGN_INT));
}

List *
migrate_array_to_list(Datum array)
{
	ArrayType  *arr = DatumGetArrayTypeP(array);
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				i;
	List	   *out = NIL;

	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	for (i = 0; i < n; i++)
		if (!nulls[i])
			out = lappend(out, TextDatumGetCString(elems[i]));
	return out;
}

/* The strings of a that are not in b, in a's order. */
List *
migrate_list_minus(List *a, List *b)
{
	List	   *out = NIL;
	ListCell   *lc;

	foreach(lc, a)
	{
		ListCell   *lc2;
		bool		found = false;

		foreach(lc2, b)
			found |= strcmp(lfirst(lc), lfirst(lc2)) == 0;
		if (!found)
			out = lappend(out, lfirst(lc));
	}
	return out;
}

/* "a, b, c" */
char *
migrate_join(List *strings)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, strings)
		appendStringInfo(&buf, "%s%s", foreach_current_index(lc) ? ", " : "", (char *) lfirst(lc));
	return buf.data;
}

/* ---------- reads ---------- */

/*
 * A text[] datum as strings in keep.  Read in place (or from a copy on the
 * stack when its short header leaves it unaligned): detoasting and
 * deconstructing 100,000 small arrays cost a sixth of a graph build.
 */
static char **
array_strings(Datum d, bool isnull, int *n, MemoryContext keep)
{
	union
	{
		char		data[1024];
		int64		align;
	}			local;
	char	   *ptr = DatumGetPointer(d);
	ArrayType  *arr;
	bits8	   *bitmap;
	char	   *p;
	char	  **out;
	int			count,
				i,
				k = 0;

	*n = 0;
	if (isnull)
		return NULL;
	if (VARATT_IS_1B(ptr) && !VARATT_IS_1B_E(ptr) &&
		VARSIZE_1B(ptr) - VARHDRSZ_SHORT + VARHDRSZ <= sizeof(local.data))
	{
		Size		len = VARSIZE_1B(ptr) - VARHDRSZ_SHORT;

		SET_VARSIZE(local.data, len + VARHDRSZ);
		memcpy(VARDATA(local.data), VARDATA_1B(ptr), len);
		arr = (ArrayType *) local.data;
	}
	else
		arr = DatumGetArrayTypeP(d);	/* in place unless toasted */
	if (ARR_NDIM(arr) == 0)
		return NULL;
	if (ARR_ELEMTYPE(arr) != TEXTOID)
		elog(ERROR, "migrate.revisions holds an array that is not text[]");
	count = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
	bitmap = ARR_NULLBITMAP(arr);
	/* ARR_DATA_PTR, spelled out: the macro trips -Wsign-compare */
	p = (char *) arr + (ARR_HASNULL(arr) ? (Size) arr->dataoffset
						: (Size) ARR_OVERHEAD_NONULLS(ARR_NDIM(arr)));
	out = MemoryContextAlloc(keep, Max(count, 1) * sizeof(char *));
	for (i = 0; i < count; i++)
	{
		Size		len;
		char	   *s;

		if (bitmap && !(bitmap[i / 8] & (1 << (i % 8))))
			continue;			/* NULL: takes no space */
		len = VARSIZE_ANY_EXHDR(p);
		s = MemoryContextAlloc(keep, len + 1);
		memcpy(s, VARDATA_ANY(p), len);
		s[len] = '\0';
		out[k++] = s;
		p = att_addlength_pointer(p, -1, p);
		p = (char *) att_align_nominal(p, TYPALIGN_INT);
	}
	*n = k;
	return out;
}

/*
 * Strings the graph keeps (ids, messages), copied one after the other into
 * large blocks: a palloc per string would double the memory of a 100,000
 * revision graph and the page faults of building it.
 */
typedef struct StringPool
{
	MemoryContext cxt;
	char	   *next;
	size_t		left;
} StringPool;

static char *
pool_text(StringPool *pool, Datum d, bool isnull)
{
	text	   *t;
	size_t		len;
	char	   *out;

	if (isnull)
		return NULL;
	t = DatumGetTextPP(d);
	len = VARSIZE_ANY_EXHDR(t);
	if (len + 1 > pool->left)
	{
		pool->left = Max(len + 1, 64 * 1024);
		pool->next = MemoryContextAlloc(pool->cxt, pool->left);
	}
	out = pool->next;
	memcpy(out, VARDATA_ANY(t), len);
	out[len] = '\0';
	pool->next += len + 1;
	pool->left -= len + 1;
	return out;
}

/*
 * The row of migrate.graph_generation as snap sees it: its gen and the
 * transaction that wrote it name exactly the revisions snap sees, since
 * every transaction that changes migrate.revisions writes that row once
 * (statement trigger), after any other such transaction committed.  No
 * row (a snapshot older than the 0.2 schema, or none at all): gen -1.
 */
static void
read_key(Snapshot snap, GraphKey *key)
{
	Oid			nsp = get_namespace_oid("migrate", false);
	Oid			relid = get_relname_relid("graph_generation", nsp);
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tup;

	key->dbid = MyDatabaseId;
	key->relid = get_relname_relid("revisions", nsp);
	key->gen = -1;
	key->xmin = InvalidTransactionId;
	if (!OidIsValid(relid))
		return;
	rel = table_open(relid, AccessShareLock);
	scan = table_beginscan(rel, snap, 0, NULL);
	if ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		bool		isnull;
		Datum		gen = heap_getattr(tup, 1, RelationGetDescr(rel), &isnull);

		if (!isnull)
		{
			key->gen = DatumGetInt64(gen);
			key->xmin = HeapTupleHeaderGetRawXmin(tup->t_data);
		}
		if (heap_getnext(scan, ForwardScanDirection) != NULL)
			elog(ERROR, "migrate.graph_generation must hold exactly one row");
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
}

typedef struct RowOrder
{
	int64		position;
	int			row;
} RowOrder;

static int
cmp_position(const void *a, const void *b)
{
	int64		x = ((const RowOrder *) a)->position;
	int64		y = ((const RowOrder *) b)->position;

	return x < y ? -1 : x > y;
}

/*
 * Sort into registration order.  A heap scan returns nearly that already:
 * only rows updated since (which move) are out of place, so the ascending
 * rows stay where they are and the few others are sorted and merged in,
 * where a plain qsort of 100,000 rows took 8 ms.
 */
static void
sort_positions(RowOrder *order, int n)
{
	RowOrder   *late = palloc(Max(n, 1) * sizeof(RowOrder));
	RowOrder   *merged;
	int			nmain = 0,
				nlate = 0,
				i,
				j,
				k;

	for (i = 0; i < n; i++)
	{
		if (nmain == 0 || order[i].position >= order[nmain - 1].position)
			order[nmain++] = order[i];
		else
			late[nlate++] = order[i];
	}
	if (nlate > 0)
	{
		qsort(late, nlate, sizeof(RowOrder), cmp_position);
		merged = palloc(n * sizeof(RowOrder));
		for (i = 0, j = 0, k = 0; k < n; k++)
			merged[k] = (j == nlate || (i < nmain && order[i].position <= late[j].position))
				? order[i++] : late[j++];
		memcpy(order, merged, n * sizeof(RowOrder));
		pfree(merged);
	}
	pfree(late);
}

static AttrNumber
column_number(TupleDesc desc, const char *name)
{
	int			i;

	for (i = 0; i < desc->natts; i++)
		if (!TupleDescAttr(desc, i)->attisdropped &&
			strcmp(NameStr(TupleDescAttr(desc, i)->attname), name) == 0)
			return i + 1;
	elog(ERROR, "migrate.revisions has no column \"%s\"", name);
	return 0;					/* keep compiler quiet */
}

/*
 * The revision rows in registration order, read by scanning
 * migrate.revisions directly: the graph needs every row, and going through
 * the executor and SPI's tuple table doubled the cost of loading 100,000
 * of them.  The snapshot is the one an SPI query would take (a fresh one
 * in READ COMMITTED, the transaction's otherwise, after a command counter
 * increment so that the calling statement's own writes are seen).  What a
 * built graph keeps (ids, messages, labels) is allocated in keep; the row
 * array and the parent and dependency names, which the graph resolves to
 * indexes, in the current context.
 */
static RevRow *
load_rows(int *nrows, MemoryContext keep, GraphKey *key)
{
	static const char *const columns[] = {
		"id", "down_revisions", "depends_on", "branch_labels", "message",
		"transactional", "downgrade_sql", "position"
	};
	MemoryContext build = CurrentMemoryContext;
	MemoryContext scratch;
	StringPool	pool = {keep, NULL, 0};
	Relation	rel;
	TupleDesc	desc;
	Snapshot	snap;
	TableScanDesc scan;
	TupleTableSlot *slot;
	AttrNumber	att[lengthof(columns)];
	int			cap = 1024,
				n = 0,
				i;
	RevRow	   *rows = palloc0(cap * sizeof(RevRow));
	RevRow	   *sorted;
	RowOrder   *order = palloc(cap * sizeof(RowOrder));

	rel = table_open(get_relname_relid("revisions", get_namespace_oid("migrate", false)),
					 AccessShareLock);
	desc = RelationGetDescr(rel);
	for (i = 0; i < (int) lengthof(columns); i++)
		att[i] = column_number(desc, columns[i]);
	CommandCounterIncrement();
	snap = RegisterSnapshot(GetTransactionSnapshot());
	if (key)
		read_key(snap, key);
	scan = table_beginscan(rel, snap, 0, NULL);
	slot = table_slot_create(rel, NULL);
	scratch = AllocSetContextCreate(build, "migrate rows scratch", ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(scratch);
	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		Datum	   *v;
		bool	   *null;
		RevRow	   *r;

		slot_getallattrs(slot);
		v = slot->tts_values;
		null = slot->tts_isnull;
		if (n == cap)
		{
			cap *= 2;
			rows = repalloc(rows, cap * sizeof(RevRow));
			order = repalloc(order, cap * sizeof(RowOrder));
		}
		r = &rows[n];
		memset(r, 0, sizeof(RevRow));
		r->id = pool_text(&pool, v[att[0] - 1], null[att[0] - 1]);
		r->down = array_strings(v[att[1] - 1], null[att[1] - 1], &r->ndown, build);
		r->deps = array_strings(v[att[2] - 1], null[att[2] - 1], &r->ndeps, build);
		r->labels = array_strings(v[att[3] - 1], null[att[3] - 1], &r->nlabels, keep);
		r->message = pool_text(&pool, v[att[4] - 1], null[att[4] - 1]);
		r->transactional = DatumGetBool(v[att[5] - 1]);
		r->reversible = !null[att[6] - 1];
		order[n].position = DatumGetInt64(v[att[7] - 1]);
		order[n].row = n;
		n++;
		if (n % 1024 == 0)
			MemoryContextReset(scratch);
	}
	MemoryContextSwitchTo(build);
	MemoryContextDelete(scratch);
	ExecDropSingleTupleTableSlot(slot);
	table_endscan(scan);
	UnregisterSnapshot(snap);
	table_close(rel, AccessShareLock);

	sort_positions(order, n);
	sorted = palloc(Max(n, 1) * sizeof(RevRow));
	for (i = 0; i < n; i++)
		sorted[i] = rows[order[i].row];
	pfree(rows);
	pfree(order);
	*nrows = n;
	return sorted;
}

RevRow *
store_load_rows(int *nrows)
{
	return load_rows(nrows, CurrentMemoryContext, NULL);
}

/* ---------- the graph cache ---------- */

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

typedef struct SharedGraphs
{
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

/* Whether the schema has the generation table (0.1 does not). */
static bool
generation_available(void)
{
	Oid			nsp = get_namespace_oid("migrate", true);

	return OidIsValid(nsp) && OidIsValid(get_relname_relid("graph_generation", nsp));
}

/* The key as the current snapshot sees it; gen -1 when there is none. */
static void
read_generation(GraphKey *key)
{
	bool		isnull;

	key->dbid = MyDatabaseId;
	key->relid = get_relname_relid("revisions", get_namespace_oid("migrate", false));
	key->gen = -1;
	key->xmin = InvalidTransactionId;
	run(Q_GENERATION, NULL, NULL);
	/* none: a snapshot older than the extension's update (no caching) */
	if (SPI_processed == 0)
		return;
	if (SPI_processed != 1)
		elog(ERROR, "migrate.graph_generation must hold exactly one row");
	key->gen = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	key->xmin = DatumGetTransactionId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	SPI_freetuptable(SPI_tuptable);
}

static bool
key_equal(const GraphKey *a, const GraphKey *b)
{
	return a->dbid == b->dbid && a->relid == b->relid && a->gen == b->gen &&
		TransactionIdEquals(a->xmin, b->xmin);
}

/*
 * The graph generation as the current snapshot sees it, or -1 before the
 * 0.2 schema: runner.c compares it before and after a run.
 */
int64
store_generation(void)
{
	GraphKey	key;

	if (!generation_available())
		return -1;
	read_generation(&key);
	return key.gen;
}

/* The first log id (0 when empty): a run checks nobody deleted the log. */
int64
store_log_first(void)
{
	bool		isnull;
	int64		id;

	run(Q_LOG_FIRST, NULL, NULL);
	id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	SPI_freetuptable(SPI_tuptable);
	return id;
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
	rows = load_rows(&n, build, key);
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
	int			category = ERRCODE_TO_CATEGORY(err->sqlerrcode);

	if (category == ERRCODE_OPERATOR_INTERVENTION ||
		category == ERRCODE_TRANSACTION_ROLLBACK)
		ReThrowError(err);
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
	err = runner_subxact(init_shared, NULL, true);
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
	g = key_equal(&h->key, key)
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
 * The graph of the registered revisions, shared with later calls of this
 * backend (and with other backends): callers must not change it (graph.c
 * only writes its scratch marks), nor keep it past their own call, except
 * while a plan runs.
 */
Graph *
store_load_graph(void)
{
	MemoryContext cxt = NULL;
	Graph	   *g = NULL;
	GraphKey	key;
	Sharing		sh = {0};
	ErrorData  *err;
	bool		own;
	bool		clean;

	if (!generation_available())
		return store_load_graph_private();
	read_generation(&key);
	if (key.gen < 0)
		return store_load_graph_private();
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
		err = runner_subxact(attach_shared, &sh, true);
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
			err = runner_subxact(publish_shared, &sh, true);
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
	if (cached_cxt != NULL && runner_is_active())
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
store_load_graph_private(void)
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
store_revisions_changed(void)
{
	cache_valid = false;
	changes_seen++;
	if (bumped_lxid == MyProc->lxid)
		return;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	run(Q_BUMP, NULL, NULL);
	SPI_finish();
	bumped_lxid = MyProc->lxid;
}

/*
 * How often this backend changed migrate.revisions: a run compares it
 * before and after, since the generation moves only once per transaction.
 */
uint64
store_changes_seen(void)
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
		release_superseded();
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
store_init(void)
{
	RegisterXactCallback(cache_xact_callback, NULL);
	RegisterSubXactCallback(cache_subxact_callback, NULL);
}

List *
store_load_version(void)
{
	List	   *out = NIL;
	uint64		i;

	run(Q_VERSION, NULL, NULL);
	for (i = 0; i < SPI_processed; i++)
		out = lappend(out, SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
	SPI_freetuptable(SPI_tuptable);
	return out;
}

bool
store_fetch_script(const char *id, StoredScript *out)
{
	Datum		arg = CStringGetTextDatum(id);

	run(Q_SCRIPT, &arg, NULL);
	if (SPI_processed != 1)
		return false;
	out->upgrade_sql = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	out->downgrade_sql = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	out->checksum = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3);
	SPI_freetuptable(SPI_tuptable);
	return true;
}

/*
 * Which registered revisions own these names, as ids or as branch labels
 * (an index scan per name: registration does not load the graph).
 */
List *
store_lookup_names(List *names)
{
	Datum		arg = migrate_list_to_array(names);
	List	   *out = NIL;
	uint64		i;

	if (names == NIL)
		return NIL;
	run(Q_NAMES, &arg, NULL);
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		char	   *id = SPI_getvalue(tup, desc, 1);
		bool		isnull;
		ListCell   *lc;
		ListCell   *lc2;
		List	   *labels = migrate_array_to_list(SPI_getbinval(tup, desc, 2, &isnull));

		foreach(lc, names)
		{
			bool		owns = strcmp(lfirst(lc), id) == 0;
			bool		as_label = false;

			foreach(lc2, labels)
				as_label |= strcmp(lfirst(lc), lfirst(lc2)) == 0;
			if (owns || as_label)
			{
				NameOwner  *o = palloc(sizeof(NameOwner));

				o->name = lfirst(lc);
				o->owner = id;
				o->is_label = !owns;
				out = lappend(out, o);
			}
		}
	}
	SPI_freetuptable(SPI_tuptable);
	return out;
}

/* The stored graph data and checksum of one revision, for load(). */
bool
store_fetch_revision(const char *id, NewRevision *out)
{
	Datum		arg = CStringGetTextDatum(id);
	HeapTuple	tup;
	TupleDesc	desc;
	bool		isnull;

	run(Q_REVISION, &arg, NULL);
	if (SPI_processed != 1)
		return false;
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	out->id = pstrdup(id);
	out->down = migrate_array_to_list(SPI_getbinval(tup, desc, 1, &isnull));
	out->depends_on = migrate_array_to_list(SPI_getbinval(tup, desc, 2, &isnull));
	out->branch_labels = migrate_array_to_list(SPI_getbinval(tup, desc, 3, &isnull));
	out->message = SPI_getvalue(tup, desc, 4);
	out->transactional = DatumGetBool(SPI_getbinval(tup, desc, 5, &isnull));
	out->checksum = SPI_getvalue(tup, desc, 6);
	SPI_freetuptable(SPI_tuptable);
	return true;
}

/* ---------- writes ---------- */

static void
revision_args(NewRevision *rev, Datum *values, char *nulls)
{
	memset(nulls, ' ', 9);
	values[0] = CStringGetTextDatum(rev->id);
	values[1] = migrate_list_to_array(rev->down);
	values[2] = migrate_list_to_array(rev->depends_on);
	values[3] = migrate_list_to_array(rev->branch_labels);
	if (rev->message)
		values[4] = CStringGetTextDatum(rev->message);
	else
		nulls[4] = 'n';
	values[5] = CStringGetTextDatum(rev->upgrade_sql);
	if (rev->downgrade_sql)
		values[6] = CStringGetTextDatum(rev->downgrade_sql);
	else
		nulls[6] = 'n';
	values[7] = BoolGetDatum(rev->transactional);
	values[8] = CStringGetTextDatum(rev->checksum);
}

/* Insert a new revision, or replace the stored row with the same id. */
void
store_save_revision(NewRevision *rev, bool replace)
{
	Datum		values[9];
	char		nulls[9];

	revision_args(rev, values, nulls);
	run(replace ? Q_REPLACE : Q_INSERT, values, nulls);
}

void
store_delete_revision(const char *id)
{
	Datum		arg = CStringGetTextDatum(id);

	run(Q_DELETE, &arg, NULL);
}

/* Append one row to migrate.log; sqlstate and error only for a failure. */
static void
log_row(const char *revision, const char *operation, const char *checksum,
		TimestampTz started, Interval *duration, List *before, List *after,
		const char *sqlstate, const char *error)
{
	Datum		values[9];
	char		nulls[9];

	memset(nulls, ' ', sizeof(nulls));
	values[0] = CStringGetTextDatum(revision);
	values[1] = CStringGetTextDatum(operation);
	values[2] = checksum ? CStringGetTextDatum(checksum) : (Datum) 0;
	nulls[2] = checksum ? ' ' : 'n';
	values[3] = TimestampTzGetDatum(started);
	values[4] = IntervalPGetDatum(duration);
	values[5] = migrate_list_to_array(before);
	values[6] = migrate_list_to_array(after);
	values[7] = sqlstate ? CStringGetTextDatum(sqlstate) : (Datum) 0;
	nulls[7] = sqlstate ? ' ' : 'n';
	values[8] = error ? CStringGetTextDatum(error) : (Datum) 0;
	nulls[8] = error ? ' ' : 'n';
	run(sqlstate ? Q_FAIL : Q_STEP, values, nulls);
}

void
store_record_step(const char *revision, const char *operation,
				  const char *checksum, TimestampTz started,
				  Interval *duration, List *before, List *after)
{
	log_row(revision, operation, checksum, started, duration, before, after,
			NULL, NULL);
}

/*
 * Log a step that failed and was rolled back: the version rows stay what
 * they were, and the error is kept for the DBA (upgrade_each commits it).
 */
void
store_record_failure(const char *revision, const char *operation,
					 const char *checksum, TimestampTz started,
					 Interval *duration, List *heads,
					 const char *sqlstate, const char *error)
{
	log_row(revision, operation, checksum, started, duration, heads, heads,
			sqlstate, error);
}

/*
 * Per revision, in registration order: id, stored checksum, checksum of
 * the stored scripts, and the operation and checksum of the last step
 * that succeeded (NULL if none).  Each row is a char *[5].
 */
List *
store_log_checksums(void)
{
	List	   *out = NIL;
	uint64		i;
	int			k;

	run(Q_CHECKSUMS, NULL, NULL);
	for (i = 0; i < SPI_processed; i++)
	{
		char	  **row = palloc(5 * sizeof(char *));

		for (k = 0; k < 5; k++)
			row[k] = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, k + 1);
		out = lappend(out, row);
	}
	SPI_freetuptable(SPI_tuptable);
	return out;
}

/*
 * Run a catalog query (no parameters) in bookkeeping mode, so the
 * caller's search_path cannot capture a function or operator in it.  The
 * plan is prepared on first use and kept in *plan.  Results are in
 * SPI_tuptable.
 */
int
store_run_catalog(SPIPlanPtr *plan, const char *sql)
{
	StoreMode	m;
	int			rc;
	MemoryContext caller = CurrentMemoryContext;

	store_enter(&m);
	if (*plan == NULL)
	{
		SPIPlanPtr	p = SPI_prepare(sql, 0, NULL);

		if (p == NULL)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s", sql,
				 SPI_result_code_string(SPI_result));
		SPI_keepplan(p);
		*plan = p;
	}
	rc = SPI_execute_plan(*plan, NULL, NULL, false, 0);
	store_leave(&m);
	MemoryContextSwitchTo(caller);
	if (rc < 0)
		elog(ERROR, "SPI_execute_plan failed for \"%s\": %s", sql,
			 SPI_result_code_string(rc));
	return rc;
}

/* Change the version table from the rows before to the rows after. */
void
store_set_version(List *before, List *after)
{
	Datum		values[2];

	values[0] = migrate_list_to_array(migrate_list_minus(before, after));
	values[1] = migrate_list_to_array(migrate_list_minus(after, before));
	run(Q_SET_VERSION, values, NULL);
}

/*
 * Under REPEATABLE READ or SERIALIZABLE the transaction snapshot predates
 * the advisory lock: if another migration committed meanwhile, acting on
 * the stale version table would re-run its steps, and on stale revisions
 * would run replaced or dropped scripts.  Compare the log, the version
 * table and the graph generation as our snapshot sees them with the
 * latest committed state.
 */
void
store_check_snapshot(void)
{
	StoreMode	m;
	char	   *mine;
	char	   *latest;
	MemoryContext caller = CurrentMemoryContext;
	StoreQuery	q;

	if (!IsolationUsesXactSnapshot())
		return;
	store_enter(&m);
	q = generation_available() ? Q_SNAPSHOT_GRAPH : Q_SNAPSHOT;
	/* both sides see this transaction's own writes, even this statement's */
	CommandCounterIncrement();
	SPI_execute_snapshot(plan_for(q), NULL, NULL, InvalidSnapshot,
						 InvalidSnapshot, false, false, 1);
	mine = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	SPI_execute_snapshot(plan_for(q), NULL, NULL, GetLatestSnapshot(),
						 InvalidSnapshot, false, false, 1);
	latest = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	store_leave(&m);
	MemoryContextSwitchTo(caller);
	if ((mine == NULL) != (latest == NULL) ||
		(mine && strcmp(mine, latest) != 0))
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("could not serialize access due to a concurrent migration"),
				 errdetail("Another transaction changed migrate.version or the registered revisions after this transaction's snapshot was taken."),
				 errhint("Retry the transaction.")));
}

/*
 * The checksum of a revision's scripts: sha256 in hex of the upgrade
 * script, a zero byte, then the downgrade script (or nothing and a 0x01
 * marker when it is NULL, so NULL and '' differ).
 */
char *
store_checksum(const char *upgrade_sql, const char *downgrade_sql)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);
	uint8		digest[32];
	char	   *hex = palloc(65);
	static const uint8 zero = 0;
	static const uint8 null_marker = 1;
	int			i;

	if (ctx == NULL ||
		pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, (const uint8 *) upgrade_sql, strlen(upgrade_sql)) < 0 ||
		pg_cryptohash_update(ctx, &zero, 1) < 0 ||
		(downgrade_sql
		 ? pg_cryptohash_update(ctx, (const uint8 *) downgrade_sql, strlen(downgrade_sql))
		 : pg_cryptohash_update(ctx, &null_marker, 1)) < 0 ||
		pg_cryptohash_final(ctx, digest, sizeof(digest)) < 0)
		elog(ERROR, "could not compute sha256: %s", pg_cryptohash_error(ctx));
	pg_cryptohash_free(ctx);
	for (i = 0; i < 32; i++)
		sprintf(hex + i * 2, "%02x", digest[i]);
	return hex;
}
