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

#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "common/pg_prng.h"
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

#include "migrate.h"

PG_FUNCTION_INFO_V1(migrate_revision);
PG_FUNCTION_INFO_V1(migrate_merge);
PG_FUNCTION_INFO_V1(migrate_load);
PG_FUNCTION_INFO_V1(migrate_drop_revision);
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

static List *
rev_ids(Graph *g, const int *revs, int n)
{
	List	   *l = NIL;
	int			i;

	for (i = 0; i < n; i++)
		l = lappend(l, REV_ID(g, revs[i]));
	return l;
}

static Datum
ids_array(Graph *g, const int *revs, int n)
{
	return migrate_list_to_array(rev_ids(g, revs, n));
}

static Datum
labels_array(Graph *g, GraphRev *rev)
{
	List	   *l = NIL;
	int			i;

	for (i = 0; i < rev->nlabels; i++)
		l = lappend(l, GR_LABEL(g, rev, i));
	return migrate_list_to_array(l);
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
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
}

/* Load the graph and the version rows, refusing unknown rows. */
static Graph *
load_state(RevSet **version)
{
	Graph	   *g = store_load_graph();

	*version = revset_create(g);
	graph_check_version(g, store_load_version(), *version);
	return g;
}

/* ---------- registration ---------- */

static void
check_ident(const char *value, const char *what)
{
	if (!target_valid_ident(value, strlen(value)))
		ereport(ERROR,
				(errcode(MIGRATE_ERR_BAD_ARGUMENT),
				 errmsg("%s \"%s\" is not valid", what, value),
				 errdetail("A %s is 1 to 64 characters of [A-Za-z0-9_].", what),
				 errhint("Choose another %s.", what)));
	if (target_is_keyword(value, strlen(value)))
		ereport(ERROR,
				(errcode(MIGRATE_ERR_BAD_ARGUMENT),
				 errmsg("%s \"%s\" is a reserved word", what, value),
				 errdetail("\"head\", \"heads\", \"base\" and \"current\" have a meaning of their own in targets."),
				 errhint("Choose another %s.", what)));
}

static void
no_duplicates(List *l, const char *what, const char *id)
{
	ListCell   *a,
			   *b;

	foreach(a, l)
	{
		for_each_cell(b, l, lnext(l, a))
			if (strcmp(lfirst(a), lfirst(b)) == 0)
				ereport(ERROR,
						(errcode(MIGRATE_ERR_BAD_ARGUMENT),
						 errmsg("%s of revision \"%s\" lists \"%s\" twice", what, id, (char *) lfirst(a)),
						 errhint("List each revision once.")));
	}
}

/*
 * The owners of the names a registration mentions (its id, parents,
 * dependencies and labels), read with one indexed query so registering
 * stays cheap however large the graph is.
 */
typedef struct Names
{
	List	   *owners;			/* of NameOwner * */
} Names;

static Names *
names_lookup(NewRevision *rev)
{
	Names	   *names = palloc0(sizeof(Names));
	List	   *all = list_concat(list_concat(list_copy(rev->down), rev->depends_on),
								  rev->branch_labels);

	if (rev->id)
		all = lappend(all, rev->id);
	names->owners = store_lookup_names(all);
	return names;
}

/* The id of the revision that has this id or label, or NULL. */
static const char *
names_find(Names *names, const char *name, bool *is_label)
{
	ListCell   *lc;

	foreach(lc, names->owners)
	{
		NameOwner  *o = lfirst(lc);

		if (strcmp(o->name, name) == 0)
		{
			*is_label = o->is_label;
			return o->owner;
		}
	}
	*is_label = false;
	return NULL;
}

static char *
generate_id(void)
{
	for (;;)
	{
		char	   *id = psprintf("%012llx", (unsigned long long) (pg_prng_uint64(&pg_global_prng_state) & UINT64CONST(0xffffffffffff)));

		if (store_lookup_names(list_make1(id)) == NIL)
			return id;
	}
}

/*
 * Validate a revision against the registered names.  self is its own id
 * when it replaces an existing revision, NULL when it is new.  depends_on
 * entries naming a label are resolved to the labelled revision's id.  No
 * cycle can arise here: a new revision only names existing ones, and a
 * replacement is checked by rebuilding the graph.
 */
