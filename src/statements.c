/*
 * statements.c
 *		The SQL of a revision script as the server's parser sees it.
 *
 * Scripts are split into statements with raw_parser, never by searching
 * for semicolons (they occur in strings, comments and function bodies),
 * so that an error can name the statement and its line, psql's \gexec
 * can run each statement of a non-transactional revision at top level,
 * and registration can refuse what could never run.
 */
#include "postgres.h"

#include <ctype.h>

#include "commands/defrem.h"
#include "mb/pg_wchar.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "tcop/cmdtag.h"
#include "tcop/utility.h"

#include "statements.h"

/* The line of text at byte offset (1-based). */
static int
line_of_offset(const char *text, int offset)
{
	int			line = 1;
	int			i;

	for (i = 0; i < offset && text[i]; i++)
		line += text[i] == '\n';
	return line;
}

/* Byte offset of the 1-based character position pos in text. */
static int
offset_of_position(const char *text, int pos)
{
	int			offset = 0;

	while (--pos > 0 && text[offset])
		offset += pg_mblen(text + offset);
	return offset;
}

/* A line of the script as the user knows it: of the file it came from. */
static int
user_line(ScriptContext *c, int line)
{
	return c->file ? line_of_offset(c->file, c->file_offset) + line - 1 : line;
}

/*
 * Error context for user SQL.  A syntax error position from parsing the
 * whole script becomes an internal position into it, as SPI does for its
 * queries, so the caret points into the script and not the caller's query;
 * for a script from a revision file, into the file, so that psql's "LINE
 * n:" is the line of the file.
 */
void
statements_error_callback(void *arg)
{
	ScriptContext *c = arg;
	int			pos = geterrposition();

	if (pos > 0 && c->statement == 0)
	{
		errposition(0);
		if (c->file)
		{
			int			offset = c->file_offset + offset_of_position(c->sql, pos);

			internalerrposition(pg_mbstrlen_with_len(c->file, offset) + 1);
			internalerrquery(c->file);
			errcontext("while loading revision \"%s\": %s section, line %d of the file",
					   c->revision, c->section, line_of_offset(c->file, offset));
			return;
		}
		internalerrposition(pos);
		internalerrquery(c->sql);
	}
	if (c->revision == NULL)
	{
		/* the SQL of a desired schema (autogenerate), not a revision */
		if (c->statement > 0)
			errcontext("while building the desired schema, statement %d at line %d",
					   c->statement, c->line);
		else
			errcontext("while reading the desired schema SQL");
		return;
	}
	if (c->statement > 0)
		errcontext("while applying revision \"%s\" (%s), statement %d at line %d",
				   c->revision, c->section, c->statement, c->line);
	else if (c->file)
		errcontext("while loading revision \"%s\": %s section",
				   c->revision, c->section);
	else
		errcontext("while checking the %s script of revision \"%s\"",
				   c->section, c->revision);
}

/*
 * Line numbers of statement starts, counted from where the previous
 * statement started: scanning from the top for each statement would make
 * a script of many statements quadratic.
 */
typedef struct LineCursor
{
	int			offset;
	int			line;
} LineCursor;

static int
line_at(const char *sql, LineCursor *cur, int offset)
{
	Assert(offset >= cur->offset);
	for (; cur->offset < offset && sql[cur->offset]; cur->offset++)
		cur->line += sql[cur->offset] == '\n';
	return cur->line;
}

/*
 * The offset of the first token of a statement's text: past blanks, "--"
 * comments and (nested) block comments.
 */
static int
first_token(const char *p, int len)
{
	int			i = 0;

	while (i < len)
	{
		if (isspace((unsigned char) p[i]))
			i++;
		else if (i + 1 < len && p[i] == '-' && p[i + 1] == '-')
		{
			while (i < len && p[i] != '\n')
				i++;
		}
		else if (i + 1 < len && p[i] == '/' && p[i + 1] == '*')
		{
			int			depth = 0;

			do
			{
				if (i + 1 < len && p[i] == '/' && p[i + 1] == '*')
					depth++, i += 2;
				else if (i + 1 < len && p[i] == '*' && p[i + 1] == '/')
					depth--, i += 2;
				else
					i++;
			} while (depth > 0 && i < len);
		}
		else
			break;
	}
	return i < len ? i : 0;
}

void
statements_refuse_transaction_control(ScriptContext *c, int statement, int line)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TRANSACTION_TERMINATION),
			 errmsg("%s script of revision \"%s\" contains transaction control",
					c->section, c->revision),
			 errdetail("Statement %d at line %d%s begins, ends or marks a transaction.",
					   statement, user_line(c, line), c->file ? " of the file" : ""),
			 errhint("Remove it: migrate runs each revision inside the caller's transaction.")));
}

static bool
option_false(List *options, const char *name)
{
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *d = lfirst_node(DefElem, lc);

		if (strcmp(d->defname, name) == 0)
			return !defGetBoolean(d);
	}
	return false;
}

