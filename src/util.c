/*
 * util.c
 *		Helpers every part of migrate uses: text[] arrays as lists of C
 *		strings, and running a piece of code in a subtransaction.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

#include "util.h"

Datum
util_list_to_array(List *strings)
{
	int			n = list_length(strings);
	Datum	   *elems = palloc(Max(n, 1) * sizeof(Datum));
	ListCell   *lc;
	int			i = 0;

	foreach(lc, strings)
		elems[i++] = CStringGetTextDatum((char *) lfirst(lc));
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false,
										   TYPALIGN_INT));
}

List *
util_array_to_list(Datum array)
{
	ArrayType  *arr = DatumGetArrayTypeP(array);
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				i;
	List	   *out = NIL;

	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	for (i = 0; i < n; i++)
		if (!nulls[i])
			out = lappend(out, TextDatumGetCString(elems[i]));
	return out;
}

static int
cmp_cstring_ptr(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/*
 * The strings of a list as a sorted array (never NULL, even when empty),
 * for util_sorted_find: one sort, then a binary search per lookup.
 */
char	  **
util_sorted_strings(List *strings)
{
	char	  **sorted = palloc(Max(list_length(strings), 1) * sizeof(char *));
	ListCell   *lc;

	foreach(lc, strings)
		sorted[foreach_current_index(lc)] = lfirst(lc);
	qsort(sorted, list_length(strings), sizeof(char *), cmp_cstring_ptr);
	return sorted;
}

/* The element of sorted equal to s, or NULL. */
char *
util_sorted_find(char **sorted, int n, const char *s)
{
	char	  **found = bsearch(&s, sorted, n, sizeof(char *), cmp_cstring_ptr);

	return found ? *found : NULL;
}

/*
 * The strings of a that are not in b, in a's order.  b is sorted once and
 * searched: version tables of ten thousand rows come through here.
 */
List *
util_list_minus(List *a, List *b)
{
	List	   *out = NIL;
	ListCell   *lc;
	char	  **sorted = util_sorted_strings(b);

	foreach(lc, a)
		if (util_sorted_find(sorted, list_length(b), lfirst(lc)) == NULL)
			out = lappend(out, lfirst(lc));
	pfree(sorted);
	return out;
}

/* "a, b, c" */
char *
util_join(List *strings)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, strings)
		appendStringInfo(&buf, "%s%s", foreach_current_index(lc) ? ", " : "", (char *) lfirst(lc));
	return buf.data;
}

/* "a, b, c and 7 more": at most max strings, for messages */
char *
util_join_some(List *strings, int max)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, strings)
	{
		if (foreach_current_index(lc) == max)
		{
			appendStringInfo(&buf, " and %d more", list_length(strings) - max);
			break;
		}
		appendStringInfo(&buf, "%s%s", foreach_current_index(lc) ? ", " : "", (char *) lfirst(lc));
	}
	return buf.data;
}

/*
 * Run body in an internal subtransaction, kept (released) or rolled back
 * at the end as asked.  Returns NULL, or the error body raised, copied
 * into the caller's memory context after the subtransaction is rolled
 * back.  The caller's memory context and resource owner are restored
 * either way.
 */
ErrorData *
util_subxact(SubxactBody body, void *arg, bool keep)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	ErrorData  *volatile err = NULL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		body(arg);
		MemoryContextSwitchTo(cxt);
		if (keep)
			ReleaseCurrentSubTransaction();
		else
			RollbackAndReleaseCurrentSubTransaction();
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		err = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
	}
	PG_END_TRY();
	MemoryContextSwitchTo(cxt);
	CurrentResourceOwner = owner;
	return err;
}

/*
 * Raise err again if it is the caller's and not the code's that failed:
 * a cancel, statement_timeout, shutdown (class 57) or serialization
 * failure and deadlock (class 40) must not be turned into a report.
 */
void
util_rethrow_interrupt(ErrorData *err)
{
	int			category = ERRCODE_TO_CATEGORY(err->sqlerrcode);

	if (category == ERRCODE_OPERATOR_INTERVENTION ||
		category == ERRCODE_TRANSACTION_ROLLBACK)
		ReThrowError(err);
}
