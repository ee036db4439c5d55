/*
 * migrate.h
 *		Shared declarations of the migrate extension.
 *
 * The pure parsers (target.c, script.c) are declared first and use no
 * backend facilities, so a fuzzer can link them without a server.  The
 * rest of the header needs postgres.h.
 */
#ifndef MIGRATE_H
#define MIGRATE_H

#include <stdbool.h>
#include <stddef.h>

#define MIGRATE_ID_MAXLEN	64

/* ---- target.c: target specs ("head", "label@-2", "ab12+1", "a:b") ---- */

typedef enum TargetKind
{
	TARGET_REV,					/* an id, a prefix or a label */
	TARGET_HEAD,
	TARGET_HEADS,
	TARGET_BASE,
	TARGET_CURRENT,				/* "current": only meaningful in ranges */
	TARGET_RELATIVE				/* "+N" / "-N" from the database state */
} TargetKind;

typedef struct TargetSpec
{
	const char *label;			/* "label" of "label@...", or NULL */
	size_t		label_len;
	TargetKind	kind;
	const char *rev;			/* for TARGET_REV */
	size_t		rev_len;
	bool		has_delta;		/* "+N" / "-N" suffix present */
	int			delta;
} TargetSpec;

extern bool target_valid_ident(const char *s, size_t len);
extern bool target_is_keyword(const char *s, size_t len);
extern bool target_parse(const char *s, size_t len, TargetSpec *out,
						 const char **error);
extern bool target_split_range(const char *s, size_t len,
							   size_t *colon, const char **error);

/* ---- script.c: the revision file format ---- */

typedef struct ScriptText
{
	const char *ptr;
	size_t		len;
	int			line;			/* line of the directive, 0 if absent */
} ScriptText;

typedef struct ScriptFile
{
	ScriptText	revision;
	ScriptText	revises;
	ScriptText	message;
	ScriptText	branch_labels;
	ScriptText	depends_on;
	ScriptText	transactional;
	ScriptText	upgrade;
	ScriptText	downgrade;
	bool		is_transactional;
} ScriptFile;

typedef struct ScriptError
{
	int			line;
	char		message[256];
} ScriptError;

extern bool script_parse(const char *text, size_t len, ScriptFile *out,
						 ScriptError *err);
extern bool script_next_item(ScriptText *list, ScriptText *item);

#ifndef MIGRATE_FRONTEND

#include "postgres.h"
#include "fmgr.h"
#include "executor/spi.h"
#include "nodes/pg_list.h"
#include "utils/hsearch.h"
#include "utils/timestamp.h"

/* SQLSTATEs used throughout, named after their meaning here */
#define MIGRATE_ERR_BAD_ARGUMENT	ERRCODE_INVALID_PARAMETER_VALUE
#define MIGRATE_ERR_UNKNOWN			ERRCODE_UNDEFINED_OBJECT
#define MIGRATE_ERR_DUPLICATE		ERRCODE_DUPLICATE_OBJECT
#define MIGRATE_ERR_STATE			ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE

/* ---- graph.c: the revision DAG ---- */

/*
 * One revision as stored; the graph refers to revisions by index.  Strings
 * and int arrays are offsets into the graph's chars and ints, not pointers:
 * a graph is one relocatable image that backends can share (store.c).
 */
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

typedef struct PlanStep
{
	int			rev;
	bool		upgrade;
} PlanStep;

typedef struct StepPlan
{
	int			nsteps;
	PlanStep   *steps;
} StepPlan;

extern Graph *graph_build(RevRow *rows, int n);
extern Size graph_image_size(Graph *g);
extern void graph_image_write(Graph *g, char *dst);
extern Graph *graph_image_open(char *src, Size size);
extern int	graph_lookup(Graph *g, const char *name);
extern bool graph_is_label(Graph *g, const char *name);
extern int	graph_resolve_one(Graph *g, const char *spec, const char *what);
extern void graph_check_version(Graph *g, List *version, RevSet *out);
extern RevSet *revset_create(Graph *g);
extern void revset_add(RevSet *s, int rev);
extern void revset_remove(RevSet *s, int rev);
extern void revset_sort(Graph *g, RevSet *s);
extern bool *graph_applied(Graph *g, RevSet *version);
extern StepPlan *graph_plan_upgrade(Graph *g, RevSet *version, const char *target);
extern StepPlan *graph_plan_downgrade(Graph *g, RevSet *version, const char *target);
extern void graph_apply_step(Graph *g, RevSet *version, PlanStep *step);
extern void graph_stamp(Graph *g, RevSet *version, List *targets);
extern StepPlan *graph_history(Graph *g, RevSet *version, const char *range);
extern int	graph_new_parent(Graph *g, const char *head);
extern void graph_check_step(Graph *g, RevSet *version, PlanStep *step);
extern RevSet *revset_copy(Graph *g, RevSet *s);
extern bool revset_equal(RevSet *a, RevSet *b);

/* ---- store.c: every read and write of migrate.* tables ---- */

typedef struct StoredScript
{
	char	   *upgrade_sql;
	char	   *downgrade_sql;	/* NULL: irreversible */
	char	   *checksum;
} StoredScript;

