/*
 * constraint.c
 *		Table constraints: primary key, unique, foreign key, check and
 *		exclusion, as pg_get_constraintdef() prints them (DEFERRABLE and
 *		NOT VALID included).
 *
 * A foreign key or check added to a table that already has rows goes in
 * NOT VALID, then VALIDATE, which scans under a lock that lets writes
 * through; one added with its table needs no second step.  Asked for
 * concurrent builds, a key's index is built CONCURRENTLY first.  Constraints
 * inherited from a parent or cloned onto partitions belong to the parent.
 */
#include "schema.h"

#include <string.h>

const char *const constraint_reader =
"SELECT 'pg_constraint'::regclass::oid, k.oid, 0,"
" 'constraint ' || c.qn || '.' || quote_ident(k.conname),"
" jsonb_build_object('kind', 'constraint', 'table', c.qn,"
"  'name', quote_ident(k.conname), 'type', k.contype,"
"  'partitioned', c.relkind = 'p',"
"  'definition', pg_get_constraintdef(k.oid),"
"  'comment', " SNAP_COMMENT("pg_constraint", "k.oid", "0") ")"
" FROM rel c JOIN pg_constraint k ON k.conrelid = c.oid"
" WHERE c.relkind IN ('r', 'p') AND k.conislocal AND k.conparentid = 0"
" AND k.contype IN ('c', 'f', 'p', 'u', 'x')"
" UNION ALL"
/* the index behind a key stands for the constraint */
" SELECT 'pg_class'::regclass::oid, k.conindid, 0,"
" 'constraint ' || c.qn || '.' || quote_ident(k.conname), NULL"
" FROM rel c JOIN pg_constraint k ON k.conrelid = c.oid"
" WHERE k.contype IN ('p', 'u', 'x') AND k.conindid <> 0";

static const char *
constraint_table(Diff *d, const SObj *o)
{
	return diff_str(d, o, "table");
}

static const char *
constraint_container(Diff *d, const SObj *o)
{
	return arena_printf(d->arena, "table %s", constraint_table(d, o));
}

static void
constraint_create(Diff *d, Pair *p, Step *n)
{
	const SObj *o = p->to;
	const char *table = constraint_table(d, o);
	const char *name = diff_str(d, o, "name");
	const char *def = diff_str(d, o, "definition");
	const char *type = diff_str(d, o, "type");
	bool		existed = diff_existed(p);
	bool		not_valid = strstr(def, " NOT VALID") != NULL;

	/* PostgreSQL 15 has no NOT VALID foreign key on a partitioned table */
	if (existed && !not_valid && (strcmp(type, "c") == 0 ||
								  (strcmp(type, "f") == 0 &&
								   !json_bool(o->def, "partitioned"))))
	{
		diff_emit(d, n, strcmp(type, "c") == 0 ? HZ_ACCESS_EXCLUSIVE : 0,
				  "ALTER TABLE %s ADD CONSTRAINT %s %s NOT VALID", table, name, def);
		diff_emit(d, n, HZ_DATA_DEPENDENT,
				  "ALTER TABLE %s VALIDATE CONSTRAINT %s", table, name);
		return;
	}
	/*
	 * Asked for concurrent builds, a key on an existing table gets its
	 * unique index CONCURRENTLY outside the transaction first, then takes
	 * it over: only the plain forms "PRIMARY KEY (cols)" and "UNIQUE
	 * (cols)" can be taken over.
	 */
	if (existed && d->opt.concurrently && (type[0] == 'p' || type[0] == 'u'))
	{
		const char *cols = strchr(def, '(');
		size_t		len = strlen(def);

		if (cols && def[len - 1] == ')' && strchr(cols + 1, '(') == NULL &&
			(strncmp(def, "PRIMARY KEY (", 13) == 0 || strncmp(def, "UNIQUE (", 8) == 0))
		{
			diff_emit_outside(d, n, HZ_INDEX_BUILD | HZ_DATA_DEPENDENT,
							  "CREATE UNIQUE INDEX CONCURRENTLY %s ON %s %s",
							  name, table, cols);
			diff_emit(d, n, HZ_ACCESS_EXCLUSIVE,
					  "ALTER TABLE %s ADD CONSTRAINT %s %s USING INDEX %s", table, name,
					  type[0] == 'p' ? "PRIMARY KEY" : "UNIQUE", name);
			return;
		}
	}
	/* a table born in this script has no rows to check or lock out */
	diff_emit(d, n,
			  !existed ? 0 : strchr("pux", type[0]) && type[0] ?
			  HZ_ACCESS_EXCLUSIVE | HZ_INDEX_BUILD | HZ_DATA_DEPENDENT :
			  HZ_ACCESS_EXCLUSIVE,
			  "ALTER TABLE %s ADD CONSTRAINT %s %s", table, name, def);
}

static void
constraint_drop(Diff *d, Pair *p, Step *n)
{
	diff_emit(d, n, HZ_ACCESS_EXCLUSIVE, "ALTER TABLE %s DROP CONSTRAINT %s",
			  constraint_table(d, p->from), diff_str(d, p->from, "name"));
}

static void
constraint_alter(Diff *d, Pair *p, Step *unused)
{
	const char *was = diff_str(d, p->from, "definition");
	const char *now = diff_str(d, p->to, "definition");
	size_t		len = strlen(now);

	/* only validation differs: validate in place */
	if (strlen(was) == len + 10 && strncmp(was, now, len) == 0 &&
		strcmp(was + len, " NOT VALID") == 0)
	{
		diff_emit(d, diff_node(d, p, PH_ALTER), HZ_DATA_DEPENDENT,
				  "ALTER TABLE %s VALIDATE CONSTRAINT %s",
				  constraint_table(d, p->to), diff_str(d, p->to, "name"));
		return;
	}
	/* NOT VALID cannot be undone, and is not schema to act upon */
	if (strlen(now) == strlen(was) + 10 && strncmp(was, now, strlen(was)) == 0 &&
		strcmp(now + strlen(was), " NOT VALID") == 0)
		return;
	diff_recreate(d, p);
}

static const char *
constraint_ref(Diff *d, const SObj *o)
{
	return arena_printf(d->arena, "CONSTRAINT %s ON %s", diff_str(d, o, "name"),
						constraint_table(d, o));
}

const Kind	constraint_kind = {
	.name = "constraint",
	.rank = 8,
	.create = constraint_create,
	.drop = constraint_drop,
	.alter = constraint_alter,
	.ref = constraint_ref,
	.container = constraint_container,
	.rebuilt_with_dependency = true,
};
