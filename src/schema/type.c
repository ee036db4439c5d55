/*
 * type.c
 *		User-defined types: enums, domains and composite types.  They share
 *		one namespace with each other (and with tables' row types), so
 *		their keys are all "type schema.name"; the kind says which.
 *
 * An enum only grows in place (ADD VALUE BEFORE/AFTER); losing or
 * reordering labels needs a new type: the old one is renamed aside, the
 * new one created, every column using it converted through text, the old
 * one dropped.  Rows holding a removed label make that conversion fail,
 * which is why it is marked data_dependent and irreversible.
 */
#include "schema.h"

#include <string.h>

const char *const type_reader =
"SELECT 'pg_type'::regclass::oid, t.oid, 0,"
" 'type ' || ns.q || '.' || quote_ident(t.typname),"
" jsonb_build_object('kind', CASE t.typtype WHEN 'e' THEN 'enum'"
"   WHEN 'd' THEN 'domain' ELSE 'composite' END,"
"  'name', ns.q || '.' || quote_ident(t.typname),"
"  'owner', quote_ident(pg_get_userbyid(t.typowner)),"
"  'labels', CASE WHEN t.typtype = 'e' THEN"
"   (SELECT jsonb_agg(e.enumlabel ORDER BY e.enumsortorder)"
"    FROM pg_enum e WHERE e.enumtypid = t.oid) END,"
"  'base', CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END,"
"  'not_null', CASE WHEN t.typtype = 'd' THEN t.typnotnull END,"
"  'default', t.typdefault,"
"  'collation', CASE WHEN t.typtype = 'd' AND t.typcollation <>"
"   (SELECT b.typcollation FROM pg_type b WHERE b.oid = t.typbasetype) THEN"
"   (SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname)"
"    FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace"
"    WHERE co.oid = t.typcollation) END,"
"  'checks', CASE WHEN t.typtype = 'd' THEN"
"   (SELECT jsonb_object_agg(quote_ident(k.conname), pg_get_constraintdef(k.oid))"
"    FROM pg_constraint k WHERE k.contypid = t.oid) END,"
/* [name, type] pairs in their order: a row literal depends on it */
"  'attributes', CASE WHEN t.typtype = 'c' THEN"
"   (SELECT jsonb_agg(jsonb_build_array(quote_ident(a.attname),"
"     format_type(a.atttypid, a.atttypmod)) ORDER BY a.attnum)"
"    FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0"
"    AND NOT a.attisdropped) END,"
"  'comment', " SNAP_COMMENT("pg_type", "t.oid", "0") ","
"  'acl', " SNAP_ACL("t.typacl", "T", "t.typowner") ")"
" FROM pg_type t JOIN ns ON ns.oid = t.typnamespace"
" WHERE (t.typtype IN ('e', 'd') OR (t.typtype = 'c' AND"
"  (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))"
" AND NOT " SNAP_MEMBER("pg_type", "t.oid")
" UNION ALL"
/* its array type, its relation (composites) and its checks stand for it */
" SELECT x.classid, x.objid, 0, 'type ' || ns.q || '.' || quote_ident(t.typname), NULL"
" FROM pg_type t JOIN ns ON ns.oid = t.typnamespace"
" CROSS JOIN LATERAL (VALUES ('pg_type'::regclass::oid, t.typarray),"
"  ('pg_class'::regclass::oid, t.typrelid)) x(classid, objid)"
" WHERE (t.typtype IN ('e', 'd') OR (t.typtype = 'c' AND"
"  (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))"
" AND x.objid <> 0 AND NOT " SNAP_MEMBER("pg_type", "t.oid")
" UNION ALL"
" SELECT 'pg_constraint'::regclass::oid, k.oid, 0,"
" 'type ' || ns.q || '.' || quote_ident(t.typname), NULL"
" FROM pg_type t JOIN ns ON ns.oid = t.typnamespace"
" JOIN pg_constraint k ON k.contypid = t.oid";

static const char *
type_name(Diff *d, const SObj *o)
{
	return diff_str(d, o, "name");
}