static void
validate_revision(Names *names, NewRevision *rev, const char *self)
{
	ListCell   *lc;
	List	   *deps = NIL;
	bool		is_label;

	if (rev->upgrade_sql == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("upgrade script of revision \"%s\" must not be null", rev->id),
				 errhint("Pass an empty string for a revision that changes nothing.")));
	foreach(lc, rev->down)
	{
		char	   *d = lfirst(lc);
		const char *owner = names_find(names, d, &is_label);

		if (strcmp(d, rev->id) == 0)
			ereport(ERROR,
					(errcode(MIGRATE_ERR_STATE),
					 errmsg("revision \"%s\" cannot revise itself", rev->id),
					 errhint("Remove \"%s\" from its down revisions.", rev->id)));
		if (owner == NULL || is_label)
			ereport(ERROR,
					(errcode(MIGRATE_ERR_UNKNOWN),
					 errmsg("down revision \"%s\" of revision \"%s\" does not exist", d, rev->id),
					 errdetail("Down revisions must name registered revisions by their full id."),
					 errhint("Register \"%s\" first, or correct the id.", d)));
	}
	no_duplicates(rev->down, "down_revision", rev->id);
	foreach(lc, rev->depends_on)
	{
		char	   *d = lfirst(lc);
		const char *owner = names_find(names, d, &is_label);

		if (strcmp(d, rev->id) == 0 || (self && owner && strcmp(owner, self) == 0))
			ereport(ERROR,
					(errcode(MIGRATE_ERR_STATE),
					 errmsg("revision \"%s\" cannot depend on itself", rev->id),
					 errhint("Remove it from depends_on.")));
		if (owner == NULL)
			ereport(ERROR,
					(errcode(MIGRATE_ERR_UNKNOWN),
					 errmsg("dependency \"%s\" of revision \"%s\" does not exist", d, rev->id),
					 errdetail("depends_on names a revision id or a branch label."),
					 errhint("Register \"%s\" first, or correct the name.", d)));
		deps = lappend(deps, pstrdup(owner));
	}
	rev->depends_on = deps;
	no_duplicates(rev->depends_on, "depends_on", rev->id);
	foreach(lc, rev->branch_labels)
	{
		char	   *label = lfirst(lc);
		const char *owner = names_find(names, label, &is_label);

		check_ident(label, "branch label");
		if (strcmp(label, rev->id) == 0)
			ereport(ERROR,
					(errcode(MIGRATE_ERR_DUPLICATE),
					 errmsg("branch label \"%s\" equals the id of its revision", label),
					 errhint("Choose a label that differs from every revision id.")));
		if (owner && !is_label)
			ereport(ERROR,
					(errcode(MIGRATE_ERR_DUPLICATE),
					 errmsg("branch label \"%s\" equals the id of revision \"%s\"", label, owner),
					 errdetail("Branch labels and revision ids share one namespace."),
					 errhint("Choose another label.")));
		if (owner && (self == NULL || strcmp(owner, self) != 0))
			ereport(ERROR,
					(errcode(MIGRATE_ERR_DUPLICATE),
					 errmsg("branch label \"%s\" is already used by revision \"%s\"", label, owner),
					 errhint("Choose another label.")));
	}
	no_duplicates(rev->branch_labels, "branch_labels", rev->id);
	runner_check_script(rev->id, "upgrade", rev->upgrade_sql);
	if (rev->downgrade_sql)
		runner_check_script(rev->id, "downgrade", rev->downgrade_sql);
	rev->checksum = store_checksum(rev->upgrade_sql, rev->downgrade_sql);
}

/* Register a new revision; its id must be free. */
static char *
register_new(NewRevision *rev)
{
	Names	   *names;
	const char *owner;
	bool		is_label;

	if (rev->id == NULL)
		rev->id = generate_id();
	check_ident(rev->id, "revision id");
	names = names_lookup(rev);
	owner = names_find(names, rev->id, &is_label);
	if (owner)
		ereport(ERROR,
				(errcode(MIGRATE_ERR_DUPLICATE),
				 is_label
				 ? errmsg("revision id \"%s\" is already a branch label of revision \"%s\"", rev->id, owner)
				 : errmsg("revision \"%s\" already exists", rev->id),
				 errhint("Choose another id, or omit it to have one generated.")));
	validate_revision(names, rev, NULL);
	store_save_revision(rev, false);
	return rev->id;
}

