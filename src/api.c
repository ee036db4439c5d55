/*
 * api.c
 *		The SQL-callable entry points: argument checks, SRF plumbing, and
 *		the order in which the other parts are called.
 *
 * Each function connects to SPI once; mutating functions refuse to run
 * from inside a revision script and take the advisory lock before they
 * read anything.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/event_trigger.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "cache.h"
#include "check.h"
#include "graph.h"
#include "guard.h"
#include "lock.h"
#include "migrate.h"
#include "offline.h"
#include "plan.h"
#include "register.h"
#include "render.h"
#include "runner.h"
#include "store.h"
#include "sync.h"
#include "target.h"
#include "util.h"
#include "schema/snapshot.h"

PG_FUNCTION_INFO_V1(migrate_revision);
PG_FUNCTION_INFO_V1(migrate_merge);
PG_FUNCTION_INFO_V1(migrate_load);
PG_FUNCTION_INFO_V1(migrate_drop_revision);
PG_FUNCTION_INFO_V1(migrate_sync);
PG_FUNCTION_INFO_V1(migrate_upgrade);
PG_FUNCTION_INFO_V1(migrate_downgrade);
PG_FUNCTION_INFO_V1(migrate_stamp);
PG_FUNCTION_INFO_V1(migrate_stamp_many);
PG_FUNCTION_INFO_V1(migrate_current);
PG_FUNCTION_INFO_V1(migrate_heads);
PG_FUNCTION_INFO_V1(migrate_bases);
PG_FUNCTION_INFO_V1(migrate_branches);
PG_FUNCTION_INFO_V1(migrate_history);
PG_FUNCTION_INFO_V1(migrate_show);
PG_FUNCTION_INFO_V1(migrate_graph);
PG_FUNCTION_INFO_V1(migrate_record_failure);
PG_FUNCTION_INFO_V1(migrate_status);
PG_FUNCTION_INFO_V1(migrate_upgrade_each);
PG_FUNCTION_INFO_V1(migrate_downgrade_each);
PG_FUNCTION_INFO_V1(migrate_upgrade_statements);
PG_FUNCTION_INFO_V1(migrate_downgrade_statements);
PG_FUNCTION_INFO_V1(migrate_apply_step);
PG_FUNCTION_INFO_V1(migrate_begin_step);
PG_FUNCTION_INFO_V1(migrate_end_step);
PG_FUNCTION_INFO_V1(migrate_upgrade_sql);
PG_FUNCTION_INFO_V1(migrate_downgrade_sql);
PG_FUNCTION_INFO_V1(migrate_verify);
PG_FUNCTION_INFO_V1(migrate_check_roundtrip);
PG_FUNCTION_INFO_V1(migrate_revisions_changed);
PG_FUNCTION_INFO_V1(migrate_guard_drop);
PG_FUNCTION_INFO_V1(migrate_snapshot);
PG_FUNCTION_INFO_V1(migrate_diff);
PG_FUNCTION_INFO_V1(migrate_desired_snapshot);
PG_FUNCTION_INFO_V1(migrate_autogenerate);
PG_FUNCTION_INFO_V1(migrate_check_desired);
PG_FUNCTION_INFO_V1(migrate_drift);

/* ---------- argument helpers ---------- */

static char *
text_arg(FunctionCallInfo fcinfo, int n)
{
	return PG_ARGISNULL(n) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(n));
}

static char *
required_text(FunctionCallInfo fcinfo, int n, const char *name)
{
	if (PG_ARGISNULL(n))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"%s\" must not be null", name),
				 errhint("Pass a value for \"%s\".", name)));
	return text_to_cstring(PG_GETARG_TEXT_PP(n));
}

/* A boolean argument; absent (an older signature) it is dflt, NULL is refused. */
static bool
bool_arg(FunctionCallInfo fcinfo, int n, const char *name, bool dflt)
{
	if (n >= PG_NARGS())
		return dflt;
	if (PG_ARGISNULL(n))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"%s\" must not be null", name),
				 errhint("Pass true or false, or leave \"%s\" out for %s.", name, dflt ? "true" : "false")));
	return PG_GETARG_BOOL(n);
}

static List *
array_arg(FunctionCallInfo fcinfo, int n, const char *name)
{
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *nulls;
	int			count,
				i;
	List	   *out = NIL;

	if (PG_ARGISNULL(n))
		return NIL;
	arr = PG_GETARG_ARRAYTYPE_P(n);
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(MIGRATE_ERR_BAD_ARGUMENT),
				 errmsg("argument \"%s\" must be a one-dimensional array", name),
				 errhint("Pass a text array such as ARRAY['a1', 'b2'].")));
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &count);
	for (i = 0; i < count; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("argument \"%s\" must not contain nulls", name),
					 errhint("Remove the null elements.")));
		out = lappend(out, TextDatumGetCString(elems[i]));
	}
	return out;
}

static Datum
ids_array(Graph *g, const int *revs, int n)
{
	return util_list_to_array(graph_ids(g, revs, n));
}

static Datum
labels_array(Graph *g, GraphRev *rev)
{
	List	   *l = NIL;
	int			i;

	for (i = 0; i < rev->nlabels; i++)
		l = lappend(l, GR_LABEL(g, rev, i));
	return util_list_to_array(l);
}

/* Copy a result out of SPI's memory before SPI_finish frees it. */
static char *
keep(const char *s)
{
	char	   *copy = SPI_palloc(strlen(s) + 1);

	strcpy(copy, s);
	return copy;
}

static void
connect_spi(void)
{
	migrate_check_settings();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
}

/* Functions that return script text ask for the right to read it. */
static void
require_script_access(const char *function)
{
	if (!store_may_read_scripts())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to read the scripts of migrate.revisions"),
				 errdetail("migrate.%s() returns script text, which only roles with SELECT on migrate.revisions may read.", function),
				 errhint("GRANT SELECT ON migrate.revisions TO the role, as the owner of the extension.")));
}

/* Load the graph and the version rows, refusing unknown rows. */
static Graph *
load_state(RevSet **version)
{
	Graph	   *g = cache_graph();

	*version = revset_create(g);
	plan_check_version(g, store_load_version(), *version);
	return g;
}

/* ---------- registration ---------- */

static void
begin_mutation(void)
{
	runner_enter();
	connect_spi();
	lock_acquire();
}

/*
 * Register rev and return its id as the function's result: on top of
 * head (NULL: the single head; "base": a new root) unless its parents
 * were given.  Ends the SPI connection.
 */
static Datum
register_on_head(NewRevision *rev, bool parents_given, const char *head)
{
	char	   *id;

	if (!parents_given && (head == NULL || strcmp(head, "base") != 0))
	{
		/* only finding the head needs the whole graph */
		Graph	   *g = cache_graph();
		int			parent = plan_new_parent(g, head);

		if (parent >= 0)
			rev->down = list_make1(REV_ID(g, parent));
	}
	id = keep(register_new(rev));
	SPI_finish();
	PG_RETURN_TEXT_P(cstring_to_text(id));
}