static void
type_drop(Diff *d, Pair *p, Step *n)
{
	diff_emit(d, n, 0, "DROP %s %s",
			  strcmp(diff_str(d, p->from, "kind"), "domain") == 0 ? "DOMAIN" : "TYPE",
			  type_name(d, p->from));
}

static const char *
type_ref(Diff *d, const SObj *o)
{
	return arena_printf(d->arena, "%s %s",
						strcmp(diff_str(d, o, "kind"), "domain") == 0 ? "DOMAIN" : "TYPE",
						type_name(d, o));
}

static void
type_grants(Diff *d, Step *n, const SObj *o, const JNode *from_acl,
			const JNode *to_acl)
{
	diff_grants(d, n, from_acl, to_acl, type_ref(d, o), NULL);
}

/* ---------- enums ---------- */

static const char *
labels_list(Diff *d, const JNode *labels)
{
	Buf			b;
	int			i;

	buf_init(&b, d->arena);
	for (i = 0; labels && labels->type == J_ARRAY && i < labels->n; i++)
		if (labels->items[i]->type == J_STRING)
			buf_addf(&b, "%s%s", b.len ? ", " : "",
					 diff_literal(d, labels->items[i]->str));
	return b.data;
}

static void
enum_create(Diff *d, Pair *p, Step *n)
{
	diff_emit(d, n, 0, "CREATE TYPE %s AS ENUM (%s)", type_name(d, p->to),
			  labels_list(d, json_get(p->to->def, "labels")));
}

/* the labels of from, all in to and in the same order? */
static bool
only_added(const JNode *from, const JNode *to)
{
	int			i,
				j = 0;

	if (from == NULL || to == NULL || from->type != J_ARRAY || to->type != J_ARRAY)
		return false;
	for (i = 0; i < from->n; i++)
	{
		while (j < to->n && !json_equal(to->items[j], from->items[i]))
			j++;
		if (j == to->n)
			return false;
		j++;
	}
	return true;
}

/* the unqualified part of "schema.name" for RENAME TO */
static const char *
last_part(const char *qualified)
{
	const char *p = qualified;
	const char *last = qualified;
	bool		quoted = false;

	for (; *p; p++)
	{
		if (*p == '"')
			quoted = !quoted;
		else if (*p == '.' && !quoted)
			last = p + 1;
	}
	return last;
}

static void domain_create(Diff *d, Pair *p, Step *n);
static void composite_create(Diff *d, Pair *p, Step *n);
static const char *row_conversion(Diff *d, const Pair *p, const char *col);

/*
 * A new type in place of the old (an enum losing or reordering labels, a
 * domain over another base type): the old is renamed aside first, each
 * column using it is converted through text in its own alteration (so
 * that views over the column are rebuilt around it), and the old type
 * goes last.
 */