typedef struct NewRevision
{
	char	   *id;
	List	   *down;			/* of char * */
	List	   *depends_on;
	List	   *branch_labels;
	char	   *message;
	char	   *upgrade_sql;
	char	   *downgrade_sql;
	bool		transactional;
	char	   *checksum;
} NewRevision;

/* A name (id or label) and the revision owning it. */
typedef struct NameOwner
{
	char	   *name;
	char	   *owner;
	bool		is_label;
} NameOwner;

extern RevRow *store_load_rows(int *nrows);
extern Graph *store_load_graph(void);
extern Graph *store_load_graph_private(void);
extern void store_revisions_changed(void);
extern int64 store_generation(void);
extern int64 store_log_first(void);
extern uint64 store_changes_seen(void);
extern void store_init(void);
extern List *store_lookup_names(List *names);
extern bool store_fetch_revision(const char *id, NewRevision *out);
extern List *store_load_version(void);
extern bool store_fetch_script(const char *id, StoredScript *out);
extern void store_save_revision(NewRevision *rev, bool replace);
extern void store_delete_revision(const char *id);
extern void store_record_step(const char *revision, const char *operation,
							  const char *checksum, TimestampTz started,
							  Interval *duration, List *before, List *after);
extern void store_record_failure(const char *revision, const char *operation,
								 const char *checksum, TimestampTz started,
								 Interval *duration, List *heads,
								 const char *sqlstate, const char *error);
extern void store_set_version(List *before, List *after);
extern int	store_run_catalog(SPIPlanPtr *plan, const char *sql);
extern List *store_log_checksums(void);
extern void store_check_snapshot(void);
extern char *store_checksum(const char *upgrade_sql, const char *downgrade_sql);

/* ---- lock.c ---- */
extern void lock_acquire(void);
extern void lock_step_begin(void);
extern void lock_step_end(void);
extern bool lock_step_held(void);

/* ---- migrate.c: settings ---- */
extern int	migrate_lock_timeout;
extern int	migrate_lock_retries;
extern bool migrate_shared_graphs;

/* ---- runner.c ---- */

/* What the runner reports back per executed step. */
typedef struct StepResult
{
	const char *revision;
	const char *operation;
	const char *message;
	Interval	duration;
	List	   *locks;			/* dry runs: "Mode on schema.table", sorted */
	List	   *rewritten;		/* dry runs: tables whose relfilenode changed */
} StepResult;

typedef void (*StepCallback) (StepResult *result, void *arg);

/* How runner_apply runs a plan. */
typedef struct RunOptions
{
	StepCallback after;			/* each executed step, or NULL */
	void	   *arg;
	bool		observe;		/* fill locks and rewritten (dry runs) */
	bool		bookkeeping;	/* write migrate.log and migrate.version */
} RunOptions;

typedef void (*SubxactBody) (void *arg);

extern void runner_apply(Graph *g, RevSet *version, StepPlan *plan,
						 RunOptions *opts);
extern void runner_check_plan(Graph *g, StepPlan *plan, bool allow_nontransactional);
extern void runner_apply_each(Graph *g, RevSet *version, StepPlan *plan);
extern void runner_record(Graph *g, RevSet *version, PlanStep *step,
						  const char *checksum, TimestampTz started);
extern char *runner_progress(Graph *g, PlanStep *step);
extern List *runner_split_script(const char *id, const char *section,
								 const char *sql);
extern bool runner_script_terminated(const char *id, const char *section,
									 const char *sql);
extern ErrorData *runner_subxact(SubxactBody body, void *arg, bool keep);
extern void runner_check_script(const char *id, const char *section,
								const char *sql);
extern void runner_enter(void);
extern bool runner_is_active(void);

/* ---- catalog.c: what dry runs and round trips observe ---- */
typedef struct CatalogSnapshot CatalogSnapshot;
extern CatalogSnapshot *catalog_snapshot(MemoryContext parent);
extern void catalog_snapshot_free(CatalogSnapshot *snap);
extern CatalogSnapshot *catalog_step_changes(CatalogSnapshot *before,
											 List **locks, List **rewritten);
extern List *catalog_fingerprint(void);
extern char *catalog_diff(List *expected, List *found, int *ndiff);

/* ---- offline.c: plans rendered as SQL text ---- */
extern List *offline_statements(Graph *g, RevSet *version, StepPlan *plan);
extern char *offline_script(Graph *g, RevSet *version, StepPlan *plan,
							bool upgrade);

/* ---- check.c: verify() and check_roundtrip() ---- */
typedef struct Problem
{
	char	   *revision;
	char	   *problem;
	char	   *detail;
} Problem;

extern List *check_verify(void);
extern List *check_roundtrip(Graph *g, RevSet *version, StepPlan *plan);

/* text[] helpers shared by store.c and api.c */
extern Datum migrate_list_to_array(List *strings);
extern List *migrate_array_to_list(Datum array);
extern List *revset_ids(Graph *g, RevSet *s);
extern List *migrate_list_minus(List *a, List *b);
extern char *migrate_join(List *strings);

#endif							/* MIGRATE_FRONTEND */
#endif							/* MIGRATE_H */