Datum
migrate_revision(PG_FUNCTION_ARGS)
{
	NewRevision rev = {0};
	char	   *head = text_arg(fcinfo, 7);

	begin_mutation();
	rev.message = text_arg(fcinfo, 0);
	rev.upgrade_sql = required_text(fcinfo, 1, "upgrade");
	rev.downgrade_sql = text_arg(fcinfo, 2);
	rev.id = text_arg(fcinfo, 4);
	rev.branch_labels = array_arg(fcinfo, 5, "branch_labels");
	rev.depends_on = array_arg(fcinfo, 6, "depends_on");
	rev.transactional = bool_arg(fcinfo, 8, "transactional", true);
	if (!PG_ARGISNULL(3))
	{
		if (head != NULL)
			ereport(ERROR,
					(errcode(MIGRATE_ERR_BAD_ARGUMENT),
					 errmsg("down_revision and head cannot both be given"),
					 errhint("Pass down_revision to name the parents, or head to build on a head.")));
		rev.down = array_arg(fcinfo, 3, "down_revision");
	}
	return register_on_head(&rev, !PG_ARGISNULL(3), head);
}

Datum
migrate_merge(PG_FUNCTION_ARGS)
{
	List	   *parents = NIL;
	Graph	   *g;
	char	   *id;
	ListCell   *lc;

	begin_mutation();
	g = cache_graph();
	if (PG_ARGISNULL(0))
		parents = graph_ids(g, G_REAL_HEADS(g), g->nreal_heads);
	else
	{
		foreach(lc, array_arg(fcinfo, 0, "revisions"))
		{
			int			r = plan_resolve_one(g, lfirst(lc), "revision");

			if (r < 0)
				ereport(ERROR,
						(errcode(MIGRATE_ERR_BAD_ARGUMENT),
						 errmsg("cannot merge \"base\""),
						 errhint("Name the revisions to merge.")));
			parents = list_append_unique_ptr(parents, REV_ID(g, r));
		}
	}
	id = keep(register_merge(parents, text_arg(fcinfo, 1), text_arg(fcinfo, 2)));
	SPI_finish();
	PG_RETURN_TEXT_P(cstring_to_text(id));
}

Datum
migrate_load(PG_FUNCTION_ARGS)
{
	char	   *text = required_text(fcinfo, 0, "script");
	char	   *id;

	begin_mutation();
	id = keep(register_load(text, NULL, NULL));
	SPI_finish();
	PG_RETURN_TEXT_P(cstring_to_text(id));
}

/*
 * A directory in one call: scripts[i] is the file file_names[i] (names
 * optional, for the report only).
 */
Datum
migrate_sync(PG_FUNCTION_ARGS)
{
	List	   *scripts;
	List	   *names = NIL;
	ReturnSetInfo *rsinfo;
	ListCell   *lc;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"scripts\" must not be null"),
				 errhint("Pass the files' contents as a text array; an empty array reports every registered revision as stale.")));
	scripts = array_arg(fcinfo, 0, "scripts");
	if (!PG_ARGISNULL(1))
	{
		names = array_arg(fcinfo, 1, "file_names");
		if (list_length(names) != list_length(scripts))
			ereport(ERROR,
					(errcode(MIGRATE_ERR_BAD_ARGUMENT),
					 errmsg("file_names must have one entry per script"),
					 errdetail("Got %d scripts and %d file names.",
							   list_length(scripts), list_length(names)),
					 errhint("Pass the file names in the order of the scripts, or NULL.")));
	}
	InitMaterializedSRF(fcinfo, 0);
	rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	begin_mutation();
	foreach(lc, sync_directory(scripts, names, bool_arg(fcinfo, 2, "prune", false)))
	{
		SyncResult *r = lfirst(lc);
		Datum		values[4];
		bool		nulls[4] = {r->revision == NULL, r->file_name == NULL,
		false, r->detail == NULL};

		values[0] = r->revision ? CStringGetTextDatum(r->revision) : (Datum) 0;
		values[1] = r->file_name ? CStringGetTextDatum(r->file_name) : (Datum) 0;
		values[2] = CStringGetTextDatum(r->status);
		values[3] = r->detail ? CStringGetTextDatum(r->detail) : (Datum) 0;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}

Datum
migrate_drop_revision(PG_FUNCTION_ARGS)
{
	char	   *id = required_text(fcinfo, 0, "id");

	begin_mutation();
	register_drop(id);
	SPI_finish();
	PG_RETURN_VOID();
}

/* ---------- applying ---------- */

static StepPlan *
make_plan(Graph *g, RevSet *version, const char *target, bool upgrade)
{
	return upgrade ? plan_upgrade(g, version, target)
		: plan_downgrade(g, version, target);
}

typedef struct StepSink
{
	ReturnSetInfo *rsinfo;
	bool		dry_run;
} StepSink;

static void
emit_step(StepResult *r, void *arg)
{
	StepSink   *sink = arg;
	Datum		values[6];
	bool		nulls[6] = {false, false, false, false, true, true};

	values[0] = CStringGetTextDatum(r->revision);
	values[1] = CStringGetTextDatum(r->operation);
	if (r->message)
		values[2] = CStringGetTextDatum(r->message);
	else
		nulls[2] = true;
	values[3] = IntervalPGetDatum(&r->duration);
	/* dry runs only; the 0.1 definition of the function has 4 columns */
	if (sink->dry_run && sink->rsinfo->setDesc->natts >= 6)
	{
		values[4] = util_list_to_array(r->locks);
		values[5] = util_list_to_array(r->rewritten);
		nulls[4] = nulls[5] = false;
	}
	tuplestore_putvalues(sink->rsinfo->setResult, sink->rsinfo->setDesc, values, nulls);
}

typedef struct DryRun
{
	Graph	   *g;
	RevSet	   *version;
	StepPlan   *plan;
	RunOptions *opts;
} DryRun;

static void
dry_run_body(void *arg)
{
	DryRun	   *d = arg;

	runner_apply(d->g, d->version, d->plan, d->opts);
}

static Datum
apply(FunctionCallInfo fcinfo, bool upgrade)
{
	char	   *target = required_text(fcinfo, 0, "target");
	bool		dry_run = bool_arg(fcinfo, 1, "dry_run", false);
	StepSink	sink;
	Graph	   *g;
	RevSet	   *version;
	StepPlan   *plan;
	RunOptions	opts = {emit_step, &sink, false, true};

	InitMaterializedSRF(fcinfo, 0);
	sink.rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	sink.dry_run = dry_run;
	begin_mutation();
	g = load_state(&version);
	plan = make_plan(g, version, target, upgrade);
	if (dry_run)
	{
		/* everything runs in a subtransaction that is rolled back */
		DryRun		d = {g, version, plan, &opts};
		ErrorData  *err;

		opts.observe = true;
		opts.bookkeeping = false;
		err = util_subxact(dry_run_body, &d, false);
		if (err != NULL)
			ReThrowError(err);
	}
	else
		runner_apply(g, version, plan, &opts);
	SPI_finish();
	return (Datum) 0;
}