static void
begin_mutation(void)
{
	runner_enter();
	connect_spi();
	lock_acquire();
}

Datum
migrate_revision(PG_FUNCTION_ARGS)
{
	NewRevision rev = {0};
	char	   *head = text_arg(fcinfo, 7);
	char	   *id;

	begin_mutation();
	rev.message = text_arg(fcinfo, 0);
	rev.upgrade_sql = required_text(fcinfo, 1, "upgrade");
	rev.downgrade_sql = text_arg(fcinfo, 2);
	rev.id = text_arg(fcinfo, 4);
	rev.branch_labels = array_arg(fcinfo, 5, "branch_labels");
	rev.depends_on = array_arg(fcinfo, 6, "depends_on");
	rev.transactional = PG_ARGISNULL(8) ? true : PG_GETARG_BOOL(8);
	if (!PG_ARGISNULL(3))
	{
		if (head != NULL)
			ereport(ERROR,
					(errcode(MIGRATE_ERR_BAD_ARGUMENT),
					 errmsg("down_revision and head cannot both be given"),
					 errhint("Pass down_revision to name the parents, or head to build on a head.")));
		rev.down = array_arg(fcinfo, 3, "down_revision");
	}
	else if (head == NULL || strcmp(head, "base") != 0)
	{
		/* only finding the head needs the whole graph */
		Graph	   *g = store_load_graph();
		int			parent = graph_new_parent(g, head);

		if (parent >= 0)
			rev.down = list_make1(REV_ID(g, parent));
	}
	id = keep(register_new(&rev));
	SPI_finish();
	PG_RETURN_TEXT_P(cstring_to_text(id));
}

Datum
migrate_merge(PG_FUNCTION_ARGS)
{
	NewRevision rev = {0};
	List	   *parents = NIL;
	Graph	   *g;
	char	   *id;
	ListCell   *lc;

	begin_mutation();
	g = store_load_graph();
	if (PG_ARGISNULL(0))
	{
		int			i;

		for (i = 0; i < g->nreal_heads; i++)
			parents = lappend(parents, REV_ID(g, G_REAL_HEADS(g)[i]));
	}
	else
	{
		foreach(lc, array_arg(fcinfo, 0, "revisions"))
		{
			int			r = graph_resolve_one(g, lfirst(lc), "revision");

			if (r < 0)
				ereport(ERROR,
						(errcode(MIGRATE_ERR_BAD_ARGUMENT),
						 errmsg("cannot merge \"base\""),
						 errhint("Name the revisions to merge.")));
			parents = list_append_unique_ptr(parents, REV_ID(g, r));
		}
	}
	if (list_length(parents) < 2)
		ereport(ERROR,
				(errcode(MIGRATE_ERR_STATE),
				 errmsg("a merge needs at least two revisions"),
				 errdetail("Found %d: %s.", list_length(parents),
						   parents ? migrate_join(parents) : "none"),
				 errhint("Merge when the graph has several heads, or name the revisions.")));
	rev.down = parents;
	rev.id = text_arg(fcinfo, 2);
	rev.message = text_arg(fcinfo, 1);
	if (rev.message == NULL)
		rev.message = psprintf("merge %s", migrate_join(parents));
	rev.upgrade_sql = "";
	rev.downgrade_sql = "";
	rev.transactional = true;
	id = keep(register_new(&rev));
	SPI_finish();
	PG_RETURN_TEXT_P(cstring_to_text(id));
}

static List *
span_list(ScriptText *t, bool skip_base)
{
	ScriptText	list = *t;
	ScriptText	item;
	List	   *out = NIL;

	if (t->line == 0)
		return NIL;
	while (script_next_item(&list, &item))
	{
		if (skip_base && item.len == 4 && memcmp(item.ptr, "base", 4) == 0)
			continue;
		out = lappend(out, pnstrdup(item.ptr, item.len));
	}
	return out;
}

static bool
same_strings(List *a, List *b)
{
	ListCell   *x,
			   *y;

	if (list_length(a) != list_length(b))
		return false;
	forboth(x, a, y, b)
		if (strcmp(lfirst(x), lfirst(y)) != 0)
		return false;
	return true;
}

