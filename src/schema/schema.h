/*
 * schema.h
 *		The schema diff: snapshots as data in, statements out.
 *
 * Everything declared here is pure C without backend calls, so that
 * migrate.diff() can be unit-tested on JSON and fuzzed without a server:
 * json.c parses a snapshot's text into a tree in an arena, diff.c pairs
 * the objects of two snapshots by identity and asks each object kind
 * (one file per kind, which also holds the catalog query that reads the
 * kind for snapshot.c) for its statements, and order.c sorts those by the
 * dependencies of both snapshots.
 */
#ifndef MIGRATE_SCHEMA_H
#define MIGRATE_SCHEMA_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>

/* ---- json.c: arena, text buffer, JSON tree ---- */

typedef struct Arena Arena;
typedef void *(*ArenaBlockAlloc) (size_t size, void *arg);
typedef void (*ArenaBlockFree) (void *block, void *arg);

extern Arena *arena_create(ArenaBlockAlloc alloc, ArenaBlockFree release,
						   void *arg, jmp_buf *fail, char *errbuf,
						   size_t errlen);
extern void arena_destroy(Arena *a);
extern void *arena_alloc(Arena *a, size_t size);
extern void *arena_bytes(Arena *a, size_t size);
extern char *arena_strdup(Arena *a, const char *s);
extern char *arena_printf(Arena *a, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));
extern void arena_fail(Arena *a, const char *fmt,...)
			__attribute__((format(printf, 2, 3), noreturn));
/* what a failure is about, for the hint that goes with it */
#define ARENA_ABOUT_SNAPSHOTS 0
#define ARENA_ABOUT_RENAMES 1
extern void arena_about(Arena *a, int about);
extern int	arena_failed_about(const Arena *a);

typedef struct Buf
{
	Arena	   *arena;
	char	   *data;
	size_t		len;
	size_t		cap;
} Buf;

extern void buf_init(Buf *b, Arena *a);
extern void buf_add(Buf *b, const char *s);
extern void buf_addf(Buf *b, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));
extern void buf_add_literal(Buf *b, const char *s);

typedef enum JType
{
	J_NULL, J_BOOL, J_NUMBER, J_STRING, J_ARRAY, J_OBJECT
} JType;

typedef struct JNode
{
	JType		type;
	const char *str;			/* string, or a number's text */
	bool		boolean;
	int			n;				/* items of an array or object */
	struct JNode **items;
	const char **keys;			/* object keys, parallel to items */
} JNode;

extern JNode *json_parse(Arena *a, const char *text, size_t len);
extern void json_append(Arena *a, JNode *parent, int *cap, const char *key,
						JNode *item);
extern JNode *json_get(const JNode *obj, const char *key);
extern const char *json_str(const JNode *obj, const char *key);
extern bool json_bool(const JNode *obj, const char *key);
extern bool json_equal(const JNode *a, const JNode *b);
extern bool json_equal_except(const JNode *a, const JNode *b,
							  const char *const *ignored);
extern bool json_has_string(const JNode *array, const char *s);

/* ---- diff.c: pairs, nodes, statements ---- */

/* hazards, one bit each; diff_hazard_names lists them in this order */
#define HZ_DELETES_DATA		(1 << 0)
#define HZ_REWRITES_TABLE	(1 << 1)
#define HZ_ACCESS_EXCLUSIVE	(1 << 2)
#define HZ_DATA_DEPENDENT	(1 << 3)
#define HZ_INDEX_BUILD		(1 << 4)
#define HZ_IRREVERSIBLE		(1 << 5)
#define HZ_NOT_DIFFED		(1 << 6)
#define HZ_COUNT			7
extern const char *const diff_hazard_names[HZ_COUNT];

typedef struct Kind Kind;
typedef struct Step Step;
typedef struct Diff Diff;

/* one object of one snapshot */
typedef struct SObj
{
	const char *key;			/* "table public.t" */
	const JNode *def;
	const JNode *deps;			/* array of keys, or NULL */
} SObj;