Datum
migrate_upgrade(PG_FUNCTION_ARGS)
{
	return apply(fcinfo, true);
}

Datum
migrate_downgrade(PG_FUNCTION_ARGS)
{
	return apply(fcinfo, false);
}

/*
 * upgrade_each / downgrade_each: procedures that commit after every step,
 * so they need CALL at top level (a non-atomic context).
 */
static Datum
apply_each(FunctionCallInfo fcinfo, bool upgrade)
{
	char	   *target = required_text(fcinfo, 0, "target");
	const char *name = upgrade ? "upgrade_each" : "downgrade_each";
	Graph	   *g;
	RevSet	   *version;
	StepPlan   *plan;

	if (fcinfo->context == NULL || !IsA(fcinfo->context, CallContext) ||
		castNode(CallContext, fcinfo->context)->atomic)
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("migrate.%s cannot run inside a transaction block", name),
				 errdetail("It commits after every revision, which a procedure can do only when CALL runs at top level."),
				 errhint("CALL it outside BEGIN ... COMMIT (and not from a function), or use migrate.%s() to run every revision in the caller's transaction.",
						 upgrade ? "upgrade" : "downgrade")));
	migrate_check_settings();
	runner_enter();
	if (SPI_connect_ext(SPI_OPT_NONATOMIC) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/* the SPI procedure context survives the commits: state lives there */
	lock_acquire();
	g = cache_build_graph();	/* not the cache: it must outlive commits */
	version = revset_create(g);
	plan_check_version(g, store_load_version(), version);
	plan = make_plan(g, version, target, upgrade);
	runner_apply_each(g, version, plan);
	SPI_finish();
	PG_RETURN_VOID();
}

Datum
migrate_upgrade_each(PG_FUNCTION_ARGS)
{
	return apply_each(fcinfo, true);
}

Datum
migrate_downgrade_each(PG_FUNCTION_ARGS)
{
	return apply_each(fcinfo, false);
}

/* ---------- statements for \gexec and their bookkeeping ---------- */

static Datum
statements(FunctionCallInfo fcinfo, bool upgrade)
{
	char	   *target = required_text(fcinfo, 0, "target");
	ReturnSetInfo *rsinfo;
	Graph	   *g;
	RevSet	   *version;
	StepPlan   *plan;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	require_script_access(upgrade ? "upgrade_statements" : "downgrade_statements");
	connect_spi();
	g = load_state(&version);
	plan = make_plan(g, version, target, upgrade);
	foreach(lc, offline_statements(g, version, plan))
	{
		Datum		v = CStringGetTextDatum(lfirst(lc));
		bool		n = false;

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &v, &n);
	}
	SPI_finish();
	return (Datum) 0;
}

Datum
migrate_upgrade_statements(PG_FUNCTION_ARGS)
{
	return statements(fcinfo, true);
}

Datum
migrate_downgrade_statements(PG_FUNCTION_ARGS)
{
	return statements(fcinfo, false);
}

/*
 * Common part of apply_step, begin_step and end_step: lock, load, and
 * check that the named step may run now, with the scripts the plan was
 * made from.
 */
static PlanStep
named_step(FunctionCallInfo fcinfo, Graph **g, RevSet **version)
{
	char	   *id = required_text(fcinfo, 0, "revision");
	char	   *op = required_text(fcinfo, 1, "operation");
	char	   *checksum = text_arg(fcinfo, 2);
	PlanStep	step;
	int			r;

	if (strcmp(op, "upgrade") != 0 && strcmp(op, "downgrade") != 0)
		ereport(ERROR,
				(errcode(MIGRATE_ERR_BAD_ARGUMENT),
				 errmsg("invalid operation \"%s\"", op),
				 errhint("Pass 'upgrade' or 'downgrade'.")));
	begin_mutation();
	*g = load_state(version);
	r = graph_lookup(*g, id);
	if (r < 0 || graph_is_label(*g, id))
		ereport(ERROR,
				(errcode(MIGRATE_ERR_UNKNOWN),
				 errmsg("revision \"%s\" does not exist", id),
				 errhint("Steps take full revision ids; make the plan again with migrate.%s_statements().", op)));
	step.rev = r;
	step.upgrade = op[0] == 'u';
	plan_check_step(*g, *version, &step);
	if (checksum)
	{
		StoredScript s = {NULL, NULL, "none"};

		if (!store_fetch_script(id, &s) || strcmp(s.checksum, checksum) != 0)
			ereport(ERROR,
					(errcode(MIGRATE_ERR_STATE),
					 errmsg("revision \"%s\" changed after the plan was made", id),
					 errdetail("The plan was made for checksum %s; the registered scripts have checksum %s.",
							   checksum, s.checksum),
					 errhint("Review the new scripts and make the plan again with migrate.%s_statements().", op)));
	}
	return step;
}

static void
require_transactional(Graph *g, PlanStep *step, bool want)
{
	GraphRev   *rev = &g->revs[step->rev];

	if (rev->transactional != want)
		ereport(ERROR,
				(errcode(want ? ERRCODE_ACTIVE_SQL_TRANSACTION : MIGRATE_ERR_BAD_ARGUMENT),
				 errmsg("revision \"%s\" is %s", GR_ID(g, rev),
						rev->transactional ? "transactional" : "not transactional"),
				 want
				 ? errhint("Run it as begin_step, each of its statements at top level, then end_step, as migrate.%s_statements() lists them.",
						   step->upgrade ? "upgrade" : "downgrade")
				 : errhint("Run it with migrate.apply_step().")));
}

Datum
migrate_apply_step(PG_FUNCTION_ARGS)
{
	Graph	   *g;
	RevSet	   *version;
	PlanStep	step = named_step(fcinfo, &g, &version);
	StepPlan	plan = {1, &step};
	RunOptions	opts = {NULL, NULL, false, true};
	char	   *done;

	require_transactional(g, &step, true);
	done = runner_describe(g, &step);
	runner_apply(g, version, &plan, &opts);
	done = keep(done);
	SPI_finish();
	PG_RETURN_TEXT_P(cstring_to_text(done));
}

Datum
migrate_begin_step(PG_FUNCTION_ARGS)
{
	Graph	   *g;
	RevSet	   *version;
	PlanStep	step = named_step(fcinfo, &g, &version);
	char	   *progress;

	require_transactional(g, &step, false);
	lock_step_begin(REV_ID(g, step.rev), step.upgrade);
	progress = runner_describe(g, &step);
	ereport(NOTICE, (errmsg_internal("running %s", progress)));
	progress = keep(psprintf("%s (non-transactional: its statements follow)", progress));
	SPI_finish();
	PG_RETURN_TEXT_P(cstring_to_text(progress));
}