Datum
migrate_load(PG_FUNCTION_ARGS)
{
	char	   *text = required_text(fcinfo, 0, "script");
	ScriptFile	f;
	ScriptError err;
	NewRevision rev = {0};
	NewRevision stored = {0};
	char	   *id;

	if (!script_parse(text, strlen(text), &f, &err))
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("invalid revision file at line %d", err.line),
				 errdetail("%c%s.", pg_toupper((unsigned char) err.message[0]), err.message + 1),
				 errhint("See the file format in README.md: \"-- migrate:revision <id>\" and a \"-- migrate:upgrade\" section are required.")));

	begin_mutation();
	rev.id = pnstrdup(f.revision.ptr, f.revision.len);
	rev.down = span_list(&f.revises, true);
	rev.depends_on = span_list(&f.depends_on, false);
	rev.branch_labels = span_list(&f.branch_labels, false);
	rev.message = f.message.line ? pnstrdup(f.message.ptr, f.message.len) : NULL;
	rev.upgrade_sql = pnstrdup(f.upgrade.ptr, f.upgrade.len);
	rev.downgrade_sql = f.downgrade.line ? pnstrdup(f.downgrade.ptr, f.downgrade.len) : NULL;
	rev.transactional = f.is_transactional;

	if (store_fetch_revision(rev.id, &stored))
	{
		bool		same;

		/* loading every file at every deploy must stay cheap: no graph */
		validate_revision(names_lookup(&rev), &rev, rev.id);
		same = strcmp(stored.checksum, rev.checksum) == 0 &&
			same_strings(rev.down, stored.down) &&
			same_strings(rev.depends_on, stored.depends_on) &&
			same_strings(rev.branch_labels, stored.branch_labels) &&
			((rev.message == NULL && stored.message == NULL) ||
			 (rev.message && stored.message && strcmp(rev.message, stored.message) == 0)) &&
			rev.transactional == stored.transactional;
		if (!same)
		{
			RevSet	   *version;
			Graph	   *g = load_state(&version);

			if (graph_applied(g, version)[graph_lookup(g, rev.id)])
				ereport(ERROR,
						(errcode(MIGRATE_ERR_STATE),
						 errmsg("revision \"%s\" is applied and its file differs from the registered revision", rev.id),
						 errdetail("Registered checksum %s, file checksum %s.", stored.checksum, rev.checksum),
						 errhint("Put the change in a new revision, or downgrade below \"%s\" before loading the edited file.", rev.id)));
			store_save_revision(&rev, true);
			/* a changed parent list may close a cycle: rebuilding checks */
			(void) store_load_graph();
		}
		id = rev.id;
	}
	else
		id = register_new(&rev);
	id = keep(id);
	SPI_finish();
	PG_RETURN_TEXT_P(cstring_to_text(id));
}

Datum
migrate_drop_revision(PG_FUNCTION_ARGS)
{
	char	   *id = required_text(fcinfo, 0, "id");
	Graph	   *g;
	RevSet	   *version;
	int			r;
	GraphRev   *rev;

	begin_mutation();
	g = load_state(&version);
	r = graph_lookup(g, id);
	if (r < 0 || graph_is_label(g, id))
		ereport(ERROR,
				(errcode(MIGRATE_ERR_UNKNOWN),
				 errmsg("revision \"%s\" does not exist", id),
				 errhint("drop_revision takes a full revision id; call migrate.history() to list them.")));
	rev = &g->revs[r];
	if (graph_applied(g, version)[r])
		ereport(ERROR,
				(errcode(MIGRATE_ERR_STATE),
				 errmsg("revision \"%s\" is applied", id),
				 errhint("Downgrade below \"%s\" first.", id)));
	if (rev->nnext > 0)
		ereport(ERROR,
				(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
				 errmsg("revision \"%s\" has dependent revisions", id),
				 errdetail("Revisions building on or depending on it: %s.",
						   migrate_join(rev_ids(g, GR_NEXT(g, rev), rev->nnext))),
				 errhint("Drop those revisions first.")));
	store_delete_revision(id);
	SPI_finish();
	PG_RETURN_VOID();
}

/* ---------- applying ---------- */

