/*
 * store.c
 *		Every read and write of the migrate.* tables.
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
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/tupmacs.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "common/cryptohash.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "migrate.h"
#include "store.h"
#include "util.h"

typedef struct StoreMode
{
	Oid			saved_user;
	int			saved_sec;
	int			nest;
} StoreMode;

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
	Q_REPAIR,
	Q_LAST_APPLIED,
	Q_REGISTERED,
	Q_RECORD_SCHEMA,
	Q_RECORDED_SCHEMA,
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
	" FROM migrate.log WHERE operation IN ('upgrade', 'downgrade', 'repair')"
	" AND sqlstate IS NULL ORDER BY revision, id DESC) l"
	" ON l.revision = r.id ORDER BY r.position",
	/* the generation, and the trigger that moves it (read_key) */
	[Q_GENERATION] =
	"SELECT g.gen, g.xmin, t.xmin, t.tgenabled"
	" FROM migrate.graph_generation g LEFT JOIN pg_trigger t"
	" ON t.tgrelid = 'migrate.revisions'::regclass AND t.tgname = 'revisions_changed'",
	[Q_LOG_FIRST] =
	"SELECT coalesce(min(id), 0) FROM migrate.log",
	[Q_BUMP] =
	"UPDATE migrate.graph_generation SET gen = gen + 1",
	/* 0.3: a repair of an applied revision, and what it changed */
	[Q_REPAIR] =
	"INSERT INTO migrate.log (revision, operation, checksum, started_at,"
	" duration, applied_by, heads_before, heads_after, detail)"
	" VALUES ($1, 'repair', $2, clock_timestamp(), '0', session_user, $3, $3, $4)",
	[Q_LAST_APPLIED] =
	"SELECT operation, checksum FROM migrate.log"
	" WHERE revision = $1 AND operation IN ('upgrade', 'downgrade', 'repair')"
	" AND sqlstate IS NULL ORDER BY id DESC LIMIT 1",
	[Q_REGISTERED] =
	"SELECT id, down_revisions, depends_on, branch_labels, message,"
	" transactional, checksum FROM migrate.revisions",
	/* 0.5: the schema each version left, for drift() */
	[Q_RECORD_SCHEMA] =
	"INSERT INTO migrate.schema_snapshots AS s (version, fingerprint, snapshot)"
	" SELECT coalesce(array_agg(revision ORDER BY revision), '{}'), $1 ->> 'fingerprint', $1"
	" FROM migrate.version"
	" ON CONFLICT (version) DO UPDATE SET fingerprint = excluded.fingerprint,"
	" snapshot = excluded.snapshot, recorded_at = now()",
	[Q_RECORDED_SCHEMA] =
	"SELECT s.snapshot, s.fingerprint, s.recorded_at::text FROM migrate.schema_snapshots s"
	" WHERE s.version = (SELECT coalesce(array_agg(revision ORDER BY revision), '{}')"
	" FROM migrate.version)",
};

static const int query_nargs[Q_COUNT] = {
	[Q_SCRIPT] = 1,[Q_INSERT] = 9,[Q_REPLACE] = 9,[Q_DELETE] = 1,
	[Q_STEP] = 7,[Q_FAIL] = 9,[Q_SET_VERSION] = 2,[Q_NAMES] = 1,[Q_REVISION] = 1,
	[Q_REPAIR] = 4,[Q_LAST_APPLIED] = 1,[Q_RECORD_SCHEMA] = 1,
};

static SPIPlanPtr plans[Q_COUNT];


/* The owner and schema of the extension, looked up once per transaction. */
static void
extension_row(Oid *owner, Oid *schema)
{
	static LocalTransactionId cached_lxid = InvalidLocalTransactionId;
	static Oid	cached_owner = InvalidOid;
	static Oid	cached_schema = InvalidOid;
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	Oid			extoid;

	if (cached_lxid != MyProc->lxid || !OidIsValid(cached_owner))
	{
		extoid = get_extension_oid("migrate", false);
		rel = table_open(ExtensionRelationId, AccessShareLock);
		ScanKeyInit(&key, Anum_pg_extension_oid, BTEqualStrategyNumber,
					F_OIDEQ, ObjectIdGetDatum(extoid));
		scan = systable_beginscan(rel, ExtensionOidIndexId, true, NULL, 1, &key);
		tup = systable_getnext(scan);
		if (!HeapTupleIsValid(tup))
			elog(ERROR, "extension migrate has no catalog row");
		cached_owner = ((Form_pg_extension) GETSTRUCT(tup))->extowner;
		cached_schema = ((Form_pg_extension) GETSTRUCT(tup))->extnamespace;
		systable_endscan(scan);
		table_close(rel, AccessShareLock);
		cached_lxid = MyProc->lxid;
	}
	*owner = cached_owner;
	*schema = cached_schema;
}