Datum
migrate_end_step(PG_FUNCTION_ARGS)
{
	Graph	   *g;
	RevSet	   *version;
	PlanStep	step = named_step(fcinfo, &g, &version);
	GraphRev   *rev = &g->revs[step.rev];
	StoredScript s;
	char	   *done;
	TimestampTz started;

	require_transactional(g, &step, false);
	if (!lock_step_begun(GR_ID(g, rev), step.upgrade, &started))
		ereport(ERROR,
				(errcode(MIGRATE_ERR_STATE),
				 errmsg("end_step of revision \"%s\" without its begin_step", GR_ID(g, rev)),
				 errdetail("This session did not call migrate.begin_step('%s', '%s') since its last end_step, or no longer holds the lock it took (DISCARD ALL, pg_advisory_unlock_all(), a connection pooler).",
						   GR_ID(g, rev), step.upgrade ? "upgrade" : "downgrade"),
				 errhint("Run begin_step, the revision's statements and end_step in one session, as migrate.%s_statements() lists them; to record work done by hand, use migrate.stamp().",
						 step.upgrade ? "upgrade" : "downgrade")));
	s = store_get_script(GR_ID(g, rev));
	done = keep(psprintf("recorded %s", runner_describe(g, &step)));
	runner_record(g, version, &step, s.checksum, started);
	lock_step_end();
	SPI_finish();
	PG_RETURN_TEXT_P(cstring_to_text(done));
}

/* ---------- offline SQL ---------- */

static Datum
offline_sql(FunctionCallInfo fcinfo, bool upgrade)
{
	char	   *target = required_text(fcinfo, 0, "target");
	char	   *from = text_arg(fcinfo, 1);
	Graph	   *g;
	RevSet	   *version;
	StepPlan   *plan;
	char	   *script;

	require_script_access(upgrade ? "upgrade_sql" : "downgrade_sql");
	connect_spi();
	if (from == NULL)
		g = load_state(&version);
	else
	{
		/* the starting state as stamp(from) would set it */
		List	   *targets = NIL;
		char	   *tok;
		char	   *save;

		g = cache_graph();
		version = revset_create(g);
		for (tok = strtok_r(from, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save))
			targets = lappend(targets, tok);
		if (targets == NIL)
			ereport(ERROR,
					(errcode(MIGRATE_ERR_BAD_ARGUMENT),
					 errmsg("from_revision is empty"),
					 errhint("Pass 'base', a revision, or several separated by commas; NULL starts from the version table.")));
		plan_stamp(g, version, targets);
	}
	plan = make_plan(g, version, target, upgrade);
	script = keep(offline_script(g, version, plan, upgrade));
	SPI_finish();
	PG_RETURN_TEXT_P(cstring_to_text(script));
}

Datum
migrate_upgrade_sql(PG_FUNCTION_ARGS)
{
	return offline_sql(fcinfo, true);
}

Datum
migrate_downgrade_sql(PG_FUNCTION_ARGS)
{
	return offline_sql(fcinfo, false);
}

/* ---------- operating safely ---------- */

static void
emit_problems(FunctionCallInfo fcinfo, List *problems)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ListCell   *lc;

	foreach(lc, problems)
	{
		Problem    *p = lfirst(lc);
		Datum		values[3];
		bool		nulls[3] = {p->revision == NULL, false, p->detail == NULL};

		values[0] = p->revision ? CStringGetTextDatum(p->revision) : (Datum) 0;
		values[1] = CStringGetTextDatum(p->problem);
		values[2] = p->detail ? CStringGetTextDatum(p->detail) : (Datum) 0;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

Datum
migrate_verify(PG_FUNCTION_ARGS)
{
	InitMaterializedSRF(fcinfo, 0);
	connect_spi();
	emit_problems(fcinfo, check_verify());
	SPI_finish();
	return (Datum) 0;
}

Datum
migrate_check_roundtrip(PG_FUNCTION_ARGS)
{
	char	   *target = required_text(fcinfo, 0, "target");
	Graph	   *g;
	RevSet	   *version;

	InitMaterializedSRF(fcinfo, 0);
	begin_mutation();
	g = load_state(&version);
	emit_problems(fcinfo, check_roundtrip(g, version,
										  plan_upgrade(g, version, target)));
	SPI_finish();
	return (Datum) 0;
}

static Datum
stamp(FunctionCallInfo fcinfo, List *targets)
{
	bool		purge = bool_arg(fcinfo, 1, "purge", false);
	ReturnSetInfo *rsinfo;
	Graph	   *g;
	RevSet	   *version;
	List	   *before,
			   *after,
			   *dests;
	ListCell   *lc;
	StringInfoData what;
	TimestampTz started = GetCurrentTimestamp();
	Interval	duration;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	begin_mutation();
	g = cache_graph();
	version = revset_create(g);
	before = store_load_version();
	if (!purge)
		plan_check_version(g, before, version);
	dests = plan_stamp(g, version, targets);
	revset_sort(g, version);
	after = revset_ids(g, version);

	/* the log names what the targets resolved to ("base" has nothing) */
	initStringInfo(&what);
	foreach(lc, dests ? dests : targets)
		appendStringInfo(&what, "%s%s", foreach_current_index(lc) ? " " : "", (char *) lfirst(lc));
	memset(&duration, 0, sizeof(duration));
	duration.time = GetCurrentTimestamp() - started;
	store_set_version(before, after);
	store_record_step(what.data, "stamp", NULL, started, &duration,
					  before, after);
	ereport(NOTICE, (errmsg_internal("running stamp %s -> %s",
									 before ? util_join_some(before, 10) : "base",
									 after ? util_join_some(after, 10) : "base")));
	foreach(lc, after)
	{
		Datum		v = CStringGetTextDatum(lfirst(lc));
		bool		n = false;

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &v, &n);
	}
	SPI_finish();
	return (Datum) 0;
}

Datum
migrate_stamp(PG_FUNCTION_ARGS)
{
	return stamp(fcinfo, list_make1(required_text(fcinfo, 0, "target")));
}

Datum
migrate_stamp_many(PG_FUNCTION_ARGS)
{
	List	   *targets;

	if (PG_ARGISNULL(0))
		required_text(fcinfo, 0, "targets");
	targets = array_arg(fcinfo, 0, "targets");
	if (targets == NIL)
		ereport(ERROR,
				(errcode(MIGRATE_ERR_BAD_ARGUMENT),
				 errmsg("stamp needs at least one target"),
				 errhint("Pass ARRAY['base'] to empty the version table.")));
	return stamp(fcinfo, targets);
}

/* ---------- reading ---------- */

Datum
migrate_current(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo;
	ListCell   *lc;
	List	   *rows;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	connect_spi();
	rows = store_load_version();
	foreach(lc, rows)
	{
		Datum		v = CStringGetTextDatum(lfirst(lc));
		bool		n = false;

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &v, &n);
	}
	SPI_finish();
	return (Datum) 0;
}