static bool
option_given(List *options, const char *name)
{
	ListCell   *lc;

	foreach(lc, options)
		if (strcmp(lfirst_node(DefElem, lc)->defname, name) == 0)
			return true;
	return false;
}

/*
 * What PostgreSQL refuses to run inside a transaction block (its
 * PreventInTransactionBlock calls), as the statement's name, or NULL.
 * Only what the parse tree tells: DROP SUBSCRIPTION, for one, depends on
 * the subscription's slot and is left to run time.
 */
static const char *
top_level_only(Node *stmt)
{
	switch (nodeTag(stmt))
	{
		case T_IndexStmt:
			return ((IndexStmt *) stmt)->concurrent ? "CREATE INDEX CONCURRENTLY" : NULL;
		case T_ReindexStmt:
			{
				ReindexStmt *r = (ReindexStmt *) stmt;

				if (r->kind == REINDEX_OBJECT_SCHEMA)
					return "REINDEX SCHEMA";
				if (r->kind == REINDEX_OBJECT_SYSTEM)
					return "REINDEX SYSTEM";
				if (r->kind == REINDEX_OBJECT_DATABASE)
					return "REINDEX DATABASE";
				return option_given(r->params, "concurrently") &&
					!option_false(r->params, "concurrently") ? "REINDEX CONCURRENTLY" : NULL;
			}
		case T_DropStmt:
			return ((DropStmt *) stmt)->concurrent ? "DROP INDEX CONCURRENTLY" : NULL;
		case T_VacuumStmt:
			return ((VacuumStmt *) stmt)->is_vacuumcmd ? "VACUUM" : NULL;
		case T_ClusterStmt:
			return ((ClusterStmt *) stmt)->relation == NULL ? "CLUSTER without a table" : NULL;
		case T_CreatedbStmt:
			return "CREATE DATABASE";
		case T_DropdbStmt:
			return "DROP DATABASE";
		case T_AlterDatabaseStmt:
			return option_given(((AlterDatabaseStmt *) stmt)->options, "tablespace")
				? "ALTER DATABASE SET TABLESPACE" : NULL;
		case T_AlterSystemStmt:
			return "ALTER SYSTEM";
		case T_CreateTableSpaceStmt:
			return "CREATE TABLESPACE";
		case T_DropTableSpaceStmt:
			return "DROP TABLESPACE";
		case T_DiscardStmt:
			return ((DiscardStmt *) stmt)->target == DISCARD_ALL ? "DISCARD ALL" : NULL;
		case T_CreateSubscriptionStmt:
			{
				List	   *o = ((CreateSubscriptionStmt *) stmt)->options;

				return option_false(o, "create_slot") || option_false(o, "connect")
					? NULL : "CREATE SUBSCRIPTION with create_slot";
			}
		case T_AlterSubscriptionStmt:
			{
				AlterSubscriptionStmt *a = (AlterSubscriptionStmt *) stmt;

				if (a->kind == ALTER_SUBSCRIPTION_REFRESH)
					return "ALTER SUBSCRIPTION ... REFRESH PUBLICATION";
				if ((a->kind == ALTER_SUBSCRIPTION_SET_PUBLICATION ||
					 a->kind == ALTER_SUBSCRIPTION_ADD_PUBLICATION ||
					 a->kind == ALTER_SUBSCRIPTION_DROP_PUBLICATION) &&
					!option_false(a->options, "refresh"))
					return "ALTER SUBSCRIPTION ... PUBLICATION with refresh";
				return NULL;
			}
		case T_AlterTableStmt:
			{
				ListCell   *lc;

				foreach(lc, ((AlterTableStmt *) stmt)->cmds)
				{
					AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

					if (cmd->subtype == AT_DetachPartition &&
						((PartitionCmd *) cmd->def)->concurrent)
						return "ALTER TABLE ... DETACH PARTITION CONCURRENTLY";
				}
				return NULL;
			}
		default:
			return NULL;
	}
}

/* The raw parse of a script; a syntax error names the revision. */
static List *
parse_raw(ScriptContext *c)
{
	ErrorContextCallback cb = {error_context_stack, statements_error_callback, c};
	List	   *raw;

	error_context_stack = &cb;
	c->statement = 0;
	raw = raw_parser(c->sql, RAW_PARSE_DEFAULT);
	error_context_stack = cb.previous;
	return raw;
}

/* Parse a script into Statements (text, line, parse tree). */
List *
statements_parse(ScriptContext *c)
{
	List	   *raw = parse_raw(c);
	List	   *out = NIL;
	ListCell   *lc;
	LineCursor	cur = {0, 1};

	foreach(lc, raw)
	{
		RawStmt    *rs = lfirst_node(RawStmt, lc);
		Statement  *s = palloc(sizeof(Statement));
		int			start = rs->stmt_location;
		int			len = rs->stmt_len ? rs->stmt_len : (int) strlen(c->sql + start);

		/* the statement starts after the previous one's semicolon */
		while (len > 0 && isspace((unsigned char) c->sql[start]))
		{
			start++;
			len--;
		}
		s->text = pnstrdup(c->sql + start, len);
		/* its line is that of its first word, below comments before it */
		s->line = line_at(c->sql, &cur, start + first_token(c->sql + start, len));
		s->stmt = rs->stmt;
		out = lappend(out, s);
	}
	return out;
}

