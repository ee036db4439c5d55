/*
 * register.c
 *		The rules for registering revisions: ids, labels, parents and
 *		dependencies checked against what is registered, scripts checked
 *		by the server's parser, files loaded again, revisions dropped.
 *
 * Registering one revision does not load the graph: names are looked up
 * with an indexed query, so that loading every file at every deploy stays
 * cheap however large the graph grows.
 */
#include "postgres.h"

#include "common/pg_prng.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "cache.h"
#include "migrate.h"
#include "plan.h"
#include "register.h"
#include "script.h"
#include "statements.h"
#include "store.h"
#include "target.h"
#include "util.h"

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
	int			n = list_length(l);
	char	  **sorted = util_sorted_strings(l);
	const char *twice = NULL;
	int			i;

	/* sorted once: a revision may list thousands of dependencies */
	for (i = 1; i < n && twice == NULL; i++)
		if (strcmp(sorted[i - 1], sorted[i]) == 0)
			twice = sorted[i];
	if (twice)
		ereport(ERROR,
				(errcode(MIGRATE_ERR_BAD_ARGUMENT),
				 errmsg("%s of revision \"%s\" lists \"%s\" twice", what, id, twice),
				 errhint("List each revision once.")));
}

/*
 * The owners of the names a registration mentions (its id, parents,
 * dependencies and labels), read with one indexed query so registering
 * stays cheap however large the graph is.
 */
typedef struct Names
{
	int			n;
	NameOwner **owners;			/* sorted by name */
} Names;

static int
cmp_owner_name(const void *a, const void *b)
{
	return strcmp((*(NameOwner *const *) a)->name, (*(NameOwner *const *) b)->name);
}

static Names *
names_lookup(NewRevision *rev)
{
	Names	   *names = palloc0(sizeof(Names));
	List	   *all = list_concat(list_concat(list_copy(rev->down), rev->depends_on),
								  rev->branch_labels);
	List	   *owners;
	ListCell   *lc;

	if (rev->id)
		all = lappend(all, rev->id);
	owners = store_lookup_names(all);
	names->n = list_length(owners);
	names->owners = palloc(Max(names->n, 1) * sizeof(NameOwner *));
	foreach(lc, owners)
		names->owners[foreach_current_index(lc)] = lfirst(lc);
	qsort(names->owners, names->n, sizeof(NameOwner *), cmp_owner_name);
	return names;
}

/* The id of the revision that has this id or label, or NULL. */
static const char *
names_find(Names *names, const char *name, bool *is_label)
{
	NameOwner	key = {(char *) name, NULL, false};
	NameOwner  *k = &key;
	NameOwner **o = bsearch(&k, names->owners, names->n, sizeof(NameOwner *), cmp_owner_name);

	*is_label = o ? (*o)->is_label : false;
	return o ? (*o)->owner : NULL;
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
	statements_check(rev->id, "upgrade", rev->upgrade_sql, rev->transactional,
					 rev->file, rev->upgrade_at);
	if (rev->downgrade_sql)
		statements_check(rev->id, "downgrade", rev->downgrade_sql,
						 rev->transactional, rev->file, rev->downgrade_at);
	rev->checksum = store_checksum(rev->upgrade_sql, rev->downgrade_sql);
}

/* Register a new revision; its id must be free.  Returns the id. */
char *
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

/* The 1-based line where two texts first differ. */
static int
first_difference(const char *a, const char *b)
{
	int			line = 1;

	for (; *a && *a == *b; a++, b++)
		line += *a == '\n';
	return line;
}

