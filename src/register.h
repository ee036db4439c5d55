/*
 * register.h
 *		The rules for registering revisions: new ones, files loaded again,
 *		and revisions dropped.
 */
#ifndef MIGRATE_REGISTER_H
#define MIGRATE_REGISTER_H

#include "store.h"

extern char *register_new(NewRevision *rev);
extern char *register_load(const char *text);
extern char *register_merge(List *parents, const char *message, const char *id);
extern void register_drop(const char *id);

#endif							/* MIGRATE_REGISTER_H */