static void
emit_revisions(FunctionCallInfo fcinfo, Graph *g, const int *revs, int n)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			i;

	for (i = 0; i < n; i++)
	{
		GraphRev   *rev = &g->revs[revs[i]];
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = CStringGetTextDatum(GR_ID(g, rev));
		values[1] = labels_array(g, rev);
		if (GR_MESSAGE(g, rev))
			values[2] = CStringGetTextDatum(GR_MESSAGE(g, rev));
		else
			nulls[2] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

Datum
migrate_heads(PG_FUNCTION_ARGS)
{
	Graph	   *g;

	InitMaterializedSRF(fcinfo, 0);
	connect_spi();
	g = cache_graph();
	emit_revisions(fcinfo, g, G_HEADS(g), g->nheads);
	SPI_finish();
	return (Datum) 0;
}

Datum
migrate_bases(PG_FUNCTION_ARGS)
{
	Graph	   *g;

	InitMaterializedSRF(fcinfo, 0);
	connect_spi();
	g = cache_graph();
	emit_revisions(fcinfo, g, G_BASES(g), g->nbases);
	SPI_finish();
	return (Datum) 0;
}

Datum
migrate_branches(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo;
	Graph	   *g;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	connect_spi();
	g = cache_graph();
	for (i = 0; i < g->n; i++)
	{
		Datum		values[2];
		bool		nulls[2] = {false, false};

		if (g->revs[i].nchildren < 2)
			continue;
		values[0] = CStringGetTextDatum(REV_ID(g, i));
		values[1] = ids_array(g, GR_CHILDREN(g, &g->revs[i]), g->revs[i].nchildren);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}

/*
 * Where a page of history starts: after the revision after (-1: at the
 * top).  The order stopped at the end of the page; a revision it never
 * reached is outside the range, an error rather than an empty page, so a
 * client paging with a stale id hears about it.
 */
static int
history_page_start(Graph *g, StepPlan *plan, int after, const char *after_text)
{
	int			i;

	if (after < 0)
		return 0;
	for (i = 0; i < plan->nsteps; i++)
		if (plan->steps[i].rev == after)
			return i + 1;
	ereport(ERROR,
			(errcode(MIGRATE_ERR_BAD_ARGUMENT),
			 errmsg("revision \"%s\" is not in the history range", after_text),
			 errdetail_plural("\"after\" names the last revision of the previous page; the range lists %d revision.",
							  "\"after\" names the last revision of the previous page; the range lists %d revisions.",
							  plan->nsteps, plan->nsteps),
			 errhint("Pass the revision column of the last row you read, with the same range.")));
	return 0;					/* keep the compiler quiet */
}

/*
 * Per revision, the rows of migrate.log (SPI_tuptable's) that history()
 * shows; palloc0'd, so 0 ids mean none.
 */
typedef struct HistoryRows
{
	int			latest;			/* the latest row */
	int64		latest_id;
	int			ok;				/* the latest successful upgrade or stamp */
	int64		ok_id;
	bool		ok_stamp;		/* ... was a stamp: it ran nothing */
	int64		down_id;		/* the latest successful downgrade */
} HistoryRows;

/*
 * The log rows of the revisions of the page: one query (store.c), then
 * per revision its latest row, latest success and latest downgrade.  A
 * row names a revision by id; one whose id is now a branch label of
 * another (a dropped revision's) is not that revision's.
 */
static HistoryRows *
history_log(Graph *g, StepPlan *plan, int first, int end)
{
	HistoryRows *rows = palloc0(Max(g->n, 1) * sizeof(HistoryRows));
	List	   *ids = NIL;
	int			nlog;
	int			i;

	for (i = first; i < end; i++)
		ids = lappend(ids, REV_ID(g, plan->steps[i].rev));
	nlog = store_history_log(ids);
	for (i = 0; i < nlog; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		char	   *id = TextDatumGetCString(SPI_getbinval(tup, desc, 1, &isnull));
		char	   *op = TextDatumGetCString(SPI_getbinval(tup, desc, 2, &isnull));
		int64		logid = DatumGetInt64(SPI_getbinval(tup, desc, 8, &isnull));
		bool		failed = !heap_attisnull(tup, 6, desc);
		int			r = graph_lookup(g, id);
		bool		mine = r >= 0 && strcmp(REV_ID(g, r), id) == 0;
		HistoryRows *h;

		pfree(id);
		if (!mine)
		{
			pfree(op);
			continue;
		}
		h = &rows[r];
		if (logid > h->latest_id)
		{
			h->latest = i;
			h->latest_id = logid;
		}
		if (!failed && strcmp(op, "downgrade") == 0)
			h->down_id = Max(h->down_id, logid);
		else if (!failed && logid > h->ok_id)
		{
			h->ok = i;
			h->ok_id = logid;
			h->ok_stamp = strcmp(op, "stamp") == 0;
		}
		pfree(op);
	}
	return rows;
}

/*
 * history(range, page_size, after): Alembic's order, newest first, with
 * when, by whom and how long each applied revision took and the error of
 * a failed last attempt, from migrate.log.  The order is computed for the
 * whole range (O(V+E) on the cached graph), but only the page is turned
 * into rows and looked up in the log: a LIMIT on the call would not help,
 * as PostgreSQL reads a set-returning function to the end first.  A
 * database whose SQL is older than the library gets the older columns.
 */
Datum
migrate_history(PG_FUNCTION_ARGS)
{
	char	   *range = text_arg(fcinfo, 0);
	char	   *after = PG_NARGS() > 2 ? text_arg(fcinfo, 2) : NULL;
	int			page_size = -1;
	ReturnSetInfo *rsinfo;
	Graph	   *g;
	RevSet	   *version;
	StepPlan   *plan;
	bool	   *applied;
	MemoryContext rowcxt;
	int			after_rev;
	int			first,
				end,
				i;
	bool		with_log;
	HistoryRows *log = NULL;

	if (PG_NARGS() > 1 && !PG_ARGISNULL(1))
	{
		page_size = PG_GETARG_INT32(1);
		if (page_size <= 0)
			ereport(ERROR,
					(errcode(MIGRATE_ERR_BAD_ARGUMENT),
					 errmsg("page_size must be positive"),
					 errdetail("page_size was %d.", page_size),
					 errhint("Pass the number of rows you want, or NULL for the whole history.")));
	}
	InitMaterializedSRF(fcinfo, 0);
	rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	/* the log's columns come with 0.6's SQL */
	with_log = rsinfo->setDesc->natts >= 12;
	connect_spi();
	g = load_state(&version);
	after_rev = after ? plan_resolve_one(g, after, "revision") : -1;
	plan = plan_history(g, version, range, after_rev, page_size);
	applied = plan_applied(g, version);
	first = history_page_start(g, plan, after_rev, after);
	end = page_size < 0 || page_size >= plan->nsteps - first ? plan->nsteps : first + page_size;
	/* ... and are filled for a role that may read migrate.log */
	if (with_log && end > first && store_may_read_log())
		log = history_log(g, plan, first, end);

	/* 100,000 rows: each row's datums are freed once the tuplestore has it */
	rowcxt = AllocSetContextCreate(CurrentMemoryContext, "migrate history row",
								   ALLOCSET_SMALL_SIZES);
	for (i = first; i < end; i++)
	{
		int			r = plan->steps[i].rev;
		GraphRev   *rev = &g->revs[r];
		Datum		values[12];
		bool		nulls[12] = {0};
		MemoryContext old = MemoryContextSwitchTo(rowcxt);

		values[0] = CStringGetTextDatum(GR_ID(g, rev));
		values[1] = ids_array(g, GR_DOWN(g, rev), rev->ndown);
		if (GR_MESSAGE(g, rev))
			values[2] = CStringGetTextDatum(GR_MESSAGE(g, rev));
		else
			nulls[2] = true;
		values[3] = BoolGetDatum(rev->nchildren == 0);
		values[4] = BoolGetDatum(rev->ndown == 0);
		values[5] = BoolGetDatum(rev->ndown > 1);
		values[6] = BoolGetDatum(rev->nchildren > 1);
		values[7] = BoolGetDatum(applied[r]);
		nulls[8] = nulls[9] = nulls[10] = nulls[11] = true;
		if (log)
		{
			TupleDesc	desc = SPI_tuptable->tupdesc;
			HistoryRows *h = &log[r];
			bool		isnull;

			/*
			 * When, who, how long: the latest upgrade or stamp that applied
			 * it, unless a later downgrade undid that one (then it is
			 * applied, if at all, below a stamp that named another).
			 */
			if (applied[r] && h->ok_id > h->down_id)
			{
				HeapTuple	ok = SPI_tuptable->vals[h->ok];

				values[8] = SPI_getbinval(ok, desc, 3, &isnull);
				nulls[8] = false;
				values[9] = CStringGetTextDatum(SPI_getvalue(ok, desc, 4));
				nulls[9] = false;
				/* a stamp ran nothing: no duration */
				if (!h->ok_stamp)
				{
					values[10] = SPI_getbinval(ok, desc, 5, &isnull);
					nulls[10] = false;
				}
			}
			/* the last attempt, up or down, failed */
			if (h->latest_id > 0 && !heap_attisnull(SPI_tuptable->vals[h->latest], 6, desc))
			{
				HeapTuple	latest = SPI_tuptable->vals[h->latest];

				values[11] = CStringGetTextDatum(psprintf("%s: %s", SPI_getvalue(latest, desc, 6),
														  SPI_getvalue(latest, desc, 7)));
				nulls[11] = false;
			}
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		MemoryContextSwitchTo(old);
		MemoryContextReset(rowcxt);
	}
	SPI_finish();
	return (Datum) 0;
}

/*
 * record_failure(revision, operation, sqlstate, message, duration): log a
 * step that failed and was rolled back with its transaction, as
 * upgrade_each() logs its own failures, so that history() can show it.  A
 * client running one transaction per plan or per revision calls it after
 * the rollback.  It changes nothing but migrate.log.
 */
Datum
migrate_record_failure(PG_FUNCTION_ARGS)
{
	char	   *revision = required_text(fcinfo, 0, "revision");
	char	   *operation = required_text(fcinfo, 1, "operation");
	char	   *sqlstate = required_text(fcinfo, 2, "sqlstate");
	char	   *message = required_text(fcinfo, 3, "message");
	Interval   *duration;
	StoredScript script;
	bool		registered = false;
	ListCell   *lc;
	TimestampTz started;

	if (PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"%s\" must not be null", "duration"),
				 errhint("Pass how long the step ran, or leave \"duration\" out for none.")));
	duration = PG_GETARG_INTERVAL_P(4);
	if (strcmp(operation, "upgrade") != 0 && strcmp(operation, "downgrade") != 0)
		ereport(ERROR,
				(errcode(MIGRATE_ERR_BAD_ARGUMENT),
				 errmsg("invalid operation \"%s\"", operation),
				 errhint("Pass 'upgrade' or 'downgrade'.")));
	if (strlen(sqlstate) != 5 || strspn(sqlstate, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 5)
		ereport(ERROR,
				(errcode(MIGRATE_ERR_BAD_ARGUMENT),
				 errmsg("invalid SQLSTATE \"%s\"", sqlstate),
				 errdetail("A SQLSTATE is five digits or upper-case letters."),
				 errhint("Pass the failed statement's SQLSTATE, such as '42P07'.")));
	if (duration->month != 0 || duration->day != 0 || duration->time < 0)
		ereport(ERROR,
				(errcode(MIGRATE_ERR_BAD_ARGUMENT),
				 errmsg("duration must be a non-negative time"),
				 errhint("Pass the seconds the step ran, such as interval '1.5 s'.")));
	if (!target_valid_ident(revision, strlen(revision)) ||
		target_is_keyword(revision, strlen(revision)))
		ereport(ERROR,
				(errcode(MIGRATE_ERR_BAD_ARGUMENT),
				 errmsg("revision id \"%s\" is not valid", revision),
				 errdetail("A revision id is 1 to 64 characters of [A-Za-z0-9_], and not head, heads, base or current."),
				 errhint("Pass the full id of the revision whose step failed.")));
	connect_spi();
	/* one index lookup, as registration does: no graph to build */
	foreach(lc, store_lookup_names(list_make1(revision)))
	{
		NameOwner  *o = lfirst(lc);

		if (o->is_label)
			ereport(ERROR,
					(errcode(MIGRATE_ERR_BAD_ARGUMENT),
					 errmsg("\"%s\" is a branch label, not a revision id", revision),
					 errdetail("It labels revision \"%s\".", o->owner),
					 errhint("Pass the full id of the revision whose step failed.")));
		registered = true;
	}

	/*
	 * A revision need not be registered: a file's first deploy fails and
	 * rolls back its own registration with it.  Its failure still belongs
	 * in the log, under its id, for when the file is registered.
	 */
	script.checksum = NULL;
	if (registered)
		script = store_get_script(revision);
	started = GetCurrentTimestamp() - duration->time;
	store_record_failure(revision, operation, script.checksum, started, duration,
						 store_load_version(), sqlstate, message);
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * graph(format, since, depth): the revision graph as Graphviz DOT, cut to
 * what came after since and to depth levels below the heads.
 */
Datum
migrate_graph(PG_FUNCTION_ARGS)
{
	char	   *format = required_text(fcinfo, 0, "format");
	char	   *since = PG_NARGS() > 1 ? text_arg(fcinfo, 1) : NULL;
	int			depth = 0;
	Graph	   *g;
	RevSet	   *version;
	int			since_rev = -1;
	char	   *dot;
	text	   *result;

	if (pg_strcasecmp(format, "dot") != 0)
		ereport(ERROR,
				(errcode(MIGRATE_ERR_BAD_ARGUMENT),
				 errmsg("unknown graph format \"%s\"", format),
				 errdetail("graph() writes Graphviz DOT."),
				 errhint("Pass 'dot' (or leave format out) and render the text with Graphviz, e.g. \"dot -Tsvg\".")));
	if (PG_NARGS() > 2 && !PG_ARGISNULL(2))
	{
		depth = PG_GETARG_INT32(2);
		if (depth <= 0)
			ereport(ERROR,
					(errcode(MIGRATE_ERR_BAD_ARGUMENT),
					 errmsg("depth must be positive"),
					 errdetail("depth was %d.", depth),
					 errhint("Pass how many levels below the heads to draw (1: the heads alone), or NULL for all.")));
	}
	connect_spi();
	g = load_state(&version);
	if (since != NULL)
	{
		since_rev = plan_resolve_one(g, since, "revision");
		if (since_rev < 0)
			since_rev = -1;		/* "base": everything */
	}
	dot = keep(render_dot(g, plan_applied(g, version), version, since_rev, depth));
	SPI_finish();
	result = cstring_to_text(dot);
	PG_RETURN_TEXT_P(result);
}

Datum
migrate_show(PG_FUNCTION_ARGS)
{
	char	   *target = required_text(fcinfo, 0, "revision");
	ReturnSetInfo *rsinfo;
	Graph	   *g;
	RevSet	   *version;
	int			r;
	GraphRev   *rev;
	StoredScript script;
	Datum		values[12];
	bool		nulls[12] = {0};
	List	   *dependents = NIL;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	require_script_access("show");
	connect_spi();
	g = load_state(&version);
	r = plan_resolve_one(g, target, "revision");
	if (r < 0)
		ereport(ERROR,
				(errcode(MIGRATE_ERR_BAD_ARGUMENT),
				 errmsg("\"%s\" names no revision", target),
				 errhint("Pass a revision id, prefix or label.")));
	rev = &g->revs[r];
	script = store_get_script(GR_ID(g, rev));
	for (i = 0; i < rev->nnext; i++)
	{
		GraphRev   *n = &g->revs[GR_NEXT(g, rev)[i]];
		int			k;

		for (k = 0; k < n->ndeps; k++)
			if (GR_DEPS(g, n)[k] == r)
				dependents = lappend(dependents, GR_ID(g, n));
	}
	values[0] = CStringGetTextDatum(GR_ID(g, rev));
	values[1] = ids_array(g, GR_DOWN(g, rev), rev->ndown);
	values[2] = ids_array(g, GR_CHILDREN(g, rev), rev->nchildren);
	values[3] = ids_array(g, GR_DEPS(g, rev), rev->ndeps);
	values[4] = util_list_to_array(dependents);
	values[5] = labels_array(g, rev);
	if (GR_MESSAGE(g, rev))
		values[6] = CStringGetTextDatum(GR_MESSAGE(g, rev));
	else
		nulls[6] = true;
	values[7] = CStringGetTextDatum(script.upgrade_sql);
	if (script.downgrade_sql)
		values[8] = CStringGetTextDatum(script.downgrade_sql);
	else
		nulls[8] = true;
	values[9] = BoolGetDatum(rev->transactional);
	values[10] = CStringGetTextDatum(script.checksum);
	values[11] = BoolGetDatum(plan_applied(g, version)[r]);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	SPI_finish();
	return (Datum) 0;
}

Datum
migrate_status(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo;
	Status		st;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	InitMaterializedSRF(fcinfo, 0);
	rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	connect_spi();
	check_status(&st);
	values[0] = util_list_to_array(st.current);
	values[1] = util_list_to_array(st.heads);
	nulls[1] = st.heads == NIL && st.problem != NULL;
	values[2] = util_list_to_array(st.pending);
	nulls[2] = st.problem != NULL;
	/* the 0.2 definition has 3 columns: no room for the problem, so raise it */
	if (rsinfo->setDesc->natts >= 4)
	{
		values[3] = st.problem ? CStringGetTextDatum(st.problem) : (Datum) 0;
		nulls[3] = st.problem == NULL;
	}
	else if (st.error)
		ReThrowError(st.error);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	SPI_finish();
	return (Datum) 0;
}

/* ---------- trigger ---------- */

/* Event trigger before DROP EXTENSION, DROP SCHEMA and DROP OWNED. */
Datum
migrate_guard_drop(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("migrate.guard_drop() must be called as an event trigger")));
	guard_check_drop(((EventTriggerData *) fcinfo->context)->parsetree);
	PG_RETURN_VOID();
}

/* Statement trigger on migrate.revisions: the graph cache is out of date. */
Datum
migrate_revisions_changed(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("migrate.revisions_changed() must be called as a trigger")));
	cache_revisions_changed();
	return PointerGetDatum(NULL);
}