static bool
same_text(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/*
 * A file loaded again for a revision that is applied: what it may change
 * is repaired in place and logged (a "repair" row in migrate.log, as
 * Flyway's repair): its message, branch labels and transactional flag,
 * and its downgrade script, which has not run.  Its upgrade script ran
 * and stays as it ran; its parents and dependencies fix what the version
 * rows imply, and stay too.  Returns what it changed.
 */
static char *
repair_applied(NewRevision *rev, NewRevision *stored, List *version)
{
	StoredScript script;
	char	   *ran;
	char	   *held;
	StringInfoData what;

	script = store_get_script(rev->id);
	if (strcmp(script.upgrade_sql, rev->upgrade_sql) != 0)
		ereport(ERROR,
				(errcode(MIGRATE_ERR_STATE),
				 errmsg("revision \"%s\" is applied and its file changes its upgrade script", rev->id),
				 errdetail("The upgrade section differs from the script that ran, first at line %d of the section.",
						   first_difference(rev->upgrade_sql, script.upgrade_sql)),
				 errhint("Put the change in a new revision, or downgrade below \"%s\" before loading the edited file.", rev->id)));
	if (!same_strings(rev->down, stored->down) || !same_strings(rev->depends_on, stored->depends_on))
		ereport(ERROR,
				(errcode(MIGRATE_ERR_STATE),
				 errmsg("revision \"%s\" is applied and its file changes its place in the graph", rev->id),
				 errdetail("Registered: revises %s, depends on %s. File: revises %s, depends on %s.",
						   stored->down ? util_join_some(stored->down, 20) : "base",
						   stored->depends_on ? util_join_some(stored->depends_on, 20) : "nothing",
						   rev->down ? util_join_some(rev->down, 20) : "base",
						   rev->depends_on ? util_join_some(rev->depends_on, 20) : "nothing"),
				 errhint("The version rows imply what is applied through these edges: downgrade below \"%s\" before loading the edited file, or put the change in a new revision.", rev->id)));
	ran = store_applied_checksum(rev->id);
	held = store_checksum(script.upgrade_sql, script.downgrade_sql);
	if (ran != NULL && strcmp(ran, held) != 0)
		ereport(ERROR,
				(errcode(MIGRATE_ERR_STATE),
				 errmsg("revision \"%s\" cannot be repaired: its registered scripts are not the ones it was applied with", rev->id),
				 errdetail("It was applied with checksum %s; migrate.revisions holds scripts hashing to %s.",
						   ran, held),
				 errhint("Call migrate.verify(): the row was changed outside migrate's functions.")));
	if (!store_repairs_available())
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("revision \"%s\" is applied; repairing it needs migrate 0.3", rev->id),
				 errhint("Run ALTER EXTENSION migrate UPDATE.")));

	initStringInfo(&what);
	if (!same_text(rev->message, stored->message))
		appendStringInfoString(&what, ", message");
	if (!same_strings(rev->branch_labels, stored->branch_labels))
		appendStringInfoString(&what, ", branch labels");
	if (rev->transactional != stored->transactional)
		appendStringInfoString(&what, ", transactional");
	if (!same_text(rev->downgrade_sql, script.downgrade_sql))
		appendStringInfoString(&what, script.downgrade_sql == NULL ? ", downgrade script added" :
							   rev->downgrade_sql == NULL ? ", downgrade script removed" :
							   ", downgrade script");
	if (what.len == 0)
		appendStringInfoString(&what, ", checksum");	/* the stored one was stale */
	store_save_revision(rev, true);
	store_record_repair(rev->id, rev->checksum, version, what.data + 2);
	ereport(NOTICE,
			(errmsg("repaired applied revision \"%s\": %s", rev->id, what.data + 2),
			 errdetail("The change is logged in migrate.log; no script ran.")));
	return psprintf("repaired applied revision: %s", what.data + 2);
}

/*
 * Read a revision file into rev (pointing into fresh copies, the checksum
 * not yet computed).  False, with err filled, when the file is malformed.
 */
bool
register_read_file(const char *text, NewRevision *rev, ScriptError *err)
{
	ScriptFile	f;

	if (!script_parse(text, strlen(text), &f, err))
		return false;
	memset(rev, 0, sizeof(NewRevision));
	rev->id = pnstrdup(f.revision.ptr, f.revision.len);
	rev->down = span_list(&f.revises, true);
	rev->depends_on = span_list(&f.depends_on, false);
	rev->branch_labels = span_list(&f.branch_labels, false);
	rev->message = f.message.line ? pnstrdup(f.message.ptr, f.message.len) : NULL;
	rev->upgrade_sql = pnstrdup(f.upgrade.ptr, f.upgrade.len);
	rev->downgrade_sql = f.downgrade.line ? pnstrdup(f.downgrade.ptr, f.downgrade.len) : NULL;
	rev->transactional = f.is_transactional;
	rev->file = text;
	rev->upgrade_at = (int) (f.upgrade.ptr - text);
	rev->downgrade_at = f.downgrade.line ? (int) (f.downgrade.ptr - text) : 0;
	return true;
}

/*
 * Whether a revision read from a file is the registered one, field by
 * field (dependencies as written: a file naming a label differs here and
 * is settled by register_load).
 */
