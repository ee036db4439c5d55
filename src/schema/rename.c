/*
 * rename.c
 *		Renames, never guessed: the caller names them (from key -> to key),
 *		and each turns what would be a drop and an add into a RENAME.
 *
 * Before the objects are paired, the from side is rewritten as if the
 * rename had happened: the object and everything it contains (a table's
 * columns, constraints, triggers, policies) take their new keys,
 * dependencies follow, and the definitions of objects that name it
 * (an index ON the table, a check over the column) are read with the new
 * name, so that only what really changed is altered.  That substitution
 * only feeds the comparison: a definition it gets wrong is rebuilt from
 * the to side, which is correct, merely more work.
 */
#include "schema.h"

#include <stdlib.h>
#include <string.h>

typedef struct Rename
{
	const char *from;			/* keys */
	const char *to;
	const char *old_name;		/* the "name" fields */
	const char *new_name;
	const char *old_table;		/* a column's table, for its neighbours */
} Rename;

static const char *
kind_of(const SObj *o)
{
	return json_str(o->def, "kind");
}

static SObj *
find_obj(SObj *objs, int n, const char *key)
{
	int			lo = 0,
				hi = n - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		int			c = strcmp(objs[mid].key, key);

		if (c == 0)
			return &objs[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

static bool
ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '_' || c == '$' || c == '"' ||
		(unsigned char) c >= 0x80;
}

/* text with every whole-name occurrence of old replaced by new */
static const char *
replace_name(Arena *a, const char *text, const char *old, const char *new)
{
	size_t		len = strlen(old);
	const char *p = text;
	const char *hit;
	Buf			b;

	if (len == 0 || strstr(text, old) == NULL)
		return text;
	buf_init(&b, a);
	while ((hit = strstr(p, old)) != NULL)
	{
		bool		whole = (hit == text || !ident_char(hit[-1])) &&
			!ident_char(hit[len]);

		buf_addf(&b, "%.*s%s", (int) (hit - p), p, whole ? new : old);
		p = hit + len;
	}
	buf_add(&b, p);
	return b.data;
}

static const char *
last_part(const char *name)
{
	const char *last = name;
	bool		quoted = false;

	for (; *name; name++)
	{
		if (*name == '"')
			quoted = !quoted;
		else if (*name == '.' && !quoted)
			last = name + 1;
	}
	return last;
}

/* fields that hold expressions, where a column's name may appear */
static bool
expression_field(const char *field)
{
	return strcmp(field, "definition") == 0 || strcmp(field, "default") == 0 ||
		strcmp(field, "generated") == 0 || strcmp(field, "using") == 0 ||
		strcmp(field, "check") == 0;
}

/*
 * A copy of a from object's definition as it reads after the renames:
 * self is the rename of the object itself, if any.  A table's (or type's,
 * or function's) qualified name is replaced wherever it stands; a name
 * inside a table (a column) only in expressions.
 */
static void
rewrite(Arena *a, SObj *o, const Rename *self, const Rename *r, int nr)
{
	JNode	   *def = arena_alloc(a, sizeof(JNode));
	int			i,
				k;

	*def = *o->def;
	def->items = arena_alloc(a, sizeof(JNode *) * (def->n + 1));
	for (i = 0; i < def->n; i++)
	{
		JNode	   *v = o->def->items[i];
		const char *field = def->keys[i];

		if (v->type == J_STRING && strcmp(field, "kind") != 0)
		{
			JNode	   *copy = arena_alloc(a, sizeof(JNode));
			const char *s = v->str;

			if (strcmp(field, "name") == 0)
				s = self ? self->new_name : s;
			else
			{
				for (k = 0; k < nr; k++)
					if (r[k].old_table == NULL || expression_field(field))
						s = replace_name(a, s, r[k].old_name, r[k].new_name);
				/* an index's or trigger's definition names it */
				if (self && strcmp(field, "definition") == 0)
					s = replace_name(a, s, last_part(self->old_name),
									 last_part(self->new_name));
			}
			*copy = *v;
			copy->str = s;
			v = copy;
		}
		def->items[i] = v;
	}
	o->def = def;
}

/* the key a from object has once the renames are done */
static const char *
renamed_key(Arena *a, const char *key, const Rename *r, int nr)
{
	int			k;

	/* a rename of the object itself wins over one of its container */
	for (k = 0; k < nr; k++)
		if (strcmp(key, r[k].from) == 0)
			return r[k].to;
	for (k = 0; k < nr; k++)
	{
		const char *sp = strchr(r[k].from, ' ');
		size_t		name_len;

		/* "table old.t" in "schema old" */
		if (strncmp(r[k].from, "schema ", 7) == 0)
		{
			size_t		old_len = strlen(r[k].old_name);

			sp = strchr(key, ' ');
			if (sp && strncmp(sp + 1, r[k].old_name, old_len) == 0 &&
				sp[1 + old_len] == '.')
				return arena_printf(a, "%.*s %s%s", (int) (sp - key), key,
									r[k].new_name, sp + 1 + old_len);
			continue;
		}
		/* "column public.old.x" under "table public.old" */
		if (sp == NULL || (strncmp(r[k].from, "table ", 6) != 0 &&
						   strncmp(r[k].from, "view ", 5) != 0 &&
						   strncmp(r[k].from, "matview ", 8) != 0))
			continue;
		name_len = strlen(sp + 1);
		{
			const char *old_name = sp + 1;

			sp = strchr(key, ' ');
			if (sp && strncmp(sp + 1, old_name, name_len) == 0 &&
				sp[1 + name_len] == '.')
				return arena_printf(a, "%.*s %s%s", (int) (sp - key), key,
									r[k].new_name, sp + 1 + name_len);
		}
	}
	return key;
}

static int
cmp_sobj(const void *a, const void *b)
{
	return strcmp(((const SObj *) a)->key, ((const SObj *) b)->key);
}

/*
 * Rewrite the from side for opt.renames; returns the renames for
 * rename_statements().  Every rename must name an object of the from side
 * and one of the same kind on the to side that the from side lacks.
 */
void
rename_apply(Diff *d, SObj *from, int nfrom, SObj *to, int nto)
{
	const JNode *map = d->opt.renames;
	Rename	   *r;
	int			nr = 0,
				i,
				j;

	if (map == NULL || map->n == 0)
		return;
	arena_about(d->arena, ARENA_ABOUT_RENAMES);
	r = arena_alloc(d->arena, sizeof(Rename) * map->n);
	for (i = 0; i < map->n; i++)
	{
		SObj	   *f = find_obj(from, nfrom, map->keys[i]);
		SObj	   *t;

		if (map->items[i]->type != J_STRING)
			arena_fail(d->arena, "the rename of \"%s\" is not a key", map->keys[i]);
		t = find_obj(to, nto, map->items[i]->str);
		if (f == NULL)
			arena_fail(d->arena, "renamed object \"%s\" is not in the from snapshot",
					   map->keys[i]);
		if (t == NULL || find_obj(from, nfrom, t->key) != NULL)
			arena_fail(d->arena, "\"%s\" is not an object only the to snapshot has",
					   map->items[i]->str);
		if (strcmp(kind_of(f), kind_of(t)) != 0)
			arena_fail(d->arena, "\"%s\" and \"%s\" are not of the same kind",
					   f->key, t->key);
		r[nr].from = f->key;
		r[nr].to = t->key;
		r[nr].old_name = json_str(f->def, "name");
		r[nr].new_name = json_str(t->def, "name");
		r[nr].old_table = json_str(f->def, "table");
		nr++;
	}
	d->renames = r;
	d->nrenames = nr;
	for (i = 0; i < nfrom; i++)
	{
		const char *key = renamed_key(d->arena, from[i].key, r, nr);
		bool		touched = key != from[i].key;
		const Rename *self = NULL;

		for (j = 0; j < nr; j++)
			if (strcmp(from[i].key, r[j].from) == 0)
				self = &r[j];

		/* a dependency through a renamed object: rename it too */
		if (from[i].deps)
		{
			JNode	   *deps = arena_alloc(d->arena, sizeof(JNode));

			*deps = *from[i].deps;
			deps->items = arena_alloc(d->arena, sizeof(JNode *) * (deps->n + 1));
			for (j = 0; j < deps->n; j++)
			{
				JNode	   *dep = from[i].deps->items[j];

				if (dep->type == J_STRING)
				{
					const char *k = renamed_key(d->arena, dep->str, r, nr);

					if (k != dep->str)
					{
						JNode	   *copy = arena_alloc(d->arena, sizeof(JNode));

						*copy = *dep;
						copy->str = k;
						dep = copy;
						touched = true;
					}
				}
				deps->items[j] = dep;
			}
			from[i].deps = deps;
		}
		from[i].key = key;
		if (touched)
			rewrite(d->arena, &from[i], self, r, nr);
	}
	qsort(from, nfrom, sizeof(SObj), cmp_sobj);
	for (i = 1; i < nfrom; i++)
		if (strcmp(from[i].key, from[i - 1].key) == 0)
			arena_fail(d->arena, "two renames end at \"%s\"", from[i].key);
	arena_about(d->arena, ARENA_ABOUT_SNAPSHOTS);
}

/* the RENAME statement of one rename, first in the object's alteration */
void
rename_statements(Diff *d)
{
	int			i;

	arena_about(d->arena, ARENA_ABOUT_RENAMES);
	for (i = 0; i < d->nrenames; i++)
	{
		const Rename *r = &d->renames[i];
		Pair	   *p = diff_find(d, r->to);
		const char *kind = json_str(p->to->def, "kind");
		const char *table = json_str(p->to->def, "table");
		const char *old = r->old_name;
		const char *new = last_part(r->new_name);
		Step	   *n = diff_node(d, p, PH_RENAME);

		if (strcmp(kind, "column") == 0)
			diff_emit(d, n, HZ_ACCESS_EXCLUSIVE, "ALTER TABLE %s RENAME COLUMN %s TO %s",
					  table, old, new);
		else if (strcmp(kind, "constraint") == 0)
			diff_emit(d, n, HZ_ACCESS_EXCLUSIVE, "ALTER TABLE %s RENAME CONSTRAINT %s TO %s",
					  table, old, new);
		else if (strcmp(kind, "trigger") == 0 || strcmp(kind, "policy") == 0)
			diff_emit(d, n, HZ_ACCESS_EXCLUSIVE, "ALTER %s %s ON %s RENAME TO %s",
					  strcmp(kind, "trigger") == 0 ? "TRIGGER" : "POLICY", old, table, new);
		else if (strcmp(kind, "function") == 0)
			diff_emit(d, n, 0, "ALTER %s %s(%s) RENAME TO %s",
					  json_bool(p->to->def, "procedure") ? "PROCEDURE" : "FUNCTION",
					  old, diff_str(d, p->from, "args"), new);
		else
		{
			static const char *const words[][2] = {
				{"schema", "SCHEMA"}, {"table", "TABLE"}, {"view", "VIEW"},
				{"matview", "MATERIALIZED VIEW"}, {"sequence", "SEQUENCE"},
				{"index", "INDEX"}, {"enum", "TYPE"}, {"composite", "TYPE"},
				{"domain", "DOMAIN"}, {"collation", "COLLATION"}
			};
			size_t		w;

			for (w = 0; w < sizeof(words) / sizeof(words[0]); w++)
				if (strcmp(kind, words[w][0]) == 0)
					break;
			if (w == sizeof(words) / sizeof(words[0]))
				arena_fail(d->arena, "objects of kind \"%s\" cannot be renamed", kind);
			if (strcmp(kind, "schema") != 0 &&
				(last_part(old) - old != new - r->new_name ||
				 strncmp(old, r->new_name, last_part(old) - old) != 0))
				arena_fail(d->arena, "\"%s\" cannot be renamed to \"%s\": a rename stays in its schema",
						   r->from, r->to);
			diff_emit(d, n, strcmp(kind, "table") == 0 ? HZ_ACCESS_EXCLUSIVE : 0,
					  "ALTER %s %s RENAME TO %s", words[w][1], old, new);
		}
	}
	arena_about(d->arena, ARENA_ABOUT_SNAPSHOTS);
}