static void
type_replace(Diff *d, Pair *p, Step *n,
			 void (*create) (Diff *, Pair *, Step *), unsigned drop_hazards,
			 const Pair *rows)
{
	const char *name = type_name(d, p->to);
	const char *last = last_part(name);
	const char *aside = last[0] == '"' ?
		arena_printf(d->arena, "\"migrate_old_%s", last + 1) :
		arena_printf(d->arena, "migrate_old_%s", last);
	const char *array = arena_printf(d->arena, "%s[]", name);
	int			i,
				j;

	/* what an in-place alteration said, the new definition says */
	n->first = n->last = NULL;
	diff_emit(d, n, 0, "ALTER TYPE %s RENAME TO %s", name, aside);
	create(d, p, n);
	diff_new_extras(d, p, n);
	p->replaced = true;
	/*
	 * What names the type in a signature or an expression (a function, a
	 * check, an index predicate, a view) would go on naming the old one:
	 * rebuilt, dropped before the rename (see link_pair).
	 */
	for (i = 0; i < p->nusers_from; i++)
	{
		Pair	   *u = p->users_from[i];

		if (u->from && u->to &&
			(u->kind == &function_kind || u->kind == &constraint_kind ||
			 u->kind == &index_kind || u->kind == &view_kind ||
			 u->kind == &matview_kind || u->kind == &policy_kind))
			diff_recreate(d, u);
		/*
		 * A domain over it, or a composite type with an attribute of it, is
		 * replaced the same way, over the new one; a domain over a
		 * composite converts rows attribute by attribute, as its base does.
		 */
		else if (u->from && u->to && u->kind == &domain_kind && !u->replaced &&
				 strcmp(diff_str(d, u->to, "base"), name) == 0)
			type_replace(d, u, diff_node(d, u, PH_ALTER), domain_create, 0,
						 p->kind == &composite_kind ? p : rows);
		else if (u->from && u->to && u->kind == &composite_kind && !u->replaced)
			type_replace(d, u, diff_node(d, u, PH_ALTER), composite_create,
						 drop_hazards, u);
	}
	for (i = 0; i < p->nusers_from; i++)
	{
		Pair	   *u = p->users_from[i];
		const char *type,
				   *table,
				   *col,
				   *dflt;
		Step	   *un;
		Step		conv;

		/* an inherited column follows its parent's conversion */
		if (u->kind != &column_kind || u->from == NULL || u->to == NULL ||
			u->recreate || json_str(u->from->def, "inherited_from"))
			continue;
		type = diff_str(d, u->to, "type");
		if (strcmp(type, name) != 0 && strcmp(type, array) != 0)
			continue;
		/* a foreign key between two such columns cannot span both types */
		for (j = 0; j < u->nusers_from; j++)
		{
			Pair	   *k = u->users_from[j];
			const char *def = k->from ? json_str(k->from->def, "definition") : NULL;

			if (k->kind == &constraint_kind && k->to && def &&
				strncmp(def, "FOREIGN KEY", 11) == 0)
				diff_recreate(d, k);
		}
		un = &conv;
		memset(&conv, 0, sizeof(conv));
		table = diff_str(d, u->to, "table");
		col = diff_str(d, u->to, "name");
		dflt = json_str(u->from->def, "default");
		if (dflt)
			diff_emit(d, un, HZ_ACCESS_EXCLUSIVE,
					  "ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT", table, col);
		if (rows && strcmp(type, name) == 0)
			diff_emit(d, un, HZ_ACCESS_EXCLUSIVE | HZ_REWRITES_TABLE | HZ_DATA_DEPENDENT,
					  "ALTER TABLE %s ALTER COLUMN %s TYPE %s USING %s%s%s",
					  table, col, type, row_conversion(d, rows, col),
					  rows != p ? "::" : "", rows != p ? name : "");
		else
			diff_emit(d, un, HZ_ACCESS_EXCLUSIVE | HZ_REWRITES_TABLE | HZ_DATA_DEPENDENT,
					  "ALTER TABLE %s ALTER COLUMN %s TYPE %s USING %s::text%s::%s",
					  table, col, type, col, strcmp(type, array) == 0 ? "[]" : "", type);
		/* a changed default is set by the column's own alteration */
		dflt = json_str(u->to->def, "default");
		if (dflt && json_str(u->from->def, "default") &&
			strcmp(dflt, json_str(u->from->def, "default")) == 0)
			diff_emit(d, un, HZ_ACCESS_EXCLUSIVE,
					  "ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s", table, col, dflt);
		/* before the column's own changes, which speak of the new type */
		un = diff_node(d, u, PH_ALTER);
		conv.last->next = un->first;
		un->first = conv.first;
		if (un->last == NULL)
			un->last = conv.last;
		u->breaks_dependents = true;
	}
	diff_emit(d, diff_node(d, p, PH_POST), drop_hazards, "DROP %s %.*s%s",
			  p->kind == &domain_kind ? "DOMAIN" : "TYPE", (int) (last - name), name, aside);
}

/*
 * Whether the new schema uses label of enum name anywhere the server
 * deparsed it ('label'::schema.type): PostgreSQL lets a value added in a
 * transaction be used only after that transaction commits.
 */
