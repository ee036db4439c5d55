/*
 * other.c
 *		What a snapshot reads but the diff does not write: rules,
 *		aggregates, operators and their classes, casts, text search
 *		objects, range types, extended statistics, foreign tables, and,
 *		for a whole-database snapshot, event triggers, publications and
 *		default privileges.  Each is kept with a definition so that a
 *		change is seen; the diff reports it as a "not diffed" row, never
 *		silently.
 */
#include "schema.h"

const char *const other_reader =
"SELECT x.* FROM ("
/* rules other than views' */
" SELECT r.oid AS oid, 'pg_rewrite' AS cls, pg_get_ruledef(r.oid) AS def"
" FROM pg_rewrite r JOIN rel c ON c.oid = r.ev_class WHERE r.rulename <> '_RETURN'"
" UNION ALL"
" SELECT p.oid, 'pg_proc', format('%s %s %s %s', pg_get_function_arguments(p.oid),"
"  a.aggtransfn::regprocedure, a.aggtranstype::regtype, a.agginitval)"
" FROM pg_proc p JOIN pg_aggregate a ON a.aggfnoid = p.oid"
" JOIN ns ON ns.oid = p.pronamespace WHERE NOT " SNAP_MEMBER("pg_proc", "p.oid")
" UNION ALL"
" SELECT o.oid, 'pg_operator', format('%s %s', o.oprcode::regprocedure, o.oprresult::regtype)"
" FROM pg_operator o JOIN ns ON ns.oid = o.oprnamespace"
" WHERE NOT " SNAP_MEMBER("pg_operator", "o.oid")
" UNION ALL"
" SELECT o.oid, 'pg_opclass', format('%s %s', o.opcmethod, o.opcintype::regtype)"
" FROM pg_opclass o JOIN ns ON ns.oid = o.opcnamespace"
" WHERE NOT " SNAP_MEMBER("pg_opclass", "o.oid")
" UNION ALL"
" SELECT o.oid, 'pg_opfamily', o.opfmethod::text"
" FROM pg_opfamily o JOIN ns ON ns.oid = o.opfnamespace"
" WHERE NOT " SNAP_MEMBER("pg_opfamily", "o.oid")
" UNION ALL"
" SELECT t.oid, 'pg_type', format('range of %s', r.rngsubtype::regtype)"
" FROM pg_type t JOIN pg_range r ON r.rngtypid = t.oid"
" JOIN ns ON ns.oid = t.typnamespace WHERE NOT " SNAP_MEMBER("pg_type", "t.oid")
" UNION ALL"
" SELECT t.oid, 'pg_type', t.typinput::regproc::text"
" FROM pg_type t JOIN ns ON ns.oid = t.typnamespace"
" WHERE t.typtype = 'b' AND t.typelem = 0 AND NOT " SNAP_MEMBER("pg_type", "t.oid")
" UNION ALL"
" SELECT c.oid, 'pg_cast', format('%s %s %s', c.castfunc::regprocedure,"
"  c.castcontext, c.castmethod)"
" FROM pg_cast c WHERE c.oid >= 16384 AND NOT " SNAP_MEMBER("pg_cast", "c.oid")
" AND EXISTS (SELECT 1 FROM pg_type t JOIN ns ON ns.oid = t.typnamespace"
"  WHERE t.oid IN (c.castsource, c.casttarget))"
" UNION ALL"
" SELECT c.oid, 'pg_ts_config', (SELECT string_agg(format('%s:%s', m.maptokentype,"
"  m.mapdict::regdictionary), ',' ORDER BY m.maptokentype, m.mapseqno)"
"  FROM pg_ts_config_map m WHERE m.mapcfg = c.oid)"
" FROM pg_ts_config c JOIN ns ON ns.oid = c.cfgnamespace"
" WHERE NOT " SNAP_MEMBER("pg_ts_config", "c.oid")
" UNION ALL"
" SELECT t.oid, 'pg_ts_dict', format('%s %s', t.dicttemplate, t.dictinitoption)"
" FROM pg_ts_dict t JOIN ns ON ns.oid = t.dictnamespace"
" WHERE NOT " SNAP_MEMBER("pg_ts_dict", "t.oid")
" UNION ALL"
" SELECT s.oid, 'pg_statistic_ext', pg_get_statisticsobjdef(s.oid)"
" FROM pg_statistic_ext s JOIN ns ON ns.oid = s.stxnamespace"
" UNION ALL"
" SELECT c.oid, 'pg_class', (SELECT string_agg(quote_ident(a.attname) || ' '"
"  || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attname)"
"  FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0"
"  AND NOT a.attisdropped) || ' ' || coalesce(array_to_string(f.ftoptions, ','), '')"
" FROM rel c JOIN pg_foreign_table f ON f.ftrelid = c.oid"
" UNION ALL"
" SELECT e.oid, 'pg_event_trigger', format('%s %s %s %s', e.evtevent,"
"  e.evtfoid::regprocedure, e.evtenabled, e.evttags)"
" FROM pg_event_trigger e WHERE $1 IS NULL"
"  AND NOT " SNAP_MEMBER("pg_event_trigger", "e.oid")
" UNION ALL"
" SELECT p.oid, 'pg_publication', format('%s %s%s%s%s %s', p.puballtables,"
"  p.pubinsert, p.pubupdate, p.pubdelete, p.pubtruncate,"
"  (SELECT string_agg(pr.prrelid::regclass::text, ',' ORDER BY 1)"
"   FROM pg_publication_rel pr WHERE pr.prpubid = p.oid))"
" FROM pg_publication p WHERE $1 IS NULL"
" UNION ALL"
" SELECT a.oid, 'pg_default_acl', a.defaclacl::text"
" FROM pg_default_acl a WHERE a.defaclnamespace IN (SELECT oid FROM ns)"
"  OR (a.defaclnamespace = 0 AND $1 IS NULL)"
") x0 CROSS JOIN LATERAL ("
" SELECT x0.cls::regclass::oid, x0.oid, 0, io.type || ' ' || io.identity,"
"  jsonb_build_object('kind', 'other', 'what', io.type, 'name', io.identity,"
"   'definition', x0.def)"
" FROM pg_identify_object(x0.cls::regclass, x0.oid, 0) io) x";

static void
other_create(Diff *d, Pair *p, Step *n)
{
	diff_not_diffed(d, n, p->key, "is new");
}

static void
other_drop(Diff *d, Pair *p, Step *n)
{
	diff_not_diffed(d, n, p->key, "is gone");
}

static void
other_alter(Diff *d, Pair *p, Step *unused)
{
	diff_not_diffed(d, diff_node(d, p, PH_ALTER), p->key, "changed");
}

const Kind	other_kind = {
	.name = "other",
	.rank = 13,
	.create = other_create,
	.drop = other_drop,
	.alter = other_alter,
};
