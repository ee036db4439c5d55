/*
 * sequence.c
 *		Sequences with their parameters and OWNED BY; never their current
 *		value, which is data.  Identity columns' sequences belong to the
 *		column and are not read.
 *
 * OWNED BY is a step after both the sequence and the column exist: the
 * column's default uses the sequence, so the sequence comes first, and
 * owning it needs the column.  Dropping the owning column (or its table)
 * drops the sequence too.
 */
#include "schema.h"

#include <string.h>

const char *const sequence_reader =
"SELECT 'pg_class'::regclass::oid, c.oid, 0, 'sequence ' || c.qn,"
" jsonb_build_object('kind', 'sequence', 'name', c.qn,"
"  'owner', quote_ident(pg_get_userbyid(c.relowner)),"
"  'type', format_type(s.seqtypid, NULL), 'start', s.seqstart,"
"  'increment', s.seqincrement, 'min', s.seqmin, 'max', s.seqmax,"
"  'cache', s.seqcache, 'cycle', s.seqcycle, 'unlogged', c.relpersistence = 'u',"
"  'owned_by', (SELECT quote_ident(tn.nspname) || '.' || quote_ident(tc.relname)"
"   || '.' || quote_ident(ta.attname)"
"   FROM pg_depend od JOIN pg_class tc ON tc.oid = od.refobjid"
"   JOIN pg_namespace tn ON tn.oid = tc.relnamespace"
"   JOIN pg_attribute ta ON ta.attrelid = od.refobjid AND ta.attnum = od.refobjsubid"
"   WHERE od.classid = 'pg_class'::regclass AND od.objid = c.oid"
"   AND od.refclassid = 'pg_class'::regclass AND od.deptype = 'a'"
"   AND od.refobjsubid > 0),"
"  'comment', " SNAP_COMMENT("pg_class", "c.oid", "0") ","
"  'acl', " SNAP_ACL("c.relacl", "s", "c.relowner") ")"
" FROM rel c JOIN pg_sequence s ON s.seqrelid = c.oid"
" WHERE c.relkind = 'S' AND NOT EXISTS (SELECT 1 FROM pg_depend i"
"  WHERE i.classid = 'pg_class'::regclass AND i.objid = c.oid AND i.deptype = 'i')";

static const char *
owned_column(Diff *d, const SObj *o)
{
	const char *col = json_str(o->def, "owned_by");

	return col ? arena_printf(d->arena, "column %s", col) : NULL;
}

static void
own(Diff *d, Pair *p, const SObj *from)
{
	const char *was = from ? json_str(from->def, "owned_by") : NULL;
	const char *now = json_str(p->to->def, "owned_by");

	if ((was == NULL && now == NULL) || (was && now && strcmp(was, now) == 0))
		return;
	/*
	 * Dropping the old owner would take the sequence along: it is let go
	 * first, then given to the new owner once that exists.
	 */
	if (was)
	{
		diff_emit(d, diff_node(d, p, PH_ALTER), 0, "ALTER SEQUENCE %s OWNED BY NONE",
				  diff_str(d, p->to, "name"));
		p->alter_before = diff_find(d, owned_column(d, from));
	}
	if (now)
	{
		diff_emit(d, diff_node(d, p, PH_POST), 0, "ALTER SEQUENCE %s OWNED BY %s",
				  diff_str(d, p->to, "name"), now);
		p->post_after = diff_find(d, owned_column(d, p->to));
	}
}

static void
sequence_create(Diff *d, Pair *p, Step *n)
{
	const SObj *o = p->to;

	diff_emit(d, n, 0,
			  "CREATE %sSEQUENCE %s AS %s INCREMENT BY %s MINVALUE %s MAXVALUE %s START WITH %s CACHE %s%s",
			  json_bool(o->def, "unlogged") ? "UNLOGGED " : "",
			  diff_str(d, o, "name"), diff_str(d, o, "type"),
			  diff_str(d, o, "increment"), diff_str(d, o, "min"),
			  diff_str(d, o, "max"), diff_str(d, o, "start"),
			  diff_str(d, o, "cache"),
			  json_bool(o->def, "cycle") ? " CYCLE" : " NO CYCLE");
	own(d, p, NULL);
}

static void
sequence_drop(Diff *d, Pair *p, Step *n)
{
	diff_emit(d, n, HZ_DELETES_DATA, "DROP SEQUENCE %s",
			  diff_str(d, p->from, "name"));
}

static void
sequence_alter(Diff *d, Pair *p, Step *unused)
{
	static const char *const params[][2] = {
		{"type", "AS"}, {"increment", "INCREMENT BY"}, {"min", "MINVALUE"},
		{"max", "MAXVALUE"}, {"start", "START WITH"}, {"cache", "CACHE"}
	};
	const SObj *from = p->from;
	const SObj *to = p->to;
	Buf			b;
	size_t		i;

	buf_init(&b, d->arena);
	for (i = 0; i < sizeof(params) / sizeof(params[0]); i++)
		if (!json_equal(json_get(from->def, params[i][0]),
						json_get(to->def, params[i][0])))
			buf_addf(&b, " %s %s", params[i][1], diff_str(d, to, params[i][0]));
	if (json_bool(from->def, "cycle") != json_bool(to->def, "cycle"))
		buf_add(&b, json_bool(to->def, "cycle") ? " CYCLE" : " NO CYCLE");
	if (b.len > 0)
		diff_emit(d, diff_node(d, p, PH_ALTER), 0, "ALTER SEQUENCE %s%s",
				  diff_str(d, to, "name"), b.data);
	if (json_bool(from->def, "unlogged") != json_bool(to->def, "unlogged"))
		diff_emit(d, diff_node(d, p, PH_ALTER), 0, "ALTER SEQUENCE %s SET %s",
				  diff_str(d, to, "name"),
				  json_bool(to->def, "unlogged") ? "UNLOGGED" : "LOGGED");
	own(d, p, from);
}

static const char *
sequence_ref(Diff *d, const SObj *o)
{
	return arena_printf(d->arena, "SEQUENCE %s", diff_str(d, o, "name"));
}

static void
sequence_grants(Diff *d, Step *n, const SObj *o, const JNode *from_acl,
				const JNode *to_acl)
{
	diff_grants(d, n, from_acl, to_acl, sequence_ref(d, o), NULL);
}

const Kind	sequence_kind = {
	.name = "sequence",
	.rank = 4,
	.create = sequence_create,
	.drop = sequence_drop,
	.alter = sequence_alter,
	.ref = sequence_ref,
	.dropped_with = owned_column,
	.grants = sequence_grants,
};