Oid
store_extension_owner(void)
{
	Oid			owner,
				schema;

	extension_row(&owner, &schema);
	return owner;
}

Oid
store_extension_schema(void)
{
	Oid			owner,
				schema;

	extension_row(&owner, &schema);
	return schema;
}

/*
 * Switch to bookkeeping mode.  An error inside needs no cleanup here:
 * (sub)transaction abort restores the user id and unwinds the GUC level.
 */
static void
store_enter(StoreMode *m)
{
	GetUserIdAndSecContext(&m->saved_user, &m->saved_sec);
	SetUserIdAndSecContext(store_extension_owner(),
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
		[Q_REPAIR] = {TEXTOID, TEXTOID, TEXTARRAYOID, TEXTOID},
		[Q_LAST_APPLIED] = {TEXTOID},
		[Q_RECORD_SCHEMA] = {JSONBOID},
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

/* ---------- reads ---------- */

static int
cmp_new_revision_id(const void *a, const void *b)
{
	return strcmp(((const NewRevision *) a)->id, ((const NewRevision *) b)->id);
}

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
 * How the trigger that bumps the generation fires, as snap sees it; only
 * ENABLE ALWAYS means it fires for every write of
 * migrate.revisions (a disabled trigger, or one enabled for origin sessions only, lets rows
 * in that no generation counts, as pg_restore --disable-triggers does).
 * Its row's xmin joins the key: disabling and enabling it again, even
 * with rows written in between, makes a new key.
 */
static char
read_trigger(Snapshot snap, Oid revisions, TransactionId *xmin)
{
	Relation	rel = table_open(TriggerRelationId, AccessShareLock);
	ScanKeyData keys[2];
	SysScanDesc scan;
	HeapTuple	tup;
	char		enabled = '\0';

	ScanKeyInit(&keys[0], Anum_pg_trigger_tgrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(revisions));
	ScanKeyInit(&keys[1], Anum_pg_trigger_tgname, BTEqualStrategyNumber,
				F_NAMEEQ, CStringGetDatum("revisions_changed"));
	scan = systable_beginscan(rel, TriggerRelidNameIndexId, true, snap, 2, keys);
	if ((tup = systable_getnext(scan)) != NULL)
	{
		enabled = ((Form_pg_trigger) GETSTRUCT(tup))->tgenabled;
		*xmin = HeapTupleHeaderGetRawXmin(tup->t_data);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return enabled;
}

/*
 * How the trigger of migrate.revisions fires now (pg_trigger.tgenabled),
 * '\0' when it is missing: verify() reports anything but ENABLE ALWAYS.
 */
char
store_revisions_trigger(void)
{
	TransactionId xmin;
	Oid			nsp = get_namespace_oid("migrate", false);

	return read_trigger(NULL, get_relname_relid("revisions", nsp), &xmin);
}

/*
 * The row of migrate.graph_generation as snap sees it: its gen and the
 * transaction that wrote it name exactly the revisions snap sees, since
 * every transaction that changes migrate.revisions writes that row once
 * (statement trigger), after any other such transaction committed.  No
 * row (a snapshot older than the 0.2 schema, or none at all), or a
 * trigger that does not always fire: gen -1, nothing is cached.
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
	key->trigger_xmin = InvalidTransactionId;
	if (!OidIsValid(relid) ||
		read_trigger(snap, key->relid, &key->trigger_xmin) != TRIGGER_FIRES_ALWAYS)
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
			/* raw, as the xmin column reads it, frozen or not */
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
RevRow *
store_load_rows(int *nrows, MemoryContext keep, GraphKey *key)
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


/* Whether the schema has the generation table (0.1 does not). */
bool
store_generation_available(void)
{
	Oid			nsp = get_namespace_oid("migrate", true);

	return OidIsValid(nsp) && OidIsValid(get_relname_relid("graph_generation", nsp));
}

/* The key as the current snapshot sees it; gen -1 when there is none. */
void
store_read_generation(GraphKey *key)
{
	bool		isnull;
	bool		always;
	HeapTuple	tup;
	TupleDesc	desc;

	key->dbid = MyDatabaseId;
	key->relid = get_relname_relid("revisions", get_namespace_oid("migrate", false));
	key->gen = -1;
	key->xmin = InvalidTransactionId;
	key->trigger_xmin = InvalidTransactionId;
	run(Q_GENERATION, NULL, NULL);
	/* none: a snapshot older than the extension's update (no caching) */
	if (SPI_processed == 0)
		return;
	if (SPI_processed != 1)
		elog(ERROR, "migrate.graph_generation must hold exactly one row");
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	always = DatumGetChar(SPI_getbinval(tup, desc, 4, &isnull)) == TRIGGER_FIRES_ALWAYS && !isnull;
	if (always)
	{
		key->gen = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
		key->xmin = DatumGetTransactionId(SPI_getbinval(tup, desc, 2, &isnull));
		key->trigger_xmin = DatumGetTransactionId(SPI_getbinval(tup, desc, 3, &isnull));
	}
	SPI_freetuptable(SPI_tuptable);
}

/*
 * The graph generation as the current snapshot sees it, or -1 before the
 * 0.2 schema: runner.c compares it before and after a run.
 */
int64
store_generation(void)
{
	GraphKey	key;

	if (!store_generation_available())
		return -1;
	store_read_generation(&key);
	return key.gen;
}

/*
 * Whether the calling role may read script text: SELECT on
 * migrate.revisions, or on its two script columns.  Scripts hold
 * passwords and user mappings as often as DDL, and the reading functions
 * read them as the extension owner.
 */
bool
store_may_read_scripts(void)
{
	Oid			relid = get_relname_relid("revisions", get_namespace_oid("migrate", false));
	Oid			role = GetUserId();

	return pg_class_aclcheck(relid, role, ACL_SELECT) == ACLCHECK_OK ||
		(pg_attribute_aclcheck(relid, get_attnum(relid, "upgrade_sql"), role, ACL_SELECT) == ACLCHECK_OK &&
		 pg_attribute_aclcheck(relid, get_attnum(relid, "downgrade_sql"), role, ACL_SELECT) == ACLCHECK_OK);
}

/* Whether the caller may read migrate.log (history() shows its rows). */
bool
store_may_read_log(void)
{
	Oid			relid = get_relname_relid("log", get_namespace_oid("migrate", false));

	return pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) == ACLCHECK_OK;
}

/* Move the graph generation on: migrate.revisions changed. */
void
store_bump_generation(void)
{
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	run(Q_BUMP, NULL, NULL);
	SPI_finish();
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
 * The scripts of a revision the caller's graph holds.  Its row can only be
 * missing when it was deleted after the graph was read: by another session
 * (reading calls take no lock) or by a script of this very run.
 */
StoredScript
store_get_script(const char *id)
{
	StoredScript s;

	if (!store_fetch_script(id, &s))
		ereport(ERROR,
				(errcode(MIGRATE_ERR_STATE),
				 errmsg("revision \"%s\" disappeared during the migration", id),
				 errdetail("Its row in migrate.revisions was deleted after this call read the graph, by another session or by a script of this run."),
				 errhint("Run the call again; a revision script must not change migrate's own tables.")));
	return s;
}

/*
 * Which registered revisions own these names, as ids or as branch labels
 * (an index scan per name: registration does not load the graph).  The
 * names are sorted once and searched, so that a revision naming thousands
 * of dependencies stays linear-ish.
 */
List *
store_lookup_names(List *names)
{
	Datum		arg = util_list_to_array(names);
	List	   *out = NIL;
	uint64		i;
	int			n = list_length(names);
	char	  **sorted;
	ListCell   *lc;

	if (names == NIL)
		return NIL;
	sorted = util_sorted_strings(names);
	run(Q_NAMES, &arg, NULL);
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		char	   *id = SPI_getvalue(tup, desc, 1);
		bool		isnull;
		List	   *labels = util_array_to_list(SPI_getbinval(tup, desc, 2, &isnull));
		char	   *found;

		if ((found = util_sorted_find(sorted, n, id)) != NULL)
		{
			NameOwner  *o = palloc(sizeof(NameOwner));

			o->name = found;
			o->owner = id;
			o->is_label = false;
			out = lappend(out, o);
		}
		foreach(lc, labels)
		{
			char	   *label = lfirst(lc);

			if (strcmp(label, id) != 0 &&
				(found = util_sorted_find(sorted, n, label)) != NULL)
			{
				NameOwner  *o = palloc(sizeof(NameOwner));

				o->name = found;
				o->owner = id;
				o->is_label = true;
				out = lappend(out, o);
			}
		}
	}
	SPI_freetuptable(SPI_tuptable);
	pfree(sorted);
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
	out->down = util_array_to_list(SPI_getbinval(tup, desc, 1, &isnull));
	out->depends_on = util_array_to_list(SPI_getbinval(tup, desc, 2, &isnull));
	out->branch_labels = util_array_to_list(SPI_getbinval(tup, desc, 3, &isnull));
	out->message = SPI_getvalue(tup, desc, 4);
	out->transactional = DatumGetBool(SPI_getbinval(tup, desc, 5, &isnull));
	out->checksum = SPI_getvalue(tup, desc, 6);
	SPI_freetuptable(SPI_tuptable);
	return true;
}

/*
 * Every registered revision without its scripts, sorted by id: what sync
 * compares a directory against in one query.
 */
NewRevision *
store_load_registered(int *n)
{
	NewRevision *out;
	uint64		i;

	run(Q_REGISTERED, NULL, NULL);
	*n = (int) SPI_processed;
	out = palloc0(Max(*n, 1) * sizeof(NewRevision));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;

		out[i].id = SPI_getvalue(tup, desc, 1);
		out[i].down = util_array_to_list(SPI_getbinval(tup, desc, 2, &isnull));
		out[i].depends_on = util_array_to_list(SPI_getbinval(tup, desc, 3, &isnull));
		out[i].branch_labels = util_array_to_list(SPI_getbinval(tup, desc, 4, &isnull));
		out[i].message = SPI_getvalue(tup, desc, 5);
		out[i].transactional = DatumGetBool(SPI_getbinval(tup, desc, 6, &isnull));
		out[i].checksum = SPI_getvalue(tup, desc, 7);
	}
	SPI_freetuptable(SPI_tuptable);
	qsort(out, *n, sizeof(NewRevision), cmp_new_revision_id);
	return out;
}

/* ---------- writes ---------- */

static void
revision_args(NewRevision *rev, Datum *values, char *nulls)
{
	memset(nulls, ' ', 9);
	values[0] = CStringGetTextDatum(rev->id);
	values[1] = util_list_to_array(rev->down);
	values[2] = util_list_to_array(rev->depends_on);
	values[3] = util_list_to_array(rev->branch_labels);
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
	values[5] = util_list_to_array(before);
	values[6] = util_list_to_array(after);
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

/* Whether migrate.log can record repairs (the 0.3 schema). */
bool
store_repairs_available(void)
{
	Oid			nsp = get_namespace_oid("migrate", false);

	return get_attnum(get_relname_relid("log", nsp), "detail") != InvalidAttrNumber;
}

/*
 * The checksum of the scripts the revision is applied with: that of its
 * last upgrade or repair, unless a downgrade came after it; NULL when the
 * log knows none (a stamped revision, or log rows deleted).
 */
char *
store_applied_checksum(const char *id)
{
	Datum		arg = CStringGetTextDatum(id);
	char	   *out = NULL;

	run(Q_LAST_APPLIED, &arg, NULL);
	if (SPI_processed == 1)
	{
		char	   *op = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);

		if (strcmp(op, "downgrade") != 0)
			out = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	}
	SPI_freetuptable(SPI_tuptable);
	return out;
}

/* Log a repair: what changed in an applied revision, without running it. */
void
store_record_repair(const char *id, const char *checksum, List *heads,
					const char *detail)
{
	Datum		values[4];

	values[0] = CStringGetTextDatum(id);
	values[1] = CStringGetTextDatum(checksum);
	values[2] = util_list_to_array(heads);
	values[3] = CStringGetTextDatum(detail);
	run(Q_REPAIR, values, NULL);
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
 * The upgrades, downgrades and stamps in migrate.log of ids, for history(), in
 * SPI_tuptable as (revision, operation, started_at, applied_by, duration,
 * sqlstate, error, id), in no order.  A page looks its ids up in the index
 * on (revision, id); a long list reads the whole log in one sequential
 * scan instead, as
 * estimating "= ANY" over 100,000 elements alone costs more than that.
 */
#define STORE_HISTORY_LOOKUPS 1000

int
store_history_log(List *ids)
{
	StoreMode	m;
	int			rc;
	Oid			argtype = TEXTARRAYOID;
	Datum		arg;
	MemoryContext caller = CurrentMemoryContext;
	bool		all = list_length(ids) > STORE_HISTORY_LOOKUPS;

	arg = all ? (Datum) 0 : util_list_to_array(ids);
	store_enter(&m);
	rc = SPI_execute_with_args(all
							   ? "SELECT revision, operation, started_at, applied_by,"
							   " duration, sqlstate, error, id"
							   " FROM migrate.log WHERE operation IN ('upgrade', 'downgrade', 'stamp')"
							   : "SELECT revision, operation, started_at, applied_by,"
							   " duration, sqlstate, error, id"
							   " FROM migrate.log WHERE revision = ANY ($1)"
							   " AND operation IN ('upgrade', 'downgrade', 'stamp')",
							   all ? 0 : 1, &argtype, &arg, NULL, true, 0);
	store_leave(&m);
	MemoryContextSwitchTo(caller);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "reading migrate.log failed: %s", SPI_result_code_string(rc));
	return (int) SPI_processed;
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

/*
 * The transaction in which migrate last changed the version rows, and the
 * outermost open (sub)transaction that did: a change rolled back with its
 * subtransaction (ROLLBACK TO SAVEPOINT after an upgrade) is no change,
 * or the commit would record the schema as it is for version rows that
 * did not move, and a hand-made change would vanish from drift().
 */
static LocalTransactionId version_changed_lxid = InvalidLocalTransactionId;
static SubTransactionId version_changed_subid = InvalidSubTransactionId;
static LocalTransactionId schema_recorded_lxid = InvalidLocalTransactionId;

static void
version_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						 SubTransactionId parentSubid, void *arg)
{
	if (version_changed_lxid != MyProc->lxid || mySubid != version_changed_subid)
		return;
	if (event == SUBXACT_EVENT_COMMIT_SUB)
		version_changed_subid = parentSubid;
	else if (event == SUBXACT_EVENT_ABORT_SUB)
	{
		version_changed_lxid = InvalidLocalTransactionId;
		version_changed_subid = InvalidSubTransactionId;
	}
}

/*
 * Whether this transaction changed the version rows through migrate (an
 * upgrade, downgrade or stamp, not a restore or a hand-made INSERT) and
 * has not recorded the schema it leaves yet; true marks it recorded.
 */
bool
store_schema_to_record(void)
{
	if (version_changed_lxid != MyProc->lxid ||
		schema_recorded_lxid == MyProc->lxid)
		return false;
	/* the extension's SQL may predate the table (0.4 and older) */
	if (!OidIsValid(get_relname_relid("schema_snapshots", store_extension_schema())))
		return false;
	schema_recorded_lxid = MyProc->lxid;
	return true;
}

/* Change the version table from the rows before to the rows after. */
void
store_set_version(List *before, List *after)
{
	Datum		values[2];
	static bool registered = false;

	if (!registered)
	{
		RegisterSubXactCallback(version_subxact_callback, NULL);
		registered = true;
	}
	/* an enclosing level that already changed them stays the one to watch */
	if (version_changed_lxid != MyProc->lxid)
	{
		version_changed_lxid = MyProc->lxid;
		version_changed_subid = GetCurrentSubTransactionId();
	}

	values[0] = util_list_to_array(util_list_minus(before, after));
	values[1] = util_list_to_array(util_list_minus(after, before));
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
	q = store_generation_available() ? Q_SNAPSHOT_GRAPH : Q_SNAPSHOT;
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

/* Keep the snapshot of the schema the current version rows stand for. */
void
store_record_schema(Datum snapshot)
{
	run(Q_RECORD_SCHEMA, &snapshot, NULL);
}

/*
 * The snapshot recorded for the current version rows, with its fingerprint
 * and time (palloc'd in the caller's context); false when there is none.
 */
bool
store_recorded_schema(Datum *snapshot, char **fingerprint, char **recorded_at)
{
	bool		isnull;
	bool		found;

	run(Q_RECORDED_SCHEMA, NULL, NULL);
	found = SPI_processed == 1;
	if (found)
	{
		*snapshot = SPI_datumTransfer(SPI_getbinval(SPI_tuptable->vals[0],
													SPI_tuptable->tupdesc, 1, &isnull),
									  false, -1);
		*fingerprint = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
		*recorded_at = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3);
	}
	SPI_freetuptable(SPI_tuptable);
	return found;
}
