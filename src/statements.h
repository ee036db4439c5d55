/*
 * statements.h
 *		The SQL of a revision script as the server's parser sees it: split
 *		into statements, each with its line, checked at registration, and
 *		named in the context of an error.
 */
#ifndef MIGRATE_STATEMENTS_H
#define MIGRATE_STATEMENTS_H

#include "nodes/nodes.h"
#include "nodes/pg_list.h"

/* Where a script's SQL is, for error context callbacks. */
typedef struct ScriptContext
{
	const char *revision;
	const char *section;		/* "upgrade" or "downgrade" */
	const char *sql;			/* the whole script */
	int			statement;		/* 1-based, 0 while parsing */
	int			line;
	const char *file;			/* the revision file sql was cut from, or NULL */
	int			file_offset;	/* where in file sql starts (bytes) */
} ScriptContext;

/* One statement of a script. */
typedef struct Statement
{
	char	   *text;			/* without the white space before it */
	int			line;			/* 1-based, of the script */
	Node	   *stmt;			/* the raw parse tree */
} Statement;

extern void statements_error_callback(void *arg);
extern List *statements_parse(ScriptContext *c);
extern void statements_refuse_transaction_control(ScriptContext *c,
												  int statement, int line);
extern void statements_check(const char *id, const char *section,
							 const char *sql, bool transactional,
							 const char *file, int file_offset);
extern List *statements_split(const char *id, const char *section,
							  const char *sql);
extern List *statements_for_schema(const char *sql);
extern bool statements_terminated(const char *id, const char *section,
								  const char *sql);

#endif							/* MIGRATE_STATEMENTS_H */