/* an identity and its object on each side */
typedef struct Pair
{
	const char *key;
	const Kind *kind;
	SObj	   *from;
	SObj	   *to;
	struct Pair *container;		/* table of a column, index, trigger... */
	bool		recreate;		/* dropped and created again */
	bool		breaks_dependents;	/* its change needs dependents rebuilt */
	bool		replaced;		/* a new object made in its alteration */
	Step	   *rename;			/* before anything else: see rename.c */
	Step	   *drop;
	Step	   *alter;
	Step	   *create;
	Step	   *post;			/* after create and alter: OWNED BY, ... */
	struct Pair *post_after;	/* what the post node needs first */
	struct Pair *alter_before;	/* whose drop waits for the alteration */
	struct Pair **uses_from;	/* pairs this one depends on, per side */
	int			nuses_from;
	struct Pair **uses_to;
	int			nuses_to;
	struct Pair **users_from;	/* pairs depending on this one, from side */
	int			nusers_from;
	int			users_cap;
} Pair;

typedef struct Stmt
{
	const char *sql;
	unsigned	hazards;
	bool		transactional;
	struct Stmt *next;
} Stmt;

typedef enum Phase
{
	PH_RENAME, PH_DROP, PH_ALTER, PH_CREATE, PH_POST
} Phase;

struct Step
{
	Pair	   *pair;
	Phase		phase;
	Stmt	   *first;
	Stmt	   *last;
	Step	   *merged_into;	/* absorbed by another node's statement */
	bool		dead;			/* an alteration made moot by a rebuild */
	Arena	   *arena;
	Step	  **out;			/* must come before these */
	int			nout;
	int			out_cap;
	int			nin;
	int			order;			/* tie-break rank */
	int			heap_pos;
};

/*
 * What an object kind knows.  create/drop write the statements for one
 * side's object; alter compares both and either writes statements or
 * calls diff_recreate().  container names the object a kind lives in, so
 * that dropping the container takes it along.
 */
struct Kind
{
	const char *name;			/* the "kind" value in a snapshot */
	int			rank;			/* tie-break among ready statements */
	void		(*create) (Diff *d, Pair *p, Step *n);
	void		(*drop) (Diff *d, Pair *p, Step *n);
	void		(*alter) (Diff *d, Pair *p, Step *n);
	const char *(*ref) (Diff *d, const SObj *o);	/* COMMENT ON target */
	const char *(*container) (Diff *d, const SObj *o);	/* key or NULL */
	const char *(*dropped_with) (Diff *d, const SObj *o);	/* if not container */
	void		(*grants) (Diff *d, Step *n, const SObj *o, const JNode *from_acl,
						   const JNode *to_acl);
	const char *public_default; /* what PUBLIC may do with a new one */
	bool		rebuilt_with_dependency;	/* views, triggers, indexes... */
	bool		blocks_type_change; /* must go while a column changes type */
};

typedef struct DiffOptions
{
	const JNode *renames;		/* object: from key -> to key */
	bool		concurrently;	/* index builds outside a transaction */
} DiffOptions;

typedef struct DiffRow
{
	const char *statement;
	unsigned	hazards;
	bool		transactional;
	const char *key;			/* the object the statement is for */
	const char *change;			/* "create", "drop" or "alter" it */
} DiffRow;

struct Diff
{
	Arena	   *arena;
	DiffOptions opt;
	Pair	   *pairs;			/* sorted by key */
	int			npairs;
	Step	  **nodes;
	int			nnodes;
	int			nodes_cap;
	struct Rename *renames;
	int			nrenames;
};

extern DiffRow *diff_run(Arena *a, const char *from_text, size_t from_len,
						 const char *to_text, size_t to_len,
						 const DiffOptions *opt, int *nrows);
extern DiffRow *diff_run_trees(Arena *a, JNode *from, JNode *to,
							   const DiffOptions *opt, int *nrows);
extern Pair *diff_find(Diff *d, const char *key);
extern void diff_recreate(Diff *d, Pair *p);
extern Step *diff_node(Diff *d, Pair *p, Phase phase);
extern void diff_emit(Diff *d, Step *n, unsigned hazards, const char *fmt,...)
			__attribute__((format(printf, 4, 5)));
