/*
 * util.h
 *		Small helpers every part uses: text[] <-> List of C strings, lists
 *		of strings (sorted for lookups), and running code in a subtransaction.
 */
#ifndef MIGRATE_UTIL_H
#define MIGRATE_UTIL_H

#include "nodes/pg_list.h"
#include "utils/elog.h"

extern Datum util_list_to_array(List *strings);
extern List *util_array_to_list(Datum array);
extern char **util_sorted_strings(List *strings);
extern char *util_sorted_find(char **sorted, int n, const char *s);
extern List *util_list_minus(List *a, List *b);
extern char *util_join(List *strings);
extern char *util_join_some(List *strings, int max);

typedef void (*SubxactBody) (void *arg);
extern ErrorData *util_subxact(SubxactBody body, void *arg, bool keep);
extern void util_rethrow_interrupt(ErrorData *err);

#endif							/* MIGRATE_UTIL_H */