static bool
label_used(Diff *d, const char *name, const char *label)
{
	static const char *const fields[] = {"default", "definition", "generated",
	"using", "check", NULL};
	const char *pattern = arena_printf(d->arena, "%s::%s",
									   diff_literal(d, label), name);
	int			i,
				f;

	for (i = 0; i < d->npairs; i++)
	{
		const JNode *checks = d->pairs[i].to ? json_get(d->pairs[i].to->def, "checks") : NULL;
		int			k;

		for (f = 0; d->pairs[i].to && fields[f]; f++)
		{
			const char *text = json_str(d->pairs[i].to->def, fields[f]);

			if (text && strstr(text, pattern))
				return true;
		}
		/* a domain's checks, by name */
		for (k = 0; checks && checks->type == J_OBJECT && k < checks->n; k++)
			if (checks->items[k]->type == J_STRING &&
				strstr(checks->items[k]->str, pattern))
				return true;
	}
	return false;
}

static void
enum_alter(Diff *d, Pair *p, Step *unused)
{
	const JNode *was = json_get(p->from->def, "labels");
	const JNode *now = json_get(p->to->def, "labels");
	Step	   *n;
	int			i;

	if (json_equal(was, now))
		return;
	n = diff_node(d, p, PH_ALTER);
	if (!only_added(was, now))
	{
		/* a label removed is gone for good */
		type_replace(d, p, n, enum_create, HZ_IRREVERSIBLE, NULL);
		return;
	}
	for (i = 0; i < now->n; i++)
	{
		const char *label = now->items[i]->str;
		const char *where;

		if (now->items[i]->type != J_STRING || json_has_string(was, label))
			continue;
		if (i + 1 < now->n && json_has_string(was, now->items[i + 1]->str))
			where = arena_printf(d->arena, " BEFORE %s",
								 diff_literal(d, now->items[i + 1]->str));
		else if (i > 0)
			where = arena_printf(d->arena, " AFTER %s",
								 diff_literal(d, now->items[i - 1]->str));
		else
			where = "";
		/* a value the new schema uses must be committed before it is used */
		if (label_used(d, type_name(d, p->to), label))
			diff_emit_outside(d, n, 0, "ALTER TYPE %s ADD VALUE %s%s",
							  type_name(d, p->to), diff_literal(d, label), where);
		else
			diff_emit(d, n, 0, "ALTER TYPE %s ADD VALUE %s%s",
					  type_name(d, p->to), diff_literal(d, label), where);
	}
}

const Kind	enum_kind = {
	.name = "enum",
	.rank = 3,
	.create = enum_create,
	.drop = type_drop,
	.alter = enum_alter,
	.ref = type_ref,
	.grants = type_grants,
	.public_default = "USAGE PUBLIC",
};

/* ---------- domains ---------- */

static void
domain_create(Diff *d, Pair *p, Step *n)
{
	const SObj *o = p->to;
	const JNode *checks = json_get(o->def, "checks");
	Buf			b;
	int			i;

	buf_init(&b, d->arena);
	buf_addf(&b, "CREATE DOMAIN %s AS %s", type_name(d, o), diff_str(d, o, "base"));
	if (json_str(o->def, "collation"))
		buf_addf(&b, " COLLATE %s", json_str(o->def, "collation"));
	if (json_str(o->def, "default"))
		buf_addf(&b, " DEFAULT %s", json_str(o->def, "default"));
	if (json_bool(o->def, "not_null"))
		buf_add(&b, " NOT NULL");
	for (i = 0; checks && checks->type == J_OBJECT && i < checks->n; i++)
		if (checks->items[i]->type == J_STRING)
			buf_addf(&b, " CONSTRAINT %s %s", checks->keys[i], checks->items[i]->str);
	diff_emit(d, n, 0, "%s", b.data);
}

