/*
 * column.c
 *		Columns of tables: read one object per column, and add, drop and
 *		alter them.  A column's position only orders the columns of a new
 *		table and of one table's additions: two tables that differ only in
 *		column order are equal (PostgreSQL cannot reorder columns), and the
 *		fingerprint leaves positions out.
 *
 * A column a table inherits (every column of a partition) comes and goes
 * with the parent's column and follows its type; only what may differ
 * per table, such as a default, is altered on the child.  The option
 * pg_attver, which some builds stamp on every column, is not schema and
 * is left out.
 */
#include "schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const column_reader =
"SELECT 'pg_class'::regclass::oid, c.oid, a.attnum::int,"
" 'column ' || c.qn || '.' || quote_ident(a.attname),"
" jsonb_build_object('kind', 'column', 'table', c.qn,"
"  'name', quote_ident(a.attname), 'position', a.attnum::int,"
"  'type', format_type(a.atttypid, a.atttypmod),"
"  'not_null', a.attnotnull,"
"  'default', CASE WHEN a.attgenerated = '' THEN pg_get_expr(ad.adbin, ad.adrelid) END,"
"  'generated', CASE WHEN a.attgenerated = 's' THEN pg_get_expr(ad.adbin, ad.adrelid) END,"
"  'identity', CASE a.attidentity WHEN 'a' THEN 'ALWAYS' WHEN 'd' THEN 'BY DEFAULT' END,"
"  'identity_options', CASE WHEN a.attidentity <> '' THEN"
"   (SELECT jsonb_build_object('start', s.seqstart, 'increment', s.seqincrement,"
"     'min', s.seqmin, 'max', s.seqmax, 'cache', s.seqcache, 'cycle', s.seqcycle)"
"    FROM pg_depend sd JOIN pg_sequence s ON s.seqrelid = sd.objid"
"    WHERE sd.classid = 'pg_class'::regclass AND sd.refclassid = 'pg_class'::regclass"
"    AND sd.refobjid = c.oid AND sd.refobjsubid = a.attnum AND sd.deptype = 'i') END,"
"  'collation', CASE WHEN a.attcollation <> t.typcollation THEN"
"   (SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname)"
"    FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace"
"    WHERE co.oid = a.attcollation) END,"
"  'options', (SELECT jsonb_agg(o ORDER BY o) FROM unnest(a.attoptions) o"
"   WHERE o NOT LIKE 'pg\\_attver=%'),"
"  'inherited_from', CASE WHEN a.attinhcount > 0 THEN"
"   (SELECT quote_ident(pn.nspname) || '.' || quote_ident(pc.relname)"
"    FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent"
"    JOIN pg_namespace pn ON pn.oid = pc.relnamespace"
"    JOIN pg_attribute pa ON pa.attrelid = i.inhparent AND pa.attname = a.attname"
"    WHERE i.inhrelid = c.oid ORDER BY i.inhseqno LIMIT 1) END,"
"  'comment', d.description,"
"  'acl', CASE WHEN a.attacl IS NOT NULL THEN"
"   (SELECT coalesce(jsonb_agg(g ORDER BY g), '[]') FROM"
"    (SELECT x.privilege_type || ' ' || CASE x.grantee WHEN 0 THEN 'PUBLIC'"
"     ELSE quote_ident(pg_get_userbyid(x.grantee)) END"
"     || CASE WHEN x.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END AS g"
"     FROM aclexplode(a.attacl) x) s) END)"
" FROM rel c"
" JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
" JOIN pg_type t ON t.oid = a.atttypid"
" LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum"
" LEFT JOIN pg_description d ON d.classoid = 'pg_class'::regclass"
"  AND d.objoid = c.oid AND d.objsubid = a.attnum"
" WHERE c.relkind IN ('r', 'p')"
" UNION ALL"
/* a default's dependencies are its column's */
" SELECT 'pg_attrdef'::regclass::oid, ad.oid, 0,"
" 'column ' || c.qn || '.' || quote_ident(a.attname), NULL"
" FROM rel c JOIN pg_attrdef ad ON ad.adrelid = c.oid"
" JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum"
" WHERE c.relkind IN ('r', 'p')";

static const char *
column_table(Diff *d, const SObj *o)
{
	return diff_str(d, o, "table");
}

static const char *
column_container(Diff *d, const SObj *o)
{
	return arena_printf(d->arena, "table %s", column_table(d, o));
}