/* ---------- the schema as data ---------- */

Datum
migrate_snapshot(PG_FUNCTION_ARGS)
{
	Jsonb	   *snap;

	if (!PG_ARGISNULL(0) && ARR_NDIM(PG_GETARG_ARRAYTYPE_P(0)) > 1)
		ereport(ERROR,
				(errcode(MIGRATE_ERR_BAD_ARGUMENT),
				 errmsg("argument \"schemas\" must be a one-dimensional array"),
				 errhint("Pass a text array such as ARRAY['public', 'app'], or NULL for every user schema.")));
	connect_spi();
	snap = snapshot_take(PG_ARGISNULL(0) ? (Datum) 0 : PG_GETARG_DATUM(0),
						 PG_ARGISNULL(0), false);
	SPI_finish();
	PG_RETURN_JSONB_P(snap);
}

/* rows of a diff result in the shape of diff() */
static void
emit_diff(FunctionCallInfo fcinfo, DiffResult *r)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			i;

	for (i = 0; i < r->n; i++)
	{
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		values[0] = Int32GetDatum(i + 1);
		values[1] = CStringGetTextDatum(r->statements[i]);
		values[2] = diffrun_hazard_array(r->hazards[i]);
		values[3] = BoolGetDatum(r->transactional[i]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

static Jsonb *
required_jsonb(FunctionCallInfo fcinfo, int n, const char *name)
{
	if (PG_ARGISNULL(n))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"%s\" must not be null", name),
				 errhint("Pass a value returned by migrate.snapshot().")));
	return PG_GETARG_JSONB_P(n);
}

