/*
 * script.h
 *		The revision file format: "-- migrate:<directive>" header lines,
 *		then an upgrade section and an optional downgrade section.
 *
 * Pure C without backend calls: the fuzzers and the command-line client
 * link script.c, so that no two programs can disagree about a file.
 * Results point into the input; nothing is allocated.
 */
#ifndef MIGRATE_SCRIPT_H
#define MIGRATE_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct ScriptText
{
	const char *ptr;
	size_t		len;
	int			line;			/* line of the directive, 0 if absent */
} ScriptText;

typedef struct ScriptFile
{
	ScriptText	revision;
	ScriptText	revises;
	ScriptText	message;
	ScriptText	branch_labels;
	ScriptText	depends_on;
	ScriptText	transactional;
	ScriptText	upgrade;
	ScriptText	downgrade;
	bool		is_transactional;
} ScriptFile;

typedef struct ScriptError
{
	int			line;
	char		message[256];
} ScriptError;

extern bool script_parse(const char *text, size_t len, ScriptFile *out,
						 ScriptError *err);
extern bool script_next_item(ScriptText *list, ScriptText *item);

#endif							/* MIGRATE_SCRIPT_H */