/* an inherited column goes with the parent's column, others with the table */
static const char *
column_dropped_with(Diff *d, const SObj *o)
{
	const char *parent = json_str(o->def, "inherited_from");

	if (parent)
		return arena_printf(d->arena, "column %s.%s", parent,
							diff_str(d, o, "name"));
	return column_container(d, o);
}

/* whether an identity parameter has the value PostgreSQL gives it anyway */
static bool
identity_default(const char *param, const char *value, const char *type)
{
	if (strcmp(param, "max") == 0)
		return (strcmp(type, "integer") == 0 && strcmp(value, "2147483647") == 0) ||
			(strcmp(type, "bigint") == 0 && strcmp(value, "9223372036854775807") == 0) ||
			(strcmp(type, "smallint") == 0 && strcmp(value, "32767") == 0);
	return strcmp(value, "1") == 0;
}

/*
 * The parameters of an identity's sequence: for a definition those that
 * differ from the defaults of the column's type, for an alteration those
 * that changed.
 */
static const char *
identity_options(Diff *d, const JNode *was, const JNode *now, bool alter,
				 const char *type)
{
	static const char *const params[][2] = {
		{"start", "START WITH"}, {"increment", "INCREMENT BY"},
		{"min", "MINVALUE"}, {"max", "MAXVALUE"}, {"cache", "CACHE"}
	};
	Buf			b;
	size_t		i;

	buf_init(&b, d->arena);
	for (i = 0; i < sizeof(params) / sizeof(params[0]); i++)
	{
		const char *v = json_str(now, params[i][0]);

		if (v && (alter ? !json_equal(json_get(was, params[i][0]),
									  json_get(now, params[i][0])) :
				  !identity_default(params[i][0], v, type)))
			buf_addf(&b, "%s%s %s", alter ? " SET " : (b.len ? " " : ""),
					 params[i][1], v);
	}
	if (json_get(now, "cycle") &&
		(alter ? json_bool(was, "cycle") != json_bool(now, "cycle") :
		 json_bool(now, "cycle")))
		buf_addf(&b, "%s%s", alter ? " SET " : (b.len ? " " : ""),
				 json_bool(now, "cycle") ? "CYCLE" : "NO CYCLE");
	return b.data;
}

/* "name type [COLLATE c] [DEFAULT e | GENERATED ...] [NOT NULL]" */
int
column_position(const Pair *p)
{
	const SObj *o = p->to ? p->to : p->from;
	const char *pos = o ? json_str(o->def, "position") : NULL;

	return pos ? (int) strtol(pos, NULL, 10) : 0;
}

const char *
column_definition(Diff *d, const SObj *o)
{
	Buf			b;
	const char *collation = json_str(o->def, "collation");
	const char *dflt = json_str(o->def, "default");
	const char *generated = json_str(o->def, "generated");
	const char *identity = json_str(o->def, "identity");

	buf_init(&b, d->arena);
	buf_addf(&b, "%s %s", diff_str(d, o, "name"), diff_str(d, o, "type"));
	if (collation)
		buf_addf(&b, " COLLATE %s", collation);
	if (generated)
		buf_addf(&b, " GENERATED ALWAYS AS (%s) STORED", generated);
	else if (identity)
	{
		const char *opts = identity_options(d, NULL, json_get(o->def, "identity_options"),
											false, diff_str(d, o, "type"));

		buf_addf(&b, " GENERATED %s AS IDENTITY", identity);
		if (opts[0])
			buf_addf(&b, " (%s)", opts);
	}
	else if (dflt)
		buf_addf(&b, " DEFAULT %s", dflt);
	if (json_bool(o->def, "not_null") && identity == NULL)
		buf_add(&b, " NOT NULL");
	return b.data;
}

static void
column_create(Diff *d, Pair *p, Step *n)
{
	const SObj *o = p->to;
	unsigned	hz = HZ_ACCESS_EXCLUSIVE;

	if (json_str(o->def, "generated"))
		hz |= HZ_REWRITES_TABLE;
	else if (json_bool(o->def, "not_null") && !json_str(o->def, "default") &&
			 !json_str(o->def, "identity"))
		hz |= HZ_DATA_DEPENDENT;	/* fails on a table with rows */
	if (json_str(o->def, "identity"))
		hz |= HZ_REWRITES_TABLE;
	diff_emit(d, n, hz, "ALTER TABLE %s ADD COLUMN %s", column_table(d, o),
			  column_definition(d, o));
	if (json_get(o->def, "options"))
	{
		const JNode *opts = json_get(o->def, "options");
		Buf			b;
		int			i;

		buf_init(&b, d->arena);
		for (i = 0; i < opts->n && opts->type == J_ARRAY; i++)
			if (opts->items[i]->type == J_STRING)
				buf_addf(&b, "%s%s", i ? ", " : "", opts->items[i]->str);
		if (b.len > 0)
			diff_emit(d, n, 0, "ALTER TABLE %s ALTER COLUMN %s SET (%s)",
					  column_table(d, o), diff_str(d, o, "name"), b.data);
	}
}

