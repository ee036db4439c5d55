/*
 * register.h
 *		The rules for registering revisions: new ones, files loaded again,
 *		and revisions dropped.
 */
#ifndef MIGRATE_REGISTER_H
#define MIGRATE_REGISTER_H

#include "script.h"
#include "store.h"

extern char *register_new(NewRevision *rev);
extern bool register_read_file(const char *text, NewRevision *rev,
							   ScriptError *err);
extern bool register_unchanged(NewRevision *rev, NewRevision *stored);
extern char *register_load(const char *text, const char **status,
						   char **detail);
extern char *register_merge(List *parents, const char *message, const char *id);
extern void register_drop(const char *id);

#endif							/* MIGRATE_REGISTER_H */