static void
domain_alter(Diff *d, Pair *p, Step *unused)
{
	const SObj *from = p->from;
	const SObj *to = p->to;
	const char *name = type_name(d, to);
	const JNode *was = json_get(from->def, "checks");
	const JNode *now = json_get(to->def, "checks");
	Step	   *n;
	int			i;

	/* replaced already, over a replaced base: its definition says it all */
	if (p->replaced)
		return;
	if (!json_equal(json_get(from->def, "base"), json_get(to->def, "base")) ||
		!json_equal(json_get(from->def, "collation"), json_get(to->def, "collation")))
	{
		type_replace(d, p, diff_node(d, p, PH_ALTER), domain_create, 0, NULL);
		return;
	}
	n = diff_node(d, p, PH_ALTER);
	if (!json_equal(json_get(from->def, "default"), json_get(to->def, "default")))
	{
		if (json_str(to->def, "default"))
			diff_emit(d, n, 0, "ALTER DOMAIN %s SET DEFAULT %s", name,
					  json_str(to->def, "default"));
		else
			diff_emit(d, n, 0, "ALTER DOMAIN %s DROP DEFAULT", name);
	}
	if (json_bool(from->def, "not_null") != json_bool(to->def, "not_null"))
		diff_emit(d, n, json_bool(to->def, "not_null") ? HZ_DATA_DEPENDENT : 0,
				  "ALTER DOMAIN %s %s NOT NULL", name,
				  json_bool(to->def, "not_null") ? "SET" : "DROP");
	for (i = 0; was && was->type == J_OBJECT && i < was->n; i++)
		if (!json_equal(was->items[i], json_get(now, was->keys[i])))
			diff_emit(d, n, 0, "ALTER DOMAIN %s DROP CONSTRAINT %s", name,
					  was->keys[i]);
	for (i = 0; now && now->type == J_OBJECT && i < now->n; i++)
		if (now->items[i]->type == J_STRING &&
			!json_equal(now->items[i], json_get(was, now->keys[i])))
		{
			diff_emit(d, n, 0, "ALTER DOMAIN %s ADD CONSTRAINT %s %s NOT VALID",
					  name, now->keys[i], now->items[i]->str);
			diff_emit(d, n, HZ_DATA_DEPENDENT,
					  "ALTER DOMAIN %s VALIDATE CONSTRAINT %s", name, now->keys[i]);
		}
}

const Kind	domain_kind = {
	.name = "domain",
	.rank = 3,
	.create = domain_create,
	.drop = type_drop,
	.alter = domain_alter,
	.ref = type_ref,
	.grants = type_grants,
	.public_default = "USAGE PUBLIC",
};

/* ---------- composite types ---------- */

/* a composite type's attributes: [name, type] pairs in order */
static const char *
attr_name(const JNode *a)
{
	return a->type == J_ARRAY && a->n == 2 && a->items[0]->type == J_STRING ?
		a->items[0]->str : NULL;
}

static const char *
attr_type(const JNode *attrs, const char *name)
{
	int			i;

	for (i = 0; name && attrs && attrs->type == J_ARRAY && i < attrs->n; i++)
	{
		const JNode *a = attrs->items[i];

		if (attr_name(a) && strcmp(attr_name(a), name) == 0 &&
			a->items[1]->type == J_STRING)
			return a->items[1]->str;
	}
	return NULL;
}

static void
composite_create(Diff *d, Pair *p, Step *n)
{
	const JNode *attrs = json_get(p->to->def, "attributes");
	Buf			b;
	int			i;

	buf_init(&b, d->arena);
	for (i = 0; attrs && attrs->type == J_ARRAY && i < attrs->n; i++)
	{
		const char *name = attr_name(attrs->items[i]);

		if (name && attr_type(attrs, name))
			buf_addf(&b, "%s%s %s", b.len ? ", " : "", name, attr_type(attrs, name));
	}
	diff_emit(d, n, 0, "CREATE TYPE %s AS (%s)", type_name(d, p->to), b.data);
}