/*
 * Registration-time check: the script parses, holds no transaction
 * control, and, in a transactional revision, nothing that PostgreSQL runs
 * only outside a transaction block, so a revision that could never run is
 * refused up front.  file and file_offset say where sql came from, for
 * lines of the file in errors (NULL: not from a file).
 */
void
statements_check(const char *id, const char *section, const char *sql,
				 bool transactional, const char *file, int file_offset)
{
	ScriptContext c = {id, section, sql, 0, 0, file, file_offset};
	ListCell   *lc;

	foreach(lc, statements_parse(&c))
	{
		Statement  *s = lfirst(lc);
		int			n = foreach_current_index(lc) + 1;
		const char *what;

		if (IsA(s->stmt, TransactionStmt))
			statements_refuse_transaction_control(&c, n, s->line);
		/* through SPI (transactional), no client is there for the data */
		if (transactional && IsA(s->stmt, CopyStmt) &&
			((CopyStmt *) s->stmt)->filename == NULL && !((CopyStmt *) s->stmt)->is_program)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("%s script of revision \"%s\" runs COPY %s, which needs a client",
							section, id, ((CopyStmt *) s->stmt)->is_from ? "FROM STDIN" : "TO STDOUT"),
					 errdetail("Statement %d at line %d%s; scripts run in the server, where no client sends or receives the data.",
							   n, user_line(&c, s->line), file ? " of the file" : ""),
					 errhint("Put the rows in INSERT statements, or COPY from a file on the server; in a revision marked \"-- migrate:transactional false\", psql's \\gexec runs it with psql as the client.")));
		if (transactional && (what = top_level_only(s->stmt)) != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
					 errmsg("%s script of revision \"%s\" runs %s, which cannot run inside a transaction block",
							section, id, what),
					 errdetail("Statement %d at line %d%s; the revision is transactional, so migrate would run it inside one transaction.",
							   n, user_line(&c, s->line), file ? " of the file" : ""),
					 errhint("Mark the revision non-transactional (\"-- migrate:transactional false\" in its file, or transactional => false), then run its plan from psql with migrate.%s_statements() and \\gexec.",
							 section)));
	}
}

/* The statements of a script, each as its own text. */
List *
statements_split(const char *id, const char *section, const char *sql)
{
	ScriptContext c = {id, section, sql, 0, 0, NULL, 0};
	List	   *out = NIL;
	ListCell   *lc;

	foreach(lc, statements_parse(&c))
		out = lappend(out, ((Statement *) lfirst(lc))->text);
	return out;
}

/*
 * Whether the script's last statement ends with its semicolon (the
 * parser reports the length of an unterminated last statement as 0).
 */
bool
statements_terminated(const char *id, const char *section, const char *sql)
{
	ScriptContext c = {id, section, sql, 0, 0, NULL, 0};
	List	   *raw = parse_raw(&c);

	return raw == NIL || llast_node(RawStmt, raw)->stmt_len != 0;
}

/*
 * The statements of the SQL that describes a desired schema, refusing
 * what cannot describe one: transaction control and statements that only
 * run outside a transaction block (it is built inside a subtransaction),
 * and statements that change data (a schema file is no place for them).
 */
List *
statements_for_schema(const char *sql)
{
	ScriptContext c = {NULL, "schema", sql, 0, 0, NULL, 0};
	List	   *stmts = statements_parse(&c);
	ListCell   *lc;

	foreach(lc, stmts)
	{
		Statement  *s = lfirst(lc);
		int			n = foreach_current_index(lc) + 1;
		const char *tag = GetCommandTagName(CreateCommandTag(s->stmt));
		const char *what;

		if (IsA(s->stmt, TransactionStmt))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TRANSACTION_STATE),
					 errmsg("desired schema SQL must not control transactions"),
					 errdetail("Statement %d at line %d is %s.", n, s->line, tag),
					 errhint("Remove it: the desired schema is built and rolled back inside one subtransaction.")));
		if ((what = top_level_only(s->stmt)) != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
					 errmsg("desired schema SQL runs %s, which cannot run inside a transaction block",
							what),
					 errdetail("Statement %d at line %d.", n, s->line),
					 errhint("Describe the object without it; the diff builds indexes CONCURRENTLY when asked to.")));
		if (IsA(s->stmt, InsertStmt) || IsA(s->stmt, UpdateStmt) ||
			IsA(s->stmt, DeleteStmt) || IsA(s->stmt, MergeStmt) ||
			IsA(s->stmt, CopyStmt) || IsA(s->stmt, TruncateStmt))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("desired schema SQL must not change data"),
					 errdetail("Statement %d at line %d is %s.", n, s->line, tag),
					 errhint("Keep data changes in a revision of their own; the desired schema describes objects only.")));
	}
	return stmts;
}