extern void diff_emit_outside(Diff *d, Step *n, unsigned hazards,
							  const char *fmt,...)
			__attribute__((format(printf, 4, 5)));
extern void diff_before(Step *first, Step *then);
extern void diff_comment(Diff *d, Step *n, const SObj *from, const SObj *to);
extern void diff_new_extras(Diff *d, Pair *p, Step *n);
extern void diff_grants(Diff *d, Step *n, const JNode *from_acl,
						const JNode *to_acl, const char *on,
						const char *column);
extern void diff_not_diffed(Diff *d, Step *n, const char *what,
							const char *change);
extern const char *diff_literal(Diff *d, const char *s);
extern const Kind *diff_kind(const char *name);
extern const char *diff_str(Diff *d, const SObj *o, const char *field);
extern Pair **diff_children(Diff *d, const char *prefix, int *n);
extern bool diff_existed(const Pair *p);

/* column.c: a column's definition in CREATE TABLE and ADD COLUMN */
extern const char *column_definition(Diff *d, const SObj *o);

/* ---- rename.c ---- */
extern void rename_apply(Diff *d, SObj *from, int nfrom, SObj *to, int nto);
extern void rename_statements(Diff *d);

/* ---- order.c ---- */
extern Step **order_nodes(Diff *d, int *n);

/* ---- the object kinds, one file each ---- */
extern const Kind namespace_kind;
extern const Kind extension_kind;
extern const Kind collation_kind;
extern const Kind enum_kind;
extern const Kind domain_kind;
extern const Kind composite_kind;
extern const Kind sequence_kind;
extern const Kind table_kind;
extern const Kind column_kind;
extern int	column_position(const Pair *p);
extern const Kind constraint_kind;
extern const Kind index_kind;
extern const Kind function_kind;
extern const Kind view_kind;
extern const Kind matview_kind;
extern const Kind trigger_kind;
extern const Kind policy_kind;
extern const Kind other_kind;

/*
 * The catalog queries, one per kind, that snapshot.c joins into one
 * statement.  Each yields (classid oid, objid oid, subid int, key text,
 * obj jsonb); a row with a NULL obj maps another catalog row (an index
 * behind a constraint, a view's rule) to an object's key so that
 * dependencies through it are found.  $1 is the schemas argument; the
 * CTEs ns (covered schemas: oid, q), rel (their relations with qn, the
 * qualified name) and mem (extension members) are in scope.
 */
extern const char *const namespace_reader;
extern const char *const extension_reader;
extern const char *const collation_reader;
extern const char *const type_reader;
extern const char *const sequence_reader;
extern const char *const table_reader;
extern const char *const column_reader;
extern const char *const constraint_reader;
extern const char *const index_reader;
extern const char *const function_reader;
extern const char *const view_reader;
extern const char *const trigger_reader;
extern const char *const policy_reader;
extern const char *const other_reader;

/* shared SQL fragments of the readers */
#define SNAP_COMMENT(cls, oid, sub) \
	"(SELECT description FROM pg_description" \
	" WHERE classoid = '" cls "'::regclass AND objoid = " oid \
	" AND objsubid = " sub ")"
#define SNAP_ACL(acl, kind, owner) \
	"(SELECT coalesce(jsonb_agg(g ORDER BY g), '[]') FROM" \
	" (SELECT a.privilege_type || ' ' || CASE a.grantee WHEN 0 THEN 'PUBLIC'" \
	" ELSE quote_ident(pg_get_userbyid(a.grantee)) END" \
	" || CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END AS g" \
	" FROM aclexplode(coalesce(" acl ", acldefault('" kind "', " owner "))) a" \
	" WHERE a.grantee <> " owner ") s)"
#define SNAP_MEMBER(cls, oid) \
	"EXISTS (SELECT 1 FROM mem WHERE mem.classid = '" cls "'::regclass" \
	" AND mem.objid = " oid ")"

#endif							/* MIGRATE_SCHEMA_H */