bool
register_unchanged(NewRevision *rev, NewRevision *stored)
{
	if (rev->checksum == NULL)
		rev->checksum = store_checksum(rev->upgrade_sql, rev->downgrade_sql);
	return strcmp(stored->checksum, rev->checksum) == 0 &&
		same_strings(rev->down, stored->down) &&
		same_strings(rev->depends_on, stored->depends_on) &&
		same_strings(rev->branch_labels, stored->branch_labels) &&
		same_text(rev->message, stored->message) &&
		rev->transactional == stored->transactional;
}

/*
 * Register the revision a file describes.  The same file again changes
 * nothing; an edited file of an unapplied revision replaces it; an edited
 * file of an applied revision repairs what may change (repair_applied).
 * *status (when asked) says which: "new", "unchanged", "replaced"; a
 * repair also sets *detail to what it changed.
 */
char *
register_load(const char *text, const char **status, char **detail)
{
	ScriptError err;
	NewRevision rev;
	NewRevision stored = {0};
	Graph	   *g;
	RevSet	   *version;
	List	   *rows;
	const char *dummy_status;
	char	   *dummy_detail;

	if (status == NULL)
		status = &dummy_status;
	if (detail == NULL)
		detail = &dummy_detail;
	*detail = NULL;
	if (!register_read_file(text, &rev, &err))
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("invalid revision file at line %d", err.line),
				 errdetail("%c%s.", pg_toupper((unsigned char) err.message[0]), err.message + 1),
				 errhint("See the file format in README.md: \"-- migrate:revision <id>\" and a \"-- migrate:upgrade\" section are required.")));

	if (!store_fetch_revision(rev.id, &stored))
	{
		*status = "new";
		return register_new(&rev);
	}

	/* loading every file at every deploy must stay cheap: no graph */
	validate_revision(names_lookup(&rev), &rev, rev.id);
	*status = "unchanged";
	if (register_unchanged(&rev, &stored))
		return rev.id;

	*status = "replaced";
	g = cache_graph();
	version = revset_create(g);
	rows = store_load_version();
	plan_check_version(g, rows, version);
	if (plan_applied(g, version)[graph_lookup(g, rev.id)])
	{
		*detail = repair_applied(&rev, &stored, rows);
		return rev.id;
	}
	store_save_revision(&rev, true);
	/* a changed parent list may close a cycle: rebuilding checks */
	(void) cache_graph();
	return rev.id;
}

/*
 * A merge revision of the given parents (default: all heads), with empty
 * scripts.
 */
char *
register_merge(List *parents, const char *message, const char *id)
{
	NewRevision rev = {0};

	if (list_length(parents) < 2)
		ereport(ERROR,
				(errcode(MIGRATE_ERR_STATE),
				 errmsg("a merge needs at least two revisions"),
				 errdetail("Found %d: %s.", list_length(parents),
						   parents ? util_join_some(parents, 20) : "none"),
				 errhint("Merge when the graph has several heads, or name the revisions.")));
	rev.down = parents;
	rev.id = id ? pstrdup(id) : NULL;
	rev.message = message ? pstrdup(message) : psprintf("merge %s", util_join(parents));
	rev.upgrade_sql = "";
	rev.downgrade_sql = "";
	rev.transactional = true;
	return register_new(&rev);
}

/* Remove an unapplied revision that nothing builds on. */
void
register_drop(const char *id)
{
	Graph	   *g = cache_graph();
	RevSet	   *version = revset_create(g);
	int			r;
	GraphRev   *rev;

	plan_check_version(g, store_load_version(), version);
	r = graph_lookup(g, id);
	if (r < 0 || graph_is_label(g, id))
		ereport(ERROR,
				(errcode(MIGRATE_ERR_UNKNOWN),
				 errmsg("revision \"%s\" does not exist", id),
				 errhint("drop_revision takes a full revision id; call migrate.history() to list them.")));
	rev = &g->revs[r];
	if (plan_applied(g, version)[r])
		ereport(ERROR,
				(errcode(MIGRATE_ERR_STATE),
				 errmsg("revision \"%s\" is applied", id),
				 errhint("Downgrade below \"%s\" first.", id)));
	if (rev->nnext > 0)
		ereport(ERROR,
				(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
				 errmsg("revision \"%s\" has dependent revisions", id),
				 errdetail("Revisions building on or depending on it: %s.",
						   util_join(graph_ids(g, GR_NEXT(g, rev), rev->nnext))),
				 errhint("Drop those revisions first.")));
	store_delete_revision(id);
}