Datum
migrate_diff(PG_FUNCTION_ARGS)
{
	Jsonb	   *from = required_jsonb(fcinfo, 0, "from_snapshot");
	Jsonb	   *to = required_jsonb(fcinfo, 1, "to_snapshot");
	Jsonb	   *renames = PG_ARGISNULL(2) ? NULL : PG_GETARG_JSONB_P(2);
	bool		concurrently = bool_arg(fcinfo, 3, "concurrently", false);

	InitMaterializedSRF(fcinfo, 0);
	emit_diff(fcinfo, diffrun(from, to, renames, concurrently));
	return (Datum) 0;
}

/* the schemas argument: NULL for all user schemas, else a flat text[] */
static Datum
schemas_arg(FunctionCallInfo fcinfo, int n, bool *all)
{
	*all = PG_ARGISNULL(n);
	if (*all)
		return (Datum) 0;
	if (ARR_NDIM(PG_GETARG_ARRAYTYPE_P(n)) > 1)
		ereport(ERROR,
				(errcode(MIGRATE_ERR_BAD_ARGUMENT),
				 errmsg("argument \"schemas\" must be a one-dimensional array"),
				 errhint("Pass a text array such as ARRAY['public', 'app'], or NULL for every user schema.")));
	return PG_GETARG_DATUM(n);
}

