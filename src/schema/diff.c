/*
 * diff.c
 *		From two snapshots to the statements that turn the first schema into
 *		the second: pair the objects by identity, let each object's kind say
 *		what changed, rebuild what depends on a rebuilt object, and tie the
 *		statements together by both snapshots' dependencies for order.c.
 *
 * An object whose container goes (a column of a dropped table, an index of
 * a dropped view, a sequence owned by a dropped column) goes with it: its
 * node is merged into the container's, so no statement names an object
 * that is already gone.
 */
#include "schema.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const diff_hazard_names[HZ_COUNT] = {
	"deletes_data", "rewrites_table", "access_exclusive", "data_dependent",
	"index_build", "irreversible", "not_diffed"
};

static const Kind *const all_kinds[] = {
	&namespace_kind, &extension_kind, &collation_kind, &enum_kind,
	&domain_kind, &composite_kind, &sequence_kind, &table_kind, &column_kind,
	&constraint_kind, &index_kind, &function_kind, &view_kind, &matview_kind,
	&trigger_kind, &policy_kind, &other_kind
};

const Kind *
diff_kind(const char *name)
{
	size_t		i;

	if (name != NULL)
		for (i = 0; i < sizeof(all_kinds) / sizeof(all_kinds[0]); i++)
			if (strcmp(all_kinds[i]->name, name) == 0)
				return all_kinds[i];
	return &other_kind;
}

/* a string member every object of its kind must have */
const char *
diff_str(Diff *d, const SObj *o, const char *field)
{
	const char *s = json_str(o->def, field);

	if (s == NULL)
		arena_fail(d->arena, "object \"%s\" has no \"%s\"", o->key, field);
	return s;
}

/*
 * Whether the container of p (its table) existed before: a constraint
 * added to an existing table checks existing rows, one born with its
 * table has none to check.
 */
bool
diff_existed(const Pair *p)
{
	return p->container == NULL ||
		(p->container->from != NULL && !p->container->recreate);
}

/* the pairs whose keys start with prefix, in key order */
Pair **
diff_children(Diff *d, const char *prefix, int *n)
{
	size_t		len = strlen(prefix);
	int			lo = 0,
				hi = d->npairs,
				k = 0,
				i;
	Pair	  **out;

	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;

		if (strcmp(d->pairs[mid].key, prefix) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; i < d->npairs && strncmp(d->pairs[i].key, prefix, len) == 0; i++)
		;
	out = arena_alloc(d->arena, sizeof(Pair *) * (i - lo + 1));
	for (i = lo; i < d->npairs && strncmp(d->pairs[i].key, prefix, len) == 0; i++)
		out[k++] = &d->pairs[i];
	*n = k;
	return out;
}

static const Kind *
obj_kind(const SObj *o)
{
	return diff_kind(json_str(o->def, "kind"));
}

/* ---------- loading ---------- */

static int
cmp_sobj(const void *a, const void *b)
{
	return strcmp(((const SObj *) a)->key, ((const SObj *) b)->key);
}

/* the objects of one snapshot, sorted by key */
static SObj *
load_side(Arena *a, JNode *root, const char *side, int *n)
{
	JNode	   *objects = json_get(root, "objects");
	const char *format = json_str(root, "format");
	SObj	   *objs;
	int			i,
				kept = 0;

	if (root->type != J_OBJECT || objects == NULL || objects->type != J_OBJECT)
		arena_fail(a, "the %s snapshot has no \"objects\" object", side);
	if (format == NULL || strcmp(format, "1") != 0)
		arena_fail(a, "the %s snapshot is not of format 1", side);
	objs = arena_alloc(a, sizeof(SObj) * (objects->n + 1));
	for (i = 0; i < objects->n; i++)
	{
		JNode	   *def = objects->items[i];
		JNode	   *deps = json_get(def, "deps");

		if (def->type != J_OBJECT || json_str(def, "kind") == NULL ||
			json_str(def, "name") == NULL)
			arena_fail(a, "object \"%s\" of the %s snapshot has no kind or name",
					   objects->keys[i], side);
		objs[kept].key = objects->keys[i];
		objs[kept].def = def;
		objs[kept].deps = deps != NULL && deps->type == J_ARRAY ? deps : NULL;
		kept++;
	}
	qsort(objs, kept, sizeof(SObj), cmp_sobj);
	/* text that did not come from jsonb may repeat a key: the first counts */
	for (i = 1; i < kept; i++)
		if (strcmp(objs[i].key, objs[i - 1].key) == 0)
			arena_fail(a, "object \"%s\" appears twice in the %s snapshot",
					   objs[i].key, side);
	*n = kept;
	return objs;
}