static StepPlan *
plan_for_target(Graph *g, RevSet *version, const char *target, bool upgrade)
{
	return upgrade ? graph_plan_upgrade(g, version, target)
		: graph_plan_downgrade(g, version, target);
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
		values[4] = migrate_list_to_array(r->locks);
		values[5] = migrate_list_to_array(r->rewritten);
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
	bool		dry_run = PG_NARGS() > 1 && !PG_ARGISNULL(1) && PG_GETARG_BOOL(1);
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
	plan = plan_for_target(g, version, target, upgrade);
	if (dry_run)
	{
		/* everything runs in a subtransaction that is rolled back */
		DryRun		d = {g, version, plan, &opts};
		ErrorData  *err;

		opts.observe = true;
		opts.bookkeeping = false;
		err = runner_subxact(dry_run_body, &d, false);
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
	runner_enter();
	if (SPI_connect_ext(SPI_OPT_NONATOMIC) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/* the SPI procedure context survives the commits: state lives there */
	lock_acquire();
	g = store_load_graph_private();	/* not the cache: it must outlive commits */
	version = revset_create(g);
	graph_check_version(g, store_load_version(), version);
	plan = plan_for_target(g, version, target, upgrade);
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
	connect_spi();
	g = load_state(&version);
	plan = plan_for_target(g, version, target, upgrade);
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

/* When begin_step ran, so end_step can log the duration of the whole step. */
static char begun_revision[MIGRATE_ID_MAXLEN + 1];
static bool begun_upgrade;
static TimestampTz begun_at;

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
	graph_check_step(*g, *version, &step);
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
	done = runner_progress(g, &step);
	runner_apply(g, version, &plan, &opts);
	done = keep(done + strlen("running "));
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
	lock_step_begin();
	progress = runner_progress(g, &step);
	ereport(NOTICE, (errmsg_internal("%s", progress)));
	strlcpy(begun_revision, REV_ID(g, step.rev), sizeof(begun_revision));
	begun_upgrade = step.upgrade;
	begun_at = GetCurrentTimestamp();
	progress = keep(psprintf("%s (non-transactional: its statements follow)", progress + strlen("running ")));
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
	bool		begun = strcmp(begun_revision, GR_ID(g, rev)) == 0 && begun_upgrade == step.upgrade;

	/* only the session that ran begin_step knows the statements ran */

	require_transactional(g, &step, false);
	if (!begun || !lock_step_held())
		ereport(ERROR,
				(errcode(MIGRATE_ERR_STATE),
				 errmsg("end_step of revision \"%s\" without its begin_step", GR_ID(g, rev)),
				 errdetail("This session did not call migrate.begin_step('%s', '%s') since its last end_step, or no longer holds the lock it took (DISCARD ALL, pg_advisory_unlock_all(), a connection pooler).",
						   GR_ID(g, rev), step.upgrade ? "upgrade" : "downgrade"),
				 errhint("Run begin_step, the revision's statements and end_step in one session, as migrate.%s_statements() lists them; to record work done by hand, use migrate.stamp().",
						 step.upgrade ? "upgrade" : "downgrade")));
	if (!store_fetch_script(GR_ID(g, rev), &s))
		elog(ERROR, "revision \"%s\" has no row", GR_ID(g, rev));
	done = keep(psprintf("recorded %s", runner_progress(g, &step) + strlen("running ")));
	runner_record(g, version, &step, s.checksum, begun_at);
	begun_revision[0] = '\0';
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

	connect_spi();
	if (from == NULL)
		g = load_state(&version);
	else
	{
		/* the starting state as stamp(from) would set it */
		List	   *targets = NIL;
		char	   *tok;
		char	   *save;

		g = store_load_graph();
		version = revset_create(g);
		for (tok = strtok_r(from, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save))
			targets = lappend(targets, tok);
		if (targets == NIL)
			ereport(ERROR,
					(errcode(MIGRATE_ERR_BAD_ARGUMENT),
					 errmsg("from_revision is empty"),
					 errhint("Pass 'base', a revision, or several separated by commas; NULL starts from the version table.")));
		graph_stamp(g, version, targets);
	}
	plan = plan_for_target(g, version, target, upgrade);
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
										  graph_plan_upgrade(g, version, target)));
	SPI_finish();
	return (Datum) 0;
}