Datum
migrate_desired_snapshot(PG_FUNCTION_ARGS)
{
	char	   *sql = required_text(fcinfo, 0, "desired_sql");
	bool		all;
	Datum		schemas = schemas_arg(fcinfo, 1, &all);
	Jsonb	   *snap;

	connect_spi();
	snap = desired_take(sql, schemas, all);
	SPI_finish();
	PG_RETURN_JSONB_P(snap);
}

/*
 * The new revision's starting point is the head schema: the database must
 * be at its heads, as Alembic's autogenerate requires.
 */
static void
require_at_heads(const char *function)
{
	Status		st;

	check_status(&st);
	if (st.error != NULL)
		ReThrowError(st.error);
	if (st.pending != NIL)
		ereport(ERROR,
				(errcode(MIGRATE_ERR_STATE),
				 errmsg("the database is not at its heads"),
				 errdetail("%d revision(s) are pending: %s.", list_length(st.pending),
						   util_join_some(st.pending, 5)),
				 errhint("Run migrate.upgrade('heads') first: migrate.%s() compares the desired schema with the head schema.",
						 function)));
}

/* renames the other way: {"to key": "from key"} */
static Jsonb *
reversed_renames(Jsonb *renames)
{
	Datum		j;

	if (renames == NULL)
		return NULL;
	if (SPI_execute_with_args("SELECT coalesce(jsonb_object_agg(value #>> '{}', key), '{}')"
							  " FROM jsonb_each($1)", 1, (Oid[]) {JSONBOID},
							  (Datum[]) {JsonbPGetDatum(renames)}, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "cannot reverse the renames");
	j = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &(bool) {false});
	return DatumGetJsonbP(SPI_datumTransfer(j, false, -1));
}

Datum
migrate_autogenerate(PG_FUNCTION_ARGS)
{
	NewRevision rev = {0};
	char	   *sql = required_text(fcinfo, 1, "desired_sql");
	bool		all;
	Datum		schemas = schemas_arg(fcinfo, 2, &all);
	Jsonb	   *renames = PG_ARGISNULL(3) ? NULL : PG_GETARG_JSONB_P(3);
	bool		destructive = bool_arg(fcinfo, 4, "allow_destructive", false);
	char	   *head = text_arg(fcinfo, 6);
	bool		concurrently = bool_arg(fcinfo, 7, "concurrently", false);
	Jsonb	   *from,
			   *to;
	DiffResult *up,
			   *down;
	bool		down_transactional;
	int			i;

	begin_mutation();
	require_at_heads("autogenerate");
	from = snapshot_take(schemas, all, false);
	to = desired_take(sql, schemas, all);
	up = diffrun(from, to, renames, concurrently);
	down = diffrun(to, from, reversed_renames(renames), concurrently);
	for (i = 0; i < up->n && !destructive; i++)
		if (up->hazards[i] & HZ_DELETES_DATA)
			ereport(ERROR,
					(errcode(MIGRATE_ERR_STATE),
					 errmsg("the upgrade would delete data"),
					 errdetail("Statement %d: %s", i + 1, up->statements[i]),
					 errhint("If that is meant, call again with allow_destructive => true; if an object was renamed, pass renames => '{\"table public.old\": \"table public.new\"}'.")));
	if (up->n == 0)
		ereport(NOTICE,
				(errmsg("the desired schema equals the head schema"),
				 errdetail("The revision is registered with no statements, as Alembic writes an empty one.")));
	rev.message = text_arg(fcinfo, 0);
	rev.upgrade_sql = up->n > 0 ? diffrun_script(up, &rev.transactional) :
		"-- no schema changes\n";
	if (up->n == 0)
		rev.transactional = true;
	rev.downgrade_sql = down->n > 0 ? diffrun_script(down, &down_transactional) :
		"-- no schema changes\n";
	rev.transactional = rev.transactional && (down->n == 0 || down_transactional);
	rev.id = text_arg(fcinfo, 5);
	return register_on_head(&rev, false, head);
}

Datum
migrate_check_desired(PG_FUNCTION_ARGS)
{
	char	   *sql = required_text(fcinfo, 0, "desired_sql");
	bool		all;
	Datum		schemas = schemas_arg(fcinfo, 1, &all);
	Jsonb	   *renames = PG_ARGISNULL(2) ? NULL : PG_GETARG_JSONB_P(2);
	Jsonb	   *from,
			   *to;

	InitMaterializedSRF(fcinfo, 0);
	connect_spi();
	require_at_heads("check");
	from = snapshot_take(schemas, all, false);
	to = desired_take(sql, schemas, all);
	emit_diff(fcinfo, diffrun(from, to, renames, false));
	SPI_finish();
	return (Datum) 0;
}

/*
 * What changed outside migrations: the statements that take the schema
 * back to the one recorded for the current version rows, each with the
 * object it is for and how that object drifted.
 */
Datum
migrate_drift(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo;
	Datum		recorded;
	char	   *fingerprint,
			   *recorded_at;
	Jsonb	   *now;
	DiffResult *r;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	connect_spi();
	if (!store_recorded_schema(&recorded, &fingerprint, &recorded_at))
		ereport(ERROR,
				(errcode(MIGRATE_ERR_STATE),
				 errmsg("no schema is recorded for the current version"),
				 errdetail("migrate records the schema when a transaction that upgraded, downgraded or stamped commits with migrate.record_schema on."),
				 errhint("Upgrade, downgrade or stamp once; drift is measured from the schema that leaves.")));
	now = snapshot_take((Datum) 0, true, false);
	/* an unchanged schema has the same fingerprint: nothing to compare */
	if (strcmp(fingerprint, text_to_cstring(DatumGetTextPP(DirectFunctionCall2(jsonb_object_field_text,
																				   JsonbPGetDatum(now),
																				   CStringGetTextDatum("fingerprint"))))) != 0)
	{
		r = diffrun(now, DatumGetJsonbP(recorded), NULL, false);
		for (i = 0; i < r->n; i++)
		{
			Datum		values[4];
			bool		nulls[4] = {false, false, false, false};
			const char *change = strcmp(r->changes[i], "drop") == 0 ? "added" :
				strcmp(r->changes[i], "create") == 0 ? "removed" : "changed";

			values[0] = CStringGetTextDatum(r->keys[i]);
			values[1] = CStringGetTextDatum(change);
			values[2] = CStringGetTextDatum(r->statements[i]);
			values[3] = diffrun_hazard_array(r->hazards[i]);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	SPI_finish();
	return (Datum) 0;
}