Pair *
diff_find(Diff *d, const char *key)
{
	int			lo = 0,
				hi = d->npairs - 1;

	if (key == NULL)
		return NULL;
	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		int			c = strcmp(d->pairs[mid].key, key);

		if (c == 0)
			return &d->pairs[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

static void
pair_objects(Diff *d, SObj *from, int nfrom, SObj *to, int nto)
{
	int			i = 0,
				j = 0;

	d->pairs = arena_alloc(d->arena, sizeof(Pair) * (nfrom + nto + 1));
	d->npairs = 0;
	while (i < nfrom || j < nto)
	{
		Pair	   *p = &d->pairs[d->npairs++];
		int			c = i >= nfrom ? 1 : j >= nto ? -1 :
			strcmp(from[i].key, to[j].key);

		if (c <= 0)
			p->from = &from[i++];
		if (c >= 0)
			p->to = &to[j++];
		p->key = p->to ? p->to->key : p->from->key;
		p->kind = obj_kind(p->to ? p->to : p->from);
	}
}

static void
add_user(Diff *d, Pair *used, Pair *user)
{
	if (used->nusers_from == used->users_cap)
	{
		int			cap = used->users_cap == 0 ? 4 : used->users_cap * 2;
		Pair	  **bigger = arena_alloc(d->arena, sizeof(Pair *) * cap);

		if (used->nusers_from > 0)
			memcpy(bigger, used->users_from, sizeof(Pair *) * used->nusers_from);
		used->users_from = bigger;
		used->users_cap = cap;
	}
	used->users_from[used->nusers_from++] = user;
}

/* the pairs one side's object depends on: its deps and its container */
static Pair **
resolve_uses(Diff *d, Pair *p, const SObj *o, int *n)
{
	int			ndeps = o->deps ? o->deps->n : 0;
	Pair	  **uses = arena_alloc(d->arena, sizeof(Pair *) * (ndeps + 1));
	const char *container = obj_kind(o)->container ?
		obj_kind(o)->container(d, o) : NULL;
	int			i,
				k = 0;

	for (i = 0; i < ndeps; i++)
	{
		Pair	   *u;

		if (o->deps->items[i]->type != J_STRING)
			continue;
		u = diff_find(d, o->deps->items[i]->str);
		if (u != NULL && u != p)
			uses[k++] = u;
	}
	if (container != NULL)
	{
		Pair	   *c = diff_find(d, container);

		if (c != NULL && c != p)
		{
			uses[k++] = c;
			if (o == p->to || p->to == NULL)
				p->container = c;
		}
	}
	*n = k;
	return uses;
}

static void
resolve_dependencies(Diff *d)
{
	int			i,
				j;

	for (i = 0; i < d->npairs; i++)
	{
		Pair	   *p = &d->pairs[i];

		if (p->from)
		{
			p->uses_from = resolve_uses(d, p, p->from, &p->nuses_from);
			for (j = 0; j < p->nuses_from; j++)
				add_user(d, p->uses_from[j], p);
		}
		if (p->to)
			p->uses_to = resolve_uses(d, p, p->to, &p->nuses_to);
	}
}

/* ---------- nodes and statements ---------- */

Step *
diff_node(Diff *d, Pair *p, Phase phase)
{
	Step	  **slot = phase == PH_RENAME ? &p->rename : phase == PH_DROP ? &p->drop :
		phase == PH_ALTER ? &p->alter : phase == PH_CREATE ? &p->create : &p->post;
	Step	   *n;

	if (*slot != NULL)
		return *slot;
	n = arena_alloc(d->arena, sizeof(Step));
	n->pair = p;
	n->phase = phase;
	n->arena = d->arena;
	if (d->nnodes == d->nodes_cap)
	{
		int			cap = d->nodes_cap == 0 ? 64 : d->nodes_cap * 2;
		Step	  **bigger = arena_alloc(d->arena, sizeof(Step *) * cap);

		if (d->nnodes > 0)
			memcpy(bigger, d->nodes, sizeof(Step *) * d->nnodes);
		d->nodes = bigger;
		d->nodes_cap = cap;
	}
	d->nodes[d->nnodes++] = n;
	*slot = n;
	return n;
}

static void emit(Diff *d, Step *n, unsigned hazards, bool transactional,
				 const char *fmt, va_list ap)
			__attribute__((format(printf, 5, 0)));

static void
emit(Diff *d, Step *n, unsigned hazards, bool transactional,
	 const char *fmt, va_list ap)
{
	Stmt	   *s = arena_alloc(d->arena, sizeof(Stmt));
	va_list		copy;
	int			len;
	char	   *sql;

	va_copy(copy, ap);
	len = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (len < 0)
		arena_fail(d->arena, "cannot format a statement");
	sql = arena_bytes(d->arena, (size_t) len + 1);
	vsnprintf(sql, (size_t) len + 1, fmt, ap);
	/* only a snapshot with an empty definition makes one */
	if (strspn(sql, " \t\r\n") == (size_t) len)
		arena_fail(d->arena, "object \"%s\" gives an empty statement", n->pair->key);
	s->sql = sql;
	s->hazards = hazards;
	s->transactional = transactional;
	if (n->last)
		n->last->next = s;
	else
		n->first = s;
	n->last = s;
}

void
diff_emit(Diff *d, Step *n, unsigned hazards, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	emit(d, n, hazards, true, fmt, ap);
	va_end(ap);
}

/* a statement that cannot run in a transaction block (CONCURRENTLY) */
void
diff_emit_outside(Diff *d, Step *n, unsigned hazards, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	emit(d, n, hazards, false, fmt, ap);
	va_end(ap);
}

const char *
diff_literal(Diff *d, const char *s)
{
	Buf			b;

	buf_init(&b, d->arena);
	if (s == NULL)
		buf_add(&b, "NULL");
	else
		buf_add_literal(&b, s);
	return b.data;
}

void
diff_not_diffed(Diff *d, Step *n, const char *what, const char *change)
{
	diff_emit(d, n, HZ_NOT_DIFFED, "-- not diffed: %s %s", what, change);
}

void
diff_comment(Diff *d, Step *n, const SObj *from, const SObj *to)
{
	const char *was = from ? json_str(from->def, "comment") : NULL;
	const char *now = json_str(to->def, "comment");
	const Kind *k = obj_kind(to);

	if ((was == NULL && now == NULL) ||
		(was != NULL && now != NULL && strcmp(was, now) == 0) || k->ref == NULL)
		return;
	diff_emit(d, n, 0, "COMMENT ON %s IS %s", k->ref(d, to),
			  diff_literal(d, now));
}

/* "PRIV grantee[ WITH GRANT OPTION]" split into its parts */
static void
grant_parts(Diff *d, const char *g, const char **priv, const char **grantee,
			bool *grantable)
{
	static const char suffix[] = " WITH GRANT OPTION";
	const char *space = strchr(g, ' ');
	size_t		len = strlen(g);
	char	   *who;

	*grantable = len > sizeof(suffix) - 1 &&
		strcmp(g + len - (sizeof(suffix) - 1), suffix) == 0;
	if (*grantable)
		len -= sizeof(suffix) - 1;
	if (space == NULL || (size_t) (space - g) >= len)
		arena_fail(d->arena, "grant \"%s\" is not \"PRIVILEGE grantee\"", g);
	*priv = arena_printf(d->arena, "%.*s", (int) (space - g), g);
	who = arena_printf(d->arena, "%.*s", (int) (len - (space - g) - 1), space + 1);
	*grantee = who;
}

/*
 * GRANT what to_acl has and from_acl lacks, REVOKE the reverse.  Both are
 * arrays of "PRIV grantee" strings; a NULL array is empty.
 */
void
diff_grants(Diff *d, Step *n, const JNode *from_acl, const JNode *to_acl,
			const char *on, const char *column)
{
	int			i;
	const char *cols = column ? arena_printf(d->arena, " (%s)", column) : "";

	for (i = 0; from_acl && from_acl->type == J_ARRAY && i < from_acl->n; i++)
	{
		const char *priv,
				   *grantee;
		bool		grantable;

		if (from_acl->items[i]->type != J_STRING ||
			json_has_string(to_acl, from_acl->items[i]->str))
			continue;
		grant_parts(d, from_acl->items[i]->str, &priv, &grantee, &grantable);
		/* only the grant option goes when the privilege itself stays */
		grantable = grantable &&
			json_has_string(to_acl, arena_printf(d->arena, "%s %s", priv, grantee));
		diff_emit(d, n, 0, "REVOKE %s%s%s ON %s FROM %s",
				  grantable ? "GRANT OPTION FOR " : "", priv, cols, on, grantee);
	}
	for (i = 0; to_acl && to_acl->type == J_ARRAY && i < to_acl->n; i++)
	{
		const char *priv,
				   *grantee;
		bool		grantable;

		if (to_acl->items[i]->type != J_STRING ||
			json_has_string(from_acl, to_acl->items[i]->str))
			continue;
		grant_parts(d, to_acl->items[i]->str, &priv, &grantee, &grantable);
		diff_emit(d, n, 0, "GRANT %s%s ON %s TO %s%s", priv, cols, on, grantee,
				  grantable ? " WITH GRANT OPTION" : "");
	}
}

/* ---------- deciding what happens to each pair ---------- */

void
diff_recreate(Diff *d, Pair *p)
{
	p->recreate = true;
}

/*
 * A rebuilt or dropped object takes along what depends on it and can be
 * rebuilt from its definition (a view over a view, a trigger on a rebuilt
 * function, a foreign key on a unique key that goes), and what lives in
 * it; a column whose type changes needs the same for the views and
 * policies that read it.
 */
static void
spread_recreate(Diff *d)
{
	Pair	  **stack = arena_alloc(d->arena, sizeof(Pair *) * (d->npairs + 1));
	int			top = 0,
				i,
				j;

	for (i = 0; i < d->npairs; i++)
		if (d->pairs[i].recreate || d->pairs[i].breaks_dependents ||
			d->pairs[i].to == NULL)
			stack[top++] = &d->pairs[i];
	while (top > 0)
	{
		Pair	   *p = stack[--top];
		bool		gone = p->recreate || p->to == NULL;

		for (j = 0; j < p->nusers_from; j++)
		{
			Pair	   *u = p->users_from[j];

			if (u->recreate || u->from == NULL || u->to == NULL)
				continue;
			if (gone ? (u->kind->rebuilt_with_dependency ||
						u->container == p) :
				(u->kind->blocks_type_change ||
				 (u->kind == &column_kind && json_str(u->from->def, "generated"))))
			{
				u->recreate = true;
				stack[top++] = u;
			}
		}
	}
}

static void
create_object(Diff *d, Pair *p)
{
	const Kind *k = obj_kind(p->to);
	Step	   *n = diff_node(d, p, PH_CREATE);

	k->create(d, p, n);
	if (k == &other_kind)
		return;
	/* a column born with its table is in CREATE TABLE: the rest follows it */
	if (k == &column_kind && p->container && p->container->to &&
		(p->container->from == NULL || p->container->recreate))
		n = diff_node(d, p->container, PH_POST);
	diff_new_extras(d, p, n);
}

/* what a new object has beyond its definition: its comment and privileges */
void
diff_new_extras(Diff *d, Pair *p, Step *n)
{
	const Kind *k = obj_kind(p->to);

	diff_comment(d, n, NULL, p->to);
	if (k->grants)
	{
		JNode	   *none = arena_alloc(d->arena, sizeof(JNode));
		JNode	   *dflt = arena_alloc(d->arena, sizeof(JNode));

		none->type = J_ARRAY;
		if (k->public_default)
		{
			dflt->type = J_STRING;
			dflt->str = k->public_default;
			none->n = 1;
			none->items = arena_alloc(d->arena, sizeof(JNode *));
			none->items[0] = dflt;
		}
		k->grants(d, n, p->to, none, json_get(p->to->def, "acl"));
	}
}

/* comments, privileges and owners are the same for every kind */
static void
alter_common(Diff *d, Pair *p)
{
	const char *was = json_str(p->from->def, "owner");
	const char *now = json_str(p->to->def, "owner");

	/* a type replaced in its alteration got these as a new one */
	if (p->replaced)
		;
	else if (!json_equal(json_get(p->from->def, "comment"),
						 json_get(p->to->def, "comment")))
		diff_comment(d, diff_node(d, p, PH_ALTER), p->from, p->to);
	if (p->kind->grants && !p->replaced &&
		!json_equal(json_get(p->from->def, "acl"), json_get(p->to->def, "acl")))
		p->kind->grants(d, diff_node(d, p, PH_ALTER), p->to,
						json_get(p->from->def, "acl"),
						json_get(p->to->def, "acl"));
	if (was && now && strcmp(was, now) != 0)
		diff_not_diffed(d, diff_node(d, p, PH_ALTER),
						arena_printf(d->arena, "owner of %s", p->key),
						arena_printf(d->arena, "changed from %s to %s",
									 was, now));
}

static void
decide(Diff *d)
{
	static const char *const generic[] = {"deps", "comment", "acl", "owner", "position", NULL};
	int			i;

	for (i = 0; i < d->npairs; i++)
	{
		Pair	   *p = &d->pairs[i];

		if (p->from && p->to && obj_kind(p->from) != obj_kind(p->to))
			p->recreate = true;
		else if (p->from && p->to &&
				 !json_equal_except(p->from->def, p->to->def, generic))
			p->kind->alter(d, p, NULL);
	}
	spread_recreate(d);
	/* what a rebuilt object's alterations said, its new definition says */
	for (i = 0; i < d->npairs; i++)
	{
		Pair	   *p = &d->pairs[i];

		if (p->recreate && p->alter)
			p->alter->dead = true;
		if (p->recreate && p->post)
			p->post->dead = true;
		/* a function's CREATE OR REPLACE gives way to its new definition */
		if (p->recreate && p->create)
			p->create->first = p->create->last = NULL;
		if (p->recreate)
			p->alter = p->post = NULL;
	}
	for (i = 0; i < d->npairs; i++)
	{
		Pair	   *p = &d->pairs[i];

		if (p->from && (p->to == NULL || p->recreate))
			obj_kind(p->from)->drop(d, p, diff_node(d, p, PH_DROP));
		if (p->to && (p->from == NULL || p->recreate))
			create_object(d, p);
		else if (p->from && p->to && p->kind != &other_kind)
			alter_common(d, p);
	}
}

/* ---------- merging and ordering ---------- */

static Step *
root(Step *n)
{
	while (n != NULL && n->merged_into != NULL)
		n = n->merged_into;
	return n;
}

void
diff_before(Step *first, Step *then)
{
	first = root(first);
	then = root(then);
	if (first == NULL || then == NULL || first == then)
		return;
	if (first->nout == first->out_cap)
	{
		int			cap = first->out_cap == 0 ? 4 : first->out_cap * 2;
		Step	  **bigger = arena_alloc(first->arena, sizeof(Step *) * cap);

		if (first->nout > 0)
			memcpy(bigger, first->out, sizeof(Step *) * first->nout);
		first->out = bigger;
		first->out_cap = cap;
	}
	first->out[first->nout++] = then;
	then->nin++;
}

/* n's statements go with into's; never into itself, even through others */
static void
merge(Step *n, Step *into)
{
	if (root(into) != root(n))
		root(n)->merged_into = root(into);
}

/* what goes with its container: see the header comment */
static void
absorb(Diff *d)
{
	int			i;

	for (i = 0; i < d->npairs; i++)
	{
		Pair	   *p = &d->pairs[i];
		Pair	   *c = p->container;
		const Kind *k = p->from ? obj_kind(p->from) : NULL;
		const char *(*with) (Diff *, const SObj *) =
			k == NULL ? NULL : k->dropped_with ? k->dropped_with : k->container;
		Pair	   *owner = with ? diff_find(d, with(d, p->from)) : NULL;

		if (p->drop && c && c->drop)
			merge(p->drop, c->drop);
		else if (p->drop && owner && owner != p && owner->drop)
			merge(p->drop, owner->drop);
		/* a new column is in its CREATE TABLE or its parent's ADD COLUMN */
		if (p->create && p->kind == &column_kind)
		{
			Pair	   *with = diff_find(d, p->kind->dropped_with(d, p->to));

			if (with && with != p && with->create)
				merge(p->create, with->create);
			else if (c && c->create)
				merge(p->create, c->create);
		}
	}
}

static void
link_pair(Diff *d, Pair *p)
{
	int			i;

	/* a pair's own nodes in their natural order */
	diff_before(p->drop, p->alter);
	diff_before(p->drop, p->create);
	diff_before(p->alter, p->create);
	diff_before(p->create, p->post);
	diff_before(p->alter, p->post);
	/* a post step (dropping a replaced type) waits for its users' changes */
	for (i = 0; p->post && i < p->nusers_from; i++)
		diff_before(p->users_from[i]->alter, p->post);
	/* a replaced type's rebuilt users go before it is renamed aside */
	for (i = 0; p->replaced && i < p->nusers_from; i++)
	{
		diff_before(p->users_from[i]->drop, p->alter);
		/* and the old domain over the old type goes before it */
		diff_before(p->users_from[i]->post, p->post);
	}
	if (p->alter && p->alter_before)
	{
		diff_before(p->alter, p->alter_before->drop);
		diff_before(p->alter, p->alter_before->alter);
	}
	if (p->post && p->post_after)
	{
		diff_before(p->post_after->create, p->post);
		diff_before(p->post_after->alter, p->post);
	}

	/* the from side: dependents leave (or change) before what they use */
	for (i = 0; i < p->nuses_from; i++)
	{
		Pair	   *u = p->uses_from[i];

		/* a function replaced in place does so in its create node */
		if (u->drop)
			diff_before(p->drop ? p->drop : p->alter ? p->alter :
						p->from ? p->create : NULL, u->drop);
		/* unless u's alteration is what lets p go (OWNED BY NONE) */
		if (u->alter && p->drop && u->alter_before != p)
			diff_before(p->drop, u->alter);
	}
	/* the to side: what an object uses exists (in its new shape) first */
	for (i = 0; i < p->nuses_to; i++)
	{
		Pair	   *u = p->uses_to[i];
		Step	   *mine = p->create ? p->create : p->alter ? p->alter : p->post;

		/*
		 * A column made by its parent's ADD COLUMN (a partition's) needs
		 * its own table no more than that statement does.
		 */
		if (u == p->container && p->create && p->create->merged_into &&
			root(p->create) != root(u->create))
			continue;

		diff_before(u->create, mine);
		diff_before(u->alter, mine);
		if (p->post)
		{
			diff_before(u->create, p->post);
			diff_before(u->alter, p->post);
		}
	}
}

/* whether a table pair goes from logged to unlogged (1), back (-1), or neither */
static int
logged_change(const Pair *t)
{
	bool		was,
				now;

	if (t->kind != &table_kind || t->alter == NULL || t->from == NULL || t->to == NULL)
		return 0;
	was = json_bool(t->from->def, "unlogged");
	now = json_bool(t->to->def, "unlogged");
	return was == now ? 0 : now ? 1 : -1;
}

/*
 * A logged table may not reference an unlogged one: between two tables a
 * foreign key links, the referencing one goes unlogged first and logged
 * last.
 */
static void
link_logged(Diff *d)
{
	int			i,
				side,
				j;

	for (i = 0; i < d->npairs; i++)
	{
		Pair	   *p = &d->pairs[i];
		Pair	   *t = p->container;

		if (p->kind != &constraint_kind || t == NULL || logged_change(t) == 0)
			continue;
		for (side = 0; side < 2; side++)
		{
			Pair	  **uses = side ? p->uses_to : p->uses_from;
			int			n = side ? p->nuses_to : p->nuses_from;

			for (j = 0; j < n; j++)
			{
				Pair	   *r = uses[j]->kind == &column_kind && uses[j]->container ?
					uses[j]->container : uses[j];

				if (r == t || logged_change(r) != logged_change(t))
					continue;
				if (logged_change(t) > 0)
					diff_before(t->alter, r->alter);
				else
					diff_before(r->alter, t->alter);
			}
		}
	}
}

/*
 * Relations and types share a namespace whatever their kind: a view that
 * replaces a table of the same name is created after the table is gone.
 * So do functions of the same argument types (a parameter renamed).
 */
static int
cmp_name(const void *a, const void *b)
{
	const Pair *pa = *(Pair *const *) a;
	const Pair *pb = *(Pair *const *) b;

	return strcmp(json_str((pa->from ? pa->from : pa->to)->def, "name"),
				  json_str((pb->from ? pb->from : pb->to)->def, "name"));
}

/* two functions of one name that may exist together: a new overload */
static bool
overloads(const Pair *gone, const Pair *made)
{
	const char *was,
			   *now;

	if (gone->kind != &function_kind || made->kind != &function_kind)
		return false;
	was = json_str(gone->from->def, "arg_types");
	now = json_str(made->to->def, "arg_types");
	return was && now && strcmp(was, now) != 0;
}

static void
link_same_names(Diff *d)
{
	Pair	  **byname = arena_alloc(d->arena, sizeof(Pair *) * (d->npairs + 1));
	int			n = 0,
				i,
				j;

	for (i = 0; i < d->npairs; i++)
		if (d->pairs[i].container == NULL &&
			(d->pairs[i].drop || d->pairs[i].create))
			byname[n++] = &d->pairs[i];
	qsort(byname, n, sizeof(Pair *), cmp_name);
	for (i = 0; i < n; i = j)
	{
		int			a,
					b;

		for (j = i + 1; j < n && cmp_name(&byname[i], &byname[j]) == 0; j++)
			;
		for (a = i; a < j; a++)
			for (b = i; b < j && j - i <= 8; b++)
				if (a != b && byname[a]->drop && byname[b]->create &&
					!overloads(byname[a], byname[b]))
					diff_before(byname[a]->drop, byname[b]->create);
	}
}

/*
 * The entry point: the statements from one snapshot's schema to the
 * other's, in an order the server accepts.  Fails through the arena's
 * jump on bad input or a dependency cycle.  diff_run_trees takes the two
 * snapshots already read (the server builds the trees from jsonb).
 */
DiffRow *
diff_run(Arena *a, const char *from_text, size_t from_len,
		 const char *to_text, size_t to_len, const DiffOptions *opt,
		 int *nrows)
{
	JNode	   *from = json_parse(a, from_text, from_len);
	JNode	   *to = json_parse(a, to_text, to_len);

	return diff_run_trees(a, from, to, opt, nrows);
}

DiffRow *
diff_run_trees(Arena *a, JNode *from_root, JNode *to_root,
			   const DiffOptions *opt, int *nrows)
{
	Diff	   *d = arena_alloc(a, sizeof(Diff));
	SObj	   *from,
			   *to;
	int			nfrom,
				nto,
				i,
				n,
				k = 0;
	Step	  **sorted;
	DiffRow    *rows;

	d->arena = a;
	if (opt)
		d->opt = *opt;
	from = load_side(a, from_root, "from", &nfrom);
	to = load_side(a, to_root, "to", &nto);
	rename_apply(d, from, nfrom, to, nto);
	pair_objects(d, from, nfrom, to, nto);
	resolve_dependencies(d);
	rename_statements(d);
	decide(d);
	absorb(d);
	for (i = 0; i < d->npairs; i++)
		link_pair(d, &d->pairs[i]);
	link_same_names(d);
	link_logged(d);
	/* the from side's statements use the new names: renames go first */
	for (i = 0; i < d->npairs; i++)
		if (d->pairs[i].rename)
		{
			int			j;

			for (j = 0; j < d->nnodes; j++)
				if (d->nodes[j]->phase != PH_RENAME)
					diff_before(d->pairs[i].rename, d->nodes[j]);
		}
	sorted = order_nodes(d, &n);
	if (sorted == NULL)
	{
		Buf			b;
		int			shown = 0;

		/* name a few of the objects left waiting on each other */
		buf_init(&b, a);
		for (i = 0; i < d->nnodes && shown < 4; i++)
			if (d->nodes[i]->nin > 0 && d->nodes[i]->merged_into == NULL &&
				!d->nodes[i]->dead)
				buf_addf(&b, "%s\"%s\"", shown++ ? ", " : "", d->nodes[i]->pair->key);
		arena_fail(a, "the statements for %s depend on each other in a cycle", b.data);
	}

	rows = arena_alloc(a, sizeof(DiffRow) * (d->nnodes + 1));
	for (i = 0; i < n; i++)
	{
		Stmt	   *s;
		int			count = 0;

		for (s = sorted[i]->first; s; s = s->next)
			count++;
		if (k + count > d->nnodes)
		{
			DiffRow    *bigger = arena_alloc(a, sizeof(DiffRow) * (k + count) * 2);

			memcpy(bigger, rows, sizeof(DiffRow) * k);
			rows = bigger;
		}
		for (s = sorted[i]->first; s; s = s->next)
		{
			Pair	   *p = sorted[i]->pair;

			rows[k].statement = s->sql;
			rows[k].hazards = s->hazards;
			rows[k].transactional = s->transactional;
			rows[k].key = p->key;
			rows[k].change = p->from == NULL ? "create" : p->to == NULL ? "drop" : "alter";
			k++;
		}
	}
	*nrows = k;
	return rows;
}