static void
column_drop(Diff *d, Pair *p, Step *n)
{
	diff_emit(d, n, HZ_DELETES_DATA | HZ_IRREVERSIBLE | HZ_ACCESS_EXCLUSIVE,
			  "ALTER TABLE %s DROP COLUMN %s", column_table(d, p->from),
			  diff_str(d, p->from, "name"));
}

static bool
same(const SObj *a, const SObj *b, const char *field)
{
	return json_equal(json_get(a->def, field), json_get(b->def, field));
}

/*
 * Changes of type that PostgreSQL makes without rewriting the table: a
 * longer varchar, varchar to text, a numeric losing its limits or gaining
 * precision at the same scale.
 */
static bool
type_change_keeps_table(const char *from, const char *to)
{
	int			n1,
				n2;

	if (strncmp(from, "character varying", 17) == 0 &&
		(strcmp(to, "text") == 0 || strcmp(to, "character varying") == 0))
		return true;
	if (sscanf(from, "character varying(%d)", &n1) == 1 &&
		sscanf(to, "character varying(%d)", &n2) == 1)
		return n2 >= n1;
	if (strncmp(from, "numeric(", 8) == 0 && strcmp(to, "numeric") == 0)
		return true;
	/* more digits before the point, the same after it */
	{
		int			p1,
					s1,
					p2,
					s2;

		if (sscanf(from, "numeric(%d,%d)", &p1, &s1) == 2 &&
			sscanf(to, "numeric(%d,%d)", &p2, &s2) == 2)
			return s1 == s2 && p2 >= p1;
	}
	return false;
}

static void
options_change(Diff *d, Step *n, const SObj *from, const SObj *to)
{
	const JNode *was = json_get(from->def, "options");
	const JNode *now = json_get(to->def, "options");
	const char *table = column_table(d, to);
	const char *name = diff_str(d, to, "name");
	int			i;

	for (i = 0; was && was->type == J_ARRAY && i < was->n; i++)
	{
		const char *opt = was->items[i]->type == J_STRING ? was->items[i]->str : NULL;
		const char *eq = opt ? strchr(opt, '=') : NULL;

		if (opt && !json_has_string(now, opt) && eq)
			diff_emit(d, n, 0, "ALTER TABLE %s ALTER COLUMN %s RESET (%.*s)",
					  table, name, (int) (eq - opt), opt);
	}
	for (i = 0; now && now->type == J_ARRAY && i < now->n; i++)
		if (now->items[i]->type == J_STRING &&
			!json_has_string(was, now->items[i]->str))
			diff_emit(d, n, 0, "ALTER TABLE %s ALTER COLUMN %s SET (%s)",
					  table, name, now->items[i]->str);
}

