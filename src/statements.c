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

#include "nodes/parsenodes.h"
#include "parser/parser.h"

#include "statements.h"

/*
 * Error context for user SQL.  A syntax error position from parsing the
 * whole script becomes an internal position into it, as SPI does for its
 * queries, so the caret points into the script and not the caller's query.
 */
void
statements_error_callback(void *arg)
{
	ScriptContext *c = arg;
	int			pos = geterrposition();

	if (pos > 0 && c->statement == 0)
	{
		errposition(0);
		internalerrposition(pos);
		internalerrquery(c->sql);
	}
	if (c->statement > 0)
		errcontext("while applying revision \"%s\" (%s), statement %d at line %d",
				   c->revision, c->section, c->statement, c->line);
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

void
statements_refuse_transaction_control(ScriptContext *c, int statement, int line)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TRANSACTION_TERMINATION),
			 errmsg("%s script of revision \"%s\" contains transaction control",
					c->section, c->revision),
			 errdetail("Statement %d at line %d begins, ends or marks a transaction.",
					   statement, line),
			 errhint("Remove it: migrate runs each revision inside the caller's transaction.")));
}

/*
 * Parse a script into Statements (text, line, parse tree); a syntax error
 * names the revision.
 */
List *
statements_parse(ScriptContext *c)
{
	ErrorContextCallback cb;
	List	   *raw;
	List	   *out = NIL;
	ListCell   *lc;
	LineCursor	cur = {0, 1};

	cb.callback = statements_error_callback;
	cb.arg = c;
	cb.previous = error_context_stack;
	error_context_stack = &cb;
	c->statement = 0;
	raw = raw_parser(c->sql, RAW_PARSE_DEFAULT);
	error_context_stack = cb.previous;

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
		s->line = line_at(c->sql, &cur, start);
		s->stmt = rs->stmt;
		out = lappend(out, s);
	}
	return out;
}

/*
 * Registration-time check: the script parses and holds no transaction
 * control, so a revision that could never run is refused up front.
 */
void
statements_check(const char *id, const char *section, const char *sql)
{
	ScriptContext c = {id, section, sql, 0, 0};
	ListCell   *lc;

	foreach(lc, statements_parse(&c))
	{
		Statement  *s = lfirst(lc);

		if (IsA(s->stmt, TransactionStmt))
			statements_refuse_transaction_control(&c, foreach_current_index(lc) + 1, s->line);
	}
}

/* The statements of a script, each as its own text. */
List *
statements_split(const char *id, const char *section, const char *sql)
{
	ScriptContext c = {id, section, sql, 0, 0};
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
	ScriptContext c = {id, section, sql, 0, 0};
	List	   *raw;
	ErrorContextCallback cb;

	cb.callback = statements_error_callback;
	cb.arg = &c;
	cb.previous = error_context_stack;
	error_context_stack = &cb;
	raw = raw_parser(sql, RAW_PARSE_DEFAULT);
	error_context_stack = cb.previous;
	return raw == NIL || llast_node(RawStmt, raw)->stmt_len != 0;
}