/* a column's value as a row of the new type: kept attributes cast, new ones NULL */
static const char *
row_conversion(Diff *d, const Pair *p, const char *col)
{
	const JNode *was = json_get(p->from->def, "attributes");
	const JNode *now = json_get(p->to->def, "attributes");
	Buf			b;
	int			i;

	buf_init(&b, d->arena);
	buf_add(&b, "ROW(");
	for (i = 0; now && now->type == J_ARRAY && i < now->n; i++)
	{
		const char *name = attr_name(now->items[i]);
		const char *type = attr_type(now, name);

		if (name == NULL || type == NULL)
			continue;
		if (attr_type(was, name))
		{
			Pair	   *t = diff_find(d, arena_printf(d->arena, "type %s", type));

			/* a replaced type has no cast from its old self but text */
			buf_addf(&b, "%s(%s).%s%s::%s", i ? ", " : "", col, name,
					 t && t->replaced ? "::text" : "", type);
		}
		else
			buf_addf(&b, "%sNULL::%s", i ? ", " : "", type);
	}
	buf_addf(&b, ")::%s", type_name(d, p->to));
	return b.data;
}

/*
 * Whether ALTER TYPE can get there: the kept attributes in their order,
 * then the new ones (ADD ATTRIBUTE appends), and no table column of the
 * type (PostgreSQL refuses to alter a type a column stores).
 */
static bool
alterable(Diff *d, Pair *p)
{
	const JNode *was = json_get(p->from->def, "attributes");
	const JNode *now = json_get(p->to->def, "attributes");
	const char *name = type_name(d, p->to);
	int			i,
				j = 0;
	bool		added = false;

	for (i = 0; i < p->nusers_from; i++)
	{
		const Pair *u = p->users_from[i];
		const char *type = u->from ? json_str(u->from->def, "type") : NULL;
		size_t		len = strlen(name);

		if (u->kind == &column_kind && type && strncmp(type, name, len) == 0 &&
			(type[len] == '\0' || strcmp(type + len, "[]") == 0))
			return false;
	}
	for (i = 0; now && now->type == J_ARRAY && i < now->n; i++)
	{
		const char *attr = attr_name(now->items[i]);

		if (attr_type(was, attr) == NULL)
		{
			added = true;
			continue;
		}
		if (added)
			return false;
		/* the next kept attribute of the old order must be this one */
		while (was && j < was->n && attr_type(now, attr_name(was->items[j])) == NULL)
			j++;
		if (was == NULL || j >= was->n || attr_name(was->items[j]) == NULL ||
			strcmp(attr_name(was->items[j]), attr) != 0)
			return false;
		j++;
	}
	return true;
}

static void
composite_alter(Diff *d, Pair *p, Step *unused)
{
	const JNode *was = json_get(p->from->def, "attributes");
	const JNode *now = json_get(p->to->def, "attributes");
	const char *name = type_name(d, p->to);
	Step	   *n;
	int			i;

	if (json_equal(was, now) || p->replaced)
		return;
	n = diff_node(d, p, PH_ALTER);
	if (!alterable(d, p))
	{
		/* an attribute gone or a value cast can lose data */
		type_replace(d, p, n, composite_create, HZ_IRREVERSIBLE, p);
		return;
	}
	for (i = 0; was && was->type == J_ARRAY && i < was->n; i++)
		if (attr_name(was->items[i]) && attr_type(now, attr_name(was->items[i])) == NULL)
			diff_emit(d, n, HZ_DELETES_DATA | HZ_IRREVERSIBLE,
					  "ALTER TYPE %s DROP ATTRIBUTE %s", name, attr_name(was->items[i]));
	for (i = 0; now && now->type == J_ARRAY && i < now->n; i++)
	{
		const char *attr = attr_name(now->items[i]);
		const char *before = attr_type(was, attr);
		const char *type = attr_type(now, attr);

		if (attr == NULL || type == NULL)
			continue;
		if (before == NULL)
			diff_emit(d, n, 0, "ALTER TYPE %s ADD ATTRIBUTE %s %s", name, attr, type);
		else if (strcmp(before, type) != 0)
			diff_emit(d, n, HZ_DATA_DEPENDENT,
					  "ALTER TYPE %s ALTER ATTRIBUTE %s TYPE %s", name, attr, type);
	}
}

const Kind	composite_kind = {
	.name = "composite",
	.rank = 3,
	.create = composite_create,
	.drop = type_drop,
	.alter = composite_alter,
	.ref = type_ref,
	.grants = type_grants,
	.public_default = "USAGE PUBLIC",
};