static void
column_alter(Diff *d, Pair *p, Step *unused)
{
	const SObj *from = p->from;
	const SObj *to = p->to;
	const char *table = column_table(d, to);
	const char *name = diff_str(d, to, "name");
	const char *was_gen = json_str(from->def, "generated");
	const char *now_gen = json_str(to->def, "generated");
	const char *was_id = json_str(from->def, "identity");
	const char *now_id = json_str(to->def, "identity");
	const char *now_default = json_str(to->def, "default");
	bool		retype = !same(from, to, "type") || !same(from, to, "collation");
	bool		redefault = !same(from, to, "default") ||
		(retype && json_str(from->def, "default"));
	Step	   *n;

	/* an inherited column takes its type and more from the parent */
	if (json_str(to->def, "inherited_from"))
	{
		if (!same(from, to, "default"))
		{
			n = diff_node(d, p, PH_ALTER);
			if (now_default)
				diff_emit(d, n, HZ_ACCESS_EXCLUSIVE,
						  "ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s",
						  table, name, now_default);
			else
				diff_emit(d, n, HZ_ACCESS_EXCLUSIVE,
						  "ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT", table, name);
		}
		return;
	}
	/* a generation expression cannot be changed in place */
	if (now_gen && !same(from, to, "generated"))
	{
		diff_recreate(d, p);
		return;
	}
	n = diff_node(d, p, PH_ALTER);
	if (was_gen)
		diff_emit(d, n, HZ_ACCESS_EXCLUSIVE,
				  "ALTER TABLE %s ALTER COLUMN %s DROP EXPRESSION", table, name);
	if (was_id && !now_id)
		diff_emit(d, n, HZ_ACCESS_EXCLUSIVE,
				  "ALTER TABLE %s ALTER COLUMN %s DROP IDENTITY", table, name);
	if (redefault && json_str(from->def, "default"))
		diff_emit(d, n, HZ_ACCESS_EXCLUSIVE,
				  "ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT", table, name);
	if (retype)
	{
		const char *type = diff_str(d, to, "type");
		const char *collation = json_str(to->def, "collation");
		unsigned	hz = HZ_ACCESS_EXCLUSIVE | HZ_DATA_DEPENDENT;

		if (!type_change_keeps_table(diff_str(d, from, "type"), type) ||
			!same(from, to, "collation"))
			hz |= HZ_REWRITES_TABLE;
		diff_emit(d, n, hz,
				  "ALTER TABLE %s ALTER COLUMN %s TYPE %s%s%s USING %s::%s",
				  table, name, type, collation ? " COLLATE " : "",
				  collation ? collation : "", name, type);
		p->breaks_dependents = true;
	}
	if (redefault && now_default)
		diff_emit(d, n, HZ_ACCESS_EXCLUSIVE,
				  "ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s",
				  table, name, now_default);
	if (json_bool(to->def, "not_null") && !json_bool(from->def, "not_null"))
	{
		/*
		 * A validated CHECK lets SET NOT NULL skip its scan under ACCESS
		 * EXCLUSIVE; the scan itself runs under a weaker lock.
		 */
		diff_emit(d, n, HZ_ACCESS_EXCLUSIVE,
				  "ALTER TABLE %s ADD CONSTRAINT migrate_not_null CHECK (%s IS NOT NULL) NOT VALID",
				  table, name);
		diff_emit(d, n, HZ_DATA_DEPENDENT,
				  "ALTER TABLE %s VALIDATE CONSTRAINT migrate_not_null", table);
		diff_emit(d, n, HZ_ACCESS_EXCLUSIVE,
				  "ALTER TABLE %s ALTER COLUMN %s SET NOT NULL", table, name);
		diff_emit(d, n, HZ_ACCESS_EXCLUSIVE,
				  "ALTER TABLE %s DROP CONSTRAINT migrate_not_null", table);
	}
	else if (!json_bool(to->def, "not_null") && json_bool(from->def, "not_null"))
		diff_emit(d, n, HZ_ACCESS_EXCLUSIVE,
				  "ALTER TABLE %s ALTER COLUMN %s DROP NOT NULL", table, name);
	if (now_id && !was_id)
	{
		const char *opts = identity_options(d, NULL,
											json_get(to->def, "identity_options"), false,
											diff_str(d, to, "type"));

		diff_emit(d, n, HZ_ACCESS_EXCLUSIVE,
				  "ALTER TABLE %s ALTER COLUMN %s ADD GENERATED %s AS IDENTITY%s%s%s",
				  table, name, now_id, opts[0] ? " (" : "", opts, opts[0] ? ")" : "");
	}
	else if (now_id && was_id && strcmp(now_id, was_id) != 0)
		diff_emit(d, n, HZ_ACCESS_EXCLUSIVE,
				  "ALTER TABLE %s ALTER COLUMN %s SET GENERATED %s",
				  table, name, now_id);
	if (now_id && was_id && !same(from, to, "identity_options"))
	{
		const char *opts = identity_options(d, json_get(from->def, "identity_options"),
											json_get(to->def, "identity_options"), true,
											diff_str(d, to, "type"));

		if (opts[0])
			diff_emit(d, n, 0, "ALTER TABLE %s ALTER COLUMN %s%s", table, name, opts);
	}
	if (!same(from, to, "options"))
		options_change(d, n, from, to);
}

static const char *
column_ref(Diff *d, const SObj *o)
{
	return arena_printf(d->arena, "COLUMN %s.%s", column_table(d, o),
						diff_str(d, o, "name"));
}

static void
column_grants(Diff *d, Step *n, const SObj *o, const JNode *from_acl,
			  const JNode *to_acl)
{
	diff_grants(d, n, from_acl, to_acl,
				arena_printf(d->arena, "TABLE %s", column_table(d, o)),
				diff_str(d, o, "name"));
}

const Kind	column_kind = {
	.name = "column",
	.rank = 6,
	.create = column_create,
	.drop = column_drop,
	.alter = column_alter,
	.ref = column_ref,
	.container = column_container,
	.dropped_with = column_dropped_with,
	.grants = column_grants,
};