static Datum
stamp(FunctionCallInfo fcinfo, List *targets)
{
	bool		purge = PG_ARGISNULL(1) ? false : PG_GETARG_BOOL(1);
	ReturnSetInfo *rsinfo;
	Graph	   *g;
	RevSet	   *version;
	List	   *before,
			   *after;
	ListCell   *lc;
	StringInfoData what;
	TimestampTz started = GetCurrentTimestamp();
	Interval	duration;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	begin_mutation();
	g = store_load_graph();
	version = revset_create(g);
	before = store_load_version();
	if (!purge)
		graph_check_version(g, before, version);
	graph_stamp(g, version, targets);
	revset_sort(g, version);
	after = revset_ids(g, version);

	initStringInfo(&what);
	foreach(lc, targets)
		appendStringInfo(&what, "%s%s", foreach_current_index(lc) ? " " : "", (char *) lfirst(lc));
	memset(&duration, 0, sizeof(duration));
	duration.time = GetCurrentTimestamp() - started;
	store_set_version(before, after);
	store_record_step(what.data, "stamp", NULL, started, &duration,
					  before, after);
	ereport(NOTICE, (errmsg_internal("running stamp %s -> %s",
									 before ? migrate_join(before) : "base",
									 after ? migrate_join(after) : "base")));
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
	g = store_load_graph();
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
	g = store_load_graph();
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
	g = store_load_graph();
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

Datum
migrate_history(PG_FUNCTION_ARGS)
{
	char	   *range = text_arg(fcinfo, 0);
	ReturnSetInfo *rsinfo;
	Graph	   *g;
	RevSet	   *version;
	StepPlan	   *plan;
	bool	   *applied;
	MemoryContext rowcxt;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	connect_spi();
	g = load_state(&version);
	plan = graph_history(g, version, range);
	applied = graph_applied(g, version);
	/* 100,000 rows: each row's datums are freed once the tuplestore has it */
	rowcxt = AllocSetContextCreate(CurrentMemoryContext, "migrate history row",
								   ALLOCSET_SMALL_SIZES);
	for (i = 0; i < plan->nsteps; i++)
	{
		GraphRev   *rev = &g->revs[plan->steps[i].rev];
		Datum		values[8];
		bool		nulls[8] = {0};
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
		values[7] = BoolGetDatum(applied[plan->steps[i].rev]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		MemoryContextSwitchTo(old);
		MemoryContextReset(rowcxt);
	}
	SPI_finish();
	return (Datum) 0;
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
	connect_spi();
	g = load_state(&version);
	r = graph_resolve_one(g, target, "revision");
	if (r < 0)
		ereport(ERROR,
				(errcode(MIGRATE_ERR_BAD_ARGUMENT),
				 errmsg("\"%s\" names no revision", target),
				 errhint("Pass a revision id, prefix or label.")));
	rev = &g->revs[r];
	if (!store_fetch_script(GR_ID(g, rev), &script))
		elog(ERROR, "revision \"%s\" vanished", GR_ID(g, rev));
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
	values[4] = migrate_list_to_array(dependents);
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
	values[11] = BoolGetDatum(graph_applied(g, version)[r]);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	SPI_finish();
	return (Datum) 0;
}

Datum
migrate_status(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo;
	Graph	   *g;
	RevSet	   *version;
	StepPlan	   *plan;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};
	List	   *pending = NIL;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	connect_spi();
	g = load_state(&version);
	revset_sort(g, version);
	values[0] = migrate_list_to_array(revset_ids(g, version));
	values[1] = ids_array(g, G_HEADS(g), g->nheads);
	plan = graph_plan_upgrade(g, version, "heads");
	for (i = 0; i < plan->nsteps; i++)
		pending = lappend(pending, REV_ID(g, plan->steps[i].rev));
	values[2] = migrate_list_to_array(pending);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	SPI_finish();
	return (Datum) 0;
}

/* ---------- trigger ---------- */

/* Statement trigger on migrate.revisions: the graph cache is out of date. */
Datum
migrate_revisions_changed(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("migrate.revisions_changed() must be called as a trigger")));
	store_revisions_changed();
	return PointerGetDatum(NULL);
}
